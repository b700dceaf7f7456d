//! Enforcement in the lab, with real clients and a real server: block
//! verdicts (an HTTP 403 or 429 answer, a reset, a tarpit, a drop) as curl
//! sees them, with the server's access log as the reference for what
//! reached it and its socket table for connections left hanging; a SYN
//! flood from hping3 with random sources while curl keeps completing
//! requests; and the source ACL.
//!
//! Set `PAL_LAB_PREFIX` to run the lab under other namespace names.

use std::process::Output;
use std::time::{Duration, Instant};

use palisade_tests::lab::{lab_dir, retry_until_ok, Dataplane, Lab, SERVER};
use palisade_tests::{exclusive, run, scratch};

const PORTS: &str = "\
mode: inline
cores: {main: 0, workers: [1]}
memory: {hugepages: false, size_mb: 512}
ports:
  - {name: client, device: 'net_af_packet0,iface=c0'}
  - {name: server, device: 'net_af_packet1,iface=s0'}
";

/// A block rule on a query word, with extra keys (`verdict`, `respond`).
fn rule(id: u64, word: &str, extra: &str) -> String {
    format!(
        "  - id: {id}\n    kind: signature\n    name: block {word}\n    severity: high\n    \
         action: block\n{extra}    match: {{field: query, contains: {word}}}\n"
    )
}

fn start(lab: &Lab, name: &str, config: &str) -> (Dataplane, std::path::PathBuf) {
    let dir = scratch(name);
    std::fs::write(dir.join("dataplane.yaml"), config).expect("write config");
    let dp = lab.start_dataplane_with_events(&dir.join("dataplane.yaml"), &dir);
    // The path is up once httpbin answers through it.
    retry_until_ok(
        || {
            let mut c = lab.cmd("cli", "curl");
            c.args(["-sS", "--fail", "--max-time", "3"]);
            c.arg(format!("http://{SERVER}/get?warm=up"));
            c
        },
        Duration::from_secs(20),
    );
    (dp, dir)
}

