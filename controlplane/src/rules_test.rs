//! `palisade rules test`: runs captures through the dataplane's capture mode
//! with a set of rule files and reports which rules fired on which
//! transactions, then checks the operator's expectations.
//!
//! The dataplane binary is `palisade-dataplane` beside `palisade` (or
//! `$PALISADE_DATAPLANE`); the rules go through exactly the loader and engine
//! the live dataplane uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// One expectation: rule `id` fires exactly `count` times, or at least once
/// when `count` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect {
    pub id: u64,
    pub count: Option<usize>,
}

impl std::str::FromStr for Expect {
    type Err = String;

    /// `ID` or `ID=COUNT`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (id, count) = match s.split_once('=') {
            Some((id, n)) => (id, Some(n)),
            None => (s, None),
        };
        let id = id
            .trim()
            .parse()
            .map_err(|_| format!("{s}: expected a rule id, or ID=COUNT"))?;
        let count = count
            .map(|n| {
                n.trim()
                    .parse()
                    .map_err(|_| format!("{s}: COUNT is not a number"))
            })
            .transpose()?;
        Ok(Expect { id, count })
    }
}

/// The dataplane binary to run.
pub fn dataplane_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("PALISADE_DATAPLANE") {
        return PathBuf::from(p);
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("palisade-dataplane")));
    beside
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("palisade-dataplane"))
}

/// Why the patterns were not checked.
#[derive(Debug)]
pub enum CompileError {
    /// Vectorscan refused patterns; each with its place.
    Refused(String),
    /// The dataplane binary could not be run.
    NoDataplane(String),
}

/// Has the dataplane compile the rule files' patterns (Vectorscan refuses
/// some patterns the rule parser accepts).
pub fn compile(rules: &[PathBuf]) -> Result<(), CompileError> {
    let out = Command::new(dataplane_binary())
        .arg("check-rules")
        .args(rules)
        .output()
        .map_err(|e| {
            CompileError::NoDataplane(format!("cannot run {}: {e}", dataplane_binary().display()))
        })?;
    if out.status.success() {
        return Ok(());
    }
    Err(CompileError::Refused(reason(&out.stderr)))
}

/// What the dataplane said when it failed: its error lines without their
/// program prefix, and without its log and DPDK lines.
fn reason(stderr: &[u8]) -> String {
    let stderr = String::from_utf8_lossy(stderr);
    let lines = stderr
        .lines()
        .filter(|l| !l.starts_with("EAL:") && !l.contains(" INFO "))
        .map(|l| l.trim_start_matches("palisade-dataplane: error: "));
    lines.collect::<Vec<_>>().join("\n")
}

/// Runs the captures with the rules; returns the alert events.
pub fn run(rules: &[PathBuf], pcaps: &[PathBuf], scratch: &Path) -> Result<Vec<Value>, String> {
    let events = scratch.join("events.json");
    let mut cmd = Command::new(dataplane_binary());
    cmd.arg("capture").arg("--events").arg(&events);
    for r in rules {
        cmd.arg("--rules").arg(r);
    }
    for p in pcaps {
        cmd.arg("--input").arg(p);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", dataplane_binary().display()))?;
    if !out.status.success() {
        return Err(reason(&out.stderr));
    }
    let text = std::fs::read_to_string(&events).map_err(|e| format!("events: {e}"))?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event_type"] == "alert")
        .collect())
}

/// One line per alert: capture, transaction, request, rule and action.
pub fn print(alerts: &[Value]) {
    for a in alerts {
        let file = a["pcap_filename"].as_str().unwrap_or("");
        let name = Path::new(file).display();
        println!(
            "{name}: flow {} tx {}: {} {} -> rule {} \"{}\" ({}, {})",
            a["flow_id"],
            a["tx_id"],
            a["http"]["http_method"].as_str().unwrap_or("-"),
            target(&a["http"]),
            a["alert"]["signature_id"],
            a["alert"]["signature"].as_str().unwrap_or(""),
            a["alert"]["rule_action"].as_str().unwrap_or(""),
            a["alert"]["action"].as_str().unwrap_or(""),
        );
    }
}

/// The request's host and target as one would type them: an origin-form
/// target (`/p?q`) after its host, any other form (an absolute URL,
/// `host:port`, `*`) as it was sent.
fn target(http: &Value) -> String {
    let url = http["url"].as_str().unwrap_or("");
    match url.starts_with('/') {
        true => format!("{}{url}", http["hostname"].as_str().unwrap_or("")),
        false => url.to_string(),
    }
}

/// The expectations not met, as messages.
pub fn check(alerts: &[Value], expects: &[Expect]) -> Vec<String> {
    let mut fired: BTreeMap<u64, usize> = BTreeMap::new();
    for a in alerts {
        if let Some(id) = a["alert"]["signature_id"].as_u64() {
            *fired.entry(id).or_default() += 1;
        }
    }
    expects
        .iter()
        .filter_map(|e| {
            let got = fired.get(&e.id).copied().unwrap_or(0);
            match e.count {
                Some(want) if got != want => {
                    Some(format!("rule {} fired {got} times, expected {want}", e.id))
                }
                None if got == 0 => Some(format!("rule {} never fired", e.id)),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_parse_and_check() {
        let e: Expect = "108001=2".parse().expect("valid");
        assert_eq!(
            e,
            Expect {
                id: 108001,
                count: Some(2)
            }
        );
        assert!("x".parse::<Expect>().is_err());
        assert!("5=y".parse::<Expect>().is_err());
        let alert = serde_json::json!({"event_type": "alert", "alert": {"signature_id": 7}});
        let alerts = vec![alert.clone(), alert];
        assert!(check(
            &alerts,
            &[Expect {
                id: 7,
                count: Some(2)
            }]
        )
        .is_empty());
        assert_eq!(
            check(
                &alerts,
                &[Expect {
                    id: 7,
                    count: Some(1)
                }]
            )
            .len(),
            1
        );
        assert_eq!(check(&alerts, &[Expect { id: 8, count: None }]).len(), 1);
    }

    /// RFC 9112 §3.2: origin-form after its host, absolute-form and
    /// authority-form as sent.
    #[test]
    fn targets_print_as_they_would_be_typed() {
        let http = |url: &str| serde_json::json!({"hostname": "api.example", "url": url});
        assert_eq!(target(&http("/p?q=1")), "api.example/p?q=1");
        assert_eq!(target(&http("http://a.example/p")), "http://a.example/p");
        assert_eq!(target(&http("a.example:443")), "a.example:443");
        assert_eq!(target(&serde_json::json!({"url": "/p"})), "/p");
    }
}
