//! `palisade rules validate`: the default ruleset is valid; bad files are
//! refused whole with every error at its file, line and column.

use std::process::Command;

use palisade_tests::{binary, root, run, scratch};

/// Runs `palisade rules SUBCOMMAND ARGS...` with the dataplane built
/// beside it; (success, stdout, stderr).
fn palisade_rules(subcommand: &str, args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let mut cmd = Command::new(binary("palisade"));
    cmd.args(["rules", subcommand]).args(args);
    cmd.env("PALISADE_DATAPLANE", palisade_tests::dataplane_bin());
    let out = run(&mut cmd);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn validate(args: &[&std::path::Path]) -> (bool, String, String) {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|p| p.as_os_str()).collect();
    palisade_rules("validate", &args)
}

#[test]
fn the_default_ruleset_is_valid() {
    let (ok, stdout, stderr) = validate(&[&root().join("rules/default")]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("are valid"), "{stdout}");
}

#[test]
fn every_error_is_reported_at_its_place_and_nothing_loads() {
    let dir = scratch("cli-rules");
    let bad = dir.join("bad.yaml");
    // Line 5 column 5 holds the misspelled key; line 12 column 16 the regex
    // with an unclosed group.
    let text = "\
rules:
  - id: 1
    kind: signature
    name: one
    severitty: high
    action: alert
    match: {field: path, contains: /admin}
  - id: 2
    kind: signature
    name: two
    severity: high
    match: {field: path, regex: '(unclosed'}
    action: alert
";
    std::fs::write(&bad, text).expect("write");
    let (ok, _, stderr) = validate(&[&bad]);
    assert!(!ok);
    let path = bad.display().to_string();
    assert!(stderr.contains(&format!("{path}:5:5: rule 1:")), "{stderr}");
    assert!(
        stderr.contains("severity"),
        "a suggestion names the key: {stderr}"
    );
    assert!(stderr.contains(&format!("{path}:12:")), "{stderr}");
    assert!(stderr.contains("rule 2"), "{stderr}");
    assert!(stderr.contains("nothing was loaded"), "{stderr}");
}

#[test]
fn a_duplicate_id_across_files_names_both_places() {
    let dir = scratch("cli-rules-dup");
    let rule = "rules:\n  - id: 7\n    kind: signature\n    name: x\n    severity: low\n    \
                action: log\n    match: {field: method, equals: TRACE}\n";
    let (a, b) = (dir.join("a.yaml"), dir.join("b.yaml"));
    std::fs::write(&a, rule).expect("write");
    std::fs::write(&b, rule).expect("write");
    let (ok, _, stderr) = validate(&[&a, &b]);
    assert!(!ok);
    assert!(stderr.contains(&format!("{}:2:", b.display())), "{stderr}");
    assert!(stderr.contains(&format!("{}:2:", a.display())), "{stderr}");
}

fn rules_test(args: &[&str]) -> (bool, String, String) {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    palisade_rules("test", &args)
}

#[test]
fn rules_test_lists_what_fired_and_checks_expectations() {
    // The capture's test.yaml expects each EICAR rule to fire once.
    let case = palisade_tests::corpus().join("http-evader/http-evader-002/input.pcap");
    let (rules, pcap) = (root().join("rules/default"), case.display().to_string());
    let rules = rules.display().to_string();
    let (ok, stdout, stderr) = rules_test(&[
        &rules, "--pcap", &pcap, "--expect", "108001=1", "--expect", "108002",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("rule 108001"), "{stdout}");
    assert!(stdout.contains("/chunked/eicar.txt/0size"), "{stdout}");

    let (ok, _, stderr) = rules_test(&[&rules, "--pcap", &pcap, "--expect", "100001"]);
    assert!(!ok);
    assert!(stderr.contains("rule 100001 never fired"), "{stderr}");

    // An expectation about a rule the files lack is refused, even `=0`.
    let (ok, _, stderr) = rules_test(&[&rules, "--pcap", &pcap, "--expect", "999999=0"]);
    assert!(!ok);
    assert!(stderr.contains("--expect 999999: no rule"), "{stderr}");
}

#[test]
fn rules_test_refuses_a_bad_rule_file_with_its_place() {
    let dir = scratch("cli-rules-test");
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "rules:\n  - id: 1\n    kind: signature\n    nme: x\n").expect("write");
    let case = palisade_tests::corpus().join("http-evader/http-evader-002/input.pcap");
    let (ok, _, stderr) = rules_test(&[
        bad.to_str().expect("utf-8"),
        "--pcap",
        case.to_str().expect("utf-8"),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains(&format!("{}:4:5", bad.display())),
        "{stderr}"
    );
    // The dataplane's refusal is passed on under one program name.
    assert!(
        stderr.starts_with("palisade: error: rules refused")
            && !stderr.contains("dataplane: error"),
        "{stderr}"
    );
}

#[test]
fn a_pattern_vectorscan_refuses_is_reported_at_its_regex() {
    let dir = scratch("cli-rules-hs");
    let file = dir.join("repeat.yaml");
    // Vectorscan refuses a pattern that can never match (a word boundary
    // between two word characters); the regex starts at line 7, column 33.
    let text = "rules:\n  - id: 36\n    kind: signature\n    name: t\n    severity: high\n    \
                action: alert\n    match: {field: path, regex: 'x\\bx'}\n";
    std::fs::write(&file, text).expect("write");
    let (ok, _, stderr) = validate(&[&file]);
    assert!(!ok);
    assert!(
        stderr.contains(&format!(
            "{}:7:33: rule 36: pattern `x\\bx`: Pattern can never match.",
            file.display()
        )),
        "{stderr}"
    );
    // The same in JSON, split into its fields.
    let out = run(Command::new(binary("palisade"))
        .args(["--output", "json", "rules", "validate"])
        .arg(&file)
        .env("PALISADE_DATAPLANE", palisade_tests::dataplane_bin()));
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    let error = &doc["errors"][0];
    assert_eq!(error["file"], file.display().to_string(), "{doc}");
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(7), Some(33)),
        "{doc}"
    );
    assert_eq!(error["rule_id"], 36, "{doc}");
}

