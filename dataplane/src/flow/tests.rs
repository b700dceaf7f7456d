//! Flow table tests: both directions, capacity and eviction, timeouts, and a
//! table of a million flows.

use super::*;
use std::net::Ipv4Addr;
use std::time::Duration;

const SEC: u64 = 1_000_000_000;

fn tuple(proto: u8, client: u32, port: u16) -> FlowTuple {
    FlowTuple {
        proto,
        src: Ipv4Addr::from(client).into(),
        src_port: port,
        dst: Ipv4Addr::new(192, 0, 2, 1).into(),
        dst_port: 443,
    }
}

fn reply(t: &FlowTuple) -> FlowTuple {
    FlowTuple {
        proto: t.proto,
        src: t.dst,
        src_port: t.dst_port,
        dst: t.src,
        dst_port: t.src_port,
    }
}

fn table(capacity: usize, when_full: FullPolicy) -> FlowTable<u32> {
    let config = FlowConfig {
        capacity,
        timeouts: Timeouts::default(),
        when_full,
    };
    match FlowTable::new(&config, 3, HashSeed::new(0x9e37_79b9, 0x7f4a_7c15)) {
        Ok(t) => t,
        Err(e) => panic!("table: {e}"),
    }
}

fn insert(t: &mut FlowTable<u32>, tuple: &FlowTuple, now: u64) -> Found {
    match t.insert(tuple, now, Direction::ToResponder, 0) {
        Ok(inserted) => inserted.found,
        Err(e) => panic!("insert: {e:?}"),
    }
}

#[test]
fn both_directions_find_one_flow() {
    let mut t = table(16, FullPolicy::EvictOldest);
    let out = tuple(6, 0x0a00_0001, 50000);
    let created = insert(&mut t, &out, 0);
    let back = t.lookup(&reply(&out), 1);
    assert_eq!(
        back.map(|f| (f.slot, f.dir)),
        Some((created.slot, Direction::ToInitiator))
    );
    let again = t.lookup(&out, 2);
    assert_eq!(again.map(|f| f.dir), Some(Direction::ToResponder));
    assert_eq!(t.len(), 1);
}

#[test]
fn syn_ack_first_makes_receiver_the_initiator() {
    let mut t = table(16, FullPolicy::EvictOldest);
    let synack = reply(&tuple(6, 0x0a00_0001, 50000));
    let result = t.insert(&synack, 0, Direction::ToInitiator, 7);
    assert!(result.is_ok());
    let ack = t.lookup(&tuple(6, 0x0a00_0001, 50000), 1);
    assert_eq!(ack.map(|f| f.dir), Some(Direction::ToResponder));
}

#[test]
fn ids_carry_the_worker_and_are_unique() {
    let mut t = table(16, FullPolicy::EvictOldest);
    let a = insert(&mut t, &tuple(17, 1, 1), 0);
    let b = insert(&mut t, &tuple(17, 1, 2), 0);
    assert_ne!(a.id, b.id);
    assert_eq!(a.id.worker(), 3);
}

#[test]
fn full_table_evicts_the_flow_nearest_its_deadline() {
    let mut t = table(4, FullPolicy::EvictOldest);
    let slots: Vec<Found> = (0..4)
        .map(|i| insert(&mut t, &tuple(17, i, 1000), i.into()))
        .collect();
    t.lookup(&tuple(17, 0, 1000), 10); // refresh the oldest
    let result = t.insert(&tuple(17, 9, 1000), 11, Direction::ToResponder, 0);
    let evicted = result.ok().and_then(|r| r.evicted);
    assert_eq!(
        evicted.map(|r| (r.id, r.reason)),
        Some((slots[1].id, RemoveReason::Evicted))
    );
    assert!(t.lookup(&tuple(17, 1, 1000), 12).is_none());
    assert!(t.lookup(&tuple(17, 0, 1000), 12).is_some());
    assert_eq!((t.counters().evicted, t.counters().active), (1, 4));
}

#[test]
fn refuse_policy_counts_and_keeps_old_flows() {
    let mut t = table(2, FullPolicy::Refuse);
    insert(&mut t, &tuple(17, 1, 1), 0);
    insert(&mut t, &tuple(17, 2, 1), 0);
    let third = t.insert(&tuple(17, 3, 1), 1, Direction::ToResponder, 0);
    assert_eq!(third.err(), Some(InsertError::TableFull));
    assert_eq!(t.counters().table_full, 1);
    assert_eq!(t.len(), 2);
}

