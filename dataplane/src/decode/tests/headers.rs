//! Hand-built headers with values from the RFCs, one protocol at a time.

use core::net::IpAddr;

use super::build::{self, Tcp, V4};
use crate::decode::checksum::{self, Sum};
use crate::decode::tcp::{Flags, TcpOption};
use crate::decode::{
    decode, decode_ip, ipv4, DecodeOptions, Decoded, EtherType, IpProtocol, Transport,
};

fn live(frame: &[u8]) -> Decoded<'_> {
    decode(frame, &DecodeOptions::LIVE).expect("valid frame")
}

fn tcp_of(decoded: &Decoded<'_>) -> crate::decode::TcpInfo {
    match decoded.transport {
        Transport::Tcp(tcp) => tcp,
        other => panic!("expected TCP, got {other:?}"),
    }
}

#[test]
fn rfc1071_example_sum() {
    // RFC 1071 section 3: these eight bytes sum to ddf2, checksum 220d.
    let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
    assert_eq!(Sum::default().add_bytes(&data).fold(), 0xddf2);
    assert_eq!(checksum::checksum(&data), 0x220d);
    // Odd lengths pad the last byte on the right.
    assert_eq!(Sum::default().add_bytes(&[0xab]).fold(), 0xab00);
}

#[test]
fn ipv4_header_checksum_known_value() {
    // A common textbook header: 192.168.0.1 -> 192.168.0.199, UDP, sum b861.
    let header = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];
    assert!(checksum::verify(&header));
    let mut zeroed = header;
    zeroed[10..12].copy_from_slice(&[0, 0]);
    assert_eq!(checksum::checksum(&zeroed), 0xb861);
}

#[test]
fn rfc791_minimal_datagram() {
    // RFC 791 appendix A, example 1: IHL 5, total length 21, id 111,
    // TTL 123, protocol 1, one octet of data.
    let mut packet = vec![
        0x45, 0, 0, 21, 0, 111, 0, 0, 123, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0xaa,
    ];
    let sum = checksum::checksum(&packet[..20]);
    packet[10..12].copy_from_slice(&sum.to_be_bytes());
    let view = ipv4::Packet::new_checked(&packet[..]).expect("valid header");
    assert_eq!(view.total_len(), 21);
    assert_eq!(view.ident(), 111);
    assert_eq!(view.ttl(), 123);
    assert_eq!(view.protocol(), IpProtocol::ICMP);
    assert_eq!(view.payload(), &[0xaa]);
    assert!(view.verify_checksum());
    assert!(!view.is_fragment());
}

#[test]
fn ipv4_options_survive() {
    let mut v4 = V4::new(IpProtocol::UDP);
    // Router alert (RFC 2113), an unknown option 0x9e of 4 bytes, NOP, EOL.
    v4.options = vec![148, 4, 0, 0, 0x9e, 4, 1, 2, 1, 0, 0, 0];
    let udp = build::udp(53, 5353, b"q", &build::pseudo_v4());
    let packet = v4.build(&udp);
    let view = ipv4::Packet::new_checked(&packet[..]).expect("valid header");
    let kinds: Vec<u8> = view.option_iter().map(|o| o.kind.0).collect();
    assert_eq!(kinds, vec![148, 0x9e, 1]);
    assert_eq!(
        view.option_iter().nth(1).map(|o| o.data),
        Some(&[1u8, 2][..])
    );
    let decoded = decode_ip(&packet, &DecodeOptions::LIVE).expect("valid");
    assert_eq!(decoded.ip.map(|ip| ip.header_len), Some(32));
    assert_eq!(decoded.payload_bytes(), b"q");
}

#[test]
fn tcp_v4_syn_with_options() {
    let tcp = Tcp {
        flags: 0x002,
        options: build::syn_options(),
        ..Tcp::default()
    };
    let frame = build::tcp_v4_frame(&tcp, b"");
    let decoded = live(&frame);
    assert!(decoded.checksums.ipv4_header && decoded.checksums.l4);
    let ip = decoded.ip.expect("ip");
    assert_eq!(ip.src, IpAddr::V4(build::V4_SRC));
    assert_eq!(ip.protocol, IpProtocol::TCP);
    let info = tcp_of(&decoded);
    assert_eq!((info.src_port, info.dst_port, info.seq), (40000, 80, 1000));
    assert!(info.flags.contains(Flags::SYN) && !info.flags.contains(Flags::ACK));
    let options = info.options;
    assert_eq!(options.mss(), Some(1460));
    assert_eq!(options.window_scale(), Some(7));
    assert!(options.sack_permitted());
    assert_eq!(options.timestamps(), Some((0x1234, 0)));
    assert_eq!((options.sack_len, options.unknown), (0, 0));
    assert!(decoded.payload.is_empty());
}

