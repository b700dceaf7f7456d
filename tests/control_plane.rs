//! `palisade serve` and the CLI as real processes on a real SQLite file:
//! ruleset history (push, list, show, diff, rollback) read back by the
//! `sqlite3` tool and kept across a kill; a version a dataplane refuses
//! never becoming current; the socket's mode; malformed,
//! oversized and wrong-version frames refused and logged once; counters
//! and events from a registered client turned into Prometheus metrics that
//! `promtool check metrics` accepts and into masked, queryable events;
//! failures under `--output json` as one JSON object on stdout.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::Duration;

use palisade_proto::{
    read_frame, write_frame, Ack, Counters, Events, Histogram, Message, PortCounters, Register,
    WorkerCounters,
};
use palisade_tests::control::ControlPlane;
use palisade_tests::{run, run_ok, scratch};

fn rule(id: u64, path: &str) -> String {
    format!(
        "rules:\n  - id: {id}\n    kind: signature\n    name: path {path}\n    severity: low\n    \
         action: log\n    match: {{field: path, prefix: {path}}}\n"
    )
}

fn code(out: &std::process::Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

#[test]
fn ruleset_history_lives_in_sqlite_and_survives_a_kill() {
    let dir = scratch("cp-history");
    let mut cp = ControlPlane::start(&dir);
    let file = dir.join("api.yaml");
    std::fs::write(&file, rule(7, "/admin")).expect("write");
    let f = file.to_str().expect("utf-8");

    let out =
        run(cp
            .cli()
            .env("USER", "alice")
            .args(["rules", "push", f, "--comment", "first cut"]));
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&file, rule(7, "/internal")).expect("write");
    let pushed = cp.json(&["rules", "push", f]);
    assert_eq!(pushed["version"], 2);
    assert_eq!(pushed["rules"], 1);

    let list = cp.json(&["rules", "list"]);
    let versions: Vec<_> = list["versions"].as_array().expect("list").clone();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["current"], true);
    assert_eq!(versions[1]["comment"], "first cut");
    assert_eq!(versions[1]["pushed_by"], "alice");

    let one = cp.json(&["rules", "show", "1"]);
    assert_eq!(one["files"][0]["text"], rule(7, "/admin"));
    assert_eq!(one["files"][0]["name"], f);

    // The same as GNU diff's unified format of the two texts.
    let diff = run_ok(cp.cli().args(["rules", "diff", "1", "2"]));
    let (old, new) = (dir.join("v1.yaml"), dir.join("v2.yaml"));
    std::fs::write(&old, rule(7, "/admin")).expect("write");
    std::fs::write(&new, rule(7, "/internal")).expect("write");
    let reference = run(Command::new("diff")
        .args([
            "-u",
            "--label",
            &format!("v1/{f}"),
            "--label",
            &format!("v2/{f}"),
        ])
        .arg(&old)
        .arg(&new));
    assert_eq!(diff, String::from_utf8_lossy(&reference.stdout));
    assert!(
        diff.contains("+    match: {field: path, prefix: /internal}\n"),
        "{diff}"
    );

    // Rollback stores version 1's files again as version 3.
    let back = cp.json(&["rules", "rollback"]);
    assert_eq!(back["version"], 3);
    let three = cp.json(&["rules", "show"]);
    assert_eq!(three["info"]["rollback_of"], 1);
    assert_eq!(three["files"][0]["text"], rule(7, "/admin"));
    assert_eq!(cp.run(&["rules", "diff", "1", "3"]).stdout, b"");

    // Unknown versions: exit 3. Bad rules: exit 1 with file:line:column.
    assert_eq!(code(&cp.run(&["rules", "show", "42"])), 3);
    assert_eq!(code(&cp.run(&["rules", "rollback", "42"])), 3);
    std::fs::write(&file, rule(7, "/x").replace("severity:", "severty:")).expect("write");
    let bad = cp.run(&["rules", "push", f]);
    assert_eq!(code(&bad), 1);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains(&format!("{f}:5:5: rule 7: unknown key `severty`")),
        "{err}"
    );

    // The database as sqlite3 reads it.
    let db = cp.state.join("palisade.db");
    let rows = run_ok(
        Command::new("sqlite3")
            .arg(&db)
            .arg("SELECT version, comment, rollback_of, rules FROM rulesets ORDER BY version"),
    );
    assert_eq!(rows, "1|first cut||1\n2|||1\n3|rollback to version 1|1|1\n");

    // Killed without a chance to clean up: everything is still there.
    cp.kill();
    assert_eq!(code(&cp.run(&["rules", "list"])), 4, "unreachable");
    cp.restart();
    let list = cp.json(&["rules", "list"]);
    assert_eq!(list["versions"].as_array().map(Vec::len), Some(3));
    cp.stop();
}

