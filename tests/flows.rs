//! Flow tracking end to end: corpus captures go through capture mode, and
//! every TCP flow's packet and byte counts per direction, as written in the
//! EVE `flow` events, must equal what Wireshark's `tshark` counts for the
//! same conversation. The reference is tshark's dissection, not ours.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use palisade_tests::{corpus_captures, dataplane_bin, has_fragments_or_tunnels, run_ok, scratch};

/// An endpoint: address and port.
type End = (IpAddr, u16);
/// (packets, bytes) per direction, keyed by (sender, receiver).
type Counts = HashMap<(End, End), (u64, u64)>;

/// tshark's per-direction TCP counts (frames that carry a TCP header, not
/// inside an ICMP error).
fn tshark_counts(pcap: &Path) -> Counts {
    let out = run_ok(Command::new("tshark").arg("-r").arg(pcap).args([
        "-Y",
        "tcp && !icmp && !icmpv6",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "ip.src",
        "-e",
        "ipv6.src",
        "-e",
        "tcp.srcport",
        "-e",
        "ip.dst",
        "-e",
        "ipv6.dst",
        "-e",
        "tcp.dstport",
        "-e",
        "frame.len",
    ]));
    let mut counts = Counts::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('|').collect();
        let addr = |v4: &str, v6: &str| -> IpAddr {
            let a = if v4.is_empty() { v6 } else { v4 };
            a.parse()
                .unwrap_or_else(|_| panic!("{}: address {a:?}", pcap.display()))
        };
        let port = |s: &str| s.parse::<u16>().expect("port");
        let src = (addr(f[0], f[1]), port(f[2]));
        let dst = (addr(f[3], f[4]), port(f[5]));
        let e = counts.entry((src, dst)).or_default();
        e.0 += 1;
        e.1 += f[6].parse::<u64>().expect("frame.len");
    }
    counts
}

/// Our per-direction counts from the flow events of a capture run.
fn palisade_counts(pcap: &Path, events: &Path) -> Counts {
    run_ok(
        Command::new(dataplane_bin())
            .arg("capture")
            .arg("--input")
            .arg(pcap)
            .arg("--events")
            .arg(events),
    );
    let mut counts = Counts::new();
    for line in std::fs::read_to_string(events).expect("events").lines() {
        let ev: serde_json::Value = serde_json::from_str(line).expect("event JSON");
        if ev["event_type"] != "flow" || ev["proto"] != "TCP" {
            continue;
        }
        let end = |ip: &str, port: &str| -> End {
            (
                ev[ip].as_str().expect("ip").parse().expect("ip"),
                ev[port].as_u64().expect("port") as u16,
            )
        };
        let (client, server) = (end("src_ip", "src_port"), end("dest_ip", "dest_port"));
        let f = &ev["flow"];
        let n = |k: &str| f[k].as_u64().expect("count");
        for (key, pkts, bytes) in [
            ((client, server), n("pkts_toserver"), n("bytes_toserver")),
            ((server, client), n("pkts_toclient"), n("bytes_toclient")),
        ] {
            if pkts > 0 {
                let e = counts.entry(key).or_default();
                e.0 += pkts;
                e.1 += bytes;
            }
        }
    }
    counts
}

#[test]
fn tcp_flow_counts_match_tshark_on_corpus_captures() {
    let dir = scratch("flows-vs-tshark");
    let mut checked = 0;
    for (i, pcap) in corpus_captures(&["pcap", "pcapng"], 8).iter().enumerate() {
        if has_fragments_or_tunnels(pcap) {
            continue;
        }
        let expected = tshark_counts(pcap);
        let got = palisade_counts(pcap, &dir.join(format!("events{i}.json")));
        assert_eq!(got, expected, "{}", pcap.display());
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} captures checked");
}
