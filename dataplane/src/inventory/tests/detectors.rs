//! Detectors, value types and auth schemes against published reference
//! values: payment networks' test card numbers, the IBAN registry's
//! example IBANs, the SSA's never-issued SSN ranges, RFC 7519's example
//! JWTs, AWS's documented example key id, RFC 7468's PEM labels.

use crate::http::Header;
use crate::inventory::auth::{jwt_alg, schemes, Auth};
use crate::inventory::sensitive::{iban_mod97, luhn_valid, mask, scan, SensitiveKind as K};
use crate::inventory::value::{classify, ValueType as T};

fn kinds(text: &str) -> Vec<K> {
    scan(text.as_bytes()).iter().collect()
}

/// Test card numbers published by card processors for each network.
const TEST_CARDS: [&str; 14] = [
    "4111111111111111",
    "4012888888881881",
    "4222222222222",
    "5555555555554444",
    "5105105105105100",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "6011111111111117",
    "6011000990139424",
    "30569309025904",
    "3530111333300000",
    "3566002020360505",
    "6200000000000005",
];

#[test]
fn test_cards_are_found_in_any_usual_writing() {
    for card in TEST_CARDS {
        assert_eq!(kinds(card), [K::CardNumber], "{card}");
        let json = format!(r#"{{"pan":"{card}","exp":"12/30"}}"#);
        assert_eq!(kinds(&json), [K::CardNumber], "{json}");
    }
    assert_eq!(kinds("card 4111 1111 1111 1111 ok"), [K::CardNumber]);
    assert_eq!(kinds("4111-1111-1111-1111"), [K::CardNumber]);
}

#[test]
fn numbers_failing_luhn_or_issuer_are_not_cards() {
    // One digit changed: the Luhn check fails.
    assert!(kinds("4111111111111112").is_empty());
    assert!(kinds("5555555555554445").is_empty());
    // Luhn-valid but no network issues it (prefix 9, length 16).
    assert!(luhn_valid(&[
        9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0
    ]));
    assert!(kinds("9111111111111110").is_empty());
    // Part of a longer digit run, or glued to letters.
    assert!(kinds("41111111111111110").is_empty());
    assert!(kinds("id4111111111111111").is_empty());
    // Timestamps and counters.
    assert!(kinds("1700000000123").is_empty());
}

#[test]
fn luhn_matches_the_worked_example() {
    // The worked example of ISO/IEC 7812-1 Annex B as usually cited:
    // 7992739871 with check digit 3.
    assert!(luhn_valid(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
    assert!(!luhn_valid(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4]));
    assert!(!luhn_valid(&[]));
}

/// Example IBANs of the SWIFT IBAN registry (electronic and print format).
const IBANS: [&str; 11] = [
    "DE89370400440532013000",
    "GB29NWBK60161331926819",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "CH9300762011623852957",
    "IT60X0542811101000000123456",
    "ES9121000418450200051332",
    "AT611904300234573201",
    "NO9386011117947",
    "GB29 NWBK 6016 1331 9268 19",
];

#[test]
fn registry_ibans_pass_mod97_and_are_found() {
    for iban in IBANS {
        let chars: Vec<u8> = iban.bytes().filter(|b| *b != b' ').collect();
        assert_eq!(iban_mod97(&chars), Some(1), "{iban}");
        assert_eq!(kinds(&format!("iban: {iban}.")), [K::Iban], "{iban}");
    }
    // One character changed: mod 97 is no longer 1.
    assert!(kinds("DE89370400440532013001").is_empty());
    assert!(kinds("GB29NWBK60161331926818").is_empty());
    // Upper-case words that start like a country code are not IBANs.
    assert!(kinds("AB12CDEFGHIJKLMNOP").is_empty());
}

#[test]
fn ssns_outside_the_never_issued_ranges_are_found() {
    assert_eq!(kinds("ssn=078-05-1120"), [K::UsSsn]);
    assert_eq!(kinds("\"219-09-9999\""), [K::UsSsn]);
    // The SSA never issues area 000, 666 or 900-999, group 00, serial 0000.
    for never in [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "123-00-4567",
        "123-45-0000",
    ] {
        assert!(kinds(never).is_empty(), "{never}");
    }
    // Dates and versions are not SSNs.
    assert!(kinds("2024-01-15").is_empty());
}

#[test]
fn emails_and_phones_are_found() {
    assert_eq!(kinds("mail jane.doe+api@example.com now"), [K::Email]);
    assert_eq!(kinds(r#"{"to":"ops@mail.example.org"}"#), [K::Email]);
    for not_email in ["a@b", "@example.com", "user@localhost", "x@example.c0m"] {
        assert!(kinds(not_email).is_empty(), "{not_email}");
    }
    // E.164 and North American writings.
    for phone in [
        "+14155552671",
        "+44 20 7946 0958",
        "(415) 555-2671",
        "415-555-2671",
    ] {
        assert_eq!(kinds(phone), [K::Phone], "{phone}");
    }
    // NANP area codes never start with 0 or 1; E.164 country codes never 0.
    for not_phone in ["123-456-7890", "+0123456789", "1.2.3", "+1234"] {
        assert!(kinds(not_phone).is_empty(), "{not_phone}");
    }
}

/// RFC 7519 §3.1's example JWT (HS256) and §6.1's unsecured JWT.
const JWT_HS256: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.\
    eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.\
    dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const JWT_NONE: &str = "eyJhbGciOiJub25lIn0.\
    eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";

#[test]
fn rfc7519_jwts_are_found_with_their_alg() {
    let hs = JWT_HS256.replace(' ', "");
    let none = JWT_NONE.replace(' ', "");
    assert_eq!(kinds(&format!("token={hs}&x=1")), [K::Jwt]);
    assert_eq!(kinds(&none), [K::Jwt]);
    assert_eq!(jwt_alg(hs.as_bytes()).as_deref(), Some("HS256"));
    assert_eq!(jwt_alg(none.as_bytes()).as_deref(), Some("none"));
    assert_eq!(jwt_alg(b"eyJhbGciOiJub25lIn0"), None);
    assert!(kinds("eyJhbGciOiJub25lIn0.abc").is_empty());
}

#[test]
fn keys_are_found() {
    // AWS's documented example access key id.
    assert_eq!(
        kinds("aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
        [K::CloudKey]
    );
    assert!(kinds("AKIAIOSFODNN7EXAMPLEX").is_empty());
    // A Google API key has `AIza` and 35 URL-safe characters (shape only).
    assert_eq!(
        kinds("key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe"),
        [K::CloudKey]
    );
    // RFC 7468 private key labels, and labels that are not secret.
    for label in [
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
    ] {
        let pem = format!("-----BEGIN {label}-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\n");
        assert_eq!(kinds(&pem), [K::PrivateKey], "{label}");
    }
    for label in ["CERTIFICATE", "PUBLIC KEY"] {
        assert!(
            kinds(&format!("-----BEGIN {label}-----\n")).is_empty(),
            "{label}"
        );
    }
}

#[test]
fn several_kinds_in_one_body_and_masking() {
    let body =
        r#"{"email":"a.b@example.com","card":"5555555555554444","iban":"NL91ABNA0417164300"}"#;
    assert_eq!(kinds(body), [K::CardNumber, K::Iban, K::Email]);
    assert_eq!(mask(b"4111111111111111"), "************1111");
    assert_eq!(mask(b"secret"), "******");
    assert!(kinds("").is_empty());
}

#[test]
fn value_types() {
    let cases: [(&str, T); 15] = [
        ("42", T::Integer),
        ("-7", T::Integer),
        ("123456789012345678901234567890", T::Integer),
        ("3.25", T::Number),
        ("true", T::Boolean),
        ("123e4567-e89b-12d3-a456-426614174000", T::Uuid),
        ("9f86d081884c7d659a2feaa0c55ad015", T::Hex),
        ("2024-02-29", T::Date),
        ("2024-02-29T12:00:00Z", T::DateTime),
        ("jane@example.com", T::Email),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", T::Token),
        ("users", T::String),
        ("v1", T::String),
        ("2024-13-01", T::String),
        ("deadbeef", T::String),
    ];
    for (v, want) in cases {
        assert_eq!(classify(v.as_bytes()), want, "{v}");
    }
}

fn header(name: &str, value: &str) -> Header {
    Header {
        name: name.as_bytes().to_vec(),
        value: value.as_bytes().to_vec(),
    }
}

#[test]
fn auth_schemes() {
    let none = schemes(&[], std::iter::empty(), std::iter::empty());
    assert_eq!(none, [Auth::None]);
    // RFC 7617's example credentials.
    let basic = [header(
        "Authorization",
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    )];
    assert_eq!(
        schemes(&basic, std::iter::empty(), std::iter::empty()),
        [Auth::Basic]
    );
    let bearer = [header(
        "authorization",
        &format!("Bearer {}", JWT_NONE.replace(' ', "")),
    )];
    let got = schemes(&bearer, std::iter::empty(), std::iter::empty());
    assert_eq!(got, [Auth::BearerJwt { alg: "none".into() }]);
    let opaque = [header("Authorization", "Bearer mF_9.B5f-4.1JqM")];
    assert_eq!(
        schemes(&opaque, std::iter::empty(), std::iter::empty()),
        [Auth::Bearer]
    );
    let keyed = [header("X-API-Key", "abc")];
    let query = [&b"api_key"[..]];
    let cookies = [&b"JSESSIONID"[..], &b"theme"[..]];
    let got = schemes(&keyed, query.into_iter(), cookies.into_iter());
    assert_eq!(
        got,
        [
            Auth::ApiKeyHeader {
                name: "x-api-key".into()
            },
            Auth::ApiKeyQuery {
                name: "api_key".into()
            },
            Auth::SessionCookie {
                name: "JSESSIONID".into()
            },
        ]
    );
}
