//! GRE headers (RFC 2784, with the key and sequence number of RFC 2890).
//!
//! A version-0 header is four bytes (flags, version, protocol type) and then
//! one four-byte word for each of the checksum, key and sequence number bits
//! that are set. [`Packet::new_checked`] refuses the RFC 1701 routing and
//! recursion bits that RFC 2784 tells a receiver to discard and a header cut
//! short; other versions (1 is PPTP's enhanced GRE) are checked for the base
//! header only and left to the caller to keep undecoded.

use super::checksum;
use super::ethernet::EtherType;
use super::wire::{be16, be32};
use super::DecodeError;

mod field {
    use core::ops::Range;

    pub const FLAGS_VERSION: Range<usize> = 0..2;
    pub const PROTOCOL: Range<usize> = 2..4;
    pub const BASE_LEN: usize = 4;
    /// Each optional field (checksum and reserved, key, sequence number).
    pub const WORD_LEN: usize = 4;
}

/// Checksum present (the word also holds 16 reserved bits).
const FLAG_CHECKSUM: u16 = 0x8000;
/// Key present (RFC 2890).
const FLAG_KEY: u16 = 0x2000;
/// Sequence number present (RFC 2890).
const FLAG_SEQUENCE: u16 = 0x1000;
/// Routing present, strict source route, and the high recursion bit: bits
/// 1, 4 and 5, which a receiver of RFC 2784 must discard when set.
const DISCARD_MASK: u16 = 0x4c00;
/// The version number.
const VERSION_MASK: u16 = 0x0007;

/// A checked view of a GRE header and its payload.
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` (the whole GRE packet) after checking the header.
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        let packet = Self { buffer };
        let len = packet.buffer.as_ref().len();
        if len < field::BASE_LEN {
            return Err(DecodeError::GreTruncated);
        }
        if packet.version() != 0 {
            return Ok(packet);
        }
        if packet.flags() & DISCARD_MASK != 0 {
            return Err(DecodeError::GreBadHeader);
        }
        if packet.header_len() > len {
            return Err(DecodeError::GreTruncated);
        }
        Ok(packet)
    }

    fn flags(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::FLAGS_VERSION])
    }

    fn has(&self, flag: u16) -> bool {
        self.flags() & flag != 0
    }

    /// The version: 0 for RFC 2784 GRE.
    pub fn version(&self) -> u8 {
        // The mask leaves three bits.
        (self.flags() & VERSION_MASK) as u8
    }

    /// The protocol type of the payload, an EtherType.
    pub fn protocol(&self) -> EtherType {
        EtherType(be16(&self.buffer.as_ref()[field::PROTOCOL]))
    }

    /// Header length of a version-0 header: the base and each optional word.
    pub fn header_len(&self) -> usize {
        let words = [FLAG_CHECKSUM, FLAG_KEY, FLAG_SEQUENCE]
            .into_iter()
            .filter(|flag| self.has(*flag))
            .count();
        field::BASE_LEN + words * field::WORD_LEN
    }

    /// The checksum field, when present.
    pub fn checksum(&self) -> Option<u16> {
        self.has(FLAG_CHECKSUM)
            .then(|| be16(self.bytes_from(field::BASE_LEN)))
    }

    /// The key (RFC 2890), when present.
    pub fn key(&self) -> Option<u32> {
        self.has(FLAG_KEY)
            .then(|| be32(self.bytes_from(self.word_at(FLAG_KEY))))
    }

    /// The sequence number (RFC 2890), when present.
    pub fn sequence(&self) -> Option<u32> {
        self.has(FLAG_SEQUENCE)
            .then(|| be32(self.bytes_from(self.word_at(FLAG_SEQUENCE))))
    }

    /// Where the optional word of `flag` sits: after the base header and
    /// the words of the flags before it (checksum, key, sequence order).
    fn word_at(&self, flag: u16) -> usize {
        let before = [FLAG_CHECKSUM, FLAG_KEY]
            .into_iter()
            .filter(|earlier| *earlier > flag && self.has(*earlier))
            .count();
        field::BASE_LEN + before * field::WORD_LEN
    }

    fn bytes_from(&self, at: usize) -> &[u8] {
        self.buffer.as_ref().get(at..).unwrap_or(&[])
    }

    /// True when the checksum, if present, verifies over the whole packet.
    pub fn verify_checksum(&self) -> bool {
        !self.has(FLAG_CHECKSUM) || checksum::verify(self.buffer.as_ref())
    }

    /// The encapsulated packet after the header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(self.header_len()..).unwrap_or(&[])
    }
}
