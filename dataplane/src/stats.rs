//! Per-worker counters: plain structs that the owning worker writes and the
//! main lcore reads (for printing, `--stats-json` and, later, telemetry).
//! Export formats live with their consumers, not here.
//!
//! Each counter is written by exactly one core, so an increment is a relaxed
//! load and store (no locked instruction); readers may see a value a few
//! packets old, never a torn one.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::inspect::InspectStats;
use crate::pipeline::PipelineStats;

/// Most ports a dataplane handles (DPDK's RTE_MAX_ETHPORTS).
pub const MAX_PORTS: usize = 32;

/// A counter owned by one writer core.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds `n`. Only the owning core calls this.
    #[inline]
    pub fn add(&self, n: u64) {
        let v = self.0.load(Ordering::Relaxed);
        self.0.store(v.wrapping_add(n), Ordering::Relaxed);
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Why a packet was dropped. Each reason has one counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// The transmit queue did not take the packet.
    TxQueueFull,
    /// The decoder refused the frame and the policy drops malformed frames
    /// (the reason itself is counted in the pipeline's `malformed`).
    Malformed,
    /// The packet's flow was blocked by a verdict.
    Blocked,
    /// A frame crafted by a verdict (reset, answer) that no mbuf or tx
    /// queue took.
    CraftedLost,
    /// Dropped by the L3/L4 guards (ACL, rate limits, SYN flood); the
    /// reason is counted in the pipeline's `guard`.
    Guarded,
    /// A new flow's packet, while the worker was overloaded and the policy
    /// is fail-closed.
    Overload,
}

impl DropReason {
    /// Every reason, in counter order.
    pub const ALL: [DropReason; 6] = [
        DropReason::TxQueueFull,
        DropReason::Malformed,
        DropReason::Blocked,
        DropReason::CraftedLost,
        DropReason::Guarded,
        DropReason::Overload,
    ];

    /// Stable snake_case name, used as a metric label and a JSON key.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::TxQueueFull => "tx_queue_full",
            DropReason::Malformed => "malformed",
            DropReason::Blocked => "blocked",
            DropReason::CraftedLost => "crafted_lost",
            DropReason::Guarded => "guarded",
            DropReason::Overload => "overload",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Per-port counters as seen by one worker.
#[derive(Debug, Default)]
pub struct PortCounters {
    pub rx_packets: Counter,
    pub rx_bytes: Counter,
    pub tx_packets: Counter,
    pub tx_bytes: Counter,
}

/// Everything one worker counts. Cache-line aligned so two workers never
/// share a line.
#[derive(Debug)]
#[repr(align(64))]
pub struct WorkerCounters {
    pub rx_packets: Counter,
    pub rx_bytes: Counter,
    pub tx_packets: Counter,
    pub tx_bytes: Counter,
    /// rx calls that returned at least one packet.
    pub rx_bursts: Counter,
    /// rx calls that returned nothing.
    pub idle_polls: Counter,
    /// Packets received in tap mode and consumed (not forwarded by design).
    pub consumed: Counter,
    /// Chained (multi-segment) frames passed without inspection.
    pub uninspected: Counter,
    drops: [Counter; DropReason::ALL.len()],
    pub ports: [PortCounters; MAX_PORTS],
    /// Per-packet processing time in the pipeline.
    pub latency: crate::latency::LatencyCounters,
}

impl Default for WorkerCounters {
    fn default() -> Self {
        WorkerCounters {
            rx_packets: Counter::default(),
            rx_bytes: Counter::default(),
            tx_packets: Counter::default(),
            tx_bytes: Counter::default(),
            rx_bursts: Counter::default(),
            idle_polls: Counter::default(),
            consumed: Counter::default(),
            uninspected: Counter::default(),
            drops: Default::default(),
            ports: std::array::from_fn(|_| PortCounters::default()),
            latency: Default::default(),
        }
    }
}

impl WorkerCounters {
    /// Counts `n` packets dropped for `reason`.
    #[inline]
    pub fn count_drop(&self, reason: DropReason, n: u64) {
        self.drops[reason.index()].add(n);
    }

    /// Packets dropped for `reason` so far.
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.drops[reason.index()].get()
    }

    /// Per-port counters for `port` (ports beyond MAX_PORTS share the last slot).
    #[inline]
    pub fn port(&self, port: u16) -> &PortCounters {
        &self.ports[usize::from(port).min(MAX_PORTS - 1)]
    }
}

