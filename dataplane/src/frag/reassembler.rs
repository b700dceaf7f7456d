//! [`Reassembler`]: the per-worker entry point of fragment reassembly.
//!
//! The worker pushes each fragment with the current time and gets back
//! [`Outcome::Complete`] with the rebuilt datagram when its last missing
//! piece arrives. Timeouts are applied on every push (and by
//! [`Reassembler::expire`] between bursts), so the reassembler never needs a
//! clock or a timer of its own.

use super::config::{FragCounters, FragDrop, FragLimits};
use super::datagram::Datagram;
use super::fragment::{FragKey, Fragment};
use super::table::Table;
use crate::decode::{ipv4, ipv6, IpProtocol};

/// What became of a pushed fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Outcome<'r> {
    /// Kept until the rest of its datagram arrives.
    Held,
    /// The datagram is complete: its IP header (total or payload length
    /// rewritten, fragment fields gone) followed by the whole payload.
    /// Valid until the next call on the reassembler.
    Complete(&'r [u8]),
    /// The fragment, and with it possibly its datagram, was dropped.
    Dropped(FragDrop),
}

/// Reassembles IPv4 and IPv6 fragments within fixed limits.
#[derive(Debug)]
pub struct Reassembler {
    limits: FragLimits,
    table: Table,
    /// Scratch state for atomic fragments, which bypass the table.
    atomic: Datagram,
    spare: Vec<Vec<u8>>,
    done: Vec<u8>,
    memory: usize,
    counters: FragCounters,
}