/// Connects and sends raw bytes; returns what came back before the close.
fn send_raw(socket: &std::path::Path, bytes: &[u8]) -> String {
    let mut s = UnixStream::connect(socket).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    s.write_all(bytes).expect("write");
    match read_frame(&mut &s) {
        Ok(Message::Error { message }) => {
            let mut rest = Vec::new();
            let _ = s.read_to_end(&mut rest);
            assert!(rest.is_empty(), "connection closed after the error");
            message
        }
        other => panic!("expected an error frame, got {other:?}"),
    }
}

fn header(len: u32, version: u16) -> Vec<u8> {
    let mut h = len.to_be_bytes().to_vec();
    h.extend_from_slice(&version.to_be_bytes());
    h
}

#[test]
fn the_socket_is_private_and_bad_frames_are_refused_and_logged_once() {
    let dir = scratch("cp-frames");
    let cp = ControlPlane::start(&dir);
    let mode = std::fs::metadata(&cp.socket)
        .expect("socket")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let mut junk = header(5, 1);
    junk.extend_from_slice(b"{{{{{");
    assert!(send_raw(&cp.socket, &junk).starts_with("malformed message"));
    let huge = send_raw(&cp.socket, &header(64 << 20, 1));
    assert_eq!(
        huge,
        "frame of 67108864 bytes is larger than the 16777216 allowed"
    );
    let mut old = header(2, 0);
    old.extend_from_slice(b"{}");
    assert_eq!(
        send_raw(&cp.socket, &old),
        "protocol version 0 is not supported (this side speaks 1 to 1)"
    );
    let ack = palisade_proto::encode(&Message::Ack(palisade_proto::Ack {
        version: 1,
        ok: true,
        error: None,
    }))
    .expect("encode");
    assert_eq!(send_raw(&cp.socket, &ack), "unexpected first message ack");

    // Still serving; four refusals counted, one logged.
    assert_eq!(code(&cp.run(&["rules", "list"])), 0);
    let metrics = cp.scrape();
    assert!(
        metrics.contains("palisade_control_frames_refused_total 4\n"),
        "{metrics}"
    );
    assert_eq!(
        cp.log_text().matches("refused a frame").count(),
        1,
        "{}",
        cp.log_text()
    );
    cp.stop();
}

fn counters() -> Counters {
    let mut w = WorkerCounters {
        worker: 0,
        lcore: 1,
        rx_packets: 120,
        rx_bytes: 9000,
        tx_packets: 118,
        tx_bytes: 8800,
        ports: vec![
            PortCounters {
                port: "client".into(),
                rx_packets: 70,
                rx_bytes: 5000,
                tx_packets: 48,
                tx_bytes: 3800,
            },
            PortCounters {
                port: "server".into(),
                rx_packets: 50,
                rx_bytes: 4000,
                tx_packets: 70,
                tx_bytes: 5000,
            },
        ],
        flows_created: 4,
        flows_active: 1,
        transactions: 6,
        latency: Some(Histogram {
            bounds: vec![1e-6, 1e-5],
            counts: vec![3, 4],
            count: 5,
            sum: 2.5e-5,
        }),
        ..Default::default()
    };
    w.drops.insert("blocked".into(), 2);
    w.verdicts.insert("pass".into(), 118);
    w.verdicts.insert("drop".into(), 2);
    Counters {
        uptime_secs: 3.0,
        ruleset_version: None,
        workers: vec![w],
        rule_hits: vec![(100001, 2)],
    }
}

