//! GRE decapsulation: the inner packet is described, the outer one recorded
//! in the tunnel summary, and what the decoder does not know is kept.

use core::net::{IpAddr, Ipv4Addr};

use super::build::{self, Gre, Tcp, V4};
use crate::decode::gre;
use crate::decode::{
    decode, decode_ip, DecodeError, DecodeOptions, Decoded, IpProtocol, Transport, TunnelInfo,
    TunnelKind,
};

fn live(frame: &[u8]) -> Decoded<'_> {
    decode(frame, &DecodeOptions::LIVE).expect("valid frame")
}

fn ports(decoded: &Decoded<'_>) -> Option<(u16, u16)> {
    decoded.ports()
}

fn tunnel(kind: TunnelKind, depth: u8) -> Option<TunnelInfo> {
    Some(TunnelInfo {
        kind,
        depth,
        outer_src: IpAddr::V4(build::OUTER_SRC),
        outer_dst: IpAddr::V4(build::OUTER_DST),
    })
}

#[test]
fn ipv4_in_gre_decodes_the_inner_packet() {
    let inner = build::tcp_v4_packet(&Tcp::default(), b"GET /");
    let frame = build::gre_v4_frame(&Gre::new(0x0800), &inner);
    let decoded = live(&frame);

    let ip = decoded.ip.expect("inner ip");
    assert_eq!(ip.src, IpAddr::V4(build::V4_SRC));
    assert_eq!(ip.dst, IpAddr::V4(build::V4_DST));
    assert_eq!(ip.protocol, IpProtocol::TCP);
    assert_eq!(ports(&decoded), Some((40000, 80)));
    assert_eq!(decoded.payload_bytes(), b"GET /");
    assert_eq!(decoded.ip_packet(), &inner[..]);
    assert!(decoded.checksums.ipv4_header && decoded.checksums.l4);
    assert_eq!(decoded.tunnel, tunnel(TunnelKind::Gre, 1));
    // The link layer is the frame's own.
    assert_eq!(decoded.link.map(|link| link.l3_offset), Some(14));
    assert_eq!(decoded.l3_offset, 14 + 20 + 4);
}

#[test]
fn ipv6_in_gre_with_key_sequence_and_checksum() {
    let segment = Tcp::default().build(b"data", &build::pseudo_v6());
    let inner = build::ipv6(6, &segment);
    let header = Gre {
        checksum: true,
        key: Some(0x0102_0304),
        sequence: Some(7),
        ..Gre::new(0x86dd)
    };
    let gre_packet = header.build(&inner);
    let view = gre::Packet::new_checked(&gre_packet[..]).expect("valid GRE");
    assert_eq!(view.header_len(), 16);
    assert_eq!(view.key(), Some(0x0102_0304));
    assert_eq!(view.sequence(), Some(7));
    assert!(view.checksum().is_some() && view.verify_checksum());

    let frame = build::ethernet(&[], 0x0800, &build::outer_v4(&gre_packet));
    let decoded = live(&frame);
    let ip = decoded.ip.expect("inner ip");
    assert_eq!(ip.src, IpAddr::V6(build::V6_SRC));
    assert_eq!(ports(&decoded), Some((40000, 80)));
    assert_eq!(decoded.payload_bytes(), b"data");
    assert_eq!(decoded.tunnel, tunnel(TunnelKind::Gre, 1));
}

#[test]
fn bridged_ethernet_in_gre() {
    let udp = build::udp(5353, 53, b"query", &build::pseudo_v4());
    let inner_ip = V4::new(IpProtocol::UDP).build(&udp);
    let inner_frame = build::ethernet(&[(0x8100, 12)], 0x0800, &inner_ip);
    let frame = build::gre_v4_frame(&Gre::new(0x6558), &inner_frame);
    let decoded = live(&frame);

    assert_eq!(decoded.tunnel, tunnel(TunnelKind::GreEthernet, 1));
    assert_eq!(decoded.ip.map(|ip| ip.src), Some(IpAddr::V4(build::V4_SRC)));
    assert_eq!(ports(&decoded), Some((5353, 53)));
    assert_eq!(decoded.payload_bytes(), b"query");
    // Inner Ethernet header (14) and its VLAN tag (4) are skipped.
    assert_eq!(decoded.l3_offset, 14 + 20 + 4 + 18);
    assert!(decoded.link.is_some_and(|link| link.vlans.is_empty()));
}

