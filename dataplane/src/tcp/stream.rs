//! Reassembly of one direction of a TCP connection into an in-order byte
//! stream.
//!
//! The connection tracker ([`super::TcpConnection`]) feeds each direction's
//! payloads and the peer's acknowledgments here; the bytes come out, in
//! stream order, through the caller's [`StreamSink`], tagged with their
//! stream offset (bytes since the first byte tracked). An in-order segment
//! with nothing buffered goes straight from the packet to the sink without a
//! copy. Other segments land in the out-of-order buffer ([`Held`]) and come
//! out when the hole before them fills, when the peer acknowledges past the
//! hole, when the buffer would pass its cap, or when the flow ends; a hole
//! given up on is reported as a [`Gap`].
//!
//! Each call reports which bytes of *this* segment became deliverable
//! ([`Delivery::fresh`]), so an inline pipeline can inspect them before it
//! forwards the packet that carries them.

use std::ops::Range;

use super::budget::Budget;
use super::config::{CapAction, TcpContext};
use super::delivery::{Delivery, Gap, SegmentClass, StreamSink};
use super::held::Held;
use super::policy::Origin;
use super::seq::SeqNum;
use crate::flow::Direction;

/// Payload bytes considered per segment; more cannot come from one IP packet
/// (even with receive offloads), so the rest of an absurd slice is ignored.
const MAX_SEGMENT: usize = 1 << 24;

/// One direction's reassembly state.
#[derive(Debug)]
pub struct TcpStream {
    /// Sequence number of the next byte to deliver.
    base_seq: SeqNum,
    /// Stream offset of that byte.
    base: u64,
    /// End of the furthest data seen (stream offset).
    max_end: u64,
    held: Option<Box<Held>>,
    dir: Direction,
    started: bool,
    bypassed: bool,
}

impl TcpStream {
    /// An idle stream for the data sent in direction `dir`.
    pub const fn new(dir: Direction) -> Self {
        Self {
            base_seq: SeqNum(0),
            base: 0,
            max_end: 0,
            held: None,
            dir,
            started: false,
            bypassed: false,
        }
    }

    /// Sets the sequence number of stream offset 0, once.
    pub fn start(&mut self, first: SeqNum) {
        if !self.started {
            self.base_seq = first;
            self.started = true;
        }
    }

    /// Whether the first sequence number is known.
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// Whether reassembly has been given up for this direction.
    pub fn is_bypassed(&self) -> bool {
        self.bypassed
    }

    /// Stream offset of the next byte to deliver.
    pub fn offset(&self) -> u64 {
        self.base
    }

    /// Sequence number of the next byte to deliver.
    pub fn next_seq(&self) -> SeqNum {
        self.base_seq
    }

    /// Bytes received past the delivery point and waiting for a hole to fill.
    pub fn pending(&self) -> u64 {
        self.max_end.saturating_sub(self.base)
    }

