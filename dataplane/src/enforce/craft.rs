//! Packet crafting for verdicts: reads the frame a verdict fell on (the
//! *offender*) and writes TCP segments into the two ends' paths as if they
//! came from the other end, with sequence numbers the receiver accepts.
//!
//! Sequence rules (RFC 9293 section 3.10.7.4 and RFC 5961 section 3.2): a
//! reset is taken at once only when its sequence number equals the
//! receiver's `RCV.NXT`. Towards the offender's receiver the reset carries
//! the offender's own sequence number (the receiver never got the dropped
//! segment, so that is where it expects the next one); towards the
//! offender's sender it carries the offender's acknowledgment number, which
//! is what the sender expects from its peer next (section 3.10.7.1: "the
//! reset takes its sequence number from the ACK field"), and acknowledges
//! the offender's sequence space.
//!
//! Only plain Ethernet (with up to two VLAN tags) carrying IPv4 without
//! options beyond its header length, or IPv6 whose next header is TCP,
//! is crafted for; other frames give `None` and the verdict is a drop.

use core::net::{Ipv4Addr, Ipv6Addr};

use crate::decode::checksum::{checksum, PseudoHeader};
use crate::decode::IpProtocol;

const ETH_LEN: usize = 14;
const VLAN_LEN: usize = 4;
const IPV4_LEN: usize = 20;
const IPV6_LEN: usize = 40;
const TCP_LEN: usize = 20;
/// Hop limit of crafted packets.
const TTL: u8 = 64;

/// TCP header flag bits.
pub mod flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
}

/// The two addresses of an IP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addrs {
    V4 { src: Ipv4Addr, dst: Ipv4Addr },
    V6 { src: Ipv6Addr, dst: Ipv6Addr },
}

impl Addrs {
    fn swapped(self) -> Addrs {
        match self {
            Addrs::V4 { src, dst } => Addrs::V4 { src: dst, dst: src },
            Addrs::V6 { src, dst } => Addrs::V6 { src: dst, dst: src },
        }
    }

    /// The source address, as an IPv6 address (IPv4 mapped).
    pub fn src_v6(self) -> Ipv6Addr {
        match self {
            Addrs::V4 { src, .. } => src.to_ipv6_mapped(),
            Addrs::V6 { src, .. } => src,
        }
    }

    fn pseudo(self) -> PseudoHeader {
        match self {
            Addrs::V4 { src, dst } => PseudoHeader::V4 { src, dst },
            Addrs::V6 { src, dst } => PseudoHeader::V6 { src, dst },
        }
    }
}

/// What crafting needs of the frame a verdict fell on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offender<'a> {
    /// The link header up to the IP header (MACs, VLAN tags, EtherType).
    pub l2: &'a [u8],
    pub addrs: Addrs,
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    /// TCP payload bytes.
    pub payload_len: u32,
}

impl<'a> Offender<'a> {
    /// Reads `frame`; `None` when it is not a TCP segment crafting handles.
    pub fn parse(frame: &'a [u8]) -> Option<Offender<'a>> {
        let mut at = ETH_LEN;
        let mut ethertype = be16(frame, 12)?;
        for _ in 0..2 {
            if ethertype != 0x8100 && ethertype != 0x88a8 {
                break;
            }
            ethertype = be16(frame, at + 2)?;
            at += VLAN_LEN;
        }
        let l2 = frame.get(..at)?;
        let (addrs, tcp_at, tcp_len) = match ethertype {
            0x0800 => ipv4(frame.get(at..)?)?,
            0x86dd => ipv6(frame.get(at..)?)?,
            _ => return None,
        };
        let tcp = frame.get(at + tcp_at..)?;
        let doff = usize::from(tcp.get(12)? >> 4) * 4;
        if doff < TCP_LEN || doff > tcp_len {
            return None;
        }
        Some(Offender {
            l2,
            addrs,
            src_port: be16(tcp, 0)?,
            dst_port: be16(tcp, 2)?,
            seq: be32(tcp, 4)?,
            ack: be32(tcp, 8)?,
            flags: *tcp.get(13)?,
            payload_len: u32::try_from(tcp_len - doff).ok()?,
        })
    }

    /// Sequence space the offender takes: its payload, plus one for SYN
    /// and one for FIN.
    pub fn seg_len(&self) -> u32 {
        let control =
            u32::from(self.flags & flags::SYN != 0) + u32::from(self.flags & flags::FIN != 0);
        self.payload_len.wrapping_add(control)
    }

    /// The sequence number just past the offender.
    pub fn seq_end(&self) -> u32 {
        self.seq.wrapping_add(self.seg_len())
    }

    pub fn has_ack(&self) -> bool {
        self.flags & flags::ACK != 0
    }
}

/// `(addresses, TCP offset, TCP length)` of an IPv4 packet carrying a whole
/// TCP segment.
fn ipv4(ip: &[u8]) -> Option<(Addrs, usize, usize)> {
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    let total = usize::from(be16(ip, 2)?);
    let frag = be16(ip, 6)? & 0x3fff;
    if ip.first()? >> 4 != 4 || ihl < IPV4_LEN || total < ihl || total > ip.len() || frag != 0 {
        return None;
    }
    if *ip.get(9)? != IpProtocol::TCP.0 {
        return None;
    }
    let src = Ipv4Addr::from(be32(ip, 12)?);
    let dst = Ipv4Addr::from(be32(ip, 16)?);
    Some((Addrs::V4 { src, dst }, ihl, total - ihl))
}

fn ipv6(ip: &[u8]) -> Option<(Addrs, usize, usize)> {
    let payload = usize::from(be16(ip, 4)?);
    if ip.first()? >> 4 != 6 || *ip.get(6)? != IpProtocol::TCP.0 {
        return None;
    }
    if IPV6_LEN + payload > ip.len() {
        return None;
    }
    let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
    let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
    let addrs = Addrs::V6 {
        src: Ipv6Addr::from(src),
        dst: Ipv6Addr::from(dst),
    };
    Some((addrs, IPV6_LEN, payload))
}

/// Which way a crafted segment goes, relative to the offender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toward {
    /// Back to the offender's sender, as if from its receiver (out of the
    /// port the offender arrived on).
    Sender,
    /// On to the offender's receiver, as if from its sender (out of the
    /// port the offender was going to).
    Receiver,
}

