//! Bad input to `palisade-dataplane`: each mistake gives a clear error that
//! names the key, device or file and the reason, a non-zero exit, and leaves
//! nothing behind (no process, no EAL runtime directory). Hugepages asked
//! for on a host without free ones are refused before EAL starts.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use palisade_tests::{dataplane_bin, run, scratch};

fn fails_with(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "expected failure, got success; stderr: {stderr}"
    );
    for n in needles {
        assert!(stderr.contains(n), "stderr lacks {n:?}:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "panic in:\n{stderr}");
}

fn run_config(dir: &Path, name: &str, text: &str) -> Output {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    let child = Command::new(dataplane_bin())
        .args(["run", "--duration", "1", "--config"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn palisade-dataplane");
    let pid = child.id();
    let out = child
        .wait_with_output()
        .expect("wait for palisade-dataplane");
    let leftover = Path::new("/var/run/dpdk").join(format!("palisade-{pid}"));
    assert!(
        !leftover.exists(),
        "EAL runtime dir left behind: {}",
        leftover.display()
    );
    out
}

#[test]
fn unknown_config_key_names_the_line_and_key() {
    let dir = scratch("err-unknown-key");
    let out = run_config(
        &dir,
        "c.yaml",
        "mode: inline\nports: []\nworker_cores: [1]\n",
    );
    fails_with(&out, &["c.yaml", "line 3 column 1", "worker_cores"]);
}

#[test]
fn missing_config_file_names_the_path() {
    let out =
        run(Command::new(dataplane_bin()).args(["run", "--config", "/nonexistent/palisade.yaml"]));
    fails_with(&out, &["/nonexistent/palisade.yaml", "No such file"]);
}

#[test]
fn invalid_config_value_names_the_key() {
    let dir = scratch("err-bad-mode");
    let out = run_config(&dir, "c.yaml", "mode: sideways\nports: []\n");
    fails_with(&out, &["mode", "sideways"]);
}

#[test]
fn a_number_past_its_type_names_the_key_value_and_range_at_its_place() {
    let dir = scratch("err-type-range");
    let port = "mode: tap\nports:\n  - name: a\n    device: net_null0\n";
    // An mtu is 68 (RFC 791) to 65535 (a u16), a main lcore 0 to 127
    // (RTE_MAX_LCORE is 128 in Debian's rte_build_config.h), a rate a u64
    // (to 2^64 - 1); columns counted by hand.
    for (name, tail, expected) in [
        (
            "mtu.yaml",
            "    mtu: 70000\n",
            "ports[0].mtu: 70000 is out of range (68 to 65535) at line 5 column 10",
        ),
        (
            "negative.yaml",
            "cores:\n  main: -1\n  workers: [1]\n",
            "cores.main: -1 is out of range (0 to 127) at line 6 column 9",
        ),
        (
            "float.yaml",
            "guard:\n  source: {packets_per_sec: 1e30}\n",
            "guard.source.packets_per_sec: 1e30 is out of range (0 to 18446744073709551615) \
             at line 6 column 29",
        ),
    ] {
        let out = run_config(&dir, name, &format!("{port}{tail}"));
        fails_with(&out, &[name, expected]);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("expected u"));
    }
}

#[test]
fn a_duplicate_key_is_placed_at_its_second_occurrence() {
    let dir = scratch("err-duplicate-key");
    let port = "mode: tap\nports:\n  - name: a\n    device: net_null0\n";
    let out = run_config(&dir, "top.yaml", &format!("{port}mode: inline\n"));
    fails_with(
        &out,
        &[
            "top.yaml",
            "duplicate key `mode` (first at line 1 column 1) at line 5 column 1",
        ],
    );
    let text = format!("{port}pool:\n  mbufs: 4096\n  mbufs: 8192\n");
    let out = run_config(&dir, "nested.yaml", &text);
    fails_with(
        &out,
        &["pool: duplicate key `mbufs` (first at line 6 column 3) at line 7 column 3"],
    );
}

#[test]
fn missing_device_names_the_device() {
    let dir = scratch("err-missing-device");
    let text = "mode: inline\nports:\n  - {name: a, device: 'net_af_packet0,iface=palnosuch0'}\n  - {name: b, device: net_null1}\n";
    let out = run_config(&dir, "c.yaml", text);
    fails_with(&out, &["net_af_packet0"]);
}

#[test]
fn unavailable_worker_core_is_refused() {
    let dir = scratch("err-core");
    let text = "mode: inline\ncores: {main: 0, workers: [63]}\nports:\n  - {name: a, device: net_null0}\n  - {name: b, device: net_null1}\n";
    let out = run_config(&dir, "c.yaml", text);
    fails_with(&out, &["cores", "CPU 63 does not exist"]);
}

#[test]
fn hugepages_without_free_ones_name_the_fix_before_eal_starts() {
    // The host decides what to expect: /proc/meminfo and sysfs as read by
    // the kernel, not by the code under test.
    let meminfo = std::fs::read_to_string("/proc/meminfo").expect("/proc/meminfo");
    let free: u64 = std::fs::read_dir("/sys/kernel/mm/hugepages")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("free_hugepages")).ok())
        .filter_map(|t| t.trim().parse::<u64>().ok())
        .sum();
    if free > 0 {
        eprintln!("skipped: this host has {free} free hugepages\n{meminfo}");
        return;
    }
    let dir = scratch("err-hugepages");
    let text = "mode: inline\nmemory: {hugepages: true}\nports:\n  - {name: a, device: net_null0}\n  - {name: b, device: net_null1}\n";
    let out = run_config(&dir, "c.yaml", text);
    fails_with(
        &out,
        &[
            "no hugepage is free",
            "nr_hugepages",
            "memory.hugepages: false",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("EAL"), "EAL was started:\n{stderr}");
}

#[test]
fn missing_and_non_capture_inputs_are_refused() {
    let dir = scratch("err-pcap");
    let out =
        run(Command::new(dataplane_bin()).args(["capture", "--input", "/nonexistent/in.pcap"]));
    fails_with(&out, &["/nonexistent/in.pcap", "No such file"]);
    let text = dir.join("notes.pcap");
    std::fs::write(&text, "hello, this is not a capture\n").expect("write");
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--input"])
        .arg(&text));
    fails_with(&out, &["notes.pcap", "not a pcap"]);
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--input"])
        .arg(&text)
        .args(["--output", "/nonexistent/dir/o.pcap"]));
    fails_with(&out, &["not a pcap"]);
}

