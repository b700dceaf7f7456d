//! The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers.
//!
//! The ones'-complement sum is taken over 64-bit big-endian words with an
//! end-around carry and folded to 16 bits at the end; because 2^16 is 1
//! modulo 2^16 - 1, that equals the RFC's sum of 16-bit words while touching
//! each byte once. Callers pass byte slices and get a sum or a verdict; no
//! function here can panic.

use core::net::{Ipv4Addr, Ipv6Addr};

use super::ip::IpProtocol;

/// A running ones'-complement sum, not yet folded to 16 bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sum(u64);

impl Sum {
    /// Adds `data`, read as big-endian 16-bit words; an odd last byte is
    /// padded with a zero byte. `data` must start on an even offset of the
    /// checksummed region.
    pub fn add_bytes(self, data: &[u8]) -> Self {
        let mut acc = self.0;
        let mut words = data.chunks_exact(8);
        for word in &mut words {
            acc = add_carry(acc, be_u64(word));
        }
        let mut tail = [0u8; 8];
        let rest = words.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        Self(add_carry(acc, u64::from_be_bytes(tail)))
    }

    /// Adds one 16-bit word.
    pub fn add_u16(self, word: u16) -> Self {
        Self(add_carry(self.0, u64::from(word)))
    }

    /// Adds a 32-bit value as two 16-bit words.
    pub fn add_u32(self, value: u32) -> Self {
        Self(add_carry(self.0, u64::from(value)))
    }

    /// The sum folded to 16 bits (not complemented).
    pub fn fold(self) -> u16 {
        let folded = fold32(fold64(self.0));
        // fold32 leaves at most 16 significant bits.
        u16::try_from(folded).unwrap_or(u16::MAX)
    }

    /// The checksum field value: the complement of the folded sum.
    pub fn checksum(self) -> u16 {
        !self.fold()
    }

    /// True when the region summed, checksum field included, verifies.
    pub fn is_valid(self) -> bool {
        self.fold() == 0xffff
    }
}

/// The pseudo-header addresses of an upper-layer checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PseudoHeader {
    /// RFC 793 / RFC 768 pseudo-header.
    V4 { src: Ipv4Addr, dst: Ipv4Addr },
    /// RFC 8200 section 8.1 pseudo-header.
    V6 { src: Ipv6Addr, dst: Ipv6Addr },
}

impl PseudoHeader {
    /// Sum of the pseudo-header for `protocol` and an upper-layer `len`.
    pub fn sum(&self, protocol: IpProtocol, len: u32) -> Sum {
        let addresses = match self {
            Self::V4 { src, dst } => Sum::default()
                .add_bytes(&src.octets())
                .add_bytes(&dst.octets()),
            Self::V6 { src, dst } => Sum::default()
                .add_bytes(&src.octets())
                .add_bytes(&dst.octets()),
        };
        addresses.add_u16(u16::from(protocol.0)).add_u32(len)
    }

    /// True when `segment` (checksum field included) verifies under this
    /// pseudo-header. Segments over 4 GiB cannot occur and never verify.
    pub fn verify(&self, protocol: IpProtocol, segment: &[u8]) -> bool {
        let Ok(len) = u32::try_from(segment.len()) else {
            return false;
        };
        self.sum(protocol, len).add_bytes(segment).is_valid()
    }

    /// The checksum field value for `segment` whose checksum field is zero.
    pub fn checksum(&self, protocol: IpProtocol, segment: &[u8]) -> u16 {
        let len = u32::try_from(segment.len()).unwrap_or(u32::MAX);
        self.sum(protocol, len).add_bytes(segment).checksum()
    }
}

/// The checksum of `data` alone (IPv4 header, ICMP), to store in a zeroed field.
pub fn checksum(data: &[u8]) -> u16 {
    Sum::default().add_bytes(data).checksum()
}

/// True when `data`, checksum field included, sums to all ones.
pub fn verify(data: &[u8]) -> bool {
    Sum::default().add_bytes(data).is_valid()
}

fn add_carry(acc: u64, value: u64) -> u64 {
    let (sum, carry) = acc.overflowing_add(value);
    // After an overflow `sum` is at most 2^64 - 2, so adding 1 cannot wrap.
    sum + u64::from(carry)
}

fn be_u64(word: &[u8]) -> u64 {
    // chunks_exact(8) only yields 8-byte slices, so the conversion succeeds.
    word.try_into().map_or(0, u64::from_be_bytes)
}

fn fold64(value: u64) -> u64 {
    let folded = (value & 0xffff_ffff) + (value >> 32);
    (folded & 0xffff_ffff) + (folded >> 32)
}

fn fold32(value: u64) -> u64 {
    let mut folded = value;
    while folded > 0xffff {
        folded = (folded & 0xffff) + (folded >> 16);
    }
    folded
}
