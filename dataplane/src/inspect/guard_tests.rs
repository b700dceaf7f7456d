//! The guard as the pipeline drives it: a ClientHello in pieces, deny
//! lists at the handshake, and rate limits shared by two inspectors (two
//! workers) through one [`GuardState`].

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use super::{GuardRecord, GuardState, InspectConfig, Inspector, LoadedRules, Reason};
use crate::engine::Snapshot;
use crate::flow::{Direction, FlowId};
use crate::pipeline::{Endpoints, FlowSink, Verdict};
use crate::tls::tests::{browser_hello, records};

/// The JA4 of `browser_hello(b"h2")` (checked in the TLS tests).
const BROWSER_JA4: &str = "t13d1516h2_8daaf6152771_e5627efa2ab1";

fn loaded(text: &str) -> Arc<LoadedRules> {
    let rules = palisade_rules::parse_str("t.yaml", text).expect("rules parse");
    let ruleset = palisade_rules::Ruleset::new(rules).expect("ruleset");
    let snapshot = Snapshot::compile(&ruleset).expect("rules compile");
    Arc::new(LoadedRules::new(&ruleset, snapshot))
}

fn inspector(rules: Option<Arc<LoadedRules>>, guard: &Arc<GuardState>) -> Inspector {
    let cfg = InspectConfig {
        rules,
        guard: Arc::clone(guard),
        ..InspectConfig::default()
    };
    Inspector::new(cfg).expect("scratch")
}

fn open(insp: &mut Inspector, flow: FlowId, client: u8) {
    let ip = |last| IpAddr::V4(Ipv4Addr::new(10, 0, 0, last));
    let ends = Endpoints {
        client: SocketAddr::new(ip(client), 40000 + u16::from(client)),
        server: SocketAddr::new(ip(200), 443),
        proto: 6,
    };
    insp.opened(flow, &ends, 1);
}

fn hello_in_pieces(insp: &mut Inspector, flow: FlowId) {
    let stream = records(1, &browser_hello(b"h2"), 7);
    for piece in stream.chunks(3) {
        insp.data(flow, Direction::ToResponder, 0, piece);
    }
}

#[test]
fn a_hello_over_many_records_and_segments_gives_one_tls_event() {
    let guard = Arc::default();
    let mut insp = inspector(None, &guard);
    let flow = FlowId(1);
    open(&mut insp, flow, 1);
    hello_in_pieces(&mut insp, flow);
    let records: Vec<_> = insp.drain_guard().collect();
    assert_eq!(records.len(), 1, "{records:?}");
    let GuardRecord::Tls(tls) = &records[0] else {
        panic!("a tls record");
    };
    assert_eq!(&*tls.info.ja4, BROWSER_JA4);
    assert_eq!(tls.info.sni.as_deref(), Some("example.com"));
    assert_eq!(tls.info.alpn, ["h2", "http/1.1"]);
    assert_eq!(insp.verdict(flow), Verdict::Pass);
    insp.closed(flow);
    assert_eq!(insp.ended_ja4(flow).as_deref(), Some(BROWSER_JA4));
}

#[test]
fn a_denied_fingerprint_blocks_at_the_handshake() {
    let rules = loaded(&format!(
        "rules:\n  - id: 5\n    kind: bot\n    name: denied\n    severity: high\n    \
         action: block\n    fingerprint: {{ja4: [{BROWSER_JA4}]}}\n"
    ));
    let guard = Arc::default();
    let mut insp = inspector(Some(rules), &guard);
    let flow = FlowId(2);
    open(&mut insp, flow, 2);
    hello_in_pieces(&mut insp, flow);
    assert_eq!(insp.verdict(flow), Verdict::Drop);
    let answer = insp.answer(flow).expect("an answer");
    assert_eq!(answer.status, 403);
    let alerts = insp
        .drain_guard()
        .filter(|r| matches!(r, GuardRecord::Alert(a) if a.blocked))
        .count();
    assert_eq!(alerts, 1);
}

