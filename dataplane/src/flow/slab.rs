//! Preallocated storage of flow entries, with one expiry queue per timeout
//! class threaded through the entries.
//!
//! Slots are indices (`u32`) into a vector reserved at construction: nothing
//! allocates after start. Entries are cache-line aligned, and the fields a
//! lookup compares and updates (key, side, class, queue links, id, last-seen
//! time) sit in an entry's first line.
//!
//! The queues are lazy: a packet only stores its time in the flow, it does
//! not move the flow, so a lookup never touches other entries. Each queue is
//! ordered by the time its flows were queued (`queued_at`, at least their
//! last-seen time when queued); what to do with a head whose flow was seen
//! again since, or changed class, is the table's policy ([`Slab::requeue`]).

use super::config::{FlowId, TimeoutClass};
use super::key::{Direction, FlowKey, Side};

/// End of a queue.
const NIL: u32 = u32::MAX;

/// One flow: its key, identity, timing and the caller's per-flow state.
///
/// The first cache line holds the key, side, class, queue links, id and
/// last-seen time (38 + 1 + 1 + 8 + 8 + 8 = 64 bytes); the queue time, the
/// first-seen time and the caller's state follow.
#[derive(Debug)]
#[repr(C, align(64))]
pub struct Flow<V> {
    key: FlowKey,
    initiator: Side,
    class: TimeoutClass,
    prev: u32,
    next: u32,
    id: FlowId,
    last_seen: u64,
    queued_at: u64,
    first_seen: u64,
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
            prev: NIL,
            next: NIL,
            id,
            last_seen: now,
            queued_at: now,
            first_seen: now,
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

    /// Records a packet at `now`; the flow stays where it is in its queue.
    pub(super) fn see(&mut self, now: u64) {
        self.last_seen = now;
    }

    /// Changes the class without moving the flow between queues.
    pub(super) fn set_class(&mut self, class: TimeoutClass) {
        self.class = class;
    }

    /// When the flow was last put at the tail of a queue.
    pub(super) fn queued_at(&self) -> u64 {
        self.queued_at
    }
}

#[derive(Debug)]
enum Slot<V> {
    Free { next_free: u32 },
    Used(Flow<V>),
}

/// One class's queue; `tail_queued` is the queue time of the latest flow
/// appended (kept after it leaves, so queue times never step back).
#[derive(Clone, Copy, Debug)]
struct Queue {
    head: u32,
    tail: u32,
    tail_queued: u64,
}

/// The entries and their class queues.
#[derive(Debug)]
pub(crate) struct Slab<V> {
    slots: Vec<Slot<V>>,
    free_head: u32,
    queues: [Queue; TimeoutClass::COUNT],
}

