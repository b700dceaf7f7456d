//! Every [`DecodeError`] variant, each reached by one malformed packet.

use std::collections::HashSet;

use super::build::{self, Gre, Tcp, V4};
use crate::decode::{decode, decode_ip, DecodeError, DecodeOptions, IpProtocol};

/// Whether a case is a whole Ethernet frame or a raw IP packet.
#[derive(Debug, Clone, Copy)]
enum Entry {
    Eth,
    Ip,
}

fn v4_with(protocol: IpProtocol, payload: &[u8]) -> Vec<u8> {
    V4::new(protocol).build(payload)
}

fn tcp_v4(tcp: &Tcp) -> Vec<u8> {
    v4_with(IpProtocol::TCP, &tcp.build(b"", &build::pseudo_v4()))
}

fn flip(mut packet: Vec<u8>, at: usize) -> Vec<u8> {
    packet[at] ^= 0x01;
    packet
}

fn with_bytes(mut packet: Vec<u8>, at: usize, bytes: &[u8]) -> Vec<u8> {
    packet[at..at + bytes.len()].copy_from_slice(bytes);
    packet
}

fn link_cases() -> Vec<(DecodeError, Entry, Vec<u8>)> {
    vec![
        (DecodeError::EthernetTruncated, Entry::Eth, vec![0; 13]),
        (
            DecodeError::VlanTruncated,
            Entry::Eth,
            build::ethernet(&[], 0x8100, &[0, 1]),
        ),
        (
            DecodeError::TooManyVlanTags,
            Entry::Eth,
            build::ethernet(&[(0x88a8, 1), (0x8100, 2), (0x8100, 3)], 0x0800, &[0; 40]),
        ),
        (DecodeError::IpTruncated, Entry::Ip, vec![]),
        (DecodeError::IpBadVersion, Entry::Ip, vec![0x50; 40]),
    ]
}

fn ipv4_cases() -> Vec<(DecodeError, Entry, Vec<u8>)> {
    let udp = build::udp(1, 2, b"", &build::pseudo_v4());
    let ok = v4_with(IpProtocol::UDP, &udp);
    let mut bad_option = V4::new(IpProtocol::UDP);
    bad_option.options = vec![0x9e, 9, 0, 0];
    let mut too_large = V4::new(IpProtocol::UDP);
    too_large.flags_offset = 0x1fff;
    vec![
        (DecodeError::Ipv4Truncated, Entry::Ip, ok[..19].to_vec()),
        (
            DecodeError::Ipv4BadVersion,
            Entry::Eth,
            build::ethernet(&[], 0x0800, &build::ipv6(59, &[])),
        ),
        (
            DecodeError::Ipv4BadHeaderLength,
            Entry::Ip,
            with_bytes(ok.clone(), 0, &[0x44]),
        ),
        (
            DecodeError::Ipv4BadTotalLength,
            Entry::Ip,
            with_bytes(ok.clone(), 2, &[0, 60]),
        ),
        (
            DecodeError::Ipv4BadOption,
            Entry::Ip,
            bad_option.build(&udp),
        ),
        (DecodeError::Ipv4BadChecksum, Entry::Ip, flip(ok, 10)),
        (
            DecodeError::Ipv4FragmentTooLarge,
            Entry::Ip,
            too_large.build(&udp),
        ),
    ]
}

fn ipv6_cases() -> Vec<(DecodeError, Entry, Vec<u8>)> {
    let ok = build::ipv6(59, &[0; 8]);
    let nine: Vec<Vec<u8>> = (0..9).map(|_| build::ext_header(60, 1)).collect();
    let late_hop = [build::ext_header(0, 1), build::ext_header(59, 1)].concat();
    let fragment = [build::fragment_header(17, 65528, true, 1), vec![0; 16]].concat();
    vec![
        (DecodeError::Ipv6Truncated, Entry::Ip, ok[..39].to_vec()),
        (
            DecodeError::Ipv6BadVersion,
            Entry::Eth,
            build::ethernet(&[], 0x86dd, &v4_with(IpProtocol(59), &[0; 20])),
        ),
        (
            DecodeError::Ipv6BadPayloadLength,
            Entry::Ip,
            with_bytes(ok, 4, &[0, 9]),
        ),
        (
            DecodeError::Ipv6ExtTruncated,
            Entry::Ip,
            build::ipv6(0, &[59, 1, 0, 0]),
        ),
        (
            DecodeError::Ipv6ExtChainTooLong,
            Entry::Ip,
            build::ipv6(60, &nine.concat()),
        ),
        (
            DecodeError::Ipv6HopByHopNotFirst,
            Entry::Ip,
            build::ipv6(60, &late_hop),
        ),
        (
            DecodeError::Ipv6FragmentTooLarge,
            Entry::Ip,
            build::ipv6(44, &fragment),
        ),
    ]
}

fn tcp_cases() -> Vec<(DecodeError, Entry, Vec<u8>)> {
    let truncated_option = Tcp {
        options: vec![3, 10, 0, 0],
        ..Tcp::default()
    };
    let bad_mss = Tcp {
        options: vec![2, 3, 1, 0],
        ..Tcp::default()
    };
    let ok = tcp_v4(&Tcp::default());
    vec![
        (
            DecodeError::TcpTruncated,
            Entry::Ip,
            v4_with(IpProtocol::TCP, &[0; 19]),
        ),
        (
            DecodeError::TcpBadDataOffset,
            Entry::Ip,
            with_bytes(ok.clone(), 32, &[0x40]),
        ),
        (
            DecodeError::TcpOptionTruncated,
            Entry::Ip,
            tcp_v4(&truncated_option),
        ),
        (DecodeError::TcpOptionBadLength, Entry::Ip, tcp_v4(&bad_mss)),
        (DecodeError::TcpBadChecksum, Entry::Ip, flip(ok, 36)),
    ]
}