#[test]
fn tcp_sack_blocks_and_unknown_options() {
    let mut options = vec![1, 1, 5, 18];
    for edge in [100u32, 200, 300, 400] {
        options.extend_from_slice(&edge.to_be_bytes());
    }
    // TCP fast open cookie (kind 34), unknown to the summary, then EOL and
    // garbage that must be ignored.
    options.extend_from_slice(&[34, 6, 1, 2, 3, 4, 0, 0xff]);
    let tcp = Tcp {
        options,
        ..Tcp::default()
    };
    let frame = build::tcp_v6_frame(&tcp, b"data");
    let decoded = live(&frame);
    let info = tcp_of(&decoded);
    let blocks: Vec<(u32, u32)> = decoded.sack_blocks().collect();
    assert_eq!(blocks, [(100, 200), (300, 400)]);
    assert_eq!(info.options.sack_len, 2);
    assert_eq!(info.options.unknown, 1);
    assert_eq!(decoded.payload_bytes(), b"data");

    let segment = &frame[decoded.l4_offset as usize..];
    let view = crate::decode::tcp::Packet::new_checked(segment).expect("valid");
    let unknown = view
        .option_iter()
        .find(|o| matches!(o, TcpOption::Unknown { .. }));
    assert_eq!(
        unknown,
        Some(TcpOption::Unknown {
            kind: 34,
            data: &[1, 2, 3, 4]
        })
    );
    assert_eq!(view.option_iter().last(), Some(TcpOption::EndOfList));
}

#[test]
fn vlan_single_and_qinq() {
    let inner = build::tcp_v4_frame(&Tcp::default(), b"x");
    let ip = &inner[14..];
    let single = build::ethernet(&[(0x8100, 0x6064)], 0x0800, ip);
    let link = live(&single).link.expect("link");
    let tag = link.vlans.outer().expect("tag");
    assert_eq!((tag.pcp(), tag.dei(), tag.vid()), (3, false, 100));
    assert_eq!(link.l3_offset, 18);

    let qinq = build::ethernet(&[(0x88a8, 0x1010), (0x8100, 0x0020)], 0x0800, ip);
    let decoded = live(&qinq);
    let link = decoded.link.expect("link");
    assert_eq!(link.vlans.len(), 2);
    assert_eq!(
        link.vlans.outer().map(|t| (t.tpid, t.vid())),
        Some((EtherType::QINQ, 16))
    );
    assert_eq!(link.vlans.inner().map(|t| t.vid()), Some(32));
    assert!(link.vlans.outer().is_some_and(|t| t.dei()));
    assert_eq!(decoded.payload_bytes(), b"x");
}

#[test]
fn non_ip_frames_pass_through() {
    let arp = build::ethernet(&[], 0x0806, &[0; 28]);
    let decoded = live(&arp);
    assert_eq!(decoded.ethertype, EtherType::ARP);
    assert!(decoded.ip.is_none());
    assert_eq!(decoded.payload.range(), 14..42);

    let unknown = build::ethernet(&[(0x8100, 5)], 0x1234, b"zz");
    assert_eq!(live(&unknown).ethertype, EtherType(0x1234));
}

#[test]
fn ethernet_padding_is_ignored() {
    let segment = build::udp(1, 2, b"hi", &build::pseudo_v4());
    let mut frame = build::ethernet(&[], 0x0800, &V4::new(IpProtocol::UDP).build(&segment));
    frame.resize(60, 0);
    let decoded = live(&frame);
    assert_eq!(decoded.payload_bytes(), b"hi");
    assert_eq!(decoded.ip_packet().len(), 20 + 8 + 2);
}

#[test]
fn udp_v4_without_checksum_is_not_verified() {
    let mut segment = build::udp(1, 2, b"hi", &build::pseudo_v4());
    segment[6..8].copy_from_slice(&[0, 0]);
    let frame = build::ethernet(&[], 0x0800, &V4::new(IpProtocol::UDP).build(&segment));
    let decoded = live(&frame);
    assert!(decoded.checksums.ipv4_header && !decoded.checksums.l4);
    assert_eq!(decoded.ports(), Some((1, 2)));
}

#[test]
fn icmp_echo_v4_and_v6() {
    // RFC 792 echo request (type 8) and RFC 4443 echo request (type 128).
    let v4 = V4::new(IpProtocol::ICMP).build(&build::icmp_echo(8, 7, 9, None));
    let decoded = decode_ip(&v4, &DecodeOptions::LIVE).expect("valid");
    assert!(matches!(decoded.transport, Transport::Icmp(i) if i.msg_type == 8 && i.ident == 7));
    assert_eq!(decoded.payload_bytes(), b"abcdefgh");

    let message = build::icmp_echo(128, 7, 9, Some(&build::pseudo_v6()));
    let v6 = build::ipv6(58, &message);
    let decoded = decode_ip(&v6, &DecodeOptions::LIVE).expect("valid");
    assert!(decoded.checksums.l4);
    assert!(matches!(decoded.transport, Transport::Icmpv6(i) if i.msg_type == 128 && i.seq == 9));
}

#[test]
fn ipv4_fragment_stops_at_network_layer() {
    let mut v4 = V4::new(IpProtocol::TCP);
    v4.flags_offset = 0x2000 | 185; // MF, offset 1480 bytes
    let frame = build::ethernet(&[], 0x0800, &v4.build(&[7; 64]));
    let decoded = live(&frame);
    let fragment = decoded.ip.and_then(|ip| ip.fragment).expect("fragment");
    assert_eq!(
        (fragment.offset, fragment.more, fragment.id),
        (1480, true, 0x1234)
    );
    assert_eq!(fragment.unfragmentable_len, 20);
    assert!(decoded.is_fragment());
    assert_eq!(decoded.transport, Transport::None);
    assert_eq!(decoded.payload_bytes(), &[7; 64]);
}

#[test]
fn summary_stays_small() {
    // Built for every packet: keep it from growing back (264 bytes when
    // offsets were `usize` and SACK blocks were copied in).
    let size = core::mem::size_of::<Decoded<'_>>();
    println!("size_of::<Decoded>() = {size}");
    assert!(size <= 216, "Decoded is {size} bytes");
}
