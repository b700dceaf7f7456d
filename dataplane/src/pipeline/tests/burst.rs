//! [`Pipeline::process_burst`] against [`Pipeline::process`]: one varied
//! sequence of frames (handshakes, data in and out of order, FINs and
//! RSTs, UDP, ICMP, IPv6, fragments, malformed and non-IP frames, time
//! steps back and jumps) through both, with a table small enough to
//! evict within a burst, and everything they report compared.

use crate::decode::tests::build::{self, Tcp, V4};
use crate::decode::IpProtocol;
use crate::flow::{FlowId, FullPolicy, Timeouts};
use crate::pipeline::*;
use crate::tcp::Gap;
use std::time::Duration;

const SEC: u64 = 1_000_000_000;
const FLOWS: u16 = 24;

/// Everything a sink is told, in order.
#[derive(Default, Debug, PartialEq)]
struct Log(Vec<String>);

impl FlowSink for Log {
    fn data(&mut self, flow: FlowId, dir: Direction, offset: u64, bytes: &[u8]) {
        self.0
            .push(format!("data {flow:?} {dir:?} {offset} {bytes:?}"));
    }

    fn gap(&mut self, flow: FlowId, dir: Direction, gap: Gap) {
        self.0.push(format!("gap {flow:?} {dir:?} {gap:?}"));
    }

    fn restart(&mut self, flow: FlowId) {
        self.0.push(format!("restart {flow:?}"));
    }

    fn ahead(&mut self, flow: FlowId, dir: Direction, offset: u64, bytes: &[u8]) {
        self.0
            .push(format!("ahead {flow:?} {dir:?} {offset} {bytes:?}"));
    }

