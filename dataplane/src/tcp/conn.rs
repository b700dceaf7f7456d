//! Connection tracking: the handshake, FINs each way, RST acceptance and the
//! receive window, around the two reassembled streams.
//!
//! The worker keeps one [`TcpConnection`] in each TCP flow's entry and calls
//! [`TcpConnection::segment`] with the packet's [`Direction`] from the flow
//! table. A connection first seen mid-stream is tracked from its first
//! segment's sequence number and marked `midstream`. RSTs are accepted only
//! within the receiver's window (in the spirit of RFC 5961); rejected ones are
//! counted and change nothing. An accepted RST discards buffered data, but
//! data that still follows is reassembled: a receiver that only honours a RST
//! at exactly its next expected number may have ignored it, and skipping the
//! data would let an attacker hide a payload behind a decoy RST. All sequence
//! comparisons wrap (RFC 1982).

use super::budget::Budget;
use super::config::TcpContext;
use super::delivery::{Delivery, SegmentClass, StreamSink};
use super::peer::{Peer, Scaling};
use super::seq::SeqNum;
use super::state::{Outcome, Rejected, Segment, TcpState};
use super::stream::TcpStream;
use crate::flow::Direction;

/// Window scale assumed for RST checks when the handshake was not seen.
const RST_UNKNOWN_SHIFT: u8 = 7;
/// Window scale assumed for data checks when the handshake was not seen.
const DATA_UNKNOWN_SHIFT: u8 = 14;
/// Data within this many bytes past the receiver's ACK is always accepted.
const MIN_DATA_WINDOW: u32 = 65_535;

const FORWARD: Direction = Direction::ToResponder;
const BACKWARD: Direction = Direction::ToInitiator;

/// Tracking and reassembly state of one TCP connection.
#[derive(Debug)]
pub struct TcpConnection {
    /// Per sender, indexed by [`Direction::index`].
    peers: [Peer; 2],
    /// Per direction of data, indexed by [`Direction::index`].
    streams: [TcpStream; 2],
    state: TcpState,
    midstream: bool,
}

impl Default for TcpConnection {
    fn default() -> Self {
        Self::new()
    }
}

impl TcpConnection {
    /// A connection that has seen nothing yet.
    pub const fn new() -> Self {
        Self {
            peers: [Peer::EMPTY; 2],
            streams: [TcpStream::new(FORWARD), TcpStream::new(BACKWARD)],
            state: TcpState::New,
            midstream: false,
        }
    }

    /// Current state.
    pub fn state(&self) -> TcpState {
        self.state
    }

    /// Picked up without seeing the handshake.
    pub fn is_midstream(&self) -> bool {
        self.midstream
    }

    /// Reassembly has been given up for this connection.
    pub fn is_bypassed(&self) -> bool {
        self.streams.iter().any(TcpStream::is_bypassed)
    }

    /// The stream of data sent in direction `dir`.
    pub fn stream(&self, dir: Direction) -> &TcpStream {
        &self.streams[dir.index()]
    }

