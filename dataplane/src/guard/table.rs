//! A bounded table of per-source state: 4-way set associative, keyed by
//! the source address (IPv6, IPv4 mapped) under a secret hash, allocated
//! once. A new source takes a free way of its set or the way seen least
//! recently; nothing ever grows, so a flood of new sources costs the same
//! per packet as a few sources do.

const WAYS: usize = 4;

#[derive(Debug, Clone, Copy, Default)]
struct Slot<V> {
    key: u128,
    /// When the source was last seen (ns); 0: the slot is free.
    last: u64,
    value: V,
}

/// Per-source state `V` for up to `capacity` sources.
#[derive(Debug)]
pub struct SourceTable<V> {
    slots: Vec<Slot<V>>,
    /// Number of sets minus one (sets are a power of two).
    mask: usize,
    secret: u64,
    /// Sources pushed out to make room.
    pub evictions: u64,
}

impl<V: Copy + Default> SourceTable<V> {
    /// A table for about `capacity` sources (rounded up to a power of two,
    /// at least one set).
    pub fn new(capacity: usize, secret: u64) -> Self {
        let sets = (capacity.max(WAYS) / WAYS).next_power_of_two();
        SourceTable {
            slots: vec![Slot::default(); sets * WAYS],
            mask: sets - 1,
            secret,
            evictions: 0,
        }
    }

    #[inline]
    fn set(&self, key: u128) -> usize {
        let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(17) ^ self.secret;
        let h = folded.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let h = h ^ (h >> 29);
        (h as usize & self.mask) * WAYS
    }

    /// The state of `key`, if the table holds it; marks it seen at `now`.
    #[inline]
    pub fn get(&mut self, key: u128, now: u64) -> Option<&mut V> {
        let at = self.set(key);
        let set = self.slots.get_mut(at..at + WAYS)?;
        let slot = set.iter_mut().find(|s| s.last != 0 && s.key == key)?;
        slot.last = now.max(1);
        Some(&mut slot.value)
    }

    /// The state of `key`, created (from `V::default()`) when new; marks it
    /// seen at `now`.
    #[inline]
    pub fn entry(&mut self, key: u128, now: u64) -> &mut V {
        let at = self.set(key);
        let now = now.max(1);
        // Cannot fail: `set` masks to a set number below `slots.len() / WAYS`.
        let set = &mut self.slots[at..at + WAYS];
        let mut pick = 0;
        for (i, s) in set.iter().enumerate() {
            if s.last != 0 && s.key == key {
                pick = i;
                break;
            }
            if s.last < set[pick].last {
                pick = i;
            }
        }
        let slot = &mut set[pick];
        if slot.last == 0 || slot.key != key {
            if slot.last != 0 {
                self.evictions += 1;
            }
            *slot = Slot {
                key,
                last: now,
                value: V::default(),
            };
        }
        slot.last = now;
        &mut slot.value
    }

    /// Sources held now (counts every slot).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.last != 0).count()
    }

    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_what_fits_and_evicts_the_least_recent() {
        let mut t: SourceTable<u32> = SourceTable::new(64, 7);
        for k in 0..64u128 {
            *t.entry(k, 10 + k as u64) += 1;
        }
        assert!(t.len() <= 64 && t.capacity() == 64);
        // A flood of a million new sources never grows the table.
        for k in 1000..1_001_000u128 {
            t.entry(k, 100);
        }
        assert_eq!(t.capacity(), 64);
        assert_eq!(t.len(), 64);
        assert!(t.evictions >= 1_000_000 - 64);
    }

    #[test]
    fn a_source_keeps_its_state() {
        let mut t: SourceTable<u32> = SourceTable::new(1024, 7);
        *t.entry(5, 1) = 42;
        for k in 100..300u128 {
            t.entry(k, 2);
        }
        // 200 others over 256 sets rarely fill a set; the latest-seen wins.
        *t.entry(5, 3) += 0;
        assert_eq!(t.get(5, 4).copied(), Some(42));
        assert_eq!(t.get(6, 5), None);
    }
}
