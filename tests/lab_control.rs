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
use palisade_tests::lab::{Lab, SERVER};
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

/// A rule file blocking each word of `words` in the query (ids 1, 2, ...).
fn rules(words: &[&str]) -> String {
    let mut out = String::from("rules:\n");
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
    let out = run(lab.cmd("cli", "curl").args([
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "2",
        &format!("http://{SERVER}/get?w={word}"),
    ]));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} never happened"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
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
    let path = dir.join("metrics.txt");
    std::fs::write(&path, &metrics).expect("write");
    let check = run(Command::new("sh")
        .arg("-c")
        .arg(format!("promtool check metrics < {}", path.display())));
    assert!(
        check.status.success() && check.stderr.is_empty(),
        "promtool: {check:?}"
    );

    // The control plane dies: the dataplane keeps its rules.
    cp.kill();
    assert_eq!(status(&lab, "fine"), "200");
    assert_eq!(status(&lab, "forbidden-two"), "000");
    dp.wait_for_log("control plane connection lost", Duration::from_secs(10));
    cp.restart();
    wait_until("reconnected on version 2", || runs(&cp, 2));
    let list = cp.json(&["rules", "list"]);
    assert_eq!(list["versions"].as_array().map(Vec::len), Some(2));
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
    wait_until("version 3 on restart", || runs(&cp, 3));
    wait_until("fine passes", || status(&lab, "fine") == "200");
    assert_eq!(status(&lab, "forbidden-three"), "000");
    assert_eq!(status(&lab, "forbidden-one"), "000");
    let report = dp.stop();
    assert_eq!(report["totals"]["inspect"]["rule_reloads"], 1, "{report}");
    cp.stop();
}
