//! TCP connection tracking and stream reassembly, per worker.
//!
//! Input: the TCP fields of each packet ([`Segment`]: sequence and
//! acknowledgment numbers, flags, window, window scale, payload) and its
//! [`Direction`](crate::flow::Direction) from the flow table. Output: each
//! direction's bytes in stream order, pushed to the caller's [`StreamSink`]
//! with their stream offset, [`Gap`]s where data will never come, and per
//! segment an [`Outcome`] saying what the segment was and which of its bytes
//! became deliverable (so inline mode inspects them before forwarding it).
//!
//! - [`TcpConnection`] (in `conn`) follows the handshake, FINs and RSTs
//!   (accepted only in window) and owns the two [`TcpStream`]s; it is the
//!   per-flow state stored in the flow table.
//! - [`TcpStream`] (in `stream`) reassembles one direction; out-of-order
//!   data waits in a buffer (`held`) resolved by an [`OverlapPolicy`]
//!   (`policy`).
//! - Memory: each direction buffers at most [`TcpConfig::stream_cap`] bytes
//!   past its delivery point, and all buffers of a worker draw on one
//!   [`Budget`]. When the budget refuses (or the cap is hit with
//!   [`CapAction::Bypass`]) the flow switches to bypass, counted.
//! - Sequence numbers compare with serial arithmetic ([`SeqNum`]) everywhere.
//!   Nothing here reads a clock; idle timeouts belong to the flow table.
//!
//! Not handled: urgent data (delivered inline as ordinary bytes), TCP
//! options other than window scale (SACK, timestamps/PAWS), and comparing a
//! retransmission with bytes already delivered (they are no longer held).

mod budget;
mod config;
mod conn;
mod delivery;
mod held;
mod peer;
mod policy;
mod seq;
mod state;
mod stream;

pub use budget::Budget;
pub use config::{CapAction, TcpConfig, TcpContext, TcpCounters};
pub use conn::TcpConnection;
pub use delivery::{Delivery, DiscardSink, Gap, SegmentClass, StreamSink};
pub use policy::OverlapPolicy;
pub use seq::{SeqNum, TcpFlags};
pub use state::{initial_direction, Outcome, Rejected, Segment, TcpState};
pub use stream::TcpStream;

#[cfg(test)]
mod tests;
