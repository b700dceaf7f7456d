//! Preallocated storage of flow entries, with one least-recently-seen list
//! per timeout class threaded through the entries.
//!
//! Slots are indices (`u32`) into a vector reserved at construction: nothing
//! allocates after start. Every class has a single timeout, so touching a
//! flow moves it to its list's tail and each list stays ordered by last-seen
//! time: the head of each list is the next flow of that class to expire.

use super::config::{FlowId, TimeoutClass};
use super::key::{Direction, FlowKey, Side};

/// End of a list.
const NIL: u32 = u32::MAX;

/// One flow: its key, identity, timing and the caller's per-flow state.
#[derive(Debug)]
pub struct Flow<V> {
    key: FlowKey,
    initiator: Side,
    class: TimeoutClass,
    id: FlowId,
    first_seen: u64,
    last_seen: u64,
    prev: u32,
    next: u32,
    /// The caller's per-flow state (TCP tracking, parser state, ...).
    pub data: V,
}

impl<V> Flow<V> {
    pub(crate) fn new(key: FlowKey, initiator: Side, id: FlowId, now: u64, data: V) -> Self {
        let class = TimeoutClass::initial(key.proto());
        Self {
            key,
            initiator,
            class,
            id,
            first_seen: now,
            last_seen: now,
            prev: NIL,
            next: NIL,
            data,
        }
    }

    /// The flow's identifier.
    pub fn id(&self) -> FlowId {
        self.id
    }

    /// The normalized key.
    pub fn key(&self) -> &FlowKey {
        &self.key
    }

    /// The current timeout class.
    pub fn class(&self) -> TimeoutClass {
        self.class
    }

    /// Time of the first packet (ns).
    pub fn first_seen(&self) -> u64 {
        self.first_seen
    }

    /// Time of the latest packet (ns).
    pub fn last_seen(&self) -> u64 {
        self.last_seen
    }

    /// Which endpoint started the flow.
    pub fn initiator(&self) -> Side {
        self.initiator
    }

    /// Direction of a packet sent by `side`.
    pub fn direction(&self, side: Side) -> Direction {
        if side == self.initiator {
            Direction::ToResponder
        } else {
            Direction::ToInitiator
        }
    }
}

#[derive(Debug)]
enum Slot<V> {
    Free { next_free: u32 },
    Used(Flow<V>),
}

#[derive(Clone, Copy, Debug)]
struct List {
    head: u32,
    tail: u32,
}

/// The entries and their class lists.
#[derive(Debug)]
pub(crate) struct Slab<V> {
    slots: Vec<Slot<V>>,
    free_head: u32,
    lists: [List; TimeoutClass::COUNT],
}

impl<V> Slab<V> {
    /// Reserves room for `capacity` flows (at most `MAX_CAPACITY`).
    pub(crate) fn new(capacity: usize) -> Self {
        let empty = List {
            head: NIL,
            tail: NIL,
        };
        Self {
            slots: Vec::with_capacity(capacity),
            free_head: NIL,
            lists: [empty; TimeoutClass::COUNT],
        }
    }

    /// Bytes of one entry.
    pub(crate) const fn entry_bytes() -> usize {
        std::mem::size_of::<Slot<V>>()
    }

    pub(crate) fn get(&self, slot: u32) -> Option<&Flow<V>> {
        match self.slots.get(slot as usize) {
            Some(Slot::Used(flow)) => Some(flow),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, slot: u32) -> Option<&mut Flow<V>> {
        match self.slots.get_mut(slot as usize) {
            Some(Slot::Used(flow)) => Some(flow),
            _ => None,
        }
    }

    /// Stores a flow and links it at its class tail; `None` when full.
    pub(crate) fn alloc(&mut self, flow: Flow<V>) -> Option<u32> {
        let class = flow.class;
        let slot = if self.free_head != NIL {
            let slot = self.free_head;
            let cell = self.slots.get_mut(slot as usize)?;
            if let Slot::Free { next_free } = cell {
                self.free_head = *next_free;
            }
            *cell = Slot::Used(flow);
            slot
        } else if self.slots.len() < self.slots.capacity() {
            // Capacity is below u32::MAX (MAX_CAPACITY), so the index fits.
            let slot = self.slots.len() as u32;
            self.slots.push(Slot::Used(flow));
            slot
        } else {
            return None;
        };
        self.link_tail(slot, class);
        Some(slot)
    }

    /// Unlinks and returns the flow in `slot`.
    pub(crate) fn free(&mut self, slot: u32) -> Option<Flow<V>> {
        self.unlink(slot)?;
        let cell = self.slots.get_mut(slot as usize)?;
        let old = std::mem::replace(
            cell,
            Slot::Free {
                next_free: self.free_head,
            },
        );
        self.free_head = slot;
        match old {
            Slot::Used(flow) => Some(flow),
            Slot::Free { .. } => None,
        }
    }

    /// Marks the flow seen at `now` and moves it to its class tail.
    pub(crate) fn touch(&mut self, slot: u32, now: u64) {
        if let Some(class) = self.unlink(slot) {
            if let Some(flow) = self.get_mut(slot) {
                flow.last_seen = now;
            }
            self.link_tail(slot, class);
        }
    }

    /// Moves the flow to another class list.
    pub(crate) fn set_class(&mut self, slot: u32, class: TimeoutClass) {
        if self.get(slot).is_some_and(|f| f.class != class) && self.unlink(slot).is_some() {
            self.link_tail(slot, class);
        }
    }

    /// The least recently seen flow of a class.
    pub(crate) fn head(&self, class: TimeoutClass) -> Option<u32> {
        let head = self.lists.get(class.index())?.head;
        (head != NIL).then_some(head)
    }

    fn link_tail(&mut self, slot: u32, class: TimeoutClass) {
        let Some(list) = self.lists.get(class.index()).copied() else {
            return;
        };
        if let Some(flow) = self.get_mut(slot) {
            flow.class = class;
            flow.prev = list.tail;
            flow.next = NIL;
        }
        match self.get_mut(list.tail) {
            Some(tail) => tail.next = slot,
            None => self.set_head(class, slot),
        }
        self.set_tail(class, slot);
    }

    /// Takes the flow out of its list; returns the class it was in.
    fn unlink(&mut self, slot: u32) -> Option<TimeoutClass> {
        let flow = self.get(slot)?;
        let (class, prev, next) = (flow.class, flow.prev, flow.next);
        match self.get_mut(prev) {
            Some(p) => p.next = next,
            None => self.set_head(class, next),
        }
        match self.get_mut(next) {
            Some(n) => n.prev = prev,
            None => self.set_tail(class, prev),
        }
        Some(class)
    }

    fn set_head(&mut self, class: TimeoutClass, slot: u32) {
        if let Some(list) = self.lists.get_mut(class.index()) {
            list.head = slot;
        }
    }

    fn set_tail(&mut self, class: TimeoutClass, slot: u32) {
        if let Some(list) = self.lists.get_mut(class.index()) {
            list.tail = slot;
        }
    }
}
