//! The decode walk: Ethernet, then IPv4 or IPv6, then TCP, UDP or ICMP.
//!
//! Each step checks one header through its view, verifies its checksum when
//! asked, and records what it found in the [`Decoded`] summary. A fragment
//! stops the walk at the network layer: its transport header is decoded
//! after [`crate::frag`] has reassembled the datagram.

use core::net::IpAddr;

use super::checksum::{self, PseudoHeader};
use super::ethernet::{self, EtherType};
use super::icmp::{self, Version};
use super::ip::IpProtocol;
use super::ipv6_ext::{self, Chain};
use super::summary::{
    DecodeOptions, Decoded, FragmentInfo, IcmpInfo, IpHeader, Span, TcpInfo, Transport, UdpInfo,
};
use super::tcp::{self, OptionSummary};
use super::{ipv4, ipv6, udp, DecodeError};

/// Where IPv4's protocol field sits, reported as the "next header" of a fragment.
const IPV4_PROTOCOL_AT: usize = 9;

/// Decodes an Ethernet frame (with up to two VLAN tags) down to L4.
pub fn decode<'a>(frame: &'a [u8], opts: &DecodeOptions) -> Result<Decoded<'a>, DecodeError> {
    let link = ethernet::parse_link(frame)?;
    let mut decoded = Decoded::new(frame, Some(link), link.ethertype);
    network(&mut decoded, opts)?;
    Ok(decoded)
}

/// Decodes a frame that starts with an IPv4 or IPv6 header (linktype RAW,
/// or a datagram the fragment reassembler returned).
pub fn decode_ip<'a>(packet: &'a [u8], opts: &DecodeOptions) -> Result<Decoded<'a>, DecodeError> {
    let first = packet.first().ok_or(DecodeError::IpTruncated)?;
    let ethertype = match first >> 4 {
        4 => EtherType::IPV4,
        6 => EtherType::IPV6,
        _ => return Err(DecodeError::IpBadVersion),
    };
    let mut decoded = Decoded::new(packet, None, ethertype);
    network(&mut decoded, opts)?;
    Ok(decoded)
}

fn network(decoded: &mut Decoded<'_>, opts: &DecodeOptions) -> Result<(), DecodeError> {
    let l3 = decoded.frame.get(decoded.l3_offset..).unwrap_or(&[]);
    match decoded.ethertype {
        EtherType::IPV4 => ipv4_layer(decoded, l3, opts),
        EtherType::IPV6 => ipv6_layer(decoded, l3, opts),
        _ => Ok(()),
    }
}

fn ipv4_layer(
    decoded: &mut Decoded<'_>,
    l3: &[u8],
    opts: &DecodeOptions,
) -> Result<(), DecodeError> {
    let packet = ipv4::Packet::new_checked(l3)?;
    if opts.verify_checksums {
        if !packet.verify_checksum() {
            return Err(DecodeError::Ipv4BadChecksum);
        }
        decoded.checksums.ipv4_header = true;
    }
    let ip = ipv4_header(&packet);
    decoded.ip = Some(ip);

    // A fragment ends the walk; its payload is the IP payload.
    set_payload(
        decoded,
        decoded.l3_offset + ip.header_len,
        packet.payload().len(),
    );
    if ip.fragment.is_some() {
        return Ok(());
    }
    let l4 = L4 {
        protocol: ip.protocol,
        pseudo: PseudoHeader::V4 {
            src: packet.src_addr(),
            dst: packet.dst_addr(),
        },
        verify: opts.verify_checksums,
    };
    transport(decoded, &l4, packet.payload())
}

fn ipv4_header(packet: &ipv4::Packet<&[u8]>) -> IpHeader {
    let header_len = packet.header_len();
    let fragment = packet.is_fragment().then(|| FragmentInfo {
        id: u32::from(packet.ident()),
        offset: packet.frag_offset(),
        more: packet.more_frags(),
        unfragmentable_len: header_len,
        next_header_at: IPV4_PROTOCOL_AT,
    });
    IpHeader {
        src: IpAddr::V4(packet.src_addr()),
        dst: IpAddr::V4(packet.dst_addr()),
        protocol: packet.protocol(),
        ttl: packet.ttl(),
        tos: (packet.dscp() << 2) | packet.ecn(),
        header_len,
        total_len: usize::from(packet.total_len()),
        ext_headers: 0,
        dont_fragment: packet.dont_frag(),
        fragment,
        atomic_fragment: false,
    }
}

fn ipv6_layer(
    decoded: &mut Decoded<'_>,
    l3: &[u8],
    opts: &DecodeOptions,
) -> Result<(), DecodeError> {
    let packet = ipv6::Packet::new_checked(l3)?;
    let chain = ipv6_ext::walk(packet.next_header(), packet.payload())?;
    let data = packet.payload().get(chain.offset..).unwrap_or(&[]);
    let fragment = ipv6_fragment(&chain, data.len())?;
    let ip = ipv6_header(&packet, &chain, fragment);
    decoded.ip = Some(ip);

    // A fragment ends the walk; its payload follows the fragment header.
    set_payload(decoded, decoded.l3_offset + ip.header_len, data.len());
    if fragment.is_some() {
        return Ok(());
    }
    let l4 = L4 {
        protocol: chain.protocol,
        pseudo: PseudoHeader::V6 {
            src: packet.src_addr(),
            dst: packet.dst_addr(),
        },
        verify: opts.verify_checksums && !chain.routed,
    };
    transport(decoded, &l4, data)
}

