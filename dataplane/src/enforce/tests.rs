//! Crafted frames checked against RFC 9293's reset rules, decoded by tshark
//! (an independent decoder) from a capture file written here, with IP and
//! TCP checksum verification on.

use core::net::Ipv6Addr;
use std::collections::HashMap;
use std::io::Write;
use std::process::Command;

use palisade_rules::{BlockVerdict, Respond};

use super::*;

const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const SEQ: u32 = 0xfffe_0000;
const ACK: u32 = 0x1234_5678;
const REQUEST: &[u8] = b"GET /?q=1%20union%20select HTTP/1.1\r\nHost: a\r\n\r\n";

/// A client-to-server TCP segment (checksums left zero: only the crafted
/// frames are checked), with one VLAN tag when `vlan`, over IPv6 when `v6`.
fn offender(v6: bool, vlan: bool, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&SERVER_MAC);
    f.extend_from_slice(&CLIENT_MAC);
    if vlan {
        f.extend_from_slice(&[0x81, 0x00, 0x00, 0x07]);
    }
    let tcp_len = 20 + payload.len();
    if v6 {
        f.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
        f.extend_from_slice(&(tcp_len as u16).to_be_bytes());
        f.extend_from_slice(&[6, 64]);
        f.extend_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
        f.extend_from_slice(&"2001:db8::2".parse::<Ipv6Addr>().unwrap().octets());
    } else {
        f.extend_from_slice(&[0x08, 0x00, 0x45, 0]);
        f.extend_from_slice(&((20 + tcp_len) as u16).to_be_bytes());
        f.extend_from_slice(&[0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    }
    f.extend_from_slice(&40000u16.to_be_bytes());
    f.extend_from_slice(&80u16.to_be_bytes());
    f.extend_from_slice(&SEQ.to_be_bytes());
    f.extend_from_slice(&ACK.to_be_bytes());
    f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend_from_slice(payload);
    f
}

fn request(v6: bool, vlan: bool) -> Vec<u8> {
    offender(v6, vlan, flags::ACK | flags::PSH, REQUEST)
}

fn enforcer(verdict: BlockVerdict) -> Enforcer {
    Enforcer::new(EnforceConfig {
        verdict,
        ..EnforceConfig::default()
    })
}

fn decision(verdict: BlockVerdict, respond: Option<Respond>) -> Option<Decision> {
    Some(Decision {
        rule_id: 7,
        verdict: Some(verdict),
        respond,
    })
}

/// The outbox's frames, in order, then cleared.
fn take(e: &mut Enforcer) -> Vec<(Toward, Vec<u8>)> {
    let out = e.outbox().frames().map(|(t, f)| (t, f.to_vec())).collect();
    e.outbox().clear();
    out
}

/// Fields tshark reads from each frame, with checksum verification on.
const FIELDS: &[&str] = &[
    "eth.src",
    "eth.dst",
    "ip.src",
    "ipv6.src",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.flags",
    "tcp.window_size_value",
    "tcp.checksum.status",
    "ip.checksum.status",
    "http.response.code",
    "http.content_length",
    "tcp.len",
    "vlan.id",
];

/// Writes `frames` to a classic pcap file and returns tshark's fields for
/// each, by name.
fn tshark(frames: &[Vec<u8>]) -> Vec<HashMap<&'static str, String>> {
    static FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("palisade-enforce-{}-{n}.pcap", std::process::id());
    let path = std::env::temp_dir().join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    // Classic pcap, microseconds, snaplen 65535, Ethernet.
    let mut header = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&65535u32.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    file.write_all(&header).unwrap();
    for (i, f) in frames.iter().enumerate() {
        let mut rec = Vec::new();
        rec.extend_from_slice(&(i as u32 + 1).to_le_bytes());
        rec.extend_from_slice(&0u32.to_le_bytes());
        rec.extend_from_slice(&(f.len() as u32).to_le_bytes());
        rec.extend_from_slice(&(f.len() as u32).to_le_bytes());
        rec.extend_from_slice(f);
        file.write_all(&rec).unwrap();
    }
    drop(file);
    let mut cmd = Command::new("tshark");
    cmd.args([
        "-n",
        "-r",
        path.to_str().unwrap(),
        "-T",
        "fields",
        "-E",
        "separator=|",
    ]);
    cmd.args([
        "-o",
        "tcp.check_checksum:TRUE",
        "-o",
        "ip.check_checksum:TRUE",
    ]);
    cmd.args(["-o", "tcp.relative_sequence_numbers:FALSE"]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .output()
        .expect("tshark must be installed (apt-get install tshark)");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(&path);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            FIELDS
                .iter()
                .copied()
                .zip(l.split('|').map(str::to_owned))
                .collect()
        })
        .collect()
}

/// tshark's "good" checksum status.
const GOOD: &str = "1";

