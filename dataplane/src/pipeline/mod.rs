//! The per-worker packet pipeline after the rx burst: decode, IP fragment
//! reassembly, flow lookup, TCP tracking and stream reassembly, and the
//! per-packet verdict.
//!
//! Input: one frame's bytes and `now` (nanoseconds; capture timestamps in
//! capture mode, the TSC live), or a burst of [`Frame`]s. Output: a
//! [`Verdict`] per frame, each flow's reassembled bytes pushed to the
//! caller's [`FlowSink`], and a [`FlowRecord`] per finished flow. Counters
//! are plain integers owned by the worker ([`PipelineCounters`]);
//! [`Pipeline::stats`] copies them for export.
//!
//! [`Pipeline::process_burst`] gives the same results as
//! [`Pipeline::process`] frame by frame, faster with many flows: it decodes
//! the whole burst and prefetches the flow index words of all its frames,
//! then tracks them in order while prefetching the flow entries a few
//! frames ahead, so their cache misses overlap.
//!
//! Fragments are forwarded as they come; the datagram they form is inspected
//! when complete. Malformed frames are counted by reason and dropped or
//! passed per [`MalformedPolicy`].

mod counters;
mod guarded;
mod link;
mod record;
mod sink;

use std::net::Ipv4Addr;

use crate::decode::{
    self, decode_ip, DecodeError, DecodeOptions, Decoded, IpHeader, IpProtocol, TcpInfo, Transport,
};
use crate::enforce::{EnforceConfig, Enforcer, Outbox};
use crate::flow::{
    Direction, FlowConfig, FlowConfigError, FlowTable, FlowTuple, Found, HashSeed, HashedKey,
    Removed, Side, TimeoutClass,
};
use crate::frag::{FragLimits, Fragment, Outcome as FragOutcome, Reassembler};
use crate::guard::{Guard, GuardConfig};
use crate::tcp::{
    initial_direction, Budget, Segment, SeqNum, TcpConfig, TcpConnection, TcpContext, TcpCounters,
    TcpFlags,
};

pub use counters::{PipelineCounters, PipelineStats};
pub use link::LinkType;
pub use record::{FlowEnd, FlowRecord};
pub use sink::{Endpoints, FlowSink, NoSink};

use link::decode_link_into;
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

/// Frames the pipeline has dropped, by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drops {
    /// Malformed, dropped by policy.
    pub malformed: u64,
    /// Of flows blocked by a verdict.
    pub blocked: u64,
    /// By the L3/L4 guards.
    pub guarded: u64,
    /// New flows refused while the worker was overloaded (fail-closed).
    pub overload: u64,
}

/// Most frames [`Pipeline::process_burst`] stages together (an rx burst);
/// longer slices are taken this many at a time.
pub const BURST_MAX: usize = 32;

/// How many frames ahead of the one being tracked a staged burst prefetches
/// flow entries. Asking for the entries of the whole burst at once keeps
/// more lines in flight than the core can track, and later frames wait on
/// lines queued behind them: with a million flows that ran at half the
/// rate of prefetching four frames ahead (`benches/pipeline.sh`).
const ENTRY_PREFETCH_AHEAD: usize = 4;

/// One received frame and the time it arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The frame, from its link-layer header on.
    pub bytes: &'a [u8],
    /// Arrival time in nanoseconds, as `now` of [`Pipeline::process`].
    pub now: u64,
}

/// A frame after the steps that need no flow state: decoded, and reduced
/// to what the later steps read (small, so a burst of them stays cheap to
/// keep and copy).
#[derive(Clone, Copy)]
enum Staged<'a> {
    Malformed(DecodeError),
    NotIp,
    /// An IP fragment (`None` when it cannot be reassembled).
    Fragment {
        v4: bool,
        frag: Option<Fragment<'a>>,
    },
    Datagram(Datagram<'a>),
}

/// What flow tracking needs of a whole IP datagram.
#[derive(Clone, Copy)]
struct Datagram<'a> {
    /// The flow key, hashed.
    key: HashedKey,
    v4: bool,
    l4: L4<'a>,
}