#[test]
fn udp_flow_expires_after_its_timeout() {
    let mut t = table(8, FullPolicy::EvictOldest);
    insert(&mut t, &tuple(17, 1, 53), 0);
    assert!(t.expire_next(59 * SEC).is_none());
    let gone = t.expire_next(60 * SEC);
    assert_eq!(gone.map(|r| r.reason), Some(RemoveReason::Expired));
    assert_eq!((t.counters().expired, t.len()), (1, 0));
}

#[test]
fn class_change_moves_the_deadline() {
    let mut t = table(8, FullPolicy::EvictOldest);
    let tcp = insert(&mut t, &tuple(6, 1, 5000), 0);
    let udp = insert(&mut t, &tuple(17, 2, 5000), 0);
    t.set_class(tcp.slot, TimeoutClass::TcpEstablished);
    assert_eq!(
        t.get(tcp.slot).map(|f| f.class()),
        Some(TimeoutClass::TcpEstablished)
    );

    let first = t.expire_next(100 * SEC).map(|r| r.id);
    assert_eq!(first, Some(udp.id));
    assert!(t.expire_next(299 * SEC).is_none());
    assert_eq!(t.expire_next(300 * SEC).map(|r| r.id), Some(tcp.id));
}

#[test]
fn expiry_takes_flows_oldest_first_in_bounded_steps() {
    let mut t = table(64, FullPolicy::EvictOldest);
    for i in 0..50u32 {
        insert(&mut t, &tuple(0x2f, i, 0), u64::from(i) * SEC);
    }
    let mut order = Vec::new();
    while let Some(r) = t.expire_next(1000 * SEC) {
        order.push(r.first_seen / SEC);
    }
    assert_eq!(order, (0..50).collect::<Vec<u64>>());
}

#[test]
fn clock_never_steps_back() {
    let mut t = table(8, FullPolicy::EvictOldest);
    insert(&mut t, &tuple(17, 1, 1), 100 * SEC);
    insert(&mut t, &tuple(17, 2, 1), 10 * SEC); // capture timestamp out of order
    for client in [1, 2] {
        let found = t.lookup(&tuple(17, client, 1), 0);
        let seen = found
            .and_then(|f| t.get(f.slot))
            .map(|flow| flow.last_seen());
        assert_eq!(seen, Some(100 * SEC));
    }
}

#[test]
fn removed_slot_is_reused_without_confusion() {
    let mut t = table(2, FullPolicy::Refuse);
    let a = insert(&mut t, &tuple(17, 1, 1), 0);
    let removed = t.remove(a.slot).map(|r| r.id);
    assert_eq!(removed, Some(a.id));
    let b = insert(&mut t, &tuple(17, 2, 1), 1);
    assert_eq!(b.slot, a.slot);
    assert_ne!(b.id, a.id);
    assert!(t.lookup(&tuple(17, 1, 1), 2).is_none());
    assert_eq!(t.counters().removed, 1);
}

#[test]
fn rejects_bad_capacity() {
    let zero = FlowConfig {
        capacity: 0,
        ..FlowConfig::default()
    };
    assert_eq!(
        FlowTable::<()>::new(&zero, 0, HashSeed::default()).err(),
        Some(FlowConfigError::ZeroCapacity)
    );
}

#[test]
fn custom_timeouts_apply() {
    let timeouts = Timeouts {
        other: Duration::from_millis(5),
        ..Timeouts::default()
    };
    let config = FlowConfig {
        capacity: 4,
        timeouts,
        when_full: FullPolicy::Refuse,
    };
    let Ok(mut t) = FlowTable::new(&config, 0, HashSeed::default()) else {
        panic!("table")
    };
    let _ = t.insert(&tuple(1, 1, 0), 0, Direction::ToResponder, ());
    assert!(t.expire_next(4_999_999).is_none());
    assert!(t.expire_next(5_000_000).is_some());
}

