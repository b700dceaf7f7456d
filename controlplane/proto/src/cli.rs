//! What the `palisade` CLI asks the control plane ([`Request`]) and what it
//! gets back ([`Response`]). One request per connection.

use serde::{Deserialize, Serialize};

use crate::{Counters, RuleFile};

/// A CLI request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    /// Store `files` as a new ruleset version and send it to every
    /// connected dataplane.
    Push {
        files: Vec<RuleFile>,
        user: String,
        #[serde(default)]
        comment: Option<String>,
    },
    /// Every stored version, newest first.
    List,
    /// One version (the current one by default), with its files.
    Show { version: Option<u64> },
    /// The changes from version `a` to version `b`, as a unified diff.
    Diff { a: u64, b: u64 },
    /// Make the files of `version` (by default the version before the
    /// current one) current again, as a new version.
    Rollback { version: Option<u64>, user: String },
    /// Dataplanes and the versions they run.
    Status,
    /// The latest counters of every dataplane and their rates.
    Stats,
    /// Stored events matching `query`.
    Events(EventQuery),
    /// The API inventory merged over dataplanes (one host, or all).
    Inventory {
        #[serde(default)]
        host: Option<String>,
    },
    /// One host's OpenAPI 3 document (the busiest host by default).
    InventoryExport {
        #[serde(default)]
        host: Option<String>,
    },
    /// Bind an OpenAPI 3 document (JSON) to `host`, replacing the one it
    /// had, and send the specs to every dataplane that takes them.
    SpecLoad {
        host: String,
        name: String,
        document: serde_json::Value,
    },
    /// The bound specs (without their documents).
    SpecList,
}

/// Which events to return (all conditions hold together).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventQuery {
    /// Only events stored after this id (for `--follow`).
    #[serde(default)]
    pub after_id: Option<i64>,
    /// Only events received at or after this time (RFC 3339 UTC).
    #[serde(default)]
    pub since: Option<String>,
    /// Only alerts of this rule id.
    #[serde(default)]
    pub rule: Option<u64>,
    /// Only events of this `event_type`.
    #[serde(default)]
    pub event_type: Option<String>,
    /// At most this many, the newest (default 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The control plane's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "response", rename_all = "snake_case")]
pub enum Response {
    /// A push or rollback was stored as `version` and sent to `sent_to`.
    Pushed {
        version: u64,
        rules: usize,
        sent_to: Vec<String>,
    },
    Versions {
        versions: Vec<VersionInfo>,
    },
    Ruleset {
        info: VersionInfo,
        files: Vec<RuleFile>,
    },
    Diff {
        a: u64,
        b: u64,
        text: String,
    },
    Status {
        current: Option<u64>,
        dataplanes: Vec<DataplaneStatus>,
    },
    Stats {
        dataplanes: Vec<DataplaneStats>,
    },
    Events {
        events: Vec<StoredEvent>,
    },
    Inventory {
        hosts: Vec<crate::MergedHost>,
    },
    OpenApi {
        host: String,
        document: serde_json::Value,
    },
    SpecLoaded {
        host: String,
        sent_to: Vec<String>,
    },
    /// Bound specs; their `document` is `null`.
    Specs {
        specs: Vec<crate::SpecBinding>,
    },
    Error {
        kind: ErrorKind,
        message: String,
    },
}

/// What went wrong with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request's content is refused (rules with errors, ...).
    Invalid,
    /// A version or item that does not exist.
    NotFound,
    /// The control plane failed (storage, ...).
    Internal,
}

/// One stored ruleset version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub version: u64,
    /// RFC 3339 UTC.
    pub pushed_at: String,
    pub pushed_by: String,
    #[serde(default)]
    pub comment: Option<String>,
    /// Version this one restored, for a rollback.
    #[serde(default)]
    pub rollback_of: Option<u64>,
    pub files: Vec<String>,
    pub rules: usize,
    pub current: bool,
    /// A dataplane refused it: it never becomes current.
    #[serde(default)]
    pub refused: bool,
}

/// A dataplane as the control plane knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataplaneStatus {
    pub id: String,
    pub software: String,
    pub mode: String,
    pub cores: Vec<u32>,
    pub ports: Vec<String>,
    pub connected: bool,
    /// RFC 3339 UTC.
    pub registered_at: String,
    pub last_seen: String,
    /// The ruleset version it acknowledged last.
    pub running: Option<u64>,
    /// The last version it refused, and why.
    #[serde(default)]
    pub refused: Option<(u64, String)>,
}

/// The latest counters of a dataplane with per-second rates over the last
/// interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataplaneStats {
    pub id: String,
    pub counters: Counters,
    pub rx_pps: f64,
    pub rx_bps: f64,
    pub drops_per_sec: f64,
}

/// An event as stored: its id, its dataplane and the EVE object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: i64,
    pub dataplane: String,
    pub received: String,
    pub event: serde_json::Value,
}
