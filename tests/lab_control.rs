//! The control plane and a real dataplane in the lab: the dataplane
//! registers, gets the current ruleset, compiles it off its workers and
//! acknowledges it; pushes are taken up without a restart; counters become
//! stats and Prometheus metrics (checked by promtool) and alerts become
//! events. Killing the control plane leaves the dataplane blocking on its
//! rules; it reconnects to the restarted control plane, whose state is
//! intact. A restarted dataplane comes back with the current ruleset.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use palisade_tests::control::ControlPlane;
use palisade_tests::lab::{self, Lab, SERVER};
use palisade_tests::{exclusive, run, scratch};

fn config(socket: &Path) -> String {
    format!(
        "mode: inline\ncores: {{main: 0, workers: [1]}}\nmemory: {{hugepages: false, size_mb: 512}}\n\
         ports:\n  - {{name: client, device: 'net_af_packet0,iface=c0'}}\n  \
         - {{name: server, device: 'net_af_packet1,iface=s0'}}\n\
         control: {{socket: '{}', id: lab-dp}}\n",
        socket.display()
    )
}

/// A rule file blocking each word of `words` in the query (ids 1, 2, ...),
/// and a rate limit on `/status/418` (id 50, shadow: reported only).
fn rules(words: &[&str]) -> String {
    let mut out = String::from(
        "rules:\n  - id: 50\n    kind: rate-limit\n    name: teapot limit\n    \
         severity: low\n    action: block\n    mode: shadow\n    \
         limit: {key: client-address, requests: 1, period: 1s, burst: 1}\n    \
         scope: {path: /status/418}\n",
    );
    for (i, w) in words.iter().enumerate() {
        out += &format!(
            "  - id: {}\n    kind: signature\n    name: block {w}\n    severity: high\n    \
             action: block\n    match: {{field: query, contains: {w}}}\n",
            i + 1
        );
    }
    out
}

/// The HTTP status curl got for `/get?w=WORD`, "000" when nothing came back.
fn status(lab: &Lab, word: &str) -> String {
    lab.http_status(&format!("/get?w={word}"), 2)
}

fn wait_until(what: &str, ok: impl FnMut() -> bool) {
    lab::wait_until(what, Duration::from_secs(30), ok);
}

/// The dataplane `lab-dp` as `palisade status` shows it.
fn dataplane(cp: &ControlPlane) -> serde_json::Value {
    let s = cp.json(&["status"]);
    s["dataplanes"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["id"] == "lab-dp").cloned())
        .unwrap_or_default()
}

fn runs(cp: &ControlPlane, version: u64) -> bool {
    let d = dataplane(cp);
    d["connected"] == true && d["running"] == version
}

