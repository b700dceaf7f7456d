//! Percent-decoding against the WHATWG URL standard's examples and the
//! encodings evasions use.

use super::super::percent::decode_capped;
use super::super::*;

fn decode(input: &[u8], plus: bool) -> (Vec<u8>, Flags) {
    let mut out = Vec::new();
    let flags = percent_decode(input, plus, &mut out);
    (out, flags)
}

#[test]
fn whatwg_examples() {
    // WHATWG URL, "percent-decode": "%25%s%1G" becomes "%%s%1G".
    let (out, flags) = decode(b"%25%s%1G", false);
    assert_eq!(out, b"%%s%1G");
    assert!(flags.contains(Flag::InvalidPercent));
    assert!(!flags.contains(Flag::DoubleEncoded));

    // "‽%25%2E" becomes 0xE2 0x80 0xBD 0x25 0x2E.
    let (out, flags) = decode("‽%25%2E".as_bytes(), false);
    assert_eq!(out, [0xE2, 0x80, 0xBD, 0x25, 0x2E]);
    assert!(flags.is_empty(), "{flags}");
}

#[test]
fn plus_is_a_space_only_in_form_text() {
    assert_eq!(decode(b"a+b%2B", true).0, b"a b+");
    assert_eq!(decode(b"a+b%2B", false).0, b"a+b+");
}

#[test]
fn hex_digits_in_either_case() {
    let (out, flags) = decode(b"%2f%2F%c3%A9", false);
    assert_eq!(out, "//é".as_bytes());
    assert!(flags.is_empty(), "{flags}");
}

#[test]
fn truncated_escapes_are_kept_and_flagged() {
    for input in [&b"%"[..], b"%4", b"a%", b"%g1", b"%u12"] {
        let (out, flags) = decode(input, false);
        assert_eq!(out, input);
        assert!(flags.contains(Flag::InvalidPercent), "{input:?}");
    }
}

#[test]
fn double_encoding_is_flagged_not_decoded_twice() {
    let (out, flags) = decode(b"%252e%252e%252f", false);
    assert_eq!(out, b"%2e%2e%2f");
    assert!(flags.contains(Flag::DoubleEncoded));

    // Nested: "%%32%65" decodes to "%2e".
    let (out, flags) = decode(b"%%32%65", false);
    assert_eq!(out, b"%2e");
    assert!(flags.contains(Flag::DoubleEncoded));

    // A literal percent sign is not double encoding.
    assert!(!decode(b"100%25", false).1.contains(Flag::DoubleEncoded));
}

#[test]
fn percent_u_is_decoded_and_flagged() {
    let (out, flags) = decode(b"%u002e%U002F", false);
    assert_eq!(out, b"./");
    assert!(flags.contains(Flag::PercentU));

    // U+1F600 as a surrogate pair.
    let (out, flags) = decode(b"%uD83D%uDE00", false);
    assert_eq!(out, "\u{1F600}".as_bytes());
    assert!(!flags.contains(Flag::InvalidUtf8));

    let (out, flags) = decode(b"%uD800x", false);
    assert_eq!(out, "\u{FFFD}x".as_bytes());
    assert!(flags.contains(Flag::InvalidUtf8));
}

#[test]
fn nul_and_bad_utf8_are_flagged() {
    assert!(decode(b"a%00b", false).1.contains(Flag::NulByte));

    let (out, flags) = decode(b"%c0%af", false);
    assert_eq!(out, [0xC0, 0xAF]);
    assert!(flags.contains(Flag::OverlongUtf8));
    assert!(flags.contains(Flag::InvalidUtf8));

    let flags = decode(b"%e0%80%ae", false).1;
    assert!(flags.contains(Flag::OverlongUtf8));

    // Latin-1 text is invalid UTF-8 but not an overlong form.
    let flags = decode(b"caf%e9", false).1;
    assert!(flags.contains(Flag::InvalidUtf8));
    assert!(!flags.contains(Flag::OverlongUtf8));
}

#[test]
fn capped_decoding_stops_at_the_limit() {
    let mut out = Vec::new();
    let flags = decode_capped(b"ab%41cd", false, &mut out, 3);
    assert_eq!(out, b"abA");
    assert!(flags.contains(Flag::TooLong));

    // A character cut in half by the limit is not an encoding anomaly.
    out.clear();
    let flags = decode_capped("aé".as_bytes(), false, &mut out, 2);
    assert_eq!(out, [b'a', 0xC3]);
    assert!(!flags.contains(Flag::InvalidUtf8));
    out.clear();
    let flags = decode_capped(b"a%C3%A9", false, &mut out, 2);
    assert_eq!(out, [b'a', 0xC3]);
    assert!(!flags.contains(Flag::InvalidUtf8));
}