fn check_reset_pair(v6: bool, vlan: bool) {
    let frame = request(v6, vlan);
    let mut e = enforcer(BlockVerdict::Reset);
    e.block(FlowId(1), &frame, true, None);
    let out = take(&mut e);
    assert_eq!(out.len(), 2);
    let rows = tshark(&out.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>());
    let len = REQUEST.len() as u32;
    let (client, server) = if v6 {
        ("2001:db8::1", "2001:db8::2")
    } else {
        ("10.0.0.1", "10.0.0.2")
    };
    let src = if v6 { "ipv6.src" } else { "ip.src" };

    // To the server, as the client: SEQ = the dropped segment's SEQ (the
    // server's RCV.NXT), ACK as the client last acknowledged.
    let (toward, r) = (out[0].0, &rows[0]);
    assert_eq!(toward, Toward::Receiver);
    assert_eq!(r[src], client);
    assert_eq!(r["eth.dst"], "02:00:00:00:00:02");
    assert_eq!(
        (r["tcp.srcport"].as_str(), r["tcp.dstport"].as_str()),
        ("40000", "80")
    );
    assert_eq!(r["tcp.seq_raw"], SEQ.to_string());
    assert_eq!(r["tcp.ack_raw"], ACK.to_string());
    assert_eq!(r["tcp.flags"], "0x0014", "RST|ACK");
    assert_eq!(r["tcp.checksum.status"], GOOD);

    // To the client, as the server: SEQ = the segment's ACK field, ACK =
    // its SEQ plus its length (RFC 9293 section 3.10.7.1), here across the
    // sequence-number wrap.
    let (toward, r) = (out[1].0, &rows[1]);
    assert_eq!(toward, Toward::Sender);
    assert_eq!(r[src], server);
    assert_eq!(r["eth.dst"], "02:00:00:00:00:01");
    assert_eq!(r["eth.src"], "02:00:00:00:00:02");
    assert_eq!(
        (r["tcp.srcport"].as_str(), r["tcp.dstport"].as_str()),
        ("80", "40000")
    );
    assert_eq!(r["tcp.seq_raw"], ACK.to_string());
    assert_eq!(r["tcp.ack_raw"], SEQ.wrapping_add(len).to_string());
    assert_eq!(r["tcp.flags"], "0x0014");
    assert_eq!(r["tcp.checksum.status"], GOOD);
    for r in &rows {
        if !v6 {
            assert_eq!(r["ip.checksum.status"], GOOD);
        }
        assert_eq!(r["vlan.id"], if vlan { "7" } else { "" });
    }
}

#[test]
fn reset_ipv4_follows_rfc9293_and_verifies() {
    check_reset_pair(false, false);
}

#[test]
fn reset_ipv6_with_vlan_follows_rfc9293_and_verifies() {
    check_reset_pair(true, true);
}

#[test]
fn respond_429_answers_the_client_and_resets_the_server() {
    let frame = request(false, false);
    let mut e = enforcer(BlockVerdict::Drop);
    let respond = Respond {
        status: 429,
        retry_after: None,
    };
    e.block(
        FlowId(1),
        &frame,
        true,
        decision(BlockVerdict::Respond, Some(respond)),
    );
    let out = take(&mut e);
    assert_eq!(out.len(), 2);
    let rows = tshark(&out.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>());
    let answer = &rows[0];
    assert_eq!(out[0].0, Toward::Sender);
    assert_eq!(answer["http.response.code"], "429");
    assert_eq!(answer["tcp.seq_raw"], ACK.to_string());
    let end = SEQ.wrapping_add(REQUEST.len() as u32);
    assert_eq!(answer["tcp.ack_raw"], end.to_string());
    assert_eq!(answer["tcp.flags"], "0x0019", "FIN|PSH|ACK");
    assert_eq!(answer["tcp.checksum.status"], GOOD);
    assert_eq!(answer["ip.checksum.status"], GOOD);
    let text = String::from_utf8_lossy(&out[0].1);
    assert!(text.contains("\r\nRetry-After: 60\r\n"), "{text}");
    let body_len: usize = answer["http.content_length"].parse().unwrap();
    let body_at = text.find("\r\n\r\n").unwrap() + 4;
    assert_eq!(text.len() - body_at, body_len);
    assert_eq!(out[1].0, Toward::Receiver);
    assert_eq!(rows[1]["tcp.flags"], "0x0014");
    assert_eq!(rows[1]["tcp.seq_raw"], SEQ.to_string());

    // The client's FIN after reading the answer gets a reset at its ACK.
    let fin_ack = ACK.wrapping_add(out[0].1.len() as u32);
    let mut fin = offender(false, false, flags::FIN | flags::ACK, b"");
    fin[42..46].copy_from_slice(&fin_ack.to_be_bytes());
    e.block_again(FlowId(1), &fin);
    let closing = take(&mut e);
    assert_eq!(closing.len(), 1);
    let r = &tshark(&[closing[0].1.clone()])[0];
    assert_eq!(r["tcp.flags"], "0x0014");
    assert_eq!(r["tcp.seq_raw"], fin_ack.to_string());
    assert_eq!(
        r["tcp.ack_raw"],
        SEQ.wrapping_add(1).to_string(),
        "FIN counts one"
    );
}

