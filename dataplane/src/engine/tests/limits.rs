//! Values past the normalization limits (`http/normalize/limits.rs`):
//! 512 parameters or JSON scalars, 8 KiB a value, JSON nested 32 deep,
//! JSON after a grammar error and after the document. Whatever lies past
//! them must still make the default rules hold, and benign bodies past
//! them must not.

use std::sync::Arc;

use super::offsets::{url_encoded, RULE_OF_ATTACK};
use super::sweep_attack::{FORM, JSON};
use super::{client, default_rule_files, get, ids, request};
use crate::engine::{Matcher, Snapshot};
use crate::http::Transaction;

/// Past the 512 values a list keeps.
const MANY: usize = 600;

/// Requests holding `attack` (as `encoded` in URL text, `quoted` in JSON
/// text) past one limit each.
fn past_the_limits(encoded: &str, quoted: &str) -> Vec<(&'static str, Transaction)> {
    let pairs: String = (0..MANY).map(|i| format!("f{i}=1&")).collect();
    let members: String = (0..MANY).map(|i| format!(r#""f{i}":{i},"#)).collect();
    let items = vec!["0"; MANY].join(",");
    let long = "x".repeat(9000);
    let (open, close) = ("{\"a\":".repeat(40), "}".repeat(40));
    vec![
        (
            "query, 600 parameters before",
            get(&format!("/s?{pairs}q={encoded}"), ""),
        ),
        (
            "form, 600 parameters before",
            request(FORM, format!("{pairs}q={encoded}").as_bytes()),
        ),
        (
            "form, a 9000-byte value",
            request(FORM, format!("q={long}+{encoded}").as_bytes()),
        ),
        (
            "json, 600 members before",
            request(JSON, format!(r#"{{{members}"q":"{quoted}"}}"#).as_bytes()),
        ),
        (
            "json, 600 array items before, nested",
            request(
                JSON,
                format!(r#"{{"o":{{"l":[{items}],"q":"{quoted}"}}}}"#).as_bytes(),
            ),
        ),
        (
            "json, a 9000-byte string",
            request(JSON, format!(r#"{{"q":"{long} {quoted}"}}"#).as_bytes()),
        ),
        (
            "json, 40 levels deep",
            request(
                JSON,
                format!(r#"{open}{{"q":"{quoted}"}}{close}"#).as_bytes(),
            ),
        ),
        (
            "json, after the document",
            request(JSON, format!(r#"{{"p":1}} {{"q":"{quoted}"}}"#).as_bytes()),
        ),
        (
            "json, after a grammar error",
            request(JSON, format!(r#"{{"p":1,,"q":"{quoted}"}}"#).as_bytes()),
        ),
    ]
}

#[test]
fn default_rules_hold_past_the_normalization_limits() {
    let snapshot = Snapshot::from_files(&default_rule_files()).expect("the default rules compile");
    let mut matcher = Matcher::new(Arc::new(snapshot)).expect("scratch");
    let mut missed = Vec::new();
    for (attack, rule) in RULE_OF_ATTACK {
        for (kind, tx) in past_the_limits(&url_encoded(attack), attack) {
            let hits = matcher.inspect_transaction(&tx, client());
            if !ids(&hits).contains(&rule) {
                missed.push(format!("{rule} {attack:?}: {kind}"));
            }
        }
    }
    assert!(missed.is_empty(), "{} misses: {missed:#?}", missed.len());
}

#[test]
fn benign_values_past_the_limits_make_no_default_rule_hold() {
    let snapshot = Snapshot::from_files(&default_rule_files()).expect("the default rules compile");
    let mut matcher = Matcher::new(Arc::new(snapshot)).expect("scratch");
    let person = r#"{"name":"Ana O'Neil","email":"ana@example.com","note":"Call me at 5pm; thanks!","tags":["a","b"],"age":41}"#;
    let people = vec![person; 300].join(",");
    let words = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(200);
    let pairs: String = (0..MANY).map(|i| format!("item{i}=blue+shirt&")).collect();
    let cases = [
        (
            "json, 300 objects",
            request(JSON, format!(r#"{{"people":[{people}]}}"#).as_bytes()),
        ),
        (
            "json, a long text",
            request(JSON, format!(r#"{{"text":"{words}"}}"#).as_bytes()),
        ),
        ("form, 600 parameters", request(FORM, pairs.as_bytes())),
        ("query, 600 parameters", get(&format!("/s?{pairs}"), "")),
    ];
    for (kind, tx) in cases {
        let hits = matcher.inspect_transaction(&tx, client());
        assert!(ids(&hits).is_empty(), "{kind}: {:?}", ids(&hits));
    }
}
