//! Verdicts from the sink: the packet whose data, in stream order, makes the
//! sink say "drop" is dropped, and so is every later packet of its flow,
//! while other flows go on.

use crate::decode::tests::build::{self, Tcp};
use crate::flow::{Direction, FlowId, HashSeed};
use crate::pipeline::{FlowSink, LinkType, Pipeline, PipelineConfig, Verdict};

const SYN: u16 = 0x02;
const ACK: u16 = 0x10;
const PSH_ACK: u16 = 0x18;
const CLIENT_ISN: u32 = 1000;
const SERVER_ISN: u32 = 5000;

/// Blocks a flow once its client-to-server stream holds `EVIL`.
#[derive(Default)]
struct Blocker {
    streams: Vec<(FlowId, Vec<u8>)>,
    delivered_after_block: usize,
    blocked: Vec<FlowId>,
}

impl Blocker {
    fn stream(&mut self, flow: FlowId) -> &mut Vec<u8> {
        let at = match self.streams.iter().position(|(f, _)| *f == flow) {
            Some(at) => at,
            None => {
                self.streams.push((flow, Vec::new()));
                self.streams.len() - 1
            }
        };
        &mut self.streams[at].1
    }
}

impl FlowSink for Blocker {
    fn data(&mut self, flow: FlowId, dir: Direction, _: u64, bytes: &[u8]) {
        if self.blocked.contains(&flow) {
            self.delivered_after_block += 1;
        }
        if dir == Direction::ToResponder {
            self.stream(flow).extend_from_slice(bytes);
        }
    }

    fn restart(&mut self, flow: FlowId) {
        self.stream(flow).clear();
    }

    fn verdict(&mut self, flow: FlowId) -> Verdict {
        let evil = self.stream(flow).windows(4).any(|w| w == b"EVIL");
        if evil {
            self.blocked.push(flow);
            Verdict::Drop
        } else {
            Verdict::Pass
        }
    }
}

fn segment(port: u16, from_client: bool, seq: u32, ack: u32, flags: u16, data: &[u8]) -> Vec<u8> {
    let (src_port, dst_port) = if from_client { (port, 80) } else { (80, port) };
    let tcp = Tcp {
        src_port,
        dst_port,
        seq,
        ack,
        flags,
        ..Tcp::default()
    };
    let frame = build::tcp_v4_frame(&tcp, data);
    if from_client {
        frame
    } else {
        swap_addresses(frame)
    }
}

fn swap_addresses(mut frame: Vec<u8>) -> Vec<u8> {
    let (a, b) = frame.split_at_mut(30);
    a[26..].swap_with_slice(&mut b[..4]);
    frame
}

fn handshake(port: u16) -> Vec<Vec<u8>> {
    vec![
        segment(port, true, CLIENT_ISN - 1, 0, SYN, b""),
        segment(port, false, SERVER_ISN - 1, CLIENT_ISN, SYN | ACK, b""),
        segment(port, true, CLIENT_ISN, SERVER_ISN, ACK, b""),
    ]
}

fn run(pipeline: &mut Pipeline, sink: &mut Blocker, frames: &[Vec<u8>]) -> Vec<Verdict> {
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| pipeline.process(f, LinkType::Ethernet, 1_000 + i as u64, sink))
        .collect()
}

fn pipeline() -> Pipeline {
    Pipeline::new(PipelineConfig::default(), 0, HashSeed::new(1, 2)).expect("default config")
}

#[test]
fn the_packet_completing_the_match_and_the_rest_of_its_flow_are_dropped() {
    let mut frames = handshake(40_000);
    frames.extend([
        segment(40_000, true, CLIENT_ISN, SERVER_ISN, PSH_ACK, b"GET /EV"),
        segment(
            40_000,
            true,
            CLIENT_ISN + 7,
            SERVER_ISN,
            PSH_ACK,
            b"IL HTTP/1.1\r\n",
        ),
        segment(
            40_000,
            true,
            CLIENT_ISN + 20,
            SERVER_ISN,
            PSH_ACK,
            b"Host: x\r\n",
        ),
        segment(
            40_000,
            false,
            SERVER_ISN,
            CLIENT_ISN + 29,
            PSH_ACK,
            b"HTTP/1.1 200",
        ),
    ]);
    let (mut p, mut sink) = (pipeline(), Blocker::default());
    let verdicts = run(&mut p, &mut sink, &frames);

    let pass = Verdict::Pass;
    let drop = Verdict::Drop;
    assert_eq!(verdicts, [pass, pass, pass, pass, drop, drop, drop]);
    assert_eq!(sink.delivered_after_block, 0);
    let stats = p.stats();
    assert_eq!((stats.blocked, stats.flows_blocked), (3, 1));
}

