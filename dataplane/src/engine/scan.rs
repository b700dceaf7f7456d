//! Running a phase's databases over a transaction's values.
//!
//! A body phase whose sweeps can screen (see [`super::sweep::Screen`])
//! first tries its raw body: when the body holds nothing to decode and no
//! sweep reports on it, no value of the phase can match a swept database,
//! and the body is not split into values at all. A body that is not a
//! form is tried first with the sweep's lean database, when it has one
//! (see [`super::sweep::Lean`]); a sweep reading the raw body whole whose
//! patterns ride in the phase's lean database is cleared by the same
//! scan.
//!
//! Otherwise the phase's [`super::sweep::Sweep`], when it has one, runs
//! first (see [`Batch`]) and names the (database, value) pairs that can match; each
//! swept database then scans only those values, one by one, transformed by
//! its chain. A database outside the sweep, or every database when the
//! sweep gave up, scans each value of its source. Streaming databases of a
//! body that no [`super::BodyStream`] fed run over the body the transaction
//! kept, as one piece. Databases and values are visited in the same order
//! either way, so the evidence kept is the same. Matches go to the
//! [`Inspection`], which checks selectors and confirms prefiltered
//! patterns.

use std::sync::Arc;

use hyperscan::{BlockDatabase, Matching, Scratch};
use memchr::memmem::Finder;
use smallvec::SmallVec;

use super::batch::Batch;
use super::extract::{TxFields, Value};
use super::html;
use super::inspection::{Bits, Inspection};
use super::matcher::MatcherStats;
use super::snapshot::{Group, Snapshot, StreamGroup};
use super::source::{Phase, Source};
use super::sweep::{Screen, Sweep};
use super::transform::apply;
use crate::http::normalize::is_media_type;

/// What a scan needs from the worker's matcher.
pub(crate) struct Scanner<'m> {
    pub(crate) scratch: &'m Scratch,
    pub(crate) stats: &'m mut MatcherStats,
    /// (pattern id, match end) of the current scan; reused between scans.
    pub(crate) found: &'m mut Vec<(u32, u64)>,
    pub(crate) batch: &'m mut Batch,
}

/// What the sweeps of a phase found.
enum Swept {
    /// Every sweep ran: the pairs name every value a swept target must
    /// scan.
    Every,
    /// These targets are swept (their pairs name what they scan); every
    /// other target scans all its values.
    Only(Bits),
}

/// Which values of a database to scan.
#[derive(Clone, Copy)]
enum Values<'c> {
    All,
    /// The sorted (target, value index) pairs of a sweep.
    Only(&'c [(u32, u32)]),
}

