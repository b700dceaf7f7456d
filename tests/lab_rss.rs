//! Both directions of every flow reach the same worker. Two workers (sharing
//! one CPU, as this test machine has two) each own one queue of two af_packet
//! ports with two queue pairs; real clients open many TCP connections through
//! the dataplane. Each connection must be tracked whole by exactly one
//! worker: a handshake seen, packets both ways, never picked up mid-stream.

use std::collections::HashMap;
use std::time::Duration;

use palisade_tests::lab::{retry_until_ok, Lab, SERVER};
use palisade_tests::{exclusive, run_ok, scratch};

const CONFIG: &str = "\
mode: inline
cores: {main: 0, workers: [1, 2], cpus: [1, 1]}
ports:
  - {name: client, device: 'net_af_packet0,iface=c0,qpairs=2'}
  - {name: server, device: 'net_af_packet1,iface=s0,qpairs=2'}
";

#[test]
fn each_flow_stays_on_one_worker_with_two_queues() {
    let _lock = exclusive();
    let dir = scratch("lab-rss");
    let config = dir.join("rss.yaml");
    std::fs::write(&config, CONFIG).expect("write config");
    let lab = Lab::up();
    let dp = lab.start_dataplane_with_events(&config, &dir);
    let url = format!("http://{SERVER}/get");
    retry_until_ok(
        || {
            let mut c = lab.cmd("cli", "curl");
            c.args(["-sS", "--fail", "--max-time", "5", "-o", "/dev/null", &url]);
            c
        },
        Duration::from_secs(15),
    );
    // 60 short connections from different source ports, then 16 long ones.
    run_ok(lab.cmd("cli", "sh").args([
        "-c",
        &format!("for i in $(seq 60); do curl -sS --fail --max-time 5 -o /dev/null {url} || exit 1; done"),
    ]));
    run_ok(lab.cmd("cli", "wrk").args(["-t2", "-c16", "-d2s", &url]));
    std::thread::sleep(Duration::from_millis(500));
    let report = dp.stop();

    let workers = report["workers"].as_array().expect("workers");
    assert_eq!(workers.len(), 2);
    for w in workers {
        let created = w["pipeline"]["flows"]["created"].as_u64().unwrap_or(0);
        assert!(
            created >= 5,
            "worker {} tracked only {created} flows: RSS did not spread them",
            w["worker"]
        );
        assert_eq!(
            w["pipeline"]["tcp_stream"]["midstream"], 0,
            "a flow was split: {w}"
        );
    }
    let flows = tcp_flow_events(&dir.join("events.json"));
    assert!(flows.len() >= 77, "only {} TCP flows recorded", flows.len());
    let mut seen: HashMap<String, u64> = HashMap::new();
    for f in &flows {
        let key = format!(
            "{}:{}-{}:{}",
            f["src_ip"], f["src_port"], f["dest_ip"], f["dest_port"]
        );
        assert!(
            seen.insert(key.clone(), f["flow_id"].as_u64().expect("id"))
                .is_none(),
            "{key} tracked twice"
        );
        assert!(
            f["flow"]["pkts_toserver"].as_u64() > Some(0)
                && f["flow"]["pkts_toclient"].as_u64() > Some(0),
            "{f}"
        );
        // SYN seen from the client, SYN+ACK from the server.
        assert_eq!(
            u8::from_str_radix(f["tcp"]["tcp_flags_ts"].as_str().expect("flags"), 16).expect("hex")
                & 0x02,
            0x02,
            "{f}"
        );
        assert_eq!(
            u8::from_str_radix(f["tcp"]["tcp_flags_tc"].as_str().expect("flags"), 16).expect("hex")
                & 0x12,
            0x12,
            "{f}"
        );
    }
}

fn tcp_flow_events(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .expect("events file")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("event JSON"))
        .filter(|e| e["event_type"] == "flow" && e["proto"] == "TCP")
        .collect()
}
