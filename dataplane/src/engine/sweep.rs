//! Sweep databases: run over all of a phase's values at once to find the
//! few values worth scanning one by one.
//!
//! Scanning each value with each database of its source costs a Vectorscan
//! call per (value, database), and a JSON body holds a hundred values.
//! Instead, the values of a phase are joined, a separator byte between
//! them, after each transform chain (see [`super::batch`]), and scanned by
//! a sweep database holding the patterns of those databases, rewritten so
//! that a value matching a pattern on its own always matches inside the
//! joined text: start and end anchors (`\A`, `^`, `\z`, `\Z`, `$`) are
//! dropped, which can only widen a pattern. The separator is not a word
//! byte, so `\b` and `\B` hold at a value's edges as they do alone; it is
//! the candidate byte the sweep reports least on. Reports go on without
//! single-match mode, so each value a pattern hits is seen. The joined text
//! can only add reports (a match across two values, an anchor no longer
//! checked), never lose one; each value reported is then scanned alone by
//! its exact database (see [`super::scan`]), which decides.
//!
//! Databases share a sweep by [`Kind`]: same phase, bodies or not, same
//! chain once leading decoding steps are set aside.
//!
//! A pattern that cannot be rewritten safely (`\Q` quoting) or checked by
//! Vectorscan leaves its database out of the sweeps: that database scans
//! every value, as before. So do all the databases of a sweep that does
//! not compile.

use std::collections::HashMap;

use hyperscan::{BlockDatabase, BlockMode, Pattern as HsPattern, PatternFlags as HsFlags};
use hyperscan::{Builder, Patterns};
use palisade_rules::Transform;

use super::compile::PatternTest;
use super::pattern::Expression;
use super::snapshot::{Check, Group, StreamGroup, TestSpec};
use super::source::{Phase, Source};

/// The sweep of one phase.
pub(crate) struct Sweep {
    pub(crate) phase: Phase,
    pub(crate) db: BlockDatabase,
    /// The byte put between values: one no pattern reports on.
    pub(crate) separator: u8,
    /// Per sweep pattern id, the exact databases it stands for.
    pub(crate) owners: Vec<Vec<Owner>>,
    /// The distinct transform chains of the swept databases.
    pub(crate) chains: Vec<SweepChain>,
    /// Every source a swept database reads, in source order.
    pub(crate) sources: Vec<Source>,
    /// Swept databases, as targets (see [`Target`]), in order.
    pub(crate) targets: Vec<u32>,
}

/// A transform chain of a sweep and the sources read through it.
#[derive(Debug)]
pub(crate) struct SweepChain {
    pub(crate) chain: Vec<Transform>,
    pub(crate) sources: Vec<Source>,
}

/// An exact database a sweep pattern stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    pub(crate) target: u32,
    /// Index in [`Sweep::chains`].
    pub(crate) chain: u16,
    pub(crate) source: Source,
}

/// Databases are numbered as targets: block-mode groups first, then the
/// streaming ones (which a sweep stands for when a body was not streamed).
pub(crate) struct Target<'s> {
    pub(crate) source: Source,
    pub(crate) chain: &'s [Transform],
    pub(crate) tests: &'s [u32],
}

impl std::fmt::Debug for Sweep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sweep")
            .field("phase", &self.phase)
            .field("patterns", &self.owners.len())
            .field("chains", &self.chains)
            .field("targets", &self.targets)
            .finish_non_exhaustive()
    }
}

/// Every database of a snapshot as a target, in target order.
pub(crate) fn targets<'s>(groups: &'s [Group], streams: &'s [StreamGroup]) -> Vec<Target<'s>> {
    let block = groups.iter().map(|g| Target {
        source: g.source,
        chain: &g.chain,
        tests: &g.tests,
    });
    let streaming = streams.iter().map(|s| Target {
        source: s.source,
        chain: &s.chain,
        tests: &s.tests,
    });
    block.chain(streaming).collect()
}

