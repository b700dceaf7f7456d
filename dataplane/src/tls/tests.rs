//! Tests for the ClientHello parser and JA4: hand-built hellos in the
//! RFC 8446 layout, malformed and truncated input, arbitrary bytes, and the
//! reference fingerprints of the captures in the shared corpus.

mod corpus;

use proptest::prelude::*;

use super::*;

/// Cipher suites of a recent browser hello, GREASE first.
const BROWSER_CIPHERS: [u16; 16] = [
    0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
    0x009c, 0x009d, 0x002f, 0x0035,
];

/// Extension types of the same hello (bodies filled in by `browser_hello`).
const BROWSER_EXTENSIONS: [u16; 18] = [
    0x3a3a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
    0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0x4a4a,
];

const BROWSER_SCHEMES: [u16; 8] = [
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
];

fn u16s(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

fn vec16(body: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

fn vec8(body: &[u8]) -> Vec<u8> {
    let mut out = vec![u8::try_from(body.len()).unwrap()];
    out.extend_from_slice(body);
    out
}

/// A ClientHello body with the given ciphers and (type, body) extensions.
fn hello_body(version: u16, ciphers: &[u16], extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut body = version.to_be_bytes().to_vec();
    body.extend_from_slice(&[0x11; 32]);
    body.extend(vec8(&[0x22; 32]));
    body.extend(vec16(&u16s(ciphers)));
    body.extend(vec8(&[0]));
    if !extensions.is_empty() {
        let block: Vec<u8> = extensions
            .iter()
            .flat_map(|(kind, data)| [kind.to_be_bytes().to_vec(), vec16(data)].concat())
            .collect();
        body.extend(vec16(&block));
    }
    body
}

/// Handshake header plus body, in records of at most `record_len` bytes.
pub(crate) fn records(msg_type: u8, body: &[u8], record_len: usize) -> Vec<u8> {
    let mut message = vec![msg_type];
    message.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
    message.extend_from_slice(body);
    message
        .chunks(record_len)
        .flat_map(|chunk| [vec![22, 3, 1], vec16(chunk)].concat())
        .collect()
}

fn sni(host: &str) -> Vec<u8> {
    vec16(&[vec![0], vec16(host.as_bytes())].concat())
}

fn alpn(names: &[&[u8]]) -> Vec<u8> {
    vec16(&names.iter().flat_map(|n| vec8(n)).collect::<Vec<u8>>())
}

fn browser_extension(kind: u16, alpn_name: &[u8]) -> (u16, Vec<u8>) {
    let data = match kind {
        0x0000 => sni("example.com"),
        0x0010 => alpn(&[alpn_name, b"http/1.1"]),
        0x002b => vec8(&u16s(&[0x5a5a, 0x0304, 0x0303])),
        0x000d => vec16(&u16s(&BROWSER_SCHEMES)),
        _ => Vec::new(),
    };
    (kind, data)
}

pub(crate) fn browser_hello(alpn_name: &[u8]) -> Vec<u8> {
    let exts: Vec<_> = BROWSER_EXTENSIONS
        .iter()
        .map(|k| browser_extension(*k, alpn_name))
        .collect();
    hello_body(0x0303, &BROWSER_CIPHERS, &exts)
}

#[test]
fn parses_every_field() {
    let body = browser_hello(b"h2");
    let hello = ClientHello::parse(&body).unwrap();
    assert_eq!(hello.legacy_version, 0x0303);
    assert_eq!(hello.random, &[0x11; 32]);
    assert_eq!(hello.session_id, &[0x22; 32]);
    assert_eq!(
        hello.cipher_suites.iter().collect::<Vec<_>>(),
        BROWSER_CIPHERS
    );
    assert_eq!(hello.compression_methods, &[0]);
    let kinds: Vec<u16> = hello.extensions.iter().map(|e| e.kind.0).collect();
    assert_eq!(kinds, BROWSER_EXTENSIONS);
    assert_eq!(hello.server_name, Some(&b"example.com"[..]));
    let names: Vec<&[u8]> = hello.alpn.unwrap().iter().collect();
    assert_eq!(names, [&b"h2"[..], b"http/1.1"]);
    let versions: Vec<u16> = hello.supported_versions.unwrap().iter().collect();
    assert_eq!(versions, [0x5a5a, 0x0304, 0x0303]);
    let schemes: Vec<u16> = hello.signature_algorithms.unwrap().iter().collect();
    assert_eq!(schemes, BROWSER_SCHEMES);
}

#[test]
fn browser_hello_has_the_reference_fingerprint() {
    let stream = records(1, &browser_hello(b"h2"), 1 << 14);
    let ja4 = ja4_of_stream(&stream).unwrap();
    assert_eq!(ja4.to_string(), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_eq!(ja4.prefix(), "t13d1516h2");
}

#[test]
fn hello_split_over_records_is_reassembled() {
    let body = browser_hello(b"h2");
    let stream = records(1, &body, 7);
    let message = read_handshake(&stream).unwrap();
    assert!(message.is_reassembled());
    assert_eq!(message.consumed(), stream.len());
    assert_eq!(message.body(), body.as_slice());
    let ja4 = Ja4::of(&ClientHello::from_message(&message).unwrap());
    assert_eq!(ja4.to_string(), "t13d1516h2_8daaf6152771_e5627efa2ab1");
}

#[test]
fn every_truncation_needs_more() {
    let stream = records(1, &browser_hello(b"h2"), 100);
    for len in 0..stream.len() {
        assert_eq!(
            ja4_of_stream(&stream[..len]),
            Err(Error::NeedMore),
            "length {len}"
        );
    }
}

#[test]
fn grease_values_are_recognised() {
    let grease: Vec<u16> = (0..=0xffff).filter(|v| is_grease(*v)).collect();
    let expected: Vec<u16> = (0..16).map(|i| 0x0a0a + 0x1010 * i).collect();
    assert_eq!(grease, expected);
    assert!(ExtensionType(0xdada).is_grease());
    assert!(!ExtensionType::ALPN.is_grease());
}

#[test]
fn alpn_characters() {
    let cases: [(&[u8], &str); 4] = [
        (b"h2", "h2"),
        (b"h", "hh"),
        (&[0xba, 0xad], "bd"),
        (b"http/1.1", "h1"),
    ];
    for (name, chars) in cases {
        let stream = records(1, &browser_hello(name), 1 << 14);
        let ja4 = ja4_of_stream(&stream).unwrap();
        assert_eq!(&ja4.prefix()[8..], chars, "{name:?}");
    }
}

#[test]
fn old_hello_without_extensions() {
    let body = hello_body(0x0301, &[0x002f, 0x0035], &[]);
    let hello = ClientHello::parse(&body).unwrap();
    assert!(hello.extensions.is_empty());
    assert_eq!(Ja4::raw(&hello), "t10i020000_002f,0035_");
    assert!(Ja4::of(&hello).to_string().ends_with("_000000000000"));
}

#[test]
fn empty_lists_hash_to_zeros() {
    let body = hello_body(0x0303, &[0x0a0a], &[(0x0000, sni("a"))]);
    let hello = ClientHello::parse(&body).unwrap();
    assert_eq!(
        Ja4::of(&hello).to_string(),
        "t12d000100_000000000000_000000000000"
    );
}

#[test]
fn malformed_input_is_named() {
    let body = browser_hello(b"h2");
    let cases = [
        (vec![23, 3, 3, 0, 1, 0], Error::NotHandshake(23)),
        (vec![22, 2, 0, 0, 1, 0], Error::BadRecordVersion(0x0200)),
        (vec![22, 3, 1, 0, 0], Error::EmptyRecord),
        (vec![22, 3, 1, 0x40, 1], Error::RecordOverflow),
        (vec![22, 3, 1, 0, 4, 1, 0, 0x50, 0], Error::TooLarge),
        (
            records(2, &body, 1 << 14),
            Error::NotClientHello(HandshakeType::ServerHello),
        ),
        (
            records(1, &body[..40], 1 << 14),
            Error::Truncated(Field::SessionId),
        ),
        (
            records(1, &[body.clone(), vec![0]].concat(), 1 << 14),
            Error::TrailingBytes(Field::Extensions),
        ),
    ];
    for (stream, error) in cases {
        assert_eq!(ja4_of_stream(&stream), Err(error), "{stream:02x?}");
    }
}

#[test]
fn bad_extension_bodies_are_rejected() {
    let odd = hello_body(0x0303, &[0x1301], &[(0x000d, vec![0, 3, 4, 3, 8])]);
    assert_eq!(
        ClientHello::parse(&odd).err(),
        Some(Error::OddLength(Field::SignatureAlgorithms))
    );
    let alpn = hello_body(0x0303, &[0x1301], &[(0x0010, vec![0, 3, 5, b'h', b'2'])]);
    assert_eq!(
        ClientHello::parse(&alpn).err(),
        Some(Error::Truncated(Field::Alpn))
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = ja4_of_stream(&bytes);
        let _ = ClientHello::parse(&bytes);
        let framed = records(1, &bytes, 64);
        if let Ok(hello) = ClientHello::parse(&bytes) {
            let _ = Ja4::raw(&hello);
        }
        let _ = ja4_of_stream(&framed);
    }

    #[test]
    fn mutated_hellos_never_panic(at in 0usize..400, value in any::<u8>(), cut in 0usize..420) {
        let mut body = browser_hello(b"h2");
        if let Some(byte) = body.get_mut(at) {
            *byte = value;
        }
        body.truncate(cut.max(1));
        let stream = records(1, &body, 90);
        if let Ok(ja4) = ja4_of_stream(&stream) {
            prop_assert_eq!(ja4.to_string().len(), 36);
        }
    }
}
