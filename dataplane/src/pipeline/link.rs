//! Link layers the pipeline reads: Ethernet from ports, and the other
//! encapsulations capture files use (BSD loopback, raw IP, Linux cooked).
//! Each is reduced to "an Ethernet frame" or "an IP packet at offset N".

use crate::decode::{decode, decode_ip, DecodeError, DecodeOptions, Decoded};

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

/// Decodes `frame` according to its link type; `None` when the link layer
/// says it carries no IP (an Ethernet frame with another EtherType still
/// decodes, with no IP header).
pub(super) fn decode_link<'a>(
    frame: &'a [u8],
    link: LinkType,
    opts: &DecodeOptions,
) -> Result<Option<Decoded<'a>>, DecodeError> {
    let ip_at = |offset: usize| match frame.get(offset..) {
        Some(ip) => decode_ip(ip, opts).map(Some),
        None => Err(DecodeError::IpTruncated),
    };
    match link {
        LinkType::Ethernet => decode(frame, opts).map(Some),
        LinkType::Raw => ip_at(0),
        LinkType::Null => ip_at(4),
        LinkType::LinuxSll => cooked(frame, 14, 16).map_or(Ok(None), |_| ip_at(16)),
        LinkType::LinuxSll2 => cooked(frame, 0, 20).map_or(Ok(None), |_| ip_at(20)),
        LinkType::Other(_) => Ok(None),
    }
}

/// `Some` when the cooked header's protocol field (at `at`) says IPv4 or IPv6
/// and the header (`len` bytes) is complete.
fn cooked(frame: &[u8], at: usize, len: usize) -> Option<()> {
    let proto = frame.get(at..at + 2)?;
    let is_ip = proto == [0x08, 0x00] || proto == [0x86, 0xdd];
    (is_ip && frame.len() >= len).then_some(())
}
