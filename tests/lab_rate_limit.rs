//! L7 rate limits in the lab (scripts/lab.sh, tests/support/lab.rs), with
//! the dataplane inline on two workers (two af_packet queue pairs, so a
//! client's connections spread over both cores) between a wrk flood and
//! httpbin, and a second client (curl from a second address) beside it.
//!
//! - Shadow mode: nothing is stopped, and every request over the limit is
//!   reported. The requests within the limit (transactions minus reports)
//!   equal the burst plus the rate times the flood's length, within 5%,
//!   although the flood's connections land on both workers.
//! - Enforce mode: the flood's requests reach the server at no more than
//!   the limit (counted in the server's own access log), while every one
//!   of the second client's requests gets its answer.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use palisade_tests::eve::read_events;
use palisade_tests::lab::{lab_dir, retry_until_ok, Dataplane, Lab};
use palisade_tests::{exclusive, run, run_ok, scratch};
use serde_json::Value;

const FLOODER: &str = "10.77.0.1";
const SECOND: &str = "10.77.0.3";
const URL: &str = "http://10.77.0.2/get";
const RULE: u64 = 800_001;
/// The limit under test: 50 requests a second, bursts of 50.
const RATE: f64 = 50.0;
const BURST: f64 = 50.0;

#[test]
fn a_flood_is_held_to_the_limit_and_a_second_client_is_not() {
    let _lock = exclusive();
    let dir = scratch("lab-rate-limit");
    let lab = Lab::up();
    run_ok(
        lab.cmd("cli", "ip")
            .args(["addr", "add", &format!("{SECOND}/24"), "dev", "eth0"]),
    );

    let (allowed, expected) = shadow_run(&lab, &dir.join("shadow"));
    let error = (allowed - expected).abs() / expected;
    eprintln!("shadow: {allowed} requests within the limit, {expected:.1} allowed by it");
    assert!(
        error <= 0.05,
        "allowed {allowed} requests, the limit gives {expected:.0} ({:.1}% off)",
        error * 100.0
    );

    enforce_run(&lab, &dir.join("enforce"));
}

/// Returns the flood's requests within the limit and what the limit allows
/// over the flood's length.
fn shadow_run(lab: &Lab, dir: &Path) -> (f64, f64) {
    let dp = dataplane(lab, dir, "shadow");
    let second = second_client(lab, 40);
    // 32 connections: each lands on either queue by its flow hash, and
    // with 8 all of them met one worker about once in 128 runs.
    run_ok(lab.cmd("cli", "wrk").args(["-t2", "-c32", "-d5s", URL]));
    assert_eq!(second.finish(), 40, "second client's answers");
    let report = dp.stop();
    let events = read_events(&dir.join("events.json"));

    let flood: Vec<&Value> = events
        .iter()
        .filter(|e| e["event_type"] == "http" && e["src_ip"] == FLOODER)
        .collect();
    let reported = limit_alerts(&events, FLOODER, "allowed");
    assert_eq!(
        limit_alerts(&events, SECOND, "allowed"),
        0,
        "second client reported"
    );
    assert!(
        flood.len() > 1000,
        "flood too small to measure: {}",
        flood.len()
    );
    let times: Vec<f64> = flood.iter().map(|e| seconds(&e["timestamp"])).collect();
    let span = times.iter().cloned().fold(f64::MIN, f64::max)
        - times.iter().cloned().fold(f64::MAX, f64::min);
    // Both workers served the flood and counted its requests over the limit.
    let per_worker: Vec<u64> = report["workers"]
        .as_array()
        .expect("workers")
        .iter()
        .map(|w| w["inspect"]["rate_limited"].as_u64().expect("rate_limited"))
        .collect();
    assert_eq!(per_worker.len(), 2);
    assert!(
        per_worker.iter().all(|n| *n > 0),
        "one worker saw no flood: {per_worker:?}"
    );
    // Every request over the limit is counted; alerts for the key come at
    // most once a second.
    let over = per_worker.iter().sum::<u64>() as usize;
    assert!(
        reported >= 1 && reported as f64 <= span.ceil() + 1.0,
        "{reported} alerts over {span:.1} s"
    );
    let allowed = (flood.len() - over) as f64;
    (allowed, BURST + RATE * span)
}

