//! The decode walk: Ethernet, then IPv4 or IPv6, then the transport layer
//! ([`super::transport`]), which may hand a GRE packet's inner packet back
//! to [`network`] ([`super::tunnel`]).
//!
//! Each step checks one header through its view, verifies its checksum when
//! asked, and records what it found in the [`Decoded`] summary, which the
//! caller owns: [`decode_into`] writes it in place so the per-packet path
//! never moves the whole summary, and offers the frame to [`super::fast`]
//! first. A fragment stops the walk at the network layer: its transport
//! header is decoded after [`crate::frag`] has reassembled the datagram.

use core::net::IpAddr;

use super::checksum::Sum;
use super::ethernet::{self, EtherType};
use super::icmp::Version;
use super::ipv6_ext::{self, Chain};
use super::summary::{offset, DecodeOptions, Decoded, FragmentInfo, IpHeader, Span};
use super::transport::{self, L4};
use super::{fast, ipv4, ipv6, DecodeError};

/// Where IPv4's protocol field sits, reported as the "next header" of a fragment.
const IPV4_PROTOCOL_AT: usize = 9;

/// Decodes an Ethernet frame (with up to two VLAN tags) down to L4.
///
/// The summary is moved out to the caller; the per-packet path uses
/// [`decode_into`], which writes it where the caller keeps it.
#[inline]
pub fn decode<'a>(frame: &'a [u8], opts: &DecodeOptions) -> Result<Decoded<'a>, DecodeError> {
    let mut decoded = Decoded::empty(frame);
    decode_into(frame, opts, &mut decoded)?;
    Ok(decoded)
}

/// Decodes an Ethernet frame like [`decode`], writing the summary into
/// `out`; on error `out` is left partly written and must not be used.
#[inline]
pub fn decode_into<'a>(
    frame: &'a [u8],
    opts: &DecodeOptions,
    out: &mut Decoded<'a>,
) -> Result<(), DecodeError> {
    if fast::ipv4_tcp(frame, opts, out) {
        return Ok(());
    }
    decode_general(frame, opts, out)
}

/// The walk every Ethernet frame can take; [`decode_into`] skips it for
/// the frames [`fast::ipv4_tcp`] accepts. Inlined up to the network layer,
/// so a caller can see that `out` is overwritten before it is read.
#[inline(always)]
pub(super) fn decode_general<'a>(
    frame: &'a [u8],
    opts: &DecodeOptions,
    out: &mut Decoded<'a>,
) -> Result<(), DecodeError> {
    let link = ethernet::parse_link(frame)?;
    *out = Decoded::new(frame, Some(link), link.ethertype);
    network(out, opts, frame.len())
}

/// Decodes a frame that starts with an IPv4 or IPv6 header (linktype RAW,
/// or a datagram the fragment reassembler returned).
#[inline]
pub fn decode_ip<'a>(packet: &'a [u8], opts: &DecodeOptions) -> Result<Decoded<'a>, DecodeError> {
    let mut decoded = Decoded::empty(packet);
    decode_ip_into(packet, opts, &mut decoded)?;
    Ok(decoded)
}

/// Decodes a raw IP packet like [`decode_ip`], writing the summary into
/// `out`; on error `out` is left partly written and must not be used.
pub fn decode_ip_into<'a>(
    packet: &'a [u8],
    opts: &DecodeOptions,
    out: &mut Decoded<'a>,
) -> Result<(), DecodeError> {
    let first = packet.first().ok_or(DecodeError::IpTruncated)?;
    let ethertype = match first >> 4 {
        4 => EtherType::IPV4,
        6 => EtherType::IPV6,
        _ => return Err(DecodeError::IpBadVersion),
    };
    *out = Decoded::new(packet, None, ethertype);
    network(out, opts, packet.len())
}

/// Decodes the network layer at `decoded.l3_offset`, which ends at `end`
/// (the frame's end, or the end of the packet a tunnel carries).
pub(super) fn network(
    decoded: &mut Decoded<'_>,
    opts: &DecodeOptions,
    end: usize,
) -> Result<(), DecodeError> {
    let start = decoded.l3_offset as usize;
    let l3 = decoded.frame.get(start..end).unwrap_or(&[]);
    match decoded.ethertype {
        EtherType::IPV4 => ipv4_layer(decoded, l3, opts),
        EtherType::IPV6 => ipv6_layer(decoded, l3, opts),
        _ => Ok(()),
    }
}

#[inline(always)]
fn ipv4_layer(
    decoded: &mut Decoded<'_>,
    l3: &[u8],
    opts: &DecodeOptions,
) -> Result<(), DecodeError> {
    let packet = ipv4::Packet::new_checked(l3)?;
    let verify = opts.verify_checksums;
    if verify && !packet.verify_checksum() {
        return Err(DecodeError::Ipv4BadChecksum);
    }
    let ip = ipv4_header(&packet);
    let payload = packet.payload();
    decoded.checksums.ipv4_header = verify;
    decoded.ip = Some(ip);

    // A fragment ends the walk; its payload is the IP payload.
    set_payload(decoded, u32::from(ip.header_len), payload.len());
    if ip.fragment.is_some() {
        return Ok(());
    }
    let l4 = L4 {
        protocol: ip.protocol,
        version: Version::V4,
        addresses: Sum::default()
            .add_u32(u32::from(packet.src_addr()))
            .add_u32(u32::from(packet.dst_addr())),
        verify,
    };
    transport::transport(decoded, &l4, payload, opts)
}

/// The summary of a checked IPv4 header.
#[inline(always)]
pub(super) fn ipv4_header(packet: &ipv4::Packet<&[u8]>) -> IpHeader {
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
        // At most 60 bytes.
        header_len: u16::try_from(header_len).unwrap_or(u16::MAX),
        total_len: u32::from(packet.total_len()),
        ext_headers: 0,
        dont_fragment: packet.dont_frag(),
        fragment,
        atomic_fragment: false,
    }
}

#[inline(never)]
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
    set_payload(decoded, u32::from(ip.header_len), data.len());
    if fragment.is_some() {
        return Ok(());
    }
    let l4 = L4 {
        protocol: chain.protocol,
        version: Version::V6,
        addresses: Sum::default()
            .add_u128(u128::from(packet.src_addr()))
            .add_u128(u128::from(packet.dst_addr())),
        verify: opts.verify_checksums && !chain.routed,
    };
    transport::transport(decoded, &l4, data, opts)
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
        // The walk stops after eight headers of at most 2048 bytes each.
        header_len: u16::try_from(ipv6::HEADER_LEN + chain.offset).unwrap_or(u16::MAX),
        total_len: ipv6::HEADER_LEN as u32 + u32::from(packet.payload_len()),
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

/// Sets the upper-layer data to the `len` bytes `header_len` bytes after
/// the network header.
#[inline(always)]
fn set_payload(decoded: &mut Decoded<'_>, header_len: u32, len: usize) {
    let start = decoded.l3_offset.saturating_add(header_len);
    decoded.l4_offset = start;
    decoded.payload = Span {
        start,
        end: start.saturating_add(offset(len)),
    };
}
