//! The pipeline's side of the L3/L4 guards and of verdicts: a burst goes
//! through the guards before decoding (what they drop never reaches the
//! decoder or the flow table), new flows ask the guards' per-source limit,
//! and the rest of a burst runs as [`Pipeline::process_burst`] would run it.

use super::{Frame, LinkType, Pipeline, Verdict, BURST_MAX};
use crate::flow::{HashedKey, Side};
use crate::pipeline::{Endpoints, FlowSink};

impl Pipeline {
    /// Up to [`BURST_MAX`] frames, staged or one by one.
    pub(super) fn chunk(
        &mut self,
        frames: &[Frame<'_>],
        link: LinkType,
        verdicts: &mut [Verdict],
        sink: &mut impl FlowSink,
    ) {
        if self.flows.len() >= self.cfg.staging_min_flows {
            self.run_burst(frames, link, verdicts, sink);
        } else {
            for (frame, verdict) in frames.iter().zip(verdicts) {
                let staged = self.stage(frame.bytes, link);
                *verdict = self.run(frame.bytes, &staged, frame.now, sink);
            }
        }
    }

    /// Up to [`BURST_MAX`] frames through the guards first: what they drop
    /// never reaches decoding or the flow table.
    pub(super) fn guard_burst(
        &mut self,
        frames: &[Frame<'_>],
        link: LinkType,
        verdicts: &mut [Verdict],
        sink: &mut impl FlowSink,
    ) {
        let mut kept = [Frame::default(); BURST_MAX];
        let mut at = [0usize; BURST_MAX];
        let mut n = 0;
        for ((i, frame), verdict) in frames.iter().enumerate().zip(verdicts.iter_mut()) {
            if self.guarded(frame.bytes, frame.now) {
                if let (Some(k), Some(a)) = (kept.get_mut(n), at.get_mut(n)) {
                    (*k, *a) = (*frame, i);
                    n += 1;
                }
            } else {
                *verdict = Verdict::Drop;
            }
        }
        if n == 0 {
            return;
        }
        let mut passed = [Verdict::Pass; BURST_MAX];
        let (kept, passed) = (&kept[..n], &mut passed[..n]);
        self.chunk(kept, link, passed, sink);
        for (v, i) in passed.iter().zip(&at[..n]) {
            if let Some(slot) = verdicts.get_mut(*i) {
                *slot = *v;
            }
        }
    }

    /// The guards on one frame: true when it passes; a dropped frame is
    /// counted as received.
    #[inline]
    pub(super) fn guarded(&mut self, frame: &[u8], now: u64) -> bool {
        if self.guard.check(frame, now, self.enforcer.outbox()) {
            return true;
        }
        self.counters.packets += 1;
        self.counters.bytes += frame.len() as u64;
        false
    }

    /// The guards' per-source limit on new flows, for the flow `key` whose
    /// initiator is on `side`.
    pub(super) fn guard_new_flow(&mut self, key: &HashedKey, side: Side, now: u64) -> bool {
        let client = Endpoints::of(key.key(), side == Side::Low).client.ip();
        let src = match client {
            std::net::IpAddr::V4(a) => crate::guard::mapped(u32::from(a)),
            std::net::IpAddr::V6(a) => u128::from(a),
        };
        self.guard.new_flow(src, now)
    }
}
