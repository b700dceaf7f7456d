//! A table shared by every worker core: keys hashed to one of a fixed
//! number of shards, each a small map behind its own lock.
//!
//! Rate limits and client behaviour must hold whatever core a client's
//! flows land on, so their state cannot live in a worker. A lookup takes
//! one shard's lock for the few instructions an update needs; with many
//! more shards than cores two workers rarely meet on one. Each shard holds
//! at most its share of the table's capacity: when full, the entry idle
//! longest is replaced, so an attacker spraying keys costs memory once.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::Mutex;

/// Shards per table: a power of two well above the number of cores.
const SHARDS: usize = 64;

/// A value that knows when it was last touched (nanoseconds).
pub trait Touched {
    fn last_ns(&self) -> u64;
}

/// A bounded map shared between cores.
#[derive(Debug)]
pub struct SharedTable<K, V> {
    shards: Vec<Mutex<HashMap<K, V>>>,
    per_shard: usize,
    hasher: std::hash::RandomState,
}

impl<K: Hash + Eq + Clone, V: Touched> SharedTable<K, V> {
    /// A table for about `capacity` keys (at least one per shard).
    pub fn new(capacity: usize) -> Self {
        SharedTable {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            hasher: std::hash::RandomState::new(),
        }
    }

    /// Runs `update` on `key`'s value, made by `make` when absent, and
    /// returns what `update` returns.
    pub fn with<R>(
        &self,
        key: &K,
        make: impl FnOnce() -> V,
        update: impl FnOnce(&mut V) -> R,
    ) -> R {
        let shard = self.hasher.hash_one(key) as usize % SHARDS;
        // A worker that panicked while holding the lock left a value that
        // is still a valid count: go on with it.
        let mut map = self.shards[shard]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !map.contains_key(key) && map.len() >= self.per_shard {
            evict_idlest(&mut map);
        }
        update(map.entry(key.clone()).or_insert_with(make))
    }

    /// Keys held now, over all shards.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |m| m.len()))
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Entries looked at to pick one to replace: the idlest of a sample (the
/// map's order is random per table), so a flood of new keys costs a bounded
/// time per key, not a scan of the shard.
const EVICTION_SAMPLE: usize = 16;

fn evict_idlest<K: Hash + Eq + Clone, V: Touched>(map: &mut HashMap<K, V>) {
    let idlest = map
        .iter()
        .take(EVICTION_SAMPLE)
        .min_by_key(|(_, v)| v.last_ns())
        .map(|(k, _)| k.clone());
    if let Some(k) = idlest {
        map.remove(&k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Count {
        n: u64,
        at: u64,
    }

    impl Touched for Count {
        fn last_ns(&self) -> u64 {
            self.at
        }
    }

    #[test]
    fn updates_from_many_threads_all_land() {
        let table = std::sync::Arc::new(SharedTable::<u32, Count>::new(1024));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let t = std::sync::Arc::clone(&table);
                std::thread::spawn(move || {
                    for i in 0..10_000u32 {
                        t.with(&(i % 16), || Count { n: 0, at: 0 }, |c| c.n += 1);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let total: u64 = (0..16)
            .map(|k| table.with(&k, || Count { n: 0, at: 0 }, |c| c.n))
            .sum();
        assert_eq!(total, 40_000);
    }

    #[test]
    fn a_full_table_replaces_its_idlest_entry() {
        let table = SharedTable::<u32, Count>::new(1);
        for k in 0..1000u32 {
            table.with(
                &k,
                || Count {
                    n: 0,
                    at: u64::from(k),
                },
                |_| (),
            );
        }
        assert!(table.len() <= SHARDS);
    }
}
