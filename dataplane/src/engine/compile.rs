//! [`Snapshot::compile`]: from a parsed ruleset to a snapshot.
//!
//! Runs on the management core, never on a worker: Vectorscan compilation
//! takes milliseconds to seconds. Each enabled signature rule becomes a
//! condition tree over numbered tests; its phase is that of the latest field
//! it reads; it joins the per-phase "always evaluated" list when its
//! condition can hold with every pattern test false (see [`can_hold`]).
//! The databases are built by [`super::database`], the sweeps over them by
//! [`super::sweep`]. Any error refuses the
//! whole ruleset, and every error found is reported with its rule id.

use std::fmt;
use std::path::Path;

use palisade_rules::{load_files, Diagnostics};
use palisade_rules::{Condition, Operator, Pattern, Rule, RuleBody, Ruleset, Test};

use super::database;
use super::pattern::{self, Expression};
use super::snapshot::{Check, Expr, RuleEntry, Snapshot, TestSpec};
use super::source::{self, Phase};
use super::sweep;

/// Why one pattern (or one database) could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompileError {
    /// The rule holding the pattern; `None` when a whole database failed
    /// without naming a pattern (out of memory, for one).
    pub rule_id: Option<u64>,
    /// The pattern as given to Vectorscan (literals escaped and anchored).
    pub pattern: String,
    /// Vectorscan's message, or the confirming regex's.
    pub message: String,
}

/// The pattern is quoted as a short one-line excerpt: a refused pattern
/// can be thousands of bytes long or span lines, and the error is one line.
impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pattern = palisade_rules::excerpt(&self.pattern);
        let message = self.message.replace(['\n', '\r'], " ");
        match self.rule_id {
            Some(id) => write!(f, "rule {id}: pattern `{pattern}`: {message}"),
            None => write!(f, "database: {message}"),
        }
    }
}

/// Every error of a refused ruleset, in rule order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompileErrors {
    errors: Vec<CompileError>,
}

impl CompileErrors {
    pub fn iter(&self) -> std::slice::Iter<'_, CompileError> {
        self.errors.iter()
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn into_vec(self) -> Vec<CompileError> {
        self.errors
    }
}

impl fmt::Display for CompileErrors {
    /// One error per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileErrors {}

/// Why [`Snapshot::from_files`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A rule file could not be read or parsed.
    #[error("{0}")]
    Rules(Diagnostics),
    /// The rules parsed but do not compile.
    #[error("{0}")]
    Compile(CompileErrors),
}

/// A pattern test waiting for its database.
#[derive(Debug)]
pub(crate) struct PatternTest {
    pub(crate) test: u32,
    pub(crate) expr: Expression,
    /// The source pattern of a `regex`, which can be prefiltered.
    pub(crate) regex: Option<Pattern>,
}

impl Snapshot {
    /// Reads rule files (see [`palisade_rules::load_files`]) and compiles
    /// them: the one call the CLI and the benchmarks need.
    pub fn from_files(paths: &[impl AsRef<Path>]) -> Result<Snapshot, LoadError> {
        let ruleset = load_files(paths).map_err(LoadError::Rules)?;
        Snapshot::compile(&ruleset).map_err(LoadError::Compile)
    }

    /// Compiles the enabled signature rules of `ruleset`. Slow: call it off
    /// the worker cores and hand the result to the workers in an `Arc`.
    pub fn compile(ruleset: &Ruleset) -> Result<Snapshot, CompileErrors> {
        let mut plan = Plan::default();
        for rule in ruleset.enabled() {
            plan.rule(rule);
        }
        let mut errors = Vec::new();
        let built = database::build(&mut plan.tests, &plan.patterns, &plan.rules, &mut errors);
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.rule_id);
            return Err(CompileErrors { errors });
        }
        let always = plan.always_lists();
        let targets = sweep::targets(&built.groups, &built.streams);
        let sweeps = sweep::build(&targets, &plan.tests, &plan.patterns);
        let mut phase_targets: [Vec<u32>; 4] = Default::default();
        for (t, target) in targets.iter().enumerate() {
            let list = phase_targets.get_mut(target.source.phase().index());
            list.into_iter()
                .for_each(|l| l.extend(u32::try_from(t).ok()));
        }
        drop(targets);
        let covered = |t: &u32| sweeps.iter().any(|s| s.targets.contains(t));
        let unswept = phase_targets
            .clone()
            .map(|list| list.into_iter().filter(|t| !covered(t)).collect());
        Ok(Snapshot {
            rules: plan.rules,
            tests: plan.tests,
            groups: built.groups,
            streams: built.streams,
            always,
            sweeps,
            phase_targets,
            unswept,
        })
    }
}

