//! Real captures from the shared corpus, checked field by field against
//! tshark, which the test runs on the same files as the reference decoder.
//!
//! Needs `/usr/bin/tshark` (Debian package `tshark`) and the corpus beside
//! the workspace (`../shared/corpus`).

use std::collections::HashMap;
use std::process::Command;

use crate::decode::{decode, decode_ip, DecodeError, DecodeOptions, Decoded, Transport};

pub(super) const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/");

const CAPTURES: &[&str] = &[
    "suricata-verify/http-ipv6/input.pcap",
    "http-evader/http-evader-002/input.pcap",
    "suricata-verify/ja4-rules/input.pcap",
    "suricata-verify/http-protocol-inspect-v2/http.pcap",
    "suricata-verify/tcp-rst-unacked-stream-08-http-ips/input.pcap",
];

/// The tshark fields compared; `occurrence=f` keeps the outer header when
/// an ICMP error quotes another.
const FIELDS: &[&str] = &[
    "ip.src",
    "ip.dst",
    "ip.ttl",
    "ip.proto",
    "ip.id",
    "ip.flags.mf",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.hlim",
    "ipv6.nxt",
    "vlan.id",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.flags",
    "tcp.window_size_value",
    "tcp.hdr_len",
    "tcp.len",
    "tcp.options.mss_val",
    "tcp.options.wscale.shift",
    "tcp.options.sack_perm",
    "tcp.options.timestamp.tsval",
    "tcp.options.timestamp.tsecr",
    "udp.srcport",
    "udp.dstport",
    "udp.length",
    "icmp.type",
    "icmpv6.type",
    "ip.checksum.status",
    "tcp.checksum.status",
    "udp.checksum.status",
];

/// The link type and records of a classic pcap file.
pub(super) fn read_pcap(bytes: &[u8]) -> (u32, Vec<&[u8]>) {
    let magic = u32::from_le_bytes(bytes[..4].try_into().expect("pcap header"));
    let little = match magic {
        0xa1b2_c3d4 | 0xa1b2_3c4d => true,
        0xd4c3_b2a1 | 0x4d3c_b2a1 => false,
        other => panic!("not a classic pcap file: magic {other:#x}"),
    };
    let word = |at: usize| {
        let raw: [u8; 4] = bytes[at..at + 4].try_into().expect("pcap word");
        if little {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        }
    };
    let linktype = word(20);
    let mut records = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let len = word(at + 8) as usize;
        records.push(&bytes[at + 16..at + 16 + len]);
        at += 16 + len;
    }
    (linktype, records)
}

fn decode_record<'a>(
    linktype: u32,
    record: &'a [u8],
    opts: &DecodeOptions,
) -> Result<Decoded<'a>, DecodeError> {
    match linktype {
        1 => decode(record, opts),
        // DLT_NULL: a four-byte address family, then the IP packet.
        0 => decode_ip(&record[4..], opts),
        101 | 228 | 229 => decode_ip(record, opts),
        other => panic!("link type {other} not handled by the test"),
    }
}

fn tshark(path: &str) -> Vec<HashMap<&'static str, String>> {
    let mut prefs = Vec::new();
    for pref in [
        "ip.check_checksum",
        "tcp.check_checksum",
        "udp.check_checksum",
    ] {
        prefs.extend(["-o".to_owned(), format!("{pref}:TRUE")]);
    }
    let prefs: Vec<&str> = prefs.iter().map(String::as_str).collect();
    let text = tshark_fields(path, &prefs, FIELDS);
    text.lines()
        .map(|line| {
            FIELDS
                .iter()
                .copied()
                .zip(line.split('|').map(str::to_owned))
                .collect()
        })
        .collect()
}