/// curl's `-w` summary and exit code for `/get?w=WORD`, headers to stdout.
fn curl(lab: &Lab, word: &str, max_time: u32) -> (Output, Duration) {
    let started = Instant::now();
    let out = run(lab.cmd("cli", "curl").args([
        "-s",
        "-D",
        "-",
        "--max-time",
        &max_time.to_string(),
        "-w",
        "\ncode=%{http_code}\n",
        &format!("http://{SERVER}/get?w={word}"),
    ]));
    (out, started.elapsed())
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Established TCP connections on the server's port 80.
fn server_connections(lab: &Lab) -> usize {
    let out = run(lab
        .cmd("srv", "ss")
        .args(["-Htn", "state", "established", "( sport = :80 )"]));
    text(&out).lines().filter(|l| !l.trim().is_empty()).count()
}

fn access_log() -> String {
    std::fs::read_to_string(format!("{}/httpbin-access.log", lab_dir())).expect("access log")
}

#[test]
fn block_verdicts_as_real_clients_see_them() {
    let _lock = exclusive();
    let lab = Lab::up();
    let rules = [
        rule(
            9001,
            "deny-403",
            "    verdict: respond\n    respond: {status: 403}\n",
        ),
        rule(
            9002,
            "deny-429",
            "    respond: {status: 429, retry-after: 7}\n",
        ),
        rule(9003, "deny-reset", "    verdict: reset\n"),
        rule(9004, "deny-tarpit", "    verdict: tarpit\n"),
        rule(9005, "deny-default", ""),
    ]
    .concat();
    let dir = scratch("lab-enforce-rules");
    std::fs::write(dir.join("block.yaml"), format!("rules:\n{rules}")).expect("rules");
    let config = format!(
        "{PORTS}rules: [{}]\nenforcement: {{verdict: drop, max_tarpit: 4}}\n",
        dir.join("block.yaml").display()
    );
    let (dp, scratch_dir) = start(&lab, "lab-enforce-verdicts", &config);

    // 403: curl reads a complete answer and exits cleanly (code 0).
    let (out, _) = curl(&lab, "deny-403", 5);
    let body = text(&out);
    assert_eq!(out.status.code(), Some(0), "{body}");
    assert!(body.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{body}");
    assert!(
        body.contains("(rule 9001)") && body.contains("code=403"),
        "{body}"
    );

    // 429 with the rule's Retry-After.
    let (out, _) = curl(&lab, "deny-429", 5);
    let body = text(&out);
    assert!(body.contains("code=429"), "{body}");
    assert!(body.contains("\r\nRetry-After: 7\r\n"), "{body}");

    // Reset: curl fails at once with "connection reset" (exit 56), long
    // before its time limit.
    let (out, took) = curl(&lab, "deny-reset", 5);
    assert_eq!(out.status.code(), Some(56), "{}", text(&out));
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Tarpit: the request is acknowledged and never answered: curl waits
    // out its whole time limit (exit 28).
    let (out, took) = curl(&lab, "deny-tarpit", 3);
    assert_eq!(out.status.code(), Some(28), "{}", text(&out));
    assert!(took >= Duration::from_millis(2900), "{took:?}");

    // Every verdict so far reset the server's side of its connection.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server_connections(&lab), 0, "server connections left");

    // No verdict in the rule: the configured default, a silent drop.
    let (out, took) = curl(&lab, "deny-default", 2);
    assert_eq!(out.status.code(), Some(28), "{}", text(&out));
    assert!(took >= Duration::from_millis(1900), "{took:?}");

    // Traffic goes on, and the server never saw a blocked request.
    let (out, _) = curl(&lab, "fine", 5);
    assert!(text(&out).contains("code=200"), "{}", text(&out));
    // The server writes its access log line after it answered.
    palisade_tests::lab::wait_until(
        "the server logged the request",
        Duration::from_secs(5),
        || access_log().contains("w=fine"),
    );
    let log = access_log();
    assert!(
        !log.contains("deny-"),
        "the server saw a blocked request:\n{log}"
    );

    let report = dp.stop();
    let e = &report["totals"]["pipeline"]["enforcement"];
    let by_rule = |id: &str, verdict: &str| e["rules"][id][verdict].as_u64().unwrap_or(0);
    assert_eq!(by_rule("9001", "respond"), 1, "{e}");
    assert_eq!(by_rule("9002", "respond"), 1, "{e}");
    assert_eq!(by_rule("9003", "reset"), 1, "{e}");
    assert_eq!(by_rule("9004", "tarpit"), 1, "{e}");
    assert_eq!(by_rule("9005", "drop"), 1, "{e}");
    assert_eq!(report["totals"]["dropped"]["crafted_lost"], 0, "{report}");
    let events = std::fs::read_to_string(scratch_dir.join("events.json")).expect("events");
    let verdicts: Vec<String> = events
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event_type"] == "alert")
        .map(|v| format!("{}={}", v["alert"]["signature_id"], v["alert"]["verdict"]))
        .collect();
    assert_eq!(
        verdicts,
        [
            "9001=\"respond\"",
            "9002=\"respond\"",
            "9003=\"reset\"",
            "9004=\"tarpit\"",
            "9005=\"drop\""
        ]
    );
}

#[test]
fn curl_completes_requests_during_a_syn_flood() {
    let _lock = exclusive();
    let lab = Lab::up();
    let config =
        format!("{PORTS}guard:\n  syn: {{global_per_sec: 200, global_burst: 50, cookies: true}}\n");
    let (dp, _) = start(&lab, "lab-enforce-synflood", &config);
    let (_, srv_before) = lab.iface_packets("srv", "eth0");

    // 20 000 SYNs per second from random sources at the server's port 80.
    let mut flood = lab
        .cmd("cli", "timeout")
        .args([
            "12",
            "hping3",
            "-q",
            "-S",
            "-p",
            "80",
            "-i",
            "u50",
            "--rand-source",
            SERVER,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("hping3 (apt-get install hping3)");
    std::thread::sleep(Duration::from_secs(2));
    let mut completed = 0;
    for i in 0..5 {
        let (out, took) = curl(&lab, &format!("during-flood-{i}"), 8);
        assert!(
            text(&out).contains("code=200"),
            "request {i}: {}",
            text(&out)
        );
        assert!(took < Duration::from_secs(5), "request {i} took {took:?}");
        completed += 1;
    }
    let _ = flood.wait();
    let (srv_rx, _) = lab.iface_packets("srv", "eth0");
    let report = dp.stop();
    let g = &report["totals"]["pipeline"]["guard"];
    let n = |k: &str| g[k].as_u64().unwrap_or(0);
    assert_eq!(completed, 5);
    assert!(n("floods") >= 1, "{g}");
    assert!(
        n("syn_challenged") + n("syn_unauthenticated") > 20_000,
        "{g}"
    );
    assert!(
        n("authenticated") >= 1,
        "curl's host answered a challenge: {g}"
    );
    // The server saw curl's traffic, not the flood.
    let reached = srv_rx - srv_before;
    eprintln!("guard counters: {g}; packets that reached the server: {reached}");
    assert!(reached < 2_000, "{reached} packets reached the server: {g}");
}

#[test]
fn acl_denies_a_source() {
    let _lock = exclusive();
    let lab = Lab::up();
    let config = format!("{PORTS}guard:\n  acl: {{deny: [10.77.0.0/30]}}\n");
    let dir = scratch("lab-enforce-acl");
    std::fs::write(dir.join("dataplane.yaml"), &config).expect("write config");
    let dp = lab.start_dataplane(&dir.join("dataplane.yaml"), &dir);
    let (out, _) = curl(&lab, "from-denied", 3);
    assert_eq!(out.status.code(), Some(28), "{}", text(&out));
    assert!(!access_log().contains("from-denied"));
    let report = dp.stop();
    let g = &report["totals"]["pipeline"]["guard"];
    assert!(
        g["acl_denied"].as_u64().unwrap_or(0) >= 2,
        "SYN retransmits denied: {g}"
    );
    assert_eq!(
        report["totals"]["dropped"]["guarded"], g["dropped"],
        "{report}"
    );
}

#[test]
fn tap_mode_reports_the_verdict_and_resets_out_of_the_reset_port() {
    let _lock = exclusive();
    let lab = Lab::up();
    // Tap wiring: a bridge joins client and server in the dataplane's
    // namespace; the dataplane listens on the client's side and has a port
    // of its own on the bridge to send resets out of.
    for args in [
        "link add br0 type bridge",
        "link set c0 master br0",
        "link set s0 master br0",
        "link add r0 type veth peer name r1",
        "link set r1 master br0",
        // Resets carry the ends' MAC addresses: the bridge must not learn
        // them on the reset port (as a switch port for resets is set up).
        "link set r1 type bridge_slave learning off",
        "link set r0 up",
        "link set r1 up",
        "link set br0 up",
    ] {
        let out = run(lab.cmd("dp", "ip").args(args.split(' ')));
        assert!(
            out.status.success(),
            "ip {args}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dir = scratch("lab-enforce-tap");
    let rules = rule(9101, "deny-tap", "    verdict: reset\n");
    std::fs::write(dir.join("tap.yaml"), format!("rules:\n{rules}")).expect("rules");
    let config = format!(
        "mode: tap\ncores: {{main: 0, workers: [1]}}\n\
         memory: {{hugepages: false, size_mb: 512}}\nports:\n  \
         - {{name: tap, device: 'net_af_packet0,iface=c0'}}\n  \
         - {{name: resets, device: 'net_af_packet1,iface=r0'}}\n\
         rules: [{}]\nenforcement: {{reset_port: resets}}\n",
        dir.join("tap.yaml").display()
    );
    let (dp, scratch_dir) = start(&lab, "lab-enforce-tap-run", &config);

    // httpbin answers /delay/2 after two seconds; the resets come first.
    let started = Instant::now();
    let out = run(lab.cmd("cli", "curl").args([
        "-s",
        "--max-time",
        "5",
        &format!("http://{SERVER}/delay/2?w=deny-tap"),
    ]));
    assert_eq!(out.status.code(), Some(56), "{}", text(&out));
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );

    let report = dp.stop();
    let e = &report["totals"]["pipeline"]["enforcement"];
    assert_eq!(e["rules"]["9101"]["reset"], 1, "{e}");
    let port = |name: &str| {
        report["ports"]
            .as_array()
            .and_then(|ports| ports.iter().find(|p| p["name"] == name).cloned())
            .expect("port")
    };
    assert_eq!(port("resets")["tx_packets"], 2, "{report}");
    assert_eq!(port("tap")["tx_packets"], 0, "{report}");
    let events = std::fs::read_to_string(scratch_dir.join("events.json")).expect("events");
    let alert = events
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event_type"] == "alert")
        .expect("an alert");
    assert_eq!(alert["alert"]["verdict"], "reset", "{alert}");
    assert_eq!(alert["alert"]["action"], "allowed", "{alert}");
}
