//! Connection scenarios after RFC 9293: handshake, data, close (normal and
//! simultaneous), RST in and out of window, mid-stream pickup, wrap-around.

use super::*;

const C2S: Direction = Direction::ToResponder;
const S2C: Direction = Direction::ToInitiator;
const SYN: TcpFlags = TcpFlags::SYN;
const ACK: TcpFlags = TcpFlags::ACK;
const FIN: TcpFlags = TcpFlags::FIN;
const RST: TcpFlags = TcpFlags::RST;

struct Pair {
    worker: Worker,
    conn: TcpConnection,
    sink: Collect,
}

impl Pair {
    fn new() -> Self {
        Self {
            worker: Worker::new(TcpConfig::default()),
            conn: TcpConnection::new(),
            sink: Collect::default(),
        }
    }

    fn send(
        &mut self,
        dir: Direction,
        seq: u32,
        ack: u32,
        flags: TcpFlags,
        payload: &[u8],
    ) -> Outcome {
        let seg = Segment {
            seq: SeqNum(seq),
            ack: SeqNum(ack),
            flags,
            window: 8192,
            wscale: flags.syn().then_some(2),
            payload,
        };
        let mut cx = self.worker.cx();
        self.conn.segment(dir, &seg, &mut cx, &mut self.sink)
    }

    /// SYN, SYN-ACK, ACK with the given initial sequence numbers.
    fn handshake(client: u32, server: u32) -> Self {
        let mut p = Self::new();
        assert_eq!(p.send(C2S, client, 0, SYN, b"").state, TcpState::SynSent);
        let synack = client.wrapping_add(1);
        assert_eq!(
            p.send(S2C, server, synack, SYN | ACK, b"").state,
            TcpState::SynReceived
        );
        let out = p.send(C2S, synack, server.wrapping_add(1), ACK, b"");
        assert_eq!(
            (out.previous, out.state),
            (TcpState::SynReceived, TcpState::Established)
        );
        p
    }
}

#[test]
fn three_way_handshake_then_data_both_ways() {
    let mut p = Pair::handshake(100, 5000);
    let out = p.send(C2S, 101, 5001, ACK, b"GET /");
    assert_eq!(
        (out.delivery.class, out.delivery.fresh),
        (SegmentClass::InOrder, 0..5)
    );
    p.send(S2C, 5001, 106, ACK, b"200 OK");
    assert_eq!(p.sink.data, [b"GET /".to_vec(), b"200 OK".to_vec()]);
    assert!(!p.conn.is_midstream());
    assert_eq!(p.worker.counters.established, 1);
    assert_eq!(
        p.conn.state().timeout_class(),
        crate::flow::TimeoutClass::TcpEstablished
    );
}

#[test]
fn syn_ack_with_wrong_ack_is_ignored() {
    let mut p = Pair::new();
    p.send(C2S, 100, 0, SYN, b"");
    let out = p.send(S2C, 5000, 999, SYN | ACK, b"");
    assert_eq!(
        (out.rejected, out.state),
        (Some(Rejected::Syn), TcpState::SynSent)
    );
    assert_eq!(p.worker.counters.invalid_syn, 1);
}

#[test]
fn retransmitted_syn_changes_nothing() {
    let mut p = Pair::new();
    p.send(C2S, 100, 0, SYN, b"");
    let out = p.send(C2S, 100, 0, SYN, b"");
    assert_eq!((out.rejected, out.state), (None, TcpState::SynSent));
}

#[test]
fn normal_close() {
    let mut p = Pair::handshake(100, 5000);
    assert_eq!(
        p.send(C2S, 101, 5001, FIN | ACK, b"").state,
        TcpState::FinWait
    );
    assert_eq!(p.send(S2C, 5001, 102, ACK, b"").state, TcpState::FinWait);
    assert_eq!(
        p.send(S2C, 5001, 102, FIN | ACK, b"").state,
        TcpState::Closing
    );
    let out = p.send(C2S, 102, 5002, ACK, b"");
    assert_eq!(
        (out.previous, out.state),
        (TcpState::Closing, TcpState::Closed)
    );
    assert_eq!(
        out.state.timeout_class(),
        crate::flow::TimeoutClass::TcpClosing
    );
}

