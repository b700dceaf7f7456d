//! Per-core drop rate of a SYN flood with mitigation on: 64-byte (60 bytes
//! plus FCS) IPv4 TCP SYNs from random sources to one server port, through
//! [`Pipeline::process_burst`] with the L3/L4 guards configured as in
//! inline mode (a worker-wide SYN limit of 100 000/s, SYN cookies, 100 000
//! challenges/s), one core, no NIC. Beside it, the same frames with the
//! guards off, where every SYN opens a flow (what the flood costs without
//! mitigation).
//!
//! Frames are pre-built (16 384 of them, about the packet data a 16k-mbuf
//! pool cycles through), with valid checksums, and run in bursts of 32;
//! `now` advances 50 ns per packet; the outbox of challenges is sent
//! nowhere and cleared after each burst, as the worker does after sending.
//! Afterwards the counters must show every frame counted: with the guards,
//! all but the limit's allowance dropped as challenged or unauthenticated;
//! or the bench fails instead of printing a figure.
//!
//! Run: `benches/synflood.sh` (beside the `dpdk-testpmd` baselines and the
//! whole dataplane on DPDK devices), or `cargo bench --bench synflood`.
//! Environment: `SYNFLOOD_SECS` (least measured seconds per scenario,
//! default 2), `TESTPMD_MPPS` (the baseline for the markdown rows).

use std::time::{Duration, Instant};

use palisade_dataplane::flow::HashSeed;
use palisade_dataplane::guard::GuardSettings;
use palisade_dataplane::pipeline::{
    Frame, LinkType, NoSink, Pipeline, PipelineConfig, Verdict, BURST_MAX,
};

/// Pre-built frames per pass.
const FRAMES: usize = 1 << 14;
const FRAME_LEN: usize = 60;
/// Nanoseconds `now` advances per packet.
const PACKET_NS: u64 = 50;
/// The target of the issue: 10 Mpps per core.
const TARGET_MPPS: f64 = 10.0;

fn main() {
    let secs = env_number("SYNFLOOD_SECS").unwrap_or(2.0);
    let testpmd = env_number("TESTPMD_MPPS").filter(|v| *v > 0.0);
    let frames = build_frames();
    let mut rows = Vec::new();
    for guarded in [true, false] {
        let (packets, elapsed) = run(&frames, guarded, secs);
        let mpps = packets as f64 / elapsed.as_secs_f64() / 1e6;
        let name = if guarded {
            "SYN flood, guards on (dropped), pipeline, 64 B, 1 core"
        } else {
            "SYN flood, guards off (a flow per SYN), pipeline, 64 B, 1 core"
        };
        let target = if guarded {
            format!("; target >= {TARGET_MPPS} Mpps {}", met(mpps))
        } else {
            String::new()
        };
        println!(
            "{name}: {packets} packets in {:.2} s = {mpps:.2} Mpps ({:.1} ns/packet); \
             counters ok{target}",
            elapsed.as_secs_f64(),
            1e3 / mpps
        );
        rows.push(match testpmd {
            Some(tp) => format!(
                "| {name} | {mpps:.2} Mpps | testpmd io {tp:.2} Mpps | {:.2} |",
                mpps / tp
            ),
            None => format!("| {name} | {mpps:.2} Mpps | testpmd io not run | - |"),
        });
    }
    println!();
    for row in rows {
        println!("{row}");
    }
}

fn met(mpps: f64) -> &'static str {
    if mpps >= TARGET_MPPS {
        "met"
    } else {
        "MISSED"
    }
}

/// The guards of an inline worker under flood.
fn config(guarded: bool) -> PipelineConfig {
    let mut settings = GuardSettings::default();
    if guarded {
        settings.syn.global_per_sec = 100_000;
        settings.syn.challenges_per_sec = 100_000;
    }
    PipelineConfig {
        guard: settings.config(true),
        ..PipelineConfig::default()
    }
}

