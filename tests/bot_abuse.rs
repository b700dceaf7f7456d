//! Scripted abuse by real python-requests clients against a small API
//! server (Python's `http.server`) in a namespace of the test's own,
//! recorded with tcpdump and run through `palisade-dataplane capture`:
//!
//! - a credential-stuffing run (one password tried for many usernames on
//!   `POST /login`, answered 401) raises `credential_stuffing`;
//! - an enumeration run (`GET /api/users/<id>` over many ids) raises
//!   `enumeration`;
//! - a client that logs in once with the right password and reads its own
//!   record raises nothing.
//!
//! Each client sends from its own loopback address; the thresholds are the
//! defaults (README, `inspection.bot`).

use std::collections::BTreeSet;
use std::process::Command;

use palisade_tests::eve::read_events;
use palisade_tests::netns::{finish, tcpdump, Netns, END_MARK, PYTHON, REQUESTS_FROM};
use palisade_tests::{dataplane_bin, run_ok, scratch};
use serde_json::Value;

const STUFFER: &str = "127.0.0.2";
const SCRAPER: &str = "127.0.0.3";
const USER: &str = "127.0.0.4";
/// Signature ids of the bot alerts (README).
const ENUMERATION: u64 = 9_100_005;
const CREDENTIAL_STUFFING: u64 = 9_100_006;

/// The API: `POST /login` (form or JSON; 200 for alice/secret, else 401)
/// and `GET /api/users/<id>` (200 up to id 40, else 404).
const SERVER: &str = r#"
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Type", "").startswith("application/json"):
            form = json.loads(raw)
        else:
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        ok = self.path == "/login" and form.get("username") == "alice" and form.get("password") == "secret"
        self.answer(200 if ok else 401, {"ok": ok})

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if len(parts) == 3 and parts[:2] == ["api", "users"] and parts[2].isdigit() and int(parts[2]) <= 40:
            self.answer(200, {"id": int(parts[2])})
        else:
            self.answer(404, {"error": "not found"})

ThreadingHTTPServer(("127.0.0.1", 8080), Api).serve_forever()
"#;

#[test]
fn credential_stuffing_and_enumeration_are_detected() {
    let dir = scratch("bot-abuse");
    let ns = Netns::new("abuse");
    let _server = ns.spawn(
        {
            let mut c = ns.cmd(PYTHON);
            c.args(["-c", SERVER]);
            c
        },
        &dir.join("server.log"),
    );
    ns.wait_for_url("http://127.0.0.1:8080/api/users/1");

    let pcap = dir.join("abuse.pcap");
    let dump = tcpdump(&ns, &pcap, "tcp port 8080");
    client(
        &ns,
        STUFFER,
        "for i in range(25):\n    \
             r = s.post(URL + '/login', data={'username': f'user{i}@example.com', 'password': 'Summer2024!'})\n    \
             assert r.status_code == 401\n",
    );
    client(
        &ns,
        SCRAPER,
        "for i in range(1, 61):\n    s.get(URL + f'/api/users/{i}')\n",
    );
    client(
        &ns,
        USER,
        "assert s.post(URL + '/login', json={'username': 'alice', 'password': 'secret'}).ok\n\
         for _ in range(5):\n    assert s.get(URL + '/api/users/7').ok\n",
    );
    finish(dump, &ns, &pcap, "http://127.0.0.1:8080");

    let events = dir.join("events.json");
    run_ok(
        Command::new(dataplane_bin())
            .arg("capture")
            .arg("--input")
            .arg(&pcap)
            .arg("--events")
            .arg(&events),
    );
    let events = read_events(&events);
    let http = events
        .iter()
        .filter(|e| e["event_type"] == "http" && e["http"]["url"] != END_MARK)
        .count();
    assert_eq!(http, 25 + 60 + 6, "every transaction parsed");
    assert_eq!(
        alerted(&events, CREDENTIAL_STUFFING),
        BTreeSet::from([STUFFER.to_owned()])
    );
    assert_eq!(
        alerted(&events, ENUMERATION),
        BTreeSet::from([SCRAPER.to_owned()])
    );
    let user_alerts = events
        .iter()
        .filter(|e| e["event_type"] == "alert" && e["src_ip"] == USER)
        .count();
    assert_eq!(user_alerts, 0, "the ordinary user raised alerts");
    let stuffing = events
        .iter()
        .find(|e| e["alert"]["signature_id"] == CREDENTIAL_STUFFING)
        .expect("a stuffing alert");
    let score = stuffing["palisade"]["bot"]["score"].as_u64().unwrap_or(0);
    assert!(score >= 80, "score {score}");
}

/// Runs a python-requests client from `source` with `body` (which sees
/// `s`, a session, and `URL`).
fn client(ns: &Netns, source: &str, body: &str) {
    let script = format!(
        "SOURCE = {source:?}\n{REQUESTS_FROM}\ns = session()\nURL = 'http://127.0.0.1:8080'\n{body}"
    );
    run_ok(ns.cmd(PYTHON).args(["-c", &script]));
}

fn alerted(events: &[Value], sid: u64) -> BTreeSet<String> {
    events
        .iter()
        .filter(|e| e["event_type"] == "alert" && e["alert"]["signature_id"] == sid)
        .filter_map(|e| e["src_ip"].as_str().map(str::to_owned))
        .collect()
}