/// A point-in-time copy of one worker's counters, for output.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct WorkerSnapshot {
    /// Worker number and lcore (absent in the totals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lcore: Option<u32>,
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub rx_bursts: u64,
    pub idle_polls: u64,
    pub consumed: u64,
    pub uninspected: u64,
    pub dropped: std::collections::BTreeMap<&'static str, u64>,
    /// The pipeline's own counters (decode, flows, TCP, fragments).
    pub pipeline: PipelineStats,
    /// Application-layer inspection (protocols, HTTP transactions).
    pub inspect: InspectStats,
}

impl WorkerSnapshot {
    /// Copies `c` for worker number `worker` on `lcore`.
    pub fn take(worker: usize, lcore: u32, c: &WorkerCounters) -> WorkerSnapshot {
        WorkerSnapshot {
            worker: Some(worker),
            lcore: Some(lcore),
            rx_packets: c.rx_packets.get(),
            rx_bytes: c.rx_bytes.get(),
            tx_packets: c.tx_packets.get(),
            tx_bytes: c.tx_bytes.get(),
            rx_bursts: c.rx_bursts.get(),
            idle_polls: c.idle_polls.get(),
            consumed: c.consumed.get(),
            uninspected: c.uninspected.get(),
            pipeline: PipelineStats::default(),
            inspect: InspectStats::default(),
            dropped: DropReason::ALL
                .iter()
                .map(|r| (r.as_str(), c.dropped(*r)))
                .collect(),
        }
    }

    /// Packets dropped for any reason.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.values().sum()
    }
}

/// One port's totals over all workers, plus the device's own counters.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PortSnapshot {
    pub name: String,
    pub device: String,
    pub driver: String,
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    /// What the device itself counted (rx_missed shows packets the worker
    /// was too slow to take).
    pub device_rx_packets: u64,
    pub device_tx_packets: u64,
    pub device_rx_missed: u64,
    pub device_rx_nombuf: u64,
    pub device_tx_errors: u64,
}

/// The report printed on exit and written by `--stats-json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub mode: String,
    pub elapsed_secs: f64,
    pub totals: WorkerSnapshot,
    pub workers: Vec<WorkerSnapshot>,
    pub ports: Vec<PortSnapshot>,
}

impl Report {
    /// Sums the workers into `totals`.
    pub fn sum_totals(&mut self) {
        let mut t = WorkerSnapshot::default();
        for w in &self.workers {
            t.rx_packets += w.rx_packets;
            t.rx_bytes += w.rx_bytes;
            t.tx_packets += w.tx_packets;
            t.tx_bytes += w.tx_bytes;
            t.rx_bursts += w.rx_bursts;
            t.idle_polls += w.idle_polls;
            t.consumed += w.consumed;
            t.uninspected += w.uninspected;
            t.pipeline.add(&w.pipeline);
            t.inspect.add(&w.inspect);
            for (k, v) in &w.dropped {
                *t.dropped.entry(k).or_default() += v;
            }
        }
        self.totals = t;
    }

    /// A short human summary.
    pub fn summary(&self) -> String {
        let t = &self.totals;
        let secs = self.elapsed_secs.max(1e-9);
        let mut s = format!(
            "{} mode, {:.2} s: rx {} packets / {} bytes, tx {} packets / {} bytes, consumed {}, dropped {} ({:.3} Mpps rx)\n",
            self.mode, self.elapsed_secs, t.rx_packets, t.rx_bytes, t.tx_packets, t.tx_bytes,
            t.consumed, t.dropped_total(), t.rx_packets as f64 / secs / 1e6
        );
        for (reason, n) in t.dropped.iter().filter(|(_, n)| **n > 0) {
            s += &format!("  dropped {reason}: {n}\n");
        }
        for p in &self.ports {
            s += &format!(
                "  port {} ({}): rx {} / {} B, tx {} / {} B, device missed {}\n",
                p.name,
                p.driver,
                p.rx_packets,
                p.rx_bytes,
                p.tx_packets,
                p.tx_bytes,
                p.device_rx_missed
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_workers_and_drop_reasons() {
        let a = WorkerCounters::default();
        let b = WorkerCounters::default();
        a.rx_packets.add(3);
        b.rx_packets.add(4);
        b.count_drop(DropReason::TxQueueFull, 2);
        let mut r = Report {
            workers: vec![
                WorkerSnapshot::take(0, 1, &a),
                WorkerSnapshot::take(1, 2, &b),
            ],
            ..Default::default()
        };
        r.sum_totals();
        assert_eq!(r.totals.rx_packets, 7);
        assert_eq!(r.totals.dropped["tx_queue_full"], 2);
        assert_eq!(r.totals.dropped_total(), 2);
    }

    #[test]
    fn drop_reason_names_are_unique() {
        let names: std::collections::HashSet<_> =
            DropReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names.len(), DropReason::ALL.len());
    }
}
