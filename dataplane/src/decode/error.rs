//! The one error type of the decoder: why a frame could not be decoded.
//!
//! Every malformed frame maps to exactly one [`DecodeError`] variant, and every
//! variant maps to one stable counter name ([`DecodeError::as_str`]). The
//! pipeline keeps one drop-reason counter per entry of [`DecodeError::ALL`]
//! and never logs per packet.

use core::fmt;

/// The kind of malformed input that stopped decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// Shorter than the 14-byte Ethernet header.
    EthernetTruncated,
    /// A VLAN tag (802.1Q / 802.1ad) cut short.
    VlanTruncated,
    /// More than two stacked VLAN tags.
    TooManyVlanTags,
    /// A raw-IP frame with no byte to read the version from.
    IpTruncated,
    /// A raw-IP frame whose version is neither 4 nor 6.
    IpBadVersion,
    /// Shorter than the 20-byte IPv4 header.
    Ipv4Truncated,
    /// IPv4 EtherType but the version field is not 4.
    Ipv4BadVersion,
    /// IHL below 5 or pointing past the end of the frame.
    Ipv4BadHeaderLength,
    /// Total length below the header length or past the end of the frame.
    Ipv4BadTotalLength,
    /// An IPv4 option whose length byte is missing, too small or too large.
    Ipv4BadOption,
    /// IPv4 header checksum mismatch.
    Ipv4BadChecksum,
    /// A fragment whose end lies past the 65535-byte datagram limit.
    Ipv4FragmentTooLarge,
    /// Shorter than the 40-byte IPv6 header.
    Ipv6Truncated,
    /// IPv6 EtherType but the version field is not 6.
    Ipv6BadVersion,
    /// Payload length pointing past the end of the frame.
    Ipv6BadPayloadLength,
    /// An extension header cut short by the payload length.
    Ipv6ExtTruncated,
    /// More extension headers than the decoder walks.
    Ipv6ExtChainTooLong,
    /// A hop-by-hop options header anywhere but first.
    Ipv6HopByHopNotFirst,
    /// A fragment whose end lies past the 65535-byte payload limit.
    Ipv6FragmentTooLarge,
    /// Shorter than the 20-byte TCP header.
    TcpTruncated,
    /// Data offset below 5 or pointing past the end of the segment.
    TcpBadDataOffset,
    /// A TCP option whose length byte is missing, below 2 or past the header.
    TcpOptionTruncated,
    /// A known TCP option kind with the wrong length.
    TcpOptionBadLength,
    /// TCP checksum mismatch.
    TcpBadChecksum,
    /// Shorter than the 8-byte UDP header.
    UdpTruncated,
    /// UDP length below 8 or past the end of the IP payload.
    UdpBadLength,
    /// UDP checksum mismatch.
    UdpBadChecksum,
    /// UDP over IPv6 with a zero (absent) checksum, forbidden by RFC 8200.
    UdpZeroChecksumV6,
    /// Shorter than the 8-byte ICMP header.
    IcmpTruncated,
    /// ICMP checksum mismatch.
    IcmpBadChecksum,
    /// Shorter than the 8-byte ICMPv6 header.
    Icmpv6Truncated,
    /// ICMPv6 checksum mismatch.
    Icmpv6BadChecksum,
    /// Shorter than the GRE header its flags announce.
    GreTruncated,
    /// GRE version 0 with the routing, strict-route or recursion bits set
    /// (RFC 2784 receivers discard those).
    GreBadHeader,
    /// GRE checksum mismatch.
    GreBadChecksum,
    /// More nested tunnels than the decoder removes.
    TunnelTooDeep,
}

