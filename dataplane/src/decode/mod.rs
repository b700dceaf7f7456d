//! Decoding of received frames: zero-copy views of Ethernet, VLAN, IPv4,
//! IPv6 (with extension headers), TCP, UDP, ICMP, ICMPv6 and GRE, and the
//! flat [`Decoded`] summary the pipeline works from.
//!
//! Input is the frame bytes of one mbuf (or a capture record, or a datagram
//! from [`crate::frag`]); output is a [`Decoded`] or exactly one
//! [`DecodeError`], which the caller counts under [`DecodeError::as_str`].
//! The per-packet path uses [`decode_into`], which fills a caller-owned
//! summary in place. Each protocol module offers a `Packet` view whose
//! `new_checked` validates lengths once so its getters cannot panic.
//! Nothing here allocates, reads a clock or logs.
//!
//! GRE tunnels (RFC 2784/2890) carrying IPv4, IPv6 or Ethernet are removed,
//! up to [`MAX_TUNNEL_DEPTH`] deep, and the inner packet is described.
//! What is not decoded: jumbograms, IPv4 AH/ESP contents, IP-in-IP, VXLAN
//! and other tunnels, PPTP's enhanced GRE, and more than two VLAN tags.

pub mod checksum;
mod error;
pub mod ethernet;
mod fast;
pub mod gre;
pub mod icmp;
pub mod ip;
pub mod ipv4;
pub mod ipv6;
pub mod ipv6_ext;
mod layers;
mod summary;
pub mod tcp;
mod transport;
mod tunnel;
pub mod udp;
mod wire;

#[cfg(test)]
pub(crate) mod tests;

pub use error::DecodeError;
pub use ethernet::{EtherType, Link, MacAddr, VlanTag, VlanTags};
pub use fast::{tcp_segment, TcpSegment};
pub use ip::IpProtocol;
pub use layers::{decode, decode_into, decode_ip, decode_ip_into};
pub use summary::{
    Checksums, DecodeOptions, Decoded, FragmentInfo, IcmpInfo, IpHeader, Span, TcpInfo, Transport,
    TunnelInfo, TunnelKind, UdpInfo, MAX_FRAME_LEN,
};
pub use tunnel::MAX_TUNNEL_DEPTH;
