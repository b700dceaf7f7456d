//! The HTTP cases of the suricata-verify corpus through `capture --events`:
//! every check of their `test.yaml` about `http` events (method, host, url,
//! status, header lists) or `anomaly` events must count the same number of
//! our events as Suricata's EVE output has.

use std::path::{Path, PathBuf};

use palisade_tests::eve::{capture_events, matches};
use palisade_tests::{corpus, scratch};
use serde_json::Value;

struct Case {
    name: String,
    pcap: PathBuf,
    checks: Vec<Value>,
}

/// The case's capture: the yaml's `pcap:` or the one capture in its folder.
fn capture_of(dir: &Path, yaml: &serde_yaml::Value) -> Option<PathBuf> {
    if let Some(p) = yaml["pcap"].as_str() {
        return Some(dir.join(p)).filter(|p| p.is_file());
    }
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
}

/// Event types whose checks this test evaluates.
const CHECKED: [&str; 2] = ["http", "anomaly"];

/// HTTP/1 cases with at least one check on `http` or `anomaly` events.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(corpus().join("suricata-verify"))
        .expect("corpus")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("http-") {
            continue;
        }
        let dir = entry.path();
        let Ok(text) = std::fs::read_to_string(dir.join("test.yaml")) else {
            continue;
        };
        let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("test.yaml parses");
        let checks = serde_json::to_value(&yaml["checks"]).expect("checks as JSON");
        let checks: Vec<Value> = checks
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| {
                let kind = &c["filter"]["match"]["event_type"];
                CHECKED.iter().any(|k| kind == k)
            })
            .cloned()
            .collect();
        if let (false, Some(pcap)) = (checks.is_empty(), capture_of(&dir, &yaml)) {
            out.push(Case { name, pcap, checks });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[test]
fn http_events_match_suricata_verify_expectations() {
    let cases = cases();
    assert!(cases.len() >= 3, "expected the HTTP cases with http checks");
    let inputs: Vec<PathBuf> = cases.iter().map(|c| c.pcap.clone()).collect();
    let events = capture_events(&inputs, &[], &scratch("http-verify"));

    let mut failures = Vec::new();
    let mut evaluated = 0;
    for case in &cases {
        let all = &events[&case.pcap.display().to_string()];
        for check in &case.checks {
            let want = check["filter"]["match"].as_object().expect("match map");
            let expected = check["filter"]["count"].as_u64().expect("count") as usize;
            let got = all.iter().filter(|e| matches(e, want)).count();
            evaluated += 1;
            if got != expected {
                failures.push(format!(
                    "{}: {} counted {got}, expected {expected}",
                    case.name,
                    Value::Object(want.clone())
                ));
            }
        }
    }
    println!(
        "suricata-verify http: {} of {evaluated} checks pass",
        evaluated - failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
