//! Carrying out block verdicts: `drop`, `reset`, `respond` and `tarpit`.
//!
//! Input: the flow a verdict blocked, the frame it fell on, which end sent
//! that frame, and the [`Decision`] inspection recorded (the rule and what
//! it asks for). Output: crafted frames in the [`Outbox`], each marked with
//! the way it goes ([`Toward`]); the worker copies them into mbufs and sends
//! them out of the right port after the burst. Later packets of a blocked
//! flow come here too, so an answered connection closes cleanly and a
//! tarpitted one stays held. Counters are per verdict and per rule.
//!
//! In tap mode nothing is dropped; a block sends resets to both ends (out
//! of the configured reset port) when `tap_resets` is set, and is counted
//! as the verdict it would have been.
//!
//! State: a bounded map of answered and tarpitted flows (for their later
//! packets); drop and reset keep none beyond the pipeline's blocked mark.

mod config;
pub mod craft;
mod respond;
mod stats;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use palisade_rules::{BlockVerdict, Respond};

pub use config::{EnforceConfig, EnforceSettings};
pub use craft::{Offender, Toward};
pub use respond::response;
pub use stats::{EnforceCounters, EnforceStats};

use crate::engine::Hit;
use crate::flow::FlowId;
use crate::inspect::FlowIdHasher;
use craft::{flags, TcpOut};

/// What a blocking rule asked for, as inspection recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub rule_id: u64,
    /// `None`: the configured default.
    pub verdict: Option<BlockVerdict>,
    pub respond: Option<Respond>,
}

impl Decision {
    /// The decision of an enforced blocking hit; `None` for other hits.
    pub fn of(hit: &Hit) -> Option<Decision> {
        match &hit.action {
            palisade_rules::Action::Block(b) if hit.is_enforced() => Some(Decision {
                rule_id: hit.rule_id,
                verdict: b.verdict,
                respond: b.respond,
            }),
            _ => None,
        }
    }
}

/// A connection's block mark as inspection keeps it: the first blocking
/// rule's decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Blocked(Option<Decision>);

impl Blocked {
    /// Records `hit` when it blocks and nothing blocked before.
    pub fn record(&mut self, hit: &Hit) {
        if self.0.is_none() {
            self.0 = Decision::of(hit);
        }
    }

    /// Records a rate limit's or the bot guard's block (rule or signal
    /// `rule_id`) when nothing blocked before: the HTTP answer it asks for
    /// (a 429 with `Retry-After`, a 403) is carried out as `respond`, a
    /// block without one as the rule's verdict or the configured default.
    pub fn record_guard(&mut self, rule_id: u64, decision: &crate::limit::Decision) {
        if self.0.is_some() || !decision.blocks() {
            return;
        }
        let verdict = match &decision.action {
            palisade_rules::Action::Block(b) => b.verdict,
            _ => None,
        };
        let respond = decision.answer.map(|a| Respond {
            status: a.status,
            retry_after: a
                .retry_after_secs
                .map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
        });
        let verdict = match (verdict, respond) {
            (None, Some(_)) => Some(BlockVerdict::Respond),
            (verdict, _) => verdict,
        };
        self.0 = Some(Decision {
            rule_id,
            verdict,
            respond,
        });
    }

    pub fn is_blocked(&self) -> bool {
        self.0.is_some()
    }

    pub fn decision(&self) -> Option<Decision> {
        self.0
    }
}

/// Most crafted frames waiting for the worker; more are counted and lost.
pub const OUTBOX_MAX: usize = 256;

/// Crafted frames waiting to be sent, their buffers reused.
#[derive(Debug, Default)]
pub struct Outbox {
    frames: Vec<(Toward, Vec<u8>)>,
    used: usize,
    lost: u64,
}

impl Outbox {
    /// A cleared buffer for one more frame, or `None` when full.
    fn slot(&mut self, toward: Toward) -> Option<&mut Vec<u8>> {
        if self.used >= OUTBOX_MAX {
            self.lost += 1;
            return None;
        }
        if self.used == self.frames.len() {
            self.frames.push((toward, Vec::with_capacity(128)));
        }
        let slot = self.frames.get_mut(self.used)?;
        self.used += 1;
        slot.0 = toward;
        slot.1.clear();
        Some(&mut slot.1)
    }

