//! Per-core throughput of HTTP/1.x transaction parsing, no rules: realistic
//! API traffic (JSON requests and responses of about 0.5 to 2 KB, keep-alive
//! connections, some chunked and some gzip-compressed responses) built in
//! memory, cut into 1448-byte segments as TCP delivers them, and fed through
//! `HttpConnection` both ways; the figure is finished transactions per
//! second.
//!
//! Beside it, from the same run: the same messages' header blocks parsed by
//! `httparse` alone (no bodies, no state machine), the floor any HTTP parser
//! builds on. Each transaction's decoded bodies are checked against what was
//! sent, so a parser that skips work fails instead of looking fast.
//!
//! Run: `benches/http.sh`, or `cargo bench --bench http`. Environment:
//! `HTTP_SECS` (least measured seconds per figure, default 2).

#[path = "traffic.rs"]
mod traffic;

use std::hint::black_box;

use traffic::{measure, parse_all, Conn, CONNECTIONS, PER_CONNECTION};

/// The allocator of the dataplane binary, so allocation costs what it
/// costs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The target of the issue, transactions per second per core.
const TARGET_TPS: f64 = 500_000.0;

fn main() {
    let secs = std::env::var("HTTP_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(2.0);
    let traffic = traffic::traffic();
    let txs = (CONNECTIONS * PER_CONNECTION) as f64;
    let wire: usize = traffic
        .iter()
        .flat_map(|c| &c.exchanges)
        .map(|(a, b)| a.len() + b.len())
        .sum();
    println!(
        "http traffic: {} transactions, {:.0} bytes per transaction on the wire",
        txs,
        wire as f64 / txs
    );

    let ours = measure(secs, || parse_all(&traffic)) * txs;
    let floor = measure(secs, || heads_only(&traffic)) * txs;
    let verdict = if ours >= TARGET_TPS { "met" } else { "MISSED" };
    println!(
        "http parse (both directions, bodies de-framed and decoded), 1 core: {:.0} tx/s; target >= {TARGET_TPS:.0} {verdict}",
        ours
    );
    println!("httparse header blocks only, same messages, 1 core: {floor:.0} tx/s");
    println!();
    println!(
        "| HTTP/1.x parsing, realistic JSON API mix, 1 core | {:.0} ktx/s | httparse heads only {:.0} ktx/s | {:.2} |",
        ours / 1e3,
        floor / 1e3,
        ours / floor
    );
}

fn heads_only(traffic: &[Conn]) {
    for conn in traffic {
        for (req, resp) in &conn.exchanges {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut r = httparse::Request::new(&mut headers);
            assert!(r.parse(req).is_ok_and(|s| s.is_complete()));
            black_box(&r);
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut r = httparse::Response::new(&mut headers);
            assert!(r.parse(resp).is_ok_and(|s| s.is_complete()));
            black_box(&r);
        }
    }
}