impl DecodeError {
    /// Every variant, in declaration order: one drop counter each.
    pub const ALL: &'static [DecodeError] = &[
        Self::EthernetTruncated,
        Self::VlanTruncated,
        Self::TooManyVlanTags,
        Self::IpTruncated,
        Self::IpBadVersion,
        Self::Ipv4Truncated,
        Self::Ipv4BadVersion,
        Self::Ipv4BadHeaderLength,
        Self::Ipv4BadTotalLength,
        Self::Ipv4BadOption,
        Self::Ipv4BadChecksum,
        Self::Ipv4FragmentTooLarge,
        Self::Ipv6Truncated,
        Self::Ipv6BadVersion,
        Self::Ipv6BadPayloadLength,
        Self::Ipv6ExtTruncated,
        Self::Ipv6ExtChainTooLong,
        Self::Ipv6HopByHopNotFirst,
        Self::Ipv6FragmentTooLarge,
        Self::TcpTruncated,
        Self::TcpBadDataOffset,
        Self::TcpOptionTruncated,
        Self::TcpOptionBadLength,
        Self::TcpBadChecksum,
        Self::UdpTruncated,
        Self::UdpBadLength,
        Self::UdpBadChecksum,
        Self::UdpZeroChecksumV6,
        Self::IcmpTruncated,
        Self::IcmpBadChecksum,
        Self::Icmpv6Truncated,
        Self::Icmpv6BadChecksum,
        Self::GreTruncated,
        Self::GreBadHeader,
        Self::GreBadChecksum,
        Self::TunnelTooDeep,
    ];

    /// The stable snake_case counter name of this error.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EthernetTruncated => "ethernet_truncated",
            Self::VlanTruncated => "vlan_truncated",
            Self::TooManyVlanTags => "too_many_vlan_tags",
            Self::IpTruncated => "ip_truncated",
            Self::IpBadVersion => "ip_bad_version",
            Self::Ipv4Truncated => "ipv4_truncated",
            Self::Ipv4BadVersion => "ipv4_bad_version",
            Self::Ipv4BadHeaderLength => "ipv4_bad_header_length",
            Self::Ipv4BadTotalLength => "ipv4_bad_total_length",
            Self::Ipv4BadOption => "ipv4_bad_option",
            Self::Ipv4BadChecksum => "ipv4_bad_checksum",
            Self::Ipv4FragmentTooLarge => "ipv4_fragment_too_large",
            Self::Ipv6Truncated => "ipv6_truncated",
            Self::Ipv6BadVersion => "ipv6_bad_version",
            Self::Ipv6BadPayloadLength => "ipv6_bad_payload_length",
            Self::Ipv6ExtTruncated => "ipv6_ext_truncated",
            Self::Ipv6ExtChainTooLong => "ipv6_ext_chain_too_long",
            Self::Ipv6HopByHopNotFirst => "ipv6_hop_by_hop_not_first",
            Self::Ipv6FragmentTooLarge => "ipv6_fragment_too_large",
            Self::TcpTruncated => "tcp_truncated",
            Self::TcpBadDataOffset => "tcp_bad_data_offset",
            Self::TcpOptionTruncated => "tcp_option_truncated",
            Self::TcpOptionBadLength => "tcp_option_bad_length",
            Self::TcpBadChecksum => "tcp_bad_checksum",
            Self::UdpTruncated => "udp_truncated",
            Self::UdpBadLength => "udp_bad_length",
            Self::UdpBadChecksum => "udp_bad_checksum",
            Self::UdpZeroChecksumV6 => "udp_zero_checksum_v6",
            Self::IcmpTruncated => "icmp_truncated",
            Self::IcmpBadChecksum => "icmp_bad_checksum",
            Self::Icmpv6Truncated => "icmpv6_truncated",
            Self::Icmpv6BadChecksum => "icmpv6_bad_checksum",
            Self::GreTruncated => "gre_truncated",
            Self::GreBadHeader => "gre_bad_header",
            Self::GreBadChecksum => "gre_bad_checksum",
            Self::TunnelTooDeep => "tunnel_too_deep",
        }
    }

    /// Position of this variant in [`DecodeError::ALL`], for counter arrays.
    pub const fn index(self) -> usize {
        // ALL follows declaration order, which a test checks.
        self as usize
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for DecodeError {}
