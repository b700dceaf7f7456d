//! Sweep databases: run over all of a phase's values at once to find the
//! few values worth scanning one by one.
//!
//! Scanning each value with each database of its source costs a Vectorscan
//! call per (value, database), and a JSON body holds a hundred values.
//! Instead, the values of a phase are joined, a separator byte between
//! them, after each transform chain (see [`super::batch`]), and scanned by
//! a sweep database holding the patterns of those databases, rewritten so
//! that a value matching a pattern on its own always matches inside the
//! joined text, and the match still ends in that value:
//!
//! - in the head phases, a start anchor (`\A`, `^`) becomes "a byte that
//!   is not a word byte", since a joined text starts with the separator
//!   and every value in it follows one; in the body phases it becomes "the
//!   start, or a byte that is not a word byte", since a raw body need not
//!   start with one (see [`Bounds`]);
//! - in the head phases, an end anchor (`\z`, `\Z`, `$`) that ends a match
//!   becomes "a byte that is not a word byte", since a separator follows
//!   every value; such a match ends one byte past its value, and the
//!   report is read as naming the value before (see [`super::batch`]). An
//!   end anchor that something could follow, and every end anchor in the
//!   body phases, is dropped;
//! - a counted repeat (`{2,5}`, `{10,}`) becomes `*` or `+`: Vectorscan
//!   runs an open repeat far faster than a counted one;
//! - a pattern whose final `lowercase` would be swept as a caseless compile
//!   is left out when a negated class of it may exclude an upper-case
//!   letter (see [`negated_class_excludes_upper`]).
//!
//! - a costly lead before a long literal is cut off (see [`super::lead`]).
//!
//! Each rewrite can only widen a pattern. The separator is not a word byte,
//! so `\b` and `\B` hold at a value's edges as they do alone; it is the
//! candidate byte the sweep reports least on.
//!
//! A chain's final `lowercase` is not applied to the joined text: its
//! patterns are compiled caseless instead, which matches whatever the
//! lower-cased text would match (ASCII case only). Chains that differ only
//! by it then read one joined text, so a phase is usually one scan.
//!
//! The same rewriting makes a sweep usable on a raw body: every value that
//! parameters or flattened JSON take from a body is a piece of it, after a
//! quote, `=`, `:` or another byte that is not a word byte. When the
//! body holds nothing the chains or the extraction would decode (see
//! [`Screen`]), a sweep that reports nothing on the raw body would report
//! nothing on its values either, and the body is never split into values
//! at all. Reports go on without
//! single-match mode, so each value a pattern hits is seen. The joined text
//! can only add reports (a match across two values, an anchor no longer
//! checked), never lose one; each value reported is then scanned alone by
//! its exact database (see [`super::scan`]), which decides.
//!
//! A sweep whose patterns need rare bytes (a `<`, a quote, a `;`) also
//! compiles a database without them, for joined texts that hold none of
//! those bytes (see [`super::gate`] and [`Gate`]); a raw body is scanned
//! with every pattern (see [`Sweep::db_for`]). A pattern only some of whose
//! branches need such a byte (`(?:;|\bnohup\s)\s*id`) is swept as two: the
//! branches that do, gated, and the rest (see [`gated_parts`]). A body
//! sweep over JSON values also compiles a leaner database for raw JSON
//! bodies, whose values hold no quote or backslash (see [`Lean`]).
//!
//! Databases share a sweep by [`Kind`]: same phase, bodies or not, same
//! chain once leading decoding steps (and, in the head phases, path
//! normalization) are set aside, and reading every header field or only
//! named ones.
//!
//! A pattern that cannot be rewritten safely (`\Q` quoting) or checked by
//! Vectorscan leaves its database out of the sweeps: that database scans
//! every value, as before. So do all the databases of a sweep that does
//! not compile.

use std::collections::HashMap;

use hyperscan::{BlockDatabase, BlockMode, Pattern as HsPattern, PatternFlags as HsFlags};
use hyperscan::{Builder, Patterns};
use memchr::memmem::Finder;
use palisade_rules::Transform;

use super::compile::PatternTest;
use super::gate::{atom_bytes, holds_any, required, Alphabet, ByteSet, Reading};
use super::lead::{branches, cut_lead, drop_optional};
use super::named::{literal, Named};
use super::pattern::Expression;
use super::snapshot::{Check, Group, StreamGroup, TestSpec};
use super::source::{Phase, Selector, Source};

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
    /// Per sweep pattern id, the parameter names every test behind it
    /// selects. A report on a raw body that holds none of them cannot come
    /// from a value the pattern's tests read.
    pub(crate) named: Named,
    /// Whether and how the sweep can screen a raw body; `None` outside
    /// the body phases or when a chain does more than decode.
    pub(crate) screen: Option<Screen>,
    /// The header fields, lower-cased, whose values the sweep reads;
    /// `None` for all of them.
    pub(crate) header_names: Option<Vec<Vec<u8>>>,
    /// The database for texts without the bytes its gated patterns need;
    /// `None` when no pattern is gated.
    pub(crate) gate: Option<Gate>,
    /// The database for a raw body read as JSON; `None` when the sweep
    /// reads other values or it would not be smaller.
    pub(crate) lean: Option<Lean>,
    /// Whether this sweep, one reading a raw body whole, rides in the
    /// lean database of its phase (see [`Lean::carries`]): a body that
    /// database clears is cleared for this sweep too.
    pub(crate) in_lean: bool,
}

