//! Real clients, real servers, in a network namespace of the test's own:
//! curl, python-requests and headless Chromium speak TLS to `openssl
//! s_server` and plain HTTP to Python's `http.server` on the namespace's
//! loopback while tcpdump records; the recording then goes through
//! `palisade-dataplane capture`.
//!
//! - Every ClientHello gives a `tls` event whose JA4 equals the one
//!   computed here from tshark's dissection of the same hello; the three
//!   clients' JA4s differ, Chromium's TLS stack reads as a browser and the
//!   other two as libraries, and `bot` rules naming the three fingerprints
//!   name each client in its events.
//! - curl and python-requests sending a browser's User-Agent are flagged
//!   (`ua_mismatch`), Chromium sending the same one is not.
//!
//! Clients are told apart by source address on the loopback: Chromium
//! 127.0.0.1, python-requests 127.0.0.2, curl 127.0.0.3.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use palisade_tests::eve::read_events;
use palisade_tests::netns::{finish, self_signed, tcpdump, Netns, PYTHON, REQUESTS_FROM};
use palisade_tests::{dataplane_bin, run_ok, scratch};
use serde_json::Value;
use sha2::{Digest, Sha256};

const CHROMIUM: &str = "127.0.0.1";
const PYTHON_REQUESTS: &str = "127.0.0.2";
const CURL: &str = "127.0.0.3";
const CHROME_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 \
                         (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const TLS_URL: &str = "https://api.test:8443/";
const HTTP_URL: &str = "http://api.test:8080/";
/// The signature id of the `ua_mismatch` bot alert (README).
const UA_MISMATCH: u64 = 9_100_001;

#[test]
fn curl_python_requests_and_chromium_are_told_apart() {
    let dir = scratch("bot-clients");
    let ns = Netns::new("clients");
    let (cert, key) = self_signed(&dir, "api.test");
    let mut server = ns.cmd("openssl");
    server
        .args(["s_server", "-accept", "127.0.0.1:8443", "-www", "-cert"])
        .arg(&cert)
        .arg("-key")
        .arg(&key);
    let _tls = ns.spawn(server, &dir.join("s_server.log"));
    let mut plain = ns.cmd(PYTHON);
    plain
        .args([
            "-m",
            "http.server",
            "8080",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(&dir);
    let _http = ns.spawn(plain, &dir.join("http.log"));
    ns.wait_for_url("https://127.0.0.1:8443/");
    ns.wait_for_url("http://127.0.0.1:8080/");

    let pcap = dir.join("clients.pcap");
    let dump = tcpdump(&ns, &pcap, "tcp port 8443 or tcp port 8080");
    run_curl(&ns);
    run_python_requests(&ns);
    run_chromium(&ns, &dir);
    finish(dump, &ns, &pcap, "http://127.0.0.1:8080");

    let reference = tshark_ja4(&pcap);
    let events = capture(&pcap, None, &dir.join("events.json"));
    let seen = tls_by_client(&events);
    for client in [CURL, PYTHON_REQUESTS, CHROMIUM] {
        let want = &reference[client];
        let got: BTreeSet<String> = seen[client].iter().map(|(ja4, _)| ja4.clone()).collect();
        assert_eq!(&got, want, "JA4 of {client}: ours against tshark's fields");
        assert_eq!(want.len(), 1, "{client} sent one kind of hello");
    }
    let distinct: BTreeSet<&BTreeSet<String>> = reference.values().collect();
    assert_eq!(
        distinct.len(),
        3,
        "three clients, three JA4s: {reference:?}"
    );
    assert_eq!(classes(&seen[CHROMIUM]), ["browser"]);
    assert_eq!(classes(&seen[CURL]), ["library"]);
    assert_eq!(classes(&seen[PYTHON_REQUESTS]), ["library"]);

    // Browser User-Agent over a library's TLS and headers: flagged.
    let flagged = alerted_clients(&events, UA_MISMATCH);
    assert_eq!(
        flagged,
        BTreeSet::from([PYTHON_REQUESTS.to_owned(), CURL.to_owned()]),
        "ua_mismatch alerts"
    );

    // bot rules naming each reference fingerprint name each client.
    let rules = dir.join("clients.yaml");
    std::fs::write(&rules, naming_rules(&reference)).expect("write rules");
    let named = capture(&pcap, Some(&rules), &dir.join("named.json"));
    for (client, name) in [
        (CURL, "curl"),
        (PYTHON_REQUESTS, "python-requests"),
        (CHROMIUM, "chromium"),
    ] {
        let names: BTreeSet<String> = named
            .iter()
            .filter(|e| e["event_type"] == "tls" && e["src_ip"] == client)
            .map(|e| e["tls"]["client"]["name"].to_string())
            .collect();
        assert_eq!(names, BTreeSet::from([format!("{name:?}")]), "{client}");
    }
}

fn run_curl(ns: &Netns) {
    let resolve = [
        "--resolve",
        "api.test:8443:127.0.0.1",
        "--resolve",
        "api.test:8080:127.0.0.1",
    ];
    run_ok(
        ns.cmd("curl")
            .args(["-skf", "-o", "/dev/null", "--interface", CURL])
            .args(resolve)
            .arg(TLS_URL),
    );
    run_ok(
        ns.cmd("curl")
            .args([
                "-sf",
                "-o",
                "/dev/null",
                "--interface",
                CURL,
                "-A",
                CHROME_UA,
            ])
            .args(resolve)
            .arg(HTTP_URL),
    );
}

fn run_python_requests(ns: &Netns) {
    let script = format!(
        "SOURCE = {PYTHON_REQUESTS:?}\n{REQUESTS_FROM}\n\
         s = session()\n\
         s.get('https://127.0.0.1:8443/', verify=False).raise_for_status()\n\
         s.get('http://127.0.0.1:8080/', headers={{'User-Agent': {CHROME_UA:?}}}).raise_for_status()\n"
    );
    run_ok(ns.cmd(PYTHON).args(["-c", &script]));
}

fn run_chromium(ns: &Netns, dir: &Path) {
    for url in [TLS_URL, HTTP_URL] {
        let page = run_ok(
            ns.cmd("chromium")
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--ignore-certificate-errors",
                ])
                .arg(format!(
                    "--user-data-dir={}",
                    dir.join("chromium").display()
                ))
                .arg(format!("--user-agent={CHROME_UA}"))
                .arg("--host-resolver-rules=MAP api.test 127.0.0.1")
                .args(["--dump-dom", url]),
        );
        assert!(page.contains("<html"), "chromium got no page from {url}");
    }
}

/// Runs `capture --events` over `pcap`, with `rules` if given.
fn capture(pcap: &Path, rules: Option<&Path>, events: &Path) -> Vec<Value> {
    let mut cmd = Command::new(dataplane_bin());
    cmd.arg("capture")
        .arg("--input")
        .arg(pcap)
        .arg("--events")
        .arg(events);
    if let Some(rules) = rules {
        cmd.arg("--rules").arg(rules);
    }
    run_ok(&mut cmd);
    read_events(events)
}

/// Per client address: (ja4, tls class) of every `tls` event.
fn tls_by_client(events: &[Value]) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for e in events.iter().filter(|e| e["event_type"] == "tls") {
        let tls = &e["tls"];
        let entry = out
            .entry(e["src_ip"].as_str().unwrap_or("").to_owned())
            .or_default();
        let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
        entry.push((text(&tls["ja4"]), text(&tls["client"]["tls_class"])));
    }
    out
}

