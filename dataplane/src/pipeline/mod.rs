//! The per-worker packet pipeline after the rx burst: decode, IP fragment
//! reassembly, flow lookup, TCP tracking and stream reassembly, and the
//! per-packet verdict.
//!
//! Input: one frame's bytes and `now` (nanoseconds; capture timestamps in
//! capture mode, the TSC live). Output: a [`Verdict`] for the frame, each
//! flow's reassembled bytes pushed to the caller's [`FlowSink`], and a
//! [`FlowRecord`] per finished flow. Counters are plain integers owned by the
//! worker ([`PipelineCounters`]); [`Pipeline::stats`] copies them for export.
//!
//! Fragments are forwarded as they come; the datagram they form is inspected
//! when complete. Malformed frames are counted by reason and dropped or
//! passed per [`MalformedPolicy`].

mod counters;
mod link;
mod record;
mod sink;

use crate::decode::{decode_ip, DecodeError, DecodeOptions, Decoded, Transport};
use crate::flow::{
    Direction, FlowConfig, FlowConfigError, FlowKey, FlowTable, FlowTuple, Found, HashSeed,
    Removed, Side,
};
use crate::frag::{FragLimits, Fragment, Outcome as FragOutcome, Reassembler};
use crate::tcp::{
    initial_direction, Budget, Segment, SeqNum, TcpConfig, TcpConnection, TcpContext, TcpCounters,
    TcpFlags,
};

pub use counters::{PipelineCounters, PipelineStats};
pub use link::LinkType;
pub use record::{FlowEnd, FlowRecord};
pub use sink::{FlowSink, NoSink};

use link::decode_link;
use sink::Adapter;

/// What to do with a frame the decoder refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MalformedPolicy {
    /// Forward it anyway (the endpoint will judge it); counted.
    Pass,
    /// Drop it; counted.
    #[default]
    Drop,
}

/// The fate of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Forward (inline) or keep going (tap).
    Pass,
    /// Drop the frame.
    Drop,
}

/// Pipeline settings, from the dataplane configuration.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    pub decode: DecodeOptions,
    pub malformed: MalformedPolicy,
    pub flow: FlowConfig,
    pub tcp: TcpConfig,
    pub frag: FragLimits,
    /// Bytes all TCP reassembly buffers of one worker may hold together.
    pub reassembly_memory: usize,
    /// Most flows expired per [`Pipeline::housekeeping`] call (bounds the
    /// work done between two bursts).
    pub expire_per_call: usize,
    /// Most finished-flow records kept until the I/O loop drains them.
    pub max_records: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            decode: DecodeOptions::LIVE,
            malformed: MalformedPolicy::default(),
            flow: FlowConfig::default(),
            tcp: TcpConfig::default(),
            frag: FragLimits::default(),
            reassembly_memory: 256 << 20,
            expire_per_call: 64,
            max_records: 1 << 16,
        }
    }
}

/// Per-flow state kept in the flow table.
#[derive(Debug, Default)]
pub struct FlowState {
    tcp: TcpConnection,
    /// Packets and bytes per direction ([`Direction::index`]).
    packets: [u64; 2],
    bytes: [u64; 2],
    /// TCP flags seen per direction, OR-ed.
    flags: [u8; 2],
    /// The initiator is the key's lower endpoint.
    initiator_low: bool,
}

/// One worker's pipeline.
#[derive(Debug)]
pub struct Pipeline {
    cfg: PipelineConfig,
    flows: FlowTable<FlowState>,
    frags: Reassembler,
    budget: Budget,
    tcp_counters: TcpCounters,
    counters: PipelineCounters,
    records: Vec<FlowRecord>,
    /// A reassembled datagram, copied out of the reassembler.
    datagram: Vec<u8>,
}

