//! Vectorscan databases of a snapshot: which pattern goes where, in which
//! mode, and the compilation itself.
//!
//! Each pattern is first checked on its own (`hs_expression_info`). One
//! that Vectorscan refuses exactly but accepts in prefilter mode gets a
//! confirming regex; one refused both ways is an error. Patterns are then
//! grouped by (source, transform chain): body tests whose chain is stateless
//! and whose pattern is exact go to a streaming database, the rest to a
//! block-mode one. Should a group still fail to compile, the pattern it
//! names is moved to prefilter mode (block mode only) or reported, and the
//! group is compiled again without it.

use hyperscan::{BlockMode, Builder, Database, Error as ScanError, HsError, Mode};
use hyperscan::{Pattern as HsPattern, PatternFlags as HsFlags, Patterns, StreamingMode};
use palisade_rules::Transform;

use super::compile::{CompileError, PatternTest};
use super::confirm::{one_line, Confirm};
use super::snapshot::{Check, Group, RuleEntry, StreamGroup, TestSpec};
use super::source::Source;
use super::transform::is_stateless;

/// The databases of a snapshot.
#[derive(Debug, Default)]
pub(crate) struct Built {
    pub(crate) groups: Vec<Group>,
    pub(crate) streams: Vec<StreamGroup>,
}

/// The members of one future database.
#[derive(Debug)]
struct Members {
    source: Source,
    chain: Vec<Transform>,
    streaming: bool,
    /// Indexes into the pattern list.
    patterns: Vec<usize>,
}

/// Decides each pattern's mode, groups the patterns and compiles the groups.
pub(crate) fn build(
    tests: &mut [TestSpec],
    patterns: &[PatternTest],
    rules: &[RuleEntry],
    errors: &mut Vec<CompileError>,
) -> Built {
    let mut ctx = Ctx {
        tests,
        patterns,
        rules,
        errors,
    };
    let usable: Vec<usize> = (0..patterns.len())
        .filter(|p| ctx.choose_mode(*p))
        .collect();

    let mut built = Built::default();
    for mut members in ctx.group(&usable) {
        let (source, chain) = (members.source, members.chain.clone());
        if members.streaming {
            if let Some(db) = ctx.compile::<StreamingMode>(&mut members.patterns, false) {
                let tests = ctx.test_numbers(&members.patterns);
                built.streams.push(StreamGroup {
                    source,
                    chain,
                    db,
                    tests,
                });
            }
        } else if let Some(db) = ctx.compile::<BlockMode>(&mut members.patterns, true) {
            let tests = ctx.test_numbers(&members.patterns);
            built.groups.push(Group {
                source,
                chain,
                db,
                tests,
            });
        }
    }
    built
}

struct Ctx<'a> {
    tests: &'a mut [TestSpec],
    patterns: &'a [PatternTest],
    rules: &'a [RuleEntry],
    errors: &'a mut Vec<CompileError>,
}