#[test]
fn simultaneous_close() {
    // RFC 9293 figure 13: both FINs cross, then both ACKs.
    let mut p = Pair::handshake(100, 5000);
    p.send(C2S, 101, 5001, FIN | ACK, b"");
    assert_eq!(
        p.send(S2C, 5001, 101, FIN | ACK, b"").state,
        TcpState::Closing
    );
    assert_eq!(p.send(C2S, 102, 5002, ACK, b"").state, TcpState::Closing);
    assert_eq!(p.send(S2C, 5002, 102, ACK, b"").state, TcpState::Closed);
}

#[test]
fn fin_with_data_is_acked_past_the_data() {
    let mut p = Pair::handshake(100, 5000);
    p.send(C2S, 101, 5001, FIN | ACK, b"bye");
    p.send(S2C, 5001, 104, FIN | ACK, b"");
    assert_eq!(
        p.send(C2S, 105, 5002, ACK, b"").state,
        TcpState::Closing,
        "FIN at 104 not acked yet"
    );
    assert_eq!(p.send(S2C, 5002, 105, ACK, b"").state, TcpState::Closed);
    assert_eq!(p.sink.data[0], b"bye");
}

#[test]
fn rst_in_window_is_accepted() {
    let mut p = Pair::handshake(100, 5000);
    p.send(C2S, 101, 5001, ACK, b"hello");
    let out = p.send(S2C, 5001 + 100, 0, RST, b"");
    assert_eq!((out.rejected, out.state), (None, TcpState::Reset));
    assert_eq!(p.worker.counters.rst_accepted, 1);
}

#[test]
fn rst_out_of_window_is_rejected_and_counted() {
    let mut p = Pair::handshake(100, 5000);
    p.send(C2S, 101, 5001, ACK, b"hello");
    // The client acknowledged 5001 and offers 8192 << 2 bytes of window.
    let out = p.send(S2C, 5001 + (8192 << 2), 0, RST, b"");
    assert_eq!(
        (out.rejected, out.state),
        (Some(Rejected::Rst), TcpState::Established)
    );
    let behind = p.send(S2C, 4000, 0, RST, b"");
    assert_eq!(behind.rejected, Some(Rejected::Rst));
    assert_eq!(p.worker.counters.rst_rejected, 2);
}

#[test]
fn rst_answering_a_syn_needs_the_right_ack() {
    let mut p = Pair::new();
    p.send(C2S, 100, 0, SYN, b"");
    assert_eq!(
        p.send(S2C, 0, 7, RST | ACK, b"").rejected,
        Some(Rejected::Rst)
    );
    assert_eq!(p.send(S2C, 0, 101, RST | ACK, b"").state, TcpState::Reset);
}

#[test]
fn reset_discards_buffered_data() {
    let mut p = Pair::handshake(100, 5000);
    p.send(C2S, 111, 5001, ACK, b"later");
    assert!(p.worker.budget.used() > 0);
    p.send(C2S, 116, 5001, RST, b"");
    assert_eq!(p.worker.budget.used(), 0);
    assert!(p.sink.data[0].is_empty());
}

#[test]
fn new_syn_after_close_reopens() {
    let mut p = Pair::handshake(100, 5000);
    p.send(C2S, 101, 5001, RST, b"");
    let out = p.send(C2S, 90000, 0, SYN, b"");
    assert_eq!(
        (out.previous, out.state),
        (TcpState::Reset, TcpState::SynSent)
    );
    assert_eq!(p.worker.counters.reopened, 1);
}

#[test]
fn sequence_numbers_wrap_through_the_whole_connection() {
    let (c, s) = (u32::MAX - 2, u32::MAX);
    let mut p = Pair::handshake(c, s);
    // Client data starts at 2^32 - 2 and crosses zero, out of order.
    p.send(C2S, u32::MAX - 1, 0, ACK, b"ab");
    p.send(C2S, 2, 0, ACK, b"ef");
    p.send(C2S, 0, 0, ACK, b"cd");
    p.send(S2C, 0, 4, ACK, b"ok");
    assert_eq!(p.sink.data, [b"abcdef".to_vec(), b"ok".to_vec()]);
    p.send(C2S, 4, 2, FIN | ACK, b"");
    p.send(S2C, 2, 5, FIN | ACK, b"");
    assert_eq!(p.send(C2S, 5, 3, ACK, b"").state, TcpState::Closed);
}

