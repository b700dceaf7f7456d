//! Property tests: no input panics the decoder, and what it reports is sane.

use proptest::prelude::*;

use super::build::{self, Tcp, V4};
use crate::decode::checksum::Sum;
use crate::decode::{decode, decode_ip, DecodeOptions, Decoded, IpProtocol, Transport};

/// Offsets and spans of a successful decode all lie inside the frame.
fn assert_consistent(decoded: &Decoded<'_>) {
    let len = decoded.frame().len();
    assert!(decoded.l3_offset <= decoded.l4_offset);
    assert!(decoded.l4_offset <= decoded.payload.start);
    assert!(decoded.payload.start <= decoded.payload.end);
    assert!(decoded.payload.range().end <= len);
    assert!(decoded.ip_packet().len() <= len);
}

fn decode_all(bytes: &[u8]) {
    for opts in [DecodeOptions::LIVE, DecodeOptions::CAPTURE] {
        if let Ok(decoded) = decode(bytes, &opts) {
            assert_consistent(&decoded);
        }
        if let Ok(decoded) = decode_ip(bytes, &opts) {
            assert_consistent(&decoded);
        }
    }
}

/// Valid frames of every shape the decoder knows, to mutate.
fn seeds() -> Vec<Vec<u8>> {
    let syn = Tcp {
        flags: 2,
        options: build::syn_options(),
        ..Tcp::default()
    };
    let mut options = V4::new(IpProtocol::UDP);
    options.options = vec![148, 4, 0, 0];
    let mut fragment = V4::new(IpProtocol::TCP);
    fragment.flags_offset = 0x2000 | 3;
    let v6_chain = [
        build::ext_header(60, 1),
        build::ext_header(44, 1),
        build::fragment_header(6, 0, false, 9),
        Tcp::default().build(b"abc", &build::pseudo_v6()),
    ]
    .concat();
    vec![
        build::tcp_v4_frame(&syn, b""),
        build::tcp_v6_frame(&Tcp::default(), b"payload bytes"),
        build::ethernet(
            &[(0x88a8, 1), (0x8100, 2)],
            0x0800,
            &fragment.build(&[1; 24]),
        ),
        build::ethernet(
            &[],
            0x0800,
            &options.build(&build::udp(1, 2, b"x", &build::pseudo_v4())),
        ),
        build::ethernet(&[], 0x86dd, &build::ipv6(0, &v6_chain)),
        build::ethernet(
            &[],
            0x86dd,
            &build::ipv6(58, &build::icmp_echo(128, 1, 2, Some(&build::pseudo_v6()))),
        ),
        build::ethernet(
            &[(0x8100, 3)],
            0x0800,
            &V4::new(IpProtocol::ICMP).build(&build::icmp_echo(8, 1, 2, None)),
        ),
    ]
}

/// The RFC 1071 sum computed the slow way, one 16-bit word at a time.
fn reference_sum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in data.chunks(2) {
        let word = u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
        sum += u32::from(word);
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        decode_all(&bytes);
    }

    #[test]
    fn mutated_valid_frames_never_panic(
        seed in 0usize..7,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let mut frame = seeds()[seed].clone();
        for (at, value) in flips {
            let at = at % frame.len();
            frame[at] ^= value;
        }
        decode_all(&frame);
        let cut = cut % (frame.len() + 1);
        decode_all(&frame[..cut]);
        decode_all(frame.get(14..).unwrap_or(&[]));
    }

    #[test]
    fn fast_sum_matches_reference(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(Sum::default().add_bytes(&bytes).fold(), reference_sum(&bytes));
    }

    #[test]
    fn tcp_fields_round_trip(
        ports in (any::<u16>(), any::<u16>()),
        seq in any::<u32>(),
        ack in any::<u32>(),
        flags in 0u16..0x200,
        window in any::<u16>(),
        payload in proptest::collection::vec(any::<u8>(), 0..100),
        v6 in any::<bool>(),
    ) {
        let (src_port, dst_port) = ports;
        let tcp = Tcp { src_port, dst_port, seq, ack, flags, window, options: vec![] };
        let frame = match v6 {
            true => build::tcp_v6_frame(&tcp, &payload),
            false => build::tcp_v4_frame(&tcp, &payload),
        };
        let decoded = decode(&frame, &DecodeOptions::LIVE).expect("valid frame");
        prop_assert!(decoded.checksums.l4);
        let Transport::Tcp(info) = decoded.transport else { panic!("not tcp") };
        prop_assert_eq!((info.src_port, info.dst_port), ports);
        prop_assert_eq!((info.seq, info.ack), (seq, ack));
        prop_assert_eq!((info.flags.0, info.window), (flags, window));
        prop_assert_eq!(decoded.payload_bytes(), &payload[..]);
    }
}
