//! Alerts: the rules loaded for inspection ([`LoadedRules`]: the compiled
//! snapshot and what events say about each rule), one [`AlertRecord`] per
//! rule that held on a transaction, and its EVE `alert` event.
//!
//! The event follows Suricata's `alert` object (`action` is `blocked` when
//! the rule's block was carried out, `allowed` otherwise; `signature_id`,
//! `signature`, `category`, numeric `severity` 1 = most severe) and adds the
//! rule's own `severity` name, `rule_action`, `mode` and tags, the field and
//! name that matched, and an excerpt of the value, masked when the value is
//! a credential.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use palisade_rules::{Action, Location, Mode, Operator, RuleBody, Ruleset, Severity};
use serde_json::{json, Value};

use crate::bot::BotRules;
use crate::engine::{CompileError, Hit, Snapshot};
use crate::events::timestamp;
use crate::flow::FlowId;
use crate::limit::RateLimits;
use crate::pipeline::Endpoints;

/// What events say about a rule.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub name: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    pub mode: Mode,
}

/// A ruleset ready for the workers: compiled once, shared by all.
#[derive(Debug)]
pub struct LoadedRules {
    pub snapshot: Arc<Snapshot>,
    pub info: HashMap<u64, RuleInfo>,
    /// The `rate-limit` rules.
    pub limits: RateLimits,
    /// The `bot` rules.
    pub bots: BotRules,
}

impl LoadedRules {
    /// Loads and compiles rule files, refused whole on any error; the
    /// message lists every error as `file:line:column: rule <id>: ...`
    /// (for a pattern Vectorscan refuses, the place of its regex).
    pub fn from_files(paths: &[impl AsRef<Path>]) -> Result<Self, String> {
        let ruleset = palisade_rules::load_files(paths).map_err(|d| d.to_string())?;
        Self::compile(&ruleset)
    }

    /// The same from (name, text) pairs held in memory (a ruleset pushed by
    /// the control plane); errors name each source as its file.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Self, String> {
        let ruleset = palisade_rules::parse_sources(sources).map_err(|d| d.to_string())?;
        Self::compile(&ruleset)
    }

    /// Compiles a parsed ruleset.
    fn compile(ruleset: &Ruleset) -> Result<Self, String> {
        let snapshot = Snapshot::compile(ruleset).map_err(|errors| {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| match place(ruleset, e) {
                    Some(o) => format!("{o}: {e}"),
                    None => e.to_string(),
                })
                .collect();
            lines.join("\n")
        })?;
        Ok(Self::new(ruleset, snapshot))
    }

    /// Enabled rules of every kind.
    pub fn rule_count(&self) -> usize {
        self.snapshot.rule_count() + self.limits.rules.len() + self.bots.rules.len()
    }

    pub fn new(ruleset: &Ruleset, snapshot: Snapshot) -> Self {
        let info = ruleset
            .iter()
            .map(|r| {
                let info = RuleInfo {
                    name: r.name.clone(),
                    severity: r.severity,
                    tags: r.tags.clone(),
                    mode: r.mode,
                };
                (r.id, info)
            })
            .collect();
        LoadedRules {
            snapshot: Arc::new(snapshot),
            info,
            limits: RateLimits::from_ruleset(ruleset),
            bots: BotRules::from_ruleset(ruleset),
        }
    }
}

/// Where a compile error belongs: the value of the rule's test whose
/// pattern Vectorscan was given (a regex goes to it unchanged), else the
/// rule itself.
fn place<'r>(ruleset: &'r Ruleset, error: &CompileError) -> Option<&'r Location> {
    let rule = ruleset.get(error.rule_id?)?;
    let RuleBody::Signature(signature) = &rule.body else {
        return Some(&rule.origin);
    };
    let mut found = None;
    signature
        .condition
        .for_each_test(&mut |test| match &test.operator {
            Operator::Regex(p) if found.is_none() && p.source == error.pattern => {
                found = Some(&test.value_origin);
            }
            _ => {}
        });
    Some(found.unwrap_or(&rule.origin))
}

/// The transaction an alert fired on, as the event shows it.
#[derive(Debug, Clone, Default)]
pub struct TxSummary {
    pub tx_id: u32,
    pub started_ns: u64,
    pub hostname: Option<String>,
    pub url: String,
    pub method: String,
    pub status: Option<u16>,
}

/// A rule that held on a transaction.
#[derive(Debug, Clone)]
pub struct AlertRecord {
    pub flow_id: FlowId,
    pub ends: Endpoints,
    pub tx: TxSummary,
    pub hit: Hit,
    pub info: Option<RuleInfo>,
    /// The rule's block was carried out (inline, enforce mode).
    pub blocked: bool,
    /// The verdict a block stands for (`drop`, `reset`, `respond`,
    /// `tarpit`), carried out inline, reported in tap mode.
    pub verdict: Option<&'static str>,
}

