//! Tunnel decapsulation: GRE (RFC 2784, RFC 2890) carrying IPv4, IPv6 or,
//! by transparent Ethernet bridging, an Ethernet frame.
//!
//! Called by the transport step with the GRE packet of a whole IP packet.
//! For a protocol type it knows it records the outer layer in
//! [`Decoded::tunnel`], points the summary at the inner packet and walks
//! the network layer again; at most [`MAX_TUNNEL_DEPTH`] times per frame.
//! Anything else (another protocol type, a GRE version other than 0, a
//! bridged frame that is not IP) stays described as the outer packet with no
//! transport layer, so it is kept and counted rather than refused.

use super::ethernet::{self, EtherType};
use super::layers;
use super::summary::{
    offset, Checksums, DecodeOptions, Decoded, IpHeader, Span, Transport, TunnelInfo, TunnelKind,
};
use super::{gre, DecodeError};

/// Most nested tunnels removed from one frame.
pub const MAX_TUNNEL_DEPTH: u8 = 2;

/// Where a tunnel's inner packet starts and what it is.
struct Inner {
    kind: TunnelKind,
    ethertype: EtherType,
    /// Offset of the inner network header in the frame.
    l3_offset: usize,
}

/// Decapsulates the GRE packet `segment` found at `decoded.l4_offset`.
/// Kept out of line: it walks the network layer again, recursively.
#[inline(never)]
pub(super) fn gre(
    decoded: &mut Decoded<'_>,
    segment: &[u8],
    opts: &DecodeOptions,
) -> Result<(), DecodeError> {
    let Some(outer) = decoded.ip else {
        // Only an IP packet carries GRE.
        return Ok(());
    };
    let packet = gre::Packet::new_checked(segment)?;
    if opts.verify_checksums && !packet.verify_checksum() {
        return Err(DecodeError::GreBadChecksum);
    }
    if packet.version() != 0 {
        return Ok(());
    }

    // The inner packet ends where the outer IP payload ends.
    let start = decoded.l4_offset as usize + packet.header_len();
    let end = decoded.payload.end as usize;
    let Some(inner) = inner(decoded.frame, start, end, packet.protocol())? else {
        return Ok(());
    };
    enter(decoded, &outer, &inner)?;
    layers::network(decoded, opts, end)
}

/// The inner packet of protocol type `protocol` at `start`, if it is IP.
fn inner(
    frame: &[u8],
    start: usize,
    end: usize,
    protocol: EtherType,
) -> Result<Option<Inner>, DecodeError> {
    if protocol == EtherType::IPV4 || protocol == EtherType::IPV6 {
        return Ok(Some(Inner {
            kind: TunnelKind::Gre,
            ethertype: protocol,
            l3_offset: start,
        }));
    }
    if protocol != EtherType::TRANSPARENT_BRIDGING {
        return Ok(None);
    }
    let link = ethernet::parse_link(frame.get(start..end).unwrap_or(&[]))?;
    let is_ip = link.ethertype == EtherType::IPV4 || link.ethertype == EtherType::IPV6;
    Ok(is_ip.then(|| Inner {
        kind: TunnelKind::GreEthernet,
        ethertype: link.ethertype,
        l3_offset: start + usize::from(link.l3_offset),
    }))
}

/// Records the outer layer and resets the summary to the inner packet.
fn enter(decoded: &mut Decoded<'_>, outer: &IpHeader, inner: &Inner) -> Result<(), DecodeError> {
    decoded.tunnel = Some(match decoded.tunnel {
        Some(tunnel) if tunnel.depth >= MAX_TUNNEL_DEPTH => return Err(DecodeError::TunnelTooDeep),
        Some(tunnel) => TunnelInfo {
            depth: tunnel.depth + 1,
            ..tunnel
        },
        None => TunnelInfo {
            kind: inner.kind,
            depth: 1,
            outer_src: outer.src,
            outer_dst: outer.dst,
        },
    });

    let l3_offset = offset(inner.l3_offset);
    decoded.ethertype = inner.ethertype;
    decoded.l3_offset = l3_offset;
    decoded.l4_offset = l3_offset;
    decoded.payload = Span {
        start: l3_offset,
        end: decoded.payload.end,
    };
    decoded.checksums = Checksums::default();
    decoded.ip = None;
    decoded.transport = Transport::None;
    Ok(())
}