impl Scanner<'_> {
    /// Runs every database of `phase`; `snapshot` is the one `insp` holds.
    pub(crate) fn phase(
        &mut self,
        snapshot: &Arc<Snapshot>,
        insp: &mut Inspection,
        fields: &mut TxFields<'_>,
        phase: Phase,
    ) {
        self.batch.clean.begin(snapshot);
        let swept = self.sweeps(snapshot, insp, fields, phase);
        let pairs = std::mem::take(&mut self.batch.found);
        match swept {
            // The targets no sweep covers, and those the pairs name.
            Swept::Every => {
                let unswept = snapshot.unswept.get(phase.index());
                let unswept = unswept.map_or(&[][..], Vec::as_slice);
                let named = pairs.chunk_by(|a, b| a.0 == b.0).filter_map(<[_]>::first);
                for (target, whole) in merged(unswept, named.map(|(t, _)| *t)) {
                    let values = match whole {
                        true => Values::All,
                        false => Values::Only(&pairs),
                    };
                    self.visit(snapshot, target, insp, fields, values);
                }
            }
            Swept::Only(swept) => {
                let of_phase = snapshot.phase_targets.get(phase.index());
                for &target in of_phase.into_iter().flatten() {
                    let values = match swept.get(target as usize) {
                        true if !names(&pairs, target) => continue,
                        true => Values::Only(&pairs),
                        false => Values::All,
                    };
                    self.visit(snapshot, target, insp, fields, values);
                }
            }
        }
        self.batch.found = pairs;
    }

    /// Scans `values` of target `target` (see [`super::sweep::Target`]).
    fn visit(
        &mut self,
        snapshot: &Snapshot,
        target: u32,
        insp: &mut Inspection,
        fields: &mut TxFields<'_>,
        values: Values<'_>,
    ) {
        let t = target as usize;
        match t.checked_sub(snapshot.groups.len()) {
            None => self.group(snapshot, t, insp, fields, values),
            Some(stream) if !insp.streamed.get(stream) => {
                self.whole_body(snapshot, t, insp, fields, values);
            }
            Some(_) => {}
        }
    }

    /// Runs the sweeps of `phase`: which targets their pairs stand for.
    fn sweeps(
        &mut self,
        snapshot: &Snapshot,
        insp: &Inspection,
        fields: &mut TxFields<'_>,
        phase: Phase,
    ) -> Swept {
        self.batch.clear();
        let sweeps = || snapshot.sweeps.iter().filter(|s| s.phase == phase);
        if sweeps().next().is_none() {
            return Swept::Only(Bits::default());
        }
        // Every source of a body phase is read from its body: without one,
        // no sweep has a value to report on.
        let body = fields.raw_body(phase);
        if body.is_some_and(|(body, _)| body.is_empty()) {
            return Swept::Every;
        }
        if body.is_some_and(|body| self.screened(sweeps(), body)) {
            self.stats.screened += 1;
            return Swept::Every;
        }
        let head = matches!(phase, Phase::RequestHeaders | Phase::ResponseHeaders);
        let of_phase = snapshot.sweeps.iter().enumerate();
        let mut gave_up: SmallVec<[usize; 4]> = SmallVec::new();
        for (id, sweep) in of_phase.filter(|(_, s)| s.phase == phase) {
            let sources = sweep.sources.iter().copied();
            let needed = sources.filter(|source| needs(snapshot, insp, sweep, *source));
            let names = sweep.header_names.as_deref();
            let remembered = u16::try_from(id).ok().filter(|_| head);
            if self.batch.join_raw(needed, fields, names, remembered) {
                self.stats.queries_remembered += 1;
            }
            if !self
                .batch
                .run(sweep, (self.scratch, self.stats), remembered)
            {
                gave_up.push(id);
            }
        }
        self.batch.sort();
        if gave_up.is_empty() {
            return Swept::Every;
        }
        // The targets of the sweeps that ran.
        let mut swept = Bits::new(snapshot.groups.len() + snapshot.streams.len());
        let of_phase = snapshot.sweeps.iter().enumerate();
        for (_, sweep) in of_phase.filter(|(id, s)| s.phase == phase && !gave_up.contains(id)) {
            sweep.targets.iter().for_each(|t| swept.set(*t as usize));
        }
        Swept::Only(swept)
    }

    /// True when a body phase's raw `body` (with its `Content-Type`), not
    /// empty, clears every sweep of the phase: each can screen, the body
    /// holds nothing that the chains or the extraction of values would
    /// decode, and no sweep reports on it. A `+` (a space once
    /// URL-decoded) is allowed: the body is then also scanned with each `+`
    /// read as a space.
    fn screened<'s>(
        &mut self,
        sweeps: impl Iterator<Item = &'s Sweep> + Clone,
        (body, content_type): (&[u8], Option<&[u8]>),
    ) -> bool {
        let mut needs = Screen::default();
        for sweep in sweeps.clone() {
            let Some(screen) = &sweep.screen else {
                return false;
            };
            needs.escapes |= screen.escapes;
            needs.url |= screen.url;
            needs.html |= screen.html;
        }
        let is = |media: &[u8]| content_type.is_some_and(|c| is_media_type(c, media));
        if is(b"multipart/form-data") {
            return false;
        }
        let form = is(b"application/x-www-form-urlencoded");
        needs.url |= form;
        // A JSON escape when a sweep reads one decoded, a percent escape
        // when some chain URL-decodes.
        let escape = match (needs.escapes, needs.url) {
            (true, true) => memchr::memchr2(b'\\', b'%', body),
            (true, false) => memchr::memchr(b'\\', body),
            (false, true) => memchr::memchr(b'%', body),
            (false, false) => None,
        };
        if escape.is_some() {
            return false;
        }
        let plus = needs.url && memchr::memchr(b'+', body).is_some();
        if needs.html && memchr::memchr(b'&', body).is_some() && html::decode(body) != body {
            return false;
        }
        // The lean database that other sweeps ride in is scanned once, for
        // its own sweep and for them; not for a form, whose values are not
        // JSON.
        let carrier = match form {
            true => None,
            false => sweeps
                .clone()
                .find_map(|s| s.lean.as_ref().filter(|l| l.carries)),
        };
        let mut carrier_clears: Option<bool> = None;
        let mut spaced = Vec::new();
        if plus {
            spaced = body
                .iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect();
        }
        for sweep in sweeps {
            if let Some(Screen {
                base64_run: Some(run),
                names,
                ..
            }) = &sweep.screen
            {
                // The names are searched only when there is no run.
                let named = || names.iter().any(|n| holds(body, &spaced, n));
                if has_base64_run(body, *run) || named() {
                    return false;
                }
                continue;
            }
            let texts = [body, &spaced[..]];
            let lean = match &sweep.lean {
                Some(lean) if !form => Some(lean),
                _ if sweep.in_lean => carrier,
                _ => None,
            };
            let clears = match lean {
                Some(lean) if lean.carries => *carrier_clears.get_or_insert_with(|| {
                    !lean.db.as_ref().is_some_and(|db| self.reports(db, &texts))
                }),
                Some(lean) => !lean.db.as_ref().is_some_and(|db| self.reports(db, &texts)),
                None => false,
            };
            // Otherwise reported, or not a body for it: the long way decides.
            if clears {
                continue;
            }
            // Patterns limited to names that reported: they count only if
            // the body holds one of their names, searched once after.
            let mut named: SmallVec<[u32; 4]> = SmallVec::new();
            for text in [body, &spaced[..]] {
                if text.is_empty() {
                    continue;
                }
                let Some(db) = sweep.db_for(text) else {
                    continue;
                };
                self.stats.scans += 1;
                let mut reported = false;
                let scanned = db.scan(text, self.scratch, |id, _, _, _| {
                    if named.contains(&id) {
                        return Matching::Continue;
                    }
                    if sweep.named.of(id).is_some() {
                        named.push(id);
                        return Matching::Continue;
                    }
                    reported = true;
                    Matching::Terminate
                });
                if reported || scanned.is_err() {
                    return false;
                }
            }
            if !named.is_empty() {
                let present = sweep.named.present(&[body, &spaced], self.scratch);
                let held = |n: &u32| present.get(*n as usize) == Some(&true);
                let holds = |id: &u32| sweep.named.of(*id).is_some_and(|n| n.iter().any(held));
                if named.iter().any(holds) {
                    return false;
                }
            }
        }
        true
    }

    /// Whether `db` reports on one of `texts` (or cannot scan it).
    fn reports(&mut self, db: &BlockDatabase, texts: &[&[u8]]) -> bool {
        for text in texts.iter().filter(|t| !t.is_empty()) {
            self.stats.scans += 1;
            let mut reported = false;
            let scanned = db.scan(*text, self.scratch, |_, _, _, _| {
                reported = true;
                Matching::Terminate
            });
            if reported || scanned.is_err() {
                return true;
            }
        }
        false
    }

    fn group(
        &mut self,
        snapshot: &Snapshot,
        t: usize,
        insp: &mut Inspection,
        fields: &mut TxFields<'_>,
        values: Values<'_>,
    ) {
        let Some(group) = snapshot.groups.get(t) else {
            return;
        };
        let all = fields.values(group.source);
        for (_, value) in chosen(all, t, values) {
            self.group_value(group, value, insp);
        }
    }

    fn group_value(&mut self, group: &Group, value: &Value<'_>, insp: &mut Inspection) {
        let transformed = apply(&group.chain, &value.bytes);
        self.found.clear();
        let found = &mut *self.found;
        let scanned = group.db.scan(&*transformed, self.scratch, |id, _, to, _| {
            found.push((id, to));
            Matching::Continue
        });
        self.stats.scans += 1;
        if scanned.is_err() {
            self.stats.scan_errors += 1;
            return;
        }
        let at = (group.source, value.name());
        self.record_found(insp, &group.tests, at, &transformed);
    }

    /// Runs a streaming database over the kept copy of a body.
    fn whole_body(
        &mut self,
        snapshot: &Snapshot,
        t: usize,
        insp: &mut Inspection,
        fields: &mut TxFields<'_>,
        values: Values<'_>,
    ) {
        let stream = t.checked_sub(snapshot.groups.len());
        let Some(stream) = stream.and_then(|s| snapshot.streams.get(s)) else {
            return;
        };
        let all = fields.values(stream.source);
        for (_, value) in chosen(all, t, values) {
            self.body_value(stream, value, insp);
        }
    }

    fn body_value(&mut self, stream: &StreamGroup, value: &Value<'_>, insp: &mut Inspection) {
        let transformed = apply(&stream.chain, &value.bytes);
        self.found.clear();
        let found = &mut *self.found;
        let mut on_match = |id, _, to, _| {
            found.push((id, to));
            Matching::Continue
        };
        let scanned = stream.db.open_stream().and_then(|open| {
            let fed = open.scan(&*transformed, self.scratch, &mut on_match);
            let closed = open.close(self.scratch, &mut on_match);
            fed.and(closed)
        });
        self.stats.scans += 1;
        if scanned.is_err() {
            self.stats.scan_errors += 1;
        }
        self.record_found(insp, &stream.tests, (stream.source, None), &transformed);
    }

    /// Records each match of the last scan of `text` (a value of `at`)
    /// as evidence for the test its pattern id stands for in `tests`.
    fn record_found(
        &mut self,
        insp: &mut Inspection,
        tests: &[u32],
        at: (Source, Option<&[u8]>),
        text: &[u8],
    ) {
        for &(id, end) in self.found.iter() {
            if let Some(&test) = tests.get(id as usize) {
                insp.record(self.stats, test, at, text, end);
            }
        }
    }
}

