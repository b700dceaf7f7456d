//! [`Decoded`]: the flat, `Copy` summary of one frame that the pipeline uses.
//!
//! It is filled layer by layer by [`super::decode_into`] and holds only values
//! and offsets into the frame it borrows, so the L3/L4 guards, the flow table
//! and the reassemblers read fields without touching the views again. It is
//! kept small (offsets are `u32`, SACK blocks stay in the frame) because it is
//! built for every packet.

use core::net::IpAddr;
use core::ops::Range;

use super::ethernet::{EtherType, Link};
use super::ip::IpProtocol;
use super::tcp::{Flags, OptionSummary, SackBlocks, SACK_BLOCK_LEN};

/// How much checking [`super::decode`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecodeOptions {
    /// Verify IPv4 header and TCP/UDP/ICMP checksums. Capture mode turns it
    /// off (captures taken on the sending host carry unfilled checksums), as
    /// does a port whose NIC verified them already.
    pub verify_checksums: bool,
}

impl DecodeOptions {
    /// Options for live traffic: every checksum verified.
    pub const LIVE: Self = Self {
        verify_checksums: true,
    };
    /// Options for captures: no checksum verified.
    pub const CAPTURE: Self = Self {
        verify_checksums: false,
    };
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self::LIVE
    }
}

// Offsets are `u32` and widen to `usize` losslessly.
const _: () = assert!(usize::BITS >= 32);

/// The longest frame decoded; bytes past it are ignored, so every offset
/// fits a `u32`. No mbuf or capture record comes near it.
pub const MAX_FRAME_LEN: usize = u32::MAX as usize;

/// An offset into a frame no longer than [`MAX_FRAME_LEN`].
#[inline]
pub(super) fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// A byte range of the frame, `Copy` unlike `Range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The span as a range, for slicing.
    pub const fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Its length in bytes.
    pub const fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// True when it covers no byte.
    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// Which checksums were verified (a failed one is an error, never a flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Checksums {
    /// The IPv4 header checksum.
    pub ipv4_header: bool,
    /// The TCP, UDP, ICMP or ICMPv6 checksum. Not done for fragments, for
    /// UDP over IPv4 without a checksum, and for IPv6 packets whose routing
    /// header still has segments left.
    pub l4: bool,
}

/// Fragment fields of an IPv4 fragment or an IPv6 fragment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentInfo {
    /// IPv4 identification (16 bits) or IPv6 fragment identification.
    pub id: u32,
    /// Offset of this fragment's data in the datagram, in bytes.
    pub offset: u16,
    /// More fragments follow.
    pub more: bool,
    /// Bytes repeated in every fragment, from the start of the IP header:
    /// the IPv4 header, or the IPv6 header and the extension headers before
    /// the fragment header.
    pub unfragmentable_len: usize,
    /// IPv6: offset from the start of the IP header of the next-header byte
    /// that names the fragment header. IPv4: the protocol field.
    pub next_header_at: usize,
}

/// The network layer of an IPv4 or IPv6 frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpHeader {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// The upper-layer protocol: after the IPv6 extension headers, and for a
    /// fragment the protocol of the fragmented datagram.
    pub protocol: IpProtocol,
    /// Time to live or hop limit.
    pub ttl: u8,
    /// Type of service or traffic class (DSCP and ECN).
    pub tos: u8,
    /// Bytes from the start of the IP header to the upper-layer data:
    /// options, or every extension header walked (at most 40 + 8 * 2048).
    pub header_len: u16,
    /// Bytes the IP length fields cover, header included (IPv6: up to
    /// 40 + 65535).
    pub total_len: u32,
    /// IPv6 extension headers walked.
    pub ext_headers: u8,
    /// IPv4 "don't fragment".
    pub dont_fragment: bool,
    /// Set for a fragment; `None` for whole datagrams and atomic fragments.
    pub fragment: Option<FragmentInfo>,
    /// An IPv6 fragment header with offset 0 and no more fragments, which
    /// is processed as a whole datagram (RFC 6946).
    pub atomic_fragment: bool,
}

/// TCP header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpInfo {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Control bits.
    pub flags: Flags,
    /// Raw (unscaled) window.
    pub window: u16,
    /// Urgent pointer.
    pub urgent: u16,
    /// Header length in bytes (20 to 60).
    pub header_len: u8,
    /// The options the pipeline uses.
    pub options: OptionSummary,
}

/// UDP header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UdpInfo {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// The length field, header included.
    pub len: u16,
}

/// ICMP or ICMPv6 header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IcmpInfo {
    /// Message type.
    pub msg_type: u8,
    /// Message code.
    pub code: u8,
    /// Echo identifier (first half of the rest of header).
    pub ident: u16,
    /// Echo sequence number (second half).
    pub seq: u16,
}