const LIMITS: &str = "
rules:
  - id: 7
    kind: rate-limit
    name: api key quota
    severity: medium
    action: block
    limit: {key: 'header:x-api-key', requests: 5, period: 1m}
  - id: 8
    kind: rate-limit
    name: per user
    severity: low
    action: alert
    limit: {key: 'jwt-claim:sub', requests: 3, period: 1h}
";

/// `{"sub":"alice"}` and `{"sub":"bob"}`, base64url, in unsigned JWTs.
const ALICE: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
const BOB: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ.";

fn request(insp: &mut Inspector, flow: FlowId, client: u8, headers: &str) {
    open(insp, flow, client);
    let head = format!("GET /orders HTTP/1.1\r\nHost: api\r\n{headers}\r\n");
    insp.data(flow, Direction::ToResponder, 0, head.as_bytes());
}

/// Rate-limit alerts of `rule` queued since the last call.
fn limit_alerts(insp: &mut Inspector, rule: u64) -> usize {
    insp.drain_guard()
        .filter(|r| {
            matches!(r, GuardRecord::Alert(a)
                if matches!(&a.reason, Reason::RateLimit { hit, .. } if hit.rule_id == rule))
        })
        .count()
}

/// Requests over a limit since the last call, by the inspector's counter
/// (alerts come at most once a second per key; every request counts).
fn over_limit(insp: &mut Inspector, seen: &mut u64) -> usize {
    let now = insp.stats().rate_limited;
    let new = now - *seen;
    *seen = now;
    insp.drain_guard().for_each(drop);
    new as usize
}

#[test]
fn limits_hold_across_two_workers_sharing_the_guard() {
    let rules = loaded(LIMITS);
    let guard = Arc::default();
    let mut workers = [
        inspector(Some(Arc::clone(&rules)), &guard),
        inspector(Some(rules), &guard),
    ];
    let (mut over, mut alerts, mut seen) = (0, 0, [0u64; 2]);
    for i in 0..10u64 {
        let w = (i % 2) as usize;
        request(&mut workers[w], FlowId(100 + i), 1, "X-Api-Key: k1\r\n");
        let before = workers[w].stats().rate_limited;
        over += (before - seen[w]) as usize;
        seen[w] = before;
        alerts += limit_alerts(&mut workers[w], 7);
    }
    assert_eq!(over, 5, "10 requests, 5 allowed at once");
    assert_eq!(alerts, 1, "one alert for the key within the second");
    request(&mut workers[0], FlowId(200), 3, "X-Api-Key: k2\r\n");
    assert_eq!(
        over_limit(&mut workers[0], &mut seen[0]),
        0,
        "another key has its own bucket"
    );
    assert_eq!(workers[0].verdict(FlowId(200)), Verdict::Pass);
    assert_eq!(workers[1].verdict(FlowId(109)), Verdict::Drop);
    let answer = workers[1].answer(FlowId(109)).expect("an answer");
    assert_eq!(answer.status, 429);
    assert_eq!(answer.retry_after_secs, Some(12), "one token in 60 s / 5");
}

#[test]
fn a_jwt_claim_keys_a_limit_without_verifying_the_token() {
    let rules = loaded(LIMITS);
    let guard = Arc::default();
    let mut insp = inspector(Some(rules), &guard);
    let (mut alice_over, mut seen) = (0, 0);
    for i in 0..5u64 {
        let client = 10 + i as u8; // a different address each time
        request(
            &mut insp,
            FlowId(300 + i),
            client,
            &format!("Authorization: Bearer {ALICE}\r\n"),
        );
        alice_over += over_limit(&mut insp, &mut seen);
    }
    request(
        &mut insp,
        FlowId(400),
        20,
        &format!("Authorization: Bearer {BOB}\r\n"),
    );
    assert_eq!((alice_over, over_limit(&mut insp, &mut seen)), (2, 0));
    // `alert` reports and lets the request go on.
    assert_eq!(insp.verdict(FlowId(304)), Verdict::Pass);
}
