//! Running a phase's [`Sweep`]: the phase's values joined, transformed,
//! scanned once per distinct result, and the reports turned into the
//! (database, value) pairs the exact scan must look at.
//!
//! The raw values of every source the sweep reads are joined first, each
//! followed by `\n` (of the header fields, only those the sweep's
//! patterns aim at), and the bytes each source holds that some transform
//! would change are noted ([`changes`]). A transform of a chain that would
//! change nothing in the values reaching it is left out, wherever it
//! stands (see [`effective`]); chains that come to the same effective
//! chain share one joined text, so a chain of `url-decode, lowercase` over
//! values without `%` or `+` is scanned together with plain `lowercase`,
//! `url-decode, html-entity-decode` over values with a `+` but no `%` or
//! `&` together with `url-decode`, and chains that change nothing read the
//! raw join. The distinct texts
//! are laid end to end, after one separator, and scanned in one call, by
//! the sweep database or, when no value holds a byte its gated patterns
//! need, by the one without them (see [`super::gate`]).
//!
//! In the head phases, a value that the same sweep found clean before,
//! under the same snapshot, is left out of the join (see [`super::clean`]);
//! so are all the values of a query string whose values the sweep found
//! clean before, which is then not even split into parameters.
//!
//! A report names the value its match ends in; a match whose end anchor
//! took the separator after a value ends one byte past it, and names that
//! value too (see [`super::sweep`]).
//!
//! The workspace lives in the worker's [`super::Matcher`] and is reused,
//! so a transaction allocates nothing here once buffers have grown.

use hyperscan::{Matching, Scratch};
use palisade_rules::Transform;
use smallvec::SmallVec;

use super::clean::{Clean, Key};
use super::extract::TxFields;
use super::matcher::MatcherStats;
use super::source::Source;
use super::sweep::{Owner, Sweep};
use super::transform::{apply_into, changes, effective};

/// Reported pairs above which the sweep stops and every value is scanned
/// one by one instead (a pattern reporting at every byte, say).
const MAX_FOUND: usize = 4096;

/// One value's place in a joined text.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    /// Where the value ends (the `\n` after it).
    end: usize,
    source: Source,
    /// Index among its source's values.
    index: u32,
    /// The pass whose text holds it (see [`Batch::run`]).
    pass: u16,
    /// Its index among the raw values.
    raw: u32,
    /// Its slot in the memory of clean values, when that is used and the
    /// value is short enough to be kept (see [`Clean::slot`]).
    clean: Option<u16>,
}

/// One joined text to scan: an effective chain (the transforms of a
/// sweep chain that change something in its values, see [`effective`]),
/// the chains it stands for and the sources it holds, as bit sets.
#[derive(Clone, Debug)]
struct Pass {
    chain: SmallVec<[Transform; 4]>,
    chains: u64,
    sources: u32,
}

/// A worker's reusable sweep workspace.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    raw: Vec<u8>,
    raw_spans: Vec<Span>,
    joined: Vec<u8>,
    spans: Vec<Span>,
    changed: [u8; Source::COUNT],
    passes: Vec<Pass>,
    /// (target, value index) pairs to scan exactly, sorted.
    pub(crate) found: Vec<(u32, u32)>,
    /// Per raw value, whether the sweep named it.
    reported: Vec<bool>,
    /// Head values found clean before.
    pub(crate) clean: Clean,
    /// Per source and value index, its slot in `clean` and the sweeps
    /// that found it clean, looked up once a phase (see [`Batch::known`]).
    known: [Vec<Option<Known>>; Source::COUNT],
    /// Sources whose `known` list belongs to this phase, as bits.
    known_sources: u32,
    /// The query string's slot in `clean` and the sweeps that found all
    /// its values clean, once looked up in this phase.
    query_known: Option<Known>,
    /// The query string at `query_slot`.
    query: Vec<u8>,
    /// The query string's slot, when the last join took its values: they
    /// are remembered together if the sweep names none of them.
    query_slot: Option<u16>,
}

/// What the memory of clean values holds of one value.
#[derive(Clone, Copy, Debug)]
struct Known {
    slot: Option<u16>,
    sweeps: u64,
}

