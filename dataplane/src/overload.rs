//! Overload: how a worker notices that it cannot keep up, and what its
//! pipeline then does with new flows.
//!
//! A worker measures itself over short windows (`window_ms`): a window is
//! overloaded when every one of its non-empty rx bursts came back full and
//! there were at least `full_bursts` of them (the rx queue is filling), or
//! when its packets (at least [`BUDGET_MIN_PACKETS`]: a few slow packets
//! are no load) took more than `packet_budget_ns` of pipeline time each on
//! average. One overloaded window puts the worker in overload;
//! `calm_windows` calm windows in a row (an idle window is calm) take it
//! out. While in overload, flows that are new get the configured policy:
//! `fail-open` lets them through uninspected for their whole life,
//! `fail-closed` drops their packets. Flows that existed before go on being
//! inspected. Capture mode never enters overload: offline analysis sees
//! everything.

use serde::Deserialize;

/// A window needs this many packets before its average time per packet
/// counts against `packet_budget_ns`.
pub const BUDGET_MIN_PACKETS: u64 = 64;

/// What happens to new flows while a worker is overloaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// They pass, uninspected, for their whole life.
    #[default]
    FailOpen,
    /// Their packets are dropped.
    FailClosed,
}

impl Policy {
    /// The name used in the configuration and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::FailOpen => "fail-open",
            Policy::FailClosed => "fail-closed",
        }
    }
}

/// The `overload:` section of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OverloadSettings {
    pub policy: Policy,
    /// Full rx bursts a window needs (and nothing but full bursts) to count
    /// as the rx queue filling; 0 turns this signal off.
    pub full_bursts: u32,
    /// Average pipeline nanoseconds per packet over a window above which
    /// the worker is overloaded; 0 turns this signal off.
    pub packet_budget_ns: u64,
    /// Length of a measuring window.
    pub window_ms: u64,
    /// Calm windows in a row that end an overload.
    pub calm_windows: u32,
}

impl Default for OverloadSettings {
    fn default() -> Self {
        OverloadSettings {
            policy: Policy::FailOpen,
            full_bursts: 64,
            packet_budget_ns: 0,
            window_ms: 10,
            calm_windows: 10,
        }
    }
}

impl OverloadSettings {
    /// Refuses values that cannot work.
    pub fn check(&self) -> Result<(), String> {
        if self.window_ms == 0 {
            return Err("overload.window_ms: must be at least 1".into());
        }
        if self.calm_windows == 0 {
            return Err("overload.calm_windows: must be at least 1".into());
        }
        Ok(())
    }
}

/// A worker's overload state, fed with its bursts and the clock.
#[derive(Debug, Clone)]
pub struct Detector {
    settings: OverloadSettings,
    window_ns: u64,
    /// When the current window started (0: no window yet).
    started: u64,
    bursts: u32,
    full: u32,
    packets: u64,
    busy_ns: u64,
    calm: u32,
    overloaded: bool,
}

/// A change of state, for the worker to pass on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The worker entered overload: new flows get the policy.
    Entered,
    /// The worker keeps up again: new flows are inspected.
    Left,
}

impl Detector {
    pub fn new(settings: OverloadSettings) -> Detector {
        Detector {
            window_ns: settings.window_ms.saturating_mul(1_000_000),
            settings,
            started: 0,
            bursts: 0,
            full: 0,
            packets: 0,
            busy_ns: 0,
            calm: 0,
            overloaded: false,
        }
    }

    /// The policy new flows get while overloaded.
    pub fn policy(&self) -> Policy {
        self.settings.policy
    }

    /// True while the worker is in overload.
    pub fn overloaded(&self) -> bool {
        self.overloaded
    }

    /// One non-empty rx burst: `packets` received of `capacity` asked for,
    /// `busy_ns` of pipeline time, at `now`.
    pub fn burst(
        &mut self,
        now: u64,
        packets: usize,
        capacity: usize,
        busy_ns: u64,
    ) -> Option<Change> {
        let change = self.tick(now);
        self.bursts += 1;
        self.full += u32::from(packets >= capacity);
        self.packets += packets as u64;
        self.busy_ns = self.busy_ns.saturating_add(busy_ns);
        change
    }

    /// Closes the window once it has lasted `window_ms`; call it on every
    /// loop of the worker, idle or not.
    pub fn tick(&mut self, now: u64) -> Option<Change> {
        if self.started == 0 {
            self.started = now.max(1);
            return None;
        }
        if now.saturating_sub(self.started) < self.window_ns {
            return None;
        }
        let hot = self.window_overloaded();
        self.started = now.max(1);
        self.bursts = 0;
        self.full = 0;
        self.packets = 0;
        self.busy_ns = 0;
        match (self.overloaded, hot) {
            (false, true) => {
                self.overloaded = true;
                self.calm = 0;
                Some(Change::Entered)
            }
            (true, true) => {
                self.calm = 0;
                None
            }
            (true, false) => {
                self.calm += 1;
                if self.calm >= self.settings.calm_windows {
                    self.overloaded = false;
                    return Some(Change::Left);
                }
                None
            }
            (false, false) => None,
        }
    }

