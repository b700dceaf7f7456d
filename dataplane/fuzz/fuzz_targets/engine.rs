//! Fuzz target for the inspection engine: any bytes, split at the first
//! NUL into a request stream and a response stream, go through the HTTP
//! parser in small segments while an observer inspects every phase and
//! streams both bodies, as a worker does. The ruleset reads every field
//! through every transform. No input may panic, Vectorscan must never
//! refuse a scan, and excerpts stay bounded.
#![no_main]

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::engine::EXCERPT_LEN;
use palisade_dataplane::engine::{BodyStream, Hit, Inspection, Matcher, Phase, Snapshot};
use palisade_dataplane::flow::Direction;
use palisade_dataplane::http::{HttpConfig, HttpConnection, HttpObserver, Transaction};

const FIELDS: &[&str] = &[
    "method",
    "host",
    "path",
    "query",
    "query-param\n    name: a",
    "body-param\n    name: a",
    "param-names",
    "param-values",
    "headers",
    "cookies",
    "user-agent",
    "request-body",
    "request-json\n    name: $.a[*]",
    "response-status",
    "response-headers",
    "response-body",
    "response-json\n    name: $.*.b",
    "client-address",
];
const CHAINS: &[&str] = &[
    "[]",
    "[url-decode]",
    "[html-entity-decode]",
    "[base64-decode, lowercase]",
    "[normalize-path, compress-whitespace]",
    "[lowercase]",
];
const OPERATORS: &[&str] = &["regex: '(a|b)+c'", "contains: ab", "suffix: c", "lt: 0"];

fn snapshot() -> Arc<Snapshot> {
    static SNAPSHOT: OnceLock<Arc<Snapshot>> = OnceLock::new();
    Arc::clone(SNAPSHOT.get_or_init(|| {
        let mut text = String::from("rules:\n");
        let mut id = 0;
        for (i, field) in FIELDS.iter().enumerate() {
            for (j, operator) in OPERATORS.iter().enumerate() {
                id += 1;
                let chain = CHAINS[(i + j) % CHAINS.len()];
                text.push_str(&format!(
                    "- id: {id}\n  kind: signature\n  name: r\n  severity: low\n  action: log\n  \
                     match:\n    field: {field}\n    transforms: {chain}\n    {operator}\n"
                ));
            }
        }
        let rules = palisade_rules::parse_str("fuzz.yaml", &text).expect("valid rules");
        let ruleset = palisade_rules::Ruleset::new(rules).expect("unique ids");
        Arc::new(Snapshot::compile(&ruleset).expect("compiles"))
    }))
}

struct Inline {
    matcher: Matcher,
    insp: Option<Inspection>,
    bodies: [Option<BodyStream>; 2],
    client: IpAddr,
}

impl Inline {
    fn check(&self, hits: &[Hit]) {
        for evidence in hits.iter().filter_map(|h| h.evidence.as_ref()) {
            assert!(evidence.excerpt.len() <= EXCERPT_LEN);
        }
    }

    fn inspect(&mut self, tx: &Transaction, phase: Phase) {
        if let Some(insp) = self.insp.as_mut() {
            let hits = self.matcher.inspect(insp, tx, self.client, phase);
            self.check(&hits);
        }
    }

    fn finish(&mut self, tx: &Transaction, dir: Direction) {
        if let (Some(body), Some(insp)) = (self.bodies[dir.index()].take(), self.insp.as_mut()) {
            let hits = body.finish(&mut self.matcher, insp, tx, self.client);
            self.check(&hits);
        }
    }
}

impl HttpObserver for Inline {
    fn request_headers(&mut self, tx: &Transaction) {
        let insp = self.matcher.start();
        for dir in [Direction::ToResponder, Direction::ToInitiator] {
            self.bodies[dir.index()] = Some(self.matcher.body_stream(&insp, dir));
        }
        self.insp = Some(insp);
        self.inspect(tx, Phase::RequestHeaders);
    }

    fn response_headers(&mut self, tx: &Transaction) {
        self.finish(tx, Direction::ToResponder);
        self.inspect(tx, Phase::ResponseHeaders);
    }

    fn body_data(&mut self, _tx: &Transaction, dir: Direction, decoded: &[u8]) {
        if let Some(body) = self.bodies[dir.index()].as_mut() {
            body.feed(&mut self.matcher, decoded);
        }
    }

    fn transaction(&mut self, tx: Transaction) {
        self.finish(&tx, Direction::ToResponder);
        self.finish(&tx, Direction::ToInitiator);
        self.inspect(&tx, Phase::ResponseBody);
        self.insp = None;
    }
}

fuzz_target!(|data: &[u8]| {
    let (request, response) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let mut inline = Inline {
        matcher: Matcher::new(snapshot()).expect("scratch"),
        insp: None,
        bodies: [None, None],
        client: "10.0.0.1".parse().expect("address"),
    };
    let mut conn = HttpConnection::new(&HttpConfig::default());
    for (i, segment) in request.chunks(7).enumerate() {
        conn.data(Direction::ToResponder, segment, i as u64, &mut inline);
    }
    for (i, segment) in response.chunks(11).enumerate() {
        conn.data(Direction::ToInitiator, segment, i as u64, &mut inline);
    }
    conn.close(u64::MAX, &mut inline);
    assert_eq!(inline.matcher.stats().scan_errors, 0);
});
