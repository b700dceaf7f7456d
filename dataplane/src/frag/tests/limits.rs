//! Each limit, hit once, drops a datagram and increments its counter.

use super::{push, split_v4, split_v6, v4_datagram, v6_datagram};
use crate::decode::tests::build;
use crate::decode::IpProtocol;
use crate::frag::{FragDrop, FragKey, FragLimits, Fragment, Outcome, Reassembler};

fn v4_key(id: u16) -> FragKey {
    FragKey::V4 {
        src: build::V4_SRC,
        dst: build::V4_DST,
        id,
        protocol: IpProtocol::UDP,
    }
}

fn manual<'a>(
    key: FragKey,
    header: &'a [u8],
    offset: u16,
    more: bool,
    data: &'a [u8],
) -> Fragment<'a> {
    Fragment {
        key,
        offset,
        more,
        header,
        next_header_at: 9,
        protocol: IpProtocol::UDP,
        data,
    }
}

fn header() -> Vec<u8> {
    build::V4::new(IpProtocol::UDP).build(&[])
}

#[test]
fn too_many_fragments() {
    let limits = FragLimits {
        max_fragments: 2,
        ..FragLimits::default()
    };
    let mut reassembler = Reassembler::new(limits);
    let fragments = split_v4(&v4_datagram(100, &[]), 32);
    assert_eq!(push(&mut reassembler, &fragments[0], 0), Ok(None));
    assert_eq!(push(&mut reassembler, &fragments[1], 0), Ok(None));
    assert_eq!(
        push(&mut reassembler, &fragments[2], 0),
        Err("frag_too_many_fragments".into())
    );
    assert_eq!(reassembler.counters().too_many_fragments, 1);
    assert!(reassembler.is_empty());
}

#[test]
fn too_large() {
    let limits = FragLimits {
        max_datagram_len: 1000,
        ..FragLimits::default()
    };
    let mut reassembler = Reassembler::new(limits);
    let fragments = split_v4(&v4_datagram(1200, &[]), 512);
    assert_eq!(push(&mut reassembler, &fragments[0], 0), Ok(None));
    assert_eq!(
        push(&mut reassembler, &fragments[2], 0),
        Err("frag_too_large".into())
    );
    assert_eq!(reassembler.counters().too_large, 1);

    // The 65535-byte ceiling holds whatever the configuration says.
    let mut reassembler = Reassembler::new(FragLimits::default());
    let header = header();
    let data = [0u8; 64];
    let end = manual(v4_key(1), &header, 65_496, false, &data);
    assert_eq!(
        reassembler.push(&end, 0),
        Outcome::Dropped(FragDrop::TooLarge)
    );
}

#[test]
fn datagram_memory() {
    let limits = FragLimits {
        datagram_memory: 600,
        ..FragLimits::default()
    };
    let mut reassembler = Reassembler::new(limits);
    let fragments = split_v4(&v4_datagram(1000, &[]), 512);
    assert_eq!(push(&mut reassembler, &fragments[0], 0), Ok(None));
    assert_eq!(
        push(&mut reassembler, &fragments[1], 0),
        Err("frag_datagram_memory".into())
    );
    assert_eq!(reassembler.counters().datagram_memory, 1);
    assert_eq!(reassembler.memory(), 0);
}

#[test]
fn global_memory_evicts_the_oldest() {
    let limits = FragLimits {
        global_memory: 3000,
        ..FragLimits::default()
    };
    let mut reassembler = Reassembler::new(limits);
    let header = header();
    let data = [7u8; 1024];
    for id in 0..2 {
        let first = manual(v4_key(id), &header, 0, true, &data);
        assert_eq!(reassembler.push(&first, 0), Outcome::Held);
    }
    let third = manual(v4_key(2), &header, 0, true, &data);
    assert_eq!(reassembler.push(&third, 0), Outcome::Held);
    assert_eq!(reassembler.counters().global_memory, 1);
    assert_eq!(reassembler.len(), 2);
    assert!(reassembler.memory() <= 3000);

    // A datagram that cannot fit even alone is dropped.
    let big = [7u8; 4096];
    let alone = manual(v4_key(3), &header, 0, true, &big);
    assert_eq!(
        reassembler.push(&alone, 0),
        Outcome::Dropped(FragDrop::GlobalMemory)
    );
    assert!(reassembler.memory() <= 3000);
}

#[test]
fn table_full_evicts_the_oldest() {
    let limits = FragLimits {
        max_datagrams: 1,
        ..FragLimits::default()
    };
    let mut reassembler = Reassembler::new(limits);
    let first = split_v4(&v4_datagram(100, &[]), 64);
    let second = split_v6(&v6_datagram(100), 64, 5);
    assert_eq!(push(&mut reassembler, &first[0], 0), Ok(None));
    assert_eq!(push(&mut reassembler, &second[0], 0), Ok(None));
    assert_eq!(reassembler.counters().table_full, 1);
    assert!(push(&mut reassembler, &second[1], 0).is_ok_and(|d| d.is_some()));

    let mut none = Reassembler::new(FragLimits {
        max_datagrams: 0,
        ..FragLimits::default()
    });
    assert_eq!(push(&mut none, &first[0], 0), Err("frag_table_full".into()));
}

#[test]
fn malformed_fragments_are_refused_alone() {
    let mut reassembler = Reassembler::new(FragLimits::default());
    let header = header();
    let ragged = manual(v4_key(1), &header, 0, true, &[1; 12]);
    let empty = manual(v4_key(1), &header, 8, true, &[]);
    let odd_offset = manual(v4_key(1), &header, 4, false, &[1; 8]);
    let short_header = manual(v4_key(1), &header[..16], 0, true, &[1; 8]);
    for fragment in [ragged, empty, odd_offset, short_header] {
        assert_eq!(
            reassembler.push(&fragment, 0),
            Outcome::Dropped(FragDrop::Malformed)
        );
    }
    assert_eq!(reassembler.counters().malformed, 4);
    assert!(reassembler.is_empty());
}

#[test]
fn inconsistent_ends_drop_the_datagram() {
    let mut reassembler = Reassembler::new(FragLimits::default());
    let header = header();
    let cases = [
        // Two last fragments that disagree on the end.
        [(8, false, 16), (8, false, 24)],
        // A fragment past the end a last fragment announced.
        [(8, false, 16), (24, true, 8)],
        // A last fragment ending before data already held.
        [(16, true, 16), (8, false, 8)],
    ];
    for (id, case) in (10..).zip(cases) {
        let data = [3u8; 24];
        let [(o1, m1, l1), (o2, m2, l2)] = case;
        let one = manual(v4_key(id), &header, o1, m1, &data[..l1]);
        let two = manual(v4_key(id), &header, o2, m2, &data[..l2]);
        let _ = reassembler.push(&one, 0);
        assert_eq!(
            reassembler.push(&two, 0),
            Outcome::Dropped(FragDrop::Inconsistent)
        );
    }
    assert_eq!(reassembler.counters().inconsistent, 3);
    assert!(reassembler.is_empty());
}

#[test]
fn counter_names_are_unique() {
    let names: std::collections::HashSet<_> = FragDrop::ALL.iter().map(|d| d.as_str()).collect();
    assert_eq!(names.len(), FragDrop::ALL.len());
}