    /// Processes one segment sent in direction `dir`.
    pub fn segment(
        &mut self,
        dir: Direction,
        seg: &Segment<'_>,
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> Outcome {
        cx.counters.segments += 1;
        let previous = self.state;
        let (delivery, rejected) = if seg.flags.rst() {
            (Delivery::of(SegmentClass::Empty), self.on_rst(dir, seg, cx))
        } else if seg.flags.syn() && !self.on_syn(dir, seg, cx, sink) {
            cx.counters.invalid_syn += 1;
            (Delivery::of(SegmentClass::Empty), Some(Rejected::Syn))
        } else {
            (self.track(dir, seg, cx, sink), None)
        };
        self.on_state_change(previous, cx, sink);
        Outcome {
            delivery,
            previous,
            state: self.state,
            rejected,
        }
    }

    /// Stops reassembly of both directions (for example after a verdict)
    /// and frees their buffers. State tracking goes on.
    pub fn bypass(&mut self, budget: &mut Budget) {
        for stream in &mut self.streams {
            stream.bypass(budget);
        }
    }

    /// The flow ends (expiry, eviction): delivers what is held, skipping
    /// holes, and frees the buffers.
    pub fn finish(&mut self, cx: &mut TcpContext<'_>, sink: &mut impl StreamSink) {
        for stream in &mut self.streams {
            stream.finish(cx, sink);
        }
    }

    /// Frees the buffers without delivering (the flow is dropped).
    pub fn release(&mut self, budget: &mut Budget) {
        for stream in &mut self.streams {
            stream.release(budget);
        }
    }

    /// Everything but RST and rejected SYNs: ACK, data, FIN.
    fn track(
        &mut self,
        dir: Direction,
        seg: &Segment<'_>,
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> Delivery {
        if self.state == TcpState::New {
            self.pick_up(dir, seg, cx);
        }
        self.peers[dir.index()].on_window(seg.window, seg.flags.syn());
        if seg.flags.ack() {
            self.on_ack(dir, seg.ack, cx, sink);
        }

        let data_seq = seg.seq.add(u32::from(seg.flags.syn()));
        let delivery = self.on_data(dir, data_seq, seg.payload, cx, sink);
        // Payloads past 4 GiB cannot come from one packet; wrapping is fine.
        let end = data_seq.add(seg.payload.len() as u32);
        self.peers[dir.index()].note_sent(end);
        if seg.flags.fin() {
            self.peers[dir.index()].on_fin(end);
        }
        self.advance_state(seg, cx);
        delivery
    }

    /// First segment without SYN: track from here on.
    fn pick_up(&mut self, dir: Direction, seg: &Segment<'_>, cx: &mut TcpContext<'_>) {
        self.state = TcpState::Established;
        self.midstream = true;
        cx.counters.midstream += 1;
        self.streams[dir.index()].start(seg.seq);
        if seg.flags.ack() {
            self.streams[dir.reverse().index()].start(seg.ack);
            self.peers[dir.reverse().index()].note_sent(seg.ack);
        }
    }

    /// Handles the SYN of a segment; false when it fits no handshake step.
    fn on_syn(
        &mut self,
        dir: Direction,
        seg: &Segment<'_>,
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> bool {
        let is_retransmit = self.peers[dir.index()].isn() == Some(seg.seq);
        let acks_syn = self.peers[FORWARD.index()].isn().map(|isn| isn.add(1)) == Some(seg.ack);
        match (self.state, dir, seg.flags.ack()) {
            (TcpState::New, Direction::ToResponder, false) => self.open(seg),
            (TcpState::New, Direction::ToInitiator, true) => {
                self.streams[FORWARD.index()].start(seg.ack);
                self.peers[FORWARD.index()].note_sent(seg.ack);
                self.answer(seg);
            }
            (TcpState::SynSent, Direction::ToResponder, false) if !is_retransmit => {
                self.restart(cx, sink);
                self.open(seg);
            }
            (TcpState::SynSent, Direction::ToInitiator, true) if acks_syn => self.answer(seg),
            (TcpState::SynSent, Direction::ToInitiator, false) => self.answer(seg),
            (TcpState::Closed | TcpState::Reset, Direction::ToResponder, false) => {
                self.restart(cx, sink);
                self.open(seg);
            }
            _ => return is_retransmit,
        }
        true
    }

    /// The initiator's SYN.
    fn open(&mut self, seg: &Segment<'_>) {
        self.peers[FORWARD.index()].on_syn(seg.seq, seg.wscale);
        self.streams[FORWARD.index()].start(seg.seq.add(1));
        self.state = TcpState::SynSent;
    }

    /// The responder's SYN-ACK (or SYN, in a simultaneous open).
    fn answer(&mut self, seg: &Segment<'_>) {
        self.peers[BACKWARD.index()].on_syn(seg.seq, seg.wscale);
        self.streams[BACKWARD.index()].start(seg.seq.add(1));
        self.state = TcpState::SynReceived;
    }

    /// Forgets the connection for a new one on the same tuple, whatever its
    /// state: after a verdict stopped the old one, neither end can go on
    /// with it.
    pub fn reopen(&mut self, cx: &mut TcpContext<'_>, sink: &mut impl StreamSink) {
        self.restart(cx, sink);
    }

    /// Forgets everything: a new SYN reuses the tuple.
    fn restart(&mut self, cx: &mut TcpContext<'_>, sink: &mut impl StreamSink) {
        self.release(cx.budget);
        *self = Self::new();
        cx.counters.reopened += 1;
        sink.restart();
    }

    fn on_ack(
        &mut self,
        dir: Direction,
        ack: SeqNum,
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) {
        let other = dir.reverse().index();
        self.peers[dir.index()].on_ack(ack);
        self.peers[other].check_fin_acked(ack);
        self.streams[other].acked(ack, cx, sink);
    }

    fn on_data(
        &mut self,
        dir: Direction,
        seq: SeqNum,
        payload: &[u8],
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> Delivery {
        if payload.is_empty() {
            return Delivery::of(SegmentClass::Empty);
        }
        self.streams[dir.index()].start(seq);
        if !self.in_receive_window(dir, seq) {
            cx.counters.out_of_window += 1;
            return Delivery::of(SegmentClass::OutOfWindow);
        }
        let delivery = self.streams[dir.index()].segment(seq, payload, cx, sink);
        if delivery.class == SegmentClass::Bypassed {
            self.bypass(cx.budget);
        }
        delivery
    }

    /// Data must not start past the receiver's acknowledged point plus its
    /// advertised window (with a floor, since windows move while in flight).
    fn in_receive_window(&self, dir: Direction, seq: SeqNum) -> bool {
        let receiver = &self.peers[dir.reverse().index()];
        let (Some(ack), Some(window)) = (
            receiver.ack(),
            receiver.window(self.scaling(), DATA_UNKNOWN_SHIFT),
        ) else {
            return true;
        };
        i64::from(seq.since(ack)) <= i64::from(window.max(MIN_DATA_WINDOW))
    }

    /// Accepts or rejects a RST; returns the rejection.
    fn on_rst(
        &mut self,
        dir: Direction,
        seg: &Segment<'_>,
        cx: &mut TcpContext<'_>,
    ) -> Option<Rejected> {
        if !self.rst_acceptable(dir, seg) {
            cx.counters.rst_rejected += 1;
            return Some(Rejected::Rst);
        }
        cx.counters.rst_accepted += 1;
        self.state = TcpState::Reset;
        None
    }

    fn rst_acceptable(&self, dir: Direction, seg: &Segment<'_>) -> bool {
        let sender = &self.peers[dir.index()];
        let receiver = &self.peers[dir.reverse().index()];
        match (self.state, dir) {
            (TcpState::New | TcpState::Reset, _) => return true,
            (TcpState::SynSent, Direction::ToInitiator) => {
                return seg.flags.ack() && receiver.isn().map(|isn| isn.add(1)) == Some(seg.ack);
            }
            _ => {}
        }
        if sender.next() == Some(seg.seq) {
            return true;
        }
        let Some(left) = receiver.ack().or(sender.next()) else {
            return true;
        };
        let window = receiver
            .window(self.scaling(), RST_UNKNOWN_SHIFT)
            .unwrap_or(0)
            .max(1);
        let offset = seg.seq.since(left);
        offset >= 0 && offset.unsigned_abs() < window
    }

    fn scaling(&self) -> Scaling {
        Peer::scaling(&self.peers[FORWARD.index()], &self.peers[BACKWARD.index()])
    }

    /// Handshake completion and FIN progress after a segment.
    fn advance_state(&mut self, seg: &Segment<'_>, cx: &mut TcpContext<'_>) {
        if self.state == TcpState::SynReceived && seg.flags.ack() && !seg.flags.syn() {
            self.state = TcpState::Established;
            cx.counters.established += 1;
        }
        if !matches!(
            self.state,
            TcpState::Established | TcpState::FinWait | TcpState::Closing
        ) {
            return;
        }
        let [a, b] = &self.peers;
        self.state = match (a.fin_seen(), b.fin_seen()) {
            (true, true) if a.fin_acked() && b.fin_acked() => TcpState::Closed,
            (true, true) => TcpState::Closing,
            (true, false) | (false, true) => TcpState::FinWait,
            (false, false) => self.state,
        };
    }

    /// Frees buffers when the connection ends: a clean close delivers what
    /// is held; a reset discards it, as the receiver does.
    fn on_state_change(
        &mut self,
        previous: TcpState,
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) {
        if previous == self.state {
            return;
        }
        match self.state {
            TcpState::Closed => self.finish(cx, sink),
            TcpState::Reset => self.release(cx.budget),
            _ => {}
        }
    }
}
