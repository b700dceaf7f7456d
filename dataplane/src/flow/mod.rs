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
//! one timeout and one list ordered by last-seen time, so the head of each
//! list is the next flow of that class to expire. [`FlowTable::expire_next`]
//! removes at most one flow in constant time; the worker calls it a bounded
//! number of times per burst. When the table is full an insert either evicts
//! the flow nearest to its idle deadline or is refused, per [`FullPolicy`];
//! both are counted in [`FlowCounters`]. Time is always the caller's `now`
//! in nanoseconds.
//!
//! # Memory
//!
//! Per flow, excluding reassembly buffers (which a TCP stream allocates only
//! while it holds out-of-order data, each charged to the worker's budget):
//!
//! | part | bytes |
//! |------|-------|
//! | entry header: key 38, side and class 2, id 8, first/last seen 16, list links 8 | 72 |
//! | per-flow state [`crate::tcp::TcpConnection`]: two senders and two streams | 112 |
//! | entry with TCP state (kept within [`ENTRY_BYTES_WITH_TCP`] = 192 by a test) | 184 |
//! | index words: 2 per entry, up to 4 when rounding to a power of two | 16 to 32 |
//! | **total per flow with TCP state** | **at most 224** |
//!
//! The bound is `capacity x 224` bytes. With the default capacity of 2^20
//! flows it comes to 200 MiB (2^20 entries of 184 bytes plus 2^21 index
//! words of 8). [`FlowTable::memory_bound`] reports the figure for any state
//! type. The slab is reserved at construction; the operating system maps its
//! pages as flows first use them.

mod config;
mod hash;
mod index;
mod key;
mod slab;
mod table;

pub use config::{
    FlowConfig, FlowConfigError, FlowCounters, FlowId, FullPolicy, TimeoutClass, Timeouts,
    MAX_CAPACITY,
};
pub use hash::HashSeed;
pub use key::{Direction, FlowAddr, FlowKey, FlowTuple, Side};
pub use slab::Flow;
pub use table::{FlowSlot, FlowTable, Found, InsertError, Inserted, RemoveReason, Removed};

/// Documented size of one entry holding TCP state, in bytes (see the table
/// above); a test keeps the real size within it.
pub const ENTRY_BYTES_WITH_TCP: usize = 192;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod size {
    use super::*;
    use crate::tcp::TcpConnection;

    #[test]
    fn entry_size_stays_within_the_documented_figure() {
        assert!(std::mem::size_of::<Flow<()>>() <= 72);
        assert!(std::mem::size_of::<Flow<TcpConnection>>() <= ENTRY_BYTES_WITH_TCP);
    }

    #[test]
    fn memory_bound_matches_the_documented_figure() {
        for capacity in [1000, 1 << 20, 600_000] {
            let config = FlowConfig {
                capacity,
                ..FlowConfig::default()
            };
            let Ok(table) = FlowTable::<TcpConnection>::new(&config, 0, HashSeed::default()) else {
                panic!("table of {capacity}");
            };
            assert!(table.memory_bound() <= capacity * 224, "{capacity}");
        }
    }
}
