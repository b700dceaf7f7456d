//! The per-worker flow table: lookup and insert by packet tuple, idle expiry
//! and eviction, all in bounded work per call and without allocating after
//! construction.
//!
//! The worker calls [`FlowTable::lookup`] for each packet, [`FlowTable::insert`]
//! when that misses, and [`FlowTable::expire_next`] a few times per burst;
//! removed flows come back as [`Removed`] so the caller can release what their
//! state holds (reassembly buffers) and emit a flow event.
//!
//! A burst can be staged so that its cache misses overlap: [`FlowTable::hash`]
//! each packet and [`FlowTable::prefetch_index`], then packet by packet
//! [`FlowTable::lookup_hashed`] (and [`FlowTable::insert_hashed`]), with
//! [`FlowTable::prefetch_entry`] called a few packets ahead of each lookup.
//! Prefetching is only a hint; the lookups alone decide, so the results
//! equal plain lookups.
//! Expiry and eviction live in `expiry`.

use super::config::{
    FlowConfig, FlowConfigError, FlowCounters, FlowId, FullPolicy, TimeoutClass, MAX_CAPACITY,
};
use super::hash::{hash_key, HashSeed, HashedKey};
use super::index::Index;
use super::key::{Direction, FlowKey, FlowTuple, Side};
use super::slab::{Flow, Slab};

/// Position of a flow in its table. Valid until the flow is removed; the slot
/// may then be reused, so keep the [`FlowId`] to tell flows apart.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FlowSlot(u32);

/// A flow found or created for a packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Found {
    /// Where the flow lives.
    pub slot: FlowSlot,
    /// The flow's identifier.
    pub id: FlowId,
    /// Direction of the packet within the flow.
    pub dir: Direction,
}

/// Why a flow left the table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RemoveReason {
    /// Idle longer than its class timeout.
    Expired,
    /// Removed to make room for a new flow.
    Evicted,
    /// Removed by the caller.
    Removed,
}

/// A flow taken out of the table, with its state handed back to the caller.
#[derive(Debug)]
pub struct Removed<V> {
    /// Why it was removed.
    pub reason: RemoveReason,
    /// Its identifier.
    pub id: FlowId,
    /// Its key.
    pub key: FlowKey,
    /// Time of its first packet (ns).
    pub first_seen: u64,
    /// Time of its last packet (ns).
    pub last_seen: u64,
    /// The caller's per-flow state.
    pub data: V,
}

/// Result of an insert.
#[derive(Debug)]
pub struct Inserted<V> {
    /// The new (or already present) flow.
    pub found: Found,
    /// The flow evicted to make room, if any.
    pub evicted: Option<Removed<V>>,
}

/// Why an insert failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum InsertError {
    /// The table is full and its policy is to refuse.
    TableFull,
}

/// One worker's flows. `V` is the caller's per-flow state.
#[derive(Debug)]
pub struct FlowTable<V> {
    pub(super) index: Index,
    pub(super) slab: Slab<V>,
    seed: HashSeed,
    pub(super) timeouts: [u64; TimeoutClass::COUNT],
    pub(super) when_full: FullPolicy,
    capacity: usize,
    worker: u16,
    next_id: u64,
    clock: u64,
    pub(super) counters: FlowCounters,
}

impl<V> FlowTable<V> {
    /// Builds a table for `worker`, reserving all its memory now.
    pub fn new(config: &FlowConfig, worker: u16, seed: HashSeed) -> Result<Self, FlowConfigError> {
        match config.capacity {
            0 => return Err(FlowConfigError::ZeroCapacity),
            n if n > MAX_CAPACITY => return Err(FlowConfigError::CapacityTooLarge),
            _ => {}
        }
        Ok(Self {
            index: Index::new(config.capacity),
            slab: Slab::new(config.capacity),
            seed,
            timeouts: config.timeouts.as_nanos(),
            when_full: config.when_full,
            capacity: config.capacity,
            worker,
            next_id: 0,
            clock: 0,
            counters: FlowCounters::default(),
        })
    }

    /// A packet's normalized key, its side and the key's hash, for the
    /// `_hashed` calls and the prefetches.
    pub fn hash(&self, tuple: &FlowTuple) -> HashedKey {
        let (key, side) = FlowKey::from_tuple(tuple);
        let hash = hash_key(&self.seed, &key);
        HashedKey { key, side, hash }
    }

    /// Starts loading the index word where the lookup of `key` begins.
    pub fn prefetch_index(&self, key: &HashedKey) {
        self.index.prefetch(key.hash);
    }

    /// Reads the index (best after [`FlowTable::prefetch_index`]) and starts
    /// loading the entry the lookup of `key` will most likely compare.
    pub fn prefetch_entry(&self, key: &HashedKey) {
        if let Some(slot) = self.index.first_candidate(key.hash) {
            self.slab.prefetch(slot);
        }
    }

    /// Finds the flow of a packet and marks it seen at `now`.
    pub fn lookup(&mut self, tuple: &FlowTuple, now: u64) -> Option<Found> {
        self.lookup_hashed(&self.hash(tuple), now)
    }

