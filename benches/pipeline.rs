//! Per-core throughput of the dataplane's packet pipeline: decode, flow
//! lookup and TCP tracking with stream reassembly, on synthetic 64-byte
//! (60 bytes plus FCS) IPv4/TCP frames, one core, no NIC.
//!
//! For each flow count (1 thousand and 1 million by default) the bench
//! builds every flow's three-way handshake and runs it through a fresh
//! [`Pipeline`] untimed. It then times the pipeline over a pre-built set of
//! established-flow traffic: per round, each flow sends one 6-byte data
//! segment from client to server and one pure ACK back, with sequence
//! numbers advancing so every segment is in order. Flows are visited in a
//! freshly shuffled order each round, so with many flows each lookup misses
//! the cache as real traffic would. Between timed passes the set is rewritten
//! to the next sequence numbers (untimed), so passes repeat until enough
//! time has been measured. `now` advances by a fixed step per 32-packet
//! burst and [`Pipeline::housekeeping`] runs after every burst, as in the
//! worker's I/O loop.
//!
//! Each scenario runs with checksum verification on (the live default) and
//! off. Afterwards the pipeline's counters must show every handshake
//! established, no malformed frame, no retransmission and every payload
//! byte delivered, or the bench fails instead of printing a figure.
//!
//! Run: `benches/pipeline.sh` (beside the `dpdk-testpmd` baseline), or
//! `cargo bench --bench pipeline [-- FLOWS...]`. Environment:
//! `PIPELINE_FLOWS` (comma-separated flow counts), `PIPELINE_SECS` (least
//! measured seconds per scenario, default 2), `PIPELINE_ROUNDS` (rounds per
//! pre-built pass), `PIPELINE_VERIFY` (`on`, `off`, default both),
//! `TESTPMD_MPPS` (the baseline for the markdown rows).

use std::hint::black_box;
use std::time::{Duration, Instant};

use palisade_dataplane::flow::HashSeed;
use palisade_dataplane::pipeline::{
    Frame, LinkType, NoSink, Pipeline, PipelineConfig, PipelineStats, Verdict,
};

/// Flow counts measured when none are given.
const DEFAULT_FLOWS: [usize; 2] = [1_000, 1_000_000];
/// Frames per burst: `now` moves and housekeeping runs once per burst.
const BURST: usize = 32;
/// Nanoseconds `now` advances per burst (50 ns per packet).
const BURST_NS: u64 = 50 * BURST as u64;
/// Bytes on the wire without FCS: Ethernet 14 + IPv4 20 + TCP 20 + 6.
const FRAME_LEN: usize = 60;
/// Payload of each data segment.
const PAYLOAD: &[u8; 6] = b"GET / ";
/// Frames per pre-built pass are at least this many (more rounds for few
/// flows): 16384 frames of one cache line each, 1 MiB, about the packet
/// data a 16k-mbuf pool cycles through, so it shares the cache with the
/// flow table as received packets would.
const PASS_PACKETS: usize = 1 << 14;

/// Offsets in the frame: IPv4 and TCP headers, then TCP fields.
const IP_AT: usize = 14;
const TCP_AT: usize = 34;
const SEQ_AT: usize = TCP_AT + 4;
const ACK_AT: usize = TCP_AT + 8;
const FLAGS_AT: usize = TCP_AT + 13;
const TCP_SUM_AT: usize = TCP_AT + 16;

const TCP_SYN: u8 = 0x02;
const TCP_PSH: u8 = 0x08;
const TCP_ACK: u8 = 0x10;
const SERVER_IP: u32 = 0x0a80_0001; // 10.128.0.1
const SERVER_PORT: u16 = 443;
const WINDOW: u16 = 65_535;

fn main() {
    let settings = Settings::from_env();
    let mut rows = Vec::new();
    for &flows in &settings.flows {
        let mut traffic = Traffic::new(flows, settings.rounds_for(flows));
        for &verify in &settings.verify {
            let result = run_scenario(&mut traffic, verify, settings.min_secs);
            result.print_human();
            rows.push(result);
        }
    }

    println!();
    for result in &rows {
        println!("{}", result.markdown_row(settings.testpmd_mpps));
    }
}

/// What to run, from the command line and the environment.
struct Settings {
    flows: Vec<usize>,
    /// Checksum verification settings to run, each a scenario.
    verify: Vec<bool>,
    min_secs: f64,
    rounds: Option<usize>,
    testpmd_mpps: Option<f64>,
}