/// Whether `text` holds a run of at least `min` base64 characters,
/// whitespace between them allowed (see [`super::transform`]'s
/// `base64-decode`).
///
/// Such a run spans at least `min` bytes, none of which ends a run. So the
/// search looks at the last byte of each `min`-byte window and walks back
/// to the nearest byte that ends a run, which in JSON or form text is a
/// few bytes away; the next window starts after it. Only a window free of
/// such bytes is counted exactly.
fn has_base64_run(text: &[u8], min: usize) -> bool {
    let Some(width) = min.checked_sub(1) else {
        return true;
    };
    let mut start = 0usize;
    while let Some(window) = text.get(start..=start.saturating_add(width)) {
        if let Some(last) = window.iter().rposition(|b| ends_run(*b)) {
            start += last + 1;
            continue;
        }
        let rest = text.get(start..).unwrap_or_default();
        let run = rest.iter().take_while(|b| !ends_run(**b));
        if run.clone().filter(|b| !b.is_ascii_whitespace()).count() >= min {
            return true;
        }
        start += run.count() + 1;
    }
    false
}

/// A byte that is neither a base64 character (either alphabet) nor
/// whitespace.
fn ends_run(b: u8) -> bool {
    !(b.is_ascii_alphanumeric()
        || matches!(b, b'+' | b'/' | b'-' | b'_')
        || b.is_ascii_whitespace())
}

