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
//! A whole query string is remembered the same way, under its own [`Key`]:
//! every value extracted from it (the string itself, its parameters and
//! their names) is a function of the string alone, under the worker's
//! normalization limits, which never change. So once a sweep found none of
//! those values worth scanning, the next request with the same query
//! string skips them all without splitting it into parameters again.
//!
//! The memory is a direct-mapped table of [`SLOTS`] entries, indexed by a
//! keyed hash of the value and its key; an entry holds its value,
//! compared byte for byte (so a hash collision only costs a scan), and the
//! set of sweeps that found it clean, so that a value is hashed and
//! compared once for all the sweeps of a phase. Values longer than
//! [`MAX_VALUE`] are not kept, nor are sweeps past the 64th. A new snapshot
//! empties the table.

use std::hash::BuildHasher;
use std::sync::Arc;

use foldhash::fast::RandomState;

use super::snapshot::Snapshot;
use super::source::Source;

/// Entries in the table.
const SLOTS: usize = 1024;
/// The longest value kept.
pub(crate) const MAX_VALUE: usize = 256;

/// What a remembered text stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// One value of a source.
    Value(Source),
    /// A whole query string, standing for every value extracted from it.
    Query,
}

#[derive(Debug, Default)]
struct Entry {
    generation: u32,
    /// Bit `i`: sweep `i` found the value clean.
    sweeps: u64,
    key: Option<Key>,
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

    /// The slot of `value` under `key`; `None` when the value is too long
    /// to be kept. A lookup and the inserts after it share it, so the
    /// value is hashed once.
    pub(crate) fn slot(&self, key: Key, value: &[u8]) -> Option<u16> {
        if value.len() > MAX_VALUE {
            return None;
        }
        let hash = self.hasher.hash_one((key, value));
        u16::try_from(hash % SLOTS as u64).ok()
    }

    /// The sweeps that found `value` under `key`, at `slot`, clean, as
    /// bits.
    pub(crate) fn sweeps(&self, slot: u16, key: Key, value: &[u8]) -> u64 {
        match self.slots.get(usize::from(slot)) {
            Some(entry) if self.holds(entry, key, value) => entry.sweeps,
            _ => 0,
        }
    }

    fn holds(&self, entry: &Entry, key: Key, value: &[u8]) -> bool {
        entry.generation == self.generation && entry.key == Some(key) && entry.value == value
    }

    /// Remembers `value` under `key`, at `slot`, as clean for sweep
    /// `sweep` (ignored past the 64th), beside the sweeps that found it
    /// clean before; another value in the slot is replaced.
    pub(crate) fn insert(&mut self, slot: u16, sweep: u16, key: Key, value: &[u8]) {
        let Some(bit) = 1u64.checked_shl(u32::from(sweep)) else {
            return;
        };
        if self.slots.is_empty() {
            self.slots.resize_with(SLOTS, Entry::default);
        }
        let Some(entry) = self.slots.get(usize::from(slot)) else {
            return;
        };
        let known = self.holds(entry, key, value);
        let generation = self.generation;
        if let Some(entry) = self.slots.get_mut(usize::from(slot)) {
            if known {
                entry.sweeps |= bit;
                return;
            }
            entry.generation = generation;
            entry.sweeps = bit;
            entry.key = Some(key);
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
    fn holds(clean: &Clean, sweep: u16, key: impl Into<Key>, value: &[u8]) -> bool {
        let key = key.into();
        let slot = clean.slot(key, value);
        let sweeps = slot.map_or(0, |at| clean.sweeps(at, key, value));
        sweeps
            .checked_shr(u32::from(sweep))
            .is_some_and(|s| s & 1 == 1)
    }

    fn insert(clean: &mut Clean, sweep: u16, key: impl Into<Key>, value: &[u8]) {
        let key = key.into();
        if let Some(at) = clean.slot(key, value) {
            clean.insert(at, sweep, key, value);
        }
    }

    impl From<Source> for Key {
        fn from(source: Source) -> Key {
            Key::Value(source)
        }
    }

    #[test]
    fn a_value_is_held_for_its_sweep_key_and_snapshot_only() {
        let (first, second) = (snapshot(), snapshot());
        let mut clean = Clean::default();
        clean.begin(&first);
        assert!(!holds(&clean, 0, Source::Query, b"/a"));
        insert(&mut clean, 0, Source::Query, b"/a");
        assert!(holds(&clean, 0, Source::Query, b"/a"));
        assert!(!holds(&clean, 1, Source::Query, b"/a"));
        assert!(!holds(&clean, 0, Source::Path, b"/a"));
        assert!(
            !holds(&clean, 0, Key::Query, b"/a"),
            "a whole query string is not the value of the same bytes"
        );
        assert!(!holds(&clean, 0, Source::Query, b"/a/"));
        insert(&mut clean, 1, Source::Query, b"/a");
        assert!(holds(&clean, 0, Source::Query, b"/a"), "sweeps add up");
        assert!(holds(&clean, 1, Source::Query, b"/a"));
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
        insert(&mut clean, 1, Source::Query, b"/a");
        assert!(
            !holds(&clean, 0, Source::Query, b"/a"),
            "sweeps of an older snapshot are not carried over"
        );
    }

    #[test]
    fn another_value_in_the_slot_replaces_the_sweeps_found() {
        let mut clean = Clean::default();
        clean.begin(&snapshot());
        insert(&mut clean, 2, Source::Query, b"first");
        let query = Key::Value(Source::Query);
        let slot = clean.slot(query, b"first").expect("short");
        // A value sharing the slot (a collision) takes it over.
        clean.insert(slot, 3, query, b"second");
        assert_eq!(clean.sweeps(slot, query, b"second"), 1 << 3);
        assert_eq!(clean.sweeps(slot, query, b"first"), 0);
    }

    #[test]
    fn sweeps_past_the_64th_are_not_kept() {
        let mut clean = Clean::default();
        clean.begin(&snapshot());
        insert(&mut clean, 64, Source::Query, b"v");
        assert!(!holds(&clean, 64, Source::Query, b"v"));
        insert(&mut clean, 63, Source::Query, b"v");
        assert!(holds(&clean, 63, Source::Query, b"v"));
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