impl Pipeline {
    /// A pipeline for worker number `worker`, whose flow hashing uses `seed`.
    pub fn new(cfg: PipelineConfig, worker: u16, seed: HashSeed) -> Result<Self, FlowConfigError> {
        Ok(Pipeline {
            flows: FlowTable::new(&cfg.flow, worker, seed)?,
            frags: Reassembler::new(cfg.frag),
            budget: Budget::new(cfg.reassembly_memory),
            tcp_counters: TcpCounters::default(),
            counters: PipelineCounters::default(),
            records: Vec::with_capacity(cfg.max_records.min(1024)),
            datagram: Vec::new(),
            cfg,
        })
    }

    /// Runs one frame with link layer `link` through the pipeline.
    pub fn process(
        &mut self,
        frame: &[u8],
        link: LinkType,
        now: u64,
        sink: &mut impl FlowSink,
    ) -> Verdict {
        self.counters.packets += 1;
        self.counters.bytes += frame.len() as u64;
        let decoded = match decode_link(frame, link, &self.cfg.decode) {
            Ok(Some(d)) => d,
            Ok(None) => {
                self.counters.non_ip += 1;
                return Verdict::Pass;
            }
            Err(e) => return self.malformed(e),
        };
        let Some(ip) = decoded.ip else {
            self.counters.non_ip += 1;
            return Verdict::Pass;
        };
        self.counters.count_l3(ip.src.is_ipv4());
        if ip.fragment.is_some() {
            self.fragment(&decoded, now, sink);
        } else {
            self.transport(&decoded, frame.len(), now, sink);
        }
        Verdict::Pass
    }

    fn malformed(&mut self, e: DecodeError) -> Verdict {
        self.counters.malformed[e.index()] += 1;
        match self.cfg.malformed {
            MalformedPolicy::Pass => Verdict::Pass,
            MalformedPolicy::Drop => {
                self.counters.malformed_dropped += 1;
                Verdict::Drop
            }
        }
    }

    /// Holds a fragment; when its datagram is complete, runs the datagram
    /// through the transport stage.
    fn fragment(&mut self, decoded: &Decoded<'_>, now: u64, sink: &mut impl FlowSink) {
        self.counters.fragments += 1;
        let Some(frag) = Fragment::from_decoded(decoded) else {
            return;
        };
        let FragOutcome::Complete(datagram) = self.frags.push(&frag, now) else {
            return;
        };
        let mut buf = std::mem::take(&mut self.datagram);
        buf.clear();
        buf.extend_from_slice(datagram);
        match decode_ip(&buf, &self.cfg.decode) {
            Ok(whole) => self.transport(&whole, buf.len(), now, sink),
            Err(e) => self.counters.malformed[e.index()] += 1,
        }
        self.datagram = buf;
    }

    /// Flow lookup and per-protocol tracking; `wire_len` is what the packet
    /// counts for in the flow's byte totals (the whole frame).
    fn transport(&mut self, d: &Decoded<'_>, wire_len: usize, now: u64, sink: &mut impl FlowSink) {
        let Some(ip) = d.ip else { return };
        let (src_port, dst_port) = d.ports().unwrap_or((0, 0));
        let tuple = FlowTuple {
            proto: ip.protocol.0,
            src: ip.src.into(),
            src_port,
            dst: ip.dst.into(),
            dst_port,
        };
        let first_dir = match d.transport {
            Transport::Tcp(t) => initial_direction(tcp_flags(t.flags)),
            _ => Direction::ToResponder,
        };
        let Some(found) = self.find_or_insert(&tuple, first_dir, now, sink) else {
            return;
        };
        self.count_flow_packet(found, d, wire_len);
        if let Transport::Tcp(t) = d.transport {
            self.counters.tcp += 1;
            let seg = Segment {
                seq: SeqNum(t.seq),
                ack: SeqNum(t.ack),
                flags: tcp_flags(t.flags),
                window: t.window,
                wscale: t.options.window_scale,
                payload: d.payload_bytes(),
            };
            self.track_tcp(found, &seg, sink);
        } else {
            self.counters.count_l4(&d.transport);
        }
    }