/// A body sweep's database for clearing a raw body whose values are JSON
/// strings and scalars (or which has no values at all): any body that is
/// not a form, once the screen has found no escape in it (see
/// [`super::scan`]).
///
/// Such values hold no `"` and no `\`: a JSON string holds them only
/// escaped, and an escape, a percent escape or a character reference
/// keeps the body from being cleared raw. So a pattern that needs one of
/// them, or a rare byte the body lacks, is left out. Patterns limited to
/// parameter names are left out too, and their names searched in the same
/// scan instead. Optional items whose bytes are all rare (`[\t\n\r]*`
/// between the letters of `javascript`) are dropped from the patterns
/// kept, for bodies without those bytes (see
/// [`super::lead::drop_optional`]). The bytes all this relies on a body
/// lacking make one more pattern, a class of them, so that a body holding
/// one is reported in the same scan instead of being searched for each
/// byte first. A body the database reports on, for a pattern, a name or
/// such a byte, is screened the long way.
///
/// The lean database also carries the patterns of the phase's sweeps that
/// read the raw body whole (XXE, EICAR), so that a JSON body is scanned
/// once for both: those patterns as they are, except that the gated ones
/// are left out and their bytes join the class, and those limited to
/// parameter names give their names (see [`carry`]).
pub(crate) struct Lean {
    /// `None` when no pattern, name or byte is left to report on: nothing
    /// can match a body the lean way.
    pub(crate) db: Option<BlockDatabase>,
    /// Whether other sweeps ride in the database (see [`Sweep::in_lean`]).
    pub(crate) carries: bool,
}

/// A sweep's second database, for texts that no gated pattern can match
/// and that hold none of the bytes its narrowed patterns left out (see
/// [`super::gate`] and [`gate`]).
pub(crate) struct Gate {
    /// Every byte a gated pattern may need or a narrowed one left out.
    all: Vec<u8>,
    /// The same per source, for the patterns reading it.
    by_source: [Vec<u8>; Source::COUNT],
    /// The patterns not gated, some narrowed, under their ids in the
    /// sweep; `None` when every pattern is gated.
    db: Option<BlockDatabase>,
}

impl Sweep {
    /// Every database the sweep may scan with, for a scratch to fit.
    pub(crate) fn databases(&self) -> impl Iterator<Item = &BlockDatabase> {
        let gate = self.gate.as_ref().and_then(|g| g.db.as_ref());
        let lean = self.lean.as_ref().and_then(|l| l.db.as_ref());
        std::iter::once(&self.db)
            .chain(gate)
            .chain(lean)
            .chain(self.named.database())
    }

    /// The database to scan `text`, a raw body, with: the whole sweep, or
    /// `None` when every pattern is gated and `text` holds none of the
    /// bytes they need, so that nothing could match.
    ///
    /// A raw body that lacks those bytes is still scanned with every
    /// pattern, not with the gate's database. Measured on the rules bench
    /// (`RULES_PHASES=1`), the gate's database and the byte search before
    /// it made the response-body screen cost half as much again, and the
    /// request-body screen no less: a body is long, and a database
    /// without the gated patterns need not run faster on it.
    pub(crate) fn db_for(&self, text: &[u8]) -> Option<&BlockDatabase> {
        match &self.gate {
            Some(gate) if gate.db.is_none() && !holds_any(text, &gate.all) => None,
            _ => Some(&self.db),
        }
    }

    /// The database to scan a joined text made of `runs` with (pieces
    /// holding values of one source each): the gate's when no run holds a
    /// byte that a gated pattern reading its source needs. `None` when no
    /// pattern is left that could match.
    pub(crate) fn db_for_runs<'t>(
        &self,
        mut runs: impl Iterator<Item = (Source, &'t [u8])>,
    ) -> Option<&BlockDatabase> {
        let Some(gate) = &self.gate else {
            return Some(&self.db);
        };
        let needed = |source: Source| gate.by_source.get(source as usize);
        let opens = |(source, text): (Source, &[u8])| {
            needed(source).is_some_and(|bytes| holds_any(text, bytes))
        };
        match runs.any(opens) {
            true => Some(&self.db),
            false => gate.db.as_ref(),
        }
    }
}

/// What must be absent from a raw body for a sweep's report-free scan of
/// it to clear the whole phase: bytes the sweep's chains would decode.
/// Escapes in JSON strings are checked for every sweep that reads values
/// extracted from the body or JSON-decodes it, and form encoding always
/// (see [`super::scan`]).
///
/// A sweep whose chain is `base64-decode` alone is not scanned on the raw
/// body at all: a value can only decode to a match if it starts with a run
/// of base64 characters (whitespace allowed between them) long enough to
/// decode to the pattern's shortest match, or, for a test of named
/// parameters, if the body holds the name.
#[derive(Clone, Debug, Default)]
pub(crate) struct Screen {
    /// A backslash could change what the sweep reads: it reads values
    /// extracted from the body (a JSON string's escapes are decoded) or a
    /// chain JSON-decodes. A sweep reading the raw body as it is, through
    /// no decoding step, scans exactly what its databases would.
    pub(crate) escapes: bool,
    /// Some chain URL-decodes (`%XX`, `+`).
    pub(crate) url: bool,
    /// Some chain decodes HTML character references.
    pub(crate) html: bool,
    /// For a base64 sweep: the shortest run of base64 characters that can
    /// decode to a match of a test not limited to named parameters.
    pub(crate) base64_run: Option<usize>,
    /// For a base64 sweep: the parameter names its other tests select,
    /// each ready to be searched for.
    pub(crate) names: Vec<Finder<'static>>,
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
    for kind in targets.iter().map(|t| Kind::of(t, tests)) {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let mut built: Vec<(Sweep, Parts)> = kinds.iter().filter_map(|kind| plan.sweep(kind)).collect();
    for phase in [Phase::RequestBody, Phase::ResponseBody] {
        carry(&mut built, phase);
    }
    built.into_iter().map(|(sweep, _)| sweep).collect()
}

/// What a sweep's databases were compiled from, per sweep pattern id: the
/// pattern, the bytes it needs (among a body's bytes, and among JSON
/// values) and the parameter names its tests are limited to.
struct Parts {
    entries: Vec<(String, HsFlags)>,
    gates: Vec<Option<ByteSet>>,
    json_gates: Vec<Option<ByteSet>>,
    named: Vec<Option<Vec<Vec<u8>>>>,
}

/// Compiles the [`Lean`] database of each sweep of `phase` over JSON
/// values that can screen; the first also carries the patterns of the
/// phase's sweeps that screen a raw body whole, other than base64 ones
/// (which are not scanned raw).
fn carry(built: &mut [(Sweep, Parts)], phase: Phase) {
    let screens = |sweep: &Sweep| sweep.phase == phase && sweep.screen.is_some();
    let json_only = |sweep: &Sweep| sweep.sources.iter().all(|s| s.is_json_valued());
    let raw = |sweep: &Sweep| {
        screens(sweep)
            && !json_only(sweep)
            && sweep
                .screen
                .as_ref()
                .is_some_and(|s| s.base64_run.is_none())
    };
    let riders: Vec<usize> = (0..built.len())
        .filter(|i| built.get(*i).is_some_and(|(s, _)| raw(s)))
        .collect();
    let mut host = true;
    for i in 0..built.len() {
        let Some((sweep, parts)) = built.get(i) else {
            continue;
        };
        if !screens(sweep) || !json_only(sweep) {
            continue;
        }
        let carried: Vec<&Parts> = match host {
            true => riders
                .iter()
                .filter_map(|r| built.get(*r).map(|(_, p)| p))
                .collect(),
            false => Vec::new(),
        };
        let made = lean(parts, &carried);
        let carries = made.as_ref().is_some_and(|l| l.carries);
        if let Some((sweep, _)) = built.get_mut(i) {
            sweep.lean = made;
        }
        if carries {
            host = false;
            for r in &riders {
                if let Some((rider, _)) = built.get_mut(*r) {
                    rider.in_lean = true;
                }
            }
        }
    }
}

/// Which databases share a sweep: those of one phase, reading bodies or
/// not, whose chains agree once leading decoding steps are set aside
/// (path normalization too, in the head phases). Decoding rarely changes
/// a value, nor normalizing a path, so such chains usually read the same
/// joined text (see [`super::transform::keeps`]); keeping the rest apart means each text meets only the
/// patterns written for it. Databases with a test of every header field
/// sweep apart from those of named header fields only, so that the many
/// patterns aimed at a few header fields (`User-Agent`, `Referer`) do not
/// read all the others (see [`Sweep::header_names`]).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Kind {
    phase: Phase,
    body: bool,
    all_headers: bool,
    chain: Vec<Transform>,
}