    fn window_overloaded(&self) -> bool {
        let s = &self.settings;
        let filling = s.full_bursts > 0 && self.full >= s.full_bursts && self.full == self.bursts;
        let slow = s.packet_budget_ns > 0
            && self.packets >= BUDGET_MIN_PACKETS
            && self.busy_ns / self.packets > s.packet_budget_ns;
        filling || slow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn detector(full_bursts: u32, budget: u64) -> Detector {
        Detector::new(OverloadSettings {
            full_bursts,
            packet_budget_ns: budget,
            window_ms: 10,
            calm_windows: 3,
            ..OverloadSettings::default()
        })
    }

    /// Feeds one 10 ms window of `bursts` bursts of `len` of 32 packets,
    /// each taking `ns`; the change at the window's close.
    fn window(d: &mut Detector, start: u64, bursts: u32, len: usize, ns: u64) -> Option<Change> {
        let mut change = None;
        for i in 0..bursts {
            change = change.or(d.burst(start + u64::from(i) * 1000, len, 32, ns));
        }
        change.or(d.tick(start + 10 * MS))
    }

    #[test]
    fn a_queue_that_only_gives_full_bursts_is_overload() {
        let mut d = detector(64, 0);
        d.tick(1);
        // Full bursts, but too few to tell.
        assert_eq!(window(&mut d, 1, 10, 32, 100), None);
        // One burst that drained the queue: keeping up.
        let mut start = 10 * MS + 1;
        for _ in 0..99 {
            d.burst(start, 32, 32, 100);
            start += 1000;
        }
        d.burst(start, 5, 32, 100);
        assert_eq!(d.tick(20 * MS + 1), None);
        assert!(!d.overloaded());
        assert_eq!(
            window(&mut d, 20 * MS + 1, 100, 32, 100),
            Some(Change::Entered)
        );
        assert!(d.overloaded());
    }

    #[test]
    fn overload_ends_after_the_calm_windows() {
        let mut d = detector(64, 0);
        d.tick(1);
        assert_eq!(window(&mut d, 1, 100, 32, 100), Some(Change::Entered));
        // Two calm windows (idle, then light), then a hot one: still in.
        assert_eq!(d.tick(20 * MS + 1), None);
        assert_eq!(window(&mut d, 20 * MS + 1, 3, 4, 100), None);
        assert_eq!(window(&mut d, 30 * MS + 1, 100, 32, 100), None);
        assert!(d.overloaded());
        // Three calm windows in a row end it.
        assert_eq!(d.tick(50 * MS + 1), None);
        assert_eq!(d.tick(60 * MS + 1), None);
        assert_eq!(d.tick(70 * MS + 1), Some(Change::Left));
        assert!(!d.overloaded());
    }

    #[test]
    fn the_budget_counts_average_time_per_packet() {
        let mut d = detector(0, 2_000);
        d.tick(1);
        // 4 packets a burst at 6 us a burst: 1.5 us a packet.
        assert_eq!(window(&mut d, 1, 20, 4, 6_000), None);
        // Slower, but too few packets to tell.
        assert_eq!(window(&mut d, 10 * MS + 1, 15, 4, 100_000), None);
        // 64 packets at 10 us a burst: 2.5 us a packet.
        assert_eq!(
            window(&mut d, 20 * MS + 1, 16, 4, 10_000),
            Some(Change::Entered)
        );
    }

    #[test]
    fn signals_set_to_zero_never_fire() {
        let mut d = detector(0, 0);
        d.tick(1);
        assert_eq!(window(&mut d, 1, 1000, 32, 1_000_000), None);
    }

    #[test]
    fn settings_parse_and_bad_ones_are_refused() {
        let s: OverloadSettings =
            serde_yaml::from_str("policy: fail-closed\npacket_budget_ns: 500\n").unwrap();
        assert_eq!(s.policy, Policy::FailClosed);
        assert_eq!(s.packet_budget_ns, 500);
        assert_eq!(s.full_bursts, 64);
        assert!(serde_yaml::from_str::<OverloadSettings>("policy: fail-sideways\n").is_err());
        assert!(serde_yaml::from_str::<OverloadSettings>("budget: 1\n").is_err());
        let zero = OverloadSettings {
            window_ms: 0,
            ..OverloadSettings::default()
        };
        assert!(zero.check().is_err());
    }
}
