//! Decoding of received frames: zero-copy views of Ethernet, VLAN, IPv4,
//! IPv6 (with extension headers), TCP, UDP, ICMP and ICMPv6, and the flat
//! [`Decoded`] summary the pipeline works from.
//!
//! Input is the frame bytes of one mbuf (or a capture record, or a datagram
//! from [`crate::frag`]); output is a [`Decoded`] or exactly one
//! [`DecodeError`], which the caller counts under [`DecodeError::as_str`].
//! Each protocol module offers a `Packet` view whose `new_checked` validates
//! lengths once so its getters cannot panic. Nothing here allocates, reads a
//! clock or logs.
//!
//! What is not decoded: jumbograms, IPv4 AH/ESP contents, tunnels (GRE,
//! IP-in-IP, VXLAN) and more than two VLAN tags.

pub mod checksum;
mod error;
pub mod ethernet;
pub mod icmp;
pub mod ip;
pub mod ipv4;
pub mod ipv6;
pub mod ipv6_ext;
mod layers;
mod summary;
pub mod tcp;
pub mod udp;
mod wire;

#[cfg(test)]
pub(crate) mod tests;

pub use error::DecodeError;
pub use ethernet::{EtherType, Link, MacAddr, VlanTag, VlanTags};
pub use ip::IpProtocol;
pub use layers::{decode, decode_ip};
pub use summary::{
    Checksums, DecodeOptions, Decoded, FragmentInfo, IcmpInfo, IpHeader, Span, TcpInfo, Transport,
    UdpInfo,
};
