//! What the reassembler takes in: a [`Fragment`] and the [`FragKey`] that
//! groups it with the other fragments of its datagram.
//!
//! A fragment is usually built from a [`Decoded`] frame with
//! [`Fragment::from_decoded`]; its fields are public so tests and fuzzers can
//! build any fragment, and [`super::Reassembler::push`] checks them again.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::decode::{Decoded, IpProtocol};

/// Identifies one datagram being reassembled (RFC 791 / RFC 8200 4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FragKey {
    /// IPv4: source, destination, identification and protocol.
    V4 {
        src: Ipv4Addr,
        dst: Ipv4Addr,
        id: u16,
        protocol: IpProtocol,
    },
    /// IPv6: source, destination and fragment identification.
    V6 {
        src: Ipv6Addr,
        dst: Ipv6Addr,
        id: u32,
    },
}

impl Default for FragKey {
    fn default() -> Self {
        Self::V4 {
            src: Ipv4Addr::UNSPECIFIED,
            dst: Ipv4Addr::UNSPECIFIED,
            id: 0,
            protocol: IpProtocol(0),
        }
    }
}

impl FragKey {
    /// True for IPv6 datagrams.
    pub const fn is_v6(&self) -> bool {
        matches!(self, Self::V6 { .. })
    }
}

/// One fragment, borrowed from the frame that carried it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment<'a> {
    /// The datagram this fragment belongs to.
    pub key: FragKey,
    /// Offset of `data` in the datagram's payload, in bytes (a multiple of 8).
    pub offset: u16,
    /// More fragments follow (IPv4 MF flag, IPv6 M flag).
    pub more: bool,
    /// The part repeated in every fragment: the IPv4 header, or the IPv6
    /// header and the extension headers before the fragment header.
    pub header: &'a [u8],
    /// IPv6: index in `header` of the next-header byte that named the
    /// fragment header, rewritten to `protocol` on reassembly.
    pub next_header_at: usize,
    /// Protocol of the reassembled payload.
    pub protocol: IpProtocol,
    /// The fragment's share of the payload.
    pub data: &'a [u8],
}

impl<'a> Fragment<'a> {
    /// The fragment carried by `decoded`, or `None` when it is not one.
    pub fn from_decoded(decoded: &Decoded<'a>) -> Option<Self> {
        let ip = decoded.ip?;
        let info = ip.fragment?;
        let key = match (ip.src, ip.dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => FragKey::V4 {
                src,
                dst,
                id: u16::try_from(info.id).ok()?,
                protocol: ip.protocol,
            },
            (IpAddr::V6(src), IpAddr::V6(dst)) => FragKey::V6 {
                src,
                dst,
                id: info.id,
            },
            _ => return None,
        };
        Some(Self {
            key,
            offset: info.offset,
            more: info.more,
            header: decoded.ip_packet().get(..info.unfragmentable_len)?,
            next_header_at: info.next_header_at,
            protocol: ip.protocol,
            data: decoded.payload_bytes(),
        })
    }

    /// Offset one past the last payload byte this fragment carries.
    pub fn end(&self) -> usize {
        usize::from(self.offset) + self.data.len()
    }

    /// Offset 0 and no more fragments: a whole datagram (RFC 6946).
    pub fn is_atomic(&self) -> bool {
        self.offset == 0 && !self.more
    }
}
