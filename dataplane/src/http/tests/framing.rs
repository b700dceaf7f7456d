//! Body framing per RFC 9112 §6 and §7: lengths, chunked coding, bodiless
//! responses, close-delimited bodies and the precedence between them.

use super::*;
use crate::http::{Anomaly, Framing, TxEnd};

#[test]
fn content_length_body_then_next_response() {
    let req = [GET, GET].concat();
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let txs = run(&req, resp);
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0].response_body.data, b"hello");
    assert_eq!(txs[0].response_body.framing, Framing::Length(5));
    assert_eq!(txs[1].response_body.data, b"ok");
    assert!(txs.iter().all(|t| t.end == TxEnd::Complete));
    assert_eq!(txs[1].index, 1);
}

#[test]
fn chunked_with_extensions_and_trailers() {
    // RFC 9112 §7.1: chunk-ext after ';', last-chunk, trailer section.
    let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        4;name=value\r\nWiki\r\n0005\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n";
    let txs = run(GET, resp);
    assert_eq!(txs.len(), 1);
    let body = &txs[0].response_body;
    assert_eq!(body.data, b"Wikipedia in\r\n\r\nchunks.");
    assert_eq!(body.framing, Framing::Chunked);
    assert_eq!(body.trailers.len(), 1);
    assert_eq!(body.trailers[0].value, b"never");
    assert_eq!(txs[0].end, TxEnd::Complete);
}

#[test]
fn chunk_size_odd_forms_are_read_and_flagged() {
    let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        0x3\r\nabc\r\n  2 \r\nde\n\r\n1\r\nf\r\n0\r\n\r\n";
    let txs = run(GET, resp);
    assert_eq!(txs[0].response_body.data, b"abcdef");
    assert!(txs[0].has_anomaly(Anomaly::ChunkSizeOddFormat));
    assert!(txs[0].has_anomaly(Anomaly::ChunkExtraEmptyLine));
}

#[test]
fn bad_chunk_size_passes_the_rest_on() {
    let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnot chunked at all";
    let txs = run(GET, resp);
    assert_eq!(txs[0].response_body.data, b"not chunked at all");
    assert!(txs[0].has_anomaly(Anomaly::BadChunkSize));
}

#[test]
fn transfer_encoding_overrides_content_length() {
    // RFC 9112 §6.3 item 3: chunked wins over Content-Length.
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n\
        3\r\nabc\r\n0\r\n\r\n";
    let txs = run(GET, resp);
    assert_eq!(txs[0].response_body.data, b"abc");
    assert_eq!(txs[0].end, TxEnd::Complete);
    assert!(txs[0].has_anomaly(Anomaly::ContentLengthWithTransferEncoding));
}

#[test]
fn head_204_304_have_no_body() {
    // RFC 9112 §6.3 item 1.
    let req = b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n\
        HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n\
        HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n";
    let txs = run(req, resp);
    assert_eq!(txs.len(), 3);
    assert_eq!(
        txs.iter().map(|t| t.status).collect::<Vec<_>>(),
        [Some(200), Some(204), Some(304)]
    );
    assert!(txs
        .iter()
        .all(|t| t.response_body.wire_len == 0 && t.end == TxEnd::Complete));
}

#[test]
fn close_delimited_body_ends_at_close() {
    let resp = b"HTTP/1.0 200 OK\r\n\r\nuntil the end";
    let txs = run(b"GET / HTTP/1.0\r\n\r\n", resp);
    assert_eq!(txs[0].response_body.framing, Framing::Close);
    assert_eq!(txs[0].response_body.data, b"until the end");
    assert_eq!(txs[0].end, TxEnd::Complete);
}

#[test]
fn truncated_length_body_is_incomplete() {
    let txs = run(GET, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
    assert_eq!(txs[0].end, TxEnd::Incomplete);
    assert!(txs[0].has_anomaly(Anomaly::BodyTruncated));
    assert_eq!(txs[0].response_body.data, b"short");
}

#[test]
fn conflicting_lengths_are_flagged() {
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde";
    let txs = run(GET, resp);
    assert!(txs[0].has_anomaly(Anomaly::ConflictingContentLength));
    // Read to the close: every byte the server sent stays in view.
    assert_eq!(txs[0].response_body.data, b"abcde");
}

#[test]
fn request_body_by_length_and_chunked() {
    let req = b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc\
        POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n";
    let resp = [&response_with("", b"1")[..], &response_with("", b"2")].concat();
    let txs = run(req, &resp);
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0].request_body.data, b"abc");
    assert_eq!(txs[1].request_body.data, b"xy");
    assert_eq!(txs[1].uri, b"/b");
}
