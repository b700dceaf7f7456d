//! Overload in the lab: the dataplane inline between curl/wrk and httpbin,
//! with a block rule on the query word `deny-`, and the overload signal
//! set so that any flood overloads the worker (`packet_budget_ns: 1`: a
//! 100 ms window of 64 packets or more) and a second of calm ends it
//! (`calm_windows: 10`); a lone request is too few packets to count.
//!
//! - Before a flood, an attack on a new connection is blocked (403).
//! - During a wrk flood, an attack on a new connection is not inspected:
//!   with `fail-open` it reaches the server (200, in its access log); with
//!   `fail-closed` the connection is refused (curl times out) and the
//!   server never sees it. wrk's own connections, opened as the flood
//!   began, keep being served.
//! - Once the flood is over and the worker calm, inspection resumes by
//!   itself: the attack is blocked again.
//! - The exit report counts the overload episodes, the flows let through
//!   and the packets dropped.

use std::time::Duration;

use palisade_tests::lab::{lab_dir, retry_until_ok, wait_until, wrk_requests, Lab, SERVER};
use palisade_tests::{exclusive, scratch};

fn config(rules: &std::path::Path, policy: &str) -> String {
    format!(
        "mode: inline\ncores: {{main: 0, workers: [1]}}\nmemory: {{hugepages: false, size_mb: 512}}\n\
         ports:\n  - {{name: client, device: 'net_af_packet0,iface=c0'}}\n  \
         - {{name: server, device: 'net_af_packet1,iface=s0'}}\n\
         rules: ['{}']\n\
         overload: {{policy: {policy}, packet_budget_ns: 1, window_ms: 100, calm_windows: 10}}\n",
        rules.display()
    )
}

const RULE: &str = "rules:
  - id: 9201
    kind: signature
    name: block deny-
    severity: high
    action: block
    verdict: respond
    respond: {status: 403}
    match: {field: query, contains: deny-}
";

/// The status curl got for `/get?w=WORD` on a new connection ("000" when
/// nothing came back within 2 s).
fn status(lab: &Lab, word: &str) -> String {
    lab.http_status(&format!("/get?w={word}"), 2)
}

fn server_saw(word: &str) -> bool {
    std::fs::read_to_string(format!("{}/httpbin-access.log", lab_dir()))
        .unwrap_or_default()
        .contains(&format!("w={word}"))
}

/// Runs the three steps under `policy`; the exit report.
fn run_policy(lab: &Lab, policy: &str) -> serde_json::Value {
    let dir = scratch(&format!("lab-overload-{policy}"));
    std::fs::write(dir.join("block.yaml"), RULE).expect("rules");
    std::fs::write(
        dir.join("dataplane.yaml"),
        config(&dir.join("block.yaml"), policy),
    )
    .expect("config");
    let dp = lab.start_dataplane_with_events(&dir.join("dataplane.yaml"), &dir);
    retry_until_ok(
        || {
            let mut c = lab.cmd("cli", "curl");
            c.args(["-sf", "-o", "/dev/null", "--max-time", "3"])
                .arg(format!("http://{SERVER}/get?w=warm"));
            c
        },
        Duration::from_secs(20),
    );
    // What queued up before the worker started polling can be a window's
    // worth of packets: let a second of calm pass.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(status(lab, &format!("deny-before-{policy}")), "403");

    let flood = lab
        .cmd("cli", "wrk")
        .args(["-t1", "-c4", "-d6s", "--timeout", "3s"])
        .arg(format!("http://{SERVER}/get?w=flood"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("wrk");
    std::thread::sleep(Duration::from_secs(2));
    let during = format!("deny-during-{policy}");
    let got = status(lab, &during);
    let wrk = flood.wait_with_output().expect("wrk");
    let wrk = String::from_utf8_lossy(&wrk.stdout);
    match policy {
        "fail-open" => {
            assert_eq!(got, "200", "the attack was inspected during the flood");
            wait_until(
                "the server logged the attack",
                Duration::from_secs(5),
                || server_saw(&during),
            );
        }
        _ => {
            assert_eq!(got, "000", "a new connection was let in during the flood");
            assert!(!server_saw(&during), "the server saw a refused connection");
        }
    }
    // wrk's connections, opened as the flood began, were served all
    // along (with fail-closed, one opened just after the worker became
    // overloaded would be refused: only fail-open promises no errors).
    assert!(wrk_requests(&wrk) > 100, "{wrk}");
    if policy == "fail-open" {
        assert!(!wrk.contains("Socket errors"), "{wrk}");
    }

    // A second of calm ends the overload.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        status(lab, &format!("deny-after-{policy}")),
        "403",
        "inspection did not resume after the flood"
    );
    assert!(!server_saw(&format!("deny-before-{policy}")));
    assert!(!server_saw(&format!("deny-after-{policy}")));
    dp.stop()
}

#[test]
fn new_flows_get_the_overload_policy_until_the_worker_is_calm() {
    let _lock = exclusive();
    let lab = Lab::up();

    let report = run_policy(&lab, "fail-open");
    let overload = &report["totals"]["pipeline"]["overload"];
    assert!(overload["episodes"].as_u64() >= Some(1), "{overload}");
    assert!(overload["bypassed_flows"].as_u64() >= Some(1), "{overload}");
    assert_eq!(overload["refused_packets"], 0, "{overload}");

    let report = run_policy(&lab, "fail-closed");
    let overload = &report["totals"]["pipeline"]["overload"];
    assert!(overload["episodes"].as_u64() >= Some(1), "{overload}");
    assert_eq!(overload["bypassed_flows"], 0, "{overload}");
    // curl's SYN (and its retransmissions), counted as overload drops.
    assert!(
        overload["refused_packets"].as_u64() >= Some(1),
        "{overload}"
    );
    assert_eq!(
        report["totals"]["dropped"]["overload"],
        overload["refused_packets"]
    );
}
