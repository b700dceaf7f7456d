//! The token bucket of one rate-limit key: `burst` tokens at most, refilled
//! at `requests / period`; a request takes one token or is over the limit.
//!
//! Tokens are kept in millionths so that slow rates (one request a day)
//! refill exactly; time is the caller's `now` in nanoseconds and may step
//! back a little between cores, which refills nothing.

use super::table::Touched;

/// Millionths of a token per token.
const SCALE: u128 = 1_000_000;
const NS_PER_SEC: u128 = 1_000_000_000;
/// Over-limit requests of one key are reported at most this often.
pub const REPORT_EVERY_NS: u64 = 1_000_000_000;

/// A bucket's rate: `requests` per `period_secs`, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub requests: u64,
    pub period_secs: u64,
    pub burst: u64,
}

impl Rate {
    /// Micro-tokens gained in `ns` nanoseconds.
    fn refill(self, ns: u64) -> u128 {
        u128::from(ns) * u128::from(self.requests) * SCALE
            / (u128::from(self.period_secs.max(1)) * NS_PER_SEC)
    }

    fn capacity(self) -> u128 {
        u128::from(self.burst.max(1)) * SCALE
    }

    /// Whole seconds until `missing` micro-tokens have been refilled.
    fn secs_for(self, missing: u128) -> u64 {
        let per_sec = u128::from(self.requests.max(1)) * SCALE;
        let secs = (missing * u128::from(self.period_secs.max(1))).div_ceil(per_sec);
        u64::try_from(secs).unwrap_or(u64::MAX).max(1)
    }
}

/// One key's bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    micro_tokens: u128,
    last_ns: u64,
    /// When an over-limit request of this key was last reported.
    reported_ns: Option<u64>,
}

/// What a bucket said about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Within the limit; tokens left afterwards.
    Allowed { remaining: u64 },
    /// Over the limit; a token is back in this many seconds.
    Limited { retry_after_secs: u64 },
}

impl Bucket {
    /// A full bucket.
    pub fn full(rate: Rate, now: u64) -> Self {
        Bucket {
            micro_tokens: rate.capacity(),
            last_ns: now,
            reported_ns: None,
        }
    }

    /// True when an over-limit request at `now` is to be reported: the
    /// first one, then at most one per `REPORT_EVERY_NS`, so a flood gives
    /// a few alerts, not one per request (each is still counted).
    pub fn report_due(&mut self, now: u64) -> bool {
        let due = self
            .reported_ns
            .is_none_or(|at| now.saturating_sub(at) >= REPORT_EVERY_NS);
        if due {
            self.reported_ns = Some(now);
        }
        due
    }

    /// Refills for the time since the last request, then takes one token.
    pub fn take(&mut self, rate: Rate, now: u64) -> Take {
        let elapsed = now.saturating_sub(self.last_ns);
        self.last_ns = self.last_ns.max(now);
        self.micro_tokens = (self.micro_tokens + rate.refill(elapsed)).min(rate.capacity());
        if self.micro_tokens >= SCALE {
            self.micro_tokens -= SCALE;
            let remaining = u64::try_from(self.micro_tokens / SCALE).unwrap_or(u64::MAX);
            return Take::Allowed { remaining };
        }
        Take::Limited {
            retry_after_secs: rate.secs_for(SCALE - self.micro_tokens),
        }
    }
}

impl Touched for Bucket {
    fn last_ns(&self) -> u64 {
        self.last_ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    fn allowed_over(rate: Rate, requests_per_sec: u64, secs: u64) -> u64 {
        let mut bucket = Bucket::full(rate, 0);
        let step = SEC / requests_per_sec;
        (0..requests_per_sec * secs)
            .filter(|i| matches!(bucket.take(rate, i * step), Take::Allowed { .. }))
            .count() as u64
    }

    #[test]
    fn a_flood_gets_the_burst_then_the_rate() {
        // 10 per second, burst 5, flooded at 1000/s for 10 s: 5 + 10 * 10.
        let rate = Rate {
            requests: 10,
            period_secs: 1,
            burst: 5,
        };
        let allowed = allowed_over(rate, 1000, 10);
        assert!((104..=106).contains(&allowed), "{allowed}");
    }

    #[test]
    fn slow_rates_refill_exactly() {
        let rate = Rate {
            requests: 1,
            period_secs: 3600,
            burst: 1,
        };
        let mut b = Bucket::full(rate, 0);
        assert_eq!(b.take(rate, 0), Take::Allowed { remaining: 0 });
        assert_eq!(
            b.take(rate, 1_800 * SEC),
            Take::Limited {
                retry_after_secs: 1_800
            }
        );
        assert_eq!(b.take(rate, 3_600 * SEC), Take::Allowed { remaining: 0 });
    }

    #[test]
    fn time_stepping_back_refills_nothing() {
        let rate = Rate {
            requests: 1,
            period_secs: 1,
            burst: 1,
        };
        let mut b = Bucket::full(rate, 10 * SEC);
        assert!(matches!(b.take(rate, 10 * SEC), Take::Allowed { .. }));
        assert!(matches!(b.take(rate, 5 * SEC), Take::Limited { .. }));
    }
}