impl Batch {
    /// Runs `sweep` over the values joined by [`Batch::join_raw`]. True
    /// when [`Batch::found`] holds every pair that can match; false when
    /// the sweep gave up and each of its databases must scan every value.
    /// With `remembered`, the sweep's index (the one given to the join),
    /// the joined values found clean now are remembered (see
    /// [`super::clean`]).
    pub(crate) fn run(
        &mut self,
        sweep: &Sweep,
        scanning: (&Scratch, &mut MatcherStats),
        remembered: Option<u16>,
    ) -> bool {
        let (scratch, stats) = scanning;
        self.reported.clear();
        self.reported.resize(self.raw_spans.len(), false);
        let scanned = self.raw_spans.is_empty() || self.scan_passes(sweep, scratch, stats);
        if let Some(id) = remembered.filter(|_| scanned) {
            self.remember_clean(id);
        }
        scanned
    }

    /// Joins the values once per pass and scans the joined text; false if
    /// the sweep must give up.
    fn scan_passes(&mut self, sweep: &Sweep, scratch: &Scratch, stats: &mut MatcherStats) -> bool {
        self.plan(sweep);
        self.joined.clear();
        // The text starts with the separator, as every value follows one:
        // the sweep's start anchors take a byte (see `super::sweep`).
        self.joined.push(sweep.separator);
        self.spans.clear();
        for at in 0..self.passes.len() {
            let Some(pass) = self.passes.get(at) else {
                break;
            };
            let (chain, sources) = (pass.chain.clone(), pass.sources);
            self.join(&chain, at, sources, sweep.separator);
        }
        if self.spans.is_empty() {
            return true;
        }
        stats.scans += 1;
        self.scan_joined(sweep, scratch)
    }

    /// Remembers the raw values no report named as clean for sweep `id`,
    /// and the query string when no report named a value taken from it.
    fn remember_clean(&mut self, id: u16) {
        let mut query_named = false;
        for (span, reported) in self.raw_spans.iter().zip(&self.reported) {
            query_named |= *reported && span.source.is_from_query();
            let value = self.raw.get(span.start..span.end).unwrap_or_default();
            match (span.clean, reported) {
                (Some(at), false) => self.clean.insert(at, id, Key::Value(span.source), value),
                _ => continue,
            }
        }
        if let Some(at) = self.query_slot.filter(|_| !query_named) {
            self.clean.insert(at, id, Key::Query, &self.query);
        }
    }

    /// Starts a phase: forgets the pairs and lookups of the last one.
    pub(crate) fn clear(&mut self) {
        self.found.clear();
        self.known_sources = 0;
        self.query_known = None;
    }

    /// The slot of value `index` of `source` (`bytes`) in the memory of
    /// clean values, and the sweeps that found it clean; looked up on the
    /// first call of the phase.
    fn known(&mut self, source: Source, index: usize, bytes: &[u8], count: usize) -> Known {
        let bit = 1u32 << source as u32;
        let Some(list) = self.known.get_mut(source as usize) else {
            return Known {
                slot: None,
                sweeps: 0,
            };
        };
        if self.known_sources & bit == 0 {
            self.known_sources |= bit;
            list.clear();
            list.resize(count, None);
        }
        if let Some(Some(known)) = list.get(index) {
            return *known;
        }
        let key = Key::Value(source);
        let slot = self.clean.slot(key, bytes);
        let sweeps = slot.map_or(0, |at| self.clean.sweeps(at, key, bytes));
        let known = Known { slot, sweeps };
        if let Some(entry) = list.get_mut(index) {
            *entry = Some(known);
        }
        known
    }

    /// The slot of the query string in the memory of clean values, and
    /// the sweeps that found every value taken from it clean; looked up on
    /// the first call of the phase. A request without a query string has
    /// none (and no values to take from it).
    fn query_known(&mut self, fields: &mut TxFields<'_>) -> Known {
        if let Some(known) = self.query_known {
            return known;
        }
        let query = fields.values(Source::Query).first();
        let slot = query.and_then(|q| self.clean.slot(Key::Query, &q.bytes));
        let sweeps = match (slot, query) {
            (Some(at), Some(q)) => self.clean.sweeps(at, Key::Query, &q.bytes),
            _ => 0,
        };
        let known = Known { slot, sweeps };
        self.query_known = Some(known);
        known
    }

