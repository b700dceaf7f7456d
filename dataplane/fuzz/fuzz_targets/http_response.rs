//! Fuzz target for the HTTP/1.x response reader: the first byte picks the
//! request that precedes the response (GET, HEAD, CONNECT, an Upgrade) and
//! how the response stream is cut; the rest is the server stream. The
//! transactions must not depend on the cuts, and bodies stay within limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::flow::Direction;
use palisade_dataplane::http::{HttpConfig, HttpConnection, HttpObserver, Transaction};

#[derive(Default)]
struct Collect(Vec<Transaction>);

impl HttpObserver for Collect {
    fn transaction(&mut self, tx: Transaction) {
        self.0.push(tx);
    }
}

const REQUESTS: [&[u8]; 4] = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n\r\n",
    b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n",
];

fn config() -> HttpConfig {
    HttpConfig {
        max_header_bytes: 512,
        max_headers: 8,
        max_line: 128,
        body_limit: 256,
        max_decoded_bytes: 64 << 10,
        ratio_floor: 4 << 10,
        max_pending: 4,
        ..HttpConfig::default()
    }
}

fn run(request: &[u8], stream: &[u8], piece: usize) -> Vec<Transaction> {
    let cfg = config();
    let mut conn = HttpConnection::new(&cfg);
    let mut out = Collect::default();
    conn.data(Direction::ToResponder, request, 0, &mut out);
    for part in stream.chunks(piece.max(1)) {
        conn.data(Direction::ToInitiator, part, 0, &mut out);
    }
    conn.close(0, &mut out);
    for tx in &out.0 {
        assert!(tx.response_body.data.len() <= cfg.body_limit);
        assert!(tx.response_body.decoded_len <= cfg.max_decoded_bytes + (8 << 10));
    }
    out.0
}

fuzz_target!(|data: &[u8]| {
    let Some((&select, stream)) = data.split_first() else {
        return;
    };
    let request = REQUESTS[usize::from(select & 3)];
    let whole = run(request, stream, stream.len());
    assert_eq!(run(request, stream, usize::from(select >> 2) + 1), whole);
});
