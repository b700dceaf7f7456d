//! Values a head sweep found nothing in, remembered by the worker.
//!
//! Head fields repeat: a client sends the same `User-Agent`, `Accept` and
//! `Authorization` on every request. A value that a sweep of the phase's
//! head found nothing in cannot make any of its databases hold later
//! either: a report depends on the value and its source alone (a match
//! across two values is never a hit, and a gated-out pattern needs a byte
//! the value lacks). So such values are left out of the next joins of the
//! same sweep under the same snapshot (see [`super::batch`]).
//!
//! The memory is a direct-mapped table of [`SLOTS`] entries, indexed by a
//! keyed hash; an entry holds its value, compared byte for byte, so a hash
//! collision only costs a scan. Values longer than [`MAX_VALUE`] are not
//! kept. A new snapshot empties the table.

use std::hash::BuildHasher;
use std::sync::Arc;

use foldhash::fast::RandomState;

use super::snapshot::Snapshot;
use super::source::Source;

/// Entries in the table.
const SLOTS: usize = 1024;
/// The longest value kept.
pub(crate) const MAX_VALUE: usize = 256;

#[derive(Debug, Default)]
struct Entry {
    generation: u32,
    sweep: u16,
    source: Option<Source>,
    value: Vec<u8>,
}

/// A worker's memory of clean head values.
#[derive(Debug, Default)]
pub(crate) struct Clean {
    /// The snapshot the entries hold for.
    snapshot: Option<Arc<Snapshot>>,
    /// Entries of older snapshots carry older generations.
    generation: u32,
    slots: Vec<Entry>,
    hasher: RandomState,
}

impl Clean {
    /// Starts a phase under `snapshot`: forgets all if it is new.
    pub(crate) fn begin(&mut self, snapshot: &Arc<Snapshot>) {
        let same = self
            .snapshot
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, snapshot));
        if !same {
            self.snapshot = Some(Arc::clone(snapshot));
            self.generation = self.generation.wrapping_add(1);
        }
    }

    /// The slot `value` of `source` has for sweep `sweep`; `None` when the
    /// value is too long to be kept. A lookup and the insert after it
    /// share it, so the value is hashed once.
    pub(crate) fn slot(&self, sweep: u16, source: Source, value: &[u8]) -> Option<u16> {
        if value.len() > MAX_VALUE {
            return None;
        }
        let hash = self.hasher.hash_one((sweep, source as u8, value));
        u16::try_from(hash % SLOTS as u64).ok()
    }

    /// Whether `value` of `source`, at `slot`, was found clean by sweep
    /// `sweep`.
    pub(crate) fn holds(&self, slot: u16, sweep: u16, source: Source, value: &[u8]) -> bool {
        let Some(entry) = self.slots.get(usize::from(slot)) else {
            return false;
        };
        entry.generation == self.generation
            && entry.sweep == sweep
            && entry.source == Some(source)
            && entry.value == value
    }

    /// Remembers `value` of `source`, at `slot`, as clean for sweep
    /// `sweep`.
    pub(crate) fn insert(&mut self, slot: u16, sweep: u16, source: Source, value: &[u8]) {
        if self.slots.is_empty() {
            self.slots.resize_with(SLOTS, Entry::default);
        }
        let generation = self.generation;
        if let Some(entry) = self.slots.get_mut(usize::from(slot)) {
            entry.generation = generation;
            entry.sweep = sweep;
            entry.source = Some(source);
            entry.value.clear();
            entry.value.extend_from_slice(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Arc<Snapshot> {
        Arc::new(Snapshot::empty())
    }

    /// Looks `value` up as the batch does.
    fn holds(clean: &Clean, sweep: u16, source: Source, value: &[u8]) -> bool {
        let slot = clean.slot(sweep, source, value);
        slot.is_some_and(|at| clean.holds(at, sweep, source, value))
    }

    fn insert(clean: &mut Clean, sweep: u16, source: Source, value: &[u8]) {
        if let Some(at) = clean.slot(sweep, source, value) {
            clean.insert(at, sweep, source, value);
        }
    }

    #[test]
    fn a_value_is_held_for_its_sweep_source_and_snapshot_only() {
        let (first, second) = (snapshot(), snapshot());
        let mut clean = Clean::default();
        clean.begin(&first);
        assert!(!holds(&clean, 0, Source::Query, b"/a"));
        insert(&mut clean, 0, Source::Query, b"/a");
        assert!(holds(&clean, 0, Source::Query, b"/a"));
        assert!(!holds(&clean, 1, Source::Query, b"/a"));
        assert!(!holds(&clean, 0, Source::Path, b"/a"));
        assert!(!holds(&clean, 0, Source::Query, b"/a/"));
        clean.begin(&first);
        assert!(
            holds(&clean, 0, Source::Query, b"/a"),
            "the same snapshot keeps it"
        );
        clean.begin(&second);
        assert!(
            !holds(&clean, 0, Source::Query, b"/a"),
            "a new snapshot forgets it"
        );
    }

    #[test]
    fn long_values_are_not_kept() {
        let mut clean = Clean::default();
        clean.begin(&snapshot());
        let long = vec![b'a'; MAX_VALUE + 1];
        insert(&mut clean, 0, Source::Query, &long);
        assert!(!holds(&clean, 0, Source::Query, &long));
        insert(&mut clean, 0, Source::Query, &long[..MAX_VALUE]);
        assert!(holds(&clean, 0, Source::Query, &long[..MAX_VALUE]));
    }
}
