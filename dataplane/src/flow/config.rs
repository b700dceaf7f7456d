//! Flow table settings (capacity, idle timeouts, what to do when full), the
//! table's counters and the identifiers it hands out.
//!
//! Settings come from the dataplane configuration at start; counters are
//! written by the owning worker and read by the stats exporter.

use std::time::Duration;

/// Idle-timeout class of a flow; each class has its own timeout and its own
/// expiry list. TCP flows move between classes as their state changes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TimeoutClass {
    /// TCP handshake not complete (SYN seen, no established ACK yet).
    TcpOpening,
    /// TCP established, or picked up mid-stream.
    TcpEstablished,
    /// TCP closing, closed or reset.
    TcpClosing,
    /// UDP.
    Udp,
    /// Any other protocol.
    Other,
}

impl TimeoutClass {
    /// Number of classes.
    pub const COUNT: usize = 5;

    /// Position of the class in per-class arrays.
    pub const fn index(self) -> usize {
        match self {
            Self::TcpOpening => 0,
            Self::TcpEstablished => 1,
            Self::TcpClosing => 2,
            Self::Udp => 3,
            Self::Other => 4,
        }
    }

    /// The class a new flow of this IP protocol starts in.
    pub const fn initial(proto: u8) -> Self {
        match proto {
            6 => Self::TcpOpening,
            17 => Self::Udp,
            _ => Self::Other,
        }
    }
}

/// Idle timeouts per class.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Timeouts {
    /// TCP before the handshake completes.
    pub tcp_opening: Duration,
    /// TCP established.
    pub tcp_established: Duration,
    /// TCP after a FIN or an accepted RST.
    pub tcp_closing: Duration,
    /// UDP.
    pub udp: Duration,
    /// Other protocols.
    pub other: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            tcp_opening: Duration::from_secs(30),
            tcp_established: Duration::from_secs(300),
            tcp_closing: Duration::from_secs(30),
            udp: Duration::from_secs(60),
            other: Duration::from_secs(30),
        }
    }
}

impl Timeouts {
    /// Timeouts in nanoseconds, indexed by [`TimeoutClass::index`].
    pub(crate) fn as_nanos(&self) -> [u64; TimeoutClass::COUNT] {
        let ns = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        [
            ns(self.tcp_opening),
            ns(self.tcp_established),
            ns(self.tcp_closing),
            ns(self.udp),
            ns(self.other),
        ]
    }
}

/// What an insert does when every entry is in use.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum FullPolicy {
    /// Remove the flow closest to its idle deadline to make room (counted).
    #[default]
    EvictOldest,
    /// Refuse the new flow (counted); the caller decides about the packet.
    Refuse,
}

/// Flow table settings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FlowConfig {
    /// Maximum number of flows, fixed at construction.
    pub capacity: usize,
    /// Idle timeouts.
    pub timeouts: Timeouts,
    /// Behaviour when full.
    pub when_full: FullPolicy,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            capacity: 1 << 20,
            timeouts: Timeouts::default(),
            when_full: FullPolicy::default(),
        }
    }
}

/// Why a table could not be built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum FlowConfigError {
    /// Capacity 0.
    ZeroCapacity,
    /// Capacity above [`MAX_CAPACITY`].
    CapacityTooLarge,
}

impl std::fmt::Display for FlowConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ZeroCapacity => f.write_str("flow table capacity is zero"),
            Self::CapacityTooLarge => write!(f, "flow table capacity exceeds {MAX_CAPACITY}"),
        }
    }
}

impl std::error::Error for FlowConfigError {}

/// Largest supported capacity (flows per worker).
pub const MAX_CAPACITY: usize = 1 << 30;

/// Identifier of a flow, unique per worker: the worker index in the top 16
/// bits, a per-worker counter in the low 48 bits. Carried into events.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct FlowId(pub u64);

impl FlowId {
    const COUNTER_BITS: u32 = 48;

    /// Builds the id of the `counter`-th flow of `worker`.
    pub const fn new(worker: u16, counter: u64) -> Self {
        let low = counter & ((1 << Self::COUNTER_BITS) - 1);
        Self((worker as u64) << Self::COUNTER_BITS | low)
    }

    /// The worker that created the flow.
    pub const fn worker(self) -> u16 {
        (self.0 >> Self::COUNTER_BITS) as u16
    }
}

/// Flow table counters, written by the owning worker.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FlowCounters {
    /// Flows created.
    pub created: u64,
    /// Flows removed after their idle timeout.
    pub expired: u64,
    /// Flows removed to make room for a new one.
    pub evicted: u64,
    /// New flows refused because the table was full.
    pub table_full: u64,
    /// Flows removed by the caller.
    pub removed: u64,
    /// Flows currently in the table.
    pub active: u64,
}
