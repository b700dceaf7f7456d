//! Differential tests aimed at each sweep rewrite: on every transaction, a
//! snapshot with its sweeps must find exactly the rules the same snapshot
//! without sweeps finds (the sweeps cleared after compiling).
//!
//! The hand-picked cases lean on one rewrite each: end anchors in nested
//! groups and alternations, counted repeats in odd places, classes holding
//! `]`, `^`, `$` and escapes, `\b` and `\B` at value edges, the anchored
//! literal operators, transforms, header fields named or not, and values
//! at the edges of raw JSON and form bodies. The property test draws
//! patterns from the same pieces. The first tests are counterexamples
//! these found, each naming the rewrite that lost a hit, kept as
//! regression tests.

use std::sync::Arc;

use proptest::prelude::*;

use super::sweep::post;
use super::{client, compile, exchange, ids, ruleset, sig, with_body};
use crate::engine::{Matcher, Snapshot};
use crate::http::{Header, Transaction};

pub(super) const FORM: &str =
    "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded";
pub(super) const JSON: &str = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: application/json";

/// The same rules compiled twice: with their sweeps, and without.
pub(super) struct Pair {
    pub(super) swept: Matcher,
    pub(super) plain: Matcher,
}

impl Pair {
    pub(super) fn new(rules: &[String]) -> Option<Pair> {
        let compile = || Snapshot::compile(&ruleset(rules)).ok();
        let swept = compile()?;
        let mut plain = compile()?;
        plain.sweeps.clear();
        Some(Pair {
            swept: Matcher::new(Arc::new(swept)).ok()?,
            plain: Matcher::new(Arc::new(plain)).ok()?,
        })
    }

    pub(super) fn swept(&self) -> bool {
        !self.swept.snapshot().sweeps.is_empty()
    }

    /// Asserts that each transaction hits the same rules both ways; the
    /// hits counted.
    pub(super) fn assert_same(&mut self, txs: Vec<Transaction>) -> usize {
        let mut hits = 0;
        for tx in txs {
            let (found, expected) = self.ids(&tx);
            assert_eq!(found, expected, "{tx:?}");
            hits += expected.len();
        }
        hits
    }

    /// The hit ids with the sweeps, and without.
    pub(super) fn ids(&mut self, tx: &Transaction) -> (Vec<u64>, Vec<u64>) {
        let found = ids(&self.swept.inspect_transaction(tx, client()));
        let expected = ids(&self.plain.inspect_transaction(tx, client()));
        (found, expected)
    }
}

/// A request with `head` and a Content-Length body, answered by an empty
/// 200.
pub(super) fn request(head: &str, body: &[u8]) -> Transaction {
    exchange(&with_body(head, body), &with_body("HTTP/1.1 200 OK", b""))
}

fn get(target: &str) -> Transaction {
    request(&format!("GET {target} HTTP/1.1\r\nHost: h"), b"")
}

/// Rule 1 of `condition` on `tx`: the ids with sweeps and without, and
/// the ids without sweeps must be `[1]` (the case must hit at all).
fn one(condition: &str, tx: &Transaction) -> (Vec<u64>, Vec<u64>) {
    let mut pair = Pair::new(&[sig(1, "", condition)]).expect("the rule compiles");
    assert!(pair.swept(), "the rule is swept: {condition}");
    let (found, expected) = pair.ids(tx);
    assert_eq!(expected, [1], "{condition}");
    (found, expected)
}

/// Like [`assert_same`], for a rule the engine may keep out of the sweeps.
fn assert_same_swept_or_not(condition: &str, tx: &Transaction) {
    let mut pair = Pair::new(&[sig(1, "", condition)]).expect("the rule compiles");
    let (found, expected) = pair.ids(tx);
    assert_eq!(expected, [1], "{condition}");
    assert_eq!(found, expected, "{condition}");
}

fn assert_same(condition: &str, tx: &Transaction) {
    let (found, expected) = one(condition, tx);
    assert_eq!(found, expected, "{condition}");
}

// Counterexamples. Each is a rule that hits without the sweeps and is
// missed with them.