fn push(cp: &ControlPlane, file: &Path, text: &str) {
    std::fs::write(file, text).expect("write rules");
    let out = cp.run(&[
        "rules",
        "push",
        file.to_str().expect("utf-8"),
        "--wait",
        "60",
    ]);
    assert!(
        out.status.success(),
        "push: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn dataplane_follows_the_control_plane_and_survives_its_restart() {
    let _lock = exclusive();
    let dir = scratch("lab-control");
    let mut cp = ControlPlane::start(&dir);
    let file = dir.join("api.yaml");
    std::fs::write(&file, rules(&["forbidden-one"])).expect("write");
    assert!(cp
        .run(&["rules", "push", file.to_str().expect("utf-8")])
        .status
        .success());
    std::fs::write(dir.join("dataplane.yaml"), config(&cp.socket)).expect("config");
    let lab = Lab::up();

    // Started without rules of its own: it gets version 1 on connect.
    let dp = lab.start_dataplane(&dir.join("dataplane.yaml"), &dir);
    wait_until("version 1 acknowledged", || runs(&cp, 1));
    wait_until("fine passes", || status(&lab, "fine") == "200");
    assert_eq!(status(&lab, "forbidden-one"), "000");
    assert_eq!(status(&lab, "forbidden-two"), "200");

    // A push is compiled, taken up and acknowledged while traffic flows.
    push(&cp, &file, &rules(&["forbidden-one", "forbidden-two"]));
    assert!(runs(&cp, 2));
    wait_until("forbidden-two blocked", || {
        status(&lab, "forbidden-two") == "000"
    });

    // Counters and alerts reach the control plane.
    wait_until("rule 2 counted", || {
        let s = cp.json(&["stats"]);
        let hits = &s["dataplanes"][0]["counters"]["rule_hits"];
        hits.as_array()
            .is_some_and(|h| h.iter().any(|p| p[0] == 2 && p[1].as_u64() >= Some(1)))
    });
    // A rate limit's alerts count as its rule's hits too.
    for _ in 0..3 {
        lab.http_status("/status/418", 2);
    }
    wait_until("rate-limit rule 50 counted", || {
        let s = cp.json(&["stats"]);
        let hits = &s["dataplanes"][0]["counters"]["rule_hits"];
        hits.as_array()
            .is_some_and(|h| h.iter().any(|p| p[0] == 50 && p[1].as_u64() >= Some(1)))
    });
    let events = cp.json(&["events", "--rule", "2", "--type", "alert"]);
    let alert = &events["events"][0]["event"];
    assert_eq!(alert["alert"]["signature_id"], 2, "{events}");
    assert_eq!(alert["alert"]["action"], "blocked");
    assert_eq!(alert["http"]["url"], "/get?w=forbidden-two");
    let metrics = cp.scrape();
    let client_rx = metrics
        .lines()
        .find(|l| {
            l.starts_with("palisade_rx_packets_total{")
                && l.contains(r#"dataplane="lab-dp""#)
                && l.contains(r#"port="client""#)
        })
        .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok());
    assert!(client_rx.is_some_and(|n| n > 0), "{metrics}");
    let timed = metrics
        .lines()
        .find(|l| l.starts_with(r#"palisade_packet_processing_seconds_count{dataplane="lab-dp""#))
        .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok());
    assert!(timed.is_some_and(|n| n > 0), "{metrics}");
    let path = dir.join("metrics.txt");
    std::fs::write(&path, &metrics).expect("write");
    let check = run(Command::new("sh")
        .arg("-c")
        .arg(format!("promtool check metrics < {}", path.display())));
    assert!(
        check.status.success() && check.stderr.is_empty(),
        "promtool: {check:?}"
    );

    // Version 3 parses but Vectorscan refuses its pattern (a code point
    // above 0xFF): the dataplane refuses it with the regex's place and
    // keeps 2.
    let wide = "  - id: 9\n    kind: signature\n    name: wide\n    severity: low\n    \
                action: block\n    match: {field: path, regex: '\\x{263a}'}\n";
    let before = rules(&["forbidden-one"]);
    let line = before.lines().count() + 1;
    std::fs::write(&file, before + wide).expect("write");
    let f = file.to_str().expect("utf-8");
    let out = cp.run(&["rules", "push", f, "--wait", "60"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("lab-dp refused version 3"), "{err}");
    assert!(
        err.contains(&format!("{f}:{}:33: rule 9: pattern", line + 5)),
        "{err}"
    );
    let d = dataplane(&cp);
    assert_eq!(d["running"], 2, "{d}");
    assert_eq!(d["refused"][0], 3, "{d}");
    assert_eq!(status(&lab, "forbidden-two"), "000", "version 2 still runs");

    // The control plane dies: the dataplane keeps its rules.
    cp.kill();
    assert_eq!(status(&lab, "fine"), "200");
    assert_eq!(status(&lab, "forbidden-two"), "000");
    dp.wait_for_log("control plane connection lost", Duration::from_secs(10));
    cp.restart();
    wait_until("reconnected on version 2", || runs(&cp, 2));
    let list = cp.json(&["rules", "list"]);
    assert_eq!(list["versions"].as_array().map(Vec::len), Some(3));
    assert_eq!(status(&lab, "forbidden-one"), "000");

    push(
        &cp,
        &file,
        &rules(&["forbidden-one", "forbidden-two", "forbidden-three"]),
    );
    wait_until("forbidden-three blocked", || {
        status(&lab, "forbidden-three") == "000"
    });
    let report = dp.stop();
    assert_eq!(report["totals"]["inspect"]["rule_reloads"], 3, "{report}");
    assert_eq!(report["totals"]["dropped"]["tx_queue_full"], 0, "{report}");

    // A new dataplane process gets the current version on connect.
    wait_until("disconnect seen", || dataplane(&cp)["connected"] == false);
    let dp = lab.start_dataplane(&dir.join("dataplane.yaml"), &dir);
    wait_until("version 4 on restart", || runs(&cp, 4));
    wait_until("fine passes", || status(&lab, "fine") == "200");
    assert_eq!(status(&lab, "forbidden-three"), "000");
    assert_eq!(status(&lab, "forbidden-one"), "000");
    let report = dp.stop();
    assert_eq!(report["totals"]["inspect"]["rule_reloads"], 1, "{report}");
    cp.stop();
}

/// Version `v` of the reload test: three alerting rules that all hold on
/// every `/get` request, with ids `1000 * v + 1..=3`.
fn versioned_rules(v: u64) -> String {
    let mut out = String::from("rules:\n");
    for k in 1..=3 {
        out += &format!(
            "  - id: {}\n    kind: signature\n    name: version {v} rule {k}\n    severity: info\n    \
             action: alert\n    match: {{field: path, prefix: /get}}\n",
            1000 * v + k
        );
    }
    out
}

/// Pushes `versioned_rules(v)` and waits until the dataplane runs it.
fn push_version(cp: &ControlPlane, file: &Path, v: u64) {
    std::fs::write(file, versioned_rules(v)).expect("write rules");
    let out = cp.json(&[
        "rules",
        "push",
        file.to_str().expect("utf-8"),
        "--wait",
        "60",
    ]);
    assert_eq!(out["version"], v, "{out}");
}

/// 100 pushes in a row under a bounded wrk load, with the control plane
/// killed and restarted halfway.
#[test]
fn a_hundred_pushes_under_load_lose_nothing_and_split_no_transaction() {
    let _lock = exclusive();
    let dir = scratch("lab-control-pushes");
    let mut cp = ControlPlane::start(&dir);
    let file = dir.join("versioned.yaml");
    push_version(&cp, &file, 1);
    std::fs::write(dir.join("dataplane.yaml"), config(&cp.socket)).expect("config");
    let lab = Lab::up();
    let dp = lab.start_dataplane_with_events(&dir.join("dataplane.yaml"), &dir);
    wait_until("version 1 acknowledged", || runs(&cp, 1));
    wait_until("traffic passes", || status(&lab, "warm-up") == "200");

    // Bounded load: one wrk thread, four connections, 60 s. With 25 s of
    // load, the pushes and the restart once outlasted it and the last
    // versions saw no request.
    let wrk = lab
        .cmd("cli", "wrk")
        .args(["-t1", "-c4", "-d60s", "--timeout", "5s"])
        .arg(format!("http://{SERVER}/get"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("wrk");
    std::thread::sleep(Duration::from_secs(1));
    let started = Instant::now();
    for v in 2..=101 {
        push_version(&cp, &file, v);
        // Each version stays in force a moment before the next is pushed,
        // so that requests reach it even on a busy machine: once, with
        // the pushes back to back, no request reached version 26.
        std::thread::sleep(Duration::from_millis(100));
        if v == 51 {
            // Killed and restarted halfway, under load: the dataplane
            // keeps running version 51 and reconnects.
            cp.kill();
            std::thread::sleep(Duration::from_secs(1));
            cp.restart();
            wait_until("reconnected on version 51", || runs(&cp, 51));
        }
    }
    let pushing = started.elapsed();
    let wrk = wrk.wait_with_output().expect("wrk");
    let wrk = String::from_utf8_lossy(&wrk.stdout).into_owned();
    assert!(!wrk.contains("Socket errors"), "{wrk}");
    assert!(!wrk.contains("Non-2xx"), "{wrk}");

    // Nothing lost by the dataplane: every packet received was sent on.
    let report = dp.stop();
    let t = &report["totals"];
    assert_eq!(t["rx_packets"], t["tx_packets"], "{report}");
    let dropped = t["dropped"].as_object().expect("drop reasons");
    assert!(dropped.contains_key("tx_queue_full"), "{report}");
    for (reason, n) in dropped {
        assert_eq!(n, 0, "{reason}: {report}");
    }
    for p in report["ports"].as_array().expect("ports") {
        assert_eq!(p["device_rx_missed"], 0, "{report}");
    }
    assert_eq!(t["inspect"]["rule_reloads"], 101, "{report}");

    // Every transaction was inspected by all three rules of one version.
    let events = std::fs::read_to_string(dir.join("events.json")).expect("events");
    let mut per_tx: std::collections::HashMap<(u64, u64), Vec<u64>> = Default::default();
    let mut transactions = 0;
    for line in events.lines() {
        let e: serde_json::Value = serde_json::from_str(line).expect("event json");
        let key = || {
            (
                e["flow_id"].as_u64().unwrap_or(0),
                e["tx_id"].as_u64().unwrap_or(0),
            )
        };
        match e["event_type"].as_str() {
            Some("http")
                if e["http"]["url"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("/get")) =>
            {
                transactions += 1
            }
            Some("alert") => per_tx
                .entry(key())
                .or_default()
                .push(e["alert"]["signature_id"].as_u64().expect("id")),
            _ => {}
        }
    }
    assert!(
        transactions > 1000,
        "too little load: {transactions}\n{wrk}"
    );
    assert_eq!(per_tx.len(), transactions, "a transaction without alerts");
    let mut versions = std::collections::BTreeSet::new();
    for (tx, ids) in &per_tx {
        let mut ids = ids.clone();
        ids.sort_unstable();
        let v = ids[0] / 1000;
        assert_eq!(ids, [1000 * v + 1, 1000 * v + 2, 1000 * v + 3], "{tx:?}");
        versions.insert(v);
    }
    // The load outlasted the pushes: every version inspected requests.
    assert_eq!(versions.len(), 101, "load saw only versions {versions:?}");
    println!(
        "{transactions} transactions over {} versions in {pushing:?} of pushes\n{wrk}",
        versions.len()
    );
    cp.stop();
}
