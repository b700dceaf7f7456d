//! Shared support for Palisade's end-to-end tests: where the binaries and
//! the corpus are, a minimal pcap reader to compare captures, and helpers to
//! run commands and the network-namespace lab.
//!
//! Tests that touch global state (the lab, network namespaces) take
//! [`exclusive`] first, so test binaries run them one at a time.

#![forbid(unsafe_code)]

pub mod control;
pub mod eve;
pub mod lab;
pub mod netns;
pub mod pcap;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root (where Cargo.toml and scripts/ are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared test corpus, `../shared/corpus` beside the checkout (or
/// `$PALISADE_CORPUS`).
pub fn corpus() -> PathBuf {
    let dir = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus"));
    assert!(
        dir.is_dir(),
        "test corpus not found at {} (set PALISADE_CORPUS)",
        dir.display()
    );
    dir
}

/// The release `palisade-dataplane` binary, built by `scripts/test.sh`
/// before the tests run (`cargo build --release`).
pub fn dataplane_bin() -> PathBuf {
    binary("palisade-dataplane")
}

/// A release binary of the workspace.
pub fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let bin = target.join("release").join(name);
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --release` first (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// A fresh scratch directory under the target dir, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target/test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Runs a command to completion and returns its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs a command that must succeed; returns its stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Takes a machine-wide lock so tests using shared resources (the lab, CPU
/// cores for benchmarks) run one at a time, across test binaries. Held until
/// the returned file is dropped.
pub fn exclusive() -> File {
    let path = Path::new("/tmp/palisade-tests.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .expect("open lock file");
    file.lock().expect("lock");
    file
}

/// Hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    format!("{:x}", Sha256::digest(&data))
}

/// `capinfos` figures for a capture: packet count and data bytes (the sum of
/// captured frame lengths), read by Wireshark's tool, not by ours.
pub fn capinfos(path: &Path) -> (u64, u64) {
    let out = run_ok(
        Command::new("capinfos")
            .args(["-M", "-T", "-r", "-c", "-d"])
            .arg(path),
    );
    let line = out.lines().next().unwrap_or_default();
    let fields: Vec<&str> = line.split('\t').collect();
    let num = |i: usize| -> u64 {
        fields
            .get(i)
            .and_then(|f| f.trim().parse().ok())
            .unwrap_or_else(|| panic!("cannot read capinfos output {line:?}"))
    };
    (num(1), num(2))
}

/// True when tshark finds IP fragments or tunnels (IP in IP, GRE) in a
/// capture: per-packet figures differ there by design (tshark attributes a
/// reassembled datagram to its last frame; tunnels are not decapsulated).
pub fn has_fragments_or_tunnels(pcap: &Path) -> bool {
    let out = run_ok(Command::new("tshark").arg("-r").arg(pcap).args([
        "-Y",
        "ip.flags.mf == 1 || ip.frag_offset > 0 || ipv6.fragment || count(ip) > 1 || gre",
        "-T",
        "fields",
        "-e",
        "frame.number",
    ]));
    !out.trim().is_empty()
}

/// Corpus captures for the end-to-end tests: every capture of the
/// suricata-verify set whose extension is in `exts`, and every `step`-th
/// http-evader capture (sorted), in sorted order.
pub fn corpus_captures(exts: &[&str], step: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let cases = std::fs::read_dir(corpus().join("suricata-verify")).expect("suricata-verify");
    for case in cases.flatten() {
        for f in std::fs::read_dir(case.path()).expect("case dir").flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| exts.iter().any(|x| e == *x)) {
                out.push(p);
            }
        }
    }
    let mut evader: Vec<PathBuf> = std::fs::read_dir(corpus().join("http-evader"))
        .expect("http-evader")
        .flatten()
        .map(|e| e.path().join("input.pcap"))
        .filter(|p| p.is_file())
        .collect();
    evader.sort();
    out.extend(evader.into_iter().step_by(step.max(1)));
    out.sort();
    out
}

/// The `*.yaml` files of a directory of the repository (`rules/default`,
/// ...), sorted.
pub fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files = sorted_entries(&root().join(dir));
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    files
}

/// The entries of `dir`, sorted by path; panics naming `dir` when it
/// cannot be read.
pub fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    entries
}

/// The lab's Python tools (schemathesis, openapi-spec-validator, ...).
pub const VENV: &str = "/opt/palisade/venv/bin";

/// Fails unless `openapi-spec-validator` accepts the document at `path`.
pub fn assert_valid_openapi(path: &Path) {
    let valid = run(Command::new(format!("{VENV}/openapi-spec-validator")).arg(path));
    assert!(
        valid.status.success(),
        "{} is not valid OpenAPI 3: {}{}",
        path.display(),
        String::from_utf8_lossy(&valid.stdout),
        String::from_utf8_lossy(&valid.stderr)
    );
}

/// Waits until the file at `log` holds `needle`; fails with the file's
/// text after `limit`.
pub fn wait_for_log(log: &Path, needle: &str, limit: std::time::Duration) {
    let start = std::time::Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains(needle) {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "no {needle:?} in {}:\n{text}",
            log.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