/// `counted_repeat` reads the `{41}` of the escape `\x{41}` as a counted
/// repeat: the sweep pattern becomes `\x+` (NUL bytes) and never reports
/// `A`.
#[test]
fn a_braced_hex_escape_is_not_a_counted_repeat() {
    assert_same("field: query\nregex: '\\x{41}'", &get("/p?A"));
}

/// `sweep_text` ends the class at the `]` of `[:digit:]`, so the `$`
/// still inside the class is read as an end anchor and dropped (the sweep
/// pattern is `[[:digit:]]`), and a `{2}` inside it becomes `+`.
#[test]
fn a_posix_class_does_not_end_its_bracket() {
    assert_same("field: query\nregex: '[[:digit:]$]'", &get("/p?$"));
    assert_same("field: query\nregex: '[[:alpha:]{2}]'", &get("/p?{"));
}

/// A final `lowercase` is swept as a caseless compile of the raw value,
/// but caseless `[^A-Z]` rules out `A` and `a` both, while the lowered
/// value `a` is not in `A-Z`. Such a pattern now stays out of the sweeps.
#[test]
fn a_caseless_sweep_keeps_negated_upper_case_classes() {
    let condition = "field: query\ntransforms: [lowercase]\nregex: '^[^A-Z]$'";
    assert_same_swept_or_not(condition, &get("/p?A"));
}

/// The same with a POSIX class: the check read the `]` of `[:upper:]` as
/// the end of the negated class, so `[^[:upper:]]` was swept caseless and
/// missed `ABC`, which lower-cased holds no upper-case letter.
#[test]
fn a_caseless_sweep_keeps_negated_posix_classes() {
    let condition = "field: query\ntransforms: [lowercase]\nregex: '^[^[:upper:]]+$'";
    assert_same_swept_or_not(condition, &get("/p?ABC"));
}

/// Only one separator comes before a value, in a joined head text as in a
/// form body, so a second start anchor in a row (`^^`, `\A^`) took a
/// second byte that is not there, and the rule never held where its
/// database was swept. Of the start anchors on one path, only the first
/// takes a byte now.
#[test]
fn start_anchors_in_a_row_hold_at_the_start_of_a_value() {
    let query = "field: query-param\nname: b\nregex: '^^abc'";
    assert_same_swept_or_not(query, &get("/x?b=abc"));
    assert_same_swept_or_not(query, &get("/x?a=1&b=abc"));
    assert_same_swept_or_not("field: path\nregex: '\\A^/api\\z'", &get("/api"));
    let empty = request("GET / HTTP/1.1\r\nHost: h\r\nX-T:", b"");
    assert_same_swept_or_not("field: header\nname: x-t\nregex: '^^$'", &empty);
    let form = request(
        "POST /f HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded",
        b"a=1&b=abc",
    );
    assert_same_swept_or_not("field: param-values\nregex: '\\A^abc'", &form);
}

/// The form piece `abc` is the name `abc` with an empty value, which is
/// nowhere in the raw body: the screen clears the body although `^$` and
/// `in: ['']` match the empty value.
#[test]
fn an_empty_form_value_without_an_equals_sign_is_screened_away() {
    let tx = request(FORM, b"abc");
    assert_same("field: param-values\nregex: '^$'", &tx);
    assert_same("field: param-values\nin: ['']", &tx);
}

/// The screen looks for a named parameter's name in the raw body, where
/// the form name `my name` is written `my+name`.
#[test]
fn a_named_form_parameter_with_a_plus_in_its_name_is_screened_away() {
    let condition = "field: param\nname: my name\nregex: 'x'";
    assert_same(condition, &request(FORM, b"my+name=x"));
}

/// Values longer than `max_value` (8192 bytes) are cut; the cut value
/// ends where the raw body goes on with a word byte, so `$` after the
/// cut holds on the value and not in the screened body.
#[test]
fn a_value_cut_at_the_value_limit_is_screened_away() {
    let json = format!("{{\"a\":\"{}xyz\"}}", "a".repeat(8191));
    let condition = "field: request-json\nname: '$.*'\nregex: 'ax$'";
    assert_same(condition, &request(JSON, json.as_bytes()));
    let form = format!("a={}xyz", "a".repeat(8191));
    let condition = "field: param-values\nregex: 'ax$'";
    assert_same(condition, &request(FORM, form.as_bytes()));
}