impl Settings {
    fn from_env() -> Self {
        // `cargo bench` passes `--bench`; flags are not flow counts.
        let args: Vec<usize> = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .filter_map(|a| parse_count(&a))
            .collect();
        let env_flows: Vec<usize> = std::env::var("PIPELINE_FLOWS")
            .map(|v| v.split(',').filter_map(parse_count).collect())
            .unwrap_or_default();
        let flows = [args, env_flows]
            .into_iter()
            .find(|f| !f.is_empty())
            .unwrap_or_else(|| DEFAULT_FLOWS.to_vec());

        let verify = match std::env::var("PIPELINE_VERIFY").as_deref() {
            Ok("on") => vec![true],
            Ok("off") => vec![false],
            _ => vec![true, false],
        };
        Settings {
            flows,
            verify,
            min_secs: env_number("PIPELINE_SECS").unwrap_or(2.0),
            rounds: env_number("PIPELINE_ROUNDS").map(|r| (r as usize).max(1)),
            testpmd_mpps: env_number("TESTPMD_MPPS").filter(|v| *v > 0.0),
        }
    }

    /// Rounds per pass: 8 at least, more when there are few flows.
    fn rounds_for(&self, flows: usize) -> usize {
        self.rounds
            .unwrap_or_else(|| (PASS_PACKETS / (2 * flows)).max(8))
    }
}

/// A flow count such as `1000`, `1k` or `1M`.
fn parse_count(text: &str) -> Option<usize> {
    let text = text.trim();
    let (digits, scale) = match text.chars().last()? {
        'k' | 'K' => (&text[..text.len() - 1], 1_000),
        'm' | 'M' => (&text[..text.len() - 1], 1_000_000),
        _ => (text, 1),
    };
    let n: usize = digits.replace('_', "").parse().ok()?;
    (n > 0).then_some(n * scale)
}

fn env_number(name: &str) -> Option<f64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// A small seeded generator (xorshift64*), enough for shuffles and ISNs.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value below `bound` (the slight modulo bias does not matter here).
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// One synthetic connection: a client in 10.0.0.0/8 talking to the server.
#[derive(Clone, Copy)]
struct FlowSpec {
    client_ip: u32,
    client_port: u16,
    client_isn: u32,
    server_isn: u32,
}

impl FlowSpec {
    fn new(i: usize, rng: &mut XorShift) -> Self {
        // An odd multiplier permutes 24 bits, so clients stay distinct yet
        // spread over the /8: about half sort above the server's address.
        let host = (i as u32).wrapping_mul(0x9e_3779) & 0x00ff_ffff;
        FlowSpec {
            client_ip: 0x0a00_0000 | host,
            client_port: 1024 + (i % 60_000) as u16,
            client_isn: rng.next() as u32,
            server_isn: rng.next() as u32,
        }
    }
}

/// Which endpoint sends a segment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sender {
    Client,
    Server,
}

/// The TCP fields of one segment to build.
struct SegmentSpec {
    from: Sender,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &'static [u8],
}

/// One frame in its own cache line, like packet data at an mbuf's start.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct FrameSlot([u8; 64]);

impl FrameSlot {
    fn frame(&self) -> &[u8] {
        &self.0[..FRAME_LEN]
    }
}

/// Writes an Ethernet + IPv4 + TCP frame, padded to 60 bytes, with correct
/// IPv4 and TCP checksums.
fn build_frame(slot: &mut FrameSlot, flow: &FlowSpec, seg: &SegmentSpec) {
    let (src, sport, dst, dport) = match seg.from {
        Sender::Client => (flow.client_ip, flow.client_port, SERVER_IP, SERVER_PORT),
        Sender::Server => (SERVER_IP, SERVER_PORT, flow.client_ip, flow.client_port),
    };
    let f = &mut slot.0;
    f.fill(0);
    f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());

    let ip_len = 40 + seg.payload.len() as u16;
    let ip = &mut f[IP_AT..TCP_AT];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&ip_len.to_be_bytes());
    ip[6] = 0x40; // don't fragment
    ip[8] = 64;
    ip[9] = 6;
    ip[12..16].copy_from_slice(&src.to_be_bytes());
    ip[16..20].copy_from_slice(&dst.to_be_bytes());
    let ip_sum = internet_checksum(0, ip);
    ip[10..12].copy_from_slice(&ip_sum.to_be_bytes());

    let tcp = &mut f[TCP_AT..];
    tcp[0..2].copy_from_slice(&sport.to_be_bytes());
    tcp[2..4].copy_from_slice(&dport.to_be_bytes());
    tcp[12] = 5 << 4;
    tcp[13] = seg.flags;
    tcp[14..16].copy_from_slice(&WINDOW.to_be_bytes());
    tcp[20..20 + seg.payload.len()].copy_from_slice(seg.payload);
    write_seq_ack(slot, seg.seq, seg.ack);
}