#[test]
fn counters_become_metrics_promtool_accepts_and_events_are_masked() {
    let dir = scratch("cp-telemetry");
    let cp = ControlPlane::start(&dir);
    let s = UnixStream::connect(&cp.socket).expect("connect");
    let register = Register {
        id: "edge-1".into(),
        version: "0.1.0".into(),
        cores: vec![1],
        ports: vec!["client".into(), "server".into()],
        mode: "inline".into(),
        running: None,
        features: Vec::new(),
    };
    write_frame(&mut &s, &Message::Register(register)).expect("register");
    write_frame(&mut &s, &Message::Counters(counters())).expect("counters");
    let alert = r#"{"event_type":"alert","src_ip":"10.0.0.1","alert":{"signature_id":100001,"action":"blocked"},"http":{"url":"/pay?card=4111111111111111&token=abcdefgh"}}"#;
    let http = r#"{"event_type":"http","http":{"url":"/","request_headers":[{"name":"Cookie","value":"session=secret1"}]}}"#;
    let lines = vec![alert.to_owned(), http.to_owned(), "not json".to_owned()];
    write_frame(&mut &s, &Message::Events(Events { lines })).expect("events");
    cp.wait_for_log_count("dataplane registered", 1);

    // Status: registered and connected (events are stored before status
    // answers, requests being served in order by one store).
    let start = std::time::Instant::now();
    let events = loop {
        let e = cp.json(&["events", "--rule", "100001"]);
        if e["events"].as_array().is_some_and(|a| !a.is_empty()) || start.elapsed().as_secs() > 10 {
            break e;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let status = cp.json(&["status"]);
    assert_eq!(status["dataplanes"][0]["id"], "edge-1");
    assert_eq!(status["dataplanes"][0]["connected"], true);

    let list = events["events"].as_array().expect("events");
    assert_eq!(list.len(), 1, "{events}");
    let url = &list[0]["event"]["http"]["url"];
    assert_eq!(url, "/pay?card=************1111&token=abcd****");
    let http = cp.json(&["events", "--type", "http"]);
    assert_eq!(
        http["events"][0]["event"]["http"]["request_headers"][0]["value"],
        "sess****"
    );
    let file = std::fs::read_to_string(cp.state.join("events.json")).expect("events file");
    assert_eq!(file.lines().count(), 2, "{file}");
    assert!(
        !file.contains("4111111111111111") && !file.contains("secret1"),
        "{file}"
    );

    let text = cp.scrape();
    for want in [
        r#"palisade_rx_packets_total{dataplane="edge-1",port="client",worker="0"} 70"#,
        r#"palisade_tx_bytes_total{dataplane="edge-1",port="server",worker="0"} 5000"#,
        r#"palisade_dropped_packets_total{dataplane="edge-1",reason="blocked",worker="0"} 2"#,
        r#"palisade_rule_hits_total{dataplane="edge-1",rule="100001"} 2"#,
        r#"palisade_dataplane_connected{dataplane="edge-1"} 1"#,
        r#"palisade_packet_processing_seconds_bucket{dataplane="edge-1",worker="0",le="0.000001"} 3"#,
        r#"palisade_packet_processing_seconds_bucket{dataplane="edge-1",worker="0",le="0.00001"} 4"#,
        r#"palisade_packet_processing_seconds_bucket{dataplane="edge-1",worker="0",le="+Inf"} 5"#,
        r#"palisade_packet_processing_seconds_sum{dataplane="edge-1",worker="0"} 0.000025"#,
        r#"palisade_packet_processing_seconds_count{dataplane="edge-1",worker="0"} 5"#,
    ] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }
    // A client that connects and says nothing holds no scrape up.
    let idle = std::net::TcpStream::connect(&cp.metrics).expect("connect");
    let quick = run(Command::new("curl").args([
        "-sf",
        "--max-time",
        "2",
        &format!("http://{}/metrics", cp.metrics),
    ]));
    assert!(quick.status.success(), "scrape waited on an idle client");
    drop(idle);
    // An event type nobody sends is a usage error, not an empty answer.
    assert_eq!(code(&cp.run(&["events", "--type", "alerts"])), 2);
    let path = dir.join("metrics.txt");
    std::fs::write(&path, &text).expect("write");
    let check = run(Command::new("sh")
        .arg("-c")
        .arg(format!("promtool check metrics < {}", path.display())));
    assert!(
        check.status.success() && check.stdout.is_empty() && check.stderr.is_empty(),
        "promtool: {}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    // --follow prints events stored after it started, one JSON per line.
    let mut follow = cp
        .cli()
        .args(["events", "--follow", "--type", "alert", "--output", "json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("follow");
    let stdout = follow.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the stored alert");
    assert!(first.contains("100001"), "{first}");
    let later = r#"{"event_type":"alert","alert":{"signature_id":100002}}"#;
    let lines = vec![later.to_owned()];
    write_frame(&mut &s, &Message::Events(Events { lines })).expect("events");
    let next: serde_json::Value =
        serde_json::from_str(&rx.recv_timeout(Duration::from_secs(10)).expect("followed"))
            .expect("json line");
    assert_eq!(next["event"]["alert"]["signature_id"], 100002);
    assert_eq!(next["dataplane"], "edge-1");
    let _ = follow.kill();
    let _ = follow.wait();
    drop(s);
    cp.stop();
}

#[test]
fn completions_are_valid_shell() {
    let dir = scratch("cp-completions");
    let out =
        run_ok(Command::new(palisade_tests::binary("palisade")).args(["completions", "bash"]));
    assert!(
        out.contains("rollback") && out.contains("--follow"),
        "{out}"
    );
    let path = dir.join("palisade.bash");
    std::fs::write(&path, out).expect("write");
    run_ok(Command::new("bash").arg("-n").arg(&path));
}

#[test]
fn a_second_control_plane_and_an_empty_ruleset_are_refused() {
    let dir = scratch("cp-exclusive");
    let cp = ControlPlane::start(&dir);
    let palisade = palisade_tests::binary("palisade");

    // Same state directory, another socket: refused, the first keeps it.
    let other = dir.join("other.sock");
    let out = run(Command::new(&palisade)
        .arg("--socket")
        .arg(&other)
        .arg("serve")
        .arg("--state")
        .arg(&cp.state));
    assert_eq!(code(&out), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("another control plane uses"), "{stderr}");

    // A path that holds something else than a socket is left alone; a
    // socket's missing directory is not made up.
    let precious = dir.join("precious.txt");
    std::fs::write(&precious, "keep me\n").expect("write");
    for socket in [precious.clone(), dir.join("no/such/dir/x.sock")] {
        let out = run(Command::new(&palisade)
            .arg("--socket")
            .arg(&socket)
            .arg("serve")
            .arg("--state")
            .arg(dir.join("state-c")));
        assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(
        std::fs::read_to_string(&precious).expect("kept"),
        "keep me\n"
    );
    assert!(!dir.join("no").exists());
    // The state is its owner's alone.
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(&cp.state), 0o700);
    assert_eq!(mode(&cp.state.join("palisade.db")), 0o600);
    assert_eq!(mode(&cp.state.join("events.json")), 0o600);

    // Another state directory on the live socket: refused, the socket stays.
    let out = run(Command::new(&palisade)
        .arg("--socket")
        .arg(&cp.socket)
        .arg("serve")
        .arg("--state")
        .arg(dir.join("state-b")));
    assert_eq!(code(&out), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("another control plane answers"), "{stderr}");
    assert!(cp.socket.exists());

    // A file without rules cannot replace the running set.
    let good = dir.join("good.yaml");
    std::fs::write(&good, rule(7, "/admin")).expect("write");
    let empty = dir.join("empty.yaml");
    std::fs::write(&empty, "").expect("write");
    run_ok(
        cp.cli()
            .args(["rules", "push", good.to_str().expect("utf-8")]),
    );
    let out = run(cp
        .cli()
        .args(["rules", "push", empty.to_str().expect("utf-8")]));
    assert_eq!(code(&out), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no enabled rule"), "{stderr}");
    assert_eq!(
        cp.json(&["rules", "list"])["versions"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

/// Registers as a dataplane that runs `running`.
fn register(cp: &ControlPlane, id: &str, running: Option<u64>) -> UnixStream {
    let s = UnixStream::connect(&cp.socket).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let r = Register {
        id: id.into(),
        version: "0.1.0".into(),
        cores: vec![1],
        ports: vec!["client".into()],
        mode: "tap".into(),
        running,
        features: vec![],
    };
    write_frame(&mut &s, &Message::Register(r)).expect("register");
    s
}

/// The next ruleset sent to a dataplane: its version.
fn next_ruleset(s: &UnixStream) -> u64 {
    match read_frame(&mut &*s).expect("a ruleset") {
        Message::Ruleset(r) => r.version,
        other => panic!("expected a ruleset, got {other:?}"),
    }
}

fn answer(s: &UnixStream, version: u64, error: Option<&str>) {
    let ack = Ack {
        version,
        ok: error.is_none(),
        error: error.map(str::to_owned),
    };
    write_frame(&mut &*s, &Message::Ack(ack)).expect("ack");
}

#[test]
fn a_version_a_dataplane_refuses_never_becomes_current() {
    let dir = scratch("cp-refused");
    let mut cp = ControlPlane::start(&dir);
    let file = dir.join("api.yaml");
    let f = file.to_str().expect("utf-8");
    let dp = register(&cp, "dp-a", None);

    std::fs::write(&file, rule(7, "/admin")).expect("write");
    assert_eq!(cp.json(&["rules", "push", f])["version"], 1);
    assert_eq!(next_ruleset(&dp), 1);
    answer(&dp, 1, None);

    // Version 2 parses, but the dataplane refuses it (as it refuses a
    // pattern Vectorscan cannot compile): version 1 stays current.
    std::fs::write(&file, rule(8, "/internal")).expect("write");
    let pushing = cp
        .cli()
        .args(["rules", "push", f, "--wait", "10"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn push");
    assert_eq!(next_ruleset(&dp), 2);
    answer(&dp, 2, Some("api.yaml:7:5: rule 8: pattern refused"));
    let out = pushing.wait_with_output().expect("push");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("dp-a refused version 2"), "{err}");
    let list = cp.json(&["rules", "list"]);
    let versions = list["versions"].as_array().expect("versions").clone();
    assert_eq!(versions.len(), 2, "the refused version is kept: {list}");
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["current"], false, "{list}");
    assert_eq!(versions[0]["refused"], true, "{list}");
    assert_eq!(versions[1]["current"], true, "{list}");
    let shown = cp.json(&["rules", "show"]);
    assert_eq!(shown["info"]["version"], 1);
    assert_eq!(shown["files"][0]["text"], rule(7, "/admin"));
    assert_eq!(cp.json(&["status"])["current"], 1);
    let human = run_ok(cp.cli().args(["rules", "list"]));
    assert!(human.contains("\n2 (refused) "), "{human}");
    let shown = run_ok(cp.cli().args(["rules", "show", "2"]));
    assert!(
        shown.starts_with("version 2 (refused by a dataplane) "),
        "{shown}"
    );
    // Rolling back to the refused version is refused, and stores nothing.
    let out = cp.run(&["rules", "rollback", "2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("version 2 was refused by a dataplane"),
        "{err}"
    );
    assert_eq!(
        cp.json(&["rules", "list"])["versions"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // A dataplane that connects later, and the restarted control plane,
    // keep version 1; rollback goes back from it, not from version 2.
    let late = register(&cp, "dp-b", None);
    assert_eq!(next_ruleset(&late), 1);
    cp.restart();
    assert_eq!(cp.json(&["rules", "show"])["info"]["version"], 1);
    std::fs::write(&file, rule(9, "/ok")).expect("write");
    assert_eq!(cp.json(&["rules", "push", f])["version"], 3);
    assert_eq!(cp.json(&["rules", "rollback"])["version"], 4);
    assert_eq!(cp.json(&["rules", "show"])["info"]["rollback_of"], 1);
    cp.stop();
}

/// A dataplane that starts with no rules and refuses the newest version,
/// which no dataplane had seen, is sent the version before it: it is not
/// left unprotected until the next push.
#[test]
fn a_dataplane_refusing_the_newest_version_is_sent_the_one_before() {
    let dir = scratch("cp-fallback");
    let cp = ControlPlane::start(&dir);
    let file = dir.join("api.yaml");
    let f = file.to_str().expect("utf-8");
    std::fs::write(&file, rule(7, "/admin")).expect("write");
    assert_eq!(cp.json(&["rules", "push", f])["version"], 1);
    std::fs::write(&file, rule(8, "/internal")).expect("write");
    assert_eq!(cp.json(&["rules", "push", f])["version"], 2);

    let dp = register(&cp, "dp-fresh", None);
    assert_eq!(next_ruleset(&dp), 2);
    answer(&dp, 2, Some("api.yaml:7:5: rule 8: pattern refused"));
    assert_eq!(next_ruleset(&dp), 1, "the version before the refused one");
    answer(&dp, 1, None);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let status = cp.json(&["status"]);
        let dataplanes = status["dataplanes"].as_array().cloned().unwrap_or_default();
        let running = dataplanes
            .iter()
            .find(|d| d["id"] == "dp-fresh")
            .map(|d| d["running"].clone());
        if running == Some(serde_json::json!(1)) {
            assert_eq!(status["current"], 1, "{status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never ran version 1: {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    cp.stop();
}

/// A failure's JSON object on stdout (the only thing there), and its code.
fn failure(out: &std::process::Output) -> (i32, serde_json::Value) {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(doc["exit_code"], code(out), "{doc}");
    (code(out), doc)
}

#[test]
fn failures_under_output_json_are_one_json_object_on_stdout() {
    let dir = scratch("cp-json-errors");
    let mut cp = ControlPlane::start(&dir);
    let file = dir.join("api.yaml");
    let f = file.to_str().expect("utf-8");
    std::fs::write(&file, rule(7, "/x").replace("severity:", "severty:")).expect("write");

    // Refused rules: each error with its place and rule, as the text says.
    let out = cp.run(&["rules", "push", f, "--output", "json"]);
    let (status, doc) = failure(&out);
    assert_eq!(status, 1);
    let unknown = doc["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|e| e["message"].as_str().is_some_and(|m| m.contains("severty")))
        .cloned()
        .expect("the unknown key");
    assert_eq!(unknown["file"], f);
    assert_eq!(
        (unknown["line"].as_u64(), unknown["column"].as_u64()),
        (Some(5), Some(5))
    );
    assert_eq!(unknown["rule_id"], 7);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{f}:5:5: rule 7: unknown key")),
        "{stderr}"
    );

    // No such version, a wrong command line, an unreadable file.
    let (status, doc) = failure(&cp.run(&["rules", "show", "42", "--output", "json"]));
    assert_eq!(status, 3);
    assert_eq!(doc["error"], "no ruleset version 42");
    let (status, doc) = failure(&cp.run(&["rules", "shw", "--output", "json"]));
    assert_eq!(status, 2);
    assert!(
        doc["error"].as_str().is_some_and(|e| e.contains("shw")),
        "{doc}"
    );
    let missing = dir.join("missing.yaml");
    let m = missing.to_str().expect("utf-8");
    let (status, doc) = failure(&cp.run(&["rules", "validate", m, "--output", "json"]));
    assert_eq!(status, 1);
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["errors"][0]["file"], m);
    assert!(doc["errors"][0]["line"].is_null(), "{doc}");

    // Help is not a failure; an unreachable control plane is.
    let help = cp.run(&["rules", "push", "--help", "--output", "json"]);
    assert_eq!(code(&help), 0);
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage:"));
    cp.kill();
    let (status, doc) = failure(&cp.run(&["rules", "list", "--output", "json"]));
    assert_eq!(status, 4);
    assert!(
        doc["error"]
            .as_str()
            .is_some_and(|e| e.contains("control plane")),
        "{doc}"
    );
}
