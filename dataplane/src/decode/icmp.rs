//! ICMP (RFC 792) and ICMPv6 (RFC 4443) messages: one checked view for both.
//!
//! Both share the layout type, code, checksum, then four bytes whose meaning
//! depends on the type (identifier and sequence for echo messages). Every
//! message type either protocol defines carries those eight bytes, so
//! [`Packet::new_checked`] requires them. Types survive as values.

use super::wire::be16;
use super::DecodeError;

mod field {
    use core::ops::Range;

    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    pub const SEQ: Range<usize> = 6..8;
    pub const HEADER_LEN: usize = 8;
}

/// Length of the common ICMP / ICMPv6 header.
pub const HEADER_LEN: usize = field::HEADER_LEN;

/// Which ICMP a message belongs to, for error reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// ICMP for IPv4.
    V4,
    /// ICMPv6.
    V6,
}

/// ICMP for IPv4 message types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Icmpv4Type(pub u8);

impl Icmpv4Type {
    /// Echo reply.
    pub const ECHO_REPLY: Self = Self(0);
    /// Destination unreachable.
    pub const DEST_UNREACHABLE: Self = Self(3);
    /// Redirect.
    pub const REDIRECT: Self = Self(5);
    /// Echo request.
    pub const ECHO_REQUEST: Self = Self(8);
    /// Time exceeded.
    pub const TIME_EXCEEDED: Self = Self(11);
    /// Parameter problem.
    pub const PARAM_PROBLEM: Self = Self(12);
}

/// ICMPv6 message types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Icmpv6Type(pub u8);

impl Icmpv6Type {
    /// Destination unreachable.
    pub const DEST_UNREACHABLE: Self = Self(1);
    /// Packet too big.
    pub const PACKET_TOO_BIG: Self = Self(2);
    /// Time exceeded.
    pub const TIME_EXCEEDED: Self = Self(3);
    /// Parameter problem.
    pub const PARAM_PROBLEM: Self = Self(4);
    /// Echo request.
    pub const ECHO_REQUEST: Self = Self(128);
    /// Echo reply.
    pub const ECHO_REPLY: Self = Self(129);
    /// Router solicitation.
    pub const ROUTER_SOLICIT: Self = Self(133);
    /// Router advertisement.
    pub const ROUTER_ADVERT: Self = Self(134);
    /// Neighbor solicitation.
    pub const NEIGHBOR_SOLICIT: Self = Self(135);
    /// Neighbor advertisement.
    pub const NEIGHBOR_ADVERT: Self = Self(136);
}

/// A checked view of an ICMP or ICMPv6 message.
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` after checking it holds the eight-byte header.
    pub fn new_checked(buffer: T, version: Version) -> Result<Self, DecodeError> {
        if buffer.as_ref().len() < field::HEADER_LEN {
            return Err(match version {
                Version::V4 => DecodeError::IcmpTruncated,
                Version::V6 => DecodeError::Icmpv6Truncated,
            });
        }
        Ok(Self { buffer })
    }

    /// The raw message type.
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// The message code.
    pub fn code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// The checksum field.
    pub fn checksum(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// Identifier of an echo message (first half of the rest of header).
    pub fn echo_ident(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::IDENT])
    }

    /// Sequence number of an echo message (second half).
    pub fn echo_seq(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::SEQ])
    }

    /// The whole message, as covered by the checksum.
    pub fn message(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The body after the eight-byte header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(field::HEADER_LEN..).unwrap_or(&[])
    }
}
