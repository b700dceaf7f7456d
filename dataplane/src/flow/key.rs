//! Flow keys: a packet's addressing (`FlowTuple`) normalized into one key per
//! flow (`FlowKey`), so that both directions of a conversation find the same
//! table entry, and the `Direction` of a packet within its flow.
//!
//! Inputs are plain values from the decoder; nothing here reads packets.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 address in 16 bytes; IPv4 is stored IPv4-mapped
/// (`::ffff:a.b.c.d`), so an IPv6 packet that really carries a mapped address
/// shares keys with IPv4.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct FlowAddr(pub [u8; 16]);

impl FlowAddr {
    /// The address as a standard library value (mapped addresses as IPv4).
    pub fn to_ip(self) -> IpAddr {
        let v6 = Ipv6Addr::from(self.0);
        match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        }
    }

    /// The two 64-bit halves (first eight bytes, last eight, each read
    /// little-endian), for hashing.
    pub(crate) fn halves(self) -> (u64, u64) {
        let both = u128::from_le_bytes(self.0);
        // Truncation splits the halves.
        (both as u64, (both >> 64) as u64)
    }
}

impl From<Ipv4Addr> for FlowAddr {
    fn from(ip: Ipv4Addr) -> Self {
        // ::ffff:a.b.c.d, built in one register rather than byte by byte.
        let mapped = 0xffff_u128 << 32 | u128::from(u32::from(ip));
        Self(mapped.to_be_bytes())
    }
}

impl From<Ipv6Addr> for FlowAddr {
    fn from(ip: Ipv6Addr) -> Self {
        Self(ip.octets())
    }
}

impl From<IpAddr> for FlowAddr {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => v4.into(),
            IpAddr::V6(v6) => v6.into(),
        }
    }
}

/// One packet's addressing as decoded: IP protocol number, source and
/// destination. Ports are 0 for protocols without them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct FlowTuple {
    /// IP protocol number (6 TCP, 17 UDP, ...).
    pub proto: u8,
    /// Source address.
    pub src: FlowAddr,
    /// Source port.
    pub src_port: u16,
    /// Destination address.
    pub dst: FlowAddr,
    /// Destination port.
    pub dst_port: u16,
}

/// Which endpoint of a [`FlowKey`] a packet came from: the one that sorts
/// lower by (address, port) or the higher one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Side {
    /// The endpoint with the lower (address, port).
    Low,
    /// The endpoint with the higher (address, port).
    High,
}

/// Direction of a packet within its flow.
///
/// The initiator is the SYN sender for TCP, otherwise whoever sent the first
/// packet the table saw. Per-direction state is indexed with [`Direction::index`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Direction {
    /// Initiator to responder (client to server).
    ToResponder,
    /// Responder to initiator (server to client).
    ToInitiator,
}

impl Direction {
    /// 0 for [`Direction::ToResponder`], 1 for [`Direction::ToInitiator`].
    pub const fn index(self) -> usize {
        match self {
            Self::ToResponder => 0,
            Self::ToInitiator => 1,
        }
    }

    /// The other direction.
    pub const fn reverse(self) -> Self {
        match self {
            Self::ToResponder => Self::ToInitiator,
            Self::ToInitiator => Self::ToResponder,
        }
    }
}

/// A flow's identity, independent of direction: the endpoints ordered so the
/// lower (address, port) comes first.
///
/// 38 bytes without padding: the last byte is [`Filler`], which also gives
/// the key the roomiest niche of a flow entry, so that the flow slab's
/// free/used tag sits in the entry's first cache line, beside the key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FlowKey {
    low: FlowAddr,
    high: FlowAddr,
    low_port: u16,
    high_port: u16,
    proto: u8,
    filler: Filler,
}

/// A byte that is always zero (255 spare values for enclosing enums).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
enum Filler {
    Zero = 0,
}