    /// Ends a phase: the pairs in target order, each once.
    pub(crate) fn sort(&mut self) {
        self.found.sort_unstable();
        self.found.dedup();
    }

    /// Joins the raw values of `sources` (once each) and notes what
    /// transforms would change in them. Header fields are taken only when
    /// `header_names` (lower-case) holds their name, or when it is `None`.
    /// With `remembered`, the index of the sweep the join is for, values
    /// that sweep found clean before are left out, as are those taken
    /// from a query string it found clean before, and the slot of each
    /// value kept (and of the query string) is noted for [`Batch::run`] to
    /// remember it. True when a query string's values were left out so.
    pub(crate) fn join_raw(
        &mut self,
        sources: impl Iterator<Item = Source>,
        fields: &mut TxFields<'_>,
        header_names: Option<&[Vec<u8>]>,
        remembered: Option<u16>,
    ) -> bool {
        self.raw.clear();
        self.raw_spans.clear();
        self.changed = [0; Source::COUNT];
        self.query_slot = None;
        let mut query_left_out = false;
        let mut seen = 0u32;
        for source in sources {
            if seen >> source as u32 & 1 == 1 {
                continue;
            }
            seen |= 1 << source as u32;
            if let Some(id) = remembered.filter(|_| source.is_from_query()) {
                let known = self.query_known(fields);
                if holds_bit(known.sweeps, id) {
                    query_left_out = true;
                    continue;
                }
                if self.query_slot.is_none() && known.slot.is_some() {
                    // Copied only when it may have to be remembered.
                    self.query.clear();
                    if let Some(query) = fields.values(Source::Query).first() {
                        self.query.extend_from_slice(&query.bytes);
                    }
                }
                self.query_slot = known.slot;
            }
            let mut changed = 0;
            let values = fields.values(source);
            for (index, value) in values.iter().enumerate() {
                if source.is_headers() && !wanted(header_names, value.name()) {
                    continue;
                }
                let mut clean = None;
                if let Some(id) = remembered {
                    let known = self.known(source, index, &value.bytes, values.len());
                    if holds_bit(known.sweeps, id) {
                        continue;
                    }
                    clean = known.slot;
                }
                let start = self.raw.len();
                self.raw.extend_from_slice(&value.bytes);
                changed |= changes(&value.bytes);
                let index = u32::try_from(index).unwrap_or(u32::MAX);
                let end = self.raw.len();
                self.raw_spans.push(Span {
                    start,
                    end,
                    source,
                    index,
                    pass: 0,
                    raw: 0,
                    clean,
                });
                self.raw.push(b'\n');
            }
            if let Some(slot) = self.changed.get_mut(source as usize) {
                *slot = changed;
            }
        }
        query_left_out
    }

    /// One pass per distinct effective chain.
    fn plan(&mut self, sweep: &Sweep) {
        self.passes.clear();
        for (slot, chain) in sweep.chains.iter().enumerate() {
            let sources = chain.sources.iter().fold(0u32, |m, s| m | 1 << *s as u32);
            let changed = chain.sources.iter().fold(0, |c, s| c | self.changed_in(*s));
            let effective = effective(&chain.chain, changed);
            let bit = 1u64 << (slot % 64);
            match self.passes.iter_mut().find(|p| p.chain == effective) {
                Some(pass) => {
                    pass.chains |= bit;
                    pass.sources |= sources;
                }
                None => self.passes.push(Pass {
                    chain: effective,
                    chains: bit,
                    sources,
                }),
            }
        }
    }

    fn changed_in(&self, source: Source) -> u8 {
        self.changed
            .get(source as usize)
            .copied()
            .unwrap_or(u8::MAX)
    }

