//! Content codings: round trips through real encoders, layers, and the
//! limits against decompression bombs.

use std::io::Write;

use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use flate2::Compression;

use super::*;
use crate::http::{Anomaly, Encoding};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = ::brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
    enc.write_all(data).unwrap();
    drop(enc);
    out
}

fn decoded(coding: &str, body: &[u8]) -> Transaction {
    let resp = response_with(&format!("Content-Encoding: {coding}\r\n"), body);
    run(GET, &resp).remove(0)
}

const TEXT: &[u8] = b"The quick brown fox jumps over the lazy dog, again and again and again.";

#[test]
fn gzip_deflate_and_brotli_round_trip() {
    assert_eq!(decoded("gzip", &gzip(TEXT)).response_body.data, TEXT);
    assert_eq!(decoded("x-gzip", &gzip(TEXT)).response_body.data, TEXT);
    assert_eq!(decoded("deflate", &zlib(TEXT)).response_body.data, TEXT);
    assert_eq!(decoded("br", &brotli(TEXT)).response_body.data, TEXT);
    let raw = decoded("deflate", &raw_deflate(TEXT));
    assert_eq!(raw.response_body.data, TEXT);
    assert!(raw.has_anomaly(Anomaly::RawDeflate));
}

#[test]
fn layers_are_undone_in_reverse_order() {
    let body = gzip(&zlib(TEXT));
    let tx = decoded("deflate, gzip", &body);
    assert_eq!(tx.response_body.data, TEXT);
    assert_eq!(
        tx.response_body.encodings,
        [Encoding::Deflate, Encoding::Gzip]
    );
    // The same list spread over two fields.
    let resp = response_with(
        "Content-Encoding: gzip\r\nContent-Encoding: gzip\r\n",
        &gzip(&gzip(TEXT)),
    );
    assert_eq!(run(GET, &resp)[0].response_body.data, TEXT);
}

#[test]
fn chunked_and_gzip_together() {
    let body = gzip(TEXT);
    let (a, b) = body.split_at(body.len() / 2);
    let mut resp =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
    for part in [a, b] {
        resp.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        resp.extend_from_slice(part);
        resp.extend_from_slice(b"\r\n");
    }
    resp.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(run(GET, &resp)[0].response_body.data, TEXT);
}

#[test]
fn corrupt_data_keeps_what_was_decoded() {
    let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let mut body = gzip(&big);
    let cut = body.len() / 2;
    body[cut..].iter_mut().for_each(|b| *b = 0xff);
    let tx = decoded("gzip", &body);
    assert!(tx.has_anomaly(Anomaly::DecodeError));
    let kept = &tx.response_body.data;
    assert!(!kept.is_empty());
    assert_eq!(kept[..], big[..kept.len()]);
}

#[test]
fn uncompressed_data_under_gzip_label_passes_through() {
    let tx = decoded("gzip", b"plain text, not gzip");
    assert_eq!(tx.response_body.data, b"plain text, not gzip");
    assert!(tx.has_anomaly(Anomaly::EncodingNotApplied));
}

#[test]
fn size_limit_stops_a_bomb() {
    let zeros = vec![0u8; 4 << 20];
    let cfg = HttpConfig {
        max_decoded_bytes: 1 << 20,
        ..HttpConfig::default()
    };
    let resp = response_with("Content-Encoding: gzip\r\n", &gzip(&zeros));
    let tx = exchange(&cfg, GET, &resp).txs.remove(0);
    assert!(tx.has_anomaly(Anomaly::DecodedSizeLimit));
    assert!(tx.response_body.decoded_len <= (1 << 20) + (8 << 10));
    assert!(tx.response_body.data.len() <= cfg.body_limit);
}

#[test]
fn ratio_limit_stops_a_bomb() {
    let zeros = vec![0u8; 8 << 20];
    let cfg = HttpConfig {
        max_ratio: 100,
        ratio_floor: 64 << 10,
        ..HttpConfig::default()
    };
    let resp = response_with("Content-Encoding: gzip\r\n", &gzip(&zeros));
    let tx = exchange(&cfg, GET, &resp).txs.remove(0);
    assert!(tx.has_anomaly(Anomaly::DecodedRatioLimit));
    assert!(tx.response_body.decoded_len < 8 << 20);
}

#[test]
fn layer_limit_is_flagged() {
    let cfg = HttpConfig {
        max_layers: 2,
        ..HttpConfig::default()
    };
    let body = gzip(&gzip(&gzip(TEXT)));
    let resp = response_with("Content-Encoding: gzip, gzip, gzip\r\n", &body);
    let tx = exchange(&cfg, GET, &resp).txs.remove(0);
    assert!(tx.has_anomaly(Anomaly::TooManyLayers));
    assert_eq!(tx.response_body.data, gzip(TEXT));
}
