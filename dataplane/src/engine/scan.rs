//! Running a phase's databases over a transaction's values.
//!
//! Every block-mode database whose source becomes known at the phase scans
//! each value of its source, transformed by its chain, once. Streaming
//! databases of a body that no [`super::BodyStream`] fed are run over the
//! body the transaction kept, as one piece. Matches go to the
//! [`Inspection`], which checks selectors and confirms prefiltered patterns.

use std::sync::Arc;

use hyperscan::{Matching, Scratch};

use super::extract::TxFields;
use super::inspection::Inspection;
use super::matcher::MatcherStats;
use super::snapshot::{Group, StreamGroup};
use super::source::Phase;
use super::transform::apply;

/// What a scan needs from the worker's matcher.
pub(crate) struct Scanner<'m> {
    pub(crate) scratch: &'m Scratch,
    pub(crate) stats: &'m mut MatcherStats,
    /// (pattern id, match end) of the current scan; reused between scans.
    pub(crate) found: &'m mut Vec<(u32, u64)>,
}

impl Scanner<'_> {
    /// Runs every database of `phase`.
    pub(crate) fn phase(&mut self, insp: &mut Inspection, fields: &mut TxFields<'_>, phase: Phase) {
        let snapshot = Arc::clone(&insp.snapshot);
        for group in snapshot.groups.iter().filter(|g| g.source.phase() == phase) {
            self.group(group, insp, fields);
        }
        let streams = snapshot.streams.iter().enumerate();
        for (index, stream) in streams.filter(|(_, s)| s.source.phase() == phase) {
            if !insp.streamed.get(index) {
                self.whole_body(stream, insp, fields);
            }
        }
    }

    fn group(&mut self, group: &Group, insp: &mut Inspection, fields: &mut TxFields<'_>) {
        for value in fields.values(group.source) {
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
                continue;
            }
            for &(id, end) in self.found.iter() {
                let Some(&test) = group.tests.get(id as usize) else {
                    continue;
                };
                let at = (group.source, value.name());
                insp.record(self.stats, test, at, &transformed, end);
            }
        }
    }

    /// Runs a streaming database over the kept copy of a body.
    fn whole_body(
        &mut self,
        stream: &StreamGroup,
        insp: &mut Inspection,
        fields: &mut TxFields<'_>,
    ) {
        for value in fields.values(stream.source) {
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
            for &(id, end) in self.found.iter() {
                if let Some(&test) = stream.tests.get(id as usize) {
                    insp.record(self.stats, test, (stream.source, None), &transformed, end);
                }
            }
        }
    }
}
