//! The per-worker flow table: lookup and insert by packet tuple, idle expiry
//! and eviction, all in bounded work per call and without allocating after
//! construction.
//!
//! The worker calls [`FlowTable::lookup`] for each packet, [`FlowTable::insert`]
//! when that misses, and [`FlowTable::expire_next`] a few times per burst;
//! removed flows come back as [`Removed`] so the caller can release what their
//! state holds (reassembly buffers) and emit a flow event.

use super::config::{
    FlowConfig, FlowConfigError, FlowCounters, FlowId, FullPolicy, TimeoutClass, MAX_CAPACITY,
};
use super::hash::{hash_key, HashSeed};
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
    index: Index,
    slab: Slab<V>,
    seed: HashSeed,
    timeouts: [u64; TimeoutClass::COUNT],
    when_full: FullPolicy,
    capacity: usize,
    worker: u16,
    next_id: u64,
    clock: u64,
    counters: FlowCounters,
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

    /// Finds the flow of a packet and marks it seen at `now`.
    pub fn lookup(&mut self, tuple: &FlowTuple, now: u64) -> Option<Found> {
        let (key, side) = FlowKey::from_tuple(tuple);
        let hash = hash_key(&self.seed, &key);
        let slot = self.find(hash, &key)?;
        Some(self.touch(slot, side, now))
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
        let (key, side) = FlowKey::from_tuple(tuple);
        let hash = hash_key(&self.seed, &key);
        if let Some(slot) = self.find(hash, &key) {
            return Ok(Inserted {
                found: self.touch(slot, side, now),
                evicted: None,
            });
        }
        let evicted = self.make_room()?;

        let now = self.advance_clock(now);
        let initiator = match dir {
            Direction::ToResponder => side,
            Direction::ToInitiator => other_side(side),
        };
        let id = FlowId::new(self.worker, self.next_id);
        let flow = Flow::new(key, initiator, id, now, data);
        let slot = self.slab.alloc(flow).ok_or(InsertError::TableFull)?;

        self.index.insert(hash, slot);
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

    /// Moves a flow to another timeout class (a TCP state change).
    pub fn set_class(&mut self, slot: FlowSlot, class: TimeoutClass) {
        self.slab.set_class(slot.0, class);
    }

    /// Removes a flow at the caller's request.
    pub fn remove(&mut self, slot: FlowSlot) -> Option<Removed<V>> {
        let removed = self.take(slot.0, RemoveReason::Removed)?;
        self.counters.removed += 1;
        Some(removed)
    }

    /// Removes one flow idle past its timeout at `now`, if any. Constant work
    /// per call; call it a bounded number of times per burst.
    pub fn expire_next(&mut self, now: u64) -> Option<Removed<V>> {
        let now = self.advance_clock(now);
        let (slot, deadline) = self.earliest_deadline()?;
        if deadline > now {
            return None;
        }
        let removed = self.take(slot, RemoveReason::Expired)?;
        self.counters.expired += 1;
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

    fn touch(&mut self, slot: u32, side: Side, now: u64) -> Found {
        let now = self.advance_clock(now);
        self.slab.touch(slot, now);
        let (id, dir) = match self.slab.get(slot) {
            Some(flow) => (flow.id(), flow.direction(side)),
            None => (FlowId(0), Direction::ToResponder),
        };
        Found {
            slot: FlowSlot(slot),
            id,
            dir,
        }
    }

    /// Time only moves forward, so class lists stay ordered even when
    /// capture timestamps step back.
    fn advance_clock(&mut self, now: u64) -> u64 {
        self.clock = self.clock.max(now);
        self.clock
    }

    /// The class head closest to its deadline.
    fn earliest_deadline(&self) -> Option<(u32, u64)> {
        let classes = [
            TimeoutClass::TcpOpening,
            TimeoutClass::TcpEstablished,
            TimeoutClass::TcpClosing,
            TimeoutClass::Udp,
            TimeoutClass::Other,
        ];
        classes
            .into_iter()
            .filter_map(|class| {
                let slot = self.slab.head(class)?;
                let last = self.slab.get(slot)?.last_seen();
                let timeout = self.timeouts.get(class.index()).copied().unwrap_or(0);
                Some((slot, last.saturating_add(timeout)))
            })
            .min_by_key(|&(_, deadline)| deadline)
    }

    /// Frees an entry when the table is full, or refuses, per policy.
    fn make_room(&mut self) -> Result<Option<Removed<V>>, InsertError> {
        if self.len() < self.capacity {
            return Ok(None);
        }
        if self.when_full == FullPolicy::Refuse {
            self.counters.table_full += 1;
            return Err(InsertError::TableFull);
        }
        let (slot, _) = self.earliest_deadline().ok_or(InsertError::TableFull)?;
        let removed = self.take(slot, RemoveReason::Evicted);
        self.counters.evicted += 1;
        Ok(removed)
    }

    fn take(&mut self, slot: u32, reason: RemoveReason) -> Option<Removed<V>> {
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

fn other_side(side: Side) -> Side {
    match side {
        Side::Low => Side::High,
        Side::High => Side::Low,
    }
}
