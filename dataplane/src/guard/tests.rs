//! The guards on hand-built frames: ACL, per-source limits, the SYN flood
//! path with cookie authentication, and the new-flow limit in the pipeline.

use super::*;
use crate::flow::HashSeed;
use crate::pipeline::{LinkType, NoSink, Pipeline, PipelineConfig};

const SEC: u64 = 1_000_000_000;

/// An Ethernet/IPv4/TCP frame from `src` to 10.0.0.2:80.
fn tcp(src: [u8; 4], sport: u16, seq: u32, ack: u32, flags: u8) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    f.extend_from_slice(&[0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&[10, 0, 0, 2]);
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&80u16.to_be_bytes());
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&ack.to_be_bytes());
    f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    f
}

fn syn(src: [u8; 4], sport: u16, seq: u32) -> Vec<u8> {
    tcp(src, sport, seq, 0, flags::SYN)
}

fn guard(settings: &GuardSettings, inline: bool) -> Guard {
    settings.validate().unwrap();
    Guard::with_secret(settings.config(inline), [11, 12])
}

#[test]
fn acl_denies_by_prefix_and_trusts_the_allow_list() {
    let mut s = GuardSettings::default();
    s.acl.deny = vec!["192.0.2.0/24".into()];
    s.acl.allow = vec!["192.0.2.7".into()];
    s.source.packets_per_sec = 1;
    s.source.packet_burst = 1;
    let mut g = guard(&s, true);
    let mut out = Outbox::default();
    assert!(!g.check(&syn([192, 0, 2, 1], 1, 1), 0, &mut out));
    // The trusted host is under no per-source limit.
    assert!((0..10).all(|_| g.check(&syn([192, 0, 2, 7], 1, 1), 0, &mut out)));
    assert_eq!(g.stats()["acl_denied"], 1);
    assert_eq!(g.stats()["dropped"], 1);
}

#[test]
fn per_source_packet_and_syn_limits() {
    let mut s = GuardSettings::default();
    s.source.packets_per_sec = 100;
    s.source.packet_burst = 10;
    s.source.syns_per_sec = 2;
    s.source.syn_burst = 2;
    let mut g = guard(&s, true);
    let mut out = Outbox::default();
    let syns = (0..5)
        .filter(|i| g.check(&syn([10, 0, 0, 1], *i, 1), SEC, &mut out))
        .count();
    assert_eq!(syns, 2);
    let acks = (0..20)
        .filter(|_| g.check(&tcp([10, 0, 0, 1], 1, 1, 1, flags::ACK), SEC, &mut out))
        .count();
    assert_eq!(acks, 10 - 5, "the burst of 10 packets, five spent on SYNs");
    // Another source has its own allowance.
    assert!(g.check(&syn([10, 0, 0, 9], 1, 1), SEC, &mut out));
    assert_eq!(g.stats()["source_syns"], 3);
    assert_eq!(g.stats()["source_packets"], 15);
}

fn flood_settings() -> GuardSettings {
    let mut s = GuardSettings::default();
    s.syn.global_per_sec = 1000;
    s.syn.global_burst = 100;
    s.syn.challenges_per_sec = 1_000_000;
    s
}

/// Spoofed SYNs from many sources, enough to start flood mode at `now`.
fn flood(g: &mut Guard, now: u64, out: &mut Outbox) -> usize {
    (0..5000u32)
        .filter(|i| {
            if i % 32 == 0 {
                out.clear();
            }
            let src = (0xc633_6400 + i).to_be_bytes();
            g.check(&syn(src, 1024, *i), now, out)
        })
        .count()
}