// Hand-picked shapes that hold.

/// Patterns aimed at the rewrites, each also tried caseless and multiline.
const SHAPES: [&str; 40] = [
    "regex: '(?:a|(?:b$|c))'",
    "regex: '(?:(?:x$)|y)'",
    "regex: 'a(?:b|$)'",
    "regex: '(?:^|;)a(?:$|;)'",
    "regex: 'a\\z|^b'",
    "regex: '\\Aab?\\z'",
    "regex: '(?:a$)?'",
    "regex: '^\\B-'",
    "regex: '-\\B$'",
    "regex: '\\ba\\b'",
    "regex: '\\Ba\\B'",
    "regex: 'ba{0,1}$'",
    "regex: '^(?:ab){2}'",
    "regex: '(?:ab){1,2}?c'",
    "regex: 'a{2}?$'",
    "regex: 'x\\{1\\}'",
    "regex: '[]a]$'",
    "regex: '^[^]a]+$'",
    "regex: '[a^]{2}'",
    "regex: '[$^]'",
    "regex: '[\\]$]$'",
    "regex: '[\\^a]b'",
    "regex: '.*abc$'",
    "regex: '[^;]*xyz\\z'",
    "regex: '\\w+abc\\z'",
    "regex: '^\\s*a+$'",
    "regex: '(a|b)\\z'",
    "regex: '((a$))'",
    "regex: 'a$|b$|^c'",
    "regex: '(?:a|b){2,}$'",
    "regex: '^1{2,3}$'",
    "regex: 'a\\n?$'",
    "regex: '^$'",
    "equals: 'a b'",
    "equals: 'ab'",
    "prefix: 'a'",
    "suffix: 'b'",
    "in: ['a', '', 'b;']",
    "contains: '$'",
    "regex: '(?:\\A|&)b(?:&|\\z)'",
];

const FIELDS: [&str; 16] = [
    "query",
    "param-values",
    "param-names",
    "param\nname: a",
    "query-param\nname: b",
    "header\nname: a",
    "headers",
    "user-agent",
    "cookies",
    "cookie\nname: c",
    "request-body",
    "request-json\nname: '$.*'",
    "request-json\nname: '$.a.b'",
    "response-body",
    "response-json\nname: '$[*]'",
    "response-header\nname: a",
];

const CHAINS: [&str; 10] = [
    "[]",
    "[json-decode, lowercase]",
    "[url-decode]",
    "[lowercase]",
    "[url-decode, lowercase]",
    "[html-entity-decode]",
    "[compress-whitespace]",
    "[base64-decode]",
    "[html-entity-decode, lowercase]",
    "[compress-whitespace, lowercase]",
];

const FLAGS: [&str; 4] = ["", "nocase: true", "multiline: true", "dotall: true"];

/// Every shape on every field, with transforms and flags in turn.
fn shape_rules() -> Vec<String> {
    let mut rules = Vec::new();
    for (i, field) in FIELDS.iter().enumerate() {
        for (j, shape) in SHAPES.iter().enumerate() {
            let chain = CHAINS[(i + j) % CHAINS.len()];
            let flags = FLAGS[(i * 3 + j) % FLAGS.len()];
            let flags = match flags {
                "nocase: true" => flags,
                _ if shape.starts_with("regex") => flags,
                _ => "",
            };
            let id = (i * SHAPES.len() + j + 1) as u64;
            let condition = format!("field: {field}\ntransforms: {chain}\n{flags}\n{shape}");
            rules.push(sig(id, "", &condition));
        }
    }
    rules
}

