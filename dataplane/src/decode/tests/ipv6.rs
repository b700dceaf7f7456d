//! IPv6 extension header chains (RFC 8200 section 4) through `decode_ip`.

use super::build::{self, Tcp};
use crate::decode::{decode_ip, DecodeError, DecodeOptions, Decoded, IpProtocol, Transport};

fn live(packet: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    decode_ip(packet, &DecodeOptions::LIVE)
}

/// `headers` (each naming the next) then a TCP segment with `payload`.
fn chain(first: u8, headers: &[Vec<u8>], payload: &[u8]) -> Vec<u8> {
    let mut body: Vec<u8> = headers.concat();
    body.extend_from_slice(&Tcp::default().build(payload, &build::pseudo_v6()));
    build::ipv6(first, &body)
}

#[test]
fn full_chain_reaches_tcp() {
    // Hop-by-hop, routing (no segment left), destination options, AH, TCP.
    let mut ah = vec![6, 4, 0, 0];
    ah.resize(24, 0xa5); // (4 + 2) * 4 bytes
    let headers = [
        build::ext_header(43, 1),
        build::ext_header(60, 2),
        build::ext_header(51, 1),
        ah,
    ];
    let packet = chain(0, &headers, b"GET /");
    let decoded = live(&packet).expect("valid chain");
    let ip = decoded.ip.expect("ip");
    assert_eq!(ip.ext_headers, 4);
    assert_eq!(ip.protocol, IpProtocol::TCP);
    assert_eq!(ip.header_len, 40 + 8 + 16 + 8 + 24);
    assert!(decoded.checksums.l4);
    assert_eq!(decoded.payload_bytes(), b"GET /");
}

#[test]
fn non_atomic_fragment_stops_the_walk() {
    let headers = [
        build::ext_header(44, 1),
        build::fragment_header(6, 2048, true, 0xdead_beef),
    ];
    let packet = build::ipv6(0, &[headers.concat(), vec![9; 32]].concat());
    let decoded = live(&packet).expect("valid fragment");
    let ip = decoded.ip.expect("ip");
    let fragment = ip.fragment.expect("fragment");
    assert_eq!((fragment.offset, fragment.more), (2048, true));
    assert_eq!(fragment.id, 0xdead_beef);
    assert_eq!(fragment.unfragmentable_len, 48);
    // The hop-by-hop header's next-header byte names the fragment header.
    assert_eq!(fragment.next_header_at, 40);
    assert_eq!(ip.protocol, IpProtocol::TCP);
    assert_eq!(decoded.transport, Transport::None);
    assert_eq!(decoded.payload_bytes(), &[9; 32]);
}

#[test]
fn atomic_fragment_is_a_whole_datagram() {
    let headers = [build::fragment_header(6, 0, false, 77)];
    let packet = chain(44, &headers, b"hello");
    let decoded = live(&packet).expect("valid");
    let ip = decoded.ip.expect("ip");
    assert!(ip.atomic_fragment && ip.fragment.is_none());
    assert!(!decoded.is_fragment());
    assert!(matches!(decoded.transport, Transport::Tcp(_)));
    assert_eq!(decoded.payload_bytes(), b"hello");
}

#[test]
fn esp_and_no_next_header_end_the_chain() {
    let esp = build::ipv6(50, &[1, 2, 3, 4, 5, 6, 7, 8]);
    let decoded = live(&esp).expect("valid");
    assert_eq!(decoded.ip.map(|ip| ip.protocol), Some(IpProtocol::ESP));
    assert_eq!(decoded.payload.len(), 8);

    let none = build::ipv6(60, &build::ext_header(59, 1));
    let decoded = live(&none).expect("valid");
    assert_eq!(
        decoded.ip.map(|ip| ip.protocol),
        Some(IpProtocol::IPV6_NO_NEXT)
    );
    assert!(decoded.payload.is_empty());
}

#[test]
fn routing_header_with_segments_left_skips_l4_checksum() {
    // Type 0 routing header, one address, one segment left: the checksum
    // would use the final destination, so it is not verified.
    let mut routing = vec![6, 2, 0, 1, 0, 0, 0, 0];
    routing.extend_from_slice(&[0x20; 16]);
    let mut segment = Tcp::default().build(b"x", &build::pseudo_v6());
    segment[16] ^= 0xff;
    let packet = build::ipv6(43, &[routing, segment].concat());
    let decoded = live(&packet).expect("not verified, so valid");
    assert!(!decoded.checksums.l4);
}

#[test]
fn chain_limits() {
    let eight: Vec<Vec<u8>> = (0..8).map(|_| build::ext_header(60, 1)).collect();
    let mut nine = eight.clone();
    nine.push(build::ext_header(6, 1));
    let last = eight.len() - 1;
    let mut fits = eight;
    fits[last] = build::ext_header(6, 1);
    assert!(live(&chain(60, &fits, b"")).is_ok());
    assert_eq!(
        live(&chain(60, &nine, b"")).err(),
        Some(DecodeError::Ipv6ExtChainTooLong)
    );
}

#[test]
fn unknown_next_header_survives() {
    let packet = build::ipv6(200, b"opaque");
    let decoded = live(&packet).expect("valid");
    assert_eq!(decoded.ip.map(|ip| ip.protocol), Some(IpProtocol(200)));
    assert_eq!(decoded.payload_bytes(), b"opaque");
}
