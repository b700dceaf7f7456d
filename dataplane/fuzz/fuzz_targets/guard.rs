//! Fuzz target for inspection's guard: any bytes as a client stream (with a
//! TLS record header in front when the first byte is odd), cut into pieces
//! by the second byte, through an inspector with rate limits keyed by JWT
//! claim, header and endpoint. ClientHello reading, header fingerprints,
//! User-Agent claims, JWT decoding and the behaviour windows must never
//! panic; a connection gives at most one `tls` event; every event
//! serialises.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::engine::Snapshot;
use palisade_dataplane::flow::{Direction, FlowId};
use palisade_dataplane::inspect::{guard_event, GuardRecord, InspectConfig, Inspector, LoadedRules};
use palisade_dataplane::pipeline::{Endpoints, FlowSink};

const RULES: &str = "
rules:
  - id: 1
    kind: rate-limit
    name: per user
    severity: low
    action: block
    limit: {key: ['jwt-claim:sub', 'header:x-api-key', endpoint], requests: 1, period: 1h}
  - id: 2
    kind: rate-limit
    name: per fingerprint
    severity: low
    action: alert
    limit: {key: tls-fingerprint, requests: 1, period: 1s}
";

fn rules() -> Arc<LoadedRules> {
    static RULES_ONCE: OnceLock<Arc<LoadedRules>> = OnceLock::new();
    let loaded = RULES_ONCE.get_or_init(|| {
        // The rule text above is fixed and valid.
        let rules = palisade_rules::parse_str("fuzz.yaml", RULES).expect("rules");
        let ruleset = palisade_rules::Ruleset::new(rules).expect("ruleset");
        let snapshot = Snapshot::compile(&ruleset).expect("compile");
        Arc::new(LoadedRules::new(&ruleset, snapshot))
    });
    Arc::clone(loaded)
}

fuzz_target!(|data: &[u8]| {
    let [tls, cut, rest @ ..] = data else {
        return;
    };
    let mut stream = Vec::with_capacity(rest.len() + 5);
    if tls & 1 == 1 {
        stream.extend_from_slice(&[0x16, 0x03, 0x01]);
    }
    stream.extend_from_slice(rest);

    let cfg = InspectConfig {
        rules: Some(rules()),
        ..InspectConfig::default()
    };
    let mut insp = Inspector::new(cfg).expect("scratch");
    let ends = Endpoints {
        client: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 40000),
        server: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 443),
        proto: 6,
    };
    let flow = FlowId(1);
    insp.opened(flow, &ends, 1);
    for (i, piece) in stream.chunks(usize::from(*cut % 32) + 1).enumerate() {
        insp.packet(flow, 1 + i as u64);
        insp.data(flow, Direction::ToResponder, 0, piece);
    }
    insp.closed(flow);
    let records: Vec<GuardRecord> = insp.drain_guard().collect();
    let hellos = records.iter().filter(|r| matches!(r, GuardRecord::Tls(_))).count();
    assert!(hellos <= 1);
    for r in &records {
        assert!(!guard_event(r).to_string().is_empty());
    }
});