    /// Gives back the last slot taken (nothing was written to it).
    fn unslot(&mut self) {
        self.used = self.used.saturating_sub(1);
    }

    /// Crafts one frame into the outbox; true when it was queued.
    pub fn push(&mut self, o: &Offender<'_>, toward: Toward, tcp: &TcpOut, payload: &[u8]) -> bool {
        let Some(buf) = self.slot(toward) else {
            return false;
        };
        if craft::emit(o, toward, tcp, payload, buf) {
            return true;
        }
        self.unslot();
        false
    }

    /// The frames queued since the last [`Outbox::clear`].
    pub fn frames(&self) -> impl Iterator<Item = (Toward, &[u8])> {
        self.frames
            .iter()
            .take(self.used)
            .map(|(t, f)| (*t, f.as_slice()))
    }

    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    pub fn clear(&mut self) {
        self.used = 0;
    }

    /// Frames lost to a full outbox so far.
    pub fn lost(&self) -> u64 {
        self.lost
    }
}

/// What later packets of a blocked flow get.
#[derive(Debug, Clone, Copy)]
enum Held {
    /// Answered: the client's FIN or data gets a reset.
    Answered,
    /// Tarpitted: the client's packets get a zero-window acknowledgment of
    /// everything up to `ack`.
    Tarpit { ack: u32 },
}

/// One worker's verdict executor.
#[derive(Debug)]
pub struct Enforcer {
    cfg: EnforceConfig,
    outbox: Outbox,
    held: HashMap<FlowId, Held, BuildHasherDefault<FlowIdHasher>>,
    tarpits: usize,
    counters: EnforceCounters,
    response: Vec<u8>,
}

impl Enforcer {
    pub fn new(cfg: EnforceConfig) -> Self {
        Enforcer {
            counters: EnforceCounters::new(cfg.max_rules_counted),
            cfg,
            outbox: Outbox::default(),
            held: HashMap::default(),
            tarpits: 0,
            response: Vec::new(),
        }
    }

    /// The crafted frames to send.
    pub fn outbox(&mut self) -> &mut Outbox {
        &mut self.outbox
    }

    /// The verdict `decision` stands for under this configuration.
    pub fn resolve(&self, decision: Option<&Decision>) -> BlockVerdict {
        decision.and_then(|d| d.verdict).unwrap_or(self.cfg.verdict)
    }

    /// The verdict name of a blocking hit, and whether verdicts are carried
    /// out here (inline) or only reported (tap).
    pub fn verdict_of(&self, hit: &Hit) -> Option<(&'static str, bool)> {
        let decision = Decision::of(hit)?;
        Some((self.resolve(Some(&decision)).name(), self.cfg.inline))
    }

    /// `flow` has just been blocked on `frame`, sent by the client when
    /// `from_client`; carries out the verdict `decision` asks for.
    pub fn block(
        &mut self,
        flow: FlowId,
        frame: &[u8],
        from_client: bool,
        decision: Option<Decision>,
    ) {
        let mut verdict = self.resolve(decision.as_ref());
        let rule = decision.map(|d| d.rule_id);
        if !self.cfg.craft {
            self.counters.count(verdict, rule);
            return;
        }
        let Some(o) = Offender::parse(frame) else {
            self.counters.count(verdict, rule);
            if verdict != BlockVerdict::Drop {
                self.counters.not_crafted += 1;
            }
            return;
        };
        if !self.cfg.inline {
            self.counters.count(verdict, rule);
            if self.cfg.tap_resets {
                self.reset_both(&o);
            }
            return;
        }
        if verdict == BlockVerdict::Respond && !from_client {
            // An answer cannot replace a response already under way.
            self.counters.respond_to_reset += 1;
            verdict = BlockVerdict::Reset;
        }
        if verdict == BlockVerdict::Tarpit && (!from_client || self.tarpits >= self.cfg.max_tarpit)
        {
            self.counters.tarpit_full += u64::from(from_client);
            verdict = BlockVerdict::Reset;
        }
        self.counters.count(verdict, rule);
        match verdict {
            BlockVerdict::Drop => {}
            BlockVerdict::Reset => self.reset_both(&o),
            BlockVerdict::Respond => self.respond(flow, &o, decision),
            BlockVerdict::Tarpit => self.tarpit(flow, &o),
        }
    }

