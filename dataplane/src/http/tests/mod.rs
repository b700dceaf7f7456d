//! Tests of the HTTP/1.x parser: hand-written messages with expectations
//! from RFC 9110/9112, compression round trips and segmentation properties.

mod decode;
mod fast;
mod framing;
mod messages;
mod split;

use super::{HttpConfig, HttpConnection, HttpObserver, Transaction};
use crate::flow::Direction;

const REQ: Direction = Direction::ToResponder;
const RESP: Direction = Direction::ToInitiator;

/// Collects everything the parser reports.
#[derive(Default)]
struct Collect {
    txs: Vec<Transaction>,
    /// Decoded body bytes per direction as streamed through `body_data`.
    streamed: [Vec<u8>; 2],
    request_heads: usize,
    response_heads: usize,
}

impl HttpObserver for Collect {
    fn request_headers(&mut self, _tx: &Transaction) {
        self.request_heads += 1;
    }

    fn response_headers(&mut self, _tx: &Transaction) {
        self.response_heads += 1;
    }

    fn body_data(&mut self, _tx: &Transaction, dir: Direction, decoded: &[u8]) {
        self.streamed[dir.index()].extend_from_slice(decoded);
    }

    fn transaction(&mut self, tx: Transaction) {
        self.txs.push(tx);
    }
}

/// Feeds a request stream then a response stream whole, then closes.
fn exchange(cfg: &HttpConfig, request: &[u8], response: &[u8]) -> Collect {
    let mut conn = HttpConnection::new(cfg);
    let mut out = Collect::default();
    conn.data(REQ, request, 1, &mut out);
    conn.data(RESP, response, 2, &mut out);
    conn.close(3, &mut out);
    out
}

/// Like [`exchange`] with the default configuration.
fn run(request: &[u8], response: &[u8]) -> Vec<Transaction> {
    exchange(&HttpConfig::default(), request, response).txs
}

/// A response with `body` framed by Content-Length and extra fields.
fn response_with(fields: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\n{fields}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