    /// Feeds one segment's payload starting at `seq`.
    pub fn segment(
        &mut self,
        seq: SeqNum,
        payload: &[u8],
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> Delivery {
        if self.bypassed {
            return Delivery::of(SegmentClass::Bypassed);
        }
        let payload = payload.get(..MAX_SEGMENT).unwrap_or(payload);
        if payload.is_empty() {
            return Delivery::of(SegmentClass::Empty);
        }
        self.start(seq);

        // Stream offsets of the payload; `start` is negative for bytes from
        // before the first byte tracked.
        let start = i128::from(self.base) + i128::from(seq.since(self.base_seq));
        let end = u64::try_from(start + payload.len() as i128).unwrap_or(0);
        if end <= self.base {
            return count(Delivery::of(SegmentClass::Retransmit), cx);
        }
        self.max_end = self.max_end.max(end);

        // Making room may move the delivery point into or past the segment.
        let from = u64::try_from(start).unwrap_or(0).max(self.base);
        let Some(flushed) = self.make_room(from, end, cx, sink) else {
            self.switch_to_bypass(cx);
            return Delivery::of(SegmentClass::Bypassed);
        };
        let mut delivery = self.place(start, end, payload, cx, sink);
        delivery.delivered += flushed;
        count(delivery, cx)
    }

    /// Delivers or buffers the part of the payload (at stream offset
    /// `start`) that lies past the delivery point.
    fn place(
        &mut self,
        start: i128,
        end: u64,
        payload: &[u8],
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> Delivery {
        let skip = usize::try_from(i128::from(self.base) - start).unwrap_or(0);
        let data = match payload.get(skip..) {
            Some(rest) if !rest.is_empty() => rest,
            _ => return Delivery::of(SegmentClass::Retransmit),
        };
        let from = end - data.len() as u64;
        let before = self.base;
        let mut delivery = if from == self.base && self.clear_before(end) {
            self.deliver_direct(data, skip > 0, cx, sink)
        } else {
            self.buffer(from, end, data, skip > 0, cx, sink)
        };
        delivery.fresh = fresh_range(start, before, self.base, payload.len());
        delivery
    }

    /// The peer acknowledged up to `ack`: holes before it (up to the data
    /// seen) will never fill, so they become gaps. Returns bytes delivered.
    pub fn acked(
        &mut self,
        ack: SeqNum,
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> u64 {
        let ahead = ack.since(self.base_seq);
        if !self.started || self.bypassed || ahead <= 0 {
            return 0;
        }
        let limit = self
            .base
            .saturating_add(ahead.unsigned_abs().into())
            .min(self.max_end);
        self.flush_until(limit, cx, sink)
    }

    /// The flow ends: delivers everything held, skipping holes. Returns bytes
    /// delivered and releases the buffer.
    pub fn finish(&mut self, cx: &mut TcpContext<'_>, sink: &mut impl StreamSink) -> u64 {
        let mut delivered = 0;
        while let Some(first) = self.held.as_ref().and_then(|h| h.first_start()) {
            self.skip_to(first, cx, sink);
            delivered += self.pop_ready(cx, sink);
        }
        self.release(cx.budget);
        delivered
    }

    /// Drops buffered data without delivering it and returns its memory.
    pub fn release(&mut self, budget: &mut Budget) {
        if let Some(mut held) = self.held.take() {
            held.release(budget);
        }
    }

    /// Stops reassembly of this direction for good and frees its buffer.
    pub fn bypass(&mut self, budget: &mut Budget) {
        self.bypassed = true;
        self.release(budget);
    }

    fn switch_to_bypass(&mut self, cx: &mut TcpContext<'_>) {
        cx.counters.bypassed += 1;
        self.bypass(cx.budget);
    }

    /// Shows the sink the held run around `from` when it still waits behind
    /// a hole, so inline inspection sees every byte before its packet is
    /// forwarded, not only once the hole fills.
    fn show_ahead(&mut self, from: u64, sink: &mut impl StreamSink) {
        let (dir, base) = (self.dir, self.base);
        if let Some((start, bytes)) = self.held.as_mut().and_then(|h| h.contiguous_at(base, from)) {
            sink.ahead(dir, start, bytes);
        }
    }

    /// No held data starts before `end`.
    fn clear_before(&self, end: u64) -> bool {
        let first = self.held.as_ref().and_then(|h| h.first_start());
        !matches!(first, Some(start) if start < end)
    }

    /// Fast path: hands the payload to the sink directly.
    fn deliver_direct(
        &mut self,
        data: &[u8],
        clipped: bool,
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> Delivery {
        sink.data(self.dir, self.base, data);
        let len = data.len() as u64;
        if let Some(held) = self.held.as_mut() {
            held.advance(len);
        }
        self.move_base(len, cx);
        let more = self.pop_ready(cx, sink);
        let class = if clipped {
            SegmentClass::Overlap
        } else {
            SegmentClass::InOrder
        };
        Delivery {
            delivered: len + more,
            ..Delivery::of(class)
        }
    }

    /// Slow path: stores the segment in the out-of-order buffer, then
    /// delivers whatever became contiguous.
    fn buffer(
        &mut self,
        from: u64,
        end: u64,
        data: &[u8],
        clipped: bool,
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> Delivery {
        let (base, cap, policy) = (self.base, cx.config.stream_cap, cx.config.overlap);
        let held = self.held.get_or_insert_with(Box::default);
        if !held.reserve(base, end, cap, cx.budget) {
            self.switch_to_bypass(cx);
            return Delivery::of(SegmentClass::Bypassed);
        }
        let found = held.insert(base, Origin { start: from, end }, data, policy);
        if !held.settle(cx.budget) {
            self.switch_to_bypass(cx);
            return Delivery::of(SegmentClass::Bypassed);
        }

        let delivered = self.pop_ready(cx, sink);
        self.show_ahead(from, sink);
        let class = match (found.new_bytes, found.overlap || clipped) {
            (0, _) if !found.conflict => SegmentClass::Retransmit,
            (_, true) | (0, false) => SegmentClass::Overlap,
            _ if from == base => SegmentClass::InOrder,
            _ => SegmentClass::OutOfOrder,
        };
        Delivery {
            delivered,
            conflict: found.conflict,
            ..Delivery::of(class)
        }
    }

    /// Keeps out-of-order data within the cap and the run limit by giving up
    /// the oldest holes; returns the bytes that delivered, or `None` when the
    /// policy is to bypass instead.
    fn make_room(
        &mut self,
        from: u64,
        end: u64,
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> Option<u64> {
        let mut delivered = 0;
        loop {
            let runs = self.held.as_ref().map_or(0, |h| h.run_count());
            let too_far = end.saturating_sub(self.base) > cx.config.stream_cap as u64;
            let too_many = runs >= cx.config.max_runs;
            if from <= self.base || (!too_far && !too_many) {
                return Some(delivered);
            }
            if cx.config.on_cap == CapAction::Bypass {
                return None;
            }
            let first = self.held.as_ref().and_then(|h| h.first_start());
            self.skip_to(first.map_or(from, |s| s.min(from)), cx, sink);
            delivered += self.pop_ready(cx, sink);
        }
    }

    /// Delivers held data and skips holes until the delivery point reaches
    /// `limit`. Returns bytes delivered.
    fn flush_until(
        &mut self,
        limit: u64,
        cx: &mut TcpContext<'_>,
        sink: &mut impl StreamSink,
    ) -> u64 {
        let mut delivered = 0;
        while self.base < limit {
            let first = self.held.as_ref().and_then(|h| h.first_start());
            self.skip_to(first.unwrap_or(limit).min(limit), cx, sink);
            delivered += self.pop_ready(cx, sink);
        }
        delivered
    }

    /// Gives up the bytes up to `target` as a gap.
    fn skip_to(&mut self, target: u64, cx: &mut TcpContext<'_>, sink: &mut impl StreamSink) {
        let Some(len) = target.checked_sub(self.base).filter(|&n| n > 0) else {
            return;
        };
        sink.gap(
            self.dir,
            Gap {
                offset: self.base,
                len,
            },
        );
        cx.counters.gaps += 1;
        cx.counters.gap_bytes += len;
        if let Some(held) = self.held.as_mut() {
            held.advance(len);
        }
        self.shift(len);
    }

    /// Delivers held data that starts at the delivery point; frees the
    /// buffer once empty.
    fn pop_ready(&mut self, cx: &mut TcpContext<'_>, sink: &mut impl StreamSink) -> u64 {
        let Some(held) = self.held.as_mut() else {
            return 0;
        };
        let (dir, mut offset) = (self.dir, self.base);
        let n = held.take_ready(self.base, |bytes| {
            sink.data(dir, offset, bytes);
            offset += bytes.len() as u64;
        });
        if held.is_empty() {
            self.release(cx.budget);
        }
        self.move_base(n, cx);
        n
    }

    /// Moves the delivery point past `n` delivered bytes.
    fn move_base(&mut self, n: u64, cx: &mut TcpContext<'_>) {
        self.shift(n);
        cx.counters.delivered_bytes += n;
    }

    fn shift(&mut self, n: u64) {
        self.base += n;
        // Sequence numbers are the offset modulo 2^32: truncation intended.
        self.base_seq = self.base_seq.add(n as u32);
    }
}

/// Adds a segment's class to the counters.
fn count(delivery: Delivery, cx: &mut TcpContext<'_>) -> Delivery {
    let c = &mut *cx.counters;
    match delivery.class {
        SegmentClass::InOrder => c.in_order += 1,
        SegmentClass::OutOfOrder => c.out_of_order += 1,
        SegmentClass::Retransmit => c.retransmits += 1,
        SegmentClass::Overlap => c.overlaps += 1,
        _ => {}
    }
    if delivery.conflict {
        c.overlap_conflicts += 1;
    }
    delivery
}

/// Payload positions (`payload[i]` is at stream offset `start + i`) that lie
/// between the old and the new delivery point.
fn fresh_range(start: i128, before: u64, after: u64, len: usize) -> Range<usize> {
    let pos =
        |off: u64| usize::try_from((i128::from(off) - start).clamp(0, len as i128)).unwrap_or(0);
    pos(before)..pos(after)
}