#[test]
fn unwritable_output_is_refused() {
    let input = palisade_tests::corpus().join("http-evader/http-evader-002/input.pcap");
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--input"])
        .arg(&input)
        .args(["--output", "/nonexistent/dir/o.pcap"]));
    fails_with(&out, &["/nonexistent/dir/o.pcap"]);
}

#[test]
fn wrong_flags_are_usage_errors() {
    let out = run(Command::new(dataplane_bin()).args(["capture", "--frobnicate"]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(Command::new(dataplane_bin()).args(["capture"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = scratch("err-same-file");
    let input = dir.join("in.pcap");
    std::fs::copy(
        palisade_tests::corpus().join("http-evader/http-evader-002/input.pcap"),
        &input,
    )
    .expect("copy");
    let before = std::fs::read(&input).expect("read");
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&input));
    fails_with(&out, &["in.pcap", "also an input"]);
    assert_eq!(
        std::fs::read(&input).expect("read"),
        before,
        "the input was modified"
    );
}

#[test]
fn bad_event_and_stats_paths_fail_before_dpdk_starts() {
    let dir = scratch("err-paths");
    let cfg = dir.join("c.yaml");
    std::fs::write(&cfg, "mode: inline\nports:\n  - {name: a, device: net_null0}\n  - {name: b, device: net_null1}\n")
        .expect("write");
    let started = std::time::Instant::now();
    let out = run(Command::new(dataplane_bin())
        .args(["run", "--duration", "30", "--config"])
        .arg(&cfg)
        .args(["--events", "/nonexistent/dir/e.json"]));
    fails_with(&out, &["--events", "/nonexistent/dir/e.json"]);
    let out = run(Command::new(dataplane_bin())
        .args(["run", "--duration", "30", "--config"])
        .arg(&cfg)
        .args(["--stats-json", "/nonexistent/dir/s.json"]));
    fails_with(&out, &["--stats-json", "/nonexistent/dir/s.json"]);
    assert!(
        started.elapsed().as_secs() < 10,
        "errors took {:?}",
        started.elapsed()
    );
}

#[test]
fn empty_and_damaged_captures_are_named() {
    let dir = scratch("err-damaged");
    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").expect("write");
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--input"])
        .arg(&empty));
    fails_with(&out, &["empty.pcap", "empty file"]);
    let source =
        std::fs::read(palisade_tests::corpus().join("http-evader/http-evader-002/input.pcap"))
            .expect("read");
    let short = dir.join("short.pcap");
    std::fs::write(&short, &source[..12]).expect("write");
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--input"])
        .arg(&short));
    fails_with(&out, &["short.pcap", "header cut short"]);
    // Cut inside the last packet: read up to it, with a warning.
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &source[..source.len() - 10]).expect("write");
    let stats = dir.join("s.json");
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--input"])
        .arg(&cut)
        .arg("--stats-json")
        .arg(&stats));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("truncated"),
        "no warning"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&stats).expect("stats")).expect("json");
    let (full, _) = palisade_tests::capinfos(
        &palisade_tests::corpus().join("http-evader/http-evader-002/input.pcap"),
    );
    assert_eq!(report["totals"]["rx_packets"], full - 1);

    // A pcapng cut inside a packet block: the same warning, and as many
    // packets as capinfos reads before the cut.
    let source =
        std::fs::read(palisade_tests::corpus().join("ja4/tls-handshake.pcapng")).expect("read");
    let cut = dir.join("cut.pcapng");
    std::fs::write(&cut, &source[..source.len() - 200]).expect("write");
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--input"])
        .arg(&cut)
        .arg("--stats-json")
        .arg(&stats));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("cut.pcapng") && stderr.contains("truncated"),
        "{stderr}"
    );
    let read_by_capinfos = run(Command::new("capinfos").arg("-c").arg(&cut));
    let count: u64 = String::from_utf8_lossy(&read_by_capinfos.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Number of packets:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("capinfos packet count");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&stats).expect("stats")).expect("json");
    assert_eq!(report["totals"]["rx_packets"], count);
}