impl<V> Slab<V> {
    /// Reserves room for `capacity` flows (at most `MAX_CAPACITY`).
    pub(crate) fn new(capacity: usize) -> Self {
        let empty = Queue {
            head: NIL,
            tail: NIL,
            tail_queued: 0,
        };
        let mut slots = Vec::with_capacity(capacity);
        // Huge pages before the first write: entries are touched at random.
        palisade_hw::advise_huge_pages(slots.spare_capacity_mut());
        Self {
            slots,
            free_head: NIL,
            queues: [empty; TimeoutClass::COUNT],
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

    /// Starts loading the entry in `slot` (every line of it) into the cache.
    pub(crate) fn prefetch(&self, slot: u32) {
        if let Some(entry) = self.slots.get(slot as usize) {
            palisade_hw::prefetch(entry);
        }
    }

    /// Stores a flow and appends it to its class queue; `None` when full.
    pub(crate) fn alloc(&mut self, flow: Flow<V>) -> Option<u32> {
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
        self.append(slot);
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

    /// Moves the flow to the tail of the queue of its current class.
    pub(crate) fn requeue(&mut self, slot: u32) {
        if self.unlink(slot).is_some() {
            self.append(slot);
        }
    }

    /// The flow queued longest ago in a class's queue.
    pub(crate) fn head(&self, class: TimeoutClass) -> Option<u32> {
        let head = self.queues.get(class.index())?.head;
        (head != NIL).then_some(head)
    }

    /// Links the flow at the tail of its class queue, queued at its last-seen
    /// time or the previous tail's queue time, whichever is later.
    fn append(&mut self, slot: u32) {
        let Some(flow) = self.get(slot) else { return };
        let class = flow.class.index();
        let Some(queue) = self.queues.get(class).copied() else {
            return;
        };
        let queued_at = flow.last_seen.max(queue.tail_queued);
        if let Some(flow) = self.get_mut(slot) {
            flow.queued_at = queued_at;
            flow.prev = queue.tail;
            flow.next = NIL;
        }
        let head_empty = match self.get_mut(queue.tail) {
            Some(tail) => {
                tail.next = slot;
                false
            }
            None => true,
        };
        if let Some(queue) = self.queues.get_mut(class) {
            if head_empty {
                queue.head = slot;
            }
            queue.tail = slot;
            queue.tail_queued = queued_at;
        }
    }

    /// Takes the flow out of its queue. A flow at either end of a queue is
    /// found there by its slot, so the entry need not say which queue it is in.
    fn unlink(&mut self, slot: u32) -> Option<()> {
        let flow = self.get_mut(slot)?;
        let (prev, next) = (flow.prev, flow.next);
        (flow.prev, flow.next) = (NIL, NIL);
        match self.get_mut(prev) {
            Some(p) => p.next = next,
            None => {
                if let Some(q) = self.queues.iter_mut().find(|q| q.head == slot) {
                    q.head = next;
                }
            }
        }
        match self.get_mut(next) {
            Some(n) => n.prev = prev,
            None => {
                if let Some(q) = self.queues.iter_mut().find(|q| q.tail == slot) {
                    q.tail = prev;
                }
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::key::FlowTuple;
    use std::net::Ipv4Addr;

    fn flow(n: u8, now: u64) -> Flow<u8> {
        let tuple = FlowTuple {
            proto: 17,
            src: Ipv4Addr::new(10, 0, 0, n).into(),
            src_port: 1,
            dst: Ipv4Addr::new(10, 0, 1, 1).into(),
            dst_port: 2,
        };
        let (key, side) = FlowKey::from_tuple(&tuple);
        Flow::new(key, side, FlowId(u64::from(n)), now, n)
    }

    fn queue(slab: &Slab<u8>, class: TimeoutClass) -> Vec<u8> {
        let mut out = Vec::new();
        let mut at = slab.head(class);
        while let Some(f) = at.and_then(|s| slab.get(s)) {
            out.push(f.data);
            at = (f.next != NIL).then_some(f.next);
        }
        out
    }

    #[test]
    fn lookup_fields_share_the_first_cache_line() {
        use std::mem::{align_of, offset_of};
        assert_eq!(align_of::<Flow<u8>>(), 64);
        assert_eq!(offset_of!(Flow<u8>, last_seen), 56);
        assert_eq!(offset_of!(Flow<u8>, queued_at), 64);
        assert!(offset_of!(Flow<u8>, key) + std::mem::size_of::<FlowKey>() <= 64);
        assert_eq!(Slab::<u8>::entry_bytes(), std::mem::size_of::<Flow<u8>>());
    }

    #[test]
    fn requeue_and_free_keep_queues_linked() {
        let mut slab = Slab::new(4);
        let slots: Vec<u32> = (0..3).filter_map(|n| slab.alloc(flow(n, 5))).collect();
        assert_eq!(queue(&slab, TimeoutClass::Udp), [0, 1, 2]);
        slab.requeue(slots[0]);
        assert_eq!(queue(&slab, TimeoutClass::Udp), [1, 2, 0]);
        assert!(slab.free(slots[2]).is_some());
        assert_eq!(queue(&slab, TimeoutClass::Udp), [1, 0]);
        if let Some(f) = slab.get_mut(slots[1]) {
            f.set_class(TimeoutClass::Other);
        }
        slab.requeue(slots[1]);
        assert_eq!(queue(&slab, TimeoutClass::Udp), [0]);
        assert_eq!(queue(&slab, TimeoutClass::Other), [1]);
        assert!(slab.free(slots[0]).is_some());
        assert!(slab.head(TimeoutClass::Udp).is_none());
    }

    #[test]
    fn queue_times_never_step_back() {
        let mut slab = Slab::new(4);
        let late = slab.alloc(flow(0, 50));
        let early = slab.alloc(flow(1, 10));
        let queued = early.and_then(|s| slab.get(s)).map(|f| f.queued_at());
        assert_eq!(queued, Some(50));
        assert!(late.is_some());
    }
}
