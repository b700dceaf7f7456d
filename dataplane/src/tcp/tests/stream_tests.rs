//! One direction's reassembly: fast path, buffering, overlaps, gaps, caps.

use super::*;

const FWD: Direction = Direction::ToResponder;

struct Bench {
    worker: Worker,
    stream: TcpStream,
    sink: Collect,
}

impl Bench {
    fn new(config: TcpConfig, isn: u32) -> Self {
        let mut stream = TcpStream::new(FWD);
        stream.start(SeqNum(isn));
        Self {
            worker: Worker::new(config),
            stream,
            sink: Collect::default(),
        }
    }

    fn policy(overlap: OverlapPolicy) -> Self {
        Self::new(
            TcpConfig {
                overlap,
                ..TcpConfig::default()
            },
            1000,
        )
    }

    /// Feeds `payload` at stream offset `off` (from sequence 1000 unless
    /// built otherwise).
    fn feed(&mut self, off: u32, payload: &[u8]) -> Delivery {
        let seq = SeqNum(self.isn()).add(off);
        let mut cx = self.worker.cx();
        self.stream.segment(seq, payload, &mut cx, &mut self.sink)
    }

    fn isn(&self) -> u32 {
        self.stream
            .next_seq()
            .0
            .wrapping_sub(self.stream.offset() as u32)
    }

    fn out(&self) -> &[u8] {
        &self.sink.data[0]
    }
}

#[test]
fn in_order_segment_is_delivered_without_a_copy() {
    let mut b = Bench::policy(OverlapPolicy::First);
    let payload = b"GET / HTTP/1.1\r\n".to_vec();
    let d = b.feed(0, &payload);
    assert_eq!(
        (d.class, d.fresh.clone(), d.delivered),
        (SegmentClass::InOrder, 0..16, 16)
    );
    assert_eq!(b.sink.chunks, vec![(FWD, payload.as_ptr() as usize)]);
    assert_eq!(b.worker.budget.used(), 0);
}

#[test]
fn out_of_order_waits_for_the_hole() {
    let mut b = Bench::policy(OverlapPolicy::First);
    let d = b.feed(5, b"world");
    assert_eq!(
        (d.class, d.delivered, d.fresh.is_empty()),
        (SegmentClass::OutOfOrder, 0, true)
    );
    assert!(b.worker.budget.used() > 0);
    let d = b.feed(0, b"hello");
    assert_eq!(
        (d.class, d.delivered, d.fresh),
        (SegmentClass::InOrder, 10, 0..5)
    );
    assert_eq!(b.out(), b"helloworld");
    assert_eq!(b.worker.budget.used(), 0, "buffer freed once empty");
}

#[test]
fn exact_duplicates_are_dropped() {
    let mut b = Bench::policy(OverlapPolicy::First);
    b.feed(0, b"abc");
    assert_eq!(b.feed(0, b"abc").class, SegmentClass::Retransmit);
    b.feed(6, b"ghi");
    assert_eq!(b.feed(6, b"ghi").class, SegmentClass::Retransmit);
    b.feed(3, b"def");
    assert_eq!(b.out(), b"abcdefghi");
    assert_eq!(b.worker.counters.retransmits, 2);
    assert_eq!(b.worker.counters.overlap_conflicts, 0);
}

#[test]
fn partial_retransmission_delivers_only_the_new_part() {
    let mut b = Bench::policy(OverlapPolicy::First);
    b.feed(0, b"abcd");
    let d = b.feed(2, b"cdef");
    assert_eq!((d.class, d.fresh), (SegmentClass::Overlap, 2..4));
    assert_eq!(b.out(), b"abcdef");
}

/// Held "XXXX" at 4..8, then a conflicting copy, then the hole before both
/// fills.
fn conflict(policy: OverlapPolicy, second_off: u32, second: &[u8]) -> Vec<u8> {
    let mut b = Bench::policy(policy);
    b.feed(4, b"XXXX");
    let d = b.feed(second_off, second);
    assert!(d.conflict);
    b.feed(0, &b"0123"[..second_off.min(4) as usize]);
    assert_eq!(b.worker.counters.overlap_conflicts, 1);
    b.out().to_vec()
}

#[test]
fn first_policy_keeps_held_bytes() {
    assert_eq!(conflict(OverlapPolicy::First, 4, b"yyyy"), b"0123XXXX");
}

#[test]
fn last_policy_takes_new_bytes() {
    assert_eq!(conflict(OverlapPolicy::Last, 6, b"yyyy"), b"0123XXyyyy");
}

#[test]
fn target_policies_follow_their_rules() {
    // New segment starts before the held one: BSD and Linux take it.
    assert_eq!(conflict(OverlapPolicy::Bsd, 2, b"yyyy"), b"01yyyyXX");
    assert_eq!(conflict(OverlapPolicy::Linux, 2, b"yyyy"), b"01yyyyXX");
    // Windows wants the new segment to cover the old one to its end too.
    assert_eq!(conflict(OverlapPolicy::Windows, 2, b"yyyy"), b"01yyXXXX");
    assert_eq!(conflict(OverlapPolicy::Windows, 2, b"yyyyyy"), b"01yyyyyy");
    // Same start, longer: only Linux takes it.
    assert_eq!(conflict(OverlapPolicy::Linux, 4, b"yyyyy"), b"0123yyyyy");
    assert_eq!(conflict(OverlapPolicy::Bsd, 4, b"yyyyy"), b"0123XXXXy");
}

