//! Limits of the fragment reassembler, its counters and its drop reasons.
//!
//! Limits are plain data set once per worker. Counters are plain `u64`
//! fields the worker increments and an exporter reads; nothing is logged.

/// Largest reassembly buffer: an IPv6 header plus a 65535-byte payload.
pub const MAX_BUFFER_LEN: usize = 40 + 65_535;

/// Bounds on what one reassembler holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragLimits {
    /// Fragments accepted per datagram, duplicates included.
    pub max_fragments: u16,
    /// Largest reassembled datagram as its IP length field counts it (IPv4
    /// total length, IPv6 payload length); never above 65535.
    pub max_datagram_len: usize,
    /// Buffer bytes one datagram may hold (header and payload).
    pub datagram_memory: usize,
    /// Buffer bytes all datagrams in progress may hold together.
    pub global_memory: usize,
    /// Nanoseconds from a datagram's first fragment until it is dropped.
    pub timeout_ns: u64,
    /// Datagrams in progress at once.
    pub max_datagrams: usize,
    /// Freed buffers kept for reuse instead of returned to the allocator.
    pub spare_buffers: usize,
}

impl Default for FragLimits {
    fn default() -> Self {
        Self {
            max_fragments: 64,
            max_datagram_len: 65_535,
            datagram_memory: MAX_BUFFER_LEN,
            global_memory: 4 << 20,
            timeout_ns: 30_000_000_000,
            max_datagrams: 1024,
            spare_buffers: 16,
        }
    }
}

/// Why a fragment, or the datagram it belonged to, was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FragDrop {
    /// The fragment alone was refused: header too short, offset not a
    /// multiple of 8, or an empty or ragged (not 8-byte) non-last fragment.
    Malformed,
    /// Fragments disagree on the datagram's length; the datagram is dropped.
    Inconsistent,
    /// The datagram would exceed `max_datagram_len`.
    TooLarge,
    /// The datagram received more than `max_fragments` fragments.
    TooManyFragments,
    /// The datagram would exceed `datagram_memory`.
    DatagramMemory,
    /// No room under `global_memory` even after evicting older datagrams.
    GlobalMemory,
    /// `max_datagrams` is zero: nothing can be held.
    TableFull,
}

impl FragDrop {
    /// Every variant, in declaration order.
    pub const ALL: &'static [FragDrop] = &[
        Self::Malformed,
        Self::Inconsistent,
        Self::TooLarge,
        Self::TooManyFragments,
        Self::DatagramMemory,
        Self::GlobalMemory,
        Self::TableFull,
    ];

    /// The stable snake_case counter name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "frag_malformed",
            Self::Inconsistent => "frag_inconsistent",
            Self::TooLarge => "frag_too_large",
            Self::TooManyFragments => "frag_too_many_fragments",
            Self::DatagramMemory => "frag_datagram_memory",
            Self::GlobalMemory => "frag_global_memory",
            Self::TableFull => "frag_table_full",
        }
    }
}

/// What the reassembler saw and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FragCounters {
    /// Fragments pushed.
    pub fragments: u64,
    /// Datagrams reassembled and returned.
    pub reassembled: u64,
    /// Atomic fragments returned as they came (RFC 6946).
    pub atomic: u64,
    /// Fragments that overlapped data already held (duplicates included).
    pub overlaps: u64,
    /// Overlapping fragments whose bytes differed from the held ones: an
    /// evasion attempt, since first data wins here but not everywhere.
    pub overlap_conflicts: u64,
    /// First fragments too short to hold the transport header (RFC 1858).
    pub tiny_first: u64,
    /// Fragments refused alone ([`FragDrop::Malformed`]).
    pub malformed: u64,
    /// Datagrams dropped for [`FragDrop::Inconsistent`].
    pub inconsistent: u64,
    /// Datagrams dropped for [`FragDrop::TooLarge`].
    pub too_large: u64,
    /// Datagrams dropped for [`FragDrop::TooManyFragments`].
    pub too_many_fragments: u64,
    /// Datagrams dropped for [`FragDrop::DatagramMemory`].
    pub datagram_memory: u64,
    /// Datagrams dropped or evicted to stay under `global_memory`.
    pub global_memory: u64,
    /// Datagrams evicted (oldest first) to make room in a full table, and
    /// fragments dropped when `max_datagrams` is zero.
    pub table_full: u64,
    /// Datagrams dropped because their timeout passed.
    pub timed_out: u64,
}

impl FragCounters {
    /// Counts one drop under its reason.
    pub fn count(&mut self, reason: FragDrop) {
        let counter = match reason {
            FragDrop::Malformed => &mut self.malformed,
            FragDrop::Inconsistent => &mut self.inconsistent,
            FragDrop::TooLarge => &mut self.too_large,
            FragDrop::TooManyFragments => &mut self.too_many_fragments,
            FragDrop::DatagramMemory => &mut self.datagram_memory,
            FragDrop::GlobalMemory => &mut self.global_memory,
            FragDrop::TableFull => &mut self.table_full,
        };
        *counter += 1;
    }
}