    /// True when `flow` is held in the tarpit (it must live on to keep
    /// answering the client's probes).
    pub fn tarpitted(&self, flow: FlowId) -> bool {
        matches!(self.held.get(&flow), Some(Held::Tarpit { .. }))
    }

    /// A later packet of a blocked flow (dropped by the pipeline).
    pub fn blocked_packet(&mut self, flow: FlowId, frame: &[u8], from_client: bool) {
        if !from_client || self.held.is_empty() {
            return;
        }
        let Some(held) = self.held.get(&flow).copied() else {
            return;
        };
        let Some(o) = Offender::parse(frame) else {
            return;
        };
        if o.flags & flags::RST != 0 {
            return;
        }
        let carries = o.payload_len > 0 || o.flags & (flags::FIN | flags::SYN) != 0;
        match held {
            Held::Answered if carries => {
                self.counters.closing_resets += 1;
                self.outbox
                    .push(&o, Toward::Sender, &craft::reset_to_sender(&o), &[]);
            }
            Held::Tarpit { ack } if carries => {
                self.counters.tarpit_acks += 1;
                let tcp = craft::ack_to_sender(&o, ack, 0, 0);
                self.outbox.push(&o, Toward::Sender, &tcp, &[]);
            }
            _ => {}
        }
    }

    /// `flow` ended: forget what was held for it.
    pub fn closed(&mut self, flow: FlowId) {
        if self.held.is_empty() {
            return;
        }
        if let Some(Held::Tarpit { .. }) = self.held.remove(&flow) {
            self.tarpits = self.tarpits.saturating_sub(1);
        }
    }

    /// Flows held in a tarpit now.
    pub fn tarpits(&self) -> usize {
        self.tarpits
    }

    fn reset_both(&mut self, o: &Offender<'_>) {
        self.outbox
            .push(o, Toward::Receiver, &craft::reset_to_receiver(o), &[]);
        self.outbox
            .push(o, Toward::Sender, &craft::reset_to_sender(o), &[]);
    }

    /// The answer to the client (the offender's sender) as if from the
    /// server, acknowledging the request and closing, then a reset to the
    /// server.
    fn respond(&mut self, flow: FlowId, o: &Offender<'_>, decision: Option<Decision>) {
        let respond = decision.and_then(|d| d.respond);
        let status = respond.map_or(self.cfg.status, |r| r.status);
        let retry_after = respond
            .and_then(|r| r.retry_after)
            .or((status == 429).then_some(self.cfg.retry_after));
        let rule = decision.map_or(0, |d| d.rule_id);
        response(status, retry_after, rule, &mut self.response);
        let tcp = TcpOut {
            flags: flags::ACK | flags::PSH | flags::FIN,
            ..craft::ack_to_sender(o, o.seq_end(), 65_535, 0)
        };
        self.outbox.push(o, Toward::Sender, &tcp, &self.response);
        self.outbox
            .push(o, Toward::Receiver, &craft::reset_to_receiver(o), &[]);
        if self.held.len() < self.cfg.max_responded {
            self.held.insert(flow, Held::Answered);
        }
    }

    /// A zero-window acknowledgment of the request to the client, which
    /// then waits for an answer that never comes; a reset frees the server.
    fn tarpit(&mut self, flow: FlowId, o: &Offender<'_>) {
        let ack = o.seq_end();
        self.outbox
            .push(o, Toward::Sender, &craft::ack_to_sender(o, ack, 0, 0), &[]);
        self.outbox
            .push(o, Toward::Receiver, &craft::reset_to_receiver(o), &[]);
        self.held.insert(flow, Held::Tarpit { ack });
        self.tarpits += 1;
    }

    /// A copy of the counters, for export.
    pub fn stats(&self) -> EnforceStats {
        EnforceStats::new(&self.counters, self.outbox.lost(), self.tarpits)
    }
}