#[test]
fn missing_capture_core_and_reserved_eal_args_are_refused() {
    let input = palisade_tests::corpus().join("http-evader/http-evader-002/input.pcap");
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--core", "99", "--input"])
        .arg(&input));
    fails_with(&out, &["--core", "CPU 99"]);
    let dir = scratch("err-eal-args");
    let text = "mode: inline\nports:\n  - {name: a, device: net_null0}\n  - {name: b, device: net_null1}\neal_args: [--file-prefix, mine]\n";
    let out = run_config(&dir, "c.yaml", text);
    fails_with(&out, &["eal_args", "--file-prefix"]);
    assert!(!Path::new("/var/run/dpdk/mine").exists());
}

#[test]
fn a_pcapng_mixing_link_types_is_refused() {
    // The same packets under two interfaces, one called Ethernet, one raw IP.
    let dir = scratch("err-mixed-links");
    let source = palisade_tests::corpus().join("http-evader/http-evader-002/input.pcap");
    let (eth, raw, mixed) = (
        dir.join("eth.pcapng"),
        dir.join("raw.pcapng"),
        dir.join("mixed.pcapng"),
    );
    palisade_tests::run_ok(
        Command::new("editcap")
            .args(["-F", "pcapng"])
            .arg(&source)
            .arg(&eth),
    );
    palisade_tests::run_ok(
        Command::new("editcap")
            .args(["-F", "pcapng", "-T", "rawip"])
            .arg(&source)
            .arg(&raw),
    );
    palisade_tests::run_ok(
        Command::new("mergecap")
            .args(["-F", "pcapng", "-w"])
            .arg(&mixed)
            .arg(&eth)
            .arg(&raw),
    );
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--input"])
        .arg(&mixed));
    fails_with(&out, &["mixed.pcapng", "different link types (1 and 101)"]);
}

#[test]
fn runtime_directories_of_dead_dataplanes_are_removed() {
    // A pid above the kernel's pid_max can belong to no process.
    let pid_max: u64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .expect("pid_max")
        .trim()
        .parse()
        .expect("number");
    let stale = Path::new("/var/run/dpdk").join(format!("palisade-{}", pid_max + 1));
    std::fs::create_dir_all(&stale).expect("create");
    std::fs::write(stale.join("config"), b"").expect("write");
    // Not ours: left alone.
    let other = Path::new("/var/run/dpdk/not-palisade-1");
    std::fs::create_dir_all(other).expect("create");
    let input = palisade_tests::corpus().join("http-evader/http-evader-002/input.pcap");
    let out = run(Command::new(dataplane_bin())
        .args(["capture", "--input"])
        .arg(&input));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stale.exists(), "{} is still there", stale.display());
    assert!(other.exists());
    std::fs::remove_dir_all(other).expect("clean up");
}

#[test]
fn a_closed_stderr_is_no_panic() {
    let dir = scratch("err-closed-stderr");
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "rules:\n  - id: -5\n").expect("write");
    for _ in 0..5 {
        let mut child = Command::new(dataplane_bin())
            .arg("check-rules")
            .arg(&bad)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stderr.take());
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(1), "{status}");
    }
}
