//! IP protocol numbers shared by IPv4 (protocol) and IPv6 (next header).
//!
//! Numbers the decoder does not know survive as plain values: the newtype
//! names the ones the pipeline cares about and accepts every other byte.

use core::fmt;

/// An IANA "Assigned Internet Protocol Number".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct IpProtocol(pub u8);

impl IpProtocol {
    /// IPv6 hop-by-hop options.
    pub const HOP_BY_HOP: Self = Self(0);
    /// ICMP for IPv4.
    pub const ICMP: Self = Self(1);
    /// IGMP.
    pub const IGMP: Self = Self(2);
    /// IPv4 encapsulated in IP.
    pub const IPIP: Self = Self(4);
    /// TCP.
    pub const TCP: Self = Self(6);
    /// UDP.
    pub const UDP: Self = Self(17);
    /// IPv6 encapsulated in IP.
    pub const IPV6: Self = Self(41);
    /// IPv6 routing header.
    pub const IPV6_ROUTING: Self = Self(43);
    /// IPv6 fragment header.
    pub const IPV6_FRAGMENT: Self = Self(44);
    /// Generic routing encapsulation.
    pub const GRE: Self = Self(47);
    /// Encapsulating security payload.
    pub const ESP: Self = Self(50);
    /// Authentication header.
    pub const AH: Self = Self(51);
    /// ICMP for IPv6.
    pub const ICMPV6: Self = Self(58);
    /// IPv6 "no next header".
    pub const IPV6_NO_NEXT: Self = Self(59);
    /// IPv6 destination options.
    pub const IPV6_DEST_OPTS: Self = Self(60);
    /// SCTP.
    pub const SCTP: Self = Self(132);
    /// IPv6 mobility header.
    pub const MOBILITY: Self = Self(135);
    /// Host identity protocol.
    pub const HIP: Self = Self(139);
    /// Shim6 protocol.
    pub const SHIM6: Self = Self(140);
    /// Reserved for experimentation (RFC 3692).
    pub const EXPERIMENT1: Self = Self(253);
    /// Reserved for experimentation (RFC 3692).
    pub const EXPERIMENT2: Self = Self(254);

    /// The name of a well-known protocol, or `None`.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "hopopt",
            1 => "icmp",
            2 => "igmp",
            4 => "ipip",
            6 => "tcp",
            17 => "udp",
            41 => "ipv6",
            43 => "ipv6-route",
            44 => "ipv6-frag",
            47 => "gre",
            50 => "esp",
            51 => "ah",
            58 => "ipv6-icmp",
            59 => "ipv6-nonxt",
            60 => "ipv6-opts",
            132 => "sctp",
            _ => return None,
        })
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.0),
        }
    }
}
