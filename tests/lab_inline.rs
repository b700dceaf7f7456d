//! Inline mode in the lab: real clients (curl, wrk) in one namespace talk
//! to a real server (gunicorn + httpbin, a static file server) in another,
//! through the dataplane bridging two veth pairs with DPDK's af_packet PMD.
//! The kernel's own interface counters are the reference for what crossed,
//! and the server's access log for what reached it.

use std::time::Duration;

use palisade_tests::lab::{lab_dir, retry_until_ok, wrk_requests, Lab, SERVER};
use palisade_tests::{exclusive, root, run_ok, scratch};

#[test]
fn real_clients_reach_a_real_server_through_the_dataplane() {
    let _lock = exclusive();
    let dir = scratch("lab-inline");
    let lab = Lab::up();
    let dp = lab.start_dataplane(&root().join("scripts/lab-inline.yaml"), &dir);

    // JSON from httpbin, through the dataplane.
    let url = format!("http://{SERVER}/json");
    let body = retry_until_ok(
        || {
            let mut c = lab.cmd("cli", "curl");
            c.args(["-sS", "--fail", "--max-time", "5", &url]);
            c
        },
        Duration::from_secs(15),
    );
    let json: serde_json::Value = serde_json::from_str(&body).expect("httpbin answers JSON");
    assert!(
        json.get("slideshow").is_some(),
        "unexpected /json body: {body}"
    );

    // A 3 MiB download arrives intact.
    let expected =
        std::fs::read_to_string(format!("{}/files/3mb.bin.sha256", lab_dir())).expect("sha file");
    let got = run_ok(lab.cmd("cli", "sh").args([
        "-c",
        &format!("curl -sS --fail --max-time 30 http://{SERVER}:8000/3mb.bin | sha256sum"),
    ]));
    assert_eq!(
        got.split_whitespace().next(),
        expected.split_whitespace().next()
    );

    // A bounded wrk run completes without socket errors.
    let wrk = run_ok(lab.cmd("cli", "wrk").args([
        "-t1",
        "-c8",
        "-d3s",
        "--timeout",
        "5s",
        &format!("http://{SERVER}/get"),
    ]));
    assert!(
        !wrk.contains("Socket errors"),
        "wrk saw socket errors:\n{wrk}"
    );
    assert!(!wrk.contains("Non-2xx"), "wrk saw error answers:\n{wrk}");
    let requests = wrk_requests(&wrk);
    assert!(requests > 100, "too few requests completed:\n{wrk}");

    // A SQL injection (the default ruleset is loaded, its block rules ask
    // for a 403) is answered by the dataplane: the client gets the 403 and
    // the server's access log never sees the request, while a request
    // before it on another connection was served.
    let attack = "/anything/products?q=1%27%20UNION%20SELECT%20password%20FROM%20users--";
    let out = palisade_tests::run(lab.cmd("cli", "curl").args([
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "3",
        &format!("http://{SERVER}{attack}"),
    ]));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "403",
        "the attack was not refused with the rule's 403"
    );
    let access = std::fs::read_to_string(format!("{}/httpbin-access.log", lab_dir()))
        .expect("httpbin access log");
    assert!(
        access.contains("GET /json"),
        "the log records requests:\n{access}"
    );
    assert!(
        !access.contains("UNION"),
        "the server received the attack:\n{access}"
    );

    // Let the last segments (FINs, ACKs) cross, then compare counters.
    std::thread::sleep(Duration::from_millis(500));
    let (cli_rx, cli_tx) = lab.iface_packets("cli", "eth0");
    let (srv_rx, srv_tx) = lab.iface_packets("srv", "eth0");
    let report = dp.stop();
    let port = |name: &str| {
        report["ports"]
            .as_array()
            .expect("ports")
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .expect("port")
    };
    let (client, server) = (port("client"), port("server"));
    assert_eq!(client["rx_packets"], cli_tx, "client->dataplane: {report}");
    assert_eq!(server["tx_packets"], srv_rx, "dataplane->server: {report}");
    assert_eq!(server["rx_packets"], srv_tx, "server->dataplane: {report}");
    assert_eq!(client["tx_packets"], cli_rx, "dataplane->client: {report}");
    assert_eq!(report["totals"]["dropped"]["tx_queue_full"], 0, "{report}");
    let blocked = &report["totals"]["pipeline"];
    assert_eq!(blocked["flows_blocked"], 1, "one flow blocked: {report}");
    assert_eq!(
        report["totals"]["inspect"]["alerts"], 1,
        "one alert: {report}"
    );
}