fn udp_icmp_cases() -> Vec<(DecodeError, Entry, Vec<u8>)> {
    let udp = build::udp(1, 2, b"abc", &build::pseudo_v4());
    let udp6 = build::udp(1, 2, b"abc", &build::pseudo_v6());
    let icmp6 = build::icmp_echo(128, 1, 1, Some(&build::pseudo_v6()));
    vec![
        (
            DecodeError::UdpTruncated,
            Entry::Ip,
            v4_with(IpProtocol::UDP, &udp[..7]),
        ),
        (
            DecodeError::UdpBadLength,
            Entry::Ip,
            v4_with(IpProtocol::UDP, &with_bytes(udp.clone(), 4, &[0, 12])),
        ),
        (
            DecodeError::UdpBadChecksum,
            Entry::Ip,
            v4_with(IpProtocol::UDP, &flip(udp, 9)),
        ),
        (
            DecodeError::UdpZeroChecksumV6,
            Entry::Ip,
            build::ipv6(17, &with_bytes(udp6, 6, &[0, 0])),
        ),
        (
            DecodeError::IcmpTruncated,
            Entry::Ip,
            v4_with(IpProtocol::ICMP, &[8, 0, 0, 0]),
        ),
        (
            DecodeError::IcmpBadChecksum,
            Entry::Ip,
            v4_with(IpProtocol::ICMP, &flip(build::icmp_echo(8, 1, 1, None), 9)),
        ),
        (
            DecodeError::Icmpv6Truncated,
            Entry::Ip,
            build::ipv6(58, &[128, 0, 0, 0]),
        ),
        (
            DecodeError::Icmpv6BadChecksum,
            Entry::Ip,
            build::ipv6(58, &flip(icmp6, 8)),
        ),
    ]
}

fn gre_cases() -> Vec<(DecodeError, Entry, Vec<u8>)> {
    let inner = build::tcp_v4_packet(&Tcp::default(), b"x");
    let checked = Gre {
        checksum: true,
        ..Gre::new(0x0800)
    };
    let routing = Gre {
        extra_bits: 0x4000,
        ..Gre::new(0x0800)
    };
    // Three GRE layers, one more than the decoder removes.
    let nested = (0..3).fold(inner.clone(), |packet, _| {
        build::outer_v4(&Gre::new(0x0800).build(&packet))
    });
    vec![
        (
            DecodeError::GreTruncated,
            Entry::Ip,
            build::outer_v4(&[0, 0, 0x08]),
        ),
        (
            DecodeError::GreTruncated,
            Entry::Ip,
            build::outer_v4(&[0x20, 0, 0x08, 0x00, 0, 0]),
        ),
        (
            DecodeError::GreBadHeader,
            Entry::Ip,
            build::outer_v4(&routing.build(&inner)),
        ),
        (
            DecodeError::GreBadChecksum,
            Entry::Ip,
            build::outer_v4(&flip(checked.build(&inner), 30)),
        ),
        (DecodeError::TunnelTooDeep, Entry::Ip, nested),
    ]
}

fn all_cases() -> Vec<(DecodeError, Entry, Vec<u8>)> {
    [
        link_cases(),
        ipv4_cases(),
        ipv6_cases(),
        tcp_cases(),
        udp_icmp_cases(),
        gre_cases(),
    ]
    .concat()
}

#[test]
fn each_case_yields_its_error() {
    for (expected, entry, bytes) in all_cases() {
        let got = match entry {
            Entry::Eth => decode(&bytes, &DecodeOptions::LIVE).err(),
            Entry::Ip => decode_ip(&bytes, &DecodeOptions::LIVE).err(),
        };
        assert_eq!(got, Some(expected), "case {}", expected.as_str());
    }
}

#[test]
fn every_variant_has_a_case() {
    let covered: HashSet<DecodeError> = all_cases().into_iter().map(|c| c.0).collect();
    for error in DecodeError::ALL {
        assert!(
            covered.contains(error),
            "no case reaches {}",
            error.as_str()
        );
    }
}

#[test]
fn counter_names_are_unique_snake_case_and_indexed() {
    let names: HashSet<&str> = DecodeError::ALL.iter().map(|e| e.as_str()).collect();
    assert_eq!(names.len(), DecodeError::ALL.len());
    for name in names {
        assert!(name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
    }
    for (i, error) in DecodeError::ALL.iter().enumerate() {
        assert_eq!(error.index(), i);
        assert_eq!(error.to_string(), error.as_str());
    }
}

#[test]
fn checksum_errors_vanish_in_capture_mode() {
    for (expected, entry, bytes) in all_cases() {
        let got = match entry {
            Entry::Eth => decode(&bytes, &DecodeOptions::CAPTURE).err(),
            Entry::Ip => decode_ip(&bytes, &DecodeOptions::CAPTURE).err(),
        };
        let is_checksum = expected.as_str().contains("checksum");
        assert_eq!(got.is_none(), is_checksum, "case {}", expected.as_str());
    }
}
