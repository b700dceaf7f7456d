//! When flows leave the table: idle expiry, eviction from a full table and
//! class changes, over the lazy per-class queues of the slab.
//!
//! A packet does not move its flow in the queues, so a queue head may have
//! been seen again since it was queued. Before a head is expired or evicted
//! its real deadline (last seen plus the timeout of its current class) is
//! checked; a head not due yet is moved to the tail of its class's queue.
//! Only heads whose queue time plus the queue's timeout has passed are
//! looked at, so each active flow is moved about once per timeout, not once
//! per packet.
//!
//! Guarantees: a flow never expires before its deadline. A flow may wait in
//! a queue whose timeout is shorter than its class's (it moves when it
//! reaches the head) but never longer: a change to a class with a shorter
//! timeout moves the flow at once. So, while housekeeping keeps up, a flow
//! expires less than one timeout of its class after its deadline (a moved
//! flow is queued at its last-seen time, or at the tail's queue time when
//! that is later).

use super::config::{FullPolicy, TimeoutClass};
use super::table::{FlowSlot, FlowTable, InsertError, RemoveReason, Removed};

/// Most queue heads one call moves to a tail before giving up until the
/// next call; bounds the work of [`FlowTable::expire_next`] and of an
/// insert into a full table.
const MOVES_PER_CALL: usize = 8;

const CLASSES: [TimeoutClass; TimeoutClass::COUNT] = [
    TimeoutClass::TcpOpening,
    TimeoutClass::TcpEstablished,
    TimeoutClass::TcpClosing,
    TimeoutClass::Udp,
    TimeoutClass::Other,
];

/// A queue head and the earliest time it can be due.
#[derive(Clone, Copy)]
struct Head {
    slot: u32,
    queue: TimeoutClass,
    earliest: u64,
}

impl<V> FlowTable<V> {
    /// Removes one flow idle past its timeout at `now`, if any. Bounded work
    /// per call; call it a bounded number of times per burst. `None` means
    /// nothing is due now, or that this call's work ran out (the rest waits
    /// for the next call).
    pub fn expire_next(&mut self, now: u64) -> Option<Removed<V>> {
        let now = self.advance_clock(now);
        for _ in 0..=MOVES_PER_CALL {
            let head = self.first_head()?;
            if head.earliest > now {
                return None;
            }
            if self.deadline(head.slot) <= now {
                let removed = self.take(head.slot, RemoveReason::Expired)?;
                self.counters.expired += 1;
                return Some(removed);
            }
            self.slab.requeue(head.slot);
        }
        None
    }

    /// Moves a flow to another timeout class (a TCP state change).
    pub fn set_class(&mut self, slot: FlowSlot, class: TimeoutClass) {
        let Some(flow) = self.slab.get_mut(slot.index()) else {
            return;
        };
        let old = flow.class();
        if old == class {
            return;
        }
        flow.set_class(class);
        // Waiting in a queue with a longer timeout would make it expire late.
        if self.timeout(class) < self.timeout(old) {
            self.slab.requeue(slot.index());
        }
    }

    /// Frees an entry when the table is full, or refuses, per policy.
    pub(super) fn make_room(&mut self) -> Result<Option<Removed<V>>, InsertError> {
        if self.len() < self.capacity() {
            return Ok(None);
        }
        if self.when_full == FullPolicy::Refuse {
            self.counters.table_full += 1;
            return Err(InsertError::TableFull);
        }
        let slot = self.eviction_victim().ok_or(InsertError::TableFull)?;
        let removed = self.take(slot, RemoveReason::Evicted);
        self.counters.evicted += 1;
        Ok(removed)
    }

    /// The flow nearest its deadline: the earliest head that was not seen
    /// since it was queued and sits in its own class's queue. Heads that fail
    /// that are moved on; when the moves run out, the earliest head.
    fn eviction_victim(&mut self) -> Option<u32> {
        for _ in 0..MOVES_PER_CALL {
            let head = self.first_head()?;
            let settled = self
                .slab
                .get(head.slot)
                .is_some_and(|f| f.class() == head.queue && f.last_seen() <= f.queued_at());
            if settled {
                return Some(head.slot);
            }
            self.slab.requeue(head.slot);
        }
        self.first_head().map(|head| head.slot)
    }

    /// Of all queue heads, the one whose queue time plus its queue's
    /// timeout comes first: no flow can be due before that.
    fn first_head(&self) -> Option<Head> {
        CLASSES
            .into_iter()
            .filter_map(|queue| {
                let slot = self.slab.head(queue)?;
                let queued_at = self.slab.get(slot)?.queued_at();
                let earliest = queued_at.saturating_add(self.timeout(queue));
                Some(Head {
                    slot,
                    queue,
                    earliest,
                })
            })
            .min_by_key(|head| head.earliest)
    }

    /// Last seen plus the timeout of the flow's current class.
    fn deadline(&self, slot: u32) -> u64 {
        self.slab.get(slot).map_or(0, |flow| {
            let timeout = self.timeout(flow.class());
            flow.last_seen().saturating_add(timeout)
        })
    }

    fn timeout(&self, class: TimeoutClass) -> u64 {
        self.timeouts.get(class.index()).copied().unwrap_or(0)
    }
}
