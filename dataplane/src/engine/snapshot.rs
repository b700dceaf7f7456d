//! The compiled ruleset: an immutable [`Snapshot`] shared by every worker.
//!
//! It holds the enabled signature rules as condition trees over numbered
//! tests, the Vectorscan databases (one per field source and transform
//! chain, block mode; plus streaming ones for bodies), the per-phase sweep
//! databases that pick which values those scan, and the short list of
//! rules evaluated without a pattern hit. [`Snapshot::compile`] (in
//! [`super::compile`]) builds it; [`super::Matcher`] reads it.

use std::fmt;

use hyperscan::{BlockDatabase, StreamingDatabase};
use palisade_rules::{Action, Cidr, Comparison, Field, Severity, Transform};

use super::confirm::Confirm;
use super::source::{Phase, Selector, Source};
use super::sweep::Sweep;

/// A compiled ruleset. `Send + Sync`: share it behind an `Arc`.
#[derive(Debug)]
pub struct Snapshot {
    pub(crate) rules: Vec<RuleEntry>,
    pub(crate) tests: Vec<TestSpec>,
    /// Block-mode databases, in source order.
    pub(crate) groups: Vec<Group>,
    /// Streaming databases of the two body sources.
    pub(crate) streams: Vec<StreamGroup>,
    /// Per phase, the rules evaluated even when none of their patterns hit.
    pub(crate) always: [Vec<u32>; 4],
    /// Per phase with databases, the sweep that picks the values to scan.
    pub(crate) sweeps: Vec<Sweep>,
    /// Per phase, the databases (as targets, see [`super::sweep::Target`])
    /// of the sources known from it, in order.
    pub(crate) phase_targets: [Vec<u32>; 4],
    /// Per phase, the targets of `phase_targets` that no sweep covers.
    pub(crate) unswept: [Vec<u32>; 4],
}

/// Sizes of a snapshot, for logs and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotStats {
    /// Enabled signature rules compiled.
    pub rules: usize,
    /// Tests over all rules.
    pub tests: usize,
    /// Tests matched through Vectorscan.
    pub patterns: usize,
    /// Of those, patterns run in prefilter mode and confirmed.
    pub prefiltered: usize,
    /// Block-mode databases.
    pub databases: usize,
    /// Streaming databases (bodies).
    pub streaming_databases: usize,
    /// Sweep databases (one per phase with databases).
    pub sweep_databases: usize,
    /// Rules evaluated on every transaction, whatever the patterns found.
    pub always_evaluated: usize,
}

/// One enabled rule.
#[derive(Debug)]
pub(crate) struct RuleEntry {
    pub(crate) id: u64,
    pub(crate) action: Action,
    pub(crate) severity: Severity,
    pub(crate) shadow: bool,
    /// The phase of the latest field the rule reads.
    pub(crate) phase: Phase,
    pub(crate) expr: Expr,
}

/// A rule's condition over test numbers.
#[derive(Debug)]
pub(crate) enum Expr {
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Not(Box<Expr>),
    Test(u32),
}

/// One test: a field, its transforms and a check.
#[derive(Debug)]
pub(crate) struct TestSpec {
    /// Index of the rule in [`Snapshot::rules`].
    pub(crate) rule: u32,
    pub(crate) field: Field,
    pub(crate) chain: Vec<Transform>,
    pub(crate) targets: Vec<(Source, Selector)>,
    pub(crate) check: Check,
}

impl TestSpec {
    /// Whether a value of `source` called `name` is one this test reads.
    pub(crate) fn selects(&self, source: Source, name: Option<&[u8]>) -> bool {
        self.targets
            .iter()
            .any(|(s, selector)| *s == source && selector.accepts(name))
    }
}

/// How a test decides on one transformed value.
#[derive(Debug)]
pub(crate) enum Check {
    /// Matched by a database; prefiltered patterns carry their confirmation.
    Pattern(Option<Confirm>),
    Compare(Comparison, i64),
    Cidr(Vec<Cidr>),
}

/// A block-mode database over one source and transform chain.
pub(crate) struct Group {
    pub(crate) source: Source,
    pub(crate) chain: Vec<Transform>,
    pub(crate) db: BlockDatabase,
    /// Test number of each pattern id.
    pub(crate) tests: Vec<u32>,
}

/// A streaming database over one body source and a stateless chain.
pub(crate) struct StreamGroup {
    pub(crate) source: Source,
    pub(crate) chain: Vec<Transform>,
    pub(crate) db: StreamingDatabase,
    pub(crate) tests: Vec<u32>,
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("source", &self.source)
            .field("chain", &self.chain)
            .field("tests", &self.tests)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for StreamGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamGroup")
            .field("source", &self.source)
            .field("chain", &self.chain)
            .field("tests", &self.tests)
            .finish_non_exhaustive()
    }
}

impl Snapshot {
    /// A snapshot with no rules: matches nothing.
    pub fn empty() -> Snapshot {
        Snapshot {
            rules: Vec::new(),
            tests: Vec::new(),
            groups: Vec::new(),
            streams: Vec::new(),
            always: Default::default(),
            sweeps: Vec::new(),
            phase_targets: Default::default(),
            unswept: Default::default(),
        }
    }

    /// How many rules were compiled (enabled signatures).
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The ids of the rules evaluated at `phase` on every transaction, since
    /// they can hold without any of their patterns matching.
    pub fn always_evaluated(&self, phase: Phase) -> impl Iterator<Item = u64> + '_ {
        let list = self
            .always
            .get(phase.index())
            .map_or(&[][..], Vec::as_slice);
        list.iter()
            .filter_map(|r| self.rules.get(*r as usize).map(|rule| rule.id))
    }

    pub fn stats(&self) -> SnapshotStats {
        let patterns = self.tests.iter().filter_map(|t| match &t.check {
            Check::Pattern(confirm) => Some(confirm.is_some()),
            _ => None,
        });
        let (count, prefiltered) =
            patterns.fold((0, 0), |(n, p), pre| (n + 1, p + usize::from(pre)));
        SnapshotStats {
            rules: self.rules.len(),
            tests: self.tests.len(),
            patterns: count,
            prefiltered,
            databases: self.groups.len(),
            streaming_databases: self.streams.len(),
            sweep_databases: self.sweeps.len(),
            always_evaluated: self.always.iter().map(Vec::len).sum(),
        }
    }

    /// The rule of test `test`.
    pub(crate) fn rule_of(&self, test: u32) -> Option<u32> {
        self.tests.get(test as usize).map(|t| t.rule)
    }
}

// The snapshot crosses threads behind an `Arc`.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Snapshot>();
};
