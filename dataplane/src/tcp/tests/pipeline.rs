//! The flow table and TCP tracking used together, as a worker does: lookup
//! or insert per packet, feed the connection, move the flow between timeout
//! classes, and release buffers when a flow expires.

use super::*;
use crate::flow::{FlowConfig, FlowTable, FlowTuple, HashSeed, TimeoutClass};
use std::net::Ipv4Addr;

const SEC: u64 = 1_000_000_000;

fn tuple(from_client: bool) -> FlowTuple {
    let client = (Ipv4Addr::new(10, 1, 1, 1).into(), 40_000);
    let server = (Ipv4Addr::new(10, 2, 2, 2).into(), 80);
    let (src, dst) = if from_client {
        (client, server)
    } else {
        (server, client)
    };
    FlowTuple {
        proto: 6,
        src: src.0,
        src_port: src.1,
        dst: dst.0,
        dst_port: dst.1,
    }
}

struct Worker2 {
    table: FlowTable<TcpConnection>,
    tcp: Worker,
    sink: Collect,
}

impl Worker2 {
    fn packet(&mut self, now: u64, from_client: bool, seg: Segment<'_>) -> Outcome {
        let tuple = tuple(from_client);
        let found = match self.table.lookup(&tuple, now) {
            Some(found) => found,
            None => {
                let dir = initial_direction(seg.flags);
                let inserted = self.table.insert(&tuple, now, dir, TcpConnection::new());
                inserted
                    .map(|i| i.found)
                    .unwrap_or_else(|e| panic!("insert: {e:?}"))
            }
        };
        let Some(flow) = self.table.get_mut(found.slot) else {
            panic!("flow vanished")
        };
        let mut cx = self.tcp.cx();
        let outcome = flow.data.segment(found.dir, &seg, &mut cx, &mut self.sink);
        if outcome.changed() {
            self.table
                .set_class(found.slot, outcome.state.timeout_class());
        }
        outcome
    }
}

fn seg(seq: u32, ack: u32, flags: TcpFlags, payload: &[u8]) -> Segment<'_> {
    Segment {
        seq: SeqNum(seq),
        ack: SeqNum(ack),
        flags,
        window: 1000,
        wscale: None,
        payload,
    }
}

#[test]
fn worker_loop_tracks_classes_and_releases_on_expiry() {
    let config = FlowConfig {
        capacity: 16,
        ..FlowConfig::default()
    };
    let Ok(table) = FlowTable::new(&config, 1, HashSeed::new(7, 9)) else {
        panic!("table")
    };
    let mut w = Worker2 {
        table,
        tcp: Worker::new(TcpConfig::default()),
        sink: Collect::default(),
    };
    let (syn, ack) = (TcpFlags::SYN, TcpFlags::ACK);

    w.packet(0, true, seg(10, 0, syn, b""));
    w.packet(SEC, false, seg(90, 11, syn | ack, b""));
    let out = w.packet(2 * SEC, true, seg(11, 91, ack, b"GET"));
    assert_eq!(out.state, TcpState::Established);
    w.packet(3 * SEC, true, seg(20, 91, ack, b"later")); // a hole: 14..20
    assert!(w.tcp.budget.used() > 0);

    let class = w
        .table
        .lookup(&tuple(false), 3 * SEC)
        .and_then(|f| w.table.get(f.slot))
        .map(|f| f.class());
    assert_eq!(class, Some(TimeoutClass::TcpEstablished));
    assert!(w.table.expire_next(200 * SEC).is_none());

    let Some(mut gone) = w.table.expire_next(303 * SEC) else {
        panic!("not expired")
    };
    let mut cx = w.tcp.cx();
    gone.data.finish(&mut cx, &mut w.sink);
    assert_eq!(w.sink.data[0], b"GETlater");
    assert_eq!(w.sink.gaps[0], vec![Gap { offset: 3, len: 6 }]);
    assert_eq!(w.tcp.budget.used(), 0);
}
