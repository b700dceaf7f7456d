//! The vocabulary of connection tracking: a segment as the decoder hands it
//! over, the connection states, and what one segment did.

use super::delivery::Delivery;
use super::seq::{SeqNum, TcpFlags};
use crate::flow::{Direction, TimeoutClass};

/// The TCP fields tracking needs from one packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Segment<'a> {
    /// Sequence number.
    pub seq: SeqNum,
    /// Acknowledgment number (meaningful with ACK set).
    pub ack: SeqNum,
    /// Flags.
    pub flags: TcpFlags,
    /// Advertised window, as on the wire (unscaled).
    pub window: u16,
    /// Window scale option, if the segment carries one (SYNs only).
    pub wscale: Option<u8>,
    /// Payload.
    pub payload: &'a [u8],
}

/// Connection state, as seen from the middle of the path.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum TcpState {
    /// No segment yet.
    #[default]
    New,
    /// The initiator's SYN seen.
    SynSent,
    /// The responder's SYN-ACK seen.
    SynReceived,
    /// Handshake completed, or picked up mid-stream.
    Established,
    /// One side sent FIN.
    FinWait,
    /// Both sides sent FIN, not both acknowledged.
    Closing,
    /// Both FINs acknowledged.
    Closed,
    /// An in-window RST was seen.
    Reset,
}

impl TcpState {
    /// The flow table timeout class for this state.
    pub const fn timeout_class(self) -> TimeoutClass {
        match self {
            Self::New | Self::SynSent | Self::SynReceived => TimeoutClass::TcpOpening,
            Self::Established => TimeoutClass::TcpEstablished,
            Self::FinWait | Self::Closing | Self::Closed | Self::Reset => TimeoutClass::TcpClosing,
        }
    }

    /// Closed or reset: the connection is over.
    pub const fn is_over(self) -> bool {
        matches!(self, Self::Closed | Self::Reset)
    }
}

/// Why the tracker ignored a segment (each maps to one counter).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Rejected {
    /// RST outside the receiver's window (`rst_rejected`).
    Rst,
    /// SYN that fits no handshake step (`invalid_syn`).
    Syn,
}

/// What one segment did.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Outcome {
    /// Reassembly result for the segment's payload.
    pub delivery: Delivery,
    /// State before the segment.
    pub previous: TcpState,
    /// State after it.
    pub state: TcpState,
    /// Set when the segment was ignored.
    pub rejected: Option<Rejected>,
}

impl Outcome {
    /// The state changed.
    pub fn changed(&self) -> bool {
        self.previous != self.state
    }
}

/// Direction to give the flow table for a connection's first segment: a
/// SYN-ACK seen first comes from the responder.
pub const fn initial_direction(flags: TcpFlags) -> Direction {
    if flags.syn() && flags.ack() {
        Direction::ToInitiator
    } else {
        Direction::ToResponder
    }
}