impl Reassembler {
    /// A reassembler with every table allocated up front.
    pub fn new(limits: FragLimits) -> Self {
        Self {
            limits,
            table: Table::new(limits.max_datagrams),
            atomic: Datagram::default(),
            spare: Vec::with_capacity(limits.spare_buffers),
            done: Vec::new(),
            memory: 0,
            counters: FragCounters::default(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &FragLimits {
        &self.limits
    }

    /// What has been seen and done so far.
    pub fn counters(&self) -> &FragCounters {
        &self.counters
    }

    /// Buffer bytes held by datagrams in progress.
    pub fn memory(&self) -> usize {
        self.memory
    }

    /// Datagrams in progress.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when no datagram is in progress.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Adds `frag`, received at `now` nanoseconds.
    pub fn push(&mut self, frag: &Fragment<'_>, now: u64) -> Outcome<'_> {
        self.counters.fragments += 1;
        self.expire(now);
        if let Err(reason) = check(frag) {
            return self.refuse(reason);
        }
        if frag.offset == 0 && frag.more && frag.data.len() < min_transport_len(frag) {
            self.counters.tiny_first += 1;
        }
        if frag.is_atomic() {
            return self.pass_atomic(frag, now);
        }

        let slot = match self.slot_for(frag, now) {
            Ok(slot) => slot,
            Err(reason) => return self.refuse(reason),
        };
        match self.add(slot, frag) {
            Ok(true) => self.complete(slot),
            Ok(false) => Outcome::Held,
            Err(reason) => {
                self.discard(slot);
                self.refuse(reason)
            }
        }
    }

    /// Drops every datagram whose first fragment is `timeout_ns` old.
    pub fn expire(&mut self, now: u64) {
        while let Some(slot) = self.table.oldest() {
            let created = self.table.get(slot).map_or(now, |d| d.created);
            if now.saturating_sub(created) < self.limits.timeout_ns {
                break;
            }
            self.discard(slot);
            self.counters.timed_out += 1;
        }
    }

    fn refuse(&mut self, reason: FragDrop) -> Outcome<'_> {
        self.counters.count(reason);
        Outcome::Dropped(reason)
    }

    /// Returns an atomic fragment as a datagram of its own (RFC 6946).
    fn pass_atomic(&mut self, frag: &Fragment<'_>, now: u64) -> Outcome<'_> {
        let buffer = core::mem::take(&mut self.done);
        self.atomic.reset(frag.key, now, buffer, frag);
        let result = self.atomic.admit(frag, &self.limits).and_then(|()| {
            let _ = self.atomic.insert(frag);
            self.atomic.finish()
        });
        self.done = self.atomic.take_buffer();
        match result {
            Ok(()) => {
                self.counters.atomic += 1;
                Outcome::Complete(&self.done)
            }
            Err(reason) => self.refuse(reason),
        }
    }

    /// The slot of `frag`'s datagram, created if new; evicts the oldest
    /// datagram when the table is full.
    fn slot_for(&mut self, frag: &Fragment<'_>, now: u64) -> Result<usize, FragDrop> {
        if let Some(slot) = self.table.find(&frag.key) {
            return Ok(slot);
        }
        if self.table.is_full() {
            let oldest = self.table.oldest().ok_or(FragDrop::TableFull)?;
            self.discard(oldest);
            self.counters.table_full += 1;
        }
        let slot = self.table.insert(frag.key).ok_or(FragDrop::TableFull)?;

        let buffer = self.spare_buffer();
        self.memory += buffer.capacity();
        if let Some(datagram) = self.table.get_mut(slot) {
            datagram.reset(frag.key, now, buffer, frag);
        }
        Ok(slot)
    }

    /// A recycled buffer if one fits under the global cap, else an empty one.
    fn spare_buffer(&mut self) -> Vec<u8> {
        match self.spare.pop() {
            Some(buffer) if self.memory + buffer.capacity() <= self.limits.global_memory => buffer,
            _ => Vec::new(),
        }
    }

    /// Admits and writes `frag`; true when its datagram is complete.
    fn add(&mut self, slot: usize, frag: &Fragment<'_>) -> Result<bool, FragDrop> {
        let datagram = self.table.get_mut(slot).ok_or(FragDrop::TableFull)?;
        datagram.admit(frag, &self.limits)?;
        let needed = datagram.needed_len(frag);
        self.make_room(slot, needed)?;

        let datagram = self.table.get_mut(slot).ok_or(FragDrop::TableFull)?;
        let write = datagram.insert(frag);
        if write.overlap {
            self.counters.overlaps += 1;
        }
        if write.conflict {
            self.counters.overlap_conflicts += 1;
        }
        Ok(datagram.is_complete())
    }

    /// Grows `slot`'s buffer to hold `needed` bytes within both memory
    /// caps, evicting the oldest other datagrams if the global cap requires.
    fn make_room(&mut self, slot: usize, needed: usize) -> Result<(), FragDrop> {
        if needed > self.limits.datagram_memory {
            return Err(FragDrop::DatagramMemory);
        }
        let current = self.table.get(slot).map_or(0, Datagram::capacity);
        if needed <= current {
            return Ok(());
        }
        // Doubling keeps in-order arrival from copying the buffer each time.
        let target = needed
            .max(current.saturating_mul(2))
            .min(self.limits.datagram_memory);
        self.evict_for(target - current, slot)?;

        let datagram = self.table.get_mut(slot).ok_or(FragDrop::TableFull)?;
        datagram.reserve(target);
        self.memory = self.memory.saturating_sub(current) + datagram.capacity();
        Ok(())
    }

    /// Evicts the oldest datagrams other than `keep` until `extra` more
    /// bytes fit under the global cap.
    fn evict_for(&mut self, extra: usize, keep: usize) -> Result<(), FragDrop> {
        while self.memory + extra > self.limits.global_memory {
            let victim = match self.table.oldest() {
                Some(oldest) if oldest == keep => self.table.newer(oldest),
                other => other,
            };
            let victim = victim.ok_or(FragDrop::GlobalMemory)?;
            self.discard(victim);
            self.counters.global_memory += 1;
        }
        Ok(())
    }

    /// Rebuilds the datagram in `slot` and hands it out.
    fn complete(&mut self, slot: usize) -> Outcome<'_> {
        self.table.remove(slot);
        let Some(datagram) = self.table.get_mut(slot) else {
            return self.refuse(FragDrop::TableFull);
        };
        let finished = datagram.finish();
        let buffer = datagram.take_buffer();
        self.memory = self.memory.saturating_sub(buffer.capacity());
        let previous = core::mem::replace(&mut self.done, buffer);
        self.recycle(previous);
        match finished {
            Ok(()) => {
                self.counters.reassembled += 1;
                Outcome::Complete(&self.done)
            }
            Err(reason) => self.refuse(reason),
        }
    }

    /// Frees `slot` and keeps its buffer for reuse.
    fn discard(&mut self, slot: usize) {
        self.table.remove(slot);
        if let Some(datagram) = self.table.get_mut(slot) {
            let buffer = datagram.take_buffer();
            self.memory = self.memory.saturating_sub(buffer.capacity());
            self.recycle(buffer);
        }
    }

    fn recycle(&mut self, mut buffer: Vec<u8>) {
        if self.spare.len() < self.limits.spare_buffers && buffer.capacity() > 0 {
            buffer.clear();
            self.spare.push(buffer);
        }
    }
}

/// Refuses fragments whose header or length no real sender produces.
fn check(frag: &Fragment<'_>) -> Result<(), FragDrop> {
    let header = frag.header;
    let header_ok = match frag.key {
        FragKey::V4 { .. } => {
            let ihl = header.first().map_or(0, |b| usize::from(b & 0x0f) * 4);
            ipv4::Packet::new_header(header).is_ok_and(|p| p.version() == 4) && ihl == header.len()
        }
        FragKey::V6 { .. } => {
            ipv6::Packet::new_header(header).is_ok_and(|p| p.version() == 6)
                && frag.next_header_at < header.len()
        }
    };
    let ragged = frag.more && (frag.data.is_empty() || !frag.data.len().is_multiple_of(8));
    if !header_ok || ragged || !frag.offset.is_multiple_of(8) {
        return Err(FragDrop::Malformed);
    }
    Ok(())
}

/// Bytes of the transport header a first fragment should carry (RFC 1858).
fn min_transport_len(frag: &Fragment<'_>) -> usize {
    match frag.protocol {
        IpProtocol::TCP => 20,
        IpProtocol::UDP | IpProtocol::ICMP | IpProtocol::ICMPV6 => 8,
        _ => 0,
    }
}