#[test]
fn midstream_pickup_tracks_from_the_first_segment() {
    let mut p = Pair::new();
    let out = p.send(C2S, 777_000, 42_000, ACK, b"tail of a request");
    assert_eq!(
        (out.state, out.delivery.class),
        (TcpState::Established, SegmentClass::InOrder)
    );
    assert!(p.conn.is_midstream());
    p.send(S2C, 42_000, 777_017, ACK, b"reply");
    assert_eq!(p.sink.data[1], b"reply");
    assert_eq!(p.worker.counters.midstream, 1);
}

#[test]
fn syn_ack_seen_first_keeps_roles() {
    assert_eq!(initial_direction(SYN | ACK), S2C);
    let mut p = Pair::new();
    assert_eq!(
        p.send(S2C, 5000, 101, SYN | ACK, b"").state,
        TcpState::SynReceived
    );
    assert_eq!(
        p.send(C2S, 101, 5001, ACK, b"hi").state,
        TcpState::Established
    );
    assert_eq!(p.sink.data[0], b"hi");
    assert!(!p.conn.is_midstream());
}

#[test]
fn data_far_beyond_the_window_is_ignored() {
    let mut p = Pair::handshake(100, 5000);
    let out = p.send(C2S, 101 + (8192 << 2) + 70_000, 5001, ACK, b"evil");
    assert_eq!(out.delivery.class, SegmentClass::OutOfWindow);
    assert_eq!(p.worker.counters.out_of_window, 1);
    p.send(C2S, 101, 5001, ACK, b"good");
    assert_eq!(p.sink.data[0], b"good");
}

#[test]
fn ack_from_the_peer_turns_a_hole_into_a_gap() {
    let mut p = Pair::handshake(100, 5000);
    p.send(C2S, 101, 5001, ACK, b"ab");
    p.send(C2S, 106, 5001, ACK, b"fg"); // 103..106 lost on the tap
    p.send(S2C, 5001, 108, ACK, b"");
    assert_eq!(p.sink.gaps[0], vec![Gap { offset: 2, len: 3 }]);
    assert_eq!(p.sink.data[0], b"abfg");
}

#[test]
fn budget_exhaustion_bypasses_the_whole_flow() {
    let mut p = Pair::handshake(100, 5000);
    p.worker.budget = Budget::new(16);
    let out = p.send(C2S, 200, 5001, ACK, b"out of order");
    assert_eq!(out.delivery.class, SegmentClass::Bypassed);
    assert!(p.conn.is_bypassed() && p.conn.stream(S2C).is_bypassed());
    assert_eq!(
        p.send(S2C, 5001, 101, ACK, b"x").delivery.class,
        SegmentClass::Bypassed
    );
    assert_eq!(
        p.send(C2S, 101, 5001, FIN | ACK, b"").state,
        TcpState::FinWait,
        "tracking goes on"
    );
    assert_eq!((p.worker.counters.bypassed, p.worker.budget.used()), (1, 0));
}

#[test]
fn finish_and_release_return_the_budget() {
    let mut p = Pair::handshake(100, 5000);
    p.send(C2S, 111, 5001, ACK, b"held");
    let mut cx = p.worker.cx();
    p.conn.finish(&mut cx, &mut p.sink);
    assert_eq!(p.sink.data[0], b"held");
    assert_eq!(p.worker.budget.used(), 0);
    p.conn.release(&mut p.worker.budget);
}

#[test]
fn syn_with_a_new_isn_restarts_tracking() {
    let mut p = Pair::new();
    p.send(C2S, 100, 0, SYN, b"early data");
    assert_eq!(p.sink.data[0], b"early data");
    let out = p.send(C2S, 9000, 0, SYN, b"");
    assert_eq!(
        (out.state, p.worker.counters.reopened),
        (TcpState::SynSent, 1)
    );
    assert!(p.sink.data[0].is_empty(), "the sink was told to start over");
    assert_eq!(p.conn.stream(C2S).next_seq(), SeqNum(9001));
}