#[test]
fn a_pattern_with_huge_bounded_repeats_is_refused_by_the_parser_at_its_regex() {
    let dir = scratch("cli-rules-repeats");
    let file = dir.join("repeats.yaml");
    // The second rule's regex starts at line 13, column 33; the first rule
    // is fine, and the whole file is refused for the second.
    let text = "rules:\n  - id: 40\n    kind: signature\n    name: fine\n    severity: low\n    \
                action: alert\n    \
                match: {field: path, regex: '[a-f0-9]{32}|\\d{1,5}|.{0,200}'}\n  \
                - id: 41\n    kind: signature\n    name: t\n    severity: high\n    \
                action: alert\n    match: {field: path, regex: '(?:a|b){2000}x{3000}'}\n";
    std::fs::write(&file, text).expect("write");
    let place = format!("{}:13:33: rule 41: regex is too large", file.display());
    let (ok, _, stderr) = validate(&[&file]);
    assert!(!ok);
    assert!(stderr.contains(&place), "{stderr}");
    assert!(stderr.contains("limit of 1000"), "{stderr}");
    assert!(stderr.contains("nothing was loaded"), "{stderr}");
    // The dataplane refuses the same file, as it does on a reload.
    let out = run(Command::new(palisade_tests::dataplane_bin())
        .arg("check-rules")
        .arg(&file));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    // The refusal is the rule parser's ("regex is too large"), so
    // Vectorscan, which takes seconds over this pattern, is never reached.
    assert!(stderr.contains(&place), "{stderr}");
}

#[test]
fn a_rules_directory_without_rule_files_is_refused() {
    let dir = scratch("cli-rules-empty");
    let out = run(Command::new(palisade_tests::dataplane_bin())
        .arg("check-rules")
        .arg(&dir));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no .yaml rule files"), "{stderr}");
}

#[test]
fn validate_speaks_json_when_asked() {
    let dir = scratch("cli-rules-json");
    let bad = dir.join("bad.yaml");
    // Line 5, column 5: an unknown key.
    let text = "rules:\n  - id: 7\n    kind: signature\n    name: x\n    severty: low\n    \
                action: log\n    match: {field: method, equals: TRACE}\n";
    std::fs::write(&bad, text).expect("write");
    let out = run(Command::new(binary("palisade"))
        .args(["--output", "json", "rules", "validate"])
        .arg(&bad)
        .env("PALISADE_DATAPLANE", palisade_tests::dataplane_bin()));
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(doc["valid"], false);
    let errors = doc["errors"].as_array().expect("errors");
    let key = errors
        .iter()
        .find(|e| e["message"].as_str().is_some_and(|m| m.contains("severty")))
        .expect("the unknown key is named");
    assert_eq!(key["file"], bad.display().to_string());
    assert_eq!(
        (key["line"].as_u64(), key["column"].as_u64()),
        (Some(5), Some(5))
    );
    assert_eq!(key["rule_id"], 7);
    let good = run(Command::new(binary("palisade"))
        .args(["--output", "json", "rules", "validate"])
        .arg(root().join("rules/default"))
        .env("PALISADE_DATAPLANE", palisade_tests::dataplane_bin()));
    let doc: serde_json::Value = serde_json::from_slice(&good.stdout).expect("json on stdout");
    assert_eq!(doc["valid"], true, "{doc}");
    assert!(doc["rules"].as_u64().is_some_and(|n| n > 0), "{doc}");
    // A set with no rule enabled is not valid either, and says so alike.
    let idle = dir.join("idle.yaml");
    let text = "rules:\n  - id: 8\n    kind: signature\n    name: x\n    severity: low\n    \
                action: log\n    enabled: false\n    match: {field: method, equals: TRACE}\n";
    std::fs::write(&idle, text).expect("write");
    let out = run(Command::new(binary("palisade"))
        .args(["--output", "json", "rules", "validate"])
        .arg(&idle)
        .env("PALISADE_DATAPLANE", palisade_tests::dataplane_bin()));
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(doc["valid"], false, "{doc}");
    assert_eq!(doc["exit_code"], 1, "{doc}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("none enabled"));
}

#[test]
fn a_missing_dataplane_binary_is_named_not_blamed_on_the_rules() {
    let out = run(Command::new(binary("palisade"))
        .args(["rules", "validate"])
        .arg(root().join("rules/default"))
        .env("PALISADE_DATAPLANE", "/nonexistent/palisade-dataplane"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("/nonexistent/palisade-dataplane"),
        "{stderr}"
    );
    assert!(!stderr.contains("do not compile"), "{stderr}");
}