impl Kind {
    fn of(target: &Target<'_>, tests: &[TestSpec]) -> Kind {
        // In a head phase, a path is rarely changed by normalizing either;
        // a body sweep with a normalizing chain could no longer screen.
        let head = matches!(
            target.source.phase(),
            Phase::RequestHeaders | Phase::ResponseHeaders
        );
        let decoding = |t: &&Transform| match t {
            Transform::UrlDecode | Transform::HtmlEntityDecode | Transform::JsonDecode => true,
            Transform::NormalizePath => head,
            _ => false,
        };
        let chain = swept_chain(target.chain);
        Kind {
            phase: target.source.phase(),
            body: target.source.is_body(),
            all_headers: header_names(target, tests).is_none(),
            chain: chain.iter().skip_while(decoding).copied().collect(),
        }
    }
}

/// The header names the tests of `target` select, lower-cased; `None`
/// when one reads every header field. Empty for a source of no headers.
fn header_names(target: &Target<'_>, tests: &[TestSpec]) -> Option<Vec<Vec<u8>>> {
    let mut names = Vec::new();
    if !target.source.is_headers() {
        return Some(names);
    }
    let specs = target.tests.iter().filter_map(|t| tests.get(*t as usize));
    let selectors = specs.flat_map(|spec| spec.targets.iter());
    for (_, selector) in selectors.filter(|(s, _)| *s == target.source) {
        match selector {
            Selector::HeaderName(name) => names.push(name.to_ascii_lowercase()),
            _ => return None,
        }
    }
    Some(names)
}

/// The chain a sweep applies for `chain`: all but a final `lowercase`.
fn swept_chain(chain: &[Transform]) -> &[Transform] {
    match chain {
        [rest @ .., Transform::Lowercase] => rest,
        _ => chain,
    }
}

struct Planned<'a, 's> {
    targets: &'a [Target<'s>],
    tests: &'a [TestSpec],
    by_test: Vec<Option<&'a Expression>>,
}

impl Planned<'_, '_> {
    fn sweep(&self, kind: &Kind) -> Option<(Sweep, Parts)> {
        let mut chains: Vec<SweepChain> = Vec::new();
        let mut entries: Vec<(String, HsFlags)> = Vec::new();
        let mut gates: Vec<Option<ByteSet>> = Vec::new();
        let mut json_gates: Vec<Option<ByteSet>> = Vec::new();
        let mut owners: Vec<Vec<Owner>> = Vec::new();
        let mut named: Vec<Option<Vec<Vec<u8>>>> = Vec::new();
        let mut index: HashMap<(String, u32), usize> = HashMap::new();
        let mut swept = Vec::new();
        let mut headers = Some(Vec::new());

        let of_kind = self.targets.iter().enumerate();
        for (t, target) in of_kind.filter(|(_, t)| Kind::of(t, self.tests) == *kind) {
            let caseless = swept_chain(target.chain).len() < target.chain.len();
            let bounds = Bounds::of(kind.phase);
            let Some(rewritten) = self.rewrite_all(target, (caseless, bounds)) else {
                continue;
            };
            match (header_names(target, self.tests), headers.as_mut()) {
                (Some(more), Some(list)) => list.extend(more),
                _ => headers = None,
            }
            let chain = chain_slot(&mut chains, target);
            let target = u32::try_from(t).ok()?;
            let owner = Owner {
                target,
                chain,
                source: self.targets.get(t)?.source,
            };
            let tests = self.targets.get(t)?.tests.iter();
            for (forms, test) in rewritten.into_iter().zip(tests) {
                for form in forms {
                    let (flags, needs, json) = (form.flags, form.needs, form.json);
                    let key = (form.text, flags.bits());
                    let at = *index.entry(key.clone()).or_insert_with(|| {
                        entries.push((key.0, flags));
                        gates.push(needs);
                        json_gates.push(json);
                        owners.push(Vec::new());
                        named.push(Some(Vec::new()));
                        owners.len() - 1
                    });
                    let gate = gates.get_mut(at)?;
                    *gate = gate.zip(needs).map(|(a, b)| a.union(b));
                    let json_gate = json_gates.get_mut(at)?;
                    *json_gate = json_gate.zip(json).map(|(a, b)| a.union(b));
                    owners.get_mut(at)?.push(owner);
                    let names = named.get_mut(at)?;
                    match (self.names_of(*test, kind.phase), names.as_mut()) {
                        (Some(more), Some(list)) => {
                            list.extend(more);
                            list.sort_unstable();
                            list.dedup();
                        }
                        _ => *names = None,
                    }
                }
            }
            swept.push(target);
        }
        if entries.is_empty() {
            return None;
        }
        let db = compile(entries.iter().enumerate())?;
        let separator = separator(&db)?;
        let alphabet = Bounds::of(kind.phase).alphabet();
        let gate = gate(&entries, &gates, &owners, alphabet);
        let mut sources: Vec<Source> = chains.iter().flat_map(|c| c.sources.clone()).collect();
        sources.sort_unstable();
        sources.dedup();
        let screen = self.screen(kind.phase, &chains, &swept);
        let sweep = Sweep {
            phase: kind.phase,
            db,
            separator,
            owners,
            screen,
            named: Named::new(&named),
            chains,
            sources,
            targets: swept,
            header_names: headers.map(|mut names| {
                names.sort_unstable();
                names.dedup();
                names
            }),
            gate,
            lean: None,
            in_lean: false,
        };
        let parts = Parts {
            entries,
            gates,
            json_gates,
            named,
        };
        Some((sweep, parts))
    }

