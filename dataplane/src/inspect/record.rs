//! What inspection reports: one [`HttpRecord`] per finished transaction,
//! and the counters of a worker's inspector.

use std::collections::BTreeMap;

use serde::Serialize;

use super::AppProtocol;
use crate::flow::FlowId;
use crate::http::Transaction;
use crate::pipeline::Endpoints;

/// A finished HTTP transaction of a flow.
#[derive(Debug)]
pub struct HttpRecord {
    pub flow_id: FlowId,
    pub ends: Endpoints,
    pub tx: Transaction,
}

/// Counts kept by an inspector.
#[derive(Debug, Default, Clone)]
pub struct InspectCounters {
    pub http_connections: u64,
    pub tls_connections: u64,
    pub unknown_connections: u64,
    pub connections_over_limit: u64,
    pub transactions: u64,
    pub alerts: u64,
    pub records_dropped: u64,
    /// Rulesets taken up while running.
    pub rule_reloads: u64,
    /// ClientHellos read, and TLS connections whose first bytes held none.
    pub tls_hellos: u64,
    pub tls_hellos_failed: u64,
    /// Requests over a rate limit, and bot signals reported.
    pub rate_limited: u64,
    pub bot_signals: u64,
    /// Anomalies by name.
    pub anomalies: BTreeMap<&'static str, u64>,
}

impl InspectCounters {
    pub(super) fn count_protocol(&mut self, proto: AppProtocol) {
        match proto {
            AppProtocol::Http => self.http_connections += 1,
            AppProtocol::Tls => self.tls_connections += 1,
            AppProtocol::Unknown => self.unknown_connections += 1,
        }
    }

    pub(super) fn count_transaction(&mut self, tx: &Transaction) {
        self.transactions += 1;
        for a in &tx.anomalies {
            *self.anomalies.entry(a.name()).or_default() += 1;
        }
    }
}

/// The inspector's counters by name, for the report and the metrics.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct InspectStats {
    pub http_connections: u64,
    pub tls_connections: u64,
    pub unknown_connections: u64,
    pub connections_over_limit: u64,
    pub connections_open: u64,
    pub http_transactions: u64,
    pub alerts: u64,
    pub records_dropped: u64,
    pub rule_reloads: u64,
    pub tls_hellos: u64,
    pub tls_hellos_failed: u64,
    pub rate_limited: u64,
    pub bot_signals: u64,
    pub http_anomalies: BTreeMap<&'static str, u64>,
}

impl InspectStats {
    pub(super) fn new(c: &InspectCounters, open: usize) -> Self {
        InspectStats {
            http_connections: c.http_connections,
            tls_connections: c.tls_connections,
            unknown_connections: c.unknown_connections,
            connections_over_limit: c.connections_over_limit,
            connections_open: open as u64,
            http_transactions: c.transactions,
            alerts: c.alerts,
            records_dropped: c.records_dropped,
            rule_reloads: c.rule_reloads,
            tls_hellos: c.tls_hellos,
            tls_hellos_failed: c.tls_hellos_failed,
            rate_limited: c.rate_limited,
            bot_signals: c.bot_signals,
            http_anomalies: c.anomalies.clone(),
        }
    }

    /// Adds `other` (another worker) into `self`.
    pub fn add(&mut self, other: &InspectStats) {
        for (mine, theirs) in [
            (&mut self.http_connections, other.http_connections),
            (&mut self.tls_connections, other.tls_connections),
            (&mut self.unknown_connections, other.unknown_connections),
            (
                &mut self.connections_over_limit,
                other.connections_over_limit,
            ),
            (&mut self.connections_open, other.connections_open),
            (&mut self.http_transactions, other.http_transactions),
            (&mut self.alerts, other.alerts),
            (&mut self.records_dropped, other.records_dropped),
            (&mut self.rule_reloads, other.rule_reloads),
            (&mut self.tls_hellos, other.tls_hellos),
            (&mut self.tls_hellos_failed, other.tls_hellos_failed),
            (&mut self.rate_limited, other.rate_limited),
            (&mut self.bot_signals, other.bot_signals),
        ] {
            *mine += theirs;
        }
        for (k, v) in &other.http_anomalies {
            *self.http_anomalies.entry(k).or_default() += v;
        }
    }
}
