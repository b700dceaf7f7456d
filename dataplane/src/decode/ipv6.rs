//! IPv6 fixed headers (RFC 8200 section 3): a checked view.
//!
//! [`Packet::new_checked`] validates the version and that the payload
//! length fits the buffer; the payload stops there, so link padding is
//! ignored. Jumbograms (payload length 0 with a jumbo option) are not
//! supported: their payload reads as empty. Extension headers are walked by
//! [`super::ipv6_ext`].

use core::net::Ipv6Addr;

use super::ip::IpProtocol;
use super::wire::{array, be16, be32};
use super::DecodeError;

/// Length of the fixed IPv6 header.
pub const HEADER_LEN: usize = 40;

mod field {
    use core::ops::Range;

    pub const VER_TC_FLOW: Range<usize> = 0..4;
    pub const PAYLOAD_LEN: Range<usize> = 4..6;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: Range<usize> = 8..24;
    pub const DST: Range<usize> = 24..40;
}

/// Where the fixed header's next-header byte sits.
pub const NEXT_HEADER_AT: usize = field::NEXT_HEADER;

/// A checked view of an IPv6 fixed header and its payload.
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` after checking version and payload length.
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        let packet = Self { buffer };
        let len = packet.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(DecodeError::Ipv6Truncated);
        }
        if packet.version() != 6 {
            return Err(DecodeError::Ipv6BadVersion);
        }
        if HEADER_LEN + usize::from(packet.payload_len()) > len {
            return Err(DecodeError::Ipv6BadPayloadLength);
        }
        Ok(packet)
    }

    /// Wraps `buffer` after checking only that the fixed header is there:
    /// for rewriting a header whose payload length is about to change.
    /// Getters stay in bounds; `payload` may be empty.
    pub fn new_header(buffer: T) -> Result<Self, DecodeError> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(DecodeError::Ipv6Truncated);
        }
        Ok(Self { buffer })
    }

    fn first_word(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::VER_TC_FLOW])
    }

    /// The version field (6 once checked).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0] >> 4
    }

    /// Traffic class (DSCP and ECN).
    pub fn traffic_class(&self) -> u8 {
        // Bits 20..28 of the first word; the shift leaves 8 bits after the mask.
        ((self.first_word() >> 20) & 0xff) as u8
    }

    /// The 20-bit flow label.
    pub fn flow_label(&self) -> u32 {
        self.first_word() & 0x000f_ffff
    }

    /// Length of everything after the fixed header.
    pub fn payload_len(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::PAYLOAD_LEN])
    }

    /// The type of the first extension header or of the upper layer.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol(self.buffer.as_ref()[field::NEXT_HEADER])
    }

    /// Hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(array::<16>(&self.buffer.as_ref()[field::SRC]))
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(array::<16>(&self.buffer.as_ref()[field::DST]))
    }

    /// Extension headers and upper-layer data, up to the payload length.
    pub fn payload(&self) -> &[u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        self.buffer.as_ref().get(HEADER_LEN..end).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the payload length field.
    pub fn set_payload_len(&mut self, len: u16) {
        self.buffer.as_mut()[field::PAYLOAD_LEN].copy_from_slice(&len.to_be_bytes());
    }
}
