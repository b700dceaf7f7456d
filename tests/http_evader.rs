//! Every http-evader capture of the corpus through `capture --events`: the
//! EICAR test string must be found in the decoded response body as often as
//! the capture's `test.yaml` says Suricata's rules fire (`test.rules` gives
//! the strings), and the transaction carrying it must have the method and
//! host the yaml's `fileinfo` check names. With the default ruleset's
//! EICAR rules loaded, our rules must fire as often as Suricata's do.

use std::path::PathBuf;

use base64::Engine;
use palisade_tests::eve::{capture_events, matches, rule_contents};
use palisade_tests::{corpus, scratch};
use serde_json::Value;

/// Captures known to fail, with the reason. The test fails if one of them
/// starts passing, so the list cannot go stale.
const KNOWN_MISSES: &[(&str, &str)] = &[
    (
        "http-evader-410",
        "header block ended by LF CR CR LF: telling it from a stray CR line \
         before more fields needs a line of lookahead",
    ),
    (
        "http-evader-412",
        "the same, with the sequence in another place",
    ),
];

/// Suricata's rule in `test.rules` and ours in `rules/default/malware.yaml`
/// that look for the same bytes: sid 1 the marker, sid 2 the string's start
/// (our 108001 matches the whole string, which starts with it).
const SAME_RULES: [(u64, u64); 2] = [(1, 108_002), (2, 108_001)];

struct Case {
    dir: PathBuf,
    rules: String,
    checks: Vec<Value>,
}

fn cases() -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus().join("http-evader"))
        .expect("http-evader corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("input.pcap").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let rules = std::fs::read_to_string(dir.join("test.rules")).expect("test.rules");
            let yaml = std::fs::read_to_string(dir.join("test.yaml")).expect("test.yaml");
            let yaml: serde_yaml::Value = serde_yaml::from_str(&yaml).expect("test.yaml parses");
            let checks = serde_json::to_value(&yaml["checks"]).expect("checks as JSON");
            let checks = checks.as_array().cloned().unwrap_or_default();
            Case { dir, rules, checks }
        })
        .collect()
}

fn response_body(event: &Value) -> Vec<u8> {
    let b64 = event["http"]["http_response_body"].as_str().unwrap_or("");
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("http_response_body is base64")
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// What one check of the yaml counts among our http events, or `None` for
/// checks this test does not evaluate. For an alert check, our alerts of the
/// same rule must count the same as the bodies holding its strings
/// (`usize::MAX` when they do not).
fn count(case: &Case, check: &Value, all: &[Value], http: &[&Value]) -> Option<usize> {
    let want = check["filter"]["match"].as_object()?;
    match want.get("event_type")?.as_str()? {
        "alert" => {
            let sid = want.get("alert.signature_id")?.as_u64()?;
            let contents = rule_contents(&case.rules, sid);
            assert!(
                !contents.is_empty(),
                "{}: no rule {sid}",
                case.dir.display()
            );
            let hits = http.iter().filter(|e| {
                let body = response_body(e);
                contents.iter().all(|c| contains(&body, c))
            });
            let ours = SAME_RULES.iter().find(|(theirs, _)| *theirs == sid)?.1;
            let alerts = all
                .iter()
                .filter(|e| e["event_type"] == "alert" && e["alert"]["signature_id"] == ours)
                .count();
            let hits = hits.count();
            Some(if alerts == hits { hits } else { usize::MAX })
        }
        "fileinfo" => {
            let mut http_fields = want.clone();
            http_fields.retain(|k, _| k.starts_with("http."));
            let hits = http
                .iter()
                .filter(|e| !response_body(e).is_empty() && matches(e, &http_fields));
            Some(hits.count())
        }
        _ => None,
    }
}

#[test]
fn eicar_is_found_in_every_evader_capture() {
    let cases = cases();
    assert!(
        cases.len() > 200,
        "the corpus should hold about 250 captures"
    );
    let inputs: Vec<PathBuf> = cases.iter().map(|c| c.dir.join("input.pcap")).collect();
    let rules = palisade_tests::root().join("rules/default/malware.yaml");
    let rules = rules.to_str().expect("UTF-8 path");
    let events = capture_events(&inputs, &["--rules", rules], &scratch("http-evader"));

    let mut failures = Vec::new();
    for (case, input) in cases.iter().zip(&inputs) {
        let all = &events[&input.display().to_string()];
        let http: Vec<&Value> = all.iter().filter(|e| e["event_type"] == "http").collect();
        for check in &case.checks {
            let expected = check["filter"]["count"].as_u64().expect("count") as usize;
            if let Some(got) = count(case, check, all, &http) {
                if got != expected {
                    let what = &check["filter"]["match"];
                    failures.push(format!(
                        "{}: {what} counted {got}, expected {expected}",
                        case.dir.file_name().unwrap_or_default().to_string_lossy()
                    ));
                }
            }
        }
    }
    let mut failed: Vec<&str> = failures
        .iter()
        .filter_map(|f| f.split(':').next())
        .collect();
    failed.dedup();
    println!(
        "http-evader: {} of {} captures pass",
        cases.len() - failed.len(),
        cases.len()
    );
    let known: Vec<&str> = KNOWN_MISSES.iter().map(|(name, _)| *name).collect();
    let unexpected: Vec<&String> = failures
        .iter()
        .filter(|f| !known.iter().any(|k| f.starts_with(&format!("{k}:"))))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    let now_passing: Vec<&&str> = known.iter().filter(|k| !failed.contains(k)).collect();
    assert!(
        now_passing.is_empty(),
        "{now_passing:?} pass now: take them off KNOWN_MISSES"
    );
}