impl Ctx<'_> {
    /// Checks pattern `p` alone; false when it cannot be used at all.
    fn choose_mode(&mut self, p: usize) -> bool {
        let Some(pattern) = self.patterns.get(p) else {
            return false;
        };
        match check(pattern, pattern.expr.flags) {
            Ok(()) => true,
            Err(why) => self.prefilter_or_report(p, &why),
        }
    }

    /// Moves pattern `p` to prefilter mode, or reports it with `why` it
    /// could not run exactly.
    fn prefilter_or_report(&mut self, p: usize, why: &str) -> bool {
        let Some(pattern) = self.patterns.get(p) else {
            return false;
        };
        match prefilter(pattern, why) {
            Ok(confirm) => {
                if let Some(test) = self.tests.get_mut(pattern.test as usize) {
                    test.check = Check::Pattern(Some(confirm));
                }
                true
            }
            Err(message) => {
                self.report(p, message);
                false
            }
        }
    }

    fn is_prefiltered(&self, p: usize) -> bool {
        let test = self.patterns.get(p).map(|pattern| pattern.test as usize);
        let check = test.and_then(|t| self.tests.get(t)).map(|t| &t.check);
        matches!(check, Some(Check::Pattern(Some(_))))
    }

    /// Groups the usable patterns by (source, chain, streaming).
    fn group(&self, usable: &[usize]) -> Vec<Members> {
        let mut groups: Vec<Members> = Vec::new();
        for &p in usable {
            let Some(test) = self
                .patterns
                .get(p)
                .and_then(|pt| self.tests.get(pt.test as usize))
            else {
                continue;
            };
            let mut sources: Vec<Source> = test.targets.iter().map(|(s, _)| *s).collect();
            sources.dedup();
            for source in sources {
                let stateless = test.chain.iter().all(|t| is_stateless(*t));
                let streaming = source.is_body() && stateless && !self.is_prefiltered(p);
                let same = |m: &&mut Members| {
                    m.source == source && m.chain == test.chain && m.streaming == streaming
                };
                match groups.iter_mut().find(same) {
                    Some(members) => members.patterns.push(p),
                    None => groups.push(Members {
                        source,
                        chain: test.chain.clone(),
                        streaming,
                        patterns: vec![p],
                    }),
                }
            }
        }
        groups
    }

    /// Compiles a group, dropping (and reporting) or prefiltering each
    /// pattern Vectorscan names in an error until it compiles.
    fn compile<T: Mode>(
        &mut self,
        members: &mut Vec<usize>,
        may_prefilter: bool,
    ) -> Option<Database<T>> {
        for _ in 0..=members.len() {
            if members.is_empty() {
                return None;
            }
            let (at, why) = match self.try_compile::<T>(members) {
                Ok(db) => return Some(db),
                Err(failure) => failure,
            };
            let Some(p) = at.and_then(|i| members.get(i).copied()) else {
                self.errors.push(CompileError {
                    rule_id: None,
                    pattern: String::new(),
                    message: why,
                });
                return None;
            };
            if may_prefilter && !self.is_prefiltered(p) {
                if self.prefilter_or_report(p, &why) {
                    continue;
                }
            } else {
                self.report(p, why);
            }
            members.retain(|m| *m != p);
        }
        None
    }

    /// One compilation; on failure, the failing member's position if known.
    fn try_compile<T: Mode>(
        &self,
        members: &[usize],
    ) -> Result<Database<T>, (Option<usize>, String)> {
        let mut list = Vec::with_capacity(members.len());
        for (id, p) in members.iter().enumerate() {
            let Some(pattern) = self.patterns.get(*p) else {
                continue;
            };
            let mut flags = pattern.expr.flags;
            flags.set(HsFlags::PREFILTER, self.is_prefiltered(*p));
            let mut hs = HsPattern::with_flags(pattern.expr.text.clone(), flags)
                .map_err(|e| (Some(id), message(&e)))?;
            hs.id = Some(id);
            list.push(hs);
        }
        let patterns: Patterns = list.into_iter().collect();
        patterns
            .build::<T>()
            .map_err(|e| (expression_index(&e), message(&e)))
    }

    fn test_numbers(&self, members: &[usize]) -> Vec<u32> {
        let pattern = |p: &usize| self.patterns.get(*p).map(|pt| pt.test);
        members.iter().filter_map(pattern).collect()
    }

    /// Records an error for pattern `p`, naming its rule.
    fn report(&mut self, p: usize, message: String) {
        let Some(pattern) = self.patterns.get(p) else {
            return;
        };
        let rule = self.tests.get(pattern.test as usize).map(|t| t.rule);
        let rule_id = rule.and_then(|r| self.rules.get(r as usize)).map(|r| r.id);
        self.errors.push(CompileError {
            rule_id,
            pattern: pattern.expr.text.clone(),
            message,
        });
    }
}

/// Whether Vectorscan accepts the pattern under `flags`, or why not.
fn check(pattern: &PatternTest, flags: HsFlags) -> Result<(), String> {
    HsPattern::with_flags(pattern.expr.text.clone(), flags)
        .and_then(|hs| hs.info().map(drop))
        .map_err(|e| message(&e))
}

/// The confirmation of a pattern that runs in prefilter mode, or why it
/// cannot run at all (`why` it could not run exactly comes first).
fn prefilter(pattern: &PatternTest, why: &str) -> Result<Confirm, String> {
    let Some(regex) = &pattern.regex else {
        return Err(why.to_string());
    };
    check(pattern, pattern.expr.flags | HsFlags::PREFILTER).map_err(|_| why.to_string())?;
    Confirm::new(&regex.source, regex.flags)
        .map_err(|e| format!("{why} (and the confirming regex does not compile: {e})"))
}

fn expression_index(error: &ScanError) -> Option<usize> {
    match error {
        ScanError::Hyperscan(HsError::CompileError(e)) => e.expression(),
        _ => None,
    }
}

fn message(error: &ScanError) -> String {
    match error {
        ScanError::Hyperscan(HsError::CompileError(e)) => one_line(e.message()),
        other => one_line(&other.to_string()),
    }
}
