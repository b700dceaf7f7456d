//! The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers.
//!
//! The ones'-complement sum is taken over 64-bit words with an end-around
//! carry and folded to 16 bits at the end without branches; because 2^16 is
//! 1 modulo 2^16 - 1, that equals the RFC's sum of 16-bit words while
//! touching each byte once. Words are read in the machine's byte order: the
//! sum of byte-swapped words is the byte-swapped sum (RFC 1071 section 2),
//! so [`Sum::fold`] swaps once at the end instead of once per word, and
//! values given as numbers ([`Sum::add_u16`] and the like) are swapped into
//! the same order. Callers pass byte slices and get a sum or a verdict; no
//! function here can panic.

use core::net::{Ipv4Addr, Ipv6Addr};

use super::ip::IpProtocol;

/// The fixed part of the IPv4 and TCP headers.
const FIXED_HEADER_LEN: usize = 20;

/// A running ones'-complement sum in the machine's byte order, not yet
/// folded to 16 bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sum(u64);

impl Sum {
    /// Adds `data`, read as big-endian 16-bit words; an odd last byte is
    /// padded with a zero byte. `data` must start on an even offset of the
    /// checksummed region.
    #[inline(always)]
    pub fn add_bytes(self, data: &[u8]) -> Self {
        // Most regions start with a 20-byte header (IPv4, TCP): summing those
        // as a fixed-size piece lets the compiler unroll it.
        match data.split_first_chunk::<FIXED_HEADER_LEN>() {
            Some((header, rest)) => self.add_words(header).add_words(rest),
            None => self.add_words(data),
        }
    }

    #[inline(always)]
    fn add_words(self, data: &[u8]) -> Self {
        let mut acc = self.0;
        let mut words = data.chunks_exact(8);
        for word in &mut words {
            acc = add_carry(acc, ne_u64(word));
        }
        Self(add_carry(acc, tail_sum(words.remainder())))
    }

    /// Adds one 16-bit word.
    #[inline]
    pub fn add_u16(self, word: u16) -> Self {
        Self(add_carry(self.0, u64::from(word.to_be())))
    }

    /// Adds a 32-bit value as two 16-bit words.
    #[inline]
    pub fn add_u32(self, value: u32) -> Self {
        Self(add_carry(self.0, u64::from(value.to_be())))
    }

    /// Adds a 128-bit value (an IPv6 address) as eight 16-bit words.
    #[inline]
    pub fn add_u128(self, value: u128) -> Self {
        let value = value.to_be();
        // Both casts keep 64 of the 128 bits, as intended.
        let high = (value >> 64) as u64;
        let low = value as u64;
        Self(add_carry(add_carry(self.0, high), low))
    }

    /// Adds the pseudo-header fields after the addresses: the protocol and
    /// the upper-layer length.
    #[inline]
    pub fn add_pseudo_fields(self, protocol: IpProtocol, len: u32) -> Self {
        self.add_u16(u16::from(protocol.0)).add_u32(len)
    }

    /// The sum folded to 16 bits (not complemented).
    #[inline]
    pub fn fold(self) -> u16 {
        // 64 bits to 32, then 32 to 16, each half added with its carry; the
        // casts keep the half they name.
        let word = add_end_around_32((self.0 >> 32) as u32, self.0 as u32);
        let folded = add_end_around_16((word >> 16) as u16, word as u16);
        // Back from the machine's byte order to the value of the
        // big-endian words.
        u16::from_be(folded)
    }

    /// The checksum field value: the complement of the folded sum.
    pub fn checksum(self) -> u16 {
        !self.fold()
    }

    /// True when the region summed, checksum field included, verifies.
    #[inline]
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
        self.addresses().add_pseudo_fields(protocol, len)
    }

    /// Sum of the two addresses alone, the part shared by every segment.
    #[inline]
    pub fn addresses(&self) -> Sum {
        match self {
            Self::V4 { src, dst } => Sum::default()
                .add_u32(u32::from(*src))
                .add_u32(u32::from(*dst)),
            Self::V6 { src, dst } => Sum::default()
                .add_u128(u128::from(*src))
                .add_u128(u128::from(*dst)),
        }
    }

    /// True when `segment` (checksum field included) verifies under this
    /// pseudo-header. Segments over 4 GiB cannot occur and never verify.
    pub fn verify(&self, protocol: IpProtocol, segment: &[u8]) -> bool {
        verify_segment(self.addresses(), protocol, segment)
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

/// True when `segment` (checksum field included) verifies under the
/// pseudo-header whose address sum is `addresses`.
#[inline]
pub fn verify_segment(addresses: Sum, protocol: IpProtocol, segment: &[u8]) -> bool {
    let Ok(len) = u32::try_from(segment.len()) else {
        return false;
    };
    addresses
        .add_pseudo_fields(protocol, len)
        .add_bytes(segment)
        .is_valid()
}

/// True when `data`, checksum field included, sums to all ones.
#[inline]
pub fn verify(data: &[u8]) -> bool {
    Sum::default().add_bytes(data).is_valid()
}

fn add_carry(acc: u64, value: u64) -> u64 {
    let (sum, carry) = acc.overflowing_add(value);
    // After an overflow `sum` is at most 2^64 - 2, so adding 1 cannot wrap.
    sum + u64::from(carry)
}

fn ne_u64(word: &[u8]) -> u64 {
    // chunks_exact(8) only yields 8-byte slices, so the conversion succeeds.
    word.first_chunk().map_or(0, |w| u64::from_ne_bytes(*w))
}

/// The sum of the last 0 to 7 bytes, read in place in the machine's byte
/// order. Each 16-bit word may sit at any 16-bit position of the sum, so a
/// four-byte piece is added as one `u32`; an odd last byte is the first
/// byte of a word padded with zero.
#[inline(always)]
fn tail_sum(rest: &[u8]) -> u64 {
    let mut sum = 0;
    let mut rest = rest;
    if let Some((four, after)) = rest.split_first_chunk::<4>() {
        sum += u64::from(u32::from_ne_bytes(*four));
        rest = after;
    }
    if let Some((two, after)) = rest.split_first_chunk::<2>() {
        sum += u64::from(u16::from_ne_bytes(*two));
        rest = after;
    }
    if let Some(&last) = rest.first() {
        sum += u64::from(u16::from_ne_bytes([last, 0]));
    }
    sum
}

fn add_end_around_32(a: u32, b: u32) -> u32 {
    let (sum, carry) = a.overflowing_add(b);
    // After a carry `sum` is at most 2^32 - 2, so adding 1 cannot wrap.
    sum + u32::from(carry)
}

fn add_end_around_16(a: u16, b: u16) -> u16 {
    let (sum, carry) = a.overflowing_add(b);
    // After a carry `sum` is at most 2^16 - 2, so adding 1 cannot wrap.
    sum + u16::from(carry)
}