/// The TCP fields of a crafted segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpOut {
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
}

/// The reset towards the offender's receiver: its sequence number is the
/// offender's (RFC 5961: exactly `RCV.NXT` when the offender was next).
pub fn reset_to_receiver(o: &Offender<'_>) -> TcpOut {
    let (ack, flags) = if o.has_ack() {
        (o.ack, flags::RST | flags::ACK)
    } else {
        (0, flags::RST)
    };
    TcpOut {
        seq: o.seq,
        ack,
        flags,
        window: 0,
    }
}

/// The reset towards the offender's sender (RFC 9293 section 3.10.7.1):
/// sequence number from the offender's ACK field (zero without one), and
/// acknowledging all of the offender.
pub fn reset_to_sender(o: &Offender<'_>) -> TcpOut {
    TcpOut {
        seq: if o.has_ack() { o.ack } else { 0 },
        ack: o.seq_end(),
        flags: flags::RST | flags::ACK,
        window: 0,
    }
}

/// An acknowledgment towards the offender's sender of everything up to
/// `ack`, from where its peer stands (`o.ack`), with the given window.
pub fn ack_to_sender(o: &Offender<'_>, ack: u32, window: u16, extra: u8) -> TcpOut {
    TcpOut {
        seq: o.ack,
        ack,
        flags: flags::ACK | extra,
        window,
    }
}

/// Appends to `out` one frame towards `toward` carrying `tcp` and
/// `payload`; returns false (and leaves `out` as it was) when the offender
/// has no ACK to take a sequence number from where one is needed, or the
/// payload is too large for one segment.
pub fn emit(
    o: &Offender<'_>,
    toward: Toward,
    tcp: &TcpOut,
    payload: &[u8],
    out: &mut Vec<u8>,
) -> bool {
    if payload.len() > 1400 {
        return false;
    }
    let (addrs, sport, dport) = match toward {
        Toward::Receiver => (o.addrs, o.src_port, o.dst_port),
        Toward::Sender => (o.addrs.swapped(), o.dst_port, o.src_port),
    };
    link_header(o.l2, toward, out);
    let tcp_len = TCP_LEN + payload.len();
    ip_header(addrs, tcp_len, out);
    let start = out.len();
    out.extend_from_slice(&sport.to_be_bytes());
    out.extend_from_slice(&dport.to_be_bytes());
    out.extend_from_slice(&tcp.seq.to_be_bytes());
    out.extend_from_slice(&tcp.ack.to_be_bytes());
    out.extend_from_slice(&[(TCP_LEN as u8 / 4) << 4, tcp.flags]);
    out.extend_from_slice(&tcp.window.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(payload);
    let sum = addrs
        .pseudo()
        .checksum(IpProtocol::TCP, out.get(start..).unwrap_or_default());
    if let Some(field) = out.get_mut(start + 16..start + 18) {
        field.copy_from_slice(&sum.to_be_bytes());
    }
    true
}

/// The offender's link header, MAC addresses swapped when going back.
fn link_header(l2: &[u8], toward: Toward, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(l2);
    if toward == Toward::Sender {
        if let Some(macs) = out.get_mut(start..start + 12) {
            let (dst, src) = macs.split_at_mut(6);
            dst.swap_with_slice(src);
        }
    }
}

fn ip_header(addrs: Addrs, tcp_len: usize, out: &mut Vec<u8>) {
    let start = out.len();
    match addrs {
        Addrs::V4 { src, dst } => {
            // tcp_len is at most 1420 (checked by `emit`).
            let total = (IPV4_LEN + tcp_len) as u16;
            out.extend_from_slice(&[0x45, 0]);
            out.extend_from_slice(&total.to_be_bytes());
            out.extend_from_slice(&[0, 0, 0x40, 0, TTL, IpProtocol::TCP.0, 0, 0]);
            out.extend_from_slice(&src.octets());
            out.extend_from_slice(&dst.octets());
            let sum = checksum(out.get(start..).unwrap_or_default());
            if let Some(field) = out.get_mut(start + 10..start + 12) {
                field.copy_from_slice(&sum.to_be_bytes());
            }
        }
        Addrs::V6 { src, dst } => {
            out.extend_from_slice(&[0x60, 0, 0, 0]);
            out.extend_from_slice(&(tcp_len as u16).to_be_bytes());
            out.extend_from_slice(&[IpProtocol::TCP.0, TTL]);
            out.extend_from_slice(&src.octets());
            out.extend_from_slice(&dst.octets());
        }
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