    fn closed(&mut self, flow: FlowId) {
        self.0.push(format!("closed {flow:?}"));
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One TCP connection of the generated traffic.
#[derive(Clone, Copy, Default)]
struct Conn {
    stage: u8,
    client: u32,
    server: u32,
}

/// The frame with its IP source and destination swapped (both checksums
/// add the addresses, so they stay valid).
fn reversed(mut frame: Vec<u8>) -> Vec<u8> {
    let (src, len) = if frame.get(12..14) == Some(&[0x86, 0xdd]) {
        (22, 16)
    } else {
        (26, 4)
    };
    let (a, b) = frame.split_at_mut(src + len);
    a[src..].swap_with_slice(&mut b[..len]);
    frame
}

fn tcp_frame(k: u16, from_client: bool, seq: u32, ack: u32, flags: u16, data: &[u8]) -> Vec<u8> {
    let ports = (20_000 + k, 80);
    let (src_port, dst_port) = if from_client {
        ports
    } else {
        (ports.1, ports.0)
    };
    let tcp = Tcp {
        src_port,
        dst_port,
        seq,
        ack,
        flags,
        ..Tcp::default()
    };
    // The last few connections run over IPv6.
    let frame = if k >= FLOWS - 5 {
        build::tcp_v6_frame(&tcp, data)
    } else {
        build::tcp_v4_frame(&tcp, data)
    };
    if from_client {
        frame
    } else {
        reversed(frame)
    }
}

/// The next segment of connection `k`, moving it along.
fn tcp_step(k: u16, c: &mut Conn, rng: &mut Rng) -> Vec<u8> {
    const SYN: u16 = 0x02;
    const RST: u16 = 0x04;
    const ACK: u16 = 0x10;
    const FIN_ACK: u16 = 0x11;
    match c.stage {
        0 => {
            c.client = (rng.below(1 << 32) as u32) | 1;
            c.server = rng.below(1 << 32) as u32;
            c.stage = 1;
            tcp_frame(k, true, c.client.wrapping_sub(1), 0, SYN, b"")
        }
        1 => {
            c.stage = 2;
            tcp_frame(k, false, c.server.wrapping_sub(1), c.client, SYN | ACK, b"")
        }
        2 => {
            c.stage = 3;
            tcp_frame(k, true, c.client, c.server, ACK, b"")
        }
        3 => {
            let from_client = rng.below(2) == 0;
            let len = 1 + rng.below(8) as u32;
            let data = &b"abcdefghij"[..len as usize];
            let (next, ack) = if from_client {
                (&mut c.client, c.server)
            } else {
                (&mut c.server, c.client)
            };
            let seq = match rng.below(6) {
                0 => next.wrapping_add(5),
                1 => next.wrapping_sub(len),
                _ => *next,
            };
            *next = next.wrapping_add(len);
            let flags = match rng.below(30) {
                0 => RST,
                1 | 2 => FIN_ACK,
                _ => ACK | 0x08,
            };
            if flags != ACK | 0x08 {
                c.stage = if flags == RST { 0 } else { 4 };
            }
            tcp_frame(k, from_client, seq, ack, flags, data)
        }
        _ => {
            c.stage = 0;
            tcp_frame(k, false, c.server, c.client, FIN_ACK, b"")
        }
    }
}

/// A UDP datagram in two IPv4 fragments.
fn fragments(ident: u16, rng: &mut Rng) -> [Vec<u8>; 2] {
    let port = 5000 + rng.below(4) as u16;
    let datagram = build::udp(port, 53, &[7; 40], &build::pseudo_v4());
    let (first, second) = datagram.split_at(24);
    let frag = |flags_offset: u16, data: &[u8]| {
        let v4 = V4 {
            ident,
            flags_offset,
            ..V4::new(IpProtocol::UDP)
        };
        build::ethernet(&[], 0x0800, &v4.build(data))
    };
    [frag(0x2000, first), frag(3, second)]
}

fn other_frame(r: u64, rng: &mut Rng) -> Vec<u8> {
    let pseudo = build::pseudo_v4();
    let port = 6000 + rng.below(8) as u16;
    let udp = build::udp(port, 53, b"query", &pseudo);
    let udp_frame = build::ethernet(&[], 0x0800, &V4::new(IpProtocol::UDP).build(&udp));
    match r {
        0..=3 => udp_frame,
        4 => reversed(udp_frame),
        5 => {
            let icmp = build::icmp_echo(8, 1, rng.below(100) as u16, None);
            build::ethernet(&[], 0x0800, &V4::new(IpProtocol::ICMP).build(&icmp))
        }
        6 => udp_frame[..30].to_vec(),
        7 => {
            let mut bad = udp_frame;
            if let Some(last) = bad.last_mut() {
                *last ^= 0x55;
            }
            bad
        }
        _ => build::ethernet(&[], 0x0806, &[0; 28]),
    }
}

/// The frames and their arrival times.
fn traffic(count: usize) -> Vec<(Vec<u8>, u64)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut conns = [Conn::default(); FLOWS as usize];
    let mut now = 1000 * SEC;
    let mut out = Vec::new();
    let mut ident = 0u16;
    while out.len() < count {
        now = match rng.below(100) {
            0 => now - 2 * SEC,
            1 => now + 40 * SEC,
            r => now + r % 3 * SEC / 2,
        };
        let r = rng.below(100);
        if r < 75 {
            let k = rng.below(u64::from(FLOWS)) as u16;
            out.push((tcp_step(k, &mut conns[usize::from(k)], &mut rng), now));
        } else if r < 80 {
            ident += 1;
            for frame in fragments(ident, &mut rng) {
                out.push((frame, now));
            }
        } else {
            out.push((other_frame(r % 10, &mut rng), now));
        }
    }
    out
}

fn pipeline(staging_min_flows: usize) -> Pipeline {
    let mut cfg = PipelineConfig {
        staging_min_flows,
        ..PipelineConfig::default()
    };
    cfg.flow.capacity = 16;
    cfg.flow.when_full = FullPolicy::EvictOldest;
    cfg.flow.timeouts = Timeouts {
        tcp_opening: Duration::from_secs(3),
        tcp_established: Duration::from_secs(20),
        tcp_closing: Duration::from_secs(2),
        udp: Duration::from_secs(5),
        other: Duration::from_secs(4),
    };
    cfg.expire_per_call = 4;
    match Pipeline::new(cfg, 1, HashSeed::new(5, 6)) {
        Ok(p) => p,
        Err(e) => panic!("pipeline: {e}"),
    }
}

/// What a pipeline reported: verdicts, sink calls, records, counters.
type Report = (Vec<Verdict>, Log, Vec<FlowRecord>, PipelineStats);

/// Runs `frames` in bursts of the sizes in `sizes` (cycled), each burst
/// frame by frame or through `process_burst` (staged from
/// `staging_min_flows` flows on), with housekeeping after every burst.
fn run(frames: &[(Vec<u8>, u64)], sizes: &[usize], staged: Option<usize>) -> Report {
    let mut p = pipeline(staged.unwrap_or(0));
    let mut log = Log::default();
    let mut verdicts = Vec::new();
    let mut records = Vec::new();
    let mut rest = frames;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (burst, after) = rest.split_at(size.min(rest.len()));
        rest = after;
        let now = burst.last().map_or(0, |f| f.1);
        if staged.is_some() {
            let input: Vec<Frame<'_>> = burst
                .iter()
                .map(|(bytes, now)| Frame { bytes, now: *now })
                .collect();
            let mut out = vec![Verdict::Pass; input.len()];
            assert_eq!(
                p.process_burst(&input, LinkType::Ethernet, &mut out, &mut log),
                out.len()
            );
            verdicts.extend(out);
        } else {
            for (bytes, now) in burst {
                verdicts.push(p.process(bytes, LinkType::Ethernet, *now, &mut log));
            }
        }
        p.housekeeping(now, &mut log);
        records.extend(p.drain_records());
    }
    p.finish(&mut log);
    records.extend(p.drain_records());
    (verdicts, log, records, p.stats())
}