#[test]
fn million_flows_insert_and_lookup() {
    const N: u32 = 1_000_000;
    let mut t = table(N as usize, FullPolicy::Refuse);
    let started = std::time::Instant::now();
    for i in 0..N {
        let tup = tuple(6, 0x0a00_0000 | (i >> 8), (i & 0xff) as u16 + 1024);
        if let Ok(inserted) = t.insert(&tup, 0, Direction::ToResponder, i) {
            assert!(inserted.evicted.is_none());
        }
    }
    assert_eq!(t.len(), N as usize);
    for i in (0..N).step_by(7) {
        let tup = tuple(6, 0x0a00_0000 | (i >> 8), (i & 0xff) as u16 + 1024);
        let found = t
            .lookup(&reply(&tup), 1)
            .and_then(|f| t.get(f.slot))
            .map(|f| f.data);
        assert_eq!(found, Some(i));
    }
    let extra = t.insert(&tuple(6, 1, 1), 2, Direction::ToResponder, 0);
    assert!(extra.is_err());
    // About 0.6 s unoptimized on one core; the guard only catches a
    // degenerate hash or probe chains, not machine load.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn head_seen_since_queued_is_requeued_not_expired() {
    let mut t = table(8, FullPolicy::EvictOldest);
    let a = insert(&mut t, &tuple(17, 1, 53), 0);
    let b = insert(&mut t, &tuple(17, 2, 53), 10 * SEC);
    assert!(t.lookup(&tuple(17, 1, 53), 50 * SEC).is_some());

    // `a` heads the queue but was seen at 50 s: it moves behind `b`.
    assert!(t.expire_next(60 * SEC).is_none());
    assert_eq!(t.len(), 2);
    assert_eq!(t.expire_next(70 * SEC).map(|r| r.id), Some(b.id));
    assert!(t.expire_next(109 * SEC).is_none());
    let gone = t.expire_next(110 * SEC);
    assert_eq!(gone.map(|r| (r.id, r.last_seen)), Some((a.id, 50 * SEC)));
    assert!(t.is_empty());
}

#[test]
fn change_to_a_shorter_timeout_takes_effect_at_once() {
    let mut t = table(8, FullPolicy::EvictOldest);
    let tcp = insert(&mut t, &tuple(6, 1, 5000), 0);
    t.set_class(tcp.slot, TimeoutClass::TcpEstablished);
    assert!(t.expire_next(100 * SEC).is_none()); // moved to the established queue

    assert!(t.lookup(&tuple(6, 1, 5000), 100 * SEC).is_some());
    t.set_class(tcp.slot, TimeoutClass::TcpClosing);
    assert!(t.expire_next(129 * SEC).is_none());
    assert_eq!(t.expire_next(130 * SEC).map(|r| r.id), Some(tcp.id));
}

/// Flows of every class seen at random times, changing class at random,
/// with expiry called often: none leaves before its deadline, none more
/// than one timeout after it, and all of them at the end.
#[test]
fn lazy_expiry_is_never_early_and_at_most_one_timeout_late() {
    let timeouts = Timeouts {
        tcp_opening: Duration::from_secs(3),
        tcp_established: Duration::from_secs(20),
        tcp_closing: Duration::from_secs(2),
        udp: Duration::from_secs(6),
        other: Duration::from_secs(4),
    };
    let config = FlowConfig {
        capacity: 64,
        timeouts,
        when_full: FullPolicy::Refuse,
    };
    let Ok(mut t) = FlowTable::new(&config, 0, HashSeed::new(1, 2)) else {
        panic!("table")
    };
    let limit = |class: TimeoutClass| timeouts.as_nanos()[class.index()];
    let classes = [
        TimeoutClass::TcpOpening,
        TimeoutClass::TcpEstablished,
        TimeoutClass::TcpClosing,
    ];
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut class_of = std::collections::HashMap::new();
    let mut expired = 0;
    for step in 0..20_000u64 {
        let now = step * SEC / 10;
        let r = next();
        let proto = [6, 17, 0x2f][(r % 3) as usize];
        let tup = tuple(proto, (r >> 8) as u32 % 48, 1);
        let found = t.lookup(&tup, now).or_else(|| {
            let inserted = t.insert(&tup, now, Direction::ToResponder, 0);
            let found = inserted.ok()?.found;
            class_of.insert(found.id, TimeoutClass::initial(proto));
            Some(found)
        });
        if let (Some(f), 6) = (found, proto) {
            if r >> 40 & 3 == 0 {
                let class = classes[(r >> 42) as usize % 3];
                t.set_class(f.slot, class);
                class_of.insert(f.id, class);
            }
        }
        for _ in 0..4 {
            let Some(gone) = t.expire_next(now) else {
                break;
            };
            let timeout = class_of.get(&gone.id).map_or(0, |&c| limit(c));
            let idle = now - gone.last_seen;
            assert!(
                idle >= timeout,
                "step {step}: idle {idle}, timeout {timeout}"
            );
            assert!(
                idle < 2 * timeout,
                "step {step}: idle {idle}, timeout {timeout}"
            );
            expired += 1;
        }
    }
    assert!(expired > 1000, "{expired}");
    while t.expire_next(u64::MAX).is_some() {}
    assert!(t.is_empty());
}
