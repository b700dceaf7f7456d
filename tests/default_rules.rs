//! Every case of `rules/default/tests/*.yaml` through the real HTTP parser
//! and the compiled default ruleset: a `hit` case must make its rule hold,
//! a `miss` case must not. The cases were written from the attacks and the
//! benign API traffic they describe, not from the engine's output.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use palisade_dataplane::engine::{Matcher, Snapshot};
use palisade_dataplane::flow::Direction;
use palisade_dataplane::http::{HttpConfig, HttpConnection, HttpObserver, Transaction};
use palisade_tests::yaml_files;
use serde_yaml::Value;

#[derive(Default)]
struct Last(Option<Transaction>);

impl HttpObserver for Last {
    fn transaction(&mut self, tx: Transaction) {
        self.0 = Some(tx);
    }
}

/// `headers` of a case: each value, or each item of a list value.
fn header_lines(headers: &Value) -> String {
    let mut out = String::new();
    for (name, value) in headers.as_mapping().into_iter().flatten() {
        let name = name.as_str().expect("header name");
        let values: Vec<&Value> = match value.as_sequence() {
            Some(list) => list.iter().collect(),
            None => vec![value],
        };
        for v in values {
            let v = match v {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .expect("yaml")
                    .trim()
                    .to_owned(),
            };
            out.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    out
}

fn request_bytes(req: &Value) -> Vec<u8> {
    let body = req["body"].as_str().unwrap_or("");
    let mut head = format!(
        "{} {} HTTP/1.1\r\n",
        req["method"].as_str().expect("method"),
        req["uri"].as_str().expect("uri")
    );
    let headers = header_lines(&req["headers"]);
    if !headers.to_ascii_lowercase().contains("host:") {
        head.push_str("Host: api.example.com\r\n");
    }
    head.push_str(&headers);
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = head.into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

fn response_bytes(resp: &Value) -> Vec<u8> {
    let body = resp["body"].as_str().unwrap_or("");
    let status = resp["status"].as_u64().unwrap_or(200);
    format!(
        "HTTP/1.1 {status} X\r\n{}Content-Length: {}\r\n\r\n{body}",
        header_lines(&resp["headers"]),
        body.len()
    )
    .into_bytes()
}

/// The transaction the parser makes of a case.
fn transaction(case: &Value) -> Transaction {
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut last = Last::default();
    conn.data(
        Direction::ToResponder,
        &request_bytes(&case["request"]),
        1,
        &mut last,
    );
    if !case["response"].is_null() {
        conn.data(
            Direction::ToInitiator,
            &response_bytes(&case["response"]),
            2,
            &mut last,
        );
    }
    conn.close(3, &mut last);
    last.0.expect("the case makes a transaction")
}

#[test]
fn every_default_rule_case_gives_its_expected_verdict() {
    let snapshot = Snapshot::from_files(&yaml_files("rules/default")).expect("ruleset compiles");
    let mut matcher = Matcher::new(Arc::new(snapshot)).expect("scratch");
    let client = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
    let (mut total, mut failures) = (0, Vec::new());
    for file in yaml_files("rules/default/tests") {
        let text = std::fs::read_to_string(&file).expect("case file");
        let doc: Value = serde_yaml::from_str(&text).expect("case file parses");
        for case in doc["cases"].as_sequence().expect("cases") {
            total += 1;
            let rule = case["rule"].as_u64().expect("rule id");
            let want_hit = case["expect"].as_str() == Some("hit");
            let tx = transaction(case);
            let hit = matcher
                .inspect_transaction(&tx, client)
                .iter()
                .any(|h| h.rule_id == rule);
            if hit != want_hit {
                let name = case["name"].as_str().unwrap_or("");
                failures.push(format!(
                    "{}: rule {rule} {name:?}: hit={hit}",
                    file.display()
                ));
            }
        }
    }
    println!(
        "default rules: {} of {total} cases as expected",
        total - failures.len()
    );
    assert!(total >= 200, "expected the full case set, found {total}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
