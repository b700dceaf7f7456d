//! The fast path for the most common frame on a port: untagged Ethernet,
//! IPv4 without options and not fragmented, then TCP.
//!
//! [`ipv4_tcp`] reads the 54 bytes of the three headers as one fixed-size
//! block, so every field is a constant-offset load with no further bounds
//! check, and writes the whole [`Decoded`] at once. It only ever accepts:
//! any frame that is not of that shape, or that fails a check (lengths, TCP
//! options, a checksum), is left to the general walk in [`super::layers`],
//! which then reports the same summary or the precise error. A property test
//! (`tests::fast`) holds both paths to the same result.

use super::checksum::{self, Sum};
use super::ethernet::{EtherType, Link, MacAddr, VlanTags};
use super::ip::IpProtocol;
use super::summary::{
    offset, Checksums, DecodeOptions, Decoded, IpHeader, Span, TcpInfo, Transport, MAX_FRAME_LEN,
};
use super::tcp::{self, OptionSummary};
use super::wire::{array, be16};
use super::{ipv4, layers};

/// Where the IPv4 header starts, after an untagged Ethernet header.
const IP_AT: usize = 14;
/// IPv4 header without options.
const IP_HEADER_LEN: usize = 20;
/// Where the TCP header starts.
const TCP_AT: usize = IP_AT + IP_HEADER_LEN;
/// The three headers, TCP without options.
const HEADERS_LEN: usize = TCP_AT + 20;
/// Version 4, header length 5 words.
const VERSION_IHL: u8 = 0x45;
/// "More fragments" and the fragment offset in the flags/offset word.
const FRAGMENT_MASK: u16 = 0x3fff;

/// The checked headers of an Ethernet/IPv4/TCP frame.
struct Shape<'a> {
    headers: &'a [u8; HEADERS_LEN],
    /// The TCP segment, up to the IPv4 total length.
    segment: &'a [u8],
    /// The IPv4 total length.
    total_len: u16,
}

/// Writes the summary of `frame` into `out` when the frame has the common
/// shape and passes every check; returns false, with `out` untouched,
/// otherwise.
#[inline(always)]
pub(super) fn ipv4_tcp<'a>(frame: &'a [u8], opts: &DecodeOptions, out: &mut Decoded<'a>) -> bool {
    let frame = frame.get(..MAX_FRAME_LEN).unwrap_or(frame);
    let Some(shape) = shape(frame) else {
        return false;
    };
    let Ok(tcp) = tcp::Packet::new_checked(shape.segment) else {
        return false;
    };
    let verify = opts.verify_checksums;
    if verify && !checksums_valid(&shape) {
        return false;
    }

    let header_len = tcp.header_len();
    *out = Decoded {
        frame,
        link: Some(link(shape.headers)),
        ethertype: EtherType::IPV4,
        l3_offset: offset(IP_AT),
        l4_offset: offset(TCP_AT),
        payload: Span {
            start: offset(TCP_AT + header_len),
            end: offset(IP_AT + usize::from(shape.total_len)),
        },
        checksums: Checksums {
            ipv4_header: verify,
            l4: verify,
        },
        ip: Some(ip_header(shape.headers)),
        transport: Transport::Tcp(tcp_info(&tcp, OptionSummary::default())),
        tunnel: None,
    };

    // Options are digested in place, and only when there are some.
    let options = tcp.option_iter();
    if let (false, Transport::Tcp(info)) = (options.is_empty(), &mut out.transport) {
        info.options = OptionSummary::from_options(options);
    }
    true
}

/// What flow tracking needs of a common-shape frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    /// Source IPv4 address.
    pub src: [u8; 4],
    /// Destination IPv4 address.
    pub dst: [u8; 4],
    /// TCP header fields; `options` is digested only when there are some.
    pub tcp: TcpInfo,
    /// The TCP payload.
    pub payload: &'a [u8],
}