    /// Scans the joined texts of every pass at once; false if the sweep
    /// must give up.
    fn scan_joined(&mut self, sweep: &Sweep, scratch: &Scratch) -> bool {
        let (text, spans, passes) = (&self.joined, &self.spans, &self.passes);
        let found = &mut self.found;
        let reported = &mut self.reported;
        let Some(db) = sweep.db_for_runs(runs(text, spans)) else {
            return true;
        };
        let scanned = db.scan(&text[..], scratch, |id, _, to, _| {
            let to = usize::try_from(to).unwrap_or(usize::MAX);
            report(sweep, (passes, spans), (id, to), (found, reported));
            if found.len() > MAX_FOUND {
                return Matching::Terminate;
            }
            Matching::Continue
        });
        scanned.is_ok()
    }

    /// Appends the raw values of `sources`, each through `chain`, as the
    /// texts of pass `pass`.
    fn join(&mut self, chain: &[Transform], pass: usize, sources: u32, separator: u8) {
        let pass = u16::try_from(pass).unwrap_or(u16::MAX);
        let read = self.raw_spans.iter().enumerate();
        for (raw, span) in read.filter(|(_, s)| sources >> s.source as u32 & 1 == 1) {
            let value = self.raw.get(span.start..span.end).unwrap_or_default();
            let start = self.joined.len();
            apply_into(chain, value, &mut self.joined);
            let end = self.joined.len();
            self.spans.push(Span {
                start,
                end,
                pass,
                raw: u32::try_from(raw).unwrap_or(u32::MAX),
                ..*span
            });
            self.joined.push(separator);
        }
    }
}

/// The pieces of `text` that hold the values of one source each, in
/// order (the spans of a pass are in source order).
fn runs<'t>(text: &'t [u8], spans: &'t [Span]) -> impl Iterator<Item = (Source, &'t [u8])> {
    spans
        .chunk_by(|a, b| a.source == b.source && a.pass == b.pass)
        .filter_map(|run| {
            let (first, last) = (run.first()?, run.last()?);
            Some((first.source, text.get(first.start..last.end)?))
        })
}

/// Whether bit `id` of `sweeps` is set (none past the 64th).
fn holds_bit(sweeps: u64, id: u16) -> bool {
    sweeps.checked_shr(u32::from(id)).unwrap_or(0) & 1 == 1
}

/// Whether a header field called `name` is among `names` (lower-case;
/// `None`: all are).
fn wanted(names: Option<&[Vec<u8>]>, name: Option<&[u8]>) -> bool {
    let Some(names) = names else {
        return true;
    };
    let name = name.unwrap_or_default();
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Records the pairs a report of sweep pattern `id` ending at `to` names:
/// the value the end falls in, for each database of the pattern that reads
/// that value's source through a chain of the value's pass; and marks the
/// value reported.
fn report(
    sweep: &Sweep,
    texts: (&[Pass], &[Span]),
    hit: (u32, usize),
    out: (&mut Vec<(u32, u32)>, &mut [bool]),
) {
    let ((passes, spans), (id, to), (found, reported)) = (texts, hit, out);
    let owners = sweep.owners.get(id as usize).map_or(&[][..], Vec::as_slice);
    let at = spans.partition_point(|s| s.end < to);
    // A match that took the separator after a value as its end anchor
    // ends one byte past that value: it names the value before.
    let before = at.checked_sub(1).and_then(|b| spans.get(b));
    let before = before.filter(|s| s.end + 1 == to);
    let within = spans.get(at).filter(|s| s.start <= to);
    for span in before.into_iter().chain(within) {
        let Some(pass) = passes.get(usize::from(span.pass)) else {
            continue;
        };
        if name(owners, pass, span, found) {
            if let Some(mark) = reported.get_mut(span.raw as usize) {
                *mark = true;
            }
        }
    }
}

/// Records the pairs of `owners` that read `span`'s value in `pass`;
/// whether there are any.
fn name(owners: &[Owner], pass: &Pass, span: &Span, found: &mut Vec<(u32, u32)>) -> bool {
    let mut named = false;
    for owner in owners {
        let in_pass = pass.chains >> (owner.chain % 64) & 1 == 1;
        if in_pass && owner.source == span.source {
            named = true;
            if found.last() != Some(&(owner.target, span.index)) {
                found.push((owner.target, span.index));
            }
        }
    }
    named
}