#[test]
fn bursts_give_the_results_of_single_frames() {
    let frames = traffic(4000);
    let patterns = [&[32][..], &[1, 32, 5, 45, 17, 64, 3, 31], &[100]];
    for (sizes, min_flows) in patterns.into_iter().zip([0, 0, 8]) {
        let single = run(&frames, sizes, None);
        let staged = run(&frames, sizes, Some(min_flows));
        let case = format!("bursts of {sizes:?} staged from {min_flows} flows");
        assert!(single.0 == staged.0, "verdicts differ, {case}");
        assert!(single.1 == staged.1, "sink calls differ, {case}");
        assert!(single.2 == staged.2, "records differ, {case}");
        assert_eq!(single.3, staged.3, "{case}");
    }

    // The sequence reaches what a burst could get wrong.
    let single = run(&frames, &[32], None);
    let stats = &single.3;
    let flows = |name: &str| stats.flows.get(name).copied().unwrap_or(0);
    let tcp = |name: &str| stats.tcp_stream.get(name).copied().unwrap_or(0);
    let frag = |name: &str| stats.ip_fragments.get(name).copied().unwrap_or(0);
    assert!(flows("evicted") > 50 && flows("expired") > 50, "{stats:?}");
    assert!(
        tcp("established") > 20 && tcp("out_of_order") > 20,
        "{stats:?}"
    );
    assert!(
        tcp("rst_accepted") > 0 && frag("reassembled") > 20,
        "{stats:?}"
    );
    assert!(
        stats.malformed_dropped > 20 && stats.non_ip > 20,
        "{stats:?}"
    );
    assert!(stats.ipv6 > 100 && stats.icmp > 10, "{stats:?}");
    assert!(single.0.contains(&Verdict::Drop) && single.1 .0.len() > 1000);
}

#[test]
fn staged_frames_stay_small() {
    // A burst of them lives on the stack and each is copied once.
    assert!(std::mem::size_of::<Staged<'_>>() <= 112);
}

#[test]
fn short_verdicts_bound_the_burst() {
    let frames = traffic(10);
    let input: Vec<Frame<'_>> = frames
        .iter()
        .map(|(bytes, now)| Frame { bytes, now: *now })
        .collect();
    let mut p = pipeline(0);
    let mut out = [Verdict::Drop; 4];
    assert_eq!(
        p.process_burst(&input, LinkType::Ethernet, &mut out, &mut NoSink),
        4
    );
    assert_eq!(p.stats().packets, 4);
}