/// Runs passes over `frames` until `min_secs` are measured; returns the
/// packets and the time.
fn run(frames: &[Vec<u8>], guarded: bool, min_secs: f64) -> (u64, Duration) {
    let mut pipeline = Pipeline::new(config(guarded), 0, HashSeed::new(3, 4))
        .unwrap_or_else(|e| fail(&format!("pipeline: {e:?}")));
    let mut now = 1_000_000_000u64;
    let mut elapsed = Duration::ZERO;
    let mut packets = 0u64;
    let mut verdicts = [Verdict::Pass; BURST_MAX];
    let mut passed = 0u64;
    while packets == 0 || elapsed.as_secs_f64() < min_secs {
        let started = Instant::now();
        for chunk in frames.chunks(BURST_MAX) {
            let burst: [Frame<'_>; BURST_MAX] = std::array::from_fn(|i| Frame {
                bytes: chunk.get(i).map_or(&[][..], Vec::as_slice),
                now: now + i as u64 * PACKET_NS,
            });
            let n = chunk.len();
            pipeline.process_burst(&burst[..n], LinkType::Ethernet, &mut verdicts, &mut NoSink);
            passed += verdicts[..n]
                .iter()
                .filter(|v| **v == Verdict::Pass)
                .count() as u64;
            now += n as u64 * PACKET_NS;
            pipeline.outbox().clear();
            pipeline.housekeeping(now, &mut NoSink);
        }
        elapsed += started.elapsed();
        packets += frames.len() as u64;
    }
    check(&pipeline, guarded, packets, passed, now);
    (packets, elapsed)
}

/// The counters must account for every frame.
fn check(pipeline: &Pipeline, guarded: bool, packets: u64, passed: u64, now: u64) {
    let stats = pipeline.stats();
    if stats.packets != packets {
        fail(&format!(
            "{} packets counted, {packets} sent",
            stats.packets
        ));
    }
    if !stats.malformed.is_empty() {
        fail(&format!("malformed frames: {:?}", stats.malformed));
    }
    if !guarded {
        return;
    }
    let g = &stats.guard;
    let dropped = g["syn_challenged"] + g["syn_unauthenticated"];
    // The limit lets 100 000/s through (and its burst) over the run's time.
    let allowance = 100_000 * (now / 1_000_000_000 + 1) + 100_000;
    if dropped != g["dropped"] || dropped + passed != packets || passed > allowance {
        fail(&format!(
            "guard counters do not add up: {g:?}, {passed} passed of {packets}"
        ));
    }
}

/// 16 384 SYNs from random sources to 10.128.0.1:80, checksums valid.
fn build_frames() -> Vec<Vec<u8>> {
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    (0..FRAMES)
        .map(|_| {
            let r = next();
            syn(
                (r as u32) | 0x0100_0000,
                (r >> 32) as u16 | 1024,
                (r >> 16) as u32,
            )
        })
        .collect()
}

fn syn(src: u32, sport: u16, seq: u32) -> Vec<u8> {
    let dst: u32 = 0x0a80_0001;
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    let mut ip = vec![0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0];
    ip.extend_from_slice(&src.to_be_bytes());
    ip.extend_from_slice(&dst.to_be_bytes());
    let sum = checksum(&ip, 0);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    let mut tcp = Vec::new();
    tcp.extend_from_slice(&sport.to_be_bytes());
    tcp.extend_from_slice(&80u16.to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&[0, 0, 0, 0, 0x50, 0x02, 0xfa, 0xf0, 0, 0, 0, 0]);
    let pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + 20;
    let sum = checksum(&tcp, pseudo);
    tcp[16..18].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&tcp);
    f.resize(FRAME_LEN, 0);
    f
}

/// RFC 1071 checksum of `data` with `start` added.
fn checksum(data: &[u8], start: u32) -> u16 {
    let mut sum = start;
    for pair in data.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn env_number(name: &str) -> Option<f64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

fn fail(message: &str) -> ! {
    eprintln!("synflood bench FAILED: {message}");
    std::process::exit(1);
}
