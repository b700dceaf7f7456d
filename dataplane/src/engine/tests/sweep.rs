//! The sweeps only choose which values to scan: on any transaction, a
//! snapshot with its sweeps finds exactly the rules that the same snapshot
//! without them finds by scanning every value with every database.
//!
//! The rules lean on what the sweep rewrites: start and end anchors (also
//! inside alternations and before other anchors), counted repeats, leads
//! cut before a literal, the
//! anchored literal operators, named and unnamed header fields, and values
//! cut from raw JSON and form bodies by the screen.

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;

use super::{client, ids, ruleset, sig};
use crate::engine::{Matcher, Snapshot};
use crate::http::{Header, Method, Transaction};

/// The tests every field gets.
const OPERATORS: [&str; 11] = [
    "regex: '^ab{2,3}$'",
    "regex: '(?:x|b1$)'",
    "regex: '\\d{2,}\\z'",
    "regex: 'a\\z$|^;b'",
    "regex: '(?:&|;)c(?:$|=)'",
    "regex: 'x[ab1 ]*(?:abb|b1a)'",
    "regex: '^[a;]+b1a'",
    "equals: 'a b'",
    "prefix: 'b;'",
    "suffix: '1&'",
    "in: ['ab', '\"c']",
];

const FIELDS: [&str; 8] = [
    "query",
    "param-values",
    "param-names",
    "header\nname: a",
    "headers",
    "cookies",
    "request-json\nname: '$.*'",
    "response-body",
];

/// The rules, and the same rules with no sweeps.
fn snapshots() -> &'static (Arc<Snapshot>, Arc<Snapshot>) {
    static PAIR: OnceLock<(Arc<Snapshot>, Arc<Snapshot>)> = OnceLock::new();
    PAIR.get_or_init(|| {
        let mut rules = Vec::new();
        for (i, field) in FIELDS.iter().enumerate() {
            for (j, operator) in OPERATORS.iter().enumerate() {
                let chain = ["[]", "[url-decode]", "[lowercase]"][(i + j) % 3];
                let id = (i * OPERATORS.len() + j + 1) as u64;
                let condition = format!("field: {field}\ntransforms: {chain}\n{operator}");
                rules.push(sig(id, "", &condition));
            }
        }
        let compile = || Snapshot::compile(&ruleset(&rules)).unwrap_or_else(|e| panic!("{e}"));
        let swept = compile();
        assert!(!swept.sweeps.is_empty(), "the rules are swept");
        let mut plain = compile();
        plain.sweeps.clear();
        (Arc::new(swept), Arc::new(plain))
    })
}

/// Text from the bytes the rules look for, and those around values.
fn text(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let bytes = b"abAB1 ;&=\"%2c{}:,x\n";
    prop::collection::vec(prop::sample::select(&bytes[..]), 0..max)
}

/// A JSON object of short members, the form the raw-body screen clears.
fn json() -> impl Strategy<Value = Vec<u8>> {
    let member = (text(4), text(6)).prop_map(|(name, value)| {
        let clean = |t: Vec<u8>| -> String {
            t.into_iter()
                .filter(|b| !matches!(b, b'"' | b'\n' | b'%'))
                .map(char::from)
                .collect()
        };
        format!("\"{}\":\"{}\"", clean(name), clean(value))
    });
    prop::collection::vec(member, 0..5)
        .prop_map(|members| format!("{{{}}}", members.join(",")).into_bytes())
}

prop_compose! {
    fn transaction()(
        query in text(24),
        headers in prop::collection::vec((prop_oneof![Just("a"), Just("b"), Just("Cookie")], text(12)), 0..4),
        json_body in any::<bool>(),
        form in text(32),
        json in json(),
        response_body in text(32),
    ) -> Transaction {
        let body = if json_body { json } else { form };
        post(&query, headers, (json_body, body), response_body)
    }
}

/// A POST of `/p?query` with `headers`, a JSON (`true`) or form body and
/// its Content-Type, answered 200 with `response_body`.
pub(super) fn post(
    query: &[u8],
    headers: Vec<(&str, Vec<u8>)>,
    body: (bool, Vec<u8>),
    response_body: Vec<u8>,
) -> Transaction {
    let (json, data) = body;
    let mut uri = b"/p?".to_vec();
    uri.extend_from_slice(query);
    let mut tx = Transaction {
        uri,
        method: Method::from_bytes(b"POST"),
        status: Some(200),
        ..Transaction::default()
    };
    let media: &[u8] = if json {
        b"application/json"
    } else {
        b"application/x-www-form-urlencoded"
    };
    tx.request_headers = headers
        .into_iter()
        .map(|(name, value)| Header {
            name: name.as_bytes().to_vec(),
            value,
        })
        .chain([Header {
            name: b"Content-Type".to_vec(),
            value: media.to_vec(),
        }])
        .collect();
    tx.request_body.data = data;
    tx.response_body.data = response_body;
    tx
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn sweeps_find_what_scanning_every_value_finds(tx in transaction()) {
        let (swept, plain) = snapshots();
        let mut with = Matcher::new(Arc::clone(swept)).expect("scratch");
        let mut without = Matcher::new(Arc::clone(plain)).expect("scratch");
        let found = ids(&with.inspect_transaction(&tx, client()));
        let expected = ids(&without.inspect_transaction(&tx, client()));
        prop_assert_eq!(found, expected);
    }
}