/// The transport layer as flow tracking sees it.
#[derive(Clone, Copy)]
enum L4<'a> {
    Tcp(Segment<'a>),
    Udp,
    Icmp,
    /// Another protocol, tracked without ports.
    Other,
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
    /// [`Pipeline::process_burst`] stages a burst (decodes it whole and
    /// prefetches its flow entries) only while the flow table holds at least
    /// this many flows; a smaller table stays in the caches, and frames go
    /// through one by one, which is then slightly faster.
    pub staging_min_flows: usize,
    /// How block verdicts are carried out.
    pub enforce: EnforceConfig,
    /// L3/L4 guards run before decoding (ACL, rate limits, SYN flood).
    pub guard: GuardConfig,
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
            staging_min_flows: 2048,
            enforce: EnforceConfig::default(),
            guard: GuardConfig::default(),
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
    /// A verdict blocked the flow: its packets are dropped uninspected.
    blocked: bool,
    /// Opened while the worker was overloaded (fail-open): its packets
    /// pass uninspected.
    bypass: bool,
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
    /// Carries out block verdicts (resets, answers, tarpits).
    enforcer: Enforcer,
    /// L3/L4 guards, before decoding.
    guard: Guard,
    /// The guards refused the flow the last lookup would have created.
    refused: bool,
    /// While the worker is overloaded: what new flows get.
    overload: Option<crate::overload::Policy>,
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
            enforcer: Enforcer::new(cfg.enforce.clone()),
            guard: Guard::new(cfg.guard.clone()),
            refused: false,
            overload: None,
            cfg,
        })
    }

    /// Enters (`Some(policy)`) or leaves (`None`) overload: while in it,
    /// new flows pass uninspected (fail-open) or are dropped
    /// (fail-closed); flows that exist go on being inspected.
    pub fn set_overload(&mut self, overload: Option<crate::overload::Policy>) {
        if self.overload.is_none() && overload.is_some() {
            self.counters.overload_episodes += 1;
        }
        self.overload = overload;
    }

    /// Runs one frame with link layer `link` through the pipeline.
    pub fn process(
        &mut self,
        frame: &[u8],
        link: LinkType,
        now: u64,
        sink: &mut impl FlowSink,
    ) -> Verdict {
        if self.guard.is_on() && link == LinkType::Ethernet && !self.guarded(frame, now) {
            return Verdict::Drop;
        }
        let staged = self.stage(frame, link);
        self.run(frame, &staged, now, sink)
    }

    /// Runs a burst of frames with link layer `link` through the pipeline,
    /// writing frame `i`'s verdict to `verdicts[i]`; the results are those
    /// of [`Pipeline::process`] over the frames in order. Returns how many
    /// frames were processed: all of them, unless `verdicts` is shorter.
    pub fn process_burst(
        &mut self,
        frames: &[Frame<'_>],
        link: LinkType,
        verdicts: &mut [Verdict],
        sink: &mut impl FlowSink,
    ) -> usize {
        let n = frames.len().min(verdicts.len());
        let frames = frames.get(..n).unwrap_or_default();
        let verdicts = verdicts.get_mut(..n).unwrap_or_default();
        for (frames, verdicts) in frames.chunks(BURST_MAX).zip(verdicts.chunks_mut(BURST_MAX)) {
            if self.guard.is_on() && link == LinkType::Ethernet {
                self.guard_burst(frames, link, verdicts, sink);
            } else {
                self.chunk(frames, link, verdicts, sink);
            }
        }
        n
    }

    /// Up to [`BURST_MAX`] frames: decode and hash all, prefetch their index
    /// words, then track each frame in order with its entry prefetched a few
    /// frames ahead.
    fn run_burst(
        &mut self,
        frames: &[Frame<'_>],
        link: LinkType,
        verdicts: &mut [Verdict],
        sink: &mut impl FlowSink,
    ) {
        let staged: [Staged<'_>; BURST_MAX] = std::array::from_fn(|i| {
            // Places past the burst stay unused.
            let Some(frame) = frames.get(i) else {
                return Staged::NotIp;
            };
            let staged = self.stage(frame.bytes, link);
            if let Staged::Datagram(datagram) = &staged {
                self.flows.prefetch_index(&datagram.key);
            }
            staged
        });
        let staged = staged.get(..frames.len()).unwrap_or_default();

        // The index words have had the decoding of the burst to arrive; the
        // entries are asked for a few frames ahead of their tracking.
        for s in staged.iter().take(ENTRY_PREFETCH_AHEAD) {
            self.prefetch_entry(s);
        }
        for (i, ((frame, s), verdict)) in frames.iter().zip(staged).zip(verdicts).enumerate() {
            if let Some(ahead) = staged.get(i + ENTRY_PREFETCH_AHEAD) {
                self.prefetch_entry(ahead);
            }
            *verdict = self.run(frame.bytes, s, frame.now, sink);
        }
    }

    /// Starts loading the flow entry a staged datagram will look up.
    #[inline]
    fn prefetch_entry(&self, staged: &Staged<'_>) {
        if let Staged::Datagram(datagram) = staged {
            self.flows.prefetch_entry(&datagram.key);
        }
    }

    /// Decodes a frame and hashes its flow key: nothing here reads or
    /// changes the pipeline's state, so a burst can be staged ahead.
    fn stage<'a>(&self, frame: &'a [u8], link: LinkType) -> Staged<'a> {
        // The common frame goes straight to flow tracking, no summary.
        if link == LinkType::Ethernet {
            if let Some(seg) = decode::tcp_segment(frame, &self.cfg.decode) {
                return Staged::Datagram(self.tcp_datagram(&seg));
            }
        }
        let mut decoded = Decoded::empty(frame);
        match decode_link_into(frame, link, &self.cfg.decode, &mut decoded) {
            Ok(true) => {}
            Ok(false) => return Staged::NotIp,
            Err(e) => return Staged::Malformed(e),
        }
        match decoded.ip {
            None => Staged::NotIp,
            Some(ip) if ip.fragment.is_some() => Staged::Fragment {
                v4: ip.src.is_ipv4(),
                frag: Fragment::from_decoded(&decoded),
            },
            Some(ip) => Staged::Datagram(self.datagram(&ip, &decoded)),
        }
    }

    /// The flow key and transport fields of a whole datagram.
    /// The datagram of a frame that took the decoder's fast path.
    fn tcp_datagram<'a>(&self, seg: &decode::TcpSegment<'a>) -> Datagram<'a> {
        let t = &seg.tcp;
        let tuple = FlowTuple {
            proto: IpProtocol::TCP.0,
            src: Ipv4Addr::from(seg.src).into(),
            src_port: t.src_port,
            dst: Ipv4Addr::from(seg.dst).into(),
            dst_port: t.dst_port,
        };
        Datagram {
            key: self.flows.hash(&tuple),
            v4: true,
            l4: tcp_l4(t, seg.payload),
        }
    }

    fn datagram<'a>(&self, ip: &IpHeader, d: &Decoded<'a>) -> Datagram<'a> {
        let (src_port, dst_port) = d.ports().unwrap_or((0, 0));
        let tuple = FlowTuple {
            proto: ip.protocol.0,
            src: ip.src.into(),
            src_port,
            dst: ip.dst.into(),
            dst_port,
        };
        let l4 = match d.transport {
            Transport::Tcp(t) => tcp_l4(&t, d.payload_bytes()),
            Transport::Udp(_) => L4::Udp,
            Transport::Icmp(_) | Transport::Icmpv6(_) => L4::Icmp,
            Transport::None => L4::Other,
        };
        Datagram {
            key: self.flows.hash(&tuple),
            v4: ip.src.is_ipv4(),
            l4,
        }
    }

    /// Counts a staged frame and runs it through fragment reassembly or flow
    /// tracking.
    fn run(
        &mut self,
        frame: &[u8],
        staged: &Staged<'_>,
        now: u64,
        sink: &mut impl FlowSink,
    ) -> Verdict {
        let len = frame.len();
        self.counters.packets += 1;
        self.counters.bytes += len as u64;
        match staged {
            Staged::Malformed(e) => return self.malformed(*e),
            Staged::NotIp => self.counters.non_ip += 1,
            Staged::Fragment { v4, frag } => {
                self.counters.count_l3(*v4);
                return self.fragment(frag.as_ref(), frame, now, sink);
            }
            Staged::Datagram(datagram) => {
                self.counters.count_l3(datagram.v4);
                return self.transport(datagram, frame, now, sink);
            }
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
    /// Reassembles fragments; the fragment that completes a datagram gets
    /// the datagram's verdict.
    fn fragment(
        &mut self,
        frag: Option<&Fragment<'_>>,
        frame: &[u8],
        now: u64,
        sink: &mut impl FlowSink,
    ) -> Verdict {
        self.counters.fragments += 1;
        let Some(frag) = frag else {
            return Verdict::Pass;
        };
        let FragOutcome::Complete(datagram) = self.frags.push(frag, now) else {
            return Verdict::Pass;
        };
        let mut verdict = Verdict::Pass;
        let mut buf = std::mem::take(&mut self.datagram);
        buf.clear();
        buf.extend_from_slice(datagram);
        match decode_ip(&buf, &self.cfg.decode) {
            Ok(whole) => {
                if let Some(ip) = whole.ip {
                    let datagram = self.datagram(&ip, &whole);
                    verdict = self.transport_of(&datagram, buf.len(), frame, now, sink);
                }
            }
            Err(e) => self.counters.malformed[e.index()] += 1,
        }
        self.datagram = buf;
        verdict
    }

    /// Flow lookup and per-protocol tracking of the datagram of a whole
    /// frame.
    fn transport(
        &mut self,
        datagram: &Datagram<'_>,
        frame: &[u8],
        now: u64,
        sink: &mut impl FlowSink,
    ) -> Verdict {
        self.transport_of(datagram, frame.len(), frame, now, sink)
    }

    /// Flow lookup and per-protocol tracking of a whole datagram;
    /// `wire_len` is what the packet counts for in the flow's byte totals,
    /// `frame` the frame that carried it (or its last fragment).
    fn transport_of(
        &mut self,
        datagram: &Datagram<'_>,
        wire_len: usize,
        frame: &[u8],
        now: u64,
        sink: &mut impl FlowSink,
    ) -> Verdict {
        let first_dir = match &datagram.l4 {
            L4::Tcp(seg) => initial_direction(seg.flags),
            _ => Direction::ToResponder,
        };
        let Some(found) = self.find_or_insert(&datagram.key, first_dir, now, sink) else {
            // Untracked flows pass; flows the guards refused do not.
            if std::mem::take(&mut self.refused) {
                return Verdict::Drop;
            }
            return Verdict::Pass;
        };
        let Some(flow) = self.flows.get_mut(found.slot) else {
            return Verdict::Pass;
        };
        let i = found.dir.index();
        flow.data.packets[i] += 1;
        flow.data.bytes[i] += wire_len as u64;
        self.counters.count_l4(&datagram.l4);
        if flow.data.bypass {
            return Verdict::Pass;
        }
        let from_client = found.dir == Direction::ToResponder;
        let reopened = flow.data.blocked && from_client && opens_connection(&datagram.l4);
        if reopened {
            // A new connection on the four-tuple of a blocked one (a client
            // port used again): the block ended with the old connection.
            flow.data.blocked = false;
            self.enforcer.closed(found.id);
        }
        if flow.data.blocked {
            self.counters.blocked += 1;
            self.enforcer.blocked_packet(found.id, frame, from_client);
            return Verdict::Drop;
        }
        sink.packet(found.id, now);
        let L4::Tcp(seg) = &datagram.l4 else {
            return self.judge(&found, frame, sink);
        };
        flow.data.flags[i] |= seg.flags.0;

        let mut cx = TcpContext::new(&self.cfg.tcp, &mut self.budget, &mut self.tcp_counters);
        let mut adapter = Adapter {
            sink,
            flow: found.id,
        };
        if reopened {
            flow.data.tcp.reopen(&mut cx, &mut adapter);
        }
        let outcome = flow.data.tcp.segment(found.dir, seg, &mut cx, &mut adapter);
        if outcome.changed() {
            self.flows
                .set_class(found.slot, outcome.state.timeout_class());
        }
        self.judge(&found, frame, sink)
    }

    /// Asks the sink for the verdict on the packet just delivered; a drop
    /// blocks the rest of the flow and is carried out as the sink's
    /// decision asks.
    fn judge(&mut self, found: &Found, frame: &[u8], sink: &mut impl FlowSink) -> Verdict {
        let verdict = sink.verdict(found.id);
        if verdict == Verdict::Drop {
            if let Some(flow) = self.flows.get_mut(found.slot) {
                flow.data.blocked = true;
            }
            self.counters.blocked += 1;
            self.counters.flows_blocked += 1;
            let from_client = found.dir == Direction::ToResponder;
            let decision = sink.decision(found.id);
            self.enforcer.block(found.id, frame, from_client, decision);
            // Reset, answered or dropped, the connection is over: its flow
            // ends after the closing timeout, not the established one.
            if !self.enforcer.tarpitted(found.id) {
                self.flows.set_class(found.slot, TimeoutClass::TcpClosing);
            }
        }
        verdict
    }

    fn find_or_insert(
        &mut self,
        key: &HashedKey,
        dir: Direction,
        now: u64,
        sink: &mut impl FlowSink,
    ) -> Option<Found> {
        if let Some(found) = self.flows.lookup_hashed(key, now) {
            return Some(found);
        }
        let initiator_side = if dir == Direction::ToResponder {
            key.side()
        } else {
            other(key.side())
        };
        if self.guard.is_on() && !self.guard_new_flow(key, initiator_side, now) {
            self.refused = true;
            return None;
        }
        let bypass = match self.overload {
            Some(crate::overload::Policy::FailClosed) => {
                self.counters.overload_refused += 1;
                self.refused = true;
                return None;
            }
            Some(crate::overload::Policy::FailOpen) => {
                self.counters.overload_bypassed_flows += 1;
                true
            }
            None => false,
        };
        let state = FlowState {
            initiator_low: initiator_side == Side::Low,
            bypass,
            ..FlowState::default()
        };
        match self.flows.insert_hashed(key, now, dir, state) {
            Ok(inserted) => {
                if let Some(evicted) = inserted.evicted {
                    self.close_flow(evicted, FlowEnd::Evicted, sink);
                }
                let ends = Endpoints::of(key.key(), initiator_side == Side::Low);
                sink.opened(inserted.found.id, &ends, now);
                Some(inserted.found)
            }
            Err(_) => {
                self.counters.untracked += 1;
                None
            }
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
        while !self.finish_some(sink, usize::MAX) {}
    }

    /// Ends up to `max` flows as [`Pipeline::finish`] does; true when none
    /// is left. Lets the I/O loop drain the records between steps, so that
    /// ending many flows at once loses none.
    pub fn finish_some(&mut self, sink: &mut impl FlowSink, max: usize) -> bool {
        for _ in 0..max {
            let Some(removed) = self.flows.expire_next(u64::MAX) else {
                return true;
            };
            self.close_flow(removed, FlowEnd::Shutdown, sink);
        }
        self.flows.is_empty()
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
        self.enforcer.closed(removed.id);
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

    /// Frames dropped so far, by cause (cheap: read per burst).
    pub fn drops(&self) -> Drops {
        Drops {
            malformed: self.counters.malformed_dropped,
            blocked: self.counters.blocked,
            guarded: self.guard.dropped(),
            overload: self.counters.overload_refused,
        }
    }

    /// The verdict name a blocking hit stands for, and whether it is
    /// carried out (inline) or only reported (tap).
    pub fn verdict_of(&self, hit: &crate::engine::Hit) -> Option<(&'static str, bool)> {
        self.enforcer.verdict_of(hit)
    }

    /// Frames crafted by verdicts, for the I/O loop to send and clear.
    pub fn outbox(&mut self) -> &mut Outbox {
        self.enforcer.outbox()
    }

    /// A copy of every counter, for export.
    pub fn stats(&self) -> PipelineStats {
        let mut stats = PipelineStats::new(
            &self.counters,
            self.flows.counters(),
            &self.tcp_counters,
            self.frags.counters(),
            &self.budget,
        );
        stats.enforcement = self.enforcer.stats();
        stats.guard = self.guard.stats();
        stats
    }
}

/// The decoder's 9-bit flags (with NS) as the tracker's 8-bit flags.
/// What TCP tracking needs of a segment.
fn tcp_l4<'a>(t: &TcpInfo, payload: &'a [u8]) -> L4<'a> {
    L4::Tcp(Segment {
        seq: SeqNum(t.seq),
        ack: SeqNum(t.ack),
        flags: tcp_flags(t.flags),
        window: t.window,
        wscale: t.options.window_scale(),
        payload,
    })
}

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

/// A TCP SYN without ACK: what opens a connection.
fn opens_connection(l4: &L4<'_>) -> bool {
    match l4 {
        L4::Tcp(seg) => {
            seg.flags.contains(crate::tcp::TcpFlags::SYN)
                && !seg.flags.contains(crate::tcp::TcpFlags::ACK)
        }
        _ => false,
    }
}
