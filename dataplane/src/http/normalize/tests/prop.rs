//! Property tests: round trips through independent encoders (a percent
//! encoder, a form serializer, a multipart writer, serde_json), structural
//! guarantees of path normalization, and limits held for any input.

use proptest::prelude::*;
use serde_json::Value;

use super::super::*;

/// Percent-encodes every byte outside the RFC 3986 unreserved set.
fn encode(bytes: &[u8], space_as_plus: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for &b in bytes {
        match b {
            b' ' if space_as_plus => out.push(b'+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b),
            _ => out.extend_from_slice(format!("%{b:02X}").as_bytes()),
        }
    }
    out
}

/// The flattening written the obvious recursive way over serde_json's tree.
fn reference_flatten(value: &Value, path: String, out: &mut Vec<(Vec<u8>, Vec<u8>)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                reference_flatten(child, format!("{path}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                reference_flatten(child, format!("{path}/{i}"), out);
            }
        }
        Value::String(s) => out.push((path.into_bytes(), s.clone().into_bytes())),
        scalar => out.push((path.into_bytes(), scalar.to_string().into_bytes())),
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Names and values of `params`, as plain pairs.
fn pairs_of(params: Vec<Param>) -> Vec<(Vec<u8>, Vec<u8>)> {
    params.into_iter().map(|p| (p.name, p.value)).collect()
}

/// A multipart body with a preamble, one part per field, and `eol` line
/// ends, under the boundary "7d0b3a".
fn multipart_body(fields: &[(String, Vec<u8>)], eol: &[u8]) -> Vec<u8> {
    let mut body = b"preamble".to_vec();
    for (name, data) in fields {
        let disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
        for piece in [
            eol,
            b"--7d0b3a",
            eol,
            disposition.as_bytes(),
            eol,
            eol,
            data,
        ] {
            body.extend_from_slice(piece);
        }
    }
    body.extend_from_slice(eol);
    body.extend_from_slice(b"--7d0b3a--");
    body
}

fn small_limits() -> impl Strategy<Value = Limits> {
    (
        0usize..8,
        0usize..16,
        0usize..16,
        0usize..5,
        0usize..32,
        0usize..6,
    )
        .prop_map(
            |(max_params, max_name, max_value, max_parts, max_part_data, max_depth)| Limits {
                max_params,
                max_name,
                max_value,
                max_parts,
                max_part_data,
                max_depth,
            },
        )
}

fn within(params: &[Param], limits: &Limits) -> bool {
    params.len() <= limits.max_params
        && params.iter().all(|p| p.name.len() <= limits.max_name)
        && params.iter().all(|p| p.value.len() <= limits.max_value)
}

/// Bytes rich in the characters the normalizers react to.
fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
    let alphabet = b"%/\\.;=&+\"{}[]:,-0123456789abcdefu \r\n\t~\x00\xC0\xAF".to_vec();
    prop::collection::vec(prop::sample::select(alphabet), 0..64)
}

proptest! {
    #[test]
    fn percent_encoding_round_trips(bytes in any::<Vec<u8>>(), plus in any::<bool>()) {
        let mut out = Vec::new();
        let flags = percent_decode(&encode(&bytes, plus), plus, &mut out);
        prop_assert_eq!(&out, &bytes);
        prop_assert!(!flags.contains(Flag::InvalidPercent));
        prop_assert!(!flags.contains(Flag::PercentU));
    }

    #[test]
    fn decoding_never_grows(bytes in tricky_bytes(), plus in any::<bool>()) {
        let mut out = Vec::new();
        percent_decode(&bytes, plus, &mut out);
        prop_assert!(out.len() <= bytes.len());
    }

    #[test]
    fn clean_path_is_idempotent(bytes in tricky_bytes()) {
        let (once, _) = clean_path(&bytes);
        let (twice, flags) = clean_path(&once);
        prop_assert_eq!(&twice, &once);
        prop_assert!(flags.is_empty() || flags == Flags::from(Flag::PathParameter));
    }

    #[test]
    fn normalized_paths_are_clean(bytes in tricky_bytes()) {
        let (path, _) = normalize_path(&bytes);
        prop_assert!(path.len() <= bytes.len() + 1);
        if path != b"*" {
            prop_assert_eq!(path.first(), Some(&b'/'));
            prop_assert!(!path.contains(&b'\\'));
            let segments: Vec<&[u8]> = path[1..].split(|b| *b == b'/').collect();
            let count = segments.len();
            for (i, segment) in segments.into_iter().enumerate() {
                prop_assert!(segment != b"." && segment != b"..");
                prop_assert!(!segment.is_empty() || i + 1 == count);
            }
        }
        if !path.contains(&b'%') {
            prop_assert_eq!(normalize_path(&path).0, path);
        }
    }

    #[test]
    fn form_serialization_round_trips(
        pairs in prop::collection::vec((any::<Vec<u8>>(), any::<Vec<u8>>()), 0..8),
    ) {
        let pieces: Vec<Vec<u8>> = pairs
            .iter()
            .map(|(n, v)| [encode(n, true), b"=".to_vec(), encode(v, true)].concat())
            .collect();
        let (params, flags) = parse_urlencoded(&pieces.join(&b'&'), &Limits::default());
        prop_assert_eq!(pairs_of(params), pairs);
        prop_assert!(!flags.contains(Flag::InvalidPercent));
    }

    #[test]
    fn borrowed_pairs_are_what_decoding_would_give(
        text in "[a-z%+=&;25fF ]{0,40}",
        max in 1usize..12,
    ) {
        let input = text.as_bytes();
        let limits = Limits { max_name: max, max_value: max, ..Limits::default() };
        let (pairs, _) = urlencoded_pairs(input, &limits);
        // The reference: the WHATWG split, each half decoded in full.
        let pieces = input.split(|b| *b == b'&').filter(|p| !p.is_empty());
        for ((name, value), piece) in pairs.iter().zip(pieces) {
            let (raw_name, raw_value) = match piece.iter().position(|b| *b == b'=') {
                Some(at) => (&piece[..at], &piece[at + 1..]),
                None => (piece, &b""[..]),
            };
            for (half, raw) in [(name, raw_name), (value, raw_value)] {
                let mut full = Vec::new();
                percent_decode(raw, true, &mut full);
                if let std::borrow::Cow::Borrowed(borrowed) = half {
                    let inside = input.as_ptr_range();
                    prop_assert!(inside.contains(&borrowed.as_ptr()) || borrowed.is_empty());
                    prop_assert_eq!(*borrowed, raw);
                }
                if full.len() <= max {
                    prop_assert_eq!(half.as_ref(), &full[..]);
                } else {
                    prop_assert!(full.starts_with(half) && half.len() <= max);
                }
            }
        }
    }

    #[test]
    fn json_matches_a_recursive_reference(value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap();
        let mut want = Vec::new();
        reference_flatten(&value, String::new(), &mut want);
        let limits = Limits {
            max_params: 10_000,
            max_name: 10_000,
            max_value: 10_000,
            ..Limits::default()
        };
        let (params, flags) = flatten_json(&body, &limits);
        prop_assert_eq!(pairs_of(params), want);
        prop_assert!(!flags.contains(Flag::MalformedJson));
    }

    #[test]
    fn multipart_written_then_read(
        fields in prop::collection::vec(("[a-z]{1,8}", any::<Vec<u8>>()), 0..5),
        lf_only in any::<bool>(),
    ) {
        let eol: &[u8] = if lf_only { b"\n" } else { b"\r\n" };
        let body = multipart_body(&fields, eol);
        // The data must not hold the delimiter itself.
        prop_assume!(fields.iter().all(|(_, d)| !d.windows(8).any(|w| w == b"--7d0b3a")));
        // With bare LF line ends, a CR ending the data reads as part of a CRLF.
        prop_assume!(!lf_only || fields.iter().all(|(_, d)| d.last() != Some(&b'\r')));

        let ct = b"multipart/form-data; boundary=7d0b3a";
        let (parts, flags) = parse_multipart(ct, &body, &Limits::default());
        let got: Vec<(String, Vec<u8>)> = parts
            .into_iter()
            .map(|p| (String::from_utf8(p.name).unwrap(), p.data))
            .collect();
        prop_assert_eq!(got, fields);
        prop_assert!(flags.is_empty(), "{}", flags);
    }

    #[test]
    fn limits_hold_for_any_input(bytes in tricky_bytes(), limits in small_limits()) {
        prop_assert!(within(&parse_query(&bytes, &limits).0, &limits));
        prop_assert!(within(&parse_urlencoded(&bytes, &limits).0, &limits));
        prop_assert!(within(&parse_cookies(&[&bytes, &bytes], &limits).0, &limits));
        prop_assert!(within(&flatten_json(&bytes, &limits).0, &limits));

        let mut body = b"--b\r\nContent-Disposition: form-data; name=x\r\n\r\n".to_vec();
        body.extend_from_slice(&bytes);
        let (parts, _) = parse_multipart(b"multipart/form-data; boundary=b", &body, &limits);
        prop_assert!(parts.len() <= limits.max_parts);
        for part in &parts {
            prop_assert!(part.name.len() <= limits.max_name);
            prop_assert!(part.data.len() <= limits.max_part_data);
        }
    }
}