    /// [`FlowTable::lookup`] with the key already hashed.
    pub fn lookup_hashed(&mut self, key: &HashedKey, now: u64) -> Option<Found> {
        let slot = self.find(key.hash, &key.key)?;
        Some(self.touch(slot, key.side, now))
    }

    /// Creates the flow of a packet whose lookup missed. `dir` is this
    /// packet's direction: [`Direction::ToResponder`] makes its sender the
    /// initiator (use [`Direction::ToInitiator`] for a SYN-ACK seen first).
    /// If the flow exists after all, it is returned and `data` is dropped.
    pub fn insert(
        &mut self,
        tuple: &FlowTuple,
        now: u64,
        dir: Direction,
        data: V,
    ) -> Result<Inserted<V>, InsertError> {
        self.insert_hashed(&self.hash(tuple), now, dir, data)
    }

    /// [`FlowTable::insert`] with the key already hashed.
    pub fn insert_hashed(
        &mut self,
        key: &HashedKey,
        now: u64,
        dir: Direction,
        data: V,
    ) -> Result<Inserted<V>, InsertError> {
        if let Some(slot) = self.find(key.hash, &key.key) {
            return Ok(Inserted {
                found: self.touch(slot, key.side, now),
                evicted: None,
            });
        }
        let evicted = self.make_room()?;

        let now = self.advance_clock(now);
        let initiator = match dir {
            Direction::ToResponder => key.side,
            Direction::ToInitiator => other_side(key.side),
        };
        let id = FlowId::new(self.worker, self.next_id);
        let flow = Flow::new(key.key, initiator, id, now, data);
        let slot = self.slab.alloc(flow).ok_or(InsertError::TableFull)?;

        self.index.insert(key.hash, slot);
        self.next_id = self.next_id.wrapping_add(1);
        self.counters.created += 1;
        self.counters.active += 1;
        Ok(Inserted {
            found: Found {
                slot: FlowSlot(slot),
                id,
                dir,
            },
            evicted,
        })
    }

    /// The flow in `slot`.
    pub fn get(&self, slot: FlowSlot) -> Option<&Flow<V>> {
        self.slab.get(slot.0)
    }

    /// The flow in `slot`, mutably.
    pub fn get_mut(&mut self, slot: FlowSlot) -> Option<&mut Flow<V>> {
        self.slab.get_mut(slot.0)
    }

    /// Removes a flow at the caller's request.
    pub fn remove(&mut self, slot: FlowSlot) -> Option<Removed<V>> {
        let removed = self.take(slot.0, RemoveReason::Removed)?;
        self.counters.removed += 1;
        Some(removed)
    }

    /// The table's counters.
    pub fn counters(&self) -> &FlowCounters {
        &self.counters
    }

    /// Flows in the table.
    pub fn len(&self) -> usize {
        // `active` never exceeds the capacity, a usize.
        self.counters.active as usize
    }

    /// True when no flow is in the table.
    pub fn is_empty(&self) -> bool {
        self.counters.active == 0
    }

    /// Maximum number of flows.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes the table may use when full (index plus entries), excluding
    /// anything the per-flow state allocates on its own.
    pub fn memory_bound(&self) -> usize {
        let entries = self.capacity.saturating_mul(Slab::<V>::entry_bytes());
        self.index.bytes().saturating_add(entries)
    }

    fn find(&self, hash: u64, key: &FlowKey) -> Option<u32> {
        let slab = &self.slab;
        let found = self
            .index
            .find(hash, |slot| slab.get(slot).is_some_and(|f| f.key() == key));
        found.map(|(_, slot)| slot)
    }

    /// Marks the flow seen; it keeps its place in its expiry queue.
    fn touch(&mut self, slot: u32, side: Side, now: u64) -> Found {
        let now = self.advance_clock(now);
        let (id, dir) = match self.slab.get_mut(slot) {
            Some(flow) => {
                flow.see(now);
                (flow.id(), flow.direction(side))
            }
            None => (FlowId(0), Direction::ToResponder),
        };
        Found {
            slot: FlowSlot(slot),
            id,
            dir,
        }
    }

    /// Time only moves forward, so queue times stay ordered even when
    /// capture timestamps step back.
    pub(super) fn advance_clock(&mut self, now: u64) -> u64 {
        self.clock = self.clock.max(now);
        self.clock
    }

    pub(super) fn take(&mut self, slot: u32, reason: RemoveReason) -> Option<Removed<V>> {
        let flow = self.slab.free(slot)?;
        let hash = hash_key(&self.seed, flow.key());
        self.index.remove(hash, slot);
        self.counters.active = self.counters.active.saturating_sub(1);
        Some(Removed {
            reason,
            id: flow.id(),
            key: *flow.key(),
            first_seen: flow.first_seen(),
            last_seen: flow.last_seen(),
            data: flow.data,
        })
    }
}

impl FlowSlot {
    pub(super) fn index(self) -> u32 {
        self.0
    }
}

fn other_side(side: Side) -> Side {
    match side {
        Side::Low => Side::High,
        Side::High => Side::Low,
    }
}
