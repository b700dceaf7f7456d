//! Fuzz target for body decoding: the first byte picks a chain of content
//! codings (gzip, deflate, br, unknown) and the framing; the rest is the
//! body. Decoding must stay within the size limit, and give the same bytes
//! however the body is cut as long as the data decodes cleanly (for corrupt
//! data the decompressors may notice the damage at different points). The
//! brotli decoder reads some malformed streams differently depending on how
//! its input is cut, so chains with `br` are only checked for limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::flow::Direction;
use palisade_dataplane::http::{Anomaly, HttpConfig, HttpConnection, HttpObserver, Transaction};

#[derive(Default)]
struct Collect {
    txs: Vec<Transaction>,
    streamed: u64,
}

impl HttpObserver for Collect {
    fn body_data(&mut self, _tx: &Transaction, _dir: Direction, decoded: &[u8]) {
        self.streamed += decoded.len() as u64;
    }

    fn transaction(&mut self, tx: Transaction) {
        self.txs.push(tx);
    }
}

const CODINGS: [&str; 4] = ["gzip", "deflate", "br", "x-unknown"];

fn head(select: u8, len: usize) -> Vec<u8> {
    let first = CODINGS[usize::from(select & 3)];
    let second = CODINGS[usize::from((select >> 2) & 3)];
    let framing = if select & 0x10 != 0 {
        format!("Content-Length: {len}")
    } else {
        "Connection: close".to_string()
    };
    format!("HTTP/1.1 200 OK\r\nContent-Encoding: {first}, {second}\r\n{framing}\r\n\r\n")
        .into_bytes()
}

/// Decoded bytes, their count, and whether decoding met corrupt data.
fn run(select: u8, body: &[u8], piece: usize) -> (Vec<u8>, u64, bool) {
    let cfg = HttpConfig {
        body_limit: 1 << 10,
        max_decoded_bytes: 256 << 10,
        ratio_floor: 16 << 10,
        max_ratio: 200,
        ..HttpConfig::default()
    };
    let mut conn = HttpConnection::new(&cfg);
    let mut out = Collect::default();
    conn.data(
        Direction::ToResponder,
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        0,
        &mut out,
    );
    conn.data(
        Direction::ToInitiator,
        &head(select, body.len()),
        0,
        &mut out,
    );
    for part in body.chunks(piece.max(1)) {
        conn.data(Direction::ToInitiator, part, 0, &mut out);
    }
    conn.close(0, &mut out);
    let tx = out.txs.first().expect("one response was sent");
    let decoded = tx.response_body.decoded_len;
    assert_eq!(decoded, out.streamed);
    assert!(decoded <= cfg.max_decoded_bytes + (8 << 10));
    assert!(tx.response_body.data.len() <= cfg.body_limit);
    let corrupt = [Anomaly::DecodeError, Anomaly::EncodingNotApplied]
        .iter()
        .any(|a| tx.has_anomaly(*a));
    (tx.response_body.data.clone(), decoded, corrupt)
}

fuzz_target!(|data: &[u8]| {
    let Some((&select, body)) = data.split_first() else {
        return;
    };
    let whole = run(select, body, body.len());
    let split = run(select, body, usize::from(select >> 5) + 1);
    let brotli = select & 3 == 2 || (select >> 2) & 3 == 2;
    if !whole.2 && !split.2 && !brotli {
        assert_eq!(split, whole);
    }
});