#[test]
fn data_held_behind_a_hole_is_judged_when_the_hole_fills() {
    let mut frames = handshake(40_001);
    frames.extend([
        // "IL" arrives first, ahead of a hole: nothing in order to inspect.
        segment(
            40_001,
            true,
            CLIENT_ISN + 7,
            SERVER_ISN,
            PSH_ACK,
            b"IL HTTP/1.1\r\n",
        ),
        // The hole fills: "GET /EVIL ..." is now in order; this packet goes.
        segment(40_001, true, CLIENT_ISN, SERVER_ISN, PSH_ACK, b"GET /EV"),
    ]);
    let (mut p, mut sink) = (pipeline(), Blocker::default());
    let verdicts = run(&mut p, &mut sink, &frames);
    assert_eq!(verdicts[3..], [Verdict::Pass, Verdict::Drop]);
}

#[test]
fn a_blocked_flow_leaves_other_flows_alone() {
    let mut frames = handshake(40_002);
    frames.extend(handshake(40_003));
    frames.extend([
        segment(40_002, true, CLIENT_ISN, SERVER_ISN, PSH_ACK, b"EVIL"),
        segment(40_003, true, CLIENT_ISN, SERVER_ISN, PSH_ACK, b"GOOD"),
        segment(40_003, false, SERVER_ISN, CLIENT_ISN + 4, PSH_ACK, b"OK"),
    ]);
    let (mut p, mut sink) = (pipeline(), Blocker::default());
    let verdicts = run(&mut p, &mut sink, &frames);
    assert_eq!(verdicts[6..], [Verdict::Drop, Verdict::Pass, Verdict::Pass]);
    assert_eq!(p.stats().flows_blocked, 1);
}

#[test]
fn a_new_connection_on_a_blocked_four_tuple_is_not_blocked() {
    let mut frames = handshake(40_004);
    frames.push(segment(
        40_004, true, CLIENT_ISN, SERVER_ISN, PSH_ACK, b"EVIL",
    ));
    // The client's port comes round again: a fresh SYN, a new sequence space.
    let isn = CLIENT_ISN + 100_000;
    frames.extend([
        segment(40_004, true, isn, 0, SYN, b""),
        segment(40_004, false, SERVER_ISN + 7, isn + 1, SYN | ACK, b""),
        segment(40_004, true, isn + 1, SERVER_ISN + 8, PSH_ACK, b"GOOD"),
    ]);
    let (mut p, mut sink) = (pipeline(), Blocker::default());
    let verdicts = run(&mut p, &mut sink, &frames);
    assert_eq!(
        verdicts[3..],
        [Verdict::Drop, Verdict::Pass, Verdict::Pass, Verdict::Pass]
    );
    assert_eq!(p.stats().flows_blocked, 1);
}

#[test]
fn a_blocked_connection_ends_after_the_closing_timeout() {
    let mut frames = handshake(40_010);
    frames.extend(handshake(40_011));
    frames.extend([
        segment(40_010, true, CLIENT_ISN, SERVER_ISN, PSH_ACK, b"EVIL"),
        segment(40_011, true, CLIENT_ISN, SERVER_ISN, PSH_ACK, b"GOOD"),
    ]);
    let (mut p, mut sink) = (pipeline(), Blocker::default());
    run(&mut p, &mut sink, &frames);
    let cfg = crate::flow::FlowConfig::default().timeouts;
    // The frames came at 1000 to 1007 ns.
    let after_closing = 1_008 + cfg.tcp_closing.as_nanos() as u64;
    assert!(after_closing < cfg.tcp_established.as_nanos() as u64);
    p.housekeeping(after_closing, &mut sink);
    // The blocked one is gone; the established one stays.
    let ended: Vec<u16> = p.drain_records().map(|r| r.src_port).collect();
    assert_eq!(ended, [40_010]);
    assert_eq!(p.stats().flows["active"], 1);
}
