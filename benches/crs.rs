//! The default ruleset (`rules/default`) against the OWASP CRS regression
//! tests in `../shared/corpus/crs/tests/regression/tests` (go-ftw YAML):
//! each stage's request is turned into raw HTTP/1.x bytes, parsed by the
//! real `HttpConnection` and inspected by the compiled default rules, and
//! the verdict is set beside what CRS expects of its own rules.
//!
//! A CRS rule file is a class of attack (930 path traversal / LFI, 931
//! RFI, 932 command injection, 933 PHP, 934 generic, 941 XSS, 942 SQLi,
//! 943 session fixation, 944 Java; 95x response leaks). Per class it
//! prints the stages CRS expects one of that file's rules to fire on
//! (`expect_ids`), how many of them any default rule flags, the same for
//! the stages whose expected rule is at paranoia level 1 (CRS's default),
//! and the stages CRS says must not fire a rule of that file
//! (`no_expect_ids`, and nothing of 930-944 expected) that ours flag:
//! possible false positives.
//!
//! How a stage becomes a request: method (default GET), uri and version
//! as written, the headers in order, `data` as the body with a
//! Content-Length unless `autocomplete_headers: false`; a body without a
//! Content-Type is sent as `application/x-www-form-urlencoded` (as `curl
//! -d` does; the tests' form-shaped data carries no type and CRS reads it
//! as form arguments). `encoded_request` is sent as decoded. Response
//! files (95x) test through the CRS backend's `/reflect` endpoint, whose
//! JSON `status`, `headers` and `body` (or base64 `encodedBody`) become the
//! response; only hits that the response adds count for them. A stage of
//! a response file with no such response is skipped and counted.
//!
//! Run: `benches/crs.sh` or `cargo bench --bench crs`. `CRS_VERBOSE=1`
//! lists each hit with the default rules that held, and each miss and
//! possible false positive with its request. Skips
//! with a message when the corpus is absent (`PALISADE_CORPUS` moves it).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use palisade_dataplane::engine::{Matcher, Snapshot};
use palisade_dataplane::flow::Direction;
use palisade_dataplane::http::{HttpConfig, HttpConnection, HttpObserver, Transaction};
use palisade_tests::sorted_entries;
use serde_yaml::Value;

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));

/// CRS rule files measured: (file number, class, response file).
const CLASSES: &[(u64, &str, bool)] = &[
    (930, "path traversal / LFI", false),
    (931, "remote file inclusion", false),
    (932, "command injection / RCE", false),
    (933, "PHP injection", false),
    (934, "generic (SSRF, prototype pollution, ...)", false),
    (941, "XSS", false),
    (942, "SQL injection", false),
    (943, "session fixation", false),
    (944, "Java (deserialisation, Log4j, ...)", false),
    (950, "response: generic data leaks", true),
    (951, "response: SQL errors", true),
    (952, "response: Java errors", true),
    (953, "response: PHP leaks", true),
    (954, "response: IIS leaks", true),
    (955, "response: web shells", true),
    (956, "response: Ruby errors", true),
];

/// The CRS file number of a rule id (942100 -> 942).
fn file_of(id: u64) -> u64 {
    id / 1000
}

/// Counts for one CRS file.
#[derive(Default)]
struct Tally {
    expected: usize,
    flagged: usize,
    expected_pl1: usize,
    flagged_pl1: usize,
    must_not: usize,
    false_pos: usize,
    no_response: usize,
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    let crs = corpus.join("crs");
    let tests_dir = crs.join("tests/regression/tests");
    if !tests_dir.is_dir() {
        println!(
            "crs: {} not found, skipped (set PALISADE_CORPUS to the corpus directory)",
            tests_dir.display()
        );
        return;
    }
    let verbose = std::env::var_os("CRS_VERBOSE").is_some();
    let levels = paranoia_levels(&crs.join("rules"));
    let snapshot = Arc::new(
        Snapshot::from_files(&palisade_tests::yaml_files("rules/default")).expect("default rules"),
    );
    let mut matcher = Matcher::new(Arc::clone(&snapshot)).expect("scratch");

