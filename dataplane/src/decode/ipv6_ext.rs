//! The IPv6 extension header chain (RFC 8200 section 4), walked with a bound.
//!
//! [`walk`] follows next-header values from the fixed header through
//! hop-by-hop, routing, fragment, destination options, AH and the other
//! headers in the generic format (mobility, HIP, shim6, experimental), and
//! stops at the first upper-layer protocol, at ESP or "no next header", or
//! after a fragment header that is not atomic (what follows it belongs to
//! the fragmented datagram). At most [`MAX_EXT_HEADERS`] headers are walked.

use super::ip::IpProtocol;
use super::ipv6::{HEADER_LEN, NEXT_HEADER_AT};
use super::wire::{be16, be32};
use super::DecodeError;

/// Most extension headers walked before giving up.
pub const MAX_EXT_HEADERS: usize = 8;

/// Length of the fragment header.
const FRAGMENT_LEN: usize = 8;

/// A fragment header (RFC 8200 section 4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentHeader {
    /// The protocol of the fragmentable part.
    pub next_header: IpProtocol,
    /// Offset of this fragment's data in the original payload, in bytes.
    pub offset: u16,
    /// The M flag: more fragments follow.
    pub more: bool,
    /// Identification shared by the fragments of one datagram.
    pub ident: u32,
    /// Offset of the fragment header from the start of the IPv6 header.
    pub header_at: usize,
    /// Offset, from the start of the IPv6 header, of the next-header byte
    /// that names the fragment header.
    pub next_header_at: usize,
}

impl FragmentHeader {
    /// An atomic fragment (RFC 6946): offset 0 and no more fragments.
    pub const fn is_atomic(&self) -> bool {
        self.offset == 0 && !self.more
    }
}

/// Where the chain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chain {
    /// The protocol after the last header walked.
    pub protocol: IpProtocol,
    /// Offset in the IPv6 payload where that protocol's data starts.
    pub offset: usize,
    /// Extension headers walked.
    pub count: u8,
    /// The fragment header, when one was walked.
    pub fragment: Option<FragmentHeader>,
    /// A routing header still has segments left: the upper-layer checksum
    /// uses the final destination, not the header's destination address.
    pub routed: bool,
}

/// How an extension header encodes its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// Length byte counts 8-byte units beyond the first 8.
    Generic,
    /// Length byte counts 4-byte units minus 2 (RFC 4302).
    Auth,
    /// Fixed 8 bytes.
    Fragment,
}

fn format(protocol: IpProtocol) -> Option<Format> {
    match protocol {
        IpProtocol::IPV6_FRAGMENT => Some(Format::Fragment),
        IpProtocol::AH => Some(Format::Auth),
        IpProtocol::HOP_BY_HOP
        | IpProtocol::IPV6_ROUTING
        | IpProtocol::IPV6_DEST_OPTS
        | IpProtocol::MOBILITY
        | IpProtocol::HIP
        | IpProtocol::SHIM6
        | IpProtocol::EXPERIMENT1
        | IpProtocol::EXPERIMENT2 => Some(Format::Generic),
        _ => None,
    }
}

/// Walks the chain that starts with `first` at the start of `payload`.
pub fn walk(first: IpProtocol, payload: &[u8]) -> Result<Chain, DecodeError> {
    let mut chain = Chain {
        protocol: first,
        offset: 0,
        count: 0,
        fragment: None,
        routed: false,
    };
    let mut next_header_at = NEXT_HEADER_AT;
    while let Some(format) = format(chain.protocol) {
        let header = next_header(&chain, format, payload)?;

        if chain.protocol == IpProtocol::IPV6_ROUTING && header.get(3).is_some_and(|s| *s != 0) {
            chain.routed = true;
        }
        let here = HEADER_LEN + chain.offset;
        chain.count += 1;
        chain.offset += header.len();
        chain.protocol = IpProtocol(header.first().copied().unwrap_or(0));

        if format == Format::Fragment {
            let fragment = parse_fragment(header, here, next_header_at);
            chain.fragment = Some(fragment);
            if !fragment.is_atomic() {
                break;
            }
        }
        next_header_at = here;
    }
    Ok(chain)
}

/// The bytes of the header `chain` points at, after the bound checks.
fn next_header<'a>(
    chain: &Chain,
    format: Format,
    payload: &'a [u8],
) -> Result<&'a [u8], DecodeError> {
    if usize::from(chain.count) == MAX_EXT_HEADERS {
        return Err(DecodeError::Ipv6ExtChainTooLong);
    }
    if chain.protocol == IpProtocol::HOP_BY_HOP && chain.count != 0 {
        return Err(DecodeError::Ipv6HopByHopNotFirst);
    }
    let rest = payload.get(chain.offset..).unwrap_or(&[]);
    let len_byte = *rest.get(1).ok_or(DecodeError::Ipv6ExtTruncated)?;
    let len = match format {
        Format::Generic => (usize::from(len_byte) + 1) * 8,
        Format::Auth => (usize::from(len_byte) + 2) * 4,
        Format::Fragment => FRAGMENT_LEN,
    };
    rest.get(..len).ok_or(DecodeError::Ipv6ExtTruncated)
}

fn parse_fragment(header: &[u8], header_at: usize, next_header_at: usize) -> FragmentHeader {
    let offset_flags = be16(header.get(2..4).unwrap_or(&[]));
    FragmentHeader {
        next_header: IpProtocol(header.first().copied().unwrap_or(0)),
        offset: offset_flags & 0xfff8,
        more: offset_flags & 1 != 0,
        ident: be32(header.get(4..8).unwrap_or(&[])),
        header_at,
        next_header_at,
    }
}
