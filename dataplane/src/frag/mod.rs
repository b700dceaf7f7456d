//! IPv4 and IPv6 fragment reassembly, per worker, within fixed limits.
//!
//! Input: [`Fragment`]s built from decoded frames ([`Fragment::from_decoded`])
//! and the current time in nanoseconds. Output: the reassembled datagram
//! (the first fragment's IP header with its length rewritten and its
//! fragment fields removed, then the whole payload), which the worker passes
//! to [`crate::decode::decode_ip`]. Datagrams are keyed by (source,
//! destination, identification, protocol) for IPv4 and (source,
//! destination, identification) for IPv6.
//!
//! Overlap policy: **first data wins**. Bytes already held are never
//! overwritten; a later fragment's overlapping bytes are compared with them
//! and, when they differ, counted in [`FragCounters::overlap_conflicts`] as
//! an evasion signal (end hosts do not agree on which copy wins). Fragments
//! that disagree about the datagram's end drop the whole datagram. Atomic
//! fragments (offset 0, no more fragments) are returned at once and never
//! merged with held ones (RFC 6946). First fragments too short for their
//! transport header are counted in [`FragCounters::tiny_first`] (RFC 1858)
//! and reassembled anyway.
//!
//! Limits ([`FragLimits`]): fragments per datagram, datagram length (65535
//! at most), buffer bytes per datagram and in total, a timeout from the
//! first fragment (30 s by default) and datagrams in progress. Hitting one
//! drops a datagram and increments one [`FragCounters`] field; a full table
//! or memory cap evicts the oldest datagram first.
//!
//! Memory: a datagram's buffer holds its header and payload at their final
//! offsets, at most `datagram_memory` bytes (65575 by default), and grows by
//! doubling; buffer capacities are charged against `global_memory`. Fixed
//! costs, allocated by [`Reassembler::new`]: `max_datagrams` slots of about
//! 1.1 KiB each (a 1 KiB block bitmap) and a hash index. Outside the caps:
//! up to `spare_buffers` freed buffers kept for reuse and the last returned
//! datagram. Nothing else allocates per fragment.

mod config;
mod coverage;
mod datagram;
mod fragment;
mod reassembler;
mod table;

#[cfg(test)]
mod tests;

pub use config::{FragCounters, FragDrop, FragLimits, MAX_BUFFER_LEN};
pub use fragment::{FragKey, Fragment};
pub use reassembler::{Outcome, Reassembler};