fn ipv6_header(
    packet: &ipv6::Packet<&[u8]>,
    chain: &Chain,
    fragment: Option<FragmentInfo>,
) -> IpHeader {
    IpHeader {
        src: IpAddr::V6(packet.src_addr()),
        dst: IpAddr::V6(packet.dst_addr()),
        protocol: chain.protocol,
        ttl: packet.hop_limit(),
        tos: packet.traffic_class(),
        header_len: ipv6::HEADER_LEN + chain.offset,
        total_len: ipv6::HEADER_LEN + usize::from(packet.payload_len()),
        ext_headers: chain.count,
        dont_fragment: false,
        fragment,
        atomic_fragment: chain.fragment.is_some_and(|f| f.is_atomic()),
    }
}

/// The fragment fields of a non-atomic fragment header, after checking the
/// reassembled payload cannot pass 65535 bytes.
fn ipv6_fragment(chain: &Chain, data_len: usize) -> Result<Option<FragmentInfo>, DecodeError> {
    let Some(header) = chain.fragment.filter(|f| !f.is_atomic()) else {
        return Ok(None);
    };
    let unfragmentable_len = header.header_at;
    let ext_len = unfragmentable_len.saturating_sub(ipv6::HEADER_LEN);
    let payload_end = ext_len + usize::from(header.offset) + data_len;
    if payload_end > usize::from(u16::MAX) {
        return Err(DecodeError::Ipv6FragmentTooLarge);
    }
    Ok(Some(FragmentInfo {
        id: header.ident,
        offset: header.offset,
        more: header.more,
        unfragmentable_len,
        next_header_at: header.next_header_at,
    }))
}

fn set_payload(decoded: &mut Decoded<'_>, start: usize, len: usize) {
    decoded.l4_offset = start;
    decoded.payload = Span {
        start,
        end: start + len,
    };
}

/// What the transport layer needs from the network layer.
struct L4 {
    protocol: IpProtocol,
    pseudo: PseudoHeader,
    verify: bool,
}

fn transport(decoded: &mut Decoded<'_>, l4: &L4, segment: &[u8]) -> Result<(), DecodeError> {
    let is_v4 = matches!(l4.pseudo, PseudoHeader::V4 { .. });
    match l4.protocol {
        IpProtocol::TCP => tcp_layer(decoded, l4, segment),
        IpProtocol::UDP => udp_layer(decoded, l4, segment),
        IpProtocol::ICMP if is_v4 => icmp_layer(decoded, l4, segment, Version::V4),
        IpProtocol::ICMPV6 if !is_v4 => icmp_layer(decoded, l4, segment, Version::V6),
        _ => Ok(()),
    }
}

fn tcp_layer(decoded: &mut Decoded<'_>, l4: &L4, segment: &[u8]) -> Result<(), DecodeError> {
    let packet = tcp::Packet::new_checked(segment)?;
    if l4.verify {
        if !l4.pseudo.verify(IpProtocol::TCP, segment) {
            return Err(DecodeError::TcpBadChecksum);
        }
        decoded.checksums.l4 = true;
    }
    decoded.transport = Transport::Tcp(TcpInfo {
        src_port: packet.src_port(),
        dst_port: packet.dst_port(),
        seq: packet.seq_number(),
        ack: packet.ack_number(),
        flags: packet.flags(),
        window: packet.window_len(),
        urgent: packet.urgent_at(),
        header_len: packet.header_len(),
        options: OptionSummary::from_options(packet.option_iter()),
    });
    skip_header(decoded, packet.header_len());
    Ok(())
}

fn udp_layer(decoded: &mut Decoded<'_>, l4: &L4, segment: &[u8]) -> Result<(), DecodeError> {
    let packet = udp::Packet::new_checked(segment)?;
    let is_v6 = matches!(l4.pseudo, PseudoHeader::V6 { .. });
    if l4.verify && packet.checksum() == 0 && is_v6 {
        return Err(DecodeError::UdpZeroChecksumV6);
    }
    if l4.verify && packet.checksum() != 0 {
        if !l4.pseudo.verify(IpProtocol::UDP, packet.datagram()) {
            return Err(DecodeError::UdpBadChecksum);
        }
        decoded.checksums.l4 = true;
    }
    decoded.transport = Transport::Udp(UdpInfo {
        src_port: packet.src_port(),
        dst_port: packet.dst_port(),
        len: packet.len(),
    });
    decoded.payload.end = decoded.l4_offset + usize::from(packet.len());
    skip_header(decoded, udp::HEADER_LEN);
    Ok(())
}

fn icmp_layer(
    decoded: &mut Decoded<'_>,
    l4: &L4,
    segment: &[u8],
    version: Version,
) -> Result<(), DecodeError> {
    let packet = icmp::Packet::new_checked(segment, version)?;
    if l4.verify {
        verify_icmp(l4, segment, version)?;
        decoded.checksums.l4 = true;
    }
    let info = IcmpInfo {
        msg_type: packet.msg_type(),
        code: packet.code(),
        ident: packet.echo_ident(),
        seq: packet.echo_seq(),
    };
    decoded.transport = match version {
        Version::V4 => Transport::Icmp(info),
        Version::V6 => Transport::Icmpv6(info),
    };
    skip_header(decoded, icmp::HEADER_LEN);
    Ok(())
}

/// ICMP sums the message alone; ICMPv6 adds the pseudo-header.
fn verify_icmp(l4: &L4, message: &[u8], version: Version) -> Result<(), DecodeError> {
    match version {
        Version::V4 if !checksum::verify(message) => Err(DecodeError::IcmpBadChecksum),
        Version::V6 if !l4.pseudo.verify(IpProtocol::ICMPV6, message) => {
            Err(DecodeError::Icmpv6BadChecksum)
        }
        _ => Ok(()),
    }
}

/// Moves the payload start past a transport header of `len` bytes.
fn skip_header(decoded: &mut Decoded<'_>, len: usize) {
    decoded.payload.start = (decoded.l4_offset + len).min(decoded.payload.end);
}