#[test]
fn gre_over_ipv6() {
    let inner = build::tcp_v4_packet(&Tcp::default(), b"x");
    let outer = build::ipv6(47, &Gre::new(0x0800).build(&inner));
    let decoded = decode_ip(&outer, &DecodeOptions::LIVE).expect("valid");
    assert_eq!(
        decoded.tunnel.map(|t| (t.outer_src, t.depth)),
        Some((IpAddr::V6(build::V6_SRC), 1))
    );
    assert_eq!(ports(&decoded), Some((40000, 80)));
}

#[test]
fn two_nested_tunnels_are_removed() {
    let inner = build::tcp_v4_packet(&Tcp::default(), b"deep");
    let middle = V4 {
        src: Ipv4Addr::new(10, 0, 0, 1),
        dst: Ipv4Addr::new(10, 0, 0, 2),
        ..V4::new(IpProtocol::GRE)
    }
    .build(&Gre::new(0x0800).build(&inner));
    let frame = build::gre_v4_frame(&Gre::new(0x0800), &middle);
    let decoded = live(&frame);
    // The outermost addresses are kept, and both layers are counted.
    assert_eq!(decoded.tunnel, tunnel(TunnelKind::Gre, 2));
    assert_eq!(decoded.payload_bytes(), b"deep");
}

#[test]
fn unknown_gre_payloads_stay_the_outer_packet() {
    let ppp = build::gre_v4_frame(&Gre::new(0x880b), b"ppp frame");
    let pptp = build::gre_v4_frame(
        &Gre {
            extra_bits: 0x0001,
            ..Gre::new(0x880b)
        },
        b"enhanced GRE",
    );
    let arp = build::gre_v4_frame(&Gre::new(0x6558), &build::ethernet(&[], 0x0806, &[0; 28]));
    for frame in [ppp, pptp, arp] {
        let decoded = live(&frame);
        let ip = decoded.ip.expect("outer ip");
        assert_eq!(ip.src, IpAddr::V4(build::OUTER_SRC));
        assert_eq!(ip.protocol, IpProtocol::GRE);
        assert_eq!(decoded.transport, Transport::None);
        assert_eq!(decoded.tunnel, None);
        // The payload is the whole GRE packet, as for any unparsed protocol.
        assert_eq!(decoded.l4_offset, 34);
        assert_eq!(decoded.payload.range(), 34..frame.len());
    }
}

#[test]
fn inner_packet_cannot_reach_past_the_outer_one() {
    let inner = build::tcp_v4_packet(&Tcp::default(), b"abcd");
    // Drop the last two bytes from the outer packet but keep them in the
    // frame, as Ethernet padding: the inner length no longer fits.
    let outer = build::outer_v4(&Gre::new(0x0800).build(&inner));
    let short = V4 {
        src: build::OUTER_SRC,
        dst: build::OUTER_DST,
        ..V4::new(IpProtocol::GRE)
    }
    .build(&outer[20..outer.len() - 2]);
    let mut frame = build::ethernet(&[], 0x0800, &short);
    frame.extend_from_slice(&outer[outer.len() - 2..]);
    assert_eq!(
        decode(&frame, &DecodeOptions::CAPTURE).err(),
        Some(DecodeError::Ipv4BadTotalLength)
    );
}

#[test]
fn inner_fragment_is_reported_with_its_tunnel() {
    let mut fragment = V4::new(IpProtocol::UDP);
    fragment.flags_offset = 0x2000;
    let inner = fragment.build(&[7; 16]);
    let frame = build::gre_v4_frame(&Gre::new(0x0800), &inner);
    let decoded = live(&frame);
    assert!(decoded.is_fragment());
    assert_eq!(decoded.ip_packet(), &inner[..]);
    assert_eq!(decoded.payload_bytes(), &[7; 16]);
    assert_eq!(decoded.tunnel, tunnel(TunnelKind::Gre, 1));
}

#[test]
fn bad_gre_checksum_is_only_checked_live() {
    let inner = build::tcp_v4_packet(&Tcp::default(), b"x");
    let header = Gre {
        checksum: true,
        ..Gre::new(0x0800)
    };
    let mut gre_packet = header.build(&inner);
    gre_packet[4] ^= 0xff;
    let frame = build::ethernet(&[], 0x0800, &build::outer_v4(&gre_packet));
    assert_eq!(
        decode(&frame, &DecodeOptions::LIVE).err(),
        Some(DecodeError::GreBadChecksum)
    );
    let decoded = decode(&frame, &DecodeOptions::CAPTURE).expect("capture mode");
    assert_eq!(ports(&decoded), Some((40000, 80)));
}
