//! Fuzz target for the frames verdicts and guards read: any bytes as the
//! frame a verdict falls on (every verdict, inline and tap, then as a later
//! packet of the blocked flow) and as a frame through guards with every
//! limit on. Whatever is crafted must read back as a TCP segment.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::enforce::{Decision, EnforceConfig, Enforcer, Offender};
use palisade_dataplane::flow::FlowId;
use palisade_dataplane::guard::{Guard, GuardSettings};
use palisade_rules::BlockVerdict;

fuzz_target!(|data: &[u8]| {
    for inline in [true, false] {
        let mut e = Enforcer::new(EnforceConfig {
            inline,
            tap_resets: true,
            max_tarpit: 1,
            ..EnforceConfig::default()
        });
        for (i, verdict) in BlockVerdict::ALL.iter().enumerate() {
            let decision = Decision {
                rule_id: 1,
                verdict: Some(*verdict),
                respond: None,
            };
            let flow = FlowId(i as u64);
            e.block(flow, data, i % 2 == 0, Some(decision));
            e.blocked_packet(flow, data, true);
        }
        for (_, frame) in e.outbox().frames() {
            assert!(Offender::parse(frame).is_some());
        }
    }

    let mut settings = GuardSettings::default();
    settings.source.packets_per_sec = 10;
    settings.source.bytes_per_sec = 1000;
    settings.source.syns_per_sec = 1;
    settings.source.table_size = 16;
    settings.syn.global_per_sec = 1;
    settings.acl.deny = vec!["10.0.0.0/8".into()];
    let mut guard = Guard::with_secret(settings.config(true), [1, 2]);
    let mut e = Enforcer::new(EnforceConfig::default());
    for now in [0, 1, 2_000_000_000] {
        guard.check(data, now, e.outbox());
    }
    for (_, frame) in e.outbox().frames() {
        assert!(Offender::parse(frame).is_some());
    }
});