/// Stores sequence and acknowledgment numbers and refreshes the TCP checksum.
fn write_seq_ack(slot: &mut FrameSlot, seq: u32, ack: u32) {
    let f = &mut slot.0;
    f[SEQ_AT..SEQ_AT + 4].copy_from_slice(&seq.to_be_bytes());
    f[ACK_AT..ACK_AT + 4].copy_from_slice(&ack.to_be_bytes());
    f[TCP_SUM_AT..TCP_SUM_AT + 2].fill(0);

    let ip_len = usize::from(u16::from_be_bytes([f[IP_AT + 2], f[IP_AT + 3]]));
    let tcp_len = ip_len - (TCP_AT - IP_AT);
    // Pseudo-header: both addresses, the protocol, the TCP length.
    let pseudo = sum_words(0, &f[IP_AT + 12..TCP_AT]) + 6 + tcp_len as u32;
    let sum = internet_checksum(pseudo, &f[TCP_AT..TCP_AT + tcp_len]);
    f[TCP_SUM_AT..TCP_SUM_AT + 2].copy_from_slice(&sum.to_be_bytes());
}

fn read_u32(slot: &FrameSlot, at: usize) -> u32 {
    let f = &slot.0;
    u32::from_be_bytes([f[at], f[at + 1], f[at + 2], f[at + 3]])
}

/// Adds `data` as big-endian 16-bit words (odd tail padded with zero).
fn sum_words(start: u32, data: &[u8]) -> u32 {
    data.chunks(2).fold(start, |acc, pair| {
        let hi = u32::from(pair[0]) << 8;
        acc + hi + pair.get(1).map_or(0, |&lo| u32::from(lo))
    })
}