#[test]
fn a_syn_flood_is_held_back_and_a_real_client_authenticates() {
    let mut g = guard(&flood_settings(), true);
    let mut out = Outbox::default();
    let passed = flood(&mut g, SEC, &mut out);
    assert!(passed <= 101, "only the global burst passes: {passed}");
    assert!(g.in_flood(SEC));
    out.clear();

    // The real client's SYN is challenged: a SYN-ACK whose ACK is not
    // its ISN + 1.
    let client = [10, 0, 0, 1];
    let isn = 0x0102_0304;
    assert!(!g.check(&syn(client, 40000, isn), SEC + 1, &mut out));
    let (toward, challenge) = out.frames().next().map(|(t, f)| (t, f.to_vec())).unwrap();
    assert_eq!(toward, Toward::Sender);
    let o = Offender::parse(&challenge).unwrap();
    assert_eq!(o.flags, flags::SYN | flags::ACK);
    assert_eq!((o.src_port, o.dst_port), (80, 40000));
    assert_ne!(o.ack, isn.wrapping_add(1));

    // Its stack answers with a reset at that ACK (RFC 9293 3.10.7.3); the
    // guard takes it, and the retransmitted SYN passes.
    let rst = tcp(client, 40000, o.ack, 0, flags::RST);
    assert!(
        !g.check(&rst, SEC + 2, &mut out),
        "the answer is the guard's"
    );
    assert!(g.check(&syn(client, 40000, isn), SEC + 3, &mut out));
    // A reset with a wrong cookie authenticates nobody.
    let forged = tcp([10, 0, 0, 5], 40000, o.ack, 0, flags::RST);
    assert!(
        g.check(&forged, SEC + 4, &mut out),
        "not an answer: passes as any reset"
    );
    assert!(!g.check(&syn([10, 0, 0, 5], 40000, 1), SEC + 5, &mut out));
    let s = g.stats();
    assert_eq!(s["authenticated"], 1);
    assert_eq!(s["syn_authenticated"], 1);
    assert_eq!(s["floods"], 1);
    assert!(s["syn_challenged"] >= 4899, "{s:?}");
}

#[test]
fn without_cookies_syns_over_the_global_limit_are_dropped() {
    let mut g = guard(&flood_settings(), false);
    let mut out = Outbox::default();
    let passed = flood(&mut g, SEC, &mut out);
    assert!((100..=101).contains(&passed), "{passed}");
    assert!(out.is_empty(), "tap mode sends no challenges");
    assert_eq!(g.stats()["syn_global"], 5000 - passed as u64);
    // After the flood, one second's worth of SYNs pass again.
    assert!(g.check(&syn([10, 0, 0, 1], 1, 1), 3 * SEC, &mut out));
}

#[test]
fn challenges_are_bounded() {
    let mut s = flood_settings();
    s.syn.challenges_per_sec = 50;
    let mut g = guard(&s, true);
    let mut out = Outbox::default();
    flood(&mut g, SEC, &mut out);
    let st = g.stats();
    assert_eq!(st["syn_challenged"], 50);
    assert_eq!(st["syn_unauthenticated"], 5000 - 50 - 100);
}

#[test]
fn new_flows_per_source_are_limited_in_the_pipeline() {
    let mut s = GuardSettings::default();
    s.source.connections_per_sec = 3;
    s.source.connection_burst = 3;
    let cfg = PipelineConfig {
        guard: s.config(true),
        // The frames here carry no checksums.
        decode: crate::decode::DecodeOptions {
            verify_checksums: false,
        },
        ..PipelineConfig::default()
    };
    let mut p = Pipeline::new(cfg, 0, HashSeed::new(1, 2)).unwrap();
    let verdicts: Vec<_> = (0..6u16)
        .map(|port| {
            p.process(
                &syn([10, 0, 0, 1], 1000 + port, 7),
                LinkType::Ethernet,
                SEC,
                &mut NoSink,
            )
        })
        .collect();
    let passed = verdicts
        .iter()
        .filter(|v| **v == crate::pipeline::Verdict::Pass)
        .count();
    assert_eq!(passed, 3);
    // A packet of a flow already open is not a new flow.
    let again = p.process(
        &syn([10, 0, 0, 1], 1000, 7),
        LinkType::Ethernet,
        SEC,
        &mut NoSink,
    );
    assert_eq!(again, crate::pipeline::Verdict::Pass);
    assert_eq!(p.stats().guard["source_connections"], 3);
    assert_eq!(p.drops().guarded, 3);
}