    let mut tallies: BTreeMap<u64, Tally> = BTreeMap::new();
    let (mut stages, mut unparsed) = (0usize, 0usize);
    for dir in sorted_entries(&tests_dir) {
        let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(file_no) = name.split('-').nth(1).and_then(|n| n.parse::<u64>().ok()) else {
            continue;
        };
        let Some(&(_, _, response_file)) = CLASSES.iter().find(|c| c.0 == file_no) else {
            continue;
        };
        for path in sorted_entries(&dir) {
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let doc: Value = match serde_yaml::from_str(&text) {
                Ok(doc) => doc,
                Err(e) => {
                    println!("crs: {}: not read: {e}", path.display());
                    continue;
                }
            };
            let file = path.file_name().unwrap_or_default().to_string_lossy();
            for test in doc["tests"].as_sequence().into_iter().flatten() {
                let test_id = &test["test_id"];
                for (n, stage) in test["stages"]
                    .as_sequence()
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let stage = if stage["stage"].is_mapping() {
                        &stage["stage"]
                    } else {
                        stage
                    };
                    let expect = ids(&stage["output"]["log"]["expect_ids"]);
                    let must_not = ids(&stage["output"]["log"]["no_expect_ids"]);
                    if expect.is_empty() && must_not.is_empty() {
                        continue;
                    }
                    stages += 1;
                    let input = &stage["input"];
                    let request = request_bytes(input);
                    let response = if response_file {
                        reflected_response(input)
                    } else {
                        None
                    };
                    let label = format!("{file} test {} stage {}", show(test_id), n + 1);
                    let Some(request_hits) = hits(&mut matcher, &request, None) else {
                        unparsed += 1;
                        if verbose {
                            println!("UNPARSED {label}: {}", preview(&request));
                        }
                        continue;
                    };
                    // What a response file's stage is judged on: the rules
                    // the response adds; a request file's: every hit.
                    let ours: BTreeSet<u64> = match (&response, response_file) {
                        (Some(resp), _) => {
                            let all = hits(&mut matcher, &request, Some(resp)).unwrap_or_default();
                            all.difference(&request_hits).copied().collect()
                        }
                        (None, true) => {
                            tallies.entry(file_no).or_default().no_response += 1;
                            continue;
                        }
                        (None, false) => request_hits,
                    };
                    let flagged = !ours.is_empty();
                    let attack_expected =
                        expect.iter().any(|&id| (930..=944).contains(&file_of(id)));
                    for &(class, _, _) in CLASSES {
                        let in_class: Vec<u64> = expect
                            .iter()
                            .copied()
                            .filter(|&id| file_of(id) == class)
                            .collect();
                        let t = tallies.entry(class).or_default();
                        if !in_class.is_empty() {
                            let pl1 = in_class.iter().any(|id| levels.get(id) == Some(&1));
                            t.expected += 1;
                            t.flagged += usize::from(flagged);
                            t.expected_pl1 += usize::from(pl1);
                            t.flagged_pl1 += usize::from(pl1 && flagged);
                            if verbose {
                                let pl = in_class.iter().filter_map(|id| levels.get(id)).min();
                                let pl = pl.map_or("?".to_owned(), |p| p.to_string());
                                if flagged {
                                    println!("HIT {class} PL{pl} {label} ours {ours:?}");
                                } else {
                                    println!(
                                        "MISS {class} PL{pl} {label} expects {in_class:?}: {}",
                                        preview(&request)
                                    );
                                }
                            }
                        }
                        let quiet = must_not.iter().any(|&id| file_of(id) == class);
                        if quiet && !attack_expected && !response_file {
                            t.must_not += 1;
                            t.false_pos += usize::from(flagged);
                            if verbose && flagged {
                                println!("FP {class} {label} ours {ours:?}: {}", preview(&request));
                            }
                        }
                    }
                }
            }
        }
    }

    println!(
        "crs: {stages} stages with an expectation; {unparsed} requests the parser refused (not counted); \
         default ruleset: {} rules",
        snapshot.rule_count()
    );
    println!();
    println!(
        "| CRS file | class | CRS expects a hit | flagged by default rules | of which PL1 | PL1 flagged | CRS expects no hit | flagged (possible FP) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut total = Tally::default();
    for &(class, name, response_file) in CLASSES {
        let t = tallies.remove(&class).unwrap_or_default();
        let skipped = if t.no_response > 0 {
            format!(" ({} without a response, skipped)", t.no_response)
        } else {
            String::new()
        };
        row(
            &class.to_string(),
            &format!("{name}{skipped}"),
            &t,
            !response_file,
        );
        if !response_file {
            total.add(&t);
        }
    }
    row("930-944", "all request classes", &total, true);
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.expected += other.expected;
        self.flagged += other.flagged;
        self.expected_pl1 += other.expected_pl1;
        self.flagged_pl1 += other.flagged_pl1;
        self.must_not += other.must_not;
        self.false_pos += other.false_pos;
    }
}

/// One markdown row; the must-not columns only for request classes.
fn row(class: &str, name: &str, t: &Tally, requests: bool) {
    let (must_not, false_pos) = match requests {
        true => (t.must_not.to_string(), t.false_pos.to_string()),
        false => ("-".to_owned(), "-".to_owned()),
    };
    println!(
        "| {class} | {name} | {} | {} | {} | {} | {must_not} | {false_pos} |",
        t.expected,
        ratio(t.flagged, t.expected),
        t.expected_pl1,
        ratio(t.flagged_pl1, t.expected_pl1),
    );
}

/// `n (p%)` of `of`.
fn ratio(n: usize, of: usize) -> String {
    if of == 0 {
        return "0".to_owned();
    }
    format!("{n} ({:.0}%)", 100.0 * n as f64 / of as f64)
}

/// A list of rule ids (a single number is a list of one).
fn ids(v: &Value) -> Vec<u64> {
    match v {
        Value::Sequence(list) => list.iter().filter_map(Value::as_u64).collect(),
        Value::Number(n) => n.as_u64().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// A scalar as text (numbers, booleans, strings).
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    }
}