/// Whether the raw `body`, or the same with each `+` read as a space
/// (`spaced`, empty when the body has no `+`), holds `name`: a form
/// field's name is written with `+` for its spaces.
fn holds(body: &[u8], spaced: &[u8], name: &Finder<'_>) -> bool {
    let found = |text: &[u8]| name.find(text).is_some();
    found(body) || (!spaced.is_empty() && found(spaced))
}

/// Whether some database of `sweep` still needs the values of `source`:
/// a body's streaming database needs none once the body was streamed.
fn needs(snapshot: &Snapshot, insp: &Inspection, sweep: &Sweep, source: Source) -> bool {
    if !source.is_body() {
        return true;
    }
    let groups = snapshot.groups.len();
    sweep.targets.iter().any(|t| {
        let stream = (*t as usize).checked_sub(groups);
        let done = stream.is_some_and(|s| insp.streamed.get(s));
        !done && target_source(snapshot, *t) == Some(source)
    })
}

/// The source a target reads.
fn target_source(snapshot: &Snapshot, target: u32) -> Option<Source> {
    let t = target as usize;
    match t.checked_sub(snapshot.groups.len()) {
        None => snapshot.groups.get(t).map(|g| g.source),
        Some(s) => snapshot.streams.get(s).map(|s| s.source),
    }
}

