//! Capture mode end to end: real corpus captures go through DPDK's pcap
//! device and the pipeline, and come out unchanged. Expected counts come
//! from Wireshark's `capinfos`, not from Palisade.

use std::path::{Path, PathBuf};
use std::process::Command;

use palisade_tests::{capinfos, corpus, dataplane_bin, pcap, run_ok, scratch};

/// Ethernet pcap captures from the corpus, sorted, `n` of them.
fn corpus_captures(n: usize) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus().join("http-evader"))
        .expect("http-evader corpus")
        .map(|e| e.expect("dir entry").path().join("input.pcap"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= n, "corpus has only {} captures", files.len());
    // Spread the picks over the whole set rather than the first n.
    let step = files.len() / n;
    files.into_iter().step_by(step).take(n).collect()
}

fn capture(inputs: &[PathBuf], output: &Path, stats: &Path) -> serde_json::Value {
    let mut cmd = Command::new(dataplane_bin());
    cmd.arg("capture");
    for i in inputs {
        cmd.arg("--input").arg(i);
    }
    cmd.arg("--output")
        .arg(output)
        .arg("--stats-json")
        .arg(stats);
    run_ok(&mut cmd);
    serde_json::from_slice(&std::fs::read(stats).expect("stats json")).expect("valid stats json")
}

#[test]
fn every_packet_of_25_corpus_captures_comes_out_unchanged() {
    let dir = scratch("capture-unchanged");
    for (i, input) in corpus_captures(25).iter().enumerate() {
        let out = dir.join(format!("out{i}.pcap"));
        let stats = capture(
            std::slice::from_ref(input),
            &out,
            &dir.join(format!("s{i}.json")),
        );
        let (packets, bytes) = capinfos(input);
        assert!(packets > 0, "{} is empty", input.display());
        assert_eq!(
            capinfos(&out),
            (packets, bytes),
            "{}: count/bytes differ",
            input.display()
        );
        assert_eq!(
            stats["totals"]["rx_packets"],
            packets,
            "{}",
            input.display()
        );
        assert_eq!(stats["totals"]["rx_bytes"], bytes, "{}", input.display());
        let (a, b) = (pcap::read(input), pcap::read(&out));
        let data = |c: &pcap::Capture| c.frames.iter().map(|f| f.data.clone()).collect::<Vec<_>>();
        assert_eq!(
            data(&a),
            data(&b),
            "{}: frame bytes differ",
            input.display()
        );
    }
}

#[test]
fn several_inputs_are_read_one_after_the_other() {
    let dir = scratch("capture-order");
    let inputs = corpus_captures(25)[..3].to_vec();
    let out = dir.join("out.pcap");
    capture(&inputs, &out, &dir.join("s.json"));
    let expected: Vec<Vec<u8>> = inputs
        .iter()
        .flat_map(|i| pcap::read(i).frames.into_iter().map(|f| f.data))
        .collect();
    let got: Vec<Vec<u8>> = pcap::read(&out)
        .frames
        .into_iter()
        .map(|f| f.data)
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn the_same_capture_gives_the_same_results_twice() {
    let dir = scratch("capture-determinism");
    let input = &corpus_captures(25)[7];
    let run = |n: u32| {
        let events = dir.join(format!("e{n}.json"));
        run_ok(
            Command::new(dataplane_bin())
                .args(["capture", "--input"])
                .arg(input)
                .arg("--events")
                .arg(&events),
        );
        std::fs::read_to_string(events).expect("events")
    };
    let first = run(1);
    assert!(first.contains("\"event_type\":\"stats\""), "{first}");
    assert_eq!(first, run(2));
}

#[test]
fn pcapng_input_is_read_whole() {
    let dir = scratch("capture-pcapng");
    let input = corpus().join("ja4/tls-handshake.pcapng");
    let stats = capture(
        std::slice::from_ref(&input),
        &dir.join("out.pcap"),
        &dir.join("s.json"),
    );
    let (packets, bytes) = capinfos(&input);
    assert_eq!(stats["totals"]["rx_packets"], packets);
    assert_eq!(stats["totals"]["tx_bytes"], bytes);
}
