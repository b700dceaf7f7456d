//! Fuzz target for TCP tracking and reassembly.
//!
//! The input is a small header (two initial sequence numbers and a settings
//! byte) followed by 7-byte segment records: control (direction, flags,
//! window scale, content variant), sequence offset (i16), acknowledgment
//! offset (i16), payload length and window. Payload bytes are a function of
//! their sequence number, so retransmissions and overlaps repeat the same
//! content unless the record asks for a conflicting variant.
//!
//! Besides "never panics", the sink checks that each direction's data and
//! gaps arrive at consecutive offsets, and the end checks that every byte
//! charged to the budget came back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::flow::Direction;
use palisade_dataplane::tcp::{
    Budget, CapAction, Gap, OverlapPolicy, Segment, SeqNum, StreamSink, TcpConfig, TcpConnection,
    TcpContext, TcpCounters, TcpFlags,
};

/// Checks that offsets follow on each other in both directions.
#[derive(Default)]
struct Checker {
    next: [u64; 2],
}

impl StreamSink for Checker {
    fn data(&mut self, dir: Direction, offset: u64, bytes: &[u8]) {
        let next = &mut self.next[dir.index()];
        assert_eq!(offset, *next, "data out of order");
        *next += bytes.len() as u64;
    }

    fn restart(&mut self) {
        self.next = [0; 2];
    }

    fn gap(&mut self, dir: Direction, gap: Gap) {
        let next = &mut self.next[dir.index()];
        assert_eq!(gap.offset, *next, "gap out of order");
        assert!(gap.len > 0, "empty gap");
        *next += gap.len;
    }
}

fn config(byte: u8) -> TcpConfig {
    let overlap = match byte % 5 {
        0 => OverlapPolicy::First,
        1 => OverlapPolicy::Last,
        2 => OverlapPolicy::Bsd,
        3 => OverlapPolicy::Linux,
        _ => OverlapPolicy::Windows,
    };
    let on_cap = if byte & 0x08 == 0 {
        CapAction::Gap
    } else {
        CapAction::Bypass
    };
    TcpConfig {
        overlap,
        stream_cap: 256 << ((byte >> 4) & 7),
        max_runs: 2 + usize::from(byte >> 5),
        on_cap,
    }
}

/// One 7-byte record as a segment; the payload goes into `buf`.
fn segment<'a>(rec: &[u8; 7], isn: [u32; 2], buf: &'a mut [u8; 255]) -> (Direction, Segment<'a>) {
    let [ctl, s0, s1, a0, a1, len, window] = *rec;
    let dir = if ctl & 1 == 0 {
        Direction::ToResponder
    } else {
        Direction::ToInitiator
    };
    let seq = SeqNum(isn[dir.index()]).add(i16::from_be_bytes([s0, s1]) as i32 as u32);
    let ack = SeqNum(isn[dir.reverse().index()]).add(i16::from_be_bytes([a0, a1]) as i32 as u32);
    let variant = if ctl & 0x80 != 0 { 0x5a } else { 0 };
    let payload = &mut buf[..usize::from(len)];
    for (i, b) in payload.iter_mut().enumerate() {
        *b = (seq.0.wrapping_add(i as u32) as u8) ^ variant;
    }
    let seg = Segment {
        seq,
        ack,
        flags: TcpFlags((ctl >> 1) & 0x1f),
        window: u16::from(window) << 4,
        wscale: (ctl & 0x40 != 0).then_some(window & 0x0f),
        payload,
    };
    (dir, seg)
}

fuzz_target!(|data: &[u8]| {
    let Some((header, records)) = data.split_first_chunk::<9>() else {
        return;
    };
    let isn = [
        u32::from_be_bytes([header[0], header[1], header[2], header[3]]),
        u32::from_be_bytes([header[4], header[5], header[6], header[7]]),
    ];
    let config = config(header[8]);
    let mut budget = Budget::new(16 << 10);
    let mut counters = TcpCounters::default();
    let mut conn = TcpConnection::new();
    let mut sink = Checker::default();
    let mut buf = [0u8; 255];

    for rec in records.chunks_exact(7) {
        let Ok(rec) = <&[u8; 7]>::try_from(rec) else {
            continue;
        };
        let (dir, seg) = segment(rec, isn, &mut buf);
        let mut cx = TcpContext::new(&config, &mut budget, &mut counters);
        let outcome = conn.segment(dir, &seg, &mut cx, &mut sink);
        assert!(outcome.delivery.fresh.end <= seg.payload.len());
    }

    let mut cx = TcpContext::new(&config, &mut budget, &mut counters);
    conn.finish(&mut cx, &mut sink);
    assert_eq!(budget.used(), 0, "budget leaked");
});
