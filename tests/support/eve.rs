//! Reading what the dataplane writes with `--events` and what the corpus
//! expects: EVE JSON lines, Suricata rule `content` strings and the
//! `test.yaml` checks of suricata-verify cases.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{dataplane_bin, run_ok};

/// Most inputs one capture run takes (DPDK allows 32 ports per process).
pub const MAX_INPUTS: usize = 30;

/// Runs `capture --events --http-bodies` (plus `extra` arguments) over
/// `inputs` (in batches) and returns every event, grouped by input path.
pub fn capture_events(
    inputs: &[PathBuf],
    extra: &[&str],
    scratch: &Path,
) -> BTreeMap<String, Vec<Value>> {
    let mut by_input: BTreeMap<String, Vec<Value>> = inputs
        .iter()
        .map(|p| (p.display().to_string(), Vec::new()))
        .collect();
    for (n, batch) in inputs.chunks(MAX_INPUTS).enumerate() {
        let events = scratch.join(format!("events-{n}.json"));
        let mut cmd = Command::new(dataplane_bin());
        cmd.arg("capture")
            .arg("--http-bodies")
            .arg("--events")
            .arg(&events)
            .args(extra);
        for input in batch {
            cmd.arg("--input").arg(input);
        }
        run_ok(&mut cmd);
        for event in read_events(&events) {
            if let Some(name) = event["pcap_filename"].as_str() {
                by_input.entry(name.to_owned()).or_default().push(event);
            }
        }
    }
    by_input
}

/// Every JSON line of an events file.
pub fn read_events(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("events file");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad event line {l}: {e}")))
        .collect()
}

/// The `content` strings of the rule with `sid` in a Suricata rules file,
/// with `|..|` hex runs decoded; rules commented out are skipped.
pub fn rule_contents(rules: &str, sid: u64) -> Vec<Vec<u8>> {
    let tag = format!("sid:{sid};");
    let Some(rule) = rules
        .lines()
        .map(str::trim)
        .find(|l| !l.starts_with('#') && l.replace(' ', "").contains(&tag))
    else {
        return Vec::new();
    };
    rule.split("content:\"")
        .skip(1)
        .filter_map(|rest| rest.split_once("\";").map(|(c, _)| content_bytes(c)))
        .collect()
}

fn content_bytes(content: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, part) in content.split('|').enumerate() {
        if i % 2 == 0 {
            out.extend_from_slice(part.as_bytes());
        } else {
            let hex: String = part.split_whitespace().collect();
            out.extend(
                (0..hex.len() / 2)
                    .filter_map(|j| u8::from_str_radix(&hex[2 * j..2 * j + 2], 16).ok()),
            );
        }
    }
    out
}

/// A field of an event by EVE's dotted path (`http.hostname`,
/// `http.request_headers[0].name`, `http.response_headers.__len`).
pub fn field<'a>(event: &'a Value, path: &str) -> Option<Value> {
    let mut v: &'a Value = event;
    for part in path.split('.') {
        if part == "__len" {
            return v.as_array().map(|a| a.len().into());
        }
        let (name, index) = match part.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        v = v.get(name)?;
        if let Some(i) = index {
            v = v.get(i)?;
        }
    }
    Some(v.clone())
}

/// True when `event` has every `field: value` of a check's `match` map
/// (numbers and strings compared as EVE writes them).
pub fn matches(event: &Value, want: &serde_json::Map<String, Value>) -> bool {
    want.iter().all(|(k, expected)| match field(event, k) {
        Some(got) => same(&got, expected),
        None => false,
    })
}

fn same(got: &Value, expected: &Value) -> bool {
    match (got, expected) {
        (Value::String(g), Value::String(e)) => g == e,
        (Value::Number(g), Value::String(e)) | (Value::String(e), Value::Number(g)) => {
            g.to_string() == *e
        }
        _ => got == expected,
    }
}