impl Enforcer {
    /// A later client packet of a blocked flow.
    fn block_again(&mut self, flow: FlowId, frame: &[u8]) {
        self.blocked_packet(flow, frame, true);
    }
}

#[test]
fn respond_403_default_status_has_no_retry_after() {
    let mut out = Vec::new();
    response(403, None, 5, &mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("HTTP/1.1 403 Forbidden\r\n"));
    assert!(!text.contains("Retry-After"));
    assert!(text.contains("Connection: close\r\n"));
}

#[test]
fn respond_on_a_server_packet_resets_instead() {
    let frame = request(false, false);
    let mut e = enforcer(BlockVerdict::Respond);
    e.block(FlowId(1), &frame, false, None);
    assert_eq!(take(&mut e).len(), 2);
    let s = e.stats();
    assert_eq!(s.verdicts["reset"], 1);
    assert_eq!(s.verdicts["respond_to_reset"], 1);
    assert_eq!(s.rules[&0]["reset"], 1);
}

#[test]
fn tarpit_acknowledges_with_a_zero_window_and_is_bounded() {
    let frame = request(false, false);
    let mut e = Enforcer::new(EnforceConfig {
        verdict: BlockVerdict::Tarpit,
        max_tarpit: 1,
        ..EnforceConfig::default()
    });
    e.block(FlowId(1), &frame, true, None);
    let out = take(&mut e);
    let rows = tshark(&out.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>());
    assert_eq!(out[0].0, Toward::Sender);
    assert_eq!(rows[0]["tcp.flags"], "0x0010", "a bare ACK");
    assert_eq!(rows[0]["tcp.window_size_value"], "0");
    let end = SEQ.wrapping_add(REQUEST.len() as u32);
    assert_eq!(rows[0]["tcp.ack_raw"], end.to_string());
    assert_eq!(rows[1]["tcp.flags"], "0x0014", "the server is reset");
    assert_eq!(e.tarpits(), 1);

    // A probe gets the same zero-window answer; a second flow finds the
    // tarpit full and is reset.
    e.block_again(FlowId(1), &offender(false, false, flags::ACK, b"x"));
    let probe = take(&mut e);
    assert_eq!(
        tshark(&[probe[0].1.clone()])[0]["tcp.ack_raw"],
        end.to_string()
    );
    e.block(
        FlowId(2),
        &frame,
        true,
        decision(BlockVerdict::Tarpit, None),
    );
    assert_eq!(take(&mut e).len(), 2);
    let s = e.stats();
    assert_eq!((s.verdicts["tarpit"], s.verdicts["tarpit_full"]), (1, 1));
    assert_eq!(s.rules[&7]["reset"], 1);
    e.closed(FlowId(1));
    assert_eq!(e.tarpits(), 0);
}

#[test]
fn tap_mode_counts_and_resets_only_when_asked() {
    let frame = request(false, false);
    for (tap_resets, crafted) in [(false, 0), (true, 2)] {
        let mut e = Enforcer::new(EnforceConfig {
            inline: false,
            tap_resets,
            verdict: BlockVerdict::Respond,
            ..EnforceConfig::default()
        });
        e.block(FlowId(1), &frame, true, None);
        assert_eq!(take(&mut e).len(), crafted);
        assert_eq!(e.stats().verdicts["respond"], 1);
    }
}

#[test]
fn frames_crafting_cannot_read_are_only_dropped() {
    let mut e = enforcer(BlockVerdict::Reset);
    e.block(FlowId(1), &[0u8; 30], true, None);
    assert!(e.outbox().is_empty());
    assert_eq!(e.stats().verdicts["not_crafted"], 1);
}

/// Every truncation and many corruptions of real frames: no panic, and
/// whatever is crafted reads back as a TCP segment.
#[test]
fn damaged_frames_never_panic_and_crafted_ones_parse() {
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for (v6, vlan) in [(false, false), (true, true), (false, true)] {
        let whole = request(v6, vlan);
        let mut frames: Vec<Vec<u8>> = (0..whole.len()).map(|n| whole[..n].to_vec()).collect();
        for _ in 0..2000 {
            let mut f = whole.clone();
            let at = next() as usize % f.len();
            f[at] ^= (next() as u8) | 1;
            frames.push(f);
        }
        for frame in &frames {
            for verdict in BlockVerdict::ALL {
                let mut e = enforcer(*verdict);
                e.block(FlowId(1), frame, true, None);
                e.blocked_packet(FlowId(1), frame, true);
                for (_, out) in e.outbox().frames() {
                    assert!(Offender::parse(out).is_some());
                }
            }
        }
    }
}