    /// How a sweep over `chains` and the databases `swept` may screen a
    /// raw body of `phase`; `None` when it cannot.
    fn screen(&self, phase: Phase, chains: &[SweepChain], swept: &[u32]) -> Option<Screen> {
        if !matches!(phase, Phase::RequestBody | Phase::ResponseBody) {
            return None;
        }
        let mut sources = chains.iter().flat_map(|c| c.sources.iter());
        let mut screen = Screen {
            escapes: sources.any(|s| !s.is_body()),
            ..Screen::default()
        };
        if chains.iter().all(|c| c.chain == [Transform::Base64Decode]) {
            let mut run = usize::MAX;
            let mut names = Vec::new();
            for test in swept.iter().flat_map(|t| self.tests_of(*t)) {
                if let Some(more) = self.names_of(test, phase) {
                    names.extend(more);
                    continue;
                }
                let expr = self.by_test.get(test as usize).copied().flatten()?;
                let info = HsPattern::with_flags(expr.text.clone(), expr.flags)
                    .and_then(|p| p.info())
                    .ok()?;
                let width = usize::try_from(info.min_width).ok()?;
                run = run.min((width * 8).div_ceil(6));
            }
            names.sort_unstable();
            names.dedup();
            let finder = |name: Vec<u8>| Finder::new(&name).into_owned();
            screen.names = names.into_iter().map(finder).collect();
            screen.base64_run = Some(run);
            return Some(screen);
        }
        for transform in chains.iter().flat_map(|c| c.chain.iter()) {
            match transform {
                Transform::UrlDecode => screen.url = true,
                Transform::HtmlEntityDecode => screen.html = true,
                // A backslash then keeps the body from being screened.
                Transform::JsonDecode => screen.escapes = true,
                _ => return None,
            }
        }
        Some(screen)
    }

    /// The parameter names test `test` selects among the sources of
    /// `phase`; `None` when it reads values of any name there.
    fn names_of(&self, test: u32, phase: Phase) -> Option<Vec<Vec<u8>>> {
        let spec = self.tests.get(test as usize)?;
        let of_phase = spec.targets.iter().filter(|(s, _)| s.phase() == phase);
        let names: Option<Vec<Vec<u8>>> = of_phase
            .map(|(_, selector)| match selector {
                Selector::Name(name) => Some(name.clone()),
                _ => None,
            })
            .collect();
        names.filter(|n| !n.is_empty())
    }

    /// The tests of target `t`.
    fn tests_of(&self, t: u32) -> impl Iterator<Item = u32> + '_ {
        let tests = self.targets.get(t as usize).map(|t| t.tests);
        tests.unwrap_or_default().iter().copied()
    }

    /// The sweep forms of every pattern of `target`, per test; `None` if
    /// one has none. `caseless` when the sweep leaves out the chain's
    /// final `lowercase`.
    fn rewrite_all(&self, target: &Target<'_>, how: (bool, Bounds)) -> Option<Vec<Vec<Entry>>> {
        let rewrite = |t: &u32| self.rewrite(*t, how);
        target.tests.iter().map(rewrite).collect()
    }

    /// A test's sweep patterns, each with its flags and the bytes it needs
    /// (see [`super::gate`]): one, or two when only some branches of the
    /// pattern need a rare byte (see [`gated_parts`]).
    fn rewrite(&self, test: u32, how: (bool, Bounds)) -> Option<Vec<Entry>> {
        let (caseless, bounds) = how;
        let expr = self.by_test.get(test as usize).copied().flatten()?;
        let prefiltered = matches!(
            self.tests.get(test as usize).map(|t| &t.check),
            Some(Check::Pattern(Some(_)))
        );
        if caseless && negated_class_excludes_upper(&expr.text) {
            return None;
        }
        let mut flags = expr.flags;
        flags.remove(HsFlags::SINGLEMATCH);
        flags.set(HsFlags::PREFILTER, prefiltered);
        if caseless {
            flags.insert(HsFlags::CASELESS);
        }
        let reading = Reading::of(flags);
        let alphabet = bounds.alphabet();
        let parts = match required(&expr.text, reading, alphabet) {
            None if !prefiltered => gated_parts(&expr.text, reading, alphabet),
            needs => vec![(expr.text.clone(), needs)],
        };
        let usable = |text: &String| HsPattern::with_flags(text.clone(), flags)?.info();
        let swept = |(part, needs): (String, Option<ByteSet>)| {
            let text = sweep_text(&part, bounds)?;
            let cut = cut_lead(&text);
            let text = [cut, text].into_iter().find(|text| usable(text).is_ok())?;
            let json = match bounds {
                Bounds::Open => required(&part, reading, Alphabet::JsonValue),
                Bounds::Separated => None,
            };
            Some(Entry {
                text,
                flags,
                needs,
                json,
            })
        };
        parts.into_iter().map(swept).collect()
    }
}

