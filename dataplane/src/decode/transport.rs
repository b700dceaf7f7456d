//! The transport step of the decode walk: TCP, UDP, ICMP and ICMPv6 headers
//! into the [`Decoded`] summary, and GRE handed to [`super::tunnel`].
//!
//! Input is the upper-layer data of a whole (unfragmented) IP packet and
//! what the network layer learnt ([`L4`]); output is the transport fields,
//! the payload span past the header, and the verified-checksum flag.

use super::checksum::{self, Sum};
use super::icmp::{self, Version};
use super::ip::IpProtocol;
use super::summary::{DecodeOptions, Decoded, IcmpInfo, TcpInfo, Transport, UdpInfo};
use super::tcp::{self, OptionSummary};
use super::{tunnel, udp, DecodeError};

/// What the transport layer needs from the network layer.
pub(super) struct L4 {
    pub protocol: IpProtocol,
    /// IPv4 or IPv6, named by the ICMP that goes with each.
    pub version: Version,
    /// The pseudo-header's address sum.
    pub addresses: Sum,
    /// Verify the upper-layer checksum (off in capture mode and for IPv6
    /// packets whose routing header still has segments left).
    pub verify: bool,
}

impl L4 {
    /// True when `segment` verifies under the pseudo-header for `protocol`.
    #[inline(always)]
    fn verify_segment(&self, protocol: IpProtocol, segment: &[u8]) -> bool {
        checksum::verify_segment(self.addresses, protocol, segment)
    }
}

/// Decodes the upper-layer `segment`, which starts at `decoded.l4_offset`.
#[inline(always)]
pub(super) fn transport(
    decoded: &mut Decoded<'_>,
    l4: &L4,
    segment: &[u8],
    opts: &DecodeOptions,
) -> Result<(), DecodeError> {
    let is_v4 = l4.version == Version::V4;
    match l4.protocol {
        IpProtocol::TCP => tcp_layer(decoded, l4, segment),
        IpProtocol::UDP => udp_layer(decoded, l4, segment),
        IpProtocol::ICMP if is_v4 => icmp_layer(decoded, l4, segment, Version::V4),
        IpProtocol::ICMPV6 if !is_v4 => icmp_layer(decoded, l4, segment, Version::V6),
        IpProtocol::GRE => tunnel::gre(decoded, segment, opts),
        _ => Ok(()),
    }
}

#[inline(always)]
fn tcp_layer(decoded: &mut Decoded<'_>, l4: &L4, segment: &[u8]) -> Result<(), DecodeError> {
    let packet = tcp::Packet::new_checked(segment)?;
    if l4.verify && !l4.verify_segment(IpProtocol::TCP, segment) {
        return Err(DecodeError::TcpBadChecksum);
    }
    let header_len = packet.header_len();
    decoded.checksums.l4 = l4.verify;
    decoded.transport = Transport::Tcp(TcpInfo {
        src_port: packet.src_port(),
        dst_port: packet.dst_port(),
        seq: packet.seq_number(),
        ack: packet.ack_number(),
        flags: packet.flags(),
        window: packet.window_len(),
        urgent: packet.urgent_at(),
        // The data offset field allows at most 60 bytes.
        header_len: u8::try_from(header_len).unwrap_or(u8::MAX),
        options: OptionSummary::from_options(packet.option_iter()),
    });
    skip_header(decoded, header_len);
    Ok(())
}

#[inline(never)]
fn udp_layer(decoded: &mut Decoded<'_>, l4: &L4, segment: &[u8]) -> Result<(), DecodeError> {
    let packet = udp::Packet::new_checked(segment)?;
    let is_v6 = l4.version == Version::V6;
    if l4.verify && packet.checksum() == 0 && is_v6 {
        return Err(DecodeError::UdpZeroChecksumV6);
    }
    if l4.verify && packet.checksum() != 0 {
        if !l4.verify_segment(IpProtocol::UDP, packet.datagram()) {
            return Err(DecodeError::UdpBadChecksum);
        }
        decoded.checksums.l4 = true;
    }
    decoded.transport = Transport::Udp(UdpInfo {
        src_port: packet.src_port(),
        dst_port: packet.dst_port(),
        len: packet.len(),
    });
    decoded.payload.end = decoded.l4_offset.saturating_add(u32::from(packet.len()));
    skip_header(decoded, udp::HEADER_LEN);
    Ok(())
}

#[inline(never)]
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
        Version::V6 if !l4.verify_segment(IpProtocol::ICMPV6, message) => {
            Err(DecodeError::Icmpv6BadChecksum)
        }
        _ => Ok(()),
    }
}

/// Moves the payload start past a transport header of `len` bytes.
#[inline(always)]
fn skip_header(decoded: &mut Decoded<'_>, len: usize) {
    // Transport headers are at most 60 bytes.
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    decoded.payload.start = decoded
        .l4_offset
        .saturating_add(len)
        .min(decoded.payload.end);
}
