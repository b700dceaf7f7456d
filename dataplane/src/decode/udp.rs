//! UDP datagrams (RFC 768): a checked view.
//!
//! [`Packet::new_checked`] takes the whole IP payload and checks that the
//! UDP length field fits it; the payload stops at that length, so bytes
//! beyond it (which a receiver ignores) are not part of the datagram.

use super::wire::be16;
use super::DecodeError;

mod field {
    use core::ops::Range;

    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
    pub const HEADER_LEN: usize = 8;
}

/// Length of the UDP header.
pub const HEADER_LEN: usize = field::HEADER_LEN;

/// A checked view of a UDP header and its payload.
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` after checking the header and the length field.
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        let packet = Self { buffer };
        let len = packet.buffer.as_ref().len();
        if len < field::HEADER_LEN {
            return Err(DecodeError::UdpTruncated);
        }
        let udp_len = usize::from(packet.len());
        if udp_len < field::HEADER_LEN || udp_len > len {
            return Err(DecodeError::UdpBadLength);
        }
        Ok(packet)
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::SRC_PORT])
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::DST_PORT])
    }

    /// The length field: header plus payload.
    pub fn len(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::LENGTH])
    }

    /// True when the datagram carries no payload.
    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= field::HEADER_LEN
    }

    /// The checksum field; zero means "not computed" (IPv4 only).
    pub fn checksum(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// Header and payload, as covered by the checksum.
    pub fn datagram(&self) -> &[u8] {
        let end = usize::from(self.len());
        self.buffer.as_ref().get(..end).unwrap_or(&[])
    }

    /// The payload, up to the length field.
    pub fn payload(&self) -> &[u8] {
        self.datagram().get(field::HEADER_LEN..).unwrap_or(&[])
    }
}
