//! The counters a dataplane sends to the control plane, built from the
//! same per-worker counters as the exit report.

use std::collections::BTreeMap;
use std::sync::Arc;

use palisade_proto::{Counters, Histogram, PortCounters, WorkerCounters as Sent};

use crate::stats::{Report, WorkerCounters, WorkerSnapshot};

/// One reading: the report and, per worker, its per-port counts and its
/// latency histogram.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub report: Report,
    pub ports: Vec<Vec<PortCounters>>,
    pub latency: Vec<Histogram>,
}

/// Reads each worker's latency histogram; `hz` is the TSC frequency.
pub fn latency(counters: &[Arc<WorkerCounters>], hz: u64) -> Vec<Histogram> {
    counters
        .iter()
        .map(|c| {
            let (bounds, counts, count, sum) = c.latency.read(hz);
            Histogram {
                bounds,
                counts,
                count,
                sum,
            }
        })
        .collect()
}

/// Reads each worker's per-port counters; `ports` are (port id, name).
pub fn per_port(
    counters: &[Arc<WorkerCounters>],
    ports: &[(u16, String)],
) -> Vec<Vec<PortCounters>> {
    counters
        .iter()
        .map(|c| {
            ports
                .iter()
                .map(|(id, name)| {
                    let p = c.port(*id);
                    PortCounters {
                        port: name.clone(),
                        rx_packets: p.rx_packets.get(),
                        rx_bytes: p.rx_bytes.get(),
                        tx_packets: p.tx_packets.get(),
                        tx_bytes: p.tx_bytes.get(),
                    }
                })
                .collect()
        })
        .collect()
}

/// The message for `s`.
pub fn counters(s: &Snapshot, running: Option<u64>, hits: &BTreeMap<u64, u64>) -> Counters {
    let workers = s
        .report
        .workers
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut sent = worker(i, w, s.ports.get(i).cloned().unwrap_or_default());
            sent.latency = s.latency.get(i).cloned();
            sent
        })
        .collect();
    Counters {
        uptime_secs: s.report.elapsed_secs,
        ruleset_version: running,
        workers,
        rule_hits: hits.iter().map(|(k, v)| (*k, *v)).collect(),
    }
}

fn worker(i: usize, w: &WorkerSnapshot, ports: Vec<PortCounters>) -> Sent {
    let drops: BTreeMap<String, u64> = w
        .dropped
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    let dropped = w.dropped_total();
    let verdicts = BTreeMap::from([
        ("pass".to_owned(), w.rx_packets.saturating_sub(dropped)),
        ("drop".to_owned(), dropped),
    ]);
    Sent {
        worker: w.worker.unwrap_or(i) as u32,
        lcore: w.lcore.unwrap_or(0),
        rx_packets: w.rx_packets,
        rx_bytes: w.rx_bytes,
        tx_packets: w.tx_packets,
        tx_bytes: w.tx_bytes,
        ports,
        drops,
        flows_created: w.pipeline.flows.get("created").copied().unwrap_or(0),
        flows_active: w.pipeline.flows.get("active").copied().unwrap_or(0),
        transactions: w.inspect.http_transactions,
        verdicts,
        latency: None,
    }
}