impl FlowKey {
    /// Normalizes a packet's tuple; also says which side sent the packet.
    pub fn from_tuple(tuple: &FlowTuple) -> (Self, Side) {
        let src = (tuple.src, tuple.src_port);
        let dst = (tuple.dst, tuple.dst_port);
        let (low, high, side) = if sort_key(src) <= sort_key(dst) {
            (src, dst, Side::Low)
        } else {
            (dst, src, Side::High)
        };
        let key = Self {
            low: low.0,
            high: high.0,
            low_port: low.1,
            high_port: high.1,
            proto: tuple.proto,
            filler: Filler::Zero,
        };
        (key, side)
    }

    /// IP protocol number.
    pub fn proto(&self) -> u8 {
        self.proto
    }

    /// The lower endpoint (address, port).
    pub fn low(&self) -> (FlowAddr, u16) {
        (self.low, self.low_port)
    }

    /// The higher endpoint (address, port).
    pub fn high(&self) -> (FlowAddr, u16) {
        (self.high, self.high_port)
    }

    /// Ports and protocol packed in one word, for hashing.
    pub(crate) fn tail_word(&self) -> u64 {
        u64::from(self.low_port) | u64::from(self.high_port) << 16 | u64::from(self.proto) << 32
    }
}

/// An endpoint as one integer that orders like (address bytes, port): the
/// address read big-endian compares as its bytes do, in two instructions
/// rather than a byte-wise loop.
fn sort_key((addr, port): (FlowAddr, u16)) -> (u128, u16) {
    (u128::from_be_bytes(addr.0), port)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tuple(src: [u8; 4], sp: u16, dst: [u8; 4], dp: u16) -> FlowTuple {
        FlowTuple {
            proto: 6,
            src: Ipv4Addr::from(src).into(),
            src_port: sp,
            dst: Ipv4Addr::from(dst).into(),
            dst_port: dp,
        }
    }

    #[test]
    fn both_directions_give_one_key() {
        let a = tuple([10, 0, 0, 2], 40000, [10, 0, 0, 1], 443);
        let b = tuple([10, 0, 0, 1], 443, [10, 0, 0, 2], 40000);
        let (ka, sa) = FlowKey::from_tuple(&a);
        let (kb, sb) = FlowKey::from_tuple(&b);
        assert_eq!(ka, kb);
        assert_ne!(sa, sb);
    }

    #[test]
    fn same_address_orders_by_port() {
        let a = tuple([127, 0, 0, 1], 9, [127, 0, 0, 1], 8);
        let (key, side) = FlowKey::from_tuple(&a);
        assert_eq!(side, Side::High);
        assert_eq!(key.low().1, 8);
    }

    #[test]
    fn order_follows_address_bytes_then_port() {
        let v6 = |s: &str| FlowAddr::from(s.parse::<Ipv6Addr>().unwrap_or(Ipv6Addr::UNSPECIFIED));
        let pairs = [
            ((v6("::1"), 80), (v6("::2"), 1)),
            ((v6("ff00::"), 1), (v6("ff00::1"), 1)),
            ((v6("1::"), 65535), (v6("2::"), 0)),
            ((v6("2001:db8::1"), 1), (v6("2001:db8::1"), 2)),
        ];
        for (a, b) in pairs {
            assert_eq!(sort_key(a).cmp(&sort_key(b)), a.cmp(&b), "{a:?} {b:?}");
            assert_eq!(sort_key(b).cmp(&sort_key(a)), b.cmp(&a), "{a:?} {b:?}");
        }
    }

    #[test]
    fn ipv4_is_stored_mapped() {
        let ip = Ipv4Addr::new(192, 0, 2, 7);
        assert_eq!(FlowAddr::from(ip).0, ip.to_ipv6_mapped().octets());
        let (low, high) = FlowAddr::from(ip).halves();
        assert_eq!((low, high), (0, 0x0702_00c0_ffff_0000));
    }

    #[test]
    fn ipv4_round_trips() {
        let ip: IpAddr = Ipv4Addr::new(192, 0, 2, 7).into();
        assert_eq!(FlowAddr::from(ip).to_ip(), ip);
        let ip6: IpAddr = "2001:db8::1".parse().unwrap_or(ip);
        assert_eq!(FlowAddr::from(ip6).to_ip(), ip6);
    }
}
