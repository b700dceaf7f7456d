//! Segmentation must not matter: a stream fed in arbitrary pieces, or one
//! byte at a time, gives the same transactions as the stream fed whole.

use std::io::Write;

use proptest::prelude::*;

use super::*;

/// Feeds both streams cut at `cuts` (positions modulo the length), request
/// pieces first within each round, and returns the transactions without
/// their timestamps.
fn split_run(request: &[u8], response: &[u8], cuts: &[usize]) -> Vec<Transaction> {
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut out = Collect::default();
    for (dir, stream) in [(REQ, request), (RESP, response)] {
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
        points.extend([0, stream.len()]);
        points.sort_unstable();
        for pair in points.windows(2) {
            conn.data(dir, &stream[pair[0]..pair[1]], 0, &mut out);
        }
    }
    conn.close(0, &mut out);
    out.txs
}

fn byte_run(request: &[u8], response: &[u8]) -> Vec<Transaction> {
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut out = Collect::default();
    for (dir, stream) in [(REQ, request), (RESP, response)] {
        for byte in stream.chunks(1) {
            conn.data(dir, byte, 0, &mut out);
        }
    }
    conn.close(0, &mut out);
    out.txs
}

fn sample_response() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&b"compressed body ".repeat(40)).unwrap();
    let gz = gz.finish().unwrap();
    let mut resp =
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec();
    resp.extend_from_slice(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n",
    );
    for part in gz.chunks(7) {
        resp.extend_from_slice(format!("{:X};x=y\r\n", part.len()).as_bytes());
        resp.extend_from_slice(part);
        resp.extend_from_slice(b"\r\n");
    }
    resp.extend_from_slice(b"0\r\nTrailer: t\r\n\r\n");
    resp.extend_from_slice(b"junk\nHTTP/1.0 200 OK\nX-Fold: a\n b\n\nclose-delimited tail");
    resp
}

fn sample_request() -> Vec<u8> {
    b"\r\nPOST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc\
      GET /g HTTP/1.1\r\nHost: a\r\n\r\nGET /h HTTP/1.0\r\n\r\n"
        .to_vec()
}

#[test]
fn one_byte_at_a_time_equals_whole() {
    let (req, resp) = (sample_request(), sample_response());
    let whole = split_run(&req, &resp, &[]);
    assert_eq!(whole.len(), 3);
    assert_eq!(whole[1].response_body.data, b"compressed body ".repeat(40));
    assert_eq!(whole[2].response_body.data, b"close-delimited tail");
    assert_eq!(byte_run(&req, &resp), whole);
}

proptest! {
    #[test]
    fn random_splits_equal_whole(cuts in proptest::collection::vec(0usize..4096, 0..40)) {
        let (req, resp) = (sample_request(), sample_response());
        prop_assert_eq!(split_run(&req, &resp, &cuts), split_run(&req, &resp, &[]));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_split_alike(
        req in proptest::collection::vec(any::<u8>(), 0..400),
        resp in proptest::collection::vec(any::<u8>(), 0..400),
        cuts in proptest::collection::vec(0usize..512, 0..20),
    ) {
        let mut resp_http = b"HTTP/1.1 200 OK\r\n".to_vec();
        resp_http.extend_from_slice(&resp);
        prop_assert_eq!(split_run(&req, &resp_http, &cuts), split_run(&req, &resp_http, &[]));
    }
}
