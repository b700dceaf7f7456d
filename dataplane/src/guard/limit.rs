//! Rate limits as GCRA (the generic cell rate algorithm, equivalent to a
//! token bucket): one timestamp per limited thing, no floating point.
//!
//! A [`Limit`] says how fast and how bursty; a [`Tat`] (theoretical arrival
//! time) is the state one source or one worker keeps for it. Time is `now`
//! in nanoseconds, given by the caller.

/// Fixed-point shift of [`Limit::period`].
const FP: u32 = 16;

/// A rate (units per second) with a burst allowance (units).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limit {
    /// Nanoseconds per unit, in 48.16 fixed point; 0: no limit.
    period: u64,
    /// How far ahead of `now` the arrival time may run, in nanoseconds
    /// (`burst - 1` periods: a burst passes whole at once).
    tolerance: u64,
}

impl Limit {
    /// `rate` units per second with bursts of `burst` units (0: one
    /// second's worth); a rate of 0 is no limit.
    pub fn new(rate: u64, burst: u64) -> Limit {
        if rate == 0 {
            return Limit::default();
        }
        let period = ((1_000_000_000u128 << FP) / u128::from(rate)).max(1);
        let period = u64::try_from(period).unwrap_or(u64::MAX);
        let burst = if burst == 0 { rate } else { burst };
        let tolerance = (u128::from(period) * u128::from(burst - 1)) >> FP;
        Limit {
            period,
            tolerance: u64::try_from(tolerance).unwrap_or(u64::MAX),
        }
    }

    pub fn is_on(&self) -> bool {
        self.period != 0
    }

    /// Takes `units` at `now` from the allowance kept in `tat`; false (and
    /// `tat` unchanged) when the allowance is spent. A weighted take (bytes)
    /// is judged by the allowance before it, as GCRA does.
    #[inline]
    pub fn take(&self, tat: &mut Tat, now: u64, units: u64) -> bool {
        if self.period == 0 {
            return true;
        }
        if tat.0 > now.saturating_add(self.tolerance) {
            return false;
        }
        let cost =
            u64::try_from((u128::from(units) * u128::from(self.period)) >> FP).unwrap_or(u64::MAX);
        let next = tat.0.max(now).saturating_add(cost);
        tat.0 = next;
        true
    }
}

/// The state of one limit for one source (or the worker).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tat(pub u64);

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    /// Over a long run at a steady offered load above the limit, what passes
    /// is the rate times the time plus the burst.
    #[test]
    fn passes_rate_times_time_plus_burst() {
        let limit = Limit::new(1000, 100);
        let mut tat = Tat::default();
        let mut passed = 0u64;
        // 10 000 packets per second offered for 10 seconds.
        for i in 0..100_000u64 {
            passed += u64::from(limit.take(&mut tat, i * SEC / 10_000, 1));
        }
        let expected = 1000 * 10 + 100;
        assert!(
            passed.abs_diff(expected) <= 2,
            "passed {passed}, expected {expected}"
        );
    }

    #[test]
    fn a_burst_passes_whole_then_stops() {
        let limit = Limit::new(10, 5);
        let mut tat = Tat::default();
        let at_once = (0..20).filter(|_| limit.take(&mut tat, SEC, 1)).count();
        assert!((5..=6).contains(&at_once), "{at_once}");
        // A second later the allowance is whole again, and no larger.
        let later = (0..20).filter(|_| limit.take(&mut tat, 2 * SEC, 1)).count();
        assert_eq!(later, 5);
    }

    #[test]
    fn bytes_are_weighed() {
        let limit = Limit::new(1_000_000, 1500);
        let mut tat = Tat::default();
        assert!(limit.take(&mut tat, SEC, 1500));
        assert!(!limit.take(&mut tat, SEC, 1500));
        assert!(limit.take(&mut tat, SEC + 2_000_000, 1500));
    }

    #[test]
    fn zero_rate_is_no_limit() {
        let limit = Limit::new(0, 0);
        let mut tat = Tat::default();
        assert!((0..1000).all(|_| limit.take(&mut tat, 0, 1_000_000)));
        assert!(!limit.is_on());
    }
}
