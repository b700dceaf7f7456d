//! The literal pass before a sweep: a rule whose literal only appears
//! once a value is URL-decoded, HTML-decoded, base64-decoded or
//! lower-cased still holds, and so does a rule without literals.

use super::{client, get, matcher, request, sig};
use crate::engine::{Hit, Matcher};
use crate::http::Transaction;

const JSON: &str = "POST /api HTTP/1.1\r\nHost: h\r\nContent-Type: application/json";

/// Filler rules, so that each sweep holds enough patterns for a literal
/// pass: literal-led patterns on the request line, the parameters, JSON
/// values and base64-decoded headers.
fn filler() -> Vec<String> {
    let mut rules = Vec::new();
    for i in 0..20u64 {
        let field = match i % 3 {
            0 => "field: param-values\ntransforms: [url-decode, lowercase]",
            1 => "field: request-json\nname: '$.*'\ntransforms: [html-entity-decode, lowercase]",
            _ => "field: path\ntransforms: [lowercase]",
        };
        rules.push(sig(
            900 + i,
            "",
            &format!("{field}\nregex: 'fillerword{i}x\\d+'"),
        ));
        rules.push(sig(
            950 + i,
            "",
            &format!(
                "field: header\nname: x-data\ntransforms: [base64-decode]\nregex: 'encoded{i}y\\d'"
            ),
        ));
    }
    rules
}

fn rules() -> Vec<String> {
    let mut rules = filler();
    let cases = [
        (1, "field: param-values\ntransforms: [url-decode, lowercase]\nregex: 'union\\s+select'"),
        (2, "field: request-json\nname: '$.*'\ntransforms: [html-entity-decode]\nregex: '<script\\b'"),
        (3, "field: header\nname: x-data\ntransforms: [base64-decode]\ncontains: '<!doctype'"),
        (4, "field: path\ntransforms: [lowercase]\nregex: '/etc/passwd\\b'"),
        // No literal of three bytes: always scanned.
        (5, "field: param-values\ntransforms: [url-decode]\nregex: '[''\"]\\s*or\\s*\\d=\\d'"),
    ];
    for (id, condition) in cases {
        rules.push(sig(id, "", condition));
    }
    rules
}

/// The hit ids of `tx`, and whether a sweep ran with its literal pass
/// sparing patterns.
fn inspect(m: &mut Matcher, tx: &Transaction) -> (Vec<u64>, bool) {
    let before = m.stats().prefiltered;
    let hits: Vec<Hit> = m.inspect_transaction(tx, client());
    let ids = hits.iter().map(|h| h.rule_id).collect();
    (ids, m.stats().prefiltered > before)
}

#[test]
fn clean_requests_pass_the_literal_pass_without_a_hit() {
    let mut m = matcher(&rules());
    let tx = get(
        "/api/v1/users/7?q=union+station&sort=asc",
        "\r\nX-Data: aGVsbG8=",
    );
    assert_eq!(inspect(&mut m, &tx), (vec![], true));
    let tx = request(JSON, br#"{"note":"select a plan","n":1}"#);
    assert_eq!(inspect(&mut m, &tx), (vec![], true));
}

#[test]
fn literals_that_appear_only_after_a_transform_are_found() {
    let mut m = matcher(&rules());
    // "select" is only there once %45 is decoded; "UNION" only once
    // lower-cased.
    let tx = get("/api?q=1%20UNION%20SEL%45CT%20pw", "");
    assert_eq!(inspect(&mut m, &tx).0, [1]);
    let tx = get("/api?q=1+UnIoN+SeLeCt+pw", "");
    assert_eq!(inspect(&mut m, &tx).0, [1]);
    // "<script" only once the entity is decoded.
    let tx = request(JSON, br#"{"c":"&lt;script&gt;alert(1)"}"#);
    assert_eq!(inspect(&mut m, &tx).0, [2]);
    let tx = request(JSON, br#"{"c":"&#60;script src=x>"}"#);
    assert_eq!(inspect(&mut m, &tx).0, [2]);
    // "<!doctype" only once base64-decoded ("<!doctype x>").
    let tx = get("/api", "\r\nX-Data: PCFkb2N0eXBlIHg+");
    assert_eq!(inspect(&mut m, &tx).0, [3]);
    // "/etc/passwd" only once lower-cased.
    let tx = get("/files/ETC/PASSWD", "");
    assert_eq!(inspect(&mut m, &tx).0, [4]);
}

#[test]
fn a_rule_without_literals_is_still_scanned() {
    let mut m = matcher(&rules());
    let tx = get("/api?id=1%27%20or%201=1", "");
    let (ids, prefiltered) = inspect(&mut m, &tx);
    assert_eq!(ids, [5]);
    assert!(prefiltered);
}
