//! Orders of arrival, header rebuilding, overlaps and timeouts.

use super::{push, push_all, split_v4, split_v6, v4_datagram, v6_datagram, SECOND};
use crate::decode::tests::build::{self, V4};
use crate::decode::{decode_ip, DecodeOptions, IpProtocol, Transport};
use crate::frag::{FragKey, FragLimits, Fragment, Outcome, Reassembler};

#[test]
fn v4_in_order_and_reverse() {
    let datagram = v4_datagram(3000, &[]);
    let mut fragments = split_v4(&datagram, 1480);
    assert_eq!(fragments.len(), 3);

    let mut reassembler = Reassembler::new(FragLimits::default());
    assert_eq!(
        push_all(&mut reassembler, &fragments),
        vec![datagram.clone()]
    );
    fragments.reverse();
    assert_eq!(push_all(&mut reassembler, &fragments), vec![datagram]);
    assert_eq!(reassembler.counters().reassembled, 2);
    assert!(reassembler.is_empty());
    assert_eq!(reassembler.memory(), 0);
}

#[test]
fn v4_reassembled_datagram_decodes_with_valid_checksums() {
    let datagram = v4_datagram(2000, &[]);
    let mut reassembler = Reassembler::new(FragLimits::default());
    let whole = push_all(&mut reassembler, &split_v4(&datagram, 512));
    let decoded = decode_ip(&whole[0], &DecodeOptions::LIVE).expect("valid datagram");
    assert!(decoded.checksums.ipv4_header && decoded.checksums.l4);
    assert!(!decoded.is_fragment());
    assert!(matches!(decoded.transport, Transport::Udp(u) if u.len == 2008));
}

#[test]
fn v4_first_fragment_header_with_options_wins() {
    // Later fragments (no options) arrive first, so the payload moves once
    // the 24-byte header of the first fragment shows up.
    let datagram = v4_datagram(100, &[148, 4, 0, 0]);
    let mut fragments = split_v4(&datagram, 32);
    fragments.rotate_left(1);
    let mut reassembler = Reassembler::new(FragLimits::default());
    assert_eq!(push_all(&mut reassembler, &fragments), vec![datagram]);
}

#[test]
fn v6_with_extension_header_round_trips() {
    let datagram = v6_datagram(1500);
    let mut fragments = split_v6(&datagram, 600, 0xfeed);
    fragments.swap(0, 2);
    let mut reassembler = Reassembler::new(FragLimits::default());
    let whole = push_all(&mut reassembler, &fragments);
    assert_eq!(whole, vec![datagram]);
    let decoded = decode_ip(&whole[0], &DecodeOptions::LIVE).expect("valid datagram");
    assert!(decoded.checksums.l4);
}

#[test]
fn duplicates_count_as_overlaps_without_conflict() {
    let datagram = v4_datagram(200, &[]);
    let fragments = split_v4(&datagram, 64);
    let mut reassembler = Reassembler::new(FragLimits::default());
    let doubled = [&fragments[..2], &fragments[..]].concat();
    assert_eq!(push_all(&mut reassembler, &doubled), vec![datagram]);
    assert_eq!(reassembler.counters().overlaps, 2);
    assert_eq!(reassembler.counters().overlap_conflicts, 0);
}

#[test]
fn conflicting_overlap_keeps_first_data() {
    let datagram = v4_datagram(200, &[]);
    let fragments = split_v4(&datagram, 64);
    let mut forged = fragments[1].clone();
    let last = forged.len() - 1;
    forged[last] ^= 0xff;
    let forged = V4 {
        flags_offset: 0x2000 | 8,
        ..V4::new(IpProtocol::UDP)
    }
    .build(&forged[20..]);

    let mut reassembler = Reassembler::new(FragLimits::default());
    let order = [
        fragments[1].clone(),
        forged,
        fragments[0].clone(),
        fragments[2].clone(),
    ];
    let mut order = order.to_vec();
    order.extend_from_slice(&fragments[3..]);
    assert_eq!(push_all(&mut reassembler, &order), vec![datagram]);
    assert_eq!(reassembler.counters().overlap_conflicts, 1);
}

#[test]
fn timeout_drops_the_datagram() {
    let datagram = v4_datagram(100, &[]);
    let fragments = split_v4(&datagram, 64);
    let mut reassembler = Reassembler::new(FragLimits::default());
    assert_eq!(push(&mut reassembler, &fragments[0], 5 * SECOND), Ok(None));
    reassembler.expire(34 * SECOND);
    assert_eq!(reassembler.len(), 1);
    reassembler.expire(35 * SECOND);
    assert!(reassembler.is_empty());
    assert_eq!(reassembler.counters().timed_out, 1);
    // The rest now starts a new datagram that lacks its first fragment.
    assert_eq!(push(&mut reassembler, &fragments[1], 36 * SECOND), Ok(None));
}

#[test]
fn timeout_applies_on_push() {
    let first = split_v4(&v4_datagram(100, &[]), 64);
    let mut reassembler = Reassembler::new(FragLimits::default());
    assert_eq!(push(&mut reassembler, &first[0], 0), Ok(None));
    let other = split_v6(&v6_datagram(100), 64, 1);
    assert_eq!(push(&mut reassembler, &other[0], 31 * SECOND), Ok(None));
    assert_eq!(reassembler.counters().timed_out, 1);
    assert_eq!(reassembler.len(), 1);
}

fn manual_v6<'a>(header: &'a [u8], offset: u16, more: bool, data: &'a [u8]) -> Fragment<'a> {
    Fragment {
        key: FragKey::V6 {
            src: build::V6_SRC,
            dst: build::V6_DST,
            id: 9,
        },
        offset,
        more,
        header,
        next_header_at: 6,
        protocol: IpProtocol::TCP,
        data,
    }
}

#[test]
fn atomic_fragment_passes_alone() {
    let header = build::ipv6(44, &[]);
    let mut reassembler = Reassembler::new(FragLimits::default());
    // A held fragment with the same key is not merged with the atomic one.
    let held = manual_v6(&header, 8, true, &[1; 8]);
    assert_eq!(reassembler.push(&held, 0), Outcome::Held);
    let segment = build::Tcp::default().build(b"atomic", &build::pseudo_v6());
    let atomic = manual_v6(&header, 0, false, &segment);
    let Outcome::Complete(datagram) = reassembler.push(&atomic, 0) else {
        panic!("atomic fragment not returned");
    };
    let decoded = decode_ip(datagram, &DecodeOptions::LIVE).expect("valid");
    assert_eq!(decoded.payload_bytes(), b"atomic");
    assert_eq!(reassembler.counters().atomic, 1);
    assert_eq!(reassembler.len(), 1);
}

#[test]
fn tiny_first_fragment_is_counted() {
    let header = build::ipv6(44, &[]);
    let mut reassembler = Reassembler::new(FragLimits::default());
    let tiny = manual_v6(&header, 0, true, &[0; 8]);
    assert_eq!(reassembler.push(&tiny, 0), Outcome::Held);
    let rest = manual_v6(&header, 8, false, &[0; 20]);
    assert!(matches!(reassembler.push(&rest, 0), Outcome::Complete(d) if d.len() == 40 + 28));
    assert_eq!(reassembler.counters().tiny_first, 1);
}
