//! Verdict counters: per verdict, per rule, and the reasons a verdict was
//! carried out otherwise than asked.

use std::collections::{BTreeMap, HashMap};

use palisade_rules::BlockVerdict;
use serde::Serialize;

/// Verdicts by [`BlockVerdict`] in the order of [`BlockVerdict::ALL`].
type ByVerdict = [u64; 4];

fn index(v: BlockVerdict) -> usize {
    match v {
        BlockVerdict::Drop => 0,
        BlockVerdict::Reset => 1,
        BlockVerdict::Respond => 2,
        BlockVerdict::Tarpit => 3,
    }
}

/// One worker's verdict counters.
#[derive(Debug, Clone)]
pub struct EnforceCounters {
    /// Flows blocked, by the verdict carried out.
    pub verdicts: ByVerdict,
    /// The same per rule (bounded; rules past the bound and blocks without
    /// a rule count under rule 0).
    pub rules: HashMap<u64, ByVerdict>,
    max_rules: usize,
    /// Reset or respond verdicts on frames crafting does not handle (only
    /// dropped).
    pub not_crafted: u64,
    /// `respond` on a server's packet, carried out as a reset.
    pub respond_to_reset: u64,
    /// `tarpit` with the tarpit full, carried out as a reset.
    pub tarpit_full: u64,
    /// Resets to an answered client's FIN or data.
    pub closing_resets: u64,
    /// Zero-window acknowledgments to a tarpitted client.
    pub tarpit_acks: u64,
}

impl EnforceCounters {
    pub fn new(max_rules: usize) -> Self {
        EnforceCounters {
            verdicts: [0; 4],
            rules: HashMap::new(),
            max_rules,
            not_crafted: 0,
            respond_to_reset: 0,
            tarpit_full: 0,
            closing_resets: 0,
            tarpit_acks: 0,
        }
    }

    pub fn count(&mut self, v: BlockVerdict, rule: Option<u64>) {
        self.verdicts[index(v)] += 1;
        let mut rule = rule.unwrap_or(0);
        if !self.rules.contains_key(&rule) && self.rules.len() >= self.max_rules {
            rule = 0;
        }
        self.rules.entry(rule).or_default()[index(v)] += 1;
    }
}

/// The verdict counters by name, for the report.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct EnforceStats {
    /// Flows blocked by verdict, and the reasons (`not_crafted`,
    /// `respond_to_reset`, `tarpit_full`, `closing_resets`, `tarpit_acks`,
    /// `outbox_lost`); `tarpits_open` now.
    pub verdicts: BTreeMap<&'static str, u64>,
    /// Per rule id: flows blocked by verdict (only verdicts seen).
    pub rules: BTreeMap<u64, BTreeMap<&'static str, u64>>,
}

impl EnforceStats {
    pub fn new(c: &EnforceCounters, outbox_lost: u64, tarpits: usize) -> Self {
        let mut verdicts: BTreeMap<&'static str, u64> = BlockVerdict::ALL
            .iter()
            .map(|v| (v.name(), c.verdicts[index(*v)]))
            .collect();
        verdicts.extend([
            ("not_crafted", c.not_crafted),
            ("respond_to_reset", c.respond_to_reset),
            ("tarpit_full", c.tarpit_full),
            ("closing_resets", c.closing_resets),
            ("tarpit_acks", c.tarpit_acks),
            ("outbox_lost", outbox_lost),
            ("tarpits_open", tarpits as u64),
        ]);
        let rules = c
            .rules
            .iter()
            .map(|(id, by)| {
                let named = BlockVerdict::ALL
                    .iter()
                    .map(|v| (v.name(), by[index(*v)]))
                    .filter(|(_, n)| *n > 0)
                    .collect();
                (*id, named)
            })
            .collect();
        EnforceStats { verdicts, rules }
    }

    /// Adds `other` (another worker) into `self`.
    pub fn add(&mut self, other: &EnforceStats) {
        for (k, v) in &other.verdicts {
            *self.verdicts.entry(k).or_default() += v;
        }
        for (id, by) in &other.rules {
            let mine = self.rules.entry(*id).or_default();
            for (k, v) in by {
                *mine.entry(k).or_default() += v;
            }
        }
    }
}