/// A sweep pattern.
struct Entry {
    text: String,
    flags: HsFlags,
    /// Bytes one of which every match needs (see [`super::gate`]).
    needs: Option<ByteSet>,
    /// The same among the values of a body cleared as JSON (see [`Lean`]).
    json: Option<ByteSet>,
}

/// `pattern` as the alternation of its branches that need no rare byte
/// and the alternation of those that need one, with the bytes they need:
/// the second can then be left out of the scans of texts without those
/// bytes, as a gated pattern is. `pattern` alone when no branch, or every
/// branch, needs a rare byte.
fn gated_parts(
    pattern: &str,
    reading: Reading,
    alphabet: Alphabet,
) -> Vec<(String, Option<ByteSet>)> {
    let whole = || vec![(pattern.to_string(), None)];
    let Some(branches) = branches(pattern) else {
        return whole();
    };
    let mut open = Vec::new();
    let mut gated = Vec::new();
    let mut needs: Option<ByteSet> = None;
    for branch in branches {
        match required(&branch, reading, alphabet) {
            Some(set) => {
                needs = Some(needs.map_or(set, |all| all.union(set)));
                gated.push(branch);
            }
            None => open.push(branch),
        }
    }
    if gated.is_empty() || open.is_empty() {
        return whole();
    }
    vec![(open.join("|"), None), (gated.join("|"), needs)]
}

