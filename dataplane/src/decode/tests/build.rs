//! Test-only builders of well-formed headers with correct checksums.
//!
//! Shared by the decoder and fragment reassembler tests; field values are
//! written byte by byte so the builders do not depend on the views they test.

use core::net::{Ipv4Addr, Ipv6Addr};

use crate::decode::checksum::{self, PseudoHeader};
use crate::decode::IpProtocol;

/// Addresses used throughout the tests (RFC 5737 / RFC 3849 ranges).
pub const V4_SRC: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
pub const V4_DST: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);
pub const V6_SRC: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
pub const V6_DST: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);

/// Tunnel endpoints, the outer addresses of GRE tests (RFC 5737).
pub const OUTER_SRC: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);
pub const OUTER_DST: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 2);

/// The pseudo-header of the test IPv4 addresses.
pub fn pseudo_v4() -> PseudoHeader {
    PseudoHeader::V4 {
        src: V4_SRC,
        dst: V4_DST,
    }
}

/// The pseudo-header of the test IPv6 addresses.
pub fn pseudo_v6() -> PseudoHeader {
    PseudoHeader::V6 {
        src: V6_SRC,
        dst: V6_DST,
    }
}

/// An Ethernet header, VLAN tags `(tpid, tci)`, then `payload`.
pub fn ethernet(tags: &[(u16, u16)], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a];
    for (tpid, tci) in tags {
        frame.extend_from_slice(&tpid.to_be_bytes());
        frame.extend_from_slice(&tci.to_be_bytes());
    }
    frame.extend_from_slice(&ethertype.to_be_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// IPv4 header fields a test may want to change.
#[derive(Debug, Clone)]
pub struct V4 {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub protocol: u8,
    pub ident: u16,
    /// Flags (top three bits) and offset in 8-byte units.
    pub flags_offset: u16,
    pub ttl: u8,
    pub options: Vec<u8>,
}

impl V4 {
    /// A header for `protocol` without options or fragmentation.
    pub fn new(protocol: IpProtocol) -> Self {
        Self {
            src: V4_SRC,
            dst: V4_DST,
            protocol: protocol.0,
            ident: 0x1234,
            flags_offset: 0x4000,
            ttl: 64,
            options: Vec::new(),
        }
    }

    /// The header followed by `payload`, checksum filled.
    pub fn build(&self, payload: &[u8]) -> Vec<u8> {
        let header_len = 20 + self.options.len();
        let total = u16::try_from(header_len + payload.len()).expect("test datagram fits");
        let ihl = u8::try_from(header_len / 4).expect("test options fit");
        let mut packet = vec![0x40 | ihl, 0];
        packet.extend_from_slice(&total.to_be_bytes());
        packet.extend_from_slice(&self.ident.to_be_bytes());
        packet.extend_from_slice(&self.flags_offset.to_be_bytes());
        packet.extend_from_slice(&[self.ttl, self.protocol, 0, 0]);
        packet.extend_from_slice(&self.src.octets());
        packet.extend_from_slice(&self.dst.octets());
        packet.extend_from_slice(&self.options);
        let sum = checksum::checksum(&packet);
        packet[10..12].copy_from_slice(&sum.to_be_bytes());
        packet.extend_from_slice(payload);
        packet
    }
}

/// An IPv6 header with `next` and hop limit 64, then `payload`.
pub fn ipv6(next: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len()).expect("test payload fits");
    let mut packet = vec![0x60, 0, 0, 0];
    packet.extend_from_slice(&len.to_be_bytes());
    packet.extend_from_slice(&[next, 64]);
    packet.extend_from_slice(&V6_SRC.octets());
    packet.extend_from_slice(&V6_DST.octets());
    packet.extend_from_slice(payload);
    packet
}

/// A generic-format extension header of `8 * units` bytes total, its body
/// zero (Pad1 options, or a routing header with no segment left).
pub fn ext_header(next: u8, units: u8) -> Vec<u8> {
    let mut header = vec![next, units - 1];
    header.resize(usize::from(units) * 8, 0);
    header
}

/// An IPv6 fragment header.
pub fn fragment_header(next: u8, offset: u16, more: bool, ident: u32) -> Vec<u8> {
    let word = offset | u16::from(more);
    let mut header = vec![next, 0];
    header.extend_from_slice(&word.to_be_bytes());
    header.extend_from_slice(&ident.to_be_bytes());
    header
}

/// TCP header fields a test may want to change.
#[derive(Debug, Clone)]
pub struct Tcp {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u16,
    pub window: u16,
    pub options: Vec<u8>,
}

impl Default for Tcp {
    fn default() -> Self {
        Self {
            src_port: 40000,
            dst_port: 80,
            seq: 1000,
            ack: 0,
            flags: 0x018,
            window: 65535,
            options: Vec::new(),
        }
    }
}

impl Tcp {
    /// The segment with `payload`, checksum filled for `pseudo`.
    pub fn build(&self, payload: &[u8], pseudo: &PseudoHeader) -> Vec<u8> {
        let header_len = 20 + self.options.len();
        let offset = u16::try_from(header_len / 4).expect("options fit") << 12;
        let mut segment = Vec::new();
        segment.extend_from_slice(&self.src_port.to_be_bytes());
        segment.extend_from_slice(&self.dst_port.to_be_bytes());
        segment.extend_from_slice(&self.seq.to_be_bytes());
        segment.extend_from_slice(&self.ack.to_be_bytes());
        segment.extend_from_slice(&(offset | self.flags).to_be_bytes());
        segment.extend_from_slice(&self.window.to_be_bytes());
        segment.extend_from_slice(&[0, 0, 0, 0]);
        segment.extend_from_slice(&self.options);
        segment.extend_from_slice(payload);
        let sum = pseudo.checksum(IpProtocol::TCP, &segment);
        segment[16..18].copy_from_slice(&sum.to_be_bytes());
        segment
    }
}

