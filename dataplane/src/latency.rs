//! Per-packet processing time in the pipeline, as a histogram a worker
//! writes and the control link reads.
//!
//! The worker times each burst through the pipeline with the TSC and counts
//! the burst's packets in the bucket of the average time per packet (one
//! clock read per burst, not per packet). Buckets are powers of two of TSC
//! ticks; the reader turns them into seconds with the TSC frequency.

use crate::stats::Counter;

/// Bucket `i` holds packets of at most `2^(FIRST_SHIFT + i)` ticks; the
/// last one everything above.
pub const BUCKETS: usize = 16;
const FIRST_SHIFT: u32 = 6;

/// The histogram's counters (one writer core).
#[derive(Debug, Default)]
pub struct LatencyCounters {
    buckets: [Counter; BUCKETS],
    /// Packets observed, and their total ticks.
    count: Counter,
    ticks: Counter,
}

impl LatencyCounters {
    /// Counts `packets` that took `ticks` together.
    #[inline]
    pub fn observe(&self, ticks: u64, packets: u64) {
        if packets == 0 {
            return;
        }
        let each = ticks / packets;
        let bucket = (u64::BITS - each.leading_zeros()).saturating_sub(FIRST_SHIFT) as usize;
        self.buckets[bucket.min(BUCKETS - 1)].add(packets);
        self.count.add(packets);
        self.ticks.add(ticks);
    }

    /// A cumulative copy in seconds: (upper bounds, counts at or below each,
    /// total count, total seconds); `hz` is the TSC frequency.
    pub fn read(&self, hz: u64) -> (Vec<f64>, Vec<u64>, u64, f64) {
        let hz = hz.max(1) as f64;
        let mut bounds = Vec::with_capacity(BUCKETS - 1);
        let mut counts = Vec::with_capacity(BUCKETS - 1);
        let mut total = 0;
        for (i, b) in self.buckets.iter().take(BUCKETS - 1).enumerate() {
            total += b.get();
            bounds.push((1u64 << (FIRST_SHIFT + i as u32)) as f64 / hz);
            counts.push(total);
        }
        (
            bounds,
            counts,
            self.count.get(),
            self.ticks.get() as f64 / hz,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_land_in_the_bucket_of_their_average_time() {
        let h = LatencyCounters::default();
        h.observe(32 * 4, 4); // 32 ticks each: first bucket (<= 64)
        h.observe(100 * 2, 2); // 100 each: second bucket (<= 128)
        h.observe(u64::MAX, 1); // beyond the last bound
        let (bounds, counts, count, _) = h.read(1_000);
        assert_eq!(bounds[0], 0.064);
        assert_eq!(bounds[1], 0.128);
        assert_eq!(&counts[..3], &[4, 6, 6]);
        assert_eq!(counts.last(), Some(&6));
        assert_eq!(count, 7);
    }
}
