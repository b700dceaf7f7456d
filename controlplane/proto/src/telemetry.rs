//! The counters a dataplane sends every second: absolute values since it
//! started (the control plane computes rates), per worker and per port.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One snapshot of a dataplane's counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// Seconds since the dataplane started.
    pub uptime_secs: f64,
    /// The ruleset version its workers were given last (none: the rules of
    /// its configuration file, or none at all).
    #[serde(default)]
    pub ruleset_version: Option<u64>,
    pub workers: Vec<WorkerCounters>,
    /// Alerts per rule since start: (rule id, count), sorted by id. (A
    /// list, not a map: JSON map keys are text.)
    #[serde(default)]
    pub rule_hits: Vec<(u64, u64)>,
}

/// What one worker counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerCounters {
    pub worker: u32,
    pub lcore: u32,
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    /// Per port, by the port's configured name.
    #[serde(default)]
    pub ports: Vec<PortCounters>,
    /// Dropped packets by reason (`tx_queue_full`, `malformed`, `blocked`, ...).
    #[serde(default)]
    pub drops: BTreeMap<String, u64>,
    /// Flows created so far, and flows in the table now.
    #[serde(default)]
    pub flows_created: u64,
    #[serde(default)]
    pub flows_active: u64,
    /// HTTP transactions parsed.
    #[serde(default)]
    pub transactions: u64,
    /// Packets by verdict (`pass`, `drop`).
    #[serde(default)]
    pub verdicts: BTreeMap<String, u64>,
    /// Per-packet processing time in the pipeline, when measured.
    #[serde(default)]
    pub latency: Option<Histogram>,
}

/// Per-port packet and byte counts of one worker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortCounters {
    pub port: String,
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
}

/// A cumulative histogram: `counts[i]` observations were at most
/// `bounds[i]` (seconds); `count` and `sum` cover every observation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub bounds: Vec<f64>,
    pub counts: Vec<u64>,
    pub count: u64,
    pub sum: f64,
}
