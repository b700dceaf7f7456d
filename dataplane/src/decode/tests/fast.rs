//! The Ethernet/IPv4/TCP fast path against the general walk: on every
//! input both give the same summary or the same error.

use proptest::prelude::*;

use super::build::{self, Tcp, V4};
use std::net::{IpAddr, Ipv4Addr};

use crate::decode::{
    decode_into, fast, layers, DecodeError, DecodeOptions, Decoded, IpProtocol, Transport,
};

/// Frames of the shape the fast path takes, to mutate.
fn seeds() -> Vec<Vec<u8>> {
    let syn = Tcp {
        flags: 2,
        options: build::syn_options(),
        ..Tcp::default()
    };
    let mut padded = build::tcp_v4_frame(&Tcp::default(), b"");
    padded.resize(60, 0);
    let mut dont_fragment_clear = V4::new(IpProtocol::TCP);
    dont_fragment_clear.flags_offset = 0;
    vec![
        build::tcp_v4_frame(&Tcp::default(), b"GET / HTTP/1.1\r\n"),
        build::tcp_v4_frame(&syn, b""),
        padded,
        build::ethernet(
            &[],
            0x0800,
            &dont_fragment_clear.build(&Tcp::default().build(b"odd", &build::pseudo_v4())),
        ),
    ]
}

fn general<'a>(frame: &'a [u8], opts: &DecodeOptions) -> Result<Decoded<'a>, DecodeError> {
    let mut out = Decoded::empty(frame);
    layers::decode_general(frame, opts, &mut out).map(|()| out)
}

fn with_fast_path<'a>(frame: &'a [u8], opts: &DecodeOptions) -> Result<Decoded<'a>, DecodeError> {
    let mut out = Decoded::empty(frame);
    decode_into(frame, opts, &mut out).map(|()| out)
}

fn assert_same(frame: &[u8]) {
    for opts in [DecodeOptions::LIVE, DecodeOptions::CAPTURE] {
        assert_eq!(with_fast_path(frame, &opts), general(frame, &opts));
        assert_segment_matches(frame, &opts);
    }
}

/// `tcp_segment` takes exactly the frames `ipv4_tcp` takes, and reports what
/// the general walk reports of them.
fn assert_segment_matches(frame: &[u8], opts: &DecodeOptions) {
    let mut out = Decoded::empty(frame);
    let taken = fast::ipv4_tcp(frame, opts, &mut out);
    let Some(seg) = fast::tcp_segment(frame, opts) else {
        assert!(!taken, "tcp_segment refused a frame ipv4_tcp took");
        return;
    };
    assert!(taken, "tcp_segment took a frame ipv4_tcp refused");
    let walked = general(frame, opts).expect("the general walk accepts the frame");
    let ip = walked.ip.expect("an IP header");
    assert_eq!(ip.src, IpAddr::V4(Ipv4Addr::from(seg.src)));
    assert_eq!(ip.dst, IpAddr::V4(Ipv4Addr::from(seg.dst)));
    assert_eq!(walked.transport, Transport::Tcp(seg.tcp));
    assert_eq!(walked.payload_bytes(), seg.payload);
}

#[test]
fn seeds_take_the_fast_path() {
    for frame in seeds() {
        let mut out = Decoded::empty(&frame);
        assert!(fast::ipv4_tcp(&frame, &DecodeOptions::LIVE, &mut out));
        assert_same(&frame);
    }
}

#[test]
fn other_shapes_are_left_to_the_general_walk() {
    let tagged = build::ethernet(
        &[(0x8100, 5)],
        0x0800,
        &build::tcp_v4_packet(&Tcp::default(), b"x"),
    );
    let mut bad_sum = build::tcp_v4_frame(&Tcp::default(), b"x");
    bad_sum[14 + 20 + 16] ^= 1;
    for frame in [tagged, bad_sum, build::tcp_v6_frame(&Tcp::default(), b"x")] {
        let mut out = Decoded::empty(&frame);
        assert!(!fast::ipv4_tcp(&frame, &DecodeOptions::LIVE, &mut out));
        assert_same(&frame);
    }
}

proptest! {
    #[test]
    fn fast_path_matches_general_walk(
        seed in 0usize..4,
        header_flips in proptest::collection::vec((0usize..64, any::<u8>()), 0..4),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..2),
        cut in any::<usize>(),
    ) {
        let mut frame = seeds()[seed].clone();
        for (at, value) in header_flips {
            let at = at % frame.len();
            frame[at] ^= value;
        }
        for (at, value) in flips {
            let at = at % frame.len();
            frame[at] ^= value;
        }
        assert_same(&frame);
        assert_same(&frame[..cut % (frame.len() + 1)]);
    }
}