fn classes(seen: &[(String, String)]) -> Vec<String> {
    let set: BTreeSet<String> = seen.iter().map(|(_, c)| c.clone()).collect();
    set.into_iter().collect()
}

/// Client addresses with an alert of signature `sid`.
fn alerted_clients(events: &[Value], sid: u64) -> BTreeSet<String> {
    events
        .iter()
        .filter(|e| e["event_type"] == "alert" && e["alert"]["signature_id"] == sid)
        .filter_map(|e| e["src_ip"].as_str().map(str::to_owned))
        .collect()
}

fn naming_rules(reference: &BTreeMap<String, BTreeSet<String>>) -> String {
    let mut text = String::from("rules:\n");
    for (id, (client, name, class)) in [
        (CURL, "curl", "library"),
        (PYTHON_REQUESTS, "python-requests", "library"),
        (CHROMIUM, "chromium", "browser"),
    ]
    .into_iter()
    .enumerate()
    {
        let ja4: Vec<&String> = reference[client].iter().collect();
        text.push_str(&format!(
            "  - id: {}\n    kind: bot\n    name: {name}\n    severity: info\n    action: log\n    \
             fingerprint: {{ja4: {ja4:?}}}\n    client: {{name: {name}, class: {class}}}\n",
            id + 1
        ));
    }
    text
}

