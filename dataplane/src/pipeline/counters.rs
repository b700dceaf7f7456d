//! The pipeline's counters: plain integers written by the owning worker,
//! and [`PipelineStats`], the serializable copy the exporters read.

use std::collections::BTreeMap;

use serde::Serialize;

use super::L4;
use crate::decode::DecodeError;
use crate::flow::FlowCounters;
use crate::frag::FragCounters;
use crate::tcp::{Budget, TcpCounters};

/// Counters of one worker's pipeline.
#[derive(Debug, Clone)]
pub struct PipelineCounters {
    pub packets: u64,
    pub bytes: u64,
    /// Frames that are not IP (ARP, LLDP, ...); passed.
    pub non_ip: u64,
    pub ipv4: u64,
    pub ipv6: u64,
    pub tcp: u64,
    pub udp: u64,
    pub icmp: u64,
    /// IP packets of other protocols (tracked as flows without ports).
    pub other_l4: u64,
    pub fragments: u64,
    /// Malformed frames by [`DecodeError::index`].
    pub malformed: [u64; DecodeError::ALL.len()],
    /// Malformed frames dropped by policy.
    pub malformed_dropped: u64,
    /// Packets of flows the full table could not take.
    pub untracked: u64,
    /// Finished-flow records lost because the I/O loop did not drain them.
    pub records_dropped: u64,
    /// Packets dropped because their flow was blocked.
    pub blocked: u64,
    /// Flows blocked by a verdict.
    pub flows_blocked: u64,
    /// Times the worker entered overload.
    pub overload_episodes: u64,
    /// Flows opened during overload that passed uninspected (fail-open).
    pub overload_bypassed_flows: u64,
    /// Packets of new flows dropped during overload (fail-closed).
    pub overload_refused: u64,
}

impl Default for PipelineCounters {
    fn default() -> Self {
        PipelineCounters {
            packets: 0,
            bytes: 0,
            non_ip: 0,
            ipv4: 0,
            ipv6: 0,
            tcp: 0,
            udp: 0,
            icmp: 0,
            other_l4: 0,
            fragments: 0,
            malformed: [0; DecodeError::ALL.len()],
            malformed_dropped: 0,
            untracked: 0,
            records_dropped: 0,
            blocked: 0,
            flows_blocked: 0,
            overload_episodes: 0,
            overload_bypassed_flows: 0,
            overload_refused: 0,
        }
    }
}

impl PipelineCounters {
    pub(super) fn count_l3(&mut self, v4: bool) {
        if v4 {
            self.ipv4 += 1;
        } else {
            self.ipv6 += 1;
        }
    }

    pub(super) fn count_l4(&mut self, l4: &L4<'_>) {
        match l4 {
            L4::Tcp(_) => self.tcp += 1,
            L4::Udp => self.udp += 1,
            L4::Icmp => self.icmp += 1,
            L4::Other => self.other_l4 += 1,
        }
    }
}

/// Everything the pipeline counts, by name, ready for JSON or Prometheus.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct PipelineStats {
    pub packets: u64,
    pub bytes: u64,
    pub non_ip: u64,
    pub ipv4: u64,
    pub ipv6: u64,
    pub tcp: u64,
    pub udp: u64,
    pub icmp: u64,
    pub other_l4: u64,
    pub fragments: u64,
    /// Malformed frames by reason (only reasons seen).
    pub malformed: BTreeMap<&'static str, u64>,
    pub malformed_dropped: u64,
    pub untracked: u64,
    pub records_dropped: u64,
    pub blocked: u64,
    pub flows_blocked: u64,
    pub flows: BTreeMap<&'static str, u64>,
    pub tcp_stream: BTreeMap<&'static str, u64>,
    pub ip_fragments: BTreeMap<&'static str, u64>,
    pub reassembly_memory_used: u64,
    pub reassembly_memory_peak: u64,
    /// Block verdicts carried out, by verdict, reason and rule.
    pub enforcement: crate::enforce::EnforceStats,
    /// L3/L4 guard drops by reason, and SYN flood events.
    pub guard: crate::guard::GuardStats,
    /// Times the worker entered overload, flows that then passed
    /// uninspected and packets dropped (see `overload:`).
    pub overload: OverloadStats,
}

/// What overload did (see [`crate::overload`]).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct OverloadStats {
    pub episodes: u64,
    pub bypassed_flows: u64,
    pub refused_packets: u64,
}