/// Requests with values at the edges of what the rewrites look at.
fn edge_requests() -> Vec<Transaction> {
    let mut txs: Vec<Transaction> = [
        "/p?a",
        "/p?a=&b=a",
        "/p?ab",
        "/p?b=ab&a=b%24",
        "/p?a=-&b=x-",
        "/p?c=AB&b=aab%0a",
        "/p?a=a+b&b=;b&",
        "/p?xyzabc",
        "/p?%5Da&b=%5E%5E",
        "/p?b=11&a=111",
        "/p?b=ab&b=abab&a=ababc",
        "/p?x%7B1%7D",
    ]
    .iter()
    .map(|target| get(target))
    .collect();
    let headers = [
        "\r\na: a\r\nb: b",
        "\r\nA: ab\r\nUser-Agent: a b",
        "\r\nCookie: c=a; d=b$\r\na: -",
        "\r\nCookie: c=\"a\"; c=ab\r\nuser-agent: AB",
        "\r\na: \r\na: b;",
        "\r\na: QUI=\r\nb: YWI=",
    ];
    for fields in headers {
        txs.push(request(&format!("GET /p HTTP/1.1\r\nHost: h{fields}"), b""));
    }
    let bodies: [(&str, &[u8]); 14] = [
        (JSON, br#"{"a":"a"}"#),
        (JSON, br#""a""#),
        (JSON, br#"["a",""]"#),
        (JSON, br#"{"a":{"b":"ab"}}"#),
        (JSON, br#"{"a": 1, "b": [true, null, "b"]}"#),
        (JSON, br#"{"a":"a b","x":"xyzabc"}"#),
        (JSON, br#"{"a":"A&amp;B","b":"-"}"#),
        (FORM, b"a=a"),
        (FORM, b"=a"),
        (FORM, b"a="),
        (FORM, b"a=b+c&b=a+b"),
        (FORM, b"&a=ab&"),
        (FORM, b"b=1&a=11"),
        (FORM, b"a=QUI%3D&c=YWI="),
    ];
    for (head, body) in bodies {
        txs.push(request(head, body));
    }
    for body in [&b"a"[..], b"ab", b"[\"a\",\"b\"]", b"x\n", b"abc"] {
        let response = with_body(
            "HTTP/1.1 200 OK\r\na: b\r\nContent-Type: application/json",
            body,
        );
        txs.push(exchange(
            &with_body("GET /p HTTP/1.1\r\nHost: h", b""),
            &response,
        ));
    }
    txs
}

#[test]
fn edge_values_find_the_same_rules_with_and_without_sweeps() {
    let rules = shape_rules();
    if let Err(e) = Snapshot::compile(&ruleset(&rules)) {
        panic!("{e}");
    }
    let mut pair = Pair::new(&rules).expect("the rules compile");
    assert!(pair.swept());
    let hits = pair.assert_same(edge_requests());
    assert!(hits > 100, "the cases hit: {hits}");
}

/// Patterns that need a rare byte (see `engine::gate`), each on one field.
const GATED: [&str; 8] = [
    "field: param-values\ntransforms: [url-decode, html-entity-decode, lowercase]\nregex: '<scr'",
    "field: query\ntransforms: [lowercase]\nregex: '%3c'",
    "field: user-agent\nregex: '[;|]\\s*id\\b'",
    "field: cookies\ntransforms: [url-decode]\nregex: '\\$\\('",
    "field: param-names\nregex: '[<>]'",
    "field: request-body\nregex: 'a=[<>]'",
    "field: response-body\ntransforms: [html-entity-decode]\nregex: '<b'",
    "field: path\nregex: '\\.\\./'",
];

/// Values holding those bytes raw, encoded or not at all, in every place.
fn gated_requests() -> Vec<Transaction> {
    let values: [&[u8]; 8] = [
        b"<script>",
        b"%3cscr",
        b"&lt;scr",
        b"x;id",
        b"$(x)",
        b"a=<",
        b"plain",
        b"..%2f",
    ];
    let mut txs = Vec::new();
    for value in values {
        let text = String::from_utf8_lossy(value);
        let mut query = b"q=".to_vec();
        query.extend_from_slice(value);
        let headers = vec![
            ("User-Agent", value.to_vec()),
            ("Cookie", [b"c=", value].concat()),
        ];
        let form = [b"a=", value, b"&", value, b"=1"].concat();
        let json = format!("{{\"a\":{:?}}}", text).into_bytes();
        txs.push(post(&query, headers.clone(), (false, form), value.to_vec()));
        txs.push(post(b"q=1", headers, (true, json), value.to_vec()));
        txs.push(post(
            value,
            Vec::new(),
            (true, b"{}".to_vec()),
            b"ok".to_vec(),
        ));
    }
    txs
}

#[test]
fn gated_patterns_find_the_same_rules_with_and_without_sweeps() {
    let rules: Vec<String> = GATED
        .iter()
        .enumerate()
        .map(|(i, c)| sig(i as u64 + 1, "", c))
        .collect();
    let mut pair = Pair::new(&rules).expect("the rules compile");
    let gated = pair
        .swept
        .snapshot()
        .sweeps
        .iter()
        .filter(|s| s.gate.is_some());
    assert!(gated.count() >= 2, "the head and body sweeps are gated");
    let hits = pair.assert_same(gated_requests());
    assert!(hits > 15, "the cases hit: {hits}");
}

#[test]
fn head_values_remembered_clean_are_forgotten_with_their_snapshot() {
    let rule = |pattern: &str| sig(1, "", &format!("field: user-agent\nregex: '{pattern}'"));
    let tx = super::get("/p?q=1", "\r\nUser-Agent: probe/1.0");
    let mut matcher = Matcher::new(compile(&[rule("evil")])).expect("matcher");
    for _ in 0..3 {
        assert!(matcher.inspect_transaction(&tx, client()).is_empty());
    }
    // The agent was remembered clean; a ruleset that looks for it must
    // still find it.
    matcher.update(compile(&[rule("probe")])).expect("update");
    for _ in 0..3 {
        let hits = ids(&matcher.inspect_transaction(&tx, client()));
        assert_eq!(hits, vec![1], "every time, the cache notwithstanding");
    }
}

// Random patterns.

/// Pieces a pattern is drawn from; none is a known counterexample.
const ATOMS: [&str; 25] = [
    "a", "b", "1", "-", " ", ";", "<", "\\.", "\\$", "x", "abc", "[ab]", "[^a]", "[]a]", "[^]a]",
    "[a^]", "[a$]", "[\\]b]", "\\d", "\\w", "\\W", "\\s", ".", "\\x41", "\\x2d",
];
const ANCHORS: [&str; 6] = ["^", "$", "\\A", "\\z", "\\b", "\\B"];
const QUANTIFIERS: [&str; 12] = [
    "", "", "?", "*", "+", "{1}", "{2}", "{1,2}", "{2,}", "??", "+?", "{1,3}?",
];

fn piece() -> impl Strategy<Value = String> {
    let quantified = (
        prop::sample::select(&ATOMS[..]),
        prop::sample::select(&QUANTIFIERS[..]),
    )
        .prop_map(|(atom, q)| format!("{atom}{q}"));
    let anchor = prop::sample::select(&ANCHORS[..]).prop_map(str::to_string);
    prop_oneof![3 => quantified, 1 => anchor, 1 => Just(".*".to_string())]
}

fn pattern() -> impl Strategy<Value = String> {
    let leaf = prop::collection::vec(piece(), 1..4).prop_map(|p| p.concat());
    let nested = leaf.prop_recursive(2, 12, 3, |inner| {
        let group = (
            prop::collection::vec(inner, 1..3),
            prop::sample::select(&["(?:", "("][..]),
            prop::sample::select(&QUANTIFIERS[..]),
        )
            .prop_map(|(alts, open, q)| format!("{open}{}){q}", alts.join("|")));
        prop::collection::vec(prop_oneof![piece(), group], 1..4).prop_map(|p| p.concat())
    });
    prop::collection::vec(nested, 1..3).prop_map(|alts| alts.join("|"))
}

/// A rule condition: a random pattern on a field, through a chain.
fn condition() -> impl Strategy<Value = String> {
    (
        pattern(),
        prop::sample::select(&FIELDS[..]),
        prop::sample::select(&CHAINS[..]),
        prop::sample::select(&FLAGS[..]),
    )
        .prop_map(|(p, field, chain, flags)| {
            format!("field: {field}\ntransforms: {chain}\n{flags}\nregex: '{p}'")
        })
}

/// Text of the bytes patterns look for, and those around values.
fn text(max: usize) -> impl Strategy<Value = Vec<u8>> {
    const TOKENS: [&[u8]; 18] = [
        b"a", b"b", b"A", b"1", b"-", b" ", b";", b"$", b"x", b"abc", b"]", b"^", b"%41", b"+",
        b"&amp;", b"\n", b"<", b"%3c",
    ];
    prop::collection::vec(prop::sample::select(&TOKENS[..]), 0..max).prop_map(|t| t.concat())
}

/// A form body whose every piece has its `=` and no `+` in a name (see
/// the counterexamples above).
fn form() -> impl Strategy<Value = Vec<u8>> {
    let name = prop::sample::select(&["a", "b", "c", "", "ab"][..]);
    let pair = (name, text(5)).prop_map(|(n, v)| {
        let v: Vec<u8> = v
            .into_iter()
            .filter(|b| !matches!(b, b'&' | b'\n'))
            .collect();
        format!("{n}={}", String::from_utf8_lossy(&v))
    });
    prop::collection::vec(pair, 0..4).prop_map(|p| p.join("&").into_bytes())
}

fn json() -> impl Strategy<Value = Vec<u8>> {
    let scalar = prop_oneof![
        text(5).prop_map(|t| {
            let t: Vec<u8> = t
                .into_iter()
                .filter(|b| !matches!(b, b'"' | b'\n'))
                .collect();
            format!("\"{}\"", String::from_utf8_lossy(&t))
        }),
        Just("1".to_string()),
        Just("-2.5e3".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("\"a\\u0062\"".to_string()),
    ];
    let member = (prop::sample::select(&["a", "b", "c"][..]), scalar.clone())
        .prop_map(|(k, v)| format!("\"{k}\": {v}"));
    let inner =
        prop::collection::vec(member.clone(), 0..3).prop_map(|m| format!("{{{}}}", m.join(",")));
    let nested = (inner, prop::collection::vec(scalar, 0..3))
        .prop_map(|(o, l)| format!("\"a\":{{\"b\":{o}}},\"l\":[{}]", l.join(",")));
    (prop::collection::vec(member, 0..3), nested, any::<bool>()).prop_map(|(m, n, deep)| {
        let mut members = m;
        if deep {
            members.push(n);
        }
        format!("{{{}}}", members.join(",")).into_bytes()
    })
}

prop_compose! {
    fn transaction()(
        query in text(12),
        headers in prop::collection::vec(
            (prop::sample::select(&["a", "A", "b", "Cookie", "User-Agent"][..]), text(8)),
            0..4,
        ),
        json_body in any::<bool>(),
        form in form(),
        json in json(),
        response in text(10),
    ) -> Transaction {
        let body = if json_body { json } else { form };
        let mut tx = post(&query, headers, (json_body, body), response.clone());
        tx.response_headers = vec![
            Header { name: b"a".to_vec(), value: response.clone() },
            Header { name: b"Content-Type".to_vec(), value: b"application/json".to_vec() },
        ];
        tx
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_patterns_find_the_same_rules_with_and_without_sweeps(
        conditions in prop::collection::vec(condition(), 1..5),
        txs in prop::collection::vec(transaction(), 6),
    ) {
        // Patterns Vectorscan refuses both ways (an end anchor inside a
        // repeat, say) are refused with their rule: such rules are left out.
        let compiles = |rule: &String| {
            let text = format!("version: 1\nrules:\n{rule}");
            palisade_rules::parse_str("test.yaml", &text).is_ok()
                && Snapshot::compile(&ruleset(std::slice::from_ref(rule))).is_ok()
        };
        let rules: Vec<String> = conditions
            .iter()
            .enumerate()
            .map(|(i, c)| sig(i as u64 + 1, "", c))
            .filter(compiles)
            .collect();
        prop_assume!(!rules.is_empty());
        let Some(mut pair) = Pair::new(&rules) else {
            return Err(TestCaseError::fail(rules.concat()));
        };
        for tx in &txs {
            let (found, expected) = pair.ids(tx);
            prop_assert_eq!(found, expected, "{}\n{:?}", rules.concat(), tx);
        }
    }
}