/// Whether the sorted sweep `pairs` name a value for `target`; a swept
/// target named by none has nothing to scan, and its source need not even
/// be extracted.
fn names(pairs: &[(u32, u32)], target: u32) -> bool {
    let from = pairs.partition_point(|(p, _)| *p < target);
    pairs.get(from).is_some_and(|(p, _)| *p == target)
}

/// The ascending targets of `whole` (scanned whole, flagged true) and of
/// `named` (flagged false), merged in ascending order.
fn merged<'a>(
    whole: &'a [u32],
    named: impl Iterator<Item = u32> + 'a,
) -> impl Iterator<Item = (u32, bool)> + 'a {
    let mut whole = whole.iter().copied().peekable();
    let mut named = named.peekable();
    std::iter::from_fn(move || match (whole.peek(), named.peek()) {
        (Some(w), Some(n)) if n < w => named.next().map(|n| (n, false)),
        (Some(_), _) => whole.next().map(|w| (w, true)),
        (None, _) => named.next().map(|n| (n, false)),
    })
}

/// The values target `t` scans, with their indexes, in order.
fn chosen<'v, 'a>(
    all: &'v [Value<'a>],
    t: usize,
    values: Values<'v>,
) -> impl Iterator<Item = (usize, &'v Value<'a>)> + 'v {
    let (whole, pairs) = match values {
        Values::All => (true, &[][..]),
        Values::Only(pairs) => (false, pairs),
    };
    let target = u32::try_from(t).unwrap_or(u32::MAX);
    let from = pairs.partition_point(|(p, _)| *p < target);
    let picked = pairs.get(from..).unwrap_or_default().iter();
    let picked = picked
        .take_while(move |(p, _)| *p == target)
        .map(|(_, v)| *v as usize);
    let every = whole.then_some(0..all.len()).into_iter().flatten();
    every
        .chain(picked)
        .filter_map(move |i| all.get(i).map(|value| (i, value)))
}

#[cfg(test)]
mod tests {
    use super::{has_base64_run, merged};

    #[test]
    fn merged_targets_keep_ascending_order_and_their_flag() {
        let merge = |whole: &[u32], named: &[u32]| -> Vec<(u32, bool)> {
            merged(whole, named.iter().copied()).collect()
        };
        let got = merge(&[1, 4, 9], &[0, 2, 3, 10]);
        let want = [
            (0, false),
            (1, true),
            (2, false),
            (3, false),
            (4, true),
            (9, true),
            (10, false),
        ];
        assert_eq!(got, want);
        assert_eq!(merge(&[], &[5]), [(5, false)]);
        assert_eq!(merge(&[5], &[]), [(5, true)]);
        assert_eq!(merge(&[], &[]), []);
    }

    /// The definition, byte by byte.
    fn longest_run(text: &[u8]) -> usize {
        let (mut run, mut longest) = (0, 0);
        for &b in text {
            if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_') {
                run += 1;
                longest = usize::max(longest, run);
            } else if !b.is_ascii_whitespace() {
                run = 0;
            }
        }
        longest
    }

    #[test]
    fn the_skipping_search_agrees_with_the_definition() {
        let alphabet = b"aZ09+/-_ \t\n\",:{}.=%";
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = next() % 40;
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[next() as usize % alphabet.len()])
                .collect();
            let longest = longest_run(&text);
            for min in 1..12 {
                assert_eq!(has_base64_run(&text, min), longest >= min, "{text:?} {min}");
            }
        }
    }

    #[test]
    fn a_base64_run_may_hold_whitespace_and_ends_at_other_bytes() {
        assert!(has_base64_run(b"", 0));
        assert!(has_base64_run(b"{\"k\":\"PCFk b2N0\"}", 8));
        assert!(!has_base64_run(b"{\"k\":\"PCFk\",\"j\":\"b2N0\"}", 5));
        assert!(has_base64_run(b"a-b_c+d/e", 9));
        assert!(!has_base64_run(b"a-b_c+d/e", 10));
        assert!(!has_base64_run(b"abc.def", 4));
        assert!(has_base64_run(b"x.a b c d", 4));
        assert!(!has_base64_run(b"x.a b c.d", 4));
        assert!(has_base64_run(b"ab", 1));
        assert!(!has_base64_run(b"", 1));
    }
}