/// The ones'-complement checksum (RFC 1071) of `data` on top of `start`.
fn internet_checksum(start: u32, data: &[u8]) -> u16 {
    let mut sum = sum_words(start, data);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The flows and a pre-built pass of their established traffic.
struct Traffic {
    flows: Vec<FlowSpec>,
    rounds: usize,
    frames: Vec<FrameSlot>,
    /// Which pass the frames' sequence numbers belong to.
    pass: u64,
}

impl Traffic {
    fn new(count: usize, rounds: usize) -> Self {
        let mut rng = XorShift(0x5eed_0f9a_115a_de00 ^ count as u64);
        let flows: Vec<FlowSpec> = (0..count).map(|i| FlowSpec::new(i, &mut rng)).collect();
        let mut traffic = Traffic {
            frames: Vec::with_capacity(2 * count * rounds),
            flows,
            rounds,
            pass: 0,
        };
        let mut order: Vec<u32> = (0..2 * count).map(|i| (i / 2) as u32).collect();
        let mut seen = vec![false; count];
        for round in 0..rounds {
            rng.shuffle(&mut order);
            seen.fill(false);
            for &i in &order {
                traffic.push_segment(i as usize, round, &mut seen);
            }
        }
        traffic
    }

    /// A flow's first appearance in a round sends data, its second the ACK.
    fn push_segment(&mut self, i: usize, round: usize, seen: &mut [bool]) {
        let flow = self.flows[i];
        let sent = (PAYLOAD.len() * round) as u32;
        let client_next = flow.client_isn.wrapping_add(1).wrapping_add(sent);
        let server_next = flow.server_isn.wrapping_add(1);
        let seg = if seen[i] {
            let acked = client_next.wrapping_add(PAYLOAD.len() as u32);
            segment(Sender::Server, server_next, acked, TCP_ACK, &[])
        } else {
            seen[i] = true;
            segment(
                Sender::Client,
                client_next,
                server_next,
                TCP_PSH | TCP_ACK,
                PAYLOAD,
            )
        };
        let mut slot = FrameSlot([0; 64]);
        build_frame(&mut slot, &flow, &seg);
        self.frames.push(slot);
    }

    fn packets(&self) -> usize {
        self.frames.len()
    }

    /// Payload bytes one pass delivers.
    fn pass_bytes(&self) -> u64 {
        (self.flows.len() * self.rounds * PAYLOAD.len()) as u64
    }

    /// Rewrites the frames to the sequence numbers of pass `pass` (wrapping,
    /// so it also goes back to pass 0 for the next scenario).
    fn set_pass(&mut self, pass: u64) {
        let step = (PAYLOAD.len() * self.rounds) as u64;
        let delta = (pass.wrapping_sub(self.pass)).wrapping_mul(step) as u32;
        for slot in &mut self.frames {
            let is_data = slot.0[FLAGS_AT] & TCP_PSH != 0;
            let (seq, ack) = (read_u32(slot, SEQ_AT), read_u32(slot, ACK_AT));
            let (seq, ack) = if is_data {
                (seq.wrapping_add(delta), ack)
            } else {
                (seq, ack.wrapping_add(delta))
            };
            write_seq_ack(slot, seq, ack);
        }
        self.pass = pass;
    }
}

fn segment(from: Sender, seq: u32, ack: u32, flags: u8, payload: &'static [u8]) -> SegmentSpec {
    SegmentSpec {
        from,
        seq,
        ack,
        flags,
        payload,
    }
}

/// The three handshake segments of a flow, in order.
fn handshake(flow: &FlowSpec) -> [SegmentSpec; 3] {
    let (c, s) = (flow.client_isn, flow.server_isn);
    [
        segment(Sender::Client, c, 0, TCP_SYN, &[]),
        segment(Sender::Server, s, c.wrapping_add(1), TCP_SYN | TCP_ACK, &[]),
        segment(
            Sender::Client,
            c.wrapping_add(1),
            s.wrapping_add(1),
            TCP_ACK,
            &[],
        ),
    ]
}

/// A pipeline with its synthetic clock, fed burst by burst.
struct Driver {
    pipeline: Pipeline,
    now: u64,
    in_burst: usize,
    passed: u64,
}

impl Driver {
    fn new(flows: usize, verify: bool) -> Self {
        let mut cfg = PipelineConfig::default();
        cfg.decode.verify_checksums = verify;
        cfg.flow.capacity = (2 * flows).next_power_of_two();
        let seed = HashSeed::new(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210);
        let pipeline = match Pipeline::new(cfg, 0, seed) {
            Ok(p) => p,
            Err(e) => fail(&format!("pipeline for {flows} flows: {e}")),
        };
        Driver {
            pipeline,
            now: 1_000_000_000,
            in_burst: 0,
            passed: 0,
        }
    }

    #[inline(always)]
    fn feed(&mut self, frame: &[u8]) {
        let verdict =
            self.pipeline
                .process(black_box(frame), LinkType::Ethernet, self.now, &mut NoSink);
        self.passed += u64::from(black_box(verdict) == Verdict::Pass);
        self.in_burst += 1;
        if self.in_burst == BURST {
            self.in_burst = 0;
            self.pipeline.housekeeping(self.now, &mut NoSink);
            self.now += BURST_NS;
        }
    }

    /// Every flow's handshake: all SYNs, then SYN-ACKs, then ACKs.
    fn handshakes(&mut self, flows: &[FlowSpec]) {
        let mut slot = FrameSlot([0; 64]);
        for step in 0..3 {
            for flow in flows {
                build_frame(&mut slot, flow, &handshake(flow)[step]);
                self.feed(slot.frame());
            }
        }
    }

    /// One timed pass, a burst at a time as the workers do.
    fn pass(&mut self, frames: &[FrameSlot]) -> Duration {
        let start = Instant::now();
        let mut verdicts = [Verdict::Pass; BURST];
        for chunk in frames.chunks(BURST) {
            let mut burst = [Frame::default(); BURST];
            for (f, slot) in burst.iter_mut().zip(chunk) {
                *f = Frame {
                    bytes: black_box(slot.frame()),
                    now: self.now,
                };
            }
            let n = self.pipeline.process_burst(
                &burst[..chunk.len()],
                LinkType::Ethernet,
                &mut verdicts,
                &mut NoSink,
            );
            for v in &verdicts[..n] {
                self.passed += u64::from(black_box(*v) == Verdict::Pass);
            }
            self.pipeline.housekeeping(self.now, &mut NoSink);
            self.now += BURST_NS;
        }
        start.elapsed()
    }
}

/// The figures of one scenario.
struct ScenarioResult {
    flows: usize,
    verify: bool,
    packets: u64,
    elapsed: Duration,
}

fn run_scenario(traffic: &mut Traffic, verify: bool, min_secs: f64) -> ScenarioResult {
    let flows = traffic.flows.len();
    traffic.set_pass(0);
    let mut driver = Driver::new(flows, verify);
    driver.handshakes(&traffic.flows);

    let mut elapsed = Duration::ZERO;
    let mut passes = 0u64;
    while passes == 0 || elapsed.as_secs_f64() < min_secs {
        if passes > 0 {
            traffic.set_pass(passes);
        }
        elapsed += driver.pass(&traffic.frames);
        passes += 1;
    }

    let packets = passes * traffic.packets() as u64;
    let expect = Expected {
        flows: flows as u64,
        packets: 3 * flows as u64 + packets,
        data_segments: passes * (flows * traffic.rounds) as u64,
        bytes: passes * traffic.pass_bytes(),
    };
    if let Err(problem) = expect.check(&driver.pipeline.stats(), driver.passed) {
        fail(&format!("{flows} flows, verify {verify}: {problem}"));
    }
    ScenarioResult {
        flows,
        verify,
        packets,
        elapsed,
    }
}

/// What the counters must show after a scenario.
struct Expected {
    flows: u64,
    packets: u64,
    data_segments: u64,
    bytes: u64,
}

impl Expected {
    fn check(&self, stats: &PipelineStats, passed: u64) -> Result<(), String> {
        let tcp = |name: &str| stats.tcp_stream.get(name).copied().unwrap_or(0);
        let flow = |name: &str| stats.flows.get(name).copied().unwrap_or(0);
        let checks = [
            ("packets", stats.packets, self.packets),
            ("verdict pass", passed, self.packets),
            ("tcp packets", stats.tcp, self.packets),
            ("malformed", stats.malformed_total(), 0),
            ("untracked", stats.untracked, 0),
            ("flows created", flow("created"), self.flows),
            ("flows active", flow("active"), self.flows),
            ("established", tcp("established"), self.flows),
            ("midstream", tcp("midstream"), 0),
            ("in order", tcp("in_order"), self.data_segments),
            ("retransmits", tcp("retransmits"), 0),
            ("out of window", tcp("out_of_window"), 0),
            ("gaps", tcp("gaps"), 0),
            ("delivered bytes", tcp("delivered_bytes"), self.bytes),
        ];
        let wrong: Vec<String> = checks
            .iter()
            .filter(|(_, got, want)| got != want)
            .map(|(name, got, want)| format!("{name} = {got}, expected {want}"))
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(wrong.join("; "))
        }
    }
}