/// The JA4 of every ClientHello in `pcap`, per client address, computed
/// from tshark's dissection (the FoxIO JA4 specification, TCP only).
fn tshark_ja4(pcap: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let fields = [
        "ip.src",
        "tls.handshake.version",
        "tls.handshake.ciphersuite",
        "tls.handshake.extension.type",
        "tls.handshake.extensions.supported_version",
        "tls.handshake.extensions_alpn_str",
        "tls.handshake.sig_hash_alg",
    ];
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(pcap)
        .args(["-Y", "tls.handshake.type == 1", "-T", "fields"]);
    cmd.args([
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
        "-E",
        "separator=|",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in run_ok(&mut cmd).lines().filter(|l| !l.is_empty()) {
        let cols: Vec<&str> = line.split('|').collect();
        assert_eq!(cols.len(), fields.len(), "tshark line {line}");
        out.entry(cols[0].to_owned())
            .or_default()
            .insert(ja4_from_fields(&cols[1..]));
    }
    out
}

fn ja4_from_fields(cols: &[&str]) -> String {
    let numbers = |s: &str| -> Vec<u16> {
        s.split(',')
            .filter(|v| !v.is_empty())
            .map(|v| match v.strip_prefix("0x") {
                Some(hex) => u16::from_str_radix(hex, 16).expect("a hex number"),
                None => v.parse().expect("a decimal number"),
            })
            .filter(|v| !(v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff))
            .collect()
    };
    let ciphers = numbers(cols[1]);
    let extensions = numbers(cols[2]);
    let version = numbers(cols[3])
        .into_iter()
        .max()
        .unwrap_or(numbers(cols[0])[0]);
    let version = match version {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        _ => "00",
    };
    let sni = if extensions.contains(&0) { 'd' } else { 'i' };
    let alpn = cols[4].split(',').next().unwrap_or("");
    let alpn = match (alpn.chars().next(), alpn.chars().last()) {
        (Some(a), Some(b)) => format!("{a}{b}"),
        _ => "00".into(),
    };
    let a = format!(
        "t{version}{sni}{:02}{:02}{alpn}",
        ciphers.len().min(99),
        extensions.len().min(99)
    );
    let hex = |list: &[u16]| {
        list.iter()
            .map(|v| format!("{v:04x}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut sorted_ciphers = ciphers.clone();
    sorted_ciphers.sort_unstable();
    let mut sorted_ext: Vec<u16> = extensions
        .into_iter()
        .filter(|e| *e != 0 && *e != 0x10)
        .collect();
    sorted_ext.sort_unstable();
    let sigs = numbers(cols[5]);
    let mut c = hex(&sorted_ext);
    if !sigs.is_empty() {
        c = format!("{c}_{}", hex(&sigs));
    }
    format!("{a}_{}_{}", hash12(&hex(&sorted_ciphers)), hash12(&c))
}

fn hash12(text: &str) -> String {
    if text.is_empty() {
        return "000000000000".into();
    }
    format!("{:x}", Sha256::digest(text.as_bytes()))[..12].to_owned()
}
