//! Link layers the pipeline reads: Ethernet from ports, and the other
//! encapsulations capture files use (BSD loopback, raw IP, Linux cooked).
//! Each is reduced to "an Ethernet frame" or "an IP packet at offset N".

use crate::decode::{decode_into, decode_ip_into, DecodeError, DecodeOptions, Decoded};

/// The link layer of a port or a capture file (pcap LINKTYPE_* values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LinkType {
    /// Ethernet (LINKTYPE_ETHERNET, 1): every port, most captures.
    #[default]
    Ethernet,
    /// BSD loopback, 4-byte address family in host order (0), or in
    /// network order (LINKTYPE_LOOP, 108).
    Null,
    /// Raw IPv4/IPv6 (101, and the historical 12 and 14).
    Raw,
    /// Linux cooked capture v1 (113): 16-byte header, protocol at 14.
    LinuxSll,
    /// Linux cooked capture v2 (276): 20-byte header, protocol at 0.
    LinuxSll2,
    /// Anything else: frames pass uninspected, counted as not IP.
    Other(u32),
}

impl LinkType {
    /// From a pcap/pcapng link-type number.
    pub fn from_pcap(linktype: u32) -> LinkType {
        match linktype {
            1 => LinkType::Ethernet,
            0 | 108 => LinkType::Null,
            12 | 14 | 101 => LinkType::Raw,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            n => LinkType::Other(n),
        }
    }
}

/// Decodes `frame` by its link type into a caller-owned summary: `Ok(false)`
/// when the link layer carries no IP; on error `out` must not be used.
#[inline(always)]
pub(super) fn decode_link_into<'a>(
    frame: &'a [u8],
    link: LinkType,
    opts: &DecodeOptions,
    out: &mut Decoded<'a>,
) -> Result<bool, DecodeError> {
    let ip_at = match link {
        LinkType::Ethernet => return decode_into(frame, opts, out).map(|()| true),
        LinkType::Raw => 0,
        LinkType::Null => 4,
        LinkType::LinuxSll if cooked(frame, 14, 16) => 16,
        LinkType::LinuxSll2 if cooked(frame, 0, 20) => 20,
        LinkType::LinuxSll | LinkType::LinuxSll2 | LinkType::Other(_) => return Ok(false),
    };
    let packet = frame.get(ip_at..).ok_or(DecodeError::IpTruncated)?;
    decode_ip_into(packet, opts, out).map(|()| true)
}

/// True when the cooked header's protocol field (at `at`) says IPv4 or IPv6
/// and the header (`len` bytes) is complete.
fn cooked(frame: &[u8], at: usize, len: usize) -> bool {
    let Some(proto) = frame.get(at..at + 2) else {
        return false;
    };
    let is_ip = proto == [0x08, 0x00] || proto == [0x86, 0xdd];
    is_ip && frame.len() >= len
}