/// Builds the sweep of each phase that has databases; a phase whose sweep
/// does not compile has none (its databases then scan every value).
pub(crate) fn build(
    targets: &[Target<'_>],
    tests: &[TestSpec],
    patterns: &[PatternTest],
) -> Vec<Sweep> {
    let mut by_test = vec![None; tests.len()];
    for pattern in patterns {
        if let Some(slot) = by_test.get_mut(pattern.test as usize) {
            *slot = Some(&pattern.expr);
        }
    }
    let plan = Planned {
        targets,
        tests,
        by_test,
    };
    let mut kinds: Vec<Kind> = Vec::new();
    for kind in targets.iter().map(Kind::of) {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds.iter().filter_map(|kind| plan.sweep(kind)).collect()
}

/// Which databases share a sweep: those of one phase, reading bodies or
/// not, whose chains agree once leading decoding steps are set aside.
/// Decoding rarely changes a value, so such chains usually read the same
/// joined text; keeping the rest apart means each text meets only the
/// patterns written for it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Kind {
    phase: Phase,
    body: bool,
    chain: Vec<Transform>,
}

impl Kind {
    fn of(target: &Target<'_>) -> Kind {
        let decoding =
            |t: &&Transform| matches!(t, Transform::UrlDecode | Transform::HtmlEntityDecode);
        Kind {
            phase: target.source.phase(),
            body: target.source.is_body(),
            chain: target.chain.iter().skip_while(decoding).copied().collect(),
        }
    }
}

struct Planned<'a, 's> {
    targets: &'a [Target<'s>],
    tests: &'a [TestSpec],
    by_test: Vec<Option<&'a Expression>>,
}

impl Planned<'_, '_> {
    fn sweep(&self, kind: &Kind) -> Option<Sweep> {
        let mut chains: Vec<SweepChain> = Vec::new();
        let mut entries: Vec<(String, HsFlags)> = Vec::new();
        let mut owners: Vec<Vec<Owner>> = Vec::new();
        let mut index: HashMap<(String, u32), usize> = HashMap::new();
        let mut swept = Vec::new();

        let of_kind = self.targets.iter().enumerate();
        for (t, target) in of_kind.filter(|(_, t)| Kind::of(t) == *kind) {
            let Some(rewritten) = self.rewrite_all(target) else {
                continue;
            };
            let chain = chain_slot(&mut chains, target);
            let target = u32::try_from(t).ok()?;
            let owner = Owner {
                target,
                chain,
                source: self.targets.get(t)?.source,
            };
            for (text, flags) in rewritten {
                let key = (text, flags.bits());
                let at = *index.entry(key.clone()).or_insert_with(|| {
                    entries.push((key.0, flags));
                    owners.push(Vec::new());
                    owners.len() - 1
                });
                owners.get_mut(at)?.push(owner);
            }
            swept.push(target);
        }
        if entries.is_empty() {
            return None;
        }
        let db = compile(&entries)?;
        let separator = separator(&db)?;
        let mut sources: Vec<Source> = chains.iter().flat_map(|c| c.sources.clone()).collect();
        sources.sort_unstable();
        sources.dedup();
        Some(Sweep {
            phase: kind.phase,
            db,
            separator,
            owners,
            chains,
            sources,
            targets: swept,
        })
    }

    /// The sweep form of every pattern of `target`; `None` if one has none.
    fn rewrite_all(&self, target: &Target<'_>) -> Option<Vec<(String, HsFlags)>> {
        target.tests.iter().map(|t| self.rewrite(*t)).collect()
    }

    fn rewrite(&self, test: u32) -> Option<(String, HsFlags)> {
        let expr = self.by_test.get(test as usize).copied().flatten()?;
        let prefiltered = matches!(
            self.tests.get(test as usize).map(|t| &t.check),
            Some(Check::Pattern(Some(_)))
        );
        let text = sweep_text(&expr.text)?;
        let mut flags = expr.flags;
        flags.remove(HsFlags::SINGLEMATCH);
        flags.set(HsFlags::PREFILTER, prefiltered);
        let usable = HsPattern::with_flags(text.clone(), flags).and_then(|p| p.info());
        usable.is_ok().then_some((text, flags))
    }
}

