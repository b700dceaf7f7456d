//! The datagrams in progress: a fixed array of slots, a hash index by key,
//! and a list of used slots from oldest to newest.
//!
//! Every structure is sized at construction for `max_datagrams`, so adding
//! or removing a datagram never allocates. The age list gives the oldest
//! datagram in O(1) for timeouts and evictions; since `now` normally never
//! goes backwards, creation order is also deadline order.

use std::collections::HashMap;

use super::datagram::Datagram;
use super::fragment::FragKey;

/// Marks the end of the age list.
const NIL: usize = usize::MAX;

#[derive(Debug, Clone, Default)]
struct Slot {
    datagram: Datagram,
    prev: usize,
    next: usize,
}

/// Slots, their index and their age order.
#[derive(Debug)]
pub struct Table {
    slots: Vec<Slot>,
    free: Vec<usize>,
    index: HashMap<FragKey, usize>,
    oldest: usize,
    newest: usize,
}

impl Table {
    /// A table of `capacity` slots, all allocated now.
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: vec![Slot::default(); capacity],
            free: (0..capacity).rev().collect(),
            index: HashMap::with_capacity(capacity),
            oldest: NIL,
            newest: NIL,
        }
    }

    /// The slot holding `key`.
    pub fn find(&self, key: &FragKey) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// True when no slot is free.
    pub fn is_full(&self) -> bool {
        self.free.is_empty()
    }

    /// Number of datagrams held.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when no datagram is held.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Takes a free slot for `key`, as the newest; `None` when full.
    pub fn insert(&mut self, key: FragKey) -> Option<usize> {
        let slot = self.free.pop()?;
        if let Some(entry) = self.slots.get_mut(slot) {
            entry.datagram.key = key;
        }
        self.index.insert(key, slot);
        self.link_newest(slot);
        Some(slot)
    }

    /// Frees `slot`; its datagram stays for the caller to take apart.
    pub fn remove(&mut self, slot: usize) {
        let Some(entry) = self.slots.get(slot) else {
            return;
        };
        let key = entry.datagram.key;
        if self.index.get(&key) != Some(&slot) {
            return;
        }
        self.index.remove(&key);
        self.unlink(slot);
        self.free.push(slot);
    }

    /// The oldest datagram's slot.
    pub fn oldest(&self) -> Option<usize> {
        (self.oldest != NIL).then_some(self.oldest)
    }

    /// The slot after `slot` in age order.
    pub fn newer(&self, slot: usize) -> Option<usize> {
        let next = self.slots.get(slot)?.next;
        (next != NIL).then_some(next)
    }

    /// The datagram in `slot`.
    pub fn get(&self, slot: usize) -> Option<&Datagram> {
        self.slots.get(slot).map(|s| &s.datagram)
    }

    /// The datagram in `slot`, mutably.
    pub fn get_mut(&mut self, slot: usize) -> Option<&mut Datagram> {
        self.slots.get_mut(slot).map(|s| &mut s.datagram)
    }

    fn link_newest(&mut self, slot: usize) {
        let previous = self.newest;
        if let Some(entry) = self.slots.get_mut(slot) {
            entry.prev = previous;
            entry.next = NIL;
        }
        match self.slots.get_mut(previous) {
            Some(entry) => entry.next = slot,
            None => self.oldest = slot,
        }
        self.newest = slot;
    }

    fn unlink(&mut self, slot: usize) {
        let Some(entry) = self.slots.get(slot) else {
            return;
        };
        let (prev, next) = (entry.prev, entry.next);
        match self.slots.get_mut(prev) {
            Some(entry) => entry.next = next,
            None => self.oldest = next,
        }
        match self.slots.get_mut(next) {
            Some(entry) => entry.prev = prev,
            None => self.newest = prev,
        }
    }
}