/// The addresses and TCP fields of `frame` when it has the common shape and
/// passes every check that [`ipv4_tcp`] makes; `None` otherwise (the caller
/// then takes the general walk).
#[inline(always)]
pub fn tcp_segment<'a>(frame: &'a [u8], opts: &DecodeOptions) -> Option<TcpSegment<'a>> {
    let frame = frame.get(..MAX_FRAME_LEN).unwrap_or(frame);
    let shape = shape(frame)?;
    let tcp = tcp::Packet::new_checked(shape.segment).ok()?;
    if opts.verify_checksums && !checksums_valid(&shape) {
        return None;
    }
    let options = tcp.option_iter();
    let options = if options.is_empty() {
        OptionSummary::default()
    } else {
        OptionSummary::from_options(options)
    };
    Some(TcpSegment {
        src: array(&shape.headers[IP_AT + 12..IP_AT + 16]),
        dst: array(&shape.headers[IP_AT + 16..IP_AT + 20]),
        tcp: tcp_info(&tcp, options),
        payload: shape.segment.get(tcp.header_len()..).unwrap_or_default(),
    })
}

/// The TCP header fields of a checked segment, with `options` as given.
#[inline(always)]
fn tcp_info(tcp: &tcp::Packet<&[u8]>, options: OptionSummary) -> TcpInfo {
    TcpInfo {
        src_port: tcp.src_port(),
        dst_port: tcp.dst_port(),
        seq: tcp.seq_number(),
        ack: tcp.ack_number(),
        flags: tcp.flags(),
        window: tcp.window_len(),
        urgent: tcp.urgent_at(),
        // The data offset field allows at most 60 bytes.
        header_len: u8::try_from(tcp.header_len()).unwrap_or(u8::MAX),
        options,
    }
}

/// The headers, when the frame is untagged IPv4 without options, not a
/// fragment, carrying TCP, with a total length that fits the frame.
#[inline(always)]
fn shape(frame: &[u8]) -> Option<Shape<'_>> {
    let headers = frame.first_chunk::<HEADERS_LEN>()?;
    let ethertype = be16(&headers[12..14]);
    let flags_offset = be16(&headers[IP_AT + 6..IP_AT + 8]);
    let is_common = ethertype == EtherType::IPV4.0
        && headers[IP_AT] == VERSION_IHL
        && headers[IP_AT + 9] == IpProtocol::TCP.0
        && flags_offset & FRAGMENT_MASK == 0;
    if !is_common {
        return None;
    }
    let total_len = be16(&headers[IP_AT + 2..IP_AT + 4]);
    let segment = frame.get(TCP_AT..IP_AT + usize::from(total_len))?;
    Some(Shape {
        headers,
        segment,
        total_len,
    })
}

/// True when the IPv4 header and TCP checksums both verify.
#[inline(always)]
fn checksums_valid(shape: &Shape<'_>) -> bool {
    let ip = &shape.headers[IP_AT..TCP_AT];
    if !checksum::verify(ip) {
        return false;
    }
    let addresses = Sum::default().add_bytes(&ip[12..20]);
    checksum::verify_segment(addresses, IpProtocol::TCP, shape.segment)
}

/// The IPv4 fields, read as the general walk reads them.
#[inline(always)]
fn ip_header(headers: &[u8; HEADERS_LEN]) -> IpHeader {
    let (_, rest) = headers.split_at(IP_AT);
    let fixed = rest
        .first_chunk::<IP_HEADER_LEN>()
        .unwrap_or(&[0; IP_HEADER_LEN]);
    layers::ipv4_header(&ipv4::Packet::from_fixed_header(fixed))
}

#[inline(always)]
fn link(headers: &[u8; HEADERS_LEN]) -> Link {
    Link {
        dst: MacAddr(array(&headers[0..6])),
        src: MacAddr(array(&headers[6..12])),
        vlans: VlanTags::default(),
        ethertype: EtherType::IPV4,
        l3_offset: IP_AT as u16,
    }
}