impl ScenarioResult {
    fn mpps(&self) -> f64 {
        self.packets as f64 / self.elapsed.as_secs_f64() / 1e6
    }

    fn name(&self) -> String {
        let flows = match self.flows {
            n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
            n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
            n => n.to_string(),
        };
        let checksums = if self.verify {
            "checksums verified"
        } else {
            "checksums not verified"
        };
        format!("pipeline decode+flow+TCP, {flows} flows, 64 B, {checksums}, 1 core")
    }

    /// The per-core target for this flow count (1k: 20 Mpps, 1M: 8 Mpps).
    fn target(&self) -> f64 {
        if self.flows >= 1_000_000 {
            8.0
        } else {
            20.0
        }
    }

    fn print_human(&self) {
        let mpps = self.mpps();
        let verdict = if mpps >= self.target() {
            "met"
        } else {
            "MISSED"
        };
        println!(
            "{}: {} packets in {:.2} s = {:.2} Mpps ({:.1} ns/packet); counters ok; \
             target >= {} Mpps {verdict}",
            self.name(),
            self.packets,
            self.elapsed.as_secs_f64(),
            mpps,
            1e3 / mpps,
            self.target(),
        );
    }

    fn markdown_row(&self, testpmd: Option<f64>) -> String {
        let mpps = self.mpps();
        match testpmd {
            Some(tp) => format!(
                "| {} | {mpps:.2} Mpps | testpmd io {tp:.2} Mpps | {:.2} |",
                self.name(),
                mpps / tp
            ),
            None => format!(
                "| {} | {mpps:.2} Mpps | testpmd io not run | - |",
                self.name()
            ),
        }
    }
}

fn fail(message: &str) -> ! {
    eprintln!("pipeline bench FAILED: {message}");
    std::process::exit(1);
}