#[test]
fn cap_gives_up_the_oldest_hole() {
    let config = TcpConfig {
        stream_cap: 100,
        ..TcpConfig::default()
    };
    let mut b = Bench::new(config, 7);
    b.feed(10, &[1; 20]);
    let d = b.feed(120, &[2; 10]);
    assert_eq!(b.sink.gaps[0], vec![Gap { offset: 0, len: 10 }]);
    assert_eq!(d.delivered, 20, "data after the hole goes out");
    assert_eq!(b.stream.offset(), 30);
    b.feed(30, &[3; 90]);
    assert_eq!(b.out().len(), 20 + 90 + 10);
    assert_eq!(b.worker.counters.gaps, 1);
}

#[test]
fn too_many_runs_gives_up_holes() {
    let config = TcpConfig {
        max_runs: 4,
        ..TcpConfig::default()
    };
    let mut b = Bench::new(config, 0);
    for i in 0..8u32 {
        b.feed(10 + i * 10, &[i as u8; 5]);
    }
    assert!(b.worker.counters.gaps >= 4);
    assert!(b.stream.offset() > 0);
}

#[test]
fn cap_with_bypass_action_stops_reassembly() {
    let config = TcpConfig {
        stream_cap: 100,
        on_cap: CapAction::Bypass,
        ..TcpConfig::default()
    };
    let mut b = Bench::new(config, 7);
    b.feed(10, &[1; 20]);
    assert_eq!(b.feed(200, &[1; 20]).class, SegmentClass::Bypassed);
    assert_eq!(b.feed(0, &[1; 10]).class, SegmentClass::Bypassed);
    assert!(b.stream.is_bypassed());
    assert_eq!((b.worker.counters.bypassed, b.worker.budget.used()), (1, 0));
}

#[test]
fn exhausted_budget_switches_to_bypass() {
    let mut b = Bench::policy(OverlapPolicy::First);
    b.worker.budget = Budget::new(64);
    assert_eq!(b.feed(100, &[0; 500]).class, SegmentClass::Bypassed);
    assert_eq!((b.worker.counters.bypassed, b.worker.budget.used()), (1, 0));
    assert!(b.worker.budget.refused() > 0);
}

#[test]
fn ack_past_a_hole_makes_a_gap() {
    let mut b = Bench::policy(OverlapPolicy::First);
    b.feed(0, b"ab");
    b.feed(5, b"fgh");
    let mut cx = b.worker.cx();
    let delivered = b.stream.acked(SeqNum(1000 + 8), &mut cx, &mut b.sink);
    assert_eq!(delivered, 3);
    assert_eq!(b.sink.gaps[0], vec![Gap { offset: 2, len: 3 }]);
    assert_eq!(b.out(), b"abfgh");
}

#[test]
fn ack_within_seen_data_only() {
    let mut b = Bench::policy(OverlapPolicy::First);
    b.feed(0, b"ab");
    let mut cx = b.worker.cx();
    assert_eq!(b.stream.acked(SeqNum(1000 + 50), &mut cx, &mut b.sink), 0);
    assert!(b.sink.gaps[0].is_empty(), "no data seen past the ack point");
}

#[test]
fn finish_flushes_with_gaps_and_frees() {
    let mut b = Bench::policy(OverlapPolicy::First);
    b.feed(3, b"de");
    b.feed(8, b"ij");
    let mut cx = b.worker.cx();
    b.stream.finish(&mut cx, &mut b.sink);
    assert_eq!(b.out(), b"deij");
    assert_eq!(
        b.sink.gaps[0],
        vec![Gap { offset: 0, len: 3 }, Gap { offset: 5, len: 3 }]
    );
    assert_eq!(b.worker.budget.used(), 0);
}

#[test]
fn data_before_the_stream_start_is_old() {
    let mut b = Bench::new(TcpConfig::default(), 5000);
    let d = b.feed(u32::MAX - 9, &[9; 5]);
    assert_eq!((d.class, d.delivered), (SegmentClass::Retransmit, 0));
    let d = b.feed(u32::MAX - 2, &[9; 5]);
    assert_eq!((d.class, d.fresh), (SegmentClass::Overlap, 3..5));
}

#[test]
fn sequence_wrap_inside_reassembly() {
    let mut b = Bench::new(TcpConfig::default(), u32::MAX - 3);
    b.feed(6, b"ghij");
    b.feed(0, b"abc");
    b.feed(3, b"def");
    assert_eq!(b.out(), b"abcdefghij");
    assert_eq!(b.stream.next_seq(), SeqNum(6));
}
