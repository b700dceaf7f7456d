//! Tests of the inspection engine: rules written in YAML and parsed by
//! `palisade-rules`, transactions produced by the real HTTP parser from raw
//! bytes, exact hits expected.

mod compile;
mod fields;
mod gate_attack;
mod limits;
mod logic;
mod offsets;
mod operators;
mod prop;
mod screen;
mod streaming;
mod sweep;
mod sweep_attack;
mod transforms;

use std::net::IpAddr;
use std::sync::Arc;

use palisade_rules::{parse_str, Ruleset};

use super::{Hit, Matcher, Snapshot};
use crate::flow::Direction;
use crate::http::{HttpConfig, HttpConnection, HttpObserver, Transaction};

const REQ: Direction = Direction::ToResponder;
const RESP: Direction = Direction::ToInitiator;

/// The client address of every test transaction.
/// The shipped rule files, `rules/default/*.yaml`, sorted.
fn default_rule_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    crate::config::rule_paths(&root, &["rules/default".into()]).expect("rules/default")
}

fn client() -> IpAddr {
    "192.0.2.10".parse().expect("a valid address")
}

/// One signature rule with id `id` whose `match:` block is `condition`
/// (YAML written at column 0) and `extra` keys (one per line, column 0).
fn sig(id: u64, extra: &str, condition: &str) -> String {
    let mut text = format!(
        "  - id: {id}\n    kind: signature\n    name: rule {id}\n    severity: high\n    action: block\n"
    );
    for line in extra.lines().filter(|l| !l.trim().is_empty()) {
        text.push_str(&format!("    {line}\n"));
    }
    text.push_str("    match:\n");
    for line in condition.lines().filter(|l| !l.trim().is_empty()) {
        text.push_str(&format!("      {line}\n"));
    }
    text
}

/// Parses rules written with [`sig`] into a ruleset.
fn ruleset(rules: &[String]) -> Ruleset {
    let text = format!("version: 1\nrules:\n{}", rules.concat());
    let parsed = parse_str("test.yaml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    Ruleset::new(parsed).expect("unique ids")
}

fn compile(rules: &[String]) -> Arc<Snapshot> {
    let snapshot = Snapshot::compile(&ruleset(rules)).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(snapshot)
}

fn matcher(rules: &[String]) -> Matcher {
    Matcher::new(compile(rules)).expect("scratch space")
}

/// Collects the transactions the parser hands over.
#[derive(Default)]
struct Collect {
    txs: Vec<Transaction>,
}

impl HttpObserver for Collect {
    fn transaction(&mut self, tx: Transaction) {
        self.txs.push(tx);
    }
}

/// The first transaction of a request and a response fed whole.
fn exchange(request: &[u8], response: &[u8]) -> Transaction {
    let txs = exchange_all(request, response);
    txs.into_iter().next().expect("one transaction")
}

/// Every transaction of a request stream and a response stream fed whole.
fn exchange_all(request: &[u8], response: &[u8]) -> Vec<Transaction> {
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut out = Collect::default();
    conn.data(REQ, request, 1, &mut out);
    conn.data(RESP, response, 2, &mut out);
    conn.close(3, &mut out);
    out.txs
}

/// A request with `head` (start line and fields, CRLF-separated, no final
/// empty line) and a Content-Length body, answered by an empty 200.
fn request(head: &str, body: &[u8]) -> Transaction {
    exchange(&with_body(head, body), &with_body("HTTP/1.1 200 OK", b""))
}

/// A GET of `target` with extra header lines, answered by an empty 200.
fn get(target: &str, fields: &str) -> Transaction {
    let head = format!("GET {target} HTTP/1.1\r\nHost: api.example.com{fields}");
    request(&head, b"")
}

/// A message head with a Content-Length body.
fn with_body(head: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("{head}\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// The ids of the hits, in order.
fn ids(hits: &[Hit]) -> Vec<u64> {
    hits.iter().map(|h| h.rule_id).collect()
}

/// Inspects `tx` fully with a matcher for `rules`; the hit ids.
fn hit_ids(rules: &[String], tx: &Transaction) -> Vec<u64> {
    ids(&matcher(rules).inspect_transaction(tx, client()))
}