/// The EVE `alert` event of `a`.
pub fn alert_event(a: &AlertRecord) -> Value {
    let hit = &a.hit;
    let info = a.info.as_ref();
    let severity = info.map_or(hit.severity, |i| i.severity);
    let mut event = json!({
        "timestamp": timestamp(a.tx.started_ns),
        "flow_id": a.flow_id.0,
        "event_type": "alert",
        "src_ip": a.ends.client.ip(),
        "src_port": a.ends.client.port(),
        "dest_ip": a.ends.server.ip(),
        "dest_port": a.ends.server.port(),
        "proto": "TCP",
        "tx_id": a.tx.tx_id,
        "app_proto": "http",
        "alert": {
            "action": if a.blocked { "blocked" } else { "allowed" },
            "gid": 1,
            "signature_id": hit.rule_id,
            "rev": 1,
            "signature": info.map_or("", |i| i.name.as_str()),
            "category": category(info),
            "severity": eve_severity(severity),
            "palisade_severity": severity.name(),
            "rule_action": hit.action.name(),
            "mode": if hit.shadow { "shadow" } else { "enforce" },
            "metadata": { "tags": info.map_or(&[][..], |i| i.tags.as_slice()) },
        },
        "http": {
            "hostname": a.tx.hostname,
            "url": a.tx.url,
            "http_method": a.tx.method,
            "status": a.tx.status,
        },
    });
    if let Some(v) = a.verdict {
        event["alert"]["verdict"] = json!(v);
    }
    if let Some(e) = &hit.evidence {
        let name = e
            .name
            .as_deref()
            .map(|n| String::from_utf8_lossy(n).into_owned());
        let value = mask(name.as_deref(), &e.excerpt);
        event["palisade"] = json!({
            "field": format!("{:?}", e.field),
            "name": name,
            "value": value,
        });
    }
    event
}

/// Suricata's scale: 1 is the most severe.
fn eve_severity(s: Severity) -> u8 {
    match s {
        Severity::Critical | Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
        Severity::Info => 4,
    }
}

/// The first `attack:*`-style tag's kind, else the first tag.
fn category(info: Option<&RuleInfo>) -> String {
    let tags = info.map_or(&[][..], |i| i.tags.as_slice());
    tags.iter()
        .find_map(|t| t.strip_prefix("attack:"))
        .or_else(|| tags.first().map(String::as_str))
        .unwrap_or("")
        .to_owned()
}

/// Names whose values are credentials: shown as their first four bytes.
const SECRET_NAMES: [&str; 10] = [
    "authorization",
    "api-key",
    "cookie",
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "session",
];

/// The excerpt as text, masked when it belongs to a credential.
fn mask(name: Option<&str>, excerpt: &[u8]) -> String {
    let text = String::from_utf8_lossy(excerpt);
    let secret = name.is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        SECRET_NAMES.iter().any(|s| n.contains(s))
    });
    if !secret {
        return text.into_owned();
    }
    let shown: String = text.chars().take(4).collect();
    format!("{shown}***")
}

/// Whether carrying out `hit` blocks the flow.
pub fn blocks(hit: &Hit) -> bool {
    hit.is_enforced() && matches!(hit.action, Action::Block(_))
}

#[cfg(test)]
mod tests {
    use super::{mask, LoadedRules};

    /// Vectorscan refuses a pattern that can never match (a word boundary
    /// between two word characters), while the `regex` crate takes it.
    #[test]
    fn a_pattern_vectorscan_refuses_is_placed_at_its_regex() {
        let text = "rules:\n  - id: 36\n    kind: signature\n    name: t\n    severity: high\n    \
                    action: alert\n    match:\n      any:\n        - {field: path, regex: ok}\n        \
                    - field: query\n          regex: 'x\\bx'\n";
        let sources = [("wide.yaml".to_owned(), text.to_owned())];
        let why = LoadedRules::from_sources(&sources).expect_err("refused");
        assert!(
            why.starts_with("wide.yaml:11:18: rule 36: pattern `x\\bx`: "),
            "{why}"
        );
        assert_eq!(why.lines().count(), 1, "{why}");
    }

    /// A long refused pattern spanning lines is quoted short, on one line,
    /// and Vectorscan's reason stays whole after it.
    #[test]
    fn a_long_refused_pattern_is_quoted_short_on_one_line() {
        let long = "b".repeat(5000);
        let text = format!(
            "rules:\n  - id: 37\n    kind: signature\n    name: t\n    severity: high\n    \
             action: alert\n    match:\n      field: query\n      regex: |-\n        \
             x\\bx{long}\n        second\n        third\n"
        );
        let sources = [("long.yaml".to_owned(), text)];
        let why = LoadedRules::from_sources(&sources).expect_err("refused");
        assert_eq!(why.lines().count(), 1, "{why}");
        assert!(why.len() < 200, "{why}");
        assert!(why.starts_with("long.yaml:"), "{why}");
        assert!(why.contains("rule 37: pattern `x\\bxbbb"), "{why}");
        assert!(why.ends_with("Pattern can never match."), "{why}");
    }

    #[test]
    fn credentials_are_masked_other_values_are_not() {
        assert_eq!(mask(Some("authorization"), b"Bearer abcdef"), "Bear***");
        assert_eq!(mask(Some("X-Api-Key"), b"k"), "k***");
        assert_eq!(mask(Some("api_key"), b"0123456789"), "0123***");
        assert_eq!(mask(Some("q"), b"' or 1=1--"), "' or 1=1--");
        assert_eq!(mask(None, b"<script>"), "<script>");
    }
}