fn enforce_run(lab: &Lab, dir: &Path) {
    let before = server_requests(FLOODER);
    let dp = dataplane(lab, dir, "enforce");
    let started = Instant::now();
    let second = second_client(lab, 20);
    // Blocked connections stall; wrk's timeout bounds them.
    let _ = run(lab
        .cmd("cli", "wrk")
        .args(["-t2", "-c8", "-d4s", "--timeout", "1s", URL]));
    assert_eq!(
        second.finish(),
        20,
        "second client's answers during the flood"
    );
    let elapsed = started.elapsed().as_secs_f64();
    dp.stop();
    let reached = (server_requests(FLOODER) - before) as f64;
    let events = read_events(&dir.join("events.json"));
    assert!(
        limit_alerts(&events, FLOODER, "blocked") > 0,
        "nothing blocked"
    );
    assert_eq!(limit_alerts(&events, SECOND, "blocked"), 0);
    let most = (BURST + RATE * elapsed) * 1.05;
    eprintln!("enforce: {reached} flood requests reached the server in {elapsed:.1} s");
    assert!(
        reached >= 1.0 && reached <= most,
        "{reached} flood requests reached the server (at most {most:.0})"
    );
}

/// Rate-limit alerts from `client` with EVE `alert.action` `action`.
fn limit_alerts(events: &[Value], client: &str, action: &str) -> usize {
    events
        .iter()
        .filter(|e| e["event_type"] == "alert" && e["alert"]["signature_id"] == RULE)
        .filter(|e| e["src_ip"] == client && e["alert"]["action"] == action)
        .count()
}

/// Seconds of an EVE timestamp within its day (runs never cross midnight
/// by more than the test's length; the span is what matters).
fn seconds(ts: &Value) -> f64 {
    let ts = ts.as_str().expect("timestamp");
    let time = &ts[11..26];
    let h: f64 = time[0..2].parse().expect("hours");
    let m: f64 = time[3..5].parse().expect("minutes");
    let s: f64 = time[6..].parse().expect("seconds");
    h * 3600.0 + m * 60.0 + s
}

/// Requests from `client` in httpbin's access log so far.
fn server_requests(client: &str) -> usize {
    let log =
        std::fs::read_to_string(format!("{}/httpbin-access.log", lab_dir())).unwrap_or_default();
    log.lines()
        .filter(|l| l.starts_with(&format!("{client} ")) && l.contains("GET /get"))
        .count()
}

/// Starts the dataplane with the limit rule in `mode`; returns once it
/// forwards.
fn dataplane(lab: &Lab, dir: &Path, mode: &str) -> Dataplane {
    std::fs::create_dir_all(dir).expect("scratch");
    std::fs::write(dir.join("limits.yaml"), limit_rule(mode)).expect("rules");
    let config = dir.join("dataplane.yaml");
    std::fs::write(&config, CONFIG).expect("config");
    let dp = lab.start_dataplane_with_events(&config, dir);
    // The first packets through af_packet can take a moment.
    retry_until_ok(
        || {
            let mut c = lab.cmd("cli", "curl");
            c.args(["-sf", "-o", "/dev/null", "--max-time", "2", "--interface"])
                .args([SECOND, "http://10.77.0.2/status/204"]);
            c
        },
        Duration::from_secs(30),
    );
    dp
}

/// `n` requests from the second address, a tenth of a second apart, in
/// the background.
fn second_client(lab: &Lab, n: usize) -> SecondClient {
    let script = format!(
        "ok=0; for i in $(seq {n}); do \
         curl -s -o /dev/null -w '%{{http_code}}\\n' --max-time 5 --interface {SECOND} {URL} | grep -q 200 && ok=$((ok+1)); \
         sleep 0.1; done; echo $ok"
    );
    let child = lab
        .cmd("cli", "sh")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .spawn()
        .expect("second client");
    SecondClient(child)
}

struct SecondClient(Child);

impl SecondClient {
    /// Waits for the loop; the number of 200 answers.
    fn finish(self) -> usize {
        let out = self.0.wait_with_output().expect("second client");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("count")
    }
}

/// Two workers sharing the machine's CPUs, two queue pairs per port.
const CONFIG: &str = "\
mode: inline
cores: {main: 0, workers: [1, 2], cpus: [1, 0]}
memory: {hugepages: false, size_mb: 512}
ports:
  - name: client
    device: net_af_packet0,iface=c0,qpairs=2
  - name: server
    device: net_af_packet1,iface=s0,qpairs=2
rules: [limits.yaml]
";

fn limit_rule(mode: &str) -> String {
    format!(
        "rules:
  - id: {RULE}
    kind: rate-limit
    name: Flood limit on /get
    severity: medium
    action: block
    respond: {{status: 429}}
    mode: {mode}
    limit: {{key: client-address, requests: {}, period: 1s, burst: {}}}
    scope: {{path: /get}}
",
        RATE as u64, BURST as u64
    )
}