/// Paranoia level of each CRS rule id, from the `paranoia-level/N` tag
/// that follows its `id:` in `rules/*.conf`.
fn paranoia_levels(rules: &Path) -> BTreeMap<u64, u8> {
    let mut out = BTreeMap::new();
    if !rules.is_dir() {
        return out;
    }
    for path in sorted_entries(rules) {
        if path.extension().is_none_or(|e| e != "conf") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut current: Option<u64> = None;
        for line in text.lines() {
            if let Some(at) = line.find("id:") {
                let digits: String = line[at + 3..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if let Ok(id) = digits.parse() {
                    current = Some(id);
                }
            }
            if let (Some(id), Some(at)) = (current, line.find("paranoia-level/")) {
                if let Some(level) = line[at + 15..].chars().next().and_then(|c| c.to_digit(10)) {
                    out.entry(id).or_insert(level as u8);
                }
            }
        }
    }
    out
}

/// The raw request a stage's `input` describes.
fn request_bytes(input: &Value) -> Vec<u8> {
    if let Some(encoded) = input["encoded_request"].as_str() {
        let clean: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(clean) {
            return raw;
        }
    }
    let method = input["method"].as_str().unwrap_or("GET");
    let uri = match &input["uri"] {
        Value::Null => "/".to_owned(),
        v => show(v),
    };
    let version = input["version"].as_str().unwrap_or("HTTP/1.1");
    let body = show(&input["data"]);
    let autocomplete = input["autocomplete_headers"].as_bool().unwrap_or(true);
    let mut head = format!("{method} {uri} {version}\r\n");
    let (mut has_type, mut has_length) = (false, false);
    for (name, value) in input["headers"].as_mapping().into_iter().flatten() {
        let name = show(name);
        has_type |= name.eq_ignore_ascii_case("content-type");
        has_length |= name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("transfer-encoding");
        head.push_str(&format!("{name}: {}\r\n", show(value)));
    }
    if !body.is_empty() && !has_type {
        head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    if autocomplete && !has_length && (!body.is_empty() || method == "POST") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if autocomplete {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// The response the CRS backend's `/reflect` endpoint sends for a stage:
/// the request body's JSON `status`, `headers` and `body` / `encodedBody`.
fn reflected_response(input: &Value) -> Option<Vec<u8>> {
    let uri = input["uri"].as_str()?;
    if !uri.starts_with("/reflect") {
        return None;
    }
    let spec: serde_json::Value = serde_json::from_str(input["data"].as_str()?).ok()?;
    let body: Vec<u8> = match (spec["body"].as_str(), spec["encodedBody"].as_str()) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD.decode(b64).ok()?,
        (None, None) => Vec::new(),
    };
    let status = spec["status"].as_u64().unwrap_or(200);
    let mut head = format!("HTTP/1.1 {status} OK\r\n");
    let mut has_type = false;
    for (name, value) in spec["headers"].as_object().into_iter().flatten() {
        has_type |= name.eq_ignore_ascii_case("content-type");
        let value = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_type {
        head.push_str("Content-Type: text/html\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = head.into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

/// Collects the transactions a connection hands over.
#[derive(Default)]
struct Collect(Vec<Transaction>);

impl HttpObserver for Collect {
    fn transaction(&mut self, tx: Transaction) {
        self.0.push(tx);
    }
}

/// Rule ids that hold on the exchange; `None` when the parser makes no
/// transaction of the request.
fn hits(
    matcher: &mut Matcher,
    request: &[u8],
    response: Option<&Vec<u8>>,
) -> Option<BTreeSet<u64>> {
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut txs = Collect::default();
    conn.data(Direction::ToResponder, request, 1, &mut txs);
    if let Some(resp) = response {
        conn.data(Direction::ToInitiator, resp, 2, &mut txs);
    }
    conn.close(3, &mut txs);
    if txs.0.is_empty() {
        return None;
    }
    let mut out = BTreeSet::new();
    for tx in &txs.0 {
        out.extend(
            matcher
                .inspect_transaction(tx, CLIENT)
                .iter()
                .map(|h| h.rule_id),
        );
    }
    Some(out)
}

/// The request line, the headers a test chose and the body, shortened,
/// for the listing.
fn preview(request: &[u8]) -> String {
    const USUAL: &[&str] = &[
        "host:",
        "user-agent: owasp crs test agent",
        "accept:",
        "accept-encoding:",
        "accept-language:",
        "content-length:",
        "connection:",
        "content-type: application/x-www-form-urlencoded",
    ];
    let text = String::from_utf8_lossy(request);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let mut out = lines.next().unwrap_or("").to_owned();
    for line in lines {
        let lower = line.to_ascii_lowercase();
        if !USUAL.iter().any(|u| lower.starts_with(u)) {
            out.push_str(" [");
            out.push_str(line);
            out.push(']');
        }
    }
    out.push_str(" | ");
    out.push_str(body);
    if out.len() > 300 {
        let mut cut = 300;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('~');
    }
    out.replace('\n', "\\n")
}
