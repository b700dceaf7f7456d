//! Per-worker flow table.
//!
//! Symmetric RSS sends both directions of a conversation to one worker, and
//! each worker owns one [`FlowTable`]: no locks, no sharing. The decoder's
//! addressing becomes a [`FlowTuple`]; the table normalizes it into a
//! [`FlowKey`] that both directions share and tells the packet's
//! [`Direction`] relative to the flow's initiator (the SYN sender, otherwise
//! the sender of the first packet seen). Each flow gets a [`FlowId`]
//! (worker index in the top 16 bits) that events carry.
//!
//! # Storage
//!
//! A slab of entries reserved at construction (capacity from the
//! configuration) and an open-addressing index of `u64` words, at least twice
//! as many words as entries, keyed by a seeded hash ([`HashSeed`], drawn by the
//! caller at start). After construction nothing allocates.
//!
//! # Expiry and eviction
//!
//! Every [`TimeoutClass`] (TCP opening, established, closing; UDP; other) has
//! one timeout and one queue ordered by the time each flow was queued. A
//! packet only stores its time in its flow's entry; the queues are sorted
//! out lazily when a head comes due: a head seen again since it was queued,
//! or that changed class, goes to the tail of its class's queue instead of
//! expiring. [`FlowTable::expire_next`] removes at most one flow in bounded
//! work; the worker calls it a bounded number of times per burst. A flow
//! never expires before its idle deadline and, while expiry keeps up, less
//! than one timeout of its class after it. When the table is full an insert
//! either evicts the flow nearest to its idle deadline or is refused, per
//! [`FullPolicy`]; both are counted in [`FlowCounters`]. Time is always the
//! caller's `now` in nanoseconds.
//!
//! # Memory
//!
//! Per flow, excluding reassembly buffers (which a TCP stream allocates only
//! while it holds out-of-order data, each charged to the worker's budget).
//! Entries are aligned to 64-byte cache lines; the fields a lookup compares
//! and updates share the first line (the caller's state, in the lines after
//! it, may also hold the mark that tells used entries from free ones).
//!
//! | part | bytes |
//! |------|-------|
//! | first line: key 38, side and class 2, queue links 8, id 8, last seen 8 | 64 |
//! | queue time and first seen | 16 |
//! | a [`crate::tcp::TcpConnection`]: two senders and two streams | 112 |
//! | entry with a `TcpConnection` ([`ENTRY_BYTES_WITH_TCP`], three lines) | 192 |
//! | the pipeline's [`crate::pipeline::FlowState`]: a connection, counts, flags | 152 |
//! | entry with the pipeline's state ([`ENTRY_BYTES_PIPELINE`], four lines) | 256 |
//! | index words: 2 per entry, up to 4 when rounding to a power of two | 16 to 32 |
//! | **total per flow in the pipeline** | **at most 288** |
//!
//! Both entry sizes are kept by a test. The bound is `capacity x 288` bytes.
//! With the default capacity of 2^20 flows the pipeline's table comes to
//! 272 MiB (2^20 entries of 256 bytes plus 2^21 index words of 8).
//! [`FlowTable::memory_bound`] reports the figure for any state type. The
//! slab is reserved at construction; the operating system maps its pages as
//! flows first use them.

mod config;
mod expiry;
mod hash;
mod index;
mod key;
mod slab;
mod table;

pub use config::{
    FlowConfig, FlowConfigError, FlowCounters, FlowId, FullPolicy, TimeoutClass, Timeouts,
    MAX_CAPACITY,
};
pub use hash::{HashSeed, HashedKey};
pub use key::{Direction, FlowAddr, FlowKey, FlowTuple, Side};
pub use slab::Flow;
pub use table::{FlowSlot, FlowTable, Found, InsertError, Inserted, RemoveReason, Removed};

/// Size of one entry holding a [`crate::tcp::TcpConnection`], in bytes (see
/// the table above); a test keeps it exact.
pub const ENTRY_BYTES_WITH_TCP: usize = 192;

/// Size of one entry of the pipeline's table (state
/// [`crate::pipeline::FlowState`]), in bytes; a test keeps it exact.
pub const ENTRY_BYTES_PIPELINE: usize = 256;

/// Most bytes the pipeline's table uses per flow: an entry and up to four
/// index words (see the table above).
pub const MAX_BYTES_PER_FLOW: usize = ENTRY_BYTES_PIPELINE + 32;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod size {
    use super::*;
    use crate::pipeline::FlowState;
    use crate::tcp::TcpConnection;
    use std::mem::{align_of, size_of};

    #[test]
    fn entry_sizes_match_the_documented_figures() {
        assert_eq!(size_of::<Flow<()>>(), 128);
        assert_eq!(size_of::<Flow<TcpConnection>>(), ENTRY_BYTES_WITH_TCP);
        assert_eq!(size_of::<Flow<FlowState>>(), ENTRY_BYTES_PIPELINE);
        assert_eq!(align_of::<Flow<FlowState>>(), 64);
        assert!(size_of::<TcpConnection>() <= 112);
        assert_eq!(size_of::<FlowState>(), 152);
    }

    #[test]
    fn memory_bound_matches_the_documented_figure() {
        for capacity in [1000, 1 << 20, 600_000] {
            let config = FlowConfig {
                capacity,
                ..FlowConfig::default()
            };
            let Ok(table) = FlowTable::<FlowState>::new(&config, 0, HashSeed::default()) else {
                panic!("table of {capacity}");
            };
            let bound = table.memory_bound();
            assert!(bound <= capacity * MAX_BYTES_PER_FLOW, "{capacity}");
            assert!(
                bound >= capacity * (ENTRY_BYTES_PIPELINE + 16),
                "{capacity}"
            );
        }
        let config = FlowConfig::default();
        let Ok(table) = FlowTable::<FlowState>::new(&config, 0, HashSeed::default()) else {
            panic!("default table");
        };
        assert_eq!(table.memory_bound(), 272 << 20);
    }
}