    fn find_or_insert(
        &mut self,
        tuple: &FlowTuple,
        dir: Direction,
        now: u64,
        sink: &mut impl FlowSink,
    ) -> Option<Found> {
        if let Some(found) = self.flows.lookup(tuple, now) {
            return Some(found);
        }
        let (_, side) = FlowKey::from_tuple(tuple);
        let initiator_side = if dir == Direction::ToResponder {
            side
        } else {
            other(side)
        };
        let state = FlowState {
            initiator_low: initiator_side == Side::Low,
            ..FlowState::default()
        };
        match self.flows.insert(tuple, now, dir, state) {
            Ok(inserted) => {
                if let Some(evicted) = inserted.evicted {
                    self.close_flow(evicted, FlowEnd::Evicted, sink);
                }
                Some(inserted.found)
            }
            Err(_) => {
                self.counters.untracked += 1;
                None
            }
        }
    }

    fn count_flow_packet(&mut self, found: Found, d: &Decoded<'_>, wire_len: usize) {
        let Some(flow) = self.flows.get_mut(found.slot) else {
            return;
        };
        let i = found.dir.index();
        flow.data.packets[i] += 1;
        flow.data.bytes[i] += wire_len as u64;
        if let Transport::Tcp(t) = d.transport {
            flow.data.flags[i] |= tcp_flags(t.flags).0;
        }
    }

    fn track_tcp(&mut self, found: Found, seg: &Segment<'_>, sink: &mut impl FlowSink) {
        let Some(flow) = self.flows.get_mut(found.slot) else {
            return;
        };
        let mut cx = TcpContext::new(&self.cfg.tcp, &mut self.budget, &mut self.tcp_counters);
        let mut adapter = Adapter {
            sink,
            flow: found.id,
        };
        let outcome = flow.data.tcp.segment(found.dir, seg, &mut cx, &mut adapter);
        if outcome.changed() {
            self.flows
                .set_class(found.slot, outcome.state.timeout_class());
        }
    }

    /// Expires idle flows (a bounded number per call) and old fragments.
    pub fn housekeeping(&mut self, now: u64, sink: &mut impl FlowSink) {
        for _ in 0..self.cfg.expire_per_call {
            let Some(removed) = self.flows.expire_next(now) else {
                break;
            };
            self.close_flow(removed, FlowEnd::Timeout, sink);
        }
        self.frags.expire(now);
    }

    /// Ends every flow (end of a capture, shutdown), delivering what their
    /// streams still hold.
    pub fn finish(&mut self, sink: &mut impl FlowSink) {
        while let Some(removed) = self.flows.expire_next(u64::MAX) {
            self.close_flow(removed, FlowEnd::Shutdown, sink);
        }
    }

    fn close_flow(
        &mut self,
        mut removed: Removed<FlowState>,
        end: FlowEnd,
        sink: &mut impl FlowSink,
    ) {
        let mut cx = TcpContext::new(&self.cfg.tcp, &mut self.budget, &mut self.tcp_counters);
        let mut adapter = Adapter {
            sink: &mut *sink,
            flow: removed.id,
        };
        removed.data.tcp.finish(&mut cx, &mut adapter);
        removed.data.tcp.release(&mut self.budget);
        sink.closed(removed.id);
        if self.records.len() < self.cfg.max_records {
            self.records.push(FlowRecord::new(&removed, end));
        } else {
            self.counters.records_dropped += 1;
        }
    }

    /// Takes the finished-flow records gathered so far.
    pub fn drain_records(&mut self) -> std::vec::Drain<'_, FlowRecord> {
        self.records.drain(..)
    }

    /// A copy of every counter, for export.
    pub fn stats(&self) -> PipelineStats {
        PipelineStats::new(
            &self.counters,
            self.flows.counters(),
            &self.tcp_counters,
            self.frags.counters(),
            &self.budget,
        )
    }
}

/// The decoder's 9-bit flags (with NS) as the tracker's 8-bit flags.
fn tcp_flags(flags: crate::decode::tcp::Flags) -> TcpFlags {
    TcpFlags((flags.0 & 0xff) as u8)
}

fn other(side: Side) -> Side {
    match side {
        Side::Low => Side::High,
        Side::High => Side::Low,
    }
}

#[cfg(test)]
mod tests;
