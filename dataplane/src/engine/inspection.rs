//! [`Inspection`]: what the engine knows about one transaction between
//! phases.
//!
//! It remembers which phases ran, which pattern tests matched (with their
//! evidence), which numeric and network tests were decided, which rules are
//! candidates because one of their patterns hit, and which body databases
//! were fed by a [`super::BodyStream`]. It holds the snapshot the
//! transaction started with, so a ruleset swap never splits a transaction.

use std::sync::Arc;

use super::confirm::Checked;
use super::hit::{excerpt, Evidence};
use super::matcher::MatcherStats;
use super::snapshot::{Check, Snapshot};
use super::source::{Phase, Source};

/// Per-transaction inspection state; start one with
/// [`super::Matcher::start`] and pass it to every call for the transaction.
#[derive(Debug)]
pub struct Inspection {
    pub(crate) snapshot: Arc<Snapshot>,
    /// Index of the next phase to run; 4 once all ran.
    pub(crate) next_phase: usize,
    /// Pattern tests that matched.
    pub(crate) matched: Bits,
    /// Numeric and network tests evaluated, and those that held.
    pub(crate) decided: Bits,
    pub(crate) held: Bits,
    pub(crate) evidence: Vec<(u32, Evidence)>,
    /// Rules with a matched pattern, waiting for their phase.
    pub(crate) candidates: Vec<u32>,
    candidate_bits: Bits,
    /// Rules that fired: each fires once, at its phase or earlier.
    pub(crate) fired: Bits,
    /// Streaming databases fed with the whole body.
    pub(crate) streamed: Bits,
}

impl Inspection {
    pub(crate) fn new(snapshot: Arc<Snapshot>) -> Inspection {
        let tests = snapshot.tests.len();
        Inspection {
            next_phase: 0,
            matched: Bits::new(tests),
            decided: Bits::new(tests),
            held: Bits::new(tests),
            evidence: Vec::new(),
            candidates: Vec::new(),
            candidate_bits: Bits::new(snapshot.rules.len()),
            fired: Bits::new(snapshot.rules.len()),
            streamed: Bits::new(snapshot.streams.len()),
            snapshot,
        }
    }

    /// The snapshot this transaction is inspected with.
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        &self.snapshot
    }

    /// The last phase inspected, if any.
    pub fn last_phase(&self) -> Option<Phase> {
        self.next_phase
            .checked_sub(1)
            .and_then(|i| Phase::ALL.get(i).copied())
    }

    /// Records a database match of `test` on a value of `source` called
    /// `name`, ending at `end` in the transformed `value`; checks the test's
    /// selector and, for a prefiltered pattern, confirms it first.
    pub(crate) fn record(
        &mut self,
        stats: &mut MatcherStats,
        test: u32,
        at: (Source, Option<&[u8]>),
        value: &[u8],
        end: u64,
    ) {
        let (source, name) = at;
        let snapshot = Arc::clone(&self.snapshot);
        let Some(spec) = snapshot.tests.get(test as usize) else {
            return;
        };
        if self.matched.get(test as usize) || !spec.selects(source, name) {
            return;
        }
        let end = match &spec.check {
            Check::Pattern(Some(confirm)) => match confirm.check(value) {
                Checked::Match(end) => {
                    stats.prefilter_confirmed += 1;
                    end
                }
                Checked::NoMatch => {
                    stats.prefilter_rejected += 1;
                    return;
                }
                Checked::GaveUp => {
                    stats.confirm_gave_up += 1;
                    return;
                }
            },
            _ => usize::try_from(end).unwrap_or(usize::MAX),
        };
        let name = name.map(|n| match source {
            Source::RequestHeaders | Source::ResponseHeaders => n.to_ascii_lowercase(),
            _ => n.to_vec(),
        });
        let evidence = Evidence {
            field: spec.field.clone(),
            name,
            excerpt: excerpt(value, end),
        };
        self.matched_with(test, evidence);
    }

    /// Marks `test` matched with `evidence` and makes its rule a candidate.
    pub(crate) fn matched_with(&mut self, test: u32, evidence: Evidence) {
        if self.matched.get(test as usize) {
            return;
        }
        self.matched.set(test as usize);
        self.evidence.push((test, evidence));
        let Some(rule) = self.snapshot.rule_of(test) else {
            return;
        };
        if !self.candidate_bits.get(rule as usize) {
            self.candidate_bits.set(rule as usize);
            self.candidates.push(rule);
        }
    }

    pub(crate) fn evidence_of(&self, test: u32) -> Option<&Evidence> {
        self.evidence
            .iter()
            .find(|(t, _)| *t == test)
            .map(|(_, evidence)| evidence)
    }
}

/// Words of a [`Bits`] kept inline: sets of up to 512 numbers (a ruleset's
/// tests and rules, usually: the default set has about 430 tests) cost no
/// allocation per transaction.
const INLINE_WORDS: usize = 8;

/// A fixed-size set of small numbers.
#[derive(Clone, Debug)]
pub(crate) enum Bits {
    Inline([u64; INLINE_WORDS]),
    Heap(Vec<u64>),
}

impl Default for Bits {
    fn default() -> Bits {
        Bits::Inline([0; INLINE_WORDS])
    }
}

impl Bits {
    pub(crate) fn new(len: usize) -> Bits {
        let words = len.div_ceil(64);
        if words <= INLINE_WORDS {
            return Bits::default();
        }
        Bits::Heap(vec![0; words])
    }

    fn words(&self) -> &[u64] {
        match self {
            Bits::Inline(words) => words,
            Bits::Heap(words) => words,
        }
    }

    pub(crate) fn get(&self, at: usize) -> bool {
        let word = self.words().get(at / 64).copied().unwrap_or(0);
        word >> (at % 64) & 1 == 1
    }

    /// Sets bit `at`; out-of-range bits are ignored.
    pub(crate) fn set(&mut self, at: usize) {
        let words = match self {
            Bits::Inline(words) => &mut words[..],
            Bits::Heap(words) => &mut words[..],
        };
        if let Some(word) = words.get_mut(at / 64) {
            *word |= 1 << (at % 64);
        }
    }
}
