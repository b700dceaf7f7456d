//! Rule reloads while running: the main lcore compiles the new ruleset (off
//! the worker cores) and publishes it in a [`RulesSlot`]; each worker picks
//! it up between bursts. A ruleset that fails to load is never published:
//! the running one stays, and the errors are reported with their places.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::LoadedRules;

/// The latest published ruleset and its generation (0: none published).
#[derive(Debug, Default)]
pub struct RulesSlot {
    generation: AtomicU64,
    rules: Mutex<Option<Arc<LoadedRules>>>,
    /// Workers that took each of the last few generations (by generation
    /// modulo the length), so the publisher can tell when all have.
    taken: [AtomicU64; TAKEN_RING],
}

/// Generations whose takers are counted at once.
const TAKEN_RING: usize = 4;

impl RulesSlot {
    /// Publishes `rules` to every worker.
    pub fn publish(&self, rules: Arc<LoadedRules>) {
        let mut slot = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some(rules);
        let next = self.generation() + 1;
        self.taken[next as usize % TAKEN_RING].store(0, Ordering::Release);
        self.generation.store(next, Ordering::Release);
    }

    /// A worker took up `generation`.
    pub fn mark_taken(&self, generation: u64) {
        self.taken[generation as usize % TAKEN_RING].fetch_add(1, Ordering::AcqRel);
    }

    /// True once `workers` workers took up `generation` (and no newer one
    /// was published since).
    pub fn taken_by(&self, generation: u64, workers: usize) -> bool {
        self.generation() == generation
            && self.taken[generation as usize % TAKEN_RING].load(Ordering::Acquire)
                >= workers as u64
    }

    /// The generation last published.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The ruleset of a generation newer than `seen`, unless the main lcore
    /// holds the lock right now (the worker then tries again next time).
    pub fn newer_than(&self, seen: u64) -> Option<(u64, Arc<LoadedRules>)> {
        let generation = self.generation();
        if generation == seen {
            return None;
        }
        let rules = self.rules.try_lock().ok()?.clone()?;
        Some((generation, rules))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Snapshot;

    #[test]
    fn workers_see_each_publication_once() {
        let slot = RulesSlot::default();
        assert!(slot.newer_than(0).is_none());
        let rules = Arc::new(LoadedRules::new(
            &palisade_rules::Ruleset::new(Vec::new()).expect("empty"),
            Snapshot::empty(),
        ));
        slot.publish(Arc::clone(&rules));
        let (seen, got) = slot.newer_than(0).expect("published");
        assert!(Arc::ptr_eq(&got, &rules));
        assert!(slot.newer_than(seen).is_none());
        slot.publish(rules);
        assert!(slot.newer_than(seen).is_some());
    }

    #[test]
    fn the_publisher_sees_when_every_worker_took_a_generation() {
        let slot = RulesSlot::default();
        let rules = Arc::new(LoadedRules::new(
            &palisade_rules::Ruleset::new(Vec::new()).expect("empty"),
            Snapshot::empty(),
        ));
        slot.publish(Arc::clone(&rules));
        assert!(!slot.taken_by(1, 2));
        slot.mark_taken(1);
        assert!(!slot.taken_by(1, 2));
        slot.mark_taken(1);
        assert!(slot.taken_by(1, 2));
        slot.publish(rules);
        assert!(!slot.taken_by(1, 2), "superseded");
        assert!(!slot.taken_by(2, 1));
        slot.mark_taken(2);
        assert!(slot.taken_by(2, 1));
    }
}
