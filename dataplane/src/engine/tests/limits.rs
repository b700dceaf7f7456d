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

/// `text` with its first letter written as a JSON `\u` escape.
fn escaped(text: &str) -> String {
    match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => format!(
            "{}\\u{:04x}{}",
            &text[..at],
            text.as_bytes()[at],
            &text[at + 1..]
        ),
        None => text.to_owned(),
    }
}

/// Requests holding `attack` (as `encoded` in URL text, `quoted` in JSON
/// text) past one limit each.
fn past_the_limits(encoded: &str, quoted: &str) -> Vec<(&'static str, Transaction)> {
    let twice = url_encoded(encoded);
    let esc = escaped(quoted);
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
        (
            "query, 600 parameters before, encoded twice",
            get(&format!("/s?{pairs}q={twice}"), ""),
        ),
        (
            "json, a 9000-byte string, a letter escaped",
            request(JSON, format!(r#"{{"q":"{long} {esc}"}}"#).as_bytes()),
        ),
        (
            "json, a 9000-byte key",
            request(JSON, format!(r#"{{"{long} {quoted}":1}}"#).as_bytes()),
        ),
        (
            "json, 40 levels deep, a letter escaped",
            request(JSON, format!(r#"{open}{{"q":"{esc}"}}{close}"#).as_bytes()),
        ),
        (
            "json, after NaN, a letter escaped",
            request(JSON, format!(r#"{{"p":NaN,"q":"{esc}"}}"#).as_bytes()),
        ),
    ]
}

/// Values after a grammar error or a second document that only rules
/// anchored at a value's edge catch, with the rule each must make hold
/// (from `rules/default`).
const ANCHORED: [(&str, u64); 4] = [
    (r#"{"a":NaN,"user":"x;sleep 5"}"#, 102003),
    (r#"{"a":NaN,"user":"admin'--"}"#, 100003),
    (r#"{'user':'admin\'--'}"#, 100003),
    ("{\"a\":1}\n{\"user\":\"x;sleep 5\"}", 102003),
];

#[test]
fn anchored_rules_hold_after_a_grammar_error_or_the_document() {
    let snapshot = Snapshot::from_files(&default_rule_files()).expect("the default rules compile");
    let mut matcher = Matcher::new(Arc::new(snapshot)).expect("scratch");
    for (body, rule) in ANCHORED {
        let hits = matcher.inspect_transaction(&request(JSON, body.as_bytes()), client());
        assert!(
            ids(&hits).contains(&rule),
            "{rule} {body}: {:?}",
            ids(&hits)
        );
    }
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
    let product =
        r#"{"screen":"55\"","promo":"Limit one per order -- while supplies last","sku":"TV-55"}"#;
    let products = vec![product; 175].join(",");
    let html = r"\u003cp\u003eHello \u003cb\u003eworld\u003c/b\u003e\u003c/p\u003e".repeat(300);
    let summer = "Having fun at the beach! #summer ".repeat(300);
    let task = r#"{"title":"Fetch config.json from the server","next":"Ping -c 3 to test"}"#;
    let tasks = vec![task; 300].join(",");
    let cases = [
        (
            "json, 175 products",
            request(JSON, format!("[{products}]").as_bytes()),
        ),
        (
            "json, NaN before a hashtag",
            request(JSON, br#"{"v":NaN,"p":"Order by date #3"}"#),
        ),
        (
            "json, two documents",
            request(JSON, b"{\"id\":1}\n{\"promo\":\"Limit 2 per customer #1\"}"),
        ),
        (
            "json, single quotes",
            request(JSON, b"{'sort':'Order by date -- newest first'}"),
        ),
        (
            "json, escaped markup past 8 KiB",
            request(JSON, format!(r#"{{"html":"{html}"}}"#).as_bytes()),
        ),
        (
            "json, hashtags past 8 KiB",
            request(JSON, format!(r#"{{"post":"{summer}"}}"#).as_bytes()),
        ),
        (
            "json, 600 task texts",
            request(JSON, format!("[{tasks}]").as_bytes()),
        ),
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