/// The transport layer, when one was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// Not IP, a fragment, or a protocol the decoder does not parse.
    None,
    /// TCP.
    Tcp(TcpInfo),
    /// UDP.
    Udp(UdpInfo),
    /// ICMP over IPv4.
    Icmp(IcmpInfo),
    /// ICMPv6 over IPv6.
    Icmpv6(IcmpInfo),
}

/// What kind of tunnel a packet was taken out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TunnelKind {
    /// GRE (RFC 2784) carrying IPv4 or IPv6.
    Gre,
    /// GRE carrying an Ethernet frame (transparent Ethernet bridging).
    GreEthernet,
}

/// The tunnel layers removed to reach the packet a [`Decoded`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TunnelInfo {
    /// The outermost tunnel's kind.
    pub kind: TunnelKind,
    /// Encapsulations removed (1 to [`super::MAX_TUNNEL_DEPTH`]).
    pub depth: u8,
    /// Source address of the outermost IP header.
    pub outer_src: IpAddr,
    /// Destination address of the outermost IP header.
    pub outer_dst: IpAddr,
}

/// Everything the pipeline needs from one frame, with offsets into it.
///
/// For a tunnelled packet every field but `link` and `tunnel` describes the
/// innermost packet: `ip`, `transport` and `payload` are the inner ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub(super) frame: &'a [u8],
    /// Ethernet addresses and VLAN tags of the frame as received; `None`
    /// for a raw-IP frame.
    pub link: Option<Link>,
    /// The network layer EtherType (after VLAN tags); for raw IP, the one
    /// matching the version.
    pub ethertype: EtherType,
    /// Offset of the network header in the frame.
    pub l3_offset: u32,
    /// Offset of the transport header (equals `payload.start` when none).
    pub l4_offset: u32,
    /// Application payload: after TCP/UDP/ICMP headers; the IP payload of a
    /// fragment or an unparsed protocol; after L2 for a non-IP frame.
    pub payload: Span,
    /// Which checksums were verified.
    pub checksums: Checksums,
    /// The IP header, for IPv4 and IPv6 frames.
    pub ip: Option<IpHeader>,
    /// The transport header.
    pub transport: Transport,
    /// Set when the packet was decapsulated.
    pub tunnel: Option<TunnelInfo>,
}

impl<'a> Decoded<'a> {
    /// A summary of a frame whose network layer starts at `l3_offset`.
    /// Bytes past [`MAX_FRAME_LEN`] are left out.
    #[inline]
    pub(super) fn new(frame: &'a [u8], link: Option<Link>, ethertype: EtherType) -> Self {
        let frame = frame.get(..MAX_FRAME_LEN).unwrap_or(frame);
        let l3_offset = link.map_or(0, |link| u32::from(link.l3_offset));
        Self {
            frame,
            link,
            ethertype,
            l3_offset,
            l4_offset: l3_offset,
            payload: Span {
                start: l3_offset,
                end: offset(frame.len()),
            },
            checksums: Checksums::default(),
            ip: None,
            transport: Transport::None,
            tunnel: None,
        }
    }

    /// A summary of `frame` with nothing decoded yet: the starting value
    /// for [`super::decode_into`], which overwrites all of it.
    #[inline]
    pub fn empty(frame: &'a [u8]) -> Self {
        Self::new(frame, None, EtherType::default())
    }

    /// The whole frame.
    pub fn frame(&self) -> &'a [u8] {
        self.frame
    }

    /// The payload bytes ([`Decoded::payload`] as a slice).
    pub fn payload_bytes(&self) -> &'a [u8] {
        self.frame.get(self.payload.range()).unwrap_or(&[])
    }

    /// The IP packet, header included and link padding excluded.
    pub fn ip_packet(&self) -> &'a [u8] {
        let start = self.l3_offset as usize;
        let len = self.ip.map_or(0, |ip| ip.total_len as usize);
        self.frame
            .get(start..start.saturating_add(len))
            .unwrap_or(&[])
    }

    /// True for a fragment that needs reassembly.
    pub fn is_fragment(&self) -> bool {
        self.ip.is_some_and(|ip| ip.fragment.is_some())
    }

    /// Source and destination ports of TCP or UDP.
    pub fn ports(&self) -> Option<(u16, u16)> {
        match self.transport {
            Transport::Tcp(tcp) => Some((tcp.src_port, tcp.dst_port)),
            Transport::Udp(udp) => Some((udp.src_port, udp.dst_port)),
            _ => None,
        }
    }

    /// The SACK blocks of a TCP segment, read from the frame.
    pub fn sack_blocks(&self) -> SackBlocks<'a> {
        let Transport::Tcp(tcp) = self.transport else {
            return SackBlocks::default();
        };
        let start = (self.l4_offset as usize).saturating_add(usize::from(tcp.options.sack_at));
        let len = usize::from(tcp.options.sack_len) * SACK_BLOCK_LEN;
        SackBlocks::new(
            self.frame
                .get(start..start.saturating_add(len))
                .unwrap_or(&[]),
        )
    }
}
