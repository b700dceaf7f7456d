//! Property tests: no field value, body piece or wire input panics the
//! engine, and what it reports stays within its bounds.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use palisade_rules::Transform;
use proptest::prelude::*;

use super::{compile, exchange_all, sig, REQ, RESP};
use crate::engine::{apply_transforms, Hit, Matcher, Phase, Snapshot, EXCERPT_LEN};
use crate::http::{Header, Method, Transaction};

/// One rule per field, with assorted transforms and operators, plus
/// prefiltered patterns.
fn every_field() -> Arc<Snapshot> {
    static SNAPSHOT: OnceLock<Arc<Snapshot>> = OnceLock::new();
    let chains = [
        "[]",
        "[url-decode]",
        "[html-entity-decode, lowercase]",
        "[base64-decode]",
        "[normalize-path, compress-whitespace]",
    ];
    let fields = [
        "method",
        "host",
        "path",
        "query",
        "query-param\nname: a",
        "body-param\nname: a",
        "param\nname: a",
        "param-names",
        "param-values",
        "header\nname: a",
        "headers",
        "cookie\nname: a",
        "cookies",
        "user-agent",
        "request-body",
        "request-json\nname: $.a[*].b",
        "response-status",
        "response-header\nname: a",
        "response-headers",
        "response-body",
        "response-json\nname: $.*",
        "client-address",
    ];
    let operators = [
        "regex: 'a.?b'",
        "contains: ab",
        "equals: a",
        "in: [a, '']",
        "lt: 5",
        "cidr: 10.0.0.0/8",
    ];
    Arc::clone(SNAPSHOT.get_or_init(|| {
        let mut rules = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            for (j, operator) in operators.iter().enumerate() {
                let chain = chains[(i + j) % chains.len()];
                let id = (i * operators.len() + j + 1) as u64;
                let condition = format!("field: {field}\ntransforms: {chain}\n{operator}");
                rules.push(sig(id, "", &condition));
            }
        }
        compile(&rules)
    }))
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![any::<u8>(), Just(b'a'), Just(b'%'), Just(b'&')],
        0..max,
    )
}

fn header() -> impl Strategy<Value = Header> {
    (
        prop_oneof![
            Just(b"a".to_vec()),
            Just(b"Cookie".to_vec()),
            Just(b"content-type".to_vec()),
            bytes(8)
        ],
        bytes(64),
    )
        .prop_map(|(name, value)| Header { name, value })
}

prop_compose! {
    fn transaction()(
        uri in bytes(96),
        method in bytes(8),
        request_headers in prop::collection::vec(header(), 0..6),
        response_headers in prop::collection::vec(header(), 0..4),
        request_body in prop_oneof![bytes(256), Just(br#"{"a": [{"b": 1}], "c": "ab"}"#.to_vec())],
        response_body in bytes(256),
        status in proptest::option::of(any::<u16>()),
    ) -> Transaction {
        let mut tx = Transaction { uri, method: Method::from_bytes(&method), status, ..Transaction::default() };
        tx.request_headers = request_headers;
        tx.response_headers = response_headers;
        tx.request_body.data = request_body;
        tx.response_body.data = response_body;
        tx
    }
}

fn check_bounds(hits: &[Hit]) {
    for hit in hits {
        if let Some(evidence) = &hit.evidence {
            assert!(evidence.excerpt.len() <= EXCERPT_LEN);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_fields_never_panic(tx in transaction(), v6 in any::<bool>()) {
        let mut matcher = Matcher::new(every_field()).expect("scratch");
        let client: IpAddr = if v6 { "2001:db8::1".parse() } else { "10.1.2.3".parse() }.expect("address");
        let mut insp = matcher.start();
        for phase in Phase::ALL {
            check_bounds(&matcher.inspect(&mut insp, &tx, client, phase));
        }
        prop_assert_eq!(matcher.stats().scan_errors, 0);
    }

    #[test]
    fn arbitrary_body_pieces_never_panic(pieces in prop::collection::vec(bytes(64), 0..8), tx in transaction()) {
        let mut matcher = Matcher::new(every_field()).expect("scratch");
        let mut insp = matcher.start();
        for dir in [REQ, RESP] {
            let mut body = matcher.body_stream(&insp, dir);
            for piece in &pieces {
                body.feed(&mut matcher, piece);
            }
            check_bounds(&body.finish(&mut matcher, &mut insp, &tx, "10.0.0.1".parse().expect("address")));
        }
        prop_assert_eq!(matcher.stats().scan_errors, 0);
    }

    #[test]
    fn arbitrary_wire_bytes_never_panic(request in bytes(300), response in bytes(300)) {
        let mut matcher = Matcher::new(every_field()).expect("scratch");
        let mut wire = b"POST /?a=b HTTP/1.1\r\nContent-Type: application/json\r\n".to_vec();
        wire.extend_from_slice(&request);
        for tx in exchange_all(&wire, &response) {
            check_bounds(&matcher.inspect_transaction(&tx, "10.0.0.1".parse().expect("address")));
        }
    }

    #[test]
    fn transforms_stay_bounded(input in bytes(512), picks in prop::collection::vec(0..Transform::ALL.len(), 0..4)) {
        let chain: Vec<Transform> = picks.iter().map(|i| Transform::ALL[*i]).collect();
        let out = apply_transforms(&chain, &input);
        prop_assert!(out.len() <= input.len() + chain.len());
    }
}
