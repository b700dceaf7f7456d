//! Fuzz target for request normalization: any bytes through every
//! normalizer, as a request-target, a path, a query, cookies, a form, a
//! multipart body (the first line taken as the Content-Type) and JSON, with
//! default and tiny limits. Every output must respect the limits, decoding
//! must never grow its input, and path cleaning must be idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::http::normalize::{
    clean_path, flatten_json, header_param, media_type, normalize_path, parse_cookies,
    parse_multipart, parse_query, parse_urlencoded, percent_decode, split_target, Limits, Param,
};

const TINY: Limits = Limits {
    max_params: 3,
    max_name: 5,
    max_value: 7,
    max_parts: 2,
    max_part_data: 9,
    max_depth: 2,
};

fn check(params: &[Param], limits: &Limits) {
    assert!(params.len() <= limits.max_params);
    for param in params {
        assert!(param.name.len() <= limits.max_name);
        assert!(param.value.len() <= limits.max_value);
    }
}

fn paths(data: &[u8]) {
    let target = split_target(data);
    let (path, _) = normalize_path(target.path);
    assert!(path.len() <= target.path.len() + 1);
    let (again, _) = clean_path(&path);
    assert_eq!(again, path);

    for plus in [false, true] {
        let mut out = Vec::new();
        percent_decode(data, plus, &mut out);
        assert!(out.len() <= data.len());
    }
}

fn bodies(data: &[u8], limits: &Limits) {
    check(&parse_query(data, limits).0, limits);
    check(&parse_urlencoded(data, limits).0, limits);
    let halves = data.split_at(data.len() / 2);
    check(&parse_cookies(&[halves.0, halves.1], limits).0, limits);
    check(&flatten_json(data, limits).0, limits);

    let newline = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (content_type, body) = data.split_at(newline);
    let _ = (
        media_type(content_type),
        header_param(content_type, b"boundary"),
    );
    let (parts, _) = parse_multipart(content_type, body, limits);
    assert!(parts.len() <= limits.max_parts);
    for part in &parts {
        assert!(part.name.len() <= limits.max_name);
        assert!(part.data.len() <= limits.max_part_data);
    }
}

fuzz_target!(|data: &[u8]| {
    paths(data);
    bodies(data, &Limits::default());
    bodies(data, &TINY);
});