/// What our decoder says, in tshark's notation, for each field it reports.
fn ours(decoded: &Decoded<'_>) -> HashMap<&'static str, String> {
    let mut out = HashMap::new();
    if let Some(tag) = decoded.link.and_then(|link| link.vlans.outer()) {
        out.insert("vlan.id", tag.vid().to_string());
    }
    if let Some(ip) = decoded.ip {
        let v4 = ip.src.is_ipv4();
        let name = |f4: &'static str, f6: &'static str| if v4 { f4 } else { f6 };
        out.insert(name("ip.src", "ipv6.src"), ip.src.to_string());
        out.insert(name("ip.dst", "ipv6.dst"), ip.dst.to_string());
        out.insert(name("ip.ttl", "ipv6.hlim"), ip.ttl.to_string());
        if v4 || ip.ext_headers == 0 {
            out.insert(name("ip.proto", "ipv6.nxt"), ip.protocol.0.to_string());
        }
        if v4 {
            let ident = decoded
                .ip_packet()
                .get(4..6)
                .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
            out.insert("ip.id", format!("{ident:#06x}"));
            out.insert(
                "ip.flags.mf",
                u8::from(ip.fragment.is_some_and(|f| f.more)).to_string(),
            );
        }
    }
    transport_fields(decoded, &mut out);
    out
}

fn transport_fields(decoded: &Decoded<'_>, out: &mut HashMap<&'static str, String>) {
    match decoded.transport {
        Transport::Tcp(tcp) => {
            let options = tcp.options;
            out.insert("tcp.srcport", tcp.src_port.to_string());
            out.insert("tcp.dstport", tcp.dst_port.to_string());
            out.insert("tcp.seq_raw", tcp.seq.to_string());
            out.insert("tcp.ack_raw", tcp.ack.to_string());
            out.insert("tcp.flags", format!("{:#06x}", tcp.flags.0));
            out.insert("tcp.window_size_value", tcp.window.to_string());
            out.insert("tcp.hdr_len", tcp.header_len.to_string());
            out.insert("tcp.len", decoded.payload.len().to_string());
            optional(out, "tcp.options.mss_val", options.mss());
            optional(out, "tcp.options.wscale.shift", options.window_scale());
            optional(
                out,
                "tcp.options.timestamp.tsval",
                options.timestamps().map(|t| t.0),
            );
            optional(
                out,
                "tcp.options.timestamp.tsecr",
                options.timestamps().map(|t| t.1),
            );
            if options.sack_permitted() {
                out.insert("tcp.options.sack_perm", "0402".to_owned());
            }
        }
        Transport::Udp(udp) => {
            out.insert("udp.srcport", udp.src_port.to_string());
            out.insert("udp.dstport", udp.dst_port.to_string());
            out.insert("udp.length", udp.len.to_string());
        }
        Transport::Icmp(icmp) => {
            out.insert("icmp.type", icmp.msg_type.to_string());
        }
        Transport::Icmpv6(icmp) => {
            out.insert("icmpv6.type", icmp.msg_type.to_string());
        }
        Transport::None => {}
    }
}

fn optional<V: ToString>(
    out: &mut HashMap<&'static str, String>,
    field: &'static str,
    value: Option<V>,
) {
    if let Some(value) = value {
        out.insert(field, value.to_string());
    }
}

/// The result tshark's checksum statuses (0 bad, 1 good) predict for a
/// decode that verifies checksums.
fn expected_verdict(row: &HashMap<&str, String>) -> Result<bool, DecodeError> {
    let status = |field: &str| row.get(field).map_or("", String::as_str).to_owned();
    let bad = [
        ("ip.checksum.status", DecodeError::Ipv4BadChecksum),
        ("tcp.checksum.status", DecodeError::TcpBadChecksum),
        ("udp.checksum.status", DecodeError::UdpBadChecksum),
    ];
    for (field, error) in bad {
        if status(field) == "0" {
            return Err(error);
        }
    }
    Ok(status("tcp.checksum.status") == "1" || status("udp.checksum.status") == "1")
}

fn check_capture(name: &str) -> usize {
    let path = format!("{CORPUS}{name}");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path}: {e}"));
    let (linktype, records) = read_pcap(&bytes);
    let rows = tshark(&path);
    assert_eq!(rows.len(), records.len(), "{name}: packet count");

    for (number, (record, row)) in records.iter().zip(&rows).enumerate() {
        let decoded = decode_record(linktype, record, &DecodeOptions::CAPTURE)
            .unwrap_or_else(|e| panic!("{name} #{}: {e}", number + 1));
        let ours = ours(&decoded);
        for field in FIELDS.iter().filter(|f| !f.ends_with(".status")) {
            let theirs = row.get(field).map_or("", String::as_str);
            let mine = ours.get(field).map_or("", String::as_str);
            assert_eq!(mine, theirs, "{name} #{} field {field}", number + 1);
        }

        let live = decode_record(linktype, record, &DecodeOptions::LIVE);
        let verdict = live.map(|d| d.checksums.l4);
        assert_eq!(
            verdict,
            expected_verdict(row),
            "{name} #{} checksums",
            number + 1
        );
    }
    records.len()
}

#[test]
fn corpus_matches_tshark() {
    let total: usize = CAPTURES.iter().map(|name| check_capture(name)).sum();
    assert!(total > 100, "only {total} packets compared");
}

/// Runs tshark over `path` printing `fields` separated by `|`, one line per
/// packet, with `extra` options; the reference the corpus tests compare to.
pub(super) fn tshark_fields(path: &str, extra: &[&str], fields: &[&str]) -> String {
    let mut command = Command::new("tshark");
    command.args(["-n", "-r", path, "-T", "fields", "-E", "separator=|"]);
    command.args(extra);
    for field in fields {
        command.args(["-e", field]);
    }
    let output = command
        .output()
        .expect("tshark must be installed (apt-get install tshark)");
    assert!(output.status.success(), "tshark failed on {path}");
    String::from_utf8(output.stdout).expect("tshark prints UTF-8")
}
