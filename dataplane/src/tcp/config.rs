//! TCP reassembly settings, the per-worker counters, and the context that
//! bundles them with the memory budget for each call.
//!
//! Settings come from the dataplane configuration; counters are written by
//! the owning worker and read by the stats exporter.

use super::budget::Budget;
use super::policy::OverlapPolicy;

/// What a stream does when out-of-order data would exceed its own cap.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum CapAction {
    /// Give up on the oldest hole: record a gap and deliver what follows it.
    #[default]
    Gap,
    /// Stop reassembling the flow (bypass).
    Bypass,
}

/// Reassembly settings, shared by all streams of a worker.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TcpConfig {
    /// Overlap policy for buffered data.
    pub overlap: OverlapPolicy,
    /// Most bytes a direction buffers past its delivery point.
    pub stream_cap: usize,
    /// Most separate runs of data a direction holds out of order.
    pub max_runs: usize,
    /// What happens when a direction hits `stream_cap` or `max_runs`.
    pub on_cap: CapAction,
}

impl Default for TcpConfig {
    fn default() -> Self {
        Self {
            overlap: OverlapPolicy::First,
            stream_cap: 1 << 20,
            max_runs: 256,
            on_cap: CapAction::Gap,
        }
    }
}

/// Per-worker TCP counters.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TcpCounters {
    /// Segments processed.
    pub segments: u64,
    /// Data segments that started at the delivery point.
    pub in_order: u64,
    /// Data segments buffered out of order.
    pub out_of_order: u64,
    /// Data segments that brought nothing new (exact duplicates).
    pub retransmits: u64,
    /// Data segments that partly covered data already seen.
    pub overlaps: u64,
    /// Overlaps where the copies differ (an evasion signal).
    pub overlap_conflicts: u64,
    /// Holes given up on.
    pub gaps: u64,
    /// Bytes inside those holes.
    pub gap_bytes: u64,
    /// Bytes delivered in stream order.
    pub delivered_bytes: u64,
    /// Flows switched to bypass (budget exhausted or cap reached).
    pub bypassed: u64,
    /// Data segments ignored as out of the receiver's window.
    pub out_of_window: u64,
    /// Connections picked up mid-stream.
    pub midstream: u64,
    /// Three-way handshakes completed.
    pub established: u64,
    /// RSTs accepted.
    pub rst_accepted: u64,
    /// RSTs rejected as out of window.
    pub rst_rejected: u64,
    /// SYNs that did not fit the connection state (ignored).
    pub invalid_syn: u64,
    /// Connections restarted by a new SYN (after closing, or a new initial
    /// sequence number during the handshake).
    pub reopened: u64,
}

/// What each TCP call borrows from its worker.
#[derive(Debug)]
pub struct TcpContext<'a> {
    /// Settings.
    pub config: &'a TcpConfig,
    /// Reassembly memory budget.
    pub budget: &'a mut Budget,
    /// Counters.
    pub counters: &'a mut TcpCounters,
}

impl<'a> TcpContext<'a> {
    /// Bundles a worker's settings, budget and counters.
    pub fn new(
        config: &'a TcpConfig,
        budget: &'a mut Budget,
        counters: &'a mut TcpCounters,
    ) -> Self {
        Self {
            config,
            budget,
            counters,
        }
    }
}
