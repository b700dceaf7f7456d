//! A GRE capture from the shared corpus (Ethernet bridged over GRE over
//! IPv4), checked packet by packet against tshark: the decoder must describe
//! the inner packet and record the outer addresses.
//!
//! Needs `/usr/bin/tshark` (Debian package `tshark`) and the corpus beside
//! the workspace (`../shared/corpus`).

use super::corpus::{read_pcap, CORPUS};
use crate::decode::{decode, DecodeOptions, Decoded, Transport, TunnelKind};

const CAPTURE: &str = "suricata-verify/bug-2576-01-ips/temp6.pcap";

/// Compared fields; tshark lists every occurrence, outer layer first.
const FIELDS: &[&str] = &[
    "ip.src",
    "ip.dst",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.flags",
    "tcp.len",
];

/// Each packet's fields, each field's occurrences in protocol order.
fn tshark(path: &str) -> Vec<Vec<Vec<String>>> {
    let aggregate = ["-E", "occurrence=a", "-E", "aggregator=,"];
    let text = super::corpus::tshark_fields(path, &aggregate, FIELDS);
    text.lines()
        .map(|line| {
            line.split('|')
                .map(|field| field.split(',').map(str::to_owned).collect())
                .collect()
        })
        .collect()
}

/// Our inner-packet fields, in the order of [`FIELDS`].
fn inner_fields(decoded: &Decoded<'_>) -> Vec<String> {
    let ip = decoded.ip.expect("inner IP header");
    let Transport::Tcp(tcp) = decoded.transport else {
        panic!("inner packet is not TCP: {:?}", decoded.transport);
    };
    vec![
        ip.src.to_string(),
        ip.dst.to_string(),
        tcp.src_port.to_string(),
        tcp.dst_port.to_string(),
        tcp.seq.to_string(),
        tcp.ack.to_string(),
        format!("{:#06x}", tcp.flags.0),
        decoded.payload.len().to_string(),
    ]
}

#[test]
fn gre_capture_matches_tshark() {
    let path = format!("{CORPUS}{CAPTURE}");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path}: {e}"));
    let (linktype, records) = read_pcap(&bytes);
    assert_eq!(linktype, 1, "Ethernet capture");
    let rows = tshark(&path);
    assert_eq!(rows.len(), records.len(), "packet count");
    assert_eq!(records.len(), 15);

    for (number, (record, row)) in records.iter().zip(&rows).enumerate() {
        let number = number + 1;
        let decoded = decode(record, &DecodeOptions::LIVE)
            .unwrap_or_else(|e| panic!("{CAPTURE} #{number}: {e}"));
        // The innermost occurrence of each field is the inner packet's.
        let theirs: Vec<&str> = row
            .iter()
            .map(|occurrences| occurrences.last().map_or("", String::as_str))
            .collect();
        assert_eq!(inner_fields(&decoded), theirs, "#{number} inner fields");

        let tunnel = decoded.tunnel.expect("tunnel recorded");
        assert_eq!(tunnel.kind, TunnelKind::GreEthernet, "#{number}");
        assert_eq!(tunnel.depth, 1, "#{number}");
        let outer = (tunnel.outer_src.to_string(), tunnel.outer_dst.to_string());
        assert_eq!(
            (&outer.0, &outer.1),
            (&row[0][0], &row[1][0]),
            "#{number} outer"
        );
        assert!(decoded.checksums.ipv4_header && decoded.checksums.l4);
    }
}