/// Rules and tests numbered as they are read.
#[derive(Debug, Default)]
struct Plan {
    rules: Vec<RuleEntry>,
    tests: Vec<TestSpec>,
    patterns: Vec<PatternTest>,
    /// Per rule, whether it can hold without a pattern hit.
    always: Vec<bool>,
}

impl Plan {
    fn rule(&mut self, rule: &Rule) {
        let condition = match &rule.body {
            RuleBody::Signature(signature) => &signature.condition,
            // Carried out by the rate limiter and the bot guard.
            RuleBody::RateLimit(_) | RuleBody::Bot(_) => return,
        };
        let index = u32::try_from(self.rules.len()).unwrap_or(u32::MAX);
        let first_test = self.tests.len();
        let expr = self.condition(condition, index);

        let phase = self
            .tests
            .get(first_test..)
            .unwrap_or_default()
            .iter()
            .flat_map(|t| t.targets.iter().map(|(s, _)| s.phase()))
            .max()
            .unwrap_or(Phase::RequestHeaders);
        self.always.push(can_hold(&expr, &self.tests) != Tri::False);
        self.rules.push(RuleEntry {
            id: rule.id,
            action: rule.action.clone(),
            severity: rule.severity,
            shadow: !rule.is_enforced(),
            phase,
            expr,
        });
    }

    fn condition(&mut self, condition: &Condition, rule: u32) -> Expr {
        match condition {
            Condition::All(members) => Expr::All(self.members(members, rule)),
            Condition::Any(members) => Expr::Any(self.members(members, rule)),
            Condition::Not(inner) => Expr::Not(Box::new(self.condition(inner, rule))),
            Condition::Test(test) => Expr::Test(self.test(test, rule)),
        }
    }

    fn members(&mut self, members: &[Condition], rule: u32) -> Vec<Expr> {
        members.iter().map(|m| self.condition(m, rule)).collect()
    }

    fn test(&mut self, test: &Test, rule: u32) -> u32 {
        let number = u32::try_from(self.tests.len()).unwrap_or(u32::MAX);
        let check = match &test.operator {
            Operator::Compare { op, value } => Check::Compare(*op, *value),
            Operator::Cidr(networks) => Check::Cidr(networks.clone()),
            _ => Check::Pattern(None),
        };
        if let Some(expr) = pattern::expression(&test.operator) {
            let regex = match &test.operator {
                Operator::Regex(p) => Some(p.clone()),
                _ => None,
            };
            self.patterns.push(PatternTest {
                test: number,
                expr,
                regex,
            });
        }
        self.tests.push(TestSpec {
            rule,
            field: test.field.clone(),
            chain: test.transforms.clone(),
            targets: source::targets(&test.field),
            check,
        });
        number
    }

    fn always_lists(&self) -> [Vec<u32>; 4] {
        let mut lists: [Vec<u32>; 4] = Default::default();
        let flagged = self.rules.iter().zip(&self.always).enumerate();
        for (index, (rule, _)) in flagged.filter(|(_, (_, always))| **always) {
            if let Some(list) = lists.get_mut(rule.phase.index()) {
                list.push(u32::try_from(index).unwrap_or(u32::MAX));
            }
        }
        lists
    }
}

/// Three-valued truth: what a condition is when every pattern test is
/// false and every other test is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tri {
    False,
    Unknown,
    True,
}

/// Whether a rule can hold when none of its patterns matched. A rule for
/// which this is `False` needs a pattern hit, so it is evaluated only then.
fn can_hold(expr: &Expr, tests: &[TestSpec]) -> Tri {
    match expr {
        Expr::Test(t) => match tests.get(*t as usize).map(|t| &t.check) {
            Some(Check::Pattern(_)) => Tri::False,
            _ => Tri::Unknown,
        },
        Expr::Not(inner) => match can_hold(inner, tests) {
            Tri::False => Tri::True,
            Tri::True => Tri::False,
            Tri::Unknown => Tri::Unknown,
        },
        Expr::All(members) => members
            .iter()
            .map(|m| can_hold(m, tests))
            .min_by_key(|t| *t as u8)
            .unwrap_or(Tri::True),
        Expr::Any(members) => members
            .iter()
            .map(|m| can_hold(m, tests))
            .max_by_key(|t| *t as u8)
            .unwrap_or(Tri::False),
    }
}
