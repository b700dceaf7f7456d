//! Fuzz target for the HTTP/1.x request reader: any bytes as a client
//! stream. The first byte picks how the stream is cut into pieces; the
//! transactions must not depend on the cuts, and every body stays within
//! the configured limit.
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

fn config() -> HttpConfig {
    HttpConfig {
        max_header_bytes: 512,
        max_headers: 8,
        max_line: 128,
        body_limit: 256,
        max_pending: 4,
        max_held: 64,
        ..HttpConfig::default()
    }
}

fn run(stream: &[u8], piece: usize) -> Vec<Transaction> {
    let cfg = config();
    let mut conn = HttpConnection::new(&cfg);
    let mut out = Collect::default();
    for part in stream.chunks(piece.max(1)) {
        conn.data(Direction::ToResponder, part, 0, &mut out);
    }
    conn.close(0, &mut out);
    for tx in &out.0 {
        assert!(tx.request_body.data.len() <= cfg.body_limit);
        assert!(tx.request_headers.len() <= cfg.max_headers);
    }
    out.0
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let whole = run(stream, stream.len());
    assert_eq!(run(stream, usize::from(cut % 16) + 1), whole);
});