/// A UDP datagram, checksum filled for `pseudo`.
pub fn udp(src_port: u16, dst_port: u16, payload: &[u8], pseudo: &PseudoHeader) -> Vec<u8> {
    let len = u16::try_from(8 + payload.len()).expect("test payload fits");
    let mut datagram = Vec::new();
    datagram.extend_from_slice(&src_port.to_be_bytes());
    datagram.extend_from_slice(&dst_port.to_be_bytes());
    datagram.extend_from_slice(&len.to_be_bytes());
    datagram.extend_from_slice(&[0, 0]);
    datagram.extend_from_slice(payload);
    let sum = match pseudo.checksum(IpProtocol::UDP, &datagram) {
        0 => 0xffff,
        sum => sum,
    };
    datagram[6..8].copy_from_slice(&sum.to_be_bytes());
    datagram
}

/// An ICMP echo message; ICMPv6 when `pseudo` is given.
pub fn icmp_echo(msg_type: u8, ident: u16, seq: u16, pseudo: Option<&PseudoHeader>) -> Vec<u8> {
    let mut message = vec![msg_type, 0, 0, 0];
    message.extend_from_slice(&ident.to_be_bytes());
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend_from_slice(b"abcdefgh");
    let sum = match pseudo {
        Some(pseudo) => pseudo.checksum(IpProtocol::ICMPV6, &message),
        None => checksum::checksum(&message),
    };
    message[2..4].copy_from_slice(&sum.to_be_bytes());
    message
}

/// Options of a typical SYN: MSS 1460, SACK-permitted, timestamps, NOP,
/// window scale 7 (the order Linux sends).
pub fn syn_options() -> Vec<u8> {
    vec![
        2, 4, 0x05, 0xb4, // MSS 1460
        4, 2, // SACK permitted
        8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0, // timestamps 0x1234, 0
        1, // NOP
        3, 3, 7, // window scale 7
    ]
}

/// A TCP-over-IPv4 Ethernet frame carrying `payload`.
pub fn tcp_v4_frame(tcp: &Tcp, payload: &[u8]) -> Vec<u8> {
    let segment = tcp.build(payload, &pseudo_v4());
    ethernet(&[], 0x0800, &V4::new(IpProtocol::TCP).build(&segment))
}

/// A TCP-over-IPv6 Ethernet frame carrying `payload`.
pub fn tcp_v6_frame(tcp: &Tcp, payload: &[u8]) -> Vec<u8> {
    let segment = tcp.build(payload, &pseudo_v6());
    ethernet(&[], 0x86dd, &ipv6(6, &segment))
}

/// GRE header fields a test may want to change (RFC 2784, RFC 2890).
#[derive(Debug, Clone, Default)]
pub struct Gre {
    /// Bits ORed into the flags and version word besides C, K and S.
    pub extra_bits: u16,
    pub protocol: u16,
    pub checksum: bool,
    pub key: Option<u32>,
    pub sequence: Option<u32>,
}

impl Gre {
    /// GRE carrying `protocol`, no optional field.
    pub fn new(protocol: u16) -> Self {
        Self {
            protocol,
            ..Self::default()
        }
    }

    /// The header followed by `payload`, checksum filled when present.
    pub fn build(&self, payload: &[u8]) -> Vec<u8> {
        let flags = [
            (self.checksum, 0x8000),
            (self.key.is_some(), 0x2000),
            (self.sequence.is_some(), 0x1000),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .fold(self.extra_bits, |word, (_, bit)| word | bit);
        let mut packet = Vec::new();
        packet.extend_from_slice(&flags.to_be_bytes());
        packet.extend_from_slice(&self.protocol.to_be_bytes());
        if self.checksum {
            packet.extend_from_slice(&[0; 4]);
        }
        for word in [self.key, self.sequence].into_iter().flatten() {
            packet.extend_from_slice(&word.to_be_bytes());
        }
        packet.extend_from_slice(payload);
        if self.checksum {
            let sum = checksum::checksum(&packet);
            packet[4..6].copy_from_slice(&sum.to_be_bytes());
        }
        packet
    }
}

/// An outer IPv4 header between the tunnel endpoints carrying `gre`.
pub fn outer_v4(gre: &[u8]) -> Vec<u8> {
    V4 {
        src: OUTER_SRC,
        dst: OUTER_DST,
        ..V4::new(IpProtocol::GRE)
    }
    .build(gre)
}

/// An Ethernet frame: outer IPv4, then `gre` wrapping `inner`.
pub fn gre_v4_frame(gre: &Gre, inner: &[u8]) -> Vec<u8> {
    ethernet(&[], 0x0800, &outer_v4(&gre.build(inner)))
}

/// A TCP-over-IPv4 packet (no link layer) carrying `payload`.
pub fn tcp_v4_packet(tcp: &Tcp, payload: &[u8]) -> Vec<u8> {
    V4::new(IpProtocol::TCP).build(&tcp.build(payload, &pseudo_v4()))
}
