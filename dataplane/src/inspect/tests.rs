//! The inspector as the pipeline drives it: rules over streams delivered in
//! pieces, alerts and the blocking verdict.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use super::{InspectConfig, Inspector, LoadedRules};
use crate::engine::Snapshot;
use crate::flow::{Direction, FlowId};
use crate::http::HttpConfig;
use crate::pipeline::{Endpoints, FlowSink, Verdict};

const RULES: &str = "
rules:
  - id: 9001
    kind: signature
    name: marker in a response body
    severity: high
    action: block
    match: {field: response-body, contains: EICAR-STANDARD-ANTIVIRUS-TEST-FILE}
  - id: 9002
    kind: signature
    name: admin path
    severity: low
    action: alert
    match: {field: path, prefix: /admin}
";

fn inspector(body_limit: usize) -> Inspector {
    let rules = palisade_rules::parse_str("test.yaml", RULES).expect("rules parse");
    let ruleset = palisade_rules::Ruleset::new(rules).expect("ruleset");
    let snapshot = Snapshot::compile(&ruleset).expect("rules compile");
    let cfg = InspectConfig {
        http_limits: HttpConfig {
            body_limit,
            ..HttpConfig::default()
        },
        rules: Some(Arc::new(LoadedRules::new(&ruleset, snapshot))),
        ..InspectConfig::default()
    };
    Inspector::new(cfg).expect("scratch")
}

fn open(insp: &mut Inspector, flow: FlowId) {
    let ip = |last| IpAddr::V4(Ipv4Addr::new(10, 0, 0, last));
    let ends = Endpoints {
        client: SocketAddr::new(ip(1), 40000),
        server: SocketAddr::new(ip(2), 80),
        proto: 6,
    };
    insp.opened(flow, &ends, 1);
}

#[test]
fn a_marker_split_across_pieces_beyond_the_kept_bytes_is_found() {
    // Only 8 body bytes are kept: the streaming scan must find the marker,
    // which arrives in three pieces after 100 bytes of filler.
    let mut insp = inspector(8);
    let flow = FlowId(1);
    open(&mut insp, flow);
    insp.data(
        flow,
        Direction::ToResponder,
        0,
        b"GET /f HTTP/1.1\r\nHost: h\r\n\r\n",
    );
    assert_eq!(insp.verdict(flow), Verdict::Pass);
    let body = [&[b'x'; 100][..], b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"].concat();
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
    insp.data(flow, Direction::ToInitiator, 0, head.as_bytes());
    for piece in [&body[..110], &body[110..120], &body[120..]] {
        insp.data(flow, Direction::ToInitiator, 0, piece);
    }
    let alerts: Vec<_> = insp.drain_alerts().collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].hit.rule_id, 9001);
    assert!(alerts[0].blocked);
    assert_eq!(insp.verdict(flow), Verdict::Drop);
    assert_eq!(insp.drain().count(), 1, "the transaction is reported too");
}

#[test]
fn a_request_rule_fires_before_the_response_and_alert_rules_do_not_block() {
    let mut insp = inspector(1024);
    let flow = FlowId(2);
    open(&mut insp, flow);
    insp.data(
        flow,
        Direction::ToResponder,
        0,
        b"GET /admin/users HTTP/1.1\r\nHost: h\r\n\r\n",
    );
    let alerts: Vec<_> = insp.drain_alerts().collect();
    assert_eq!(alerts.len(), 1);
    assert_eq!((alerts[0].hit.rule_id, alerts[0].blocked), (9002, false));
    assert_eq!(insp.verdict(flow), Verdict::Pass);
}