impl PipelineStats {
    pub(super) fn new(
        c: &PipelineCounters,
        f: &FlowCounters,
        t: &TcpCounters,
        fr: &FragCounters,
        budget: &Budget,
    ) -> Self {
        PipelineStats {
            packets: c.packets,
            bytes: c.bytes,
            non_ip: c.non_ip,
            ipv4: c.ipv4,
            ipv6: c.ipv6,
            tcp: c.tcp,
            udp: c.udp,
            icmp: c.icmp,
            other_l4: c.other_l4,
            fragments: c.fragments,
            malformed: DecodeError::ALL
                .iter()
                .map(|e| (e.as_str(), c.malformed[e.index()]))
                .filter(|(_, n)| *n > 0)
                .collect(),
            malformed_dropped: c.malformed_dropped,
            untracked: c.untracked,
            records_dropped: c.records_dropped,
            blocked: c.blocked,
            flows_blocked: c.flows_blocked,
            flows: flow_map(f),
            tcp_stream: tcp_map(t),
            ip_fragments: frag_map(fr),
            reassembly_memory_used: budget.used() as u64,
            reassembly_memory_peak: budget.peak() as u64,
            enforcement: crate::enforce::EnforceStats::default(),
            guard: crate::guard::GuardStats::default(),
            overload: OverloadStats {
                episodes: c.overload_episodes,
                bypassed_flows: c.overload_bypassed_flows,
                refused_packets: c.overload_refused,
            },
        }
    }

    /// Adds `other` (another worker) into `self`.
    pub fn add(&mut self, other: &PipelineStats) {
        let scalars = [
            (&mut self.packets, other.packets),
            (&mut self.bytes, other.bytes),
            (&mut self.non_ip, other.non_ip),
            (&mut self.ipv4, other.ipv4),
            (&mut self.ipv6, other.ipv6),
            (&mut self.tcp, other.tcp),
            (&mut self.udp, other.udp),
            (&mut self.icmp, other.icmp),
            (&mut self.other_l4, other.other_l4),
            (&mut self.fragments, other.fragments),
            (&mut self.malformed_dropped, other.malformed_dropped),
            (&mut self.untracked, other.untracked),
            (&mut self.records_dropped, other.records_dropped),
            (&mut self.blocked, other.blocked),
            (&mut self.flows_blocked, other.flows_blocked),
            (&mut self.overload.episodes, other.overload.episodes),
            (
                &mut self.overload.bypassed_flows,
                other.overload.bypassed_flows,
            ),
            (
                &mut self.overload.refused_packets,
                other.overload.refused_packets,
            ),
            (
                &mut self.reassembly_memory_used,
                other.reassembly_memory_used,
            ),
            (
                &mut self.reassembly_memory_peak,
                other.reassembly_memory_peak,
            ),
        ];
        for (mine, theirs) in scalars {
            *mine += theirs;
        }
        self.enforcement.add(&other.enforcement);
        for (mine, theirs) in [
            (&mut self.malformed, &other.malformed),
            (&mut self.flows, &other.flows),
            (&mut self.tcp_stream, &other.tcp_stream),
            (&mut self.ip_fragments, &other.ip_fragments),
            (&mut self.guard, &other.guard),
        ] {
            for (k, v) in theirs {
                *mine.entry(k).or_default() += v;
            }
        }
    }

    /// Malformed frames of every reason.
    pub fn malformed_total(&self) -> u64 {
        self.malformed.values().sum()
    }
}

fn flow_map(f: &FlowCounters) -> BTreeMap<&'static str, u64> {
    BTreeMap::from([
        ("created", f.created),
        ("expired", f.expired),
        ("evicted", f.evicted),
        ("table_full", f.table_full),
        ("removed", f.removed),
        ("active", f.active),
    ])
}

fn tcp_map(t: &TcpCounters) -> BTreeMap<&'static str, u64> {
    BTreeMap::from([
        ("segments", t.segments),
        ("in_order", t.in_order),
        ("out_of_order", t.out_of_order),
        ("retransmits", t.retransmits),
        ("overlaps", t.overlaps),
        ("overlap_conflicts", t.overlap_conflicts),
        ("gaps", t.gaps),
        ("gap_bytes", t.gap_bytes),
        ("delivered_bytes", t.delivered_bytes),
        ("bypassed", t.bypassed),
        ("out_of_window", t.out_of_window),
        ("midstream", t.midstream),
        ("established", t.established),
        ("rst_accepted", t.rst_accepted),
        ("rst_rejected", t.rst_rejected),
        ("invalid_syn", t.invalid_syn),
        ("reopened", t.reopened),
    ])
}

fn frag_map(f: &FragCounters) -> BTreeMap<&'static str, u64> {
    BTreeMap::from([
        ("fragments", f.fragments),
        ("reassembled", f.reassembled),
        ("atomic", f.atomic),
        ("overlaps", f.overlaps),
        ("overlap_conflicts", f.overlap_conflicts),
        ("tiny_first", f.tiny_first),
        ("malformed", f.malformed),
        ("inconsistent", f.inconsistent),
        ("too_large", f.too_large),
        ("too_many_fragments", f.too_many_fragments),
        ("datagram_memory", f.datagram_memory),
        ("global_memory", f.global_memory),
        ("table_full", f.table_full),
        ("timed_out", f.timed_out),
    ])
}