/// The index of `target`'s chain among `chains`, added if new; records
/// the target's source under it.
fn chain_slot(chains: &mut Vec<SweepChain>, target: &Target<'_>) -> u16 {
    let chain = swept_chain(target.chain);
    let at = match chains.iter().position(|c| c.chain == chain) {
        Some(at) => at,
        None => {
            chains.push(SweepChain {
                chain: chain.to_vec(),
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

/// The sweep's patterns without the gated ones, and the bytes those need;
/// `None` when no pattern is gated or narrowed, or the rest does not
/// compile.
///
/// A pattern kept is narrowed when it can be: its optional items whose
/// bytes are all rare in `alphabet` are dropped (say the `[\t\n\r]*`
/// between the letters of `javascript`), and those bytes open the gate
/// like a gated pattern's. On a text without them, the narrowed pattern
/// matches where the whole one does; it gives Vectorscan a literal to
/// look for where the whole one had none.
fn gate(
    entries: &[(String, HsFlags)],
    gates: &[Option<ByteSet>],
    owners: &[Vec<Owner>],
    alphabet: Alphabet,
) -> Option<Gate> {
    let mut all = ByteSet::default();
    let mut by_source = [ByteSet::default(); Source::COUNT];
    let mut open = |needs: ByteSet, owners: &[Owner]| {
        all = all.union(needs);
        for owner in owners {
            if let Some(slot) = by_source.get_mut(owner.source as usize) {
                *slot = slot.union(needs);
            }
        }
    };
    let mut kept = Vec::new();
    let mut changed = false;
    for (id, ((entry, needs), owners)) in entries.iter().zip(gates).zip(owners).enumerate() {
        if let Some(needs) = needs {
            open(*needs, owners);
            changed = true;
            continue;
        }
        let (text, flags) = entry;
        match narrowed(text, *flags, alphabet) {
            Some((text, needs)) => {
                open(needs, owners);
                changed = true;
                kept.push((id, (text, *flags)));
            }
            None => kept.push((id, entry.clone())),
        }
    }
    if !changed {
        return None;
    }
    let db = match kept.is_empty() {
        true => None,
        false => Some(compile(kept.iter().map(|(id, entry)| (*id, entry)))?),
    };
    Some(Gate {
        all: all.bytes(),
        by_source: by_source.map(|set| set.bytes()),
        db,
    })
}

/// The [`Lean`] database of a body sweep's `parts`, carrying the patterns
/// of the raw-body sweeps `carried`; `None` when it would leave no pattern
/// out, narrow none and carry none.
fn lean(parts: &Parts, carried: &[&Parts]) -> Option<Lean> {
    let mut absent = ByteSet::default();
    let mut kept: Vec<(String, HsFlags)> = Vec::new();
    let mut names: Vec<&[u8]> = Vec::new();
    let mut changed = false;
    // The sweep's own patterns read JSON values; a rider's read the raw
    // body with its quotes, so only the bytes a body's gate needs can leave
    // one out, and none is narrowed.
    let own = std::iter::once((parts, &parts.json_gates, true));
    let riders = carried.iter().map(|rider| (*rider, &rider.gates, false));
    for (from, gates, narrows) in own.chain(riders) {
        changed |= !narrows;
        let each = from.entries.iter().zip(gates).zip(&from.named);
        for (((text, flags), gate), named) in each {
            let changes = match (named, gate) {
                (Some(list), _) => {
                    names.extend(list.iter().map(Vec::as_slice));
                    true
                }
                (None, Some(needs)) => {
                    absent = absent.union(*needs);
                    true
                }
                (None, None) => match narrows
                    .then(|| narrowed(text, *flags, Alphabet::JsonValue))
                    .flatten()
                {
                    Some((narrowed, bytes)) => {
                        absent = absent.union(bytes);
                        kept.push((narrowed, *flags));
                        true
                    }
                    None => {
                        kept.push((text.clone(), *flags));
                        false
                    }
                },
            };
            changed |= changes;
        }
    }
    if !changed {
        return None;
    }
    names.sort_unstable();
    names.dedup();
    for name in names {
        kept.push((literal(name), HsFlags::SINGLEMATCH));
    }
    let absent = absent.bytes();
    if !absent.is_empty() {
        kept.push((class_of(&absent), HsFlags::SINGLEMATCH));
    }
    let db = match kept.is_empty() {
        true => None,
        false => Some(compile(kept.iter().enumerate())?),
    };
    Some(Lean {
        db,
        carries: !carried.is_empty(),
    })
}

/// `text` without its optional items whose bytes are all rare in
/// `alphabet`, and those bytes; `None` when there is none, or the narrowed
/// pattern does not compile.
fn narrowed(text: &str, flags: HsFlags, alphabet: Alphabet) -> Option<(String, ByteSet)> {
    let narrow = alphabet.narrowing();
    let reading = Reading::of(flags);
    let droppable = |atom: &str| atom_bytes(atom, reading).filter(|b| b.is_subset(&narrow));
    let usable = |text: &String| HsPattern::with_flags(text.clone(), flags).is_ok();
    drop_optional(text, &droppable).filter(|(text, _)| usable(text))
}

/// A pattern matching any one of `bytes`.
fn class_of(bytes: &[u8]) -> String {
    let escaped: String = bytes.iter().map(|b| format!("\\x{b:02x}")).collect();
    format!("[{escaped}]")
}

/// One database of `entries`, each under its id.
fn compile<'e>(
    entries: impl ExactSizeIterator<Item = (usize, &'e (String, HsFlags))>,
) -> Option<BlockDatabase> {
    let mut list = Vec::with_capacity(entries.len());
    for (id, (text, flags)) in entries {
        let mut pattern = HsPattern::with_flags(text.clone(), *flags).ok()?;
        pattern.id = Some(id);
        list.push(pattern);
    }
    let patterns: Patterns = list.into_iter().collect();
    patterns.build::<BlockMode>().ok()
}

/// What a start anchor becomes in a raw body: the start, or a byte that is
/// not a word byte, as every value in a raw body follows one.
const VALUE_START: &str = "(?:^|[^a-zA-Z0-9_])";

/// What a start or end anchor becomes in a joined text: a byte that is not
/// a word byte, as a joined text starts with the separator and every value
/// in it is followed by one (see [`super::batch`]). Leaving the start and
/// the end of the text out of the pattern spares the scan the engines
/// that run at the start and at the end of every text, which cost more
/// than the few bytes of a short text.
const SEPARATOR: &str = "[^a-zA-Z0-9_]";

/// `text` rewritten for a sweep (see the module doc): anchors widened to
/// [`SEPARATOR`] in joined texts, start anchors to [`VALUE_START`] and end
/// anchors dropped in raw bodies,
/// counted repeats opened; or `None` when anchors cannot be told apart
/// from literal text (`\Q` quoting) or inline flags could undo a caseless
/// compile.
pub(crate) fn sweep_text(text: &str, bounds: Bounds) -> Option<String> {
    let start = match bounds {
        Bounds::Separated => SEPARATOR,
        Bounds::Open => VALUE_START,
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_class = false;
    let mut starts = Starts::default();
    while let Some(c) = chars.next() {
        match (c, in_class) {
            ('\\', _) => match chars.next() {
                Some('Q') => return None,
                Some('A') if !in_class => starts.anchor(start, &mut out),
                Some('z' | 'Z') if !in_class => end_anchor(&chars, bounds, &mut out),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                    if matches!(next, 'x' | 'o' | 'p' | 'P' | 'N' | 'g' | 'k') {
                        copy_braces(&mut chars, &mut out);
                    }
                }
                None => out.push('\\'),
            },
            ('[', true) if matches!(chars.peek(), Some(':' | '.' | '=')) => {
                out.push('[');
                copy_posix_class(&mut chars, &mut out);
            }
            ('(', false) if chars.peek() == Some(&'?') => {
                out.push_str("(?");
                chars.next();
                if chars.peek() != Some(&':') {
                    return None;
                }
                starts.open();
            }
            ('(', false) => {
                out.push('(');
                starts.open();
            }
            ('|', false) => {
                out.push('|');
                starts.branch();
            }
            (')', false) => {
                out.push(')');
                starts.close();
            }
            ('^', false) => starts.anchor(start, &mut out),
            ('$', false) => end_anchor(&chars, bounds, &mut out),
            ('{', false) => match counted_repeat(&mut chars) {
                Some(0) => out.push('*'),
                Some(_) => out.push('+'),
                None => out.push('{'),
            },
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

/// Which start anchors of a pattern take a byte when rewritten.
///
/// Only one separator comes before a value, so of the start anchors on one
/// path through a match (`^^a`, `\A^a`, `(?:^)?^a`), only the first may
/// take a byte; the others are dropped, which only widens. A branch starts
/// from the state its group opened with; after a group, an anchor counts
/// as taken if any branch took one.
#[derive(Default)]
struct Starts {
    /// A start anchor took a byte on the current path.
    taken: bool,
    /// Per open group: `taken` when it opened, and whether a finished
    /// branch took one.
    groups: Vec<(bool, bool)>,
}

impl Starts {
    /// Writes what a start anchor becomes: `start`, or nothing when one
    /// was taken before on this path.
    fn anchor(&mut self, start: &str, out: &mut String) {
        if !self.taken {
            out.push_str(start);
            self.taken = true;
        }
    }

    fn open(&mut self) {
        self.groups.push((self.taken, false));
    }

    fn branch(&mut self) {
        match self.groups.last_mut() {
            Some((opened, any)) => {
                *any |= self.taken;
                self.taken = *opened;
            }
            None => self.taken = false,
        }
    }

    fn close(&mut self) {
        if let Some((_, any)) = self.groups.pop() {
            self.taken |= any;
        }
    }
}

/// Writes what an end anchor becomes, `rest` being the text after it:
/// in a joined text, [`SEPARATOR`] when nothing can follow the anchor in a
/// match, since that form takes a byte; otherwise nothing, which only
/// widens.
fn end_anchor(rest: &std::iter::Peekable<std::str::Chars<'_>>, bounds: Bounds, out: &mut String) {
    if bounds == Bounds::Separated && ends_here(rest.clone()) {
        out.push_str(SEPARATOR);
    }
}

/// Whether a match ends where `rest` starts: true when only closing
/// groups, their quantifiers and other alternatives follow. Another end
/// anchor counts as something: of a run of anchors, the last one decides.
fn ends_here(mut rest: std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    while let Some(c) = rest.next() {
        match c {
            ')' | '?' | '*' | '+' => {}
            '{' if counted_repeat(&mut rest).is_some() => {}
            '|' => skip_alternatives(&mut rest),
            _ => return false,
        }
    }
    true
}

/// Skips the rest of the alternatives of the current group, up to and not
/// including its `)`.
fn skip_alternatives(rest: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    let (mut depth, mut in_class) = (0usize, false);
    while let Some(&c) = rest.peek() {
        match (c, in_class) {
            ('\\', _) => {
                rest.next();
            }
            ('[', false) => in_class = true,
            (']', true) => in_class = false,
            ('(', false) => depth += 1,
            (')', false) if depth == 0 => return,
            (')', false) => depth -= 1,
            _ => {}
        }
        rest.next();
    }
}

/// After a `{`: consumes a counted repeat's `m}`, `m,}` or `m,n}` and
/// returns its minimum `m`; leaves anything else (a literal `{`) alone.
fn counted_repeat(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<u32> {
    let mut ahead = chars.clone();
    let digits: String = std::iter::from_fn(|| ahead.next_if(char::is_ascii_digit)).collect();
    let min = digits.parse::<u32>().ok()?;
    if ahead.next_if_eq(&',').is_some() {
        while ahead.next_if(char::is_ascii_digit).is_some() {}
    }
    ahead.next_if_eq(&'}')?;
    *chars = ahead;
    Some(min)
}

/// What lies around each value in the texts a sweep scans, and so what its
/// anchors become (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bounds {
    /// A separator before and after every value: the joined texts of the
    /// head phases. Anchors become [`SEPARATOR`] (an end anchor only where
    /// a match ends).
    Separated,
    /// The body phases, whose sweeps also screen raw bodies: a value
    /// follows a byte that is not a word byte or starts the body, and need
    /// not be followed by such a byte (a value cut at its size limit, the
    /// empty value of a form field without `=`). Start anchors become
    /// [`VALUE_START`]; end anchors are dropped.
    Open,
}

impl Bounds {
    /// The bounds of the values of `phase`'s sweeps.
    fn of(phase: Phase) -> Bounds {
        match phase {
            Phase::RequestHeaders | Phase::ResponseHeaders => Bounds::Separated,
            Phase::RequestBody | Phase::ResponseBody => Bounds::Open,
        }
    }

    /// The alphabet whose rare bytes gate patterns over such values.
    fn alphabet(self) -> Alphabet {
        match self {
            Bounds::Separated => Alphabet::Head,
            Bounds::Open => Alphabet::Body,
        }
    }
}

/// After an escape like `\x` or `\p`: copies a braced argument, `{41}`, as
/// it is, so that it is not read as a counted repeat.
fn copy_braces(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    if chars.peek() != Some(&'{') {
        return;
    }
    for c in chars.by_ref() {
        out.push(c);
        if c == '}' {
            return;
        }
    }
}

/// After a `[` inside a class: copies a POSIX class (`[:digit:]`, `[.a.]`,
/// `[=a=]`) through its own closing bracket, which does not end the class.
fn copy_posix_class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    let Some(mark) = chars.next() else {
        return;
    };
    out.push(mark);
    while let Some(c) = chars.next() {
        out.push(c);
        if c == mark && chars.peek() == Some(&']') {
            chars.next();
            out.push(']');
            return;
        }
    }
}

/// Whether a negated class of `text` may exclude an upper-case letter
/// (`[^A-Z]`, `[^\x41]`, `[^!-~]`). Compiled caseless, such a class would
/// also exclude the lower-case letter that a final `lowercase` produces,
/// and the sweep would miss what the lower-cased value matches.
pub(crate) fn negated_class_excludes_upper(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => {
                let upper = match chars.next_if_eq(&'^') {
                    Some(_) => class_may_hold_upper(&mut chars),
                    None => {
                        skip_class(&mut chars);
                        false
                    }
                };
                if upper {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// Reads a class body up to its `]`: whether it names an upper-case
/// letter, a hex escape, a POSIX class or a range that may span one.
fn class_may_hold_upper(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    let mut last: Option<char> = chars.next_if_eq(&']');
    while let Some(c) = chars.next() {
        match c {
            ']' => return false,
            '\\' => match chars.next() {
                Some('x' | 'o' | 'N' | 'p' | 'P') => return true,
                next => last = next,
            },
            // A POSIX class (`[:upper:]`, `[:alpha:]`) or a collating
            // element: taken as one that may.
            '[' if matches!(chars.peek(), Some(':' | '.' | '=')) => return true,
            '-' if chars.peek().is_some_and(|n| *n != ']') => {
                let high = chars.next().unwrap_or('-');
                if last.is_some_and(|low| low <= 'Z' && high >= 'A') {
                    return true;
                }
            }
            c if c.is_ascii_uppercase() => return true,
            c => last = Some(c),
        }
    }
    true
}

/// Skips a (not negated) class body up to its `]`.
fn skip_class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    chars.next_if_eq(&']');
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            ']' => return,
            _ => {}
        }
    }
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
    use super::{gated_parts, negated_class_excludes_upper, sweep_text, Bounds};
    use crate::engine::gate::{Alphabet, ByteSet, Reading};

    /// Each pattern's head-phase sweep form is the one given.
    fn assert_swept<S: AsRef<str>>(cases: &[(&str, S)]) {
        for (pattern, swept) in cases {
            let got = sweep_text(pattern, Bounds::Separated);
            assert_eq!(got.as_deref(), Some(swept.as_ref()), "{pattern}");
        }
    }

    #[test]
    fn branches_that_need_a_rare_byte_are_gated_apart() {
        let reading = Reading::default();
        let parts = gated_parts(r"(?:[;|]|\bnohup\s)\s*id|\{\{7", reading, Alphabet::Body);
        let expected_gate = ByteSet::of(b";|");
        assert_eq!(
            parts,
            [
                (r"(?:\bnohup\s)\s*id|\{\{7".to_string(), None),
                (r"(?:[;|])\s*id".to_string(), Some(expected_gate)),
            ]
        );
        // Without a branch of each kind, the pattern stays whole.
        for whole in [r"[;|]\s*id|<x", r"\bnohup\s*id|x", r"(?i)nohup|;"] {
            assert_eq!(
                gated_parts(whole, reading, Alphabet::Body),
                [(whole.to_string(), None)]
            );
        }
    }

    #[test]
    fn anchors_are_widened_or_dropped() {
        assert_eq!(
            sweep_text(r"\Aab\x2fc\z", Bounds::Separated).as_deref(),
            Some(r"[^a-zA-Z0-9_]ab\x2fc[^a-zA-Z0-9_]")
        );
        assert_eq!(
            sweep_text(r"(?:^|&)a\Z$", Bounds::Separated).as_deref(),
            Some(r"(?:[^a-zA-Z0-9_]|&)a[^a-zA-Z0-9_]")
        );
        assert_eq!(
            sweep_text(r"[^\A$]\\A\^", Bounds::Separated).as_deref(),
            Some(r"[^\A$]\\A\^")
        );
        assert_eq!(
            sweep_text(r"[]\A]x", Bounds::Separated).as_deref(),
            Some(r"[]\A]x")
        );
    }

    #[test]
    fn of_start_anchors_in_a_row_only_the_first_takes_a_byte() {
        let sep = super::SEPARATOR;
        let cases = [
            (r"^^a", format!("{sep}a")),
            (r"\A^a|^b", format!("{sep}a|{sep}b")),
            (r"(?:^a|b)^c", format!("(?:{sep}a|b)c")),
            (r"(?:-)?^a", format!("(?:-)?{sep}a")),
            (r"(^)?^a", format!("({sep})?a")),
            (r"(?:x|(?:^))^y", format!("(?:x|(?:{sep}))y")),
            (r"^$", format!("{sep}{sep}")),
        ];
        assert_swept(&cases);
        let open = super::VALUE_START;
        assert_eq!(
            sweep_text(r"\A^a", Bounds::Open).as_deref(),
            Some(format!("{open}a").as_str())
        );
    }

    #[test]
    fn counted_repeats_are_opened() {
        let cases = [
            (r"a{2,5}b{0,3}c{4}", "a+b*c+"),
            (r"\d{10,}x{0,}", r"\d+x*"),
            (r"\{1}[a{2}]x{y{,3}", r"\{1}[a{2}]x{y{,3}"),
            (r"(?:ab){3}?", "(?:ab)+?"),
        ];
        assert_swept(&cases);
    }

    #[test]
    fn an_end_anchor_takes_a_byte_only_where_nothing_can_follow_it() {
        let end = super::SEPARATOR;
        let cases = [
            (r"a$", format!("a{end}")),
            (r"(?:a|b$)+|c", format!("(?:a|b{end})+|c")),
            (r"(?:x|$|[)|]\)(?:y))", format!("(?:x|{end}|[)|]\\)(?:y))")),
            (r"(?:x|$)y", "(?:x|)y".to_string()),
            (r"a$\n", r"a\n".to_string()),
            (r"a\Z$", format!("a{end}")),
            (r"a${2}", format!("a{end}+")),
        ];
        assert_swept(&cases);
    }

    #[test]
    fn quoted_text_and_inline_flags_are_not_swept() {
        assert_eq!(sweep_text(r"\Qa$\E", Bounds::Separated), None);
        assert_eq!(sweep_text(r"(?-i)A", Bounds::Separated), None);
        assert_eq!(sweep_text(r"(?i:a)", Bounds::Separated), None);
        assert_eq!(
            sweep_text(r"[(?]a", Bounds::Separated).as_deref(),
            Some(r"[(?]a")
        );
    }

    #[test]
    fn braced_escapes_and_posix_classes_are_not_read_as_repeats_or_ends() {
        let cases = [
            (r"\x{41}b{2}", r"\x{41}b+"),
            (r"\p{L}{3}", r"\p{L}+"),
            (r"[[:digit:]$]x$", r"[[:digit:]$]x[^a-zA-Z0-9_]"),
            (r"[[:alpha:]{2}]", r"[[:alpha:]{2}]"),
        ];
        assert_swept(&cases);
    }

    #[test]
    fn body_sweeps_drop_end_anchors() {
        assert_eq!(
            sweep_text(r"ax$|b\z", Bounds::Open).as_deref(),
            Some("ax|b")
        );
        assert_eq!(
            sweep_text(r"\Aa|^b", Bounds::Open).as_deref(),
            Some(r"(?:^|[^a-zA-Z0-9_])a|(?:^|[^a-zA-Z0-9_])b")
        );
    }

    #[test]
    fn negated_classes_that_may_exclude_upper_case_are_found() {
        let unsafe_classes = [
            r"^[^A-Z]$",
            r"[^\x41]",
            r"x[^!-~]",
            r"[^a-zA-Z]",
            r"^[^[:upper:]]+$",
            r"[^x[:alpha:]]",
        ];
        for unsafe_class in unsafe_classes {
            assert!(negated_class_excludes_upper(unsafe_class), "{unsafe_class}");
        }
        for safe in [r"[^a-z0-9]", r"[^\s>]", r#"[A-Z][^'"]"#, r"\[^A", r"[^]a]"] {
            assert!(!negated_class_excludes_upper(safe), "{safe}");
        }
    }
}
