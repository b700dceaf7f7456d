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

/// A classic pcap of `n` TCP SYNs from 10.1.x.y:port to 10.2.0.1:80, each
/// its own flow (the count is the reference: one flow per distinct tuple).
fn syn_pcap(path: &Path, n: u32) {
    // Global header: magic, version 2.4, zone, sigfigs, snaplen, Ethernet.
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&[2, 0, 4, 0]);
    for v in [0u32, 0, 65_535, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for i in 0..n {
        let mut frame = vec![0u8; 54];
        frame[12..14].copy_from_slice(&[0x08, 0x00]);
        let ip = &mut frame[14..34];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&40u16.to_be_bytes());
        ip[8] = 64;
        ip[9] = 6;
        ip[12..16].copy_from_slice(&[10, 1, (i >> 16) as u8, (i >> 8) as u8]);
        ip[16..20].copy_from_slice(&[10, 2, 0, 1]);
        let tcp = &mut frame[34..54];
        tcp[0..2].copy_from_slice(&(1024 + (i & 0xff) as u16).to_be_bytes());
        tcp[2..4].copy_from_slice(&80u16.to_be_bytes());
        tcp[12] = 0x50;
        tcp[13] = 0x02;
        for v in [1_700_000_000 + i / 1000, (i % 1000) * 1000, 54, 54] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&frame);
    }
    std::fs::write(path, out).expect("write pcap");
}

#[test]
fn ending_more_flows_than_the_record_queue_holds_loses_no_event() {
    let dir = scratch("capture-many-flows");
    let input = dir.join("syns.pcap");
    let flows = 70_000;
    syn_pcap(&input, flows);
    let events = dir.join("events.json");
    run_ok(
        Command::new(dataplane_bin())
            .arg("capture")
            .arg("--input")
            .arg(&input)
            .arg("--events")
            .arg(&events),
    );
    let text = std::fs::read_to_string(&events).expect("events");
    let count = text
        .lines()
        .filter(|l| l.contains(r#""event_type":"flow""#))
        .count();
    assert_eq!(count, flows as usize);
}
