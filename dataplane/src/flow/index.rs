//! Open-addressing index from a key hash to a slab slot.
//!
//! Linear probing over a power-of-two array of `u64` words, at most half
//! full. A word packs the high 32 bits of the hash (a tag that also fixes the
//! home bucket) and `slot + 1`; zero is empty. Deletion shifts followers
//! back, so there are no tombstones and probe chains stay short.

/// The index. Holds no keys: the caller confirms a tag match against its slab.
#[derive(Debug)]
pub(crate) struct Index {
    words: Box<[u64]>,
    mask: usize,
}

const EMPTY: u64 = 0;
const TAG_MASK: u64 = 0xffff_ffff_0000_0000;

impl Index {
    /// An index for up to `capacity` entries (two words per entry, rounded up
    /// to a power of two). `capacity` is at most `MAX_CAPACITY`.
    pub(crate) fn new(capacity: usize) -> Self {
        let len = capacity.saturating_mul(2).next_power_of_two().max(8);
        let mut words = Vec::with_capacity(len);
        // Huge pages before the first write: a lookup is a random access.
        palisade_hw::advise_huge_pages(words.spare_capacity_mut());
        words.resize(len, EMPTY);
        Self {
            words: words.into_boxed_slice(),
            mask: len - 1,
        }
    }

    /// Bytes used by the index.
    pub(crate) fn bytes(&self) -> usize {
        self.words.len() * std::mem::size_of::<u64>()
    }

    fn home(&self, word_or_hash: u64) -> usize {
        // The tag is the hash's high half; any 32-bit value fits a usize index
        // after masking.
        (word_or_hash >> 32) as usize & self.mask
    }

    fn slot_of(word: u64) -> u32 {
        // Low half holds slot + 1, and slot < u32::MAX by construction.
        ((word & !TAG_MASK) as u32).wrapping_sub(1)
    }

    /// Finds the slot whose tag matches `hash` and for which `is_key` holds;
    /// returns its position in the index and the slot.
    pub(crate) fn find(
        &self,
        hash: u64,
        mut is_key: impl FnMut(u32) -> bool,
    ) -> Option<(usize, u32)> {
        let tag = hash & TAG_MASK;
        let mut pos = self.home(hash);
        loop {
            let word = *self.words.get(pos)?;
            if word == EMPTY {
                return None;
            }
            if word & TAG_MASK == tag && is_key(Self::slot_of(word)) {
                return Some((pos, Self::slot_of(word)));
            }
            pos = (pos + 1) & self.mask;
        }
    }

    /// Starts loading the word where the probe for `hash` begins.
    pub(crate) fn prefetch(&self, hash: u64) {
        if let Some(word) = self.words.get(self.home(hash)) {
            palisade_hw::prefetch(word);
        }
    }

    /// The first slot on the probe chain of `hash` whose tag matches: the
    /// entry a lookup will most likely confirm, worth prefetching.
    pub(crate) fn first_candidate(&self, hash: u64) -> Option<u32> {
        self.find(hash, |_| true).map(|(_, slot)| slot)
    }

    /// Adds `slot` under `hash`. The table never fills the index past half,
    /// so a free word always exists.
    pub(crate) fn insert(&mut self, hash: u64, slot: u32) {
        let word = (hash & TAG_MASK) | (u64::from(slot) + 1);
        let mut pos = self.home(hash);
        for _ in 0..self.words.len() {
            match self.words.get_mut(pos) {
                Some(w) if *w == EMPTY => {
                    *w = word;
                    return;
                }
                _ => pos = (pos + 1) & self.mask,
            }
        }
    }

    /// Removes the entry of `slot` stored under `hash`, if present.
    pub(crate) fn remove(&mut self, hash: u64, slot: u32) {
        if let Some((pos, _)) = self.find(hash, |s| s == slot) {
            self.remove_at(pos);
        }
    }

    /// Empties `pos` and shifts later words of the chain back into the hole.
    fn remove_at(&mut self, pos: usize) {
        let mut hole = pos;
        let mut i = (pos + 1) & self.mask;
        loop {
            let word = self.words.get(i).copied().unwrap_or(EMPTY);
            if word == EMPTY {
                break;
            }
            // The word may fill the hole if the hole lies on its probe path,
            // i.e. its home is no closer to `i` than the hole is.
            let from_home = i.wrapping_sub(self.home(word)) & self.mask;
            let from_hole = i.wrapping_sub(hole) & self.mask;
            if from_home >= from_hole {
                self.set(hole, word);
                hole = i;
            }
            i = (i + 1) & self.mask;
        }
        self.set(hole, EMPTY);
    }

    fn set(&mut self, pos: usize, word: u64) {
        if let Some(w) = self.words.get_mut(pos) {
            *w = word;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes that all share one home bucket, differing in the tag's high bits.
    fn colliding(n: u64) -> u64 {
        (n << 48) | (5 << 32)
    }

    #[test]
    fn insert_find_remove_with_collisions() {
        let mut index = Index::new(16);
        for s in 0..10u32 {
            index.insert(colliding(u64::from(s)), s);
        }
        index.remove(colliding(3), 3);
        for s in 0..10u32 {
            let found = index.find(colliding(u64::from(s)), |x| x == s);
            assert_eq!(found.is_some(), s != 3, "slot {s}");
        }
    }

    #[test]
    fn removal_keeps_wrapped_chains_reachable() {
        let mut index = Index::new(4); // 8 words
        let near_end = |n: u64| (n << 48) | (7 << 32);
        for s in 0..4u32 {
            index.insert(near_end(u64::from(s)), s);
        }
        index.remove(near_end(0), 0);
        index.remove(near_end(2), 2);
        assert!(index.find(near_end(1), |x| x == 1).is_some());
        assert!(index.find(near_end(3), |x| x == 3).is_some());
        assert!(index.find(near_end(0), |x| x == 0).is_none());
    }
}