/// The index of `target`'s chain among `chains`, added if new; records
/// the target's source under it.
fn chain_slot(chains: &mut Vec<SweepChain>, target: &Target<'_>) -> u16 {
    let at = match chains.iter().position(|c| c.chain == target.chain) {
        Some(at) => at,
        None => {
            chains.push(SweepChain {
                chain: target.chain.to_vec(),
                sources: Vec::new(),
            });
            chains.len() - 1
        }
    };
    if let Some(slot) = chains.get_mut(at) {
        if !slot.sources.contains(&target.source) {
            slot.sources.push(target.source);
        }
    }
    u16::try_from(at).unwrap_or(u16::MAX)
}

/// Bytes that may separate values: none is a word byte, so `\b` and `\B`
/// hold at a value's edges as they do on the value alone.
const SEPARATORS: [u8; 5] = [0xFF, 0x00, 0x7F, 0x01, b'\n'];

/// The separator the sweep reports least on (a pattern may look for one
/// of them, say `\x00`); `None` if scanning fails.
fn separator(db: &BlockDatabase) -> Option<u8> {
    let scratch = db.alloc_scratch().ok()?;
    let mut best = None;
    for byte in SEPARATORS {
        let mut reports = 0usize;
        let text = [byte; 16];
        db.scan(&text[..], &scratch, |_, _, _, _| {
            reports += 1;
            hyperscan::Matching::Continue
        })
        .ok()?;
        if best.is_none_or(|(_, fewest)| reports < fewest) {
            best = Some((byte, reports));
        }
    }
    best.map(|(byte, _)| byte)
}

fn compile(entries: &[(String, HsFlags)]) -> Option<BlockDatabase> {
    let mut list = Vec::with_capacity(entries.len());
    for (id, (text, flags)) in entries.iter().enumerate() {
        let mut pattern = HsPattern::with_flags(text.clone(), *flags).ok()?;
        pattern.id = Some(id);
        list.push(pattern);
    }
    let patterns: Patterns = list.into_iter().collect();
    patterns.build::<BlockMode>().ok()
}

/// `text` without its start and end anchors, or `None` when they cannot
/// be told apart from literal text (`\Q` quoting).
pub(crate) fn sweep_text(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match (c, in_class) {
            ('\\', _) => match chars.next() {
                Some('Q') => return None,
                Some('A' | 'z' | 'Z') if !in_class => {}
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            ('^' | '$', false) => {}
            ('[', false) => {
                in_class = true;
                out.push('[');
                class_opening(&mut chars, &mut out);
            }
            (']', true) => {
                in_class = false;
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

/// Copies a class's leading `^` and a `]` right after it, which are part of
/// the class, not its end.
fn class_opening(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    if chars.peek() == Some(&'^') {
        out.push('^');
        chars.next();
    }
    if chars.peek() == Some(&']') {
        out.push(']');
        chars.next();
    }
}

#[cfg(test)]
mod tests {
    use super::sweep_text;

    #[test]
    fn anchors_are_dropped() {
        assert_eq!(sweep_text(r"\Aab\x2fc\z").as_deref(), Some(r"ab\x2fc"));
        assert_eq!(sweep_text(r"(?:^|&)a\Z$").as_deref(), Some(r"(?:|&)a"));
        assert_eq!(sweep_text(r"[^\A$]\\A\^").as_deref(), Some(r"[^\A$]\\A\^"));
        assert_eq!(sweep_text(r"[]\A]x").as_deref(), Some(r"[]\A]x"));
    }

    #[test]
    fn quoted_text_is_not_swept() {
        assert_eq!(sweep_text(r"\Qa$\E"), None);
    }
}
