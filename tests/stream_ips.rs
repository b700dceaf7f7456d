//! IPS-grade stream inspection on suricata-verify's IPS stream case
//! `tcp-rst-unacked-stream-08-http-ips`: content that arrives after a hole
//! must be visible to inspection by the packet the case names (its
//! `pcap_cnt`), before that packet would be forwarded, and the RST that
//! follows must not produce a reassembly gap. The content, the packet
//! number and the gap count are read from the case's own files.

use std::path::Path;

use palisade_dataplane::flow::{Direction, FlowId, HashSeed};
use palisade_dataplane::pipeline::{FlowSink, LinkType, Pipeline, PipelineConfig};
use palisade_tests::{corpus, pcap};

/// Remembers, per packet, whether the needle was visible to inspection.
struct Inspect<'n> {
    needle: &'n [u8],
    in_order: Vec<u8>,
    seen: bool,
}

impl FlowSink for Inspect<'_> {
    fn data(&mut self, _: FlowId, dir: Direction, _: u64, bytes: &[u8]) {
        if dir == Direction::ToResponder {
            self.in_order.extend_from_slice(bytes);
            self.seen |= contains(&self.in_order, self.needle);
        }
    }

    fn ahead(&mut self, _: FlowId, dir: Direction, _: u64, bytes: &[u8]) {
        if dir == Direction::ToResponder {
            self.seen |= contains(bytes, self.needle);
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The text between `key` and the next `terminator` in `text`.
fn field<'t>(text: &'t str, key: &str, terminator: char) -> &'t str {
    let start = text.find(key).unwrap_or_else(|| panic!("{key} not found")) + key.len();
    let rest = &text[start..];
    rest[..rest.find(terminator).unwrap_or(rest.len())].trim()
}

#[test]
fn content_after_a_hole_is_inspected_by_the_expected_packet() {
    let case = corpus().join("suricata-verify/tcp-rst-unacked-stream-08-http-ips");
    let rules = std::fs::read_to_string(case.join("test.rules")).expect("rules");
    let expect = std::fs::read_to_string(case.join("test.yaml")).expect("yaml");
    let needle = field(&rules, "content:\"", '"').as_bytes().to_vec();
    let at_packet: usize = field(&expect, "pcap_cnt:", '\n').parse().expect("pcap_cnt");
    let gaps: u64 = field(&expect, "stats.tcp.reassembly_gap:", '\n')
        .parse()
        .expect("gap count");

    let (first_seen, stats) = run(&case.join("input.pcap"), &needle);
    assert_eq!(
        first_seen,
        Some(at_packet),
        "content first visible at packet {first_seen:?}"
    );
    assert_eq!(stats.tcp_stream["gaps"], gaps, "{stats:?}");
}

/// Feeds the capture packet by packet; returns the 1-based number of the
/// first packet after which the needle was visible, and the counters.
fn run(path: &Path, needle: &[u8]) -> (Option<usize>, palisade_dataplane::pipeline::PipelineStats) {
    let cap = pcap::read(path);
    let mut cfg = PipelineConfig::default();
    cfg.decode.verify_checksums = false;
    let mut p = Pipeline::new(cfg, 0, HashSeed::new(3, 4)).expect("pipeline");
    let mut sink = Inspect {
        needle,
        in_order: Vec::new(),
        seen: false,
    };
    let mut first = None;
    for (i, f) in cap.frames.iter().enumerate() {
        let now = u64::from(f.ts_sec) * 1_000_000_000 + u64::from(f.ts_frac) * 1_000;
        p.process(&f.data, LinkType::from_pcap(cap.linktype), now, &mut sink);
        if sink.seen && first.is_none() {
            first = Some(i + 1);
        }
    }
    p.finish(&mut sink);
    (first, p.stats())
}
