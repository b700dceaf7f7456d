//! The guards' counters: drops by reason, and SYN flood events.

use std::collections::BTreeMap;

/// One worker's guard counters.
#[derive(Debug, Clone, Default)]
pub struct GuardCounters {
    /// Every frame the guards dropped.
    pub dropped: u64,
    pub acl_denied: u64,
    pub source_packets: u64,
    pub source_bytes: u64,
    pub source_syns: u64,
    pub source_connections: u64,
    /// SYNs over the worker-wide limit (without cookies).
    pub syn_global: u64,
    /// SYNs answered with a cookie challenge instead of being forwarded.
    pub syn_challenged: u64,
    /// SYNs of unknown sources dropped with the challenge budget spent.
    pub syn_unauthenticated: u64,
    /// SYNs of authenticated sources passed in flood mode.
    pub syn_authenticated: u64,
    /// Sources that answered a challenge.
    pub authenticated: u64,
    /// Times flood mode started.
    pub floods: u64,
}

/// The guard counters by name, for the report.
pub type GuardStats = BTreeMap<&'static str, u64>;

/// The report's copy of `c`; `evictions` of the source table.
pub(super) fn snapshot(c: &GuardCounters, evictions: u64) -> GuardStats {
    BTreeMap::from([
        ("dropped", c.dropped),
        ("acl_denied", c.acl_denied),
        ("source_packets", c.source_packets),
        ("source_bytes", c.source_bytes),
        ("source_syns", c.source_syns),
        ("source_connections", c.source_connections),
        ("syn_global", c.syn_global),
        ("syn_challenged", c.syn_challenged),
        ("syn_unauthenticated", c.syn_unauthenticated),
        ("syn_authenticated", c.syn_authenticated),
        ("authenticated", c.authenticated),
        ("floods", c.floods),
        ("source_evictions", evictions),
    ])
}
