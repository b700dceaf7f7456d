//! The per-core I/O loop: receive a burst on each of the worker's rx queues,
//! count it, and forward it to the peer port's tx queue (inline) or consume
//! it (tap). This is the only pipeline code that touches DPDK queues.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use palisade_hw::{Burst, RxQueue, TxQueue};

use crate::stats::{DropReason, WorkerCounters};

/// How many times a partly refused tx burst is offered again before the rest
/// is dropped (the device needs a moment to free descriptors).
const TX_RETRIES: usize = 4;

/// One direction a worker serves: packets received on `rx` go out on the
/// worker's tx queue number `tx`, or are consumed when there is none (tap).
#[derive(Debug)]
pub struct Link {
    pub rx: RxQueue,
    pub tx: Option<usize>,
}

/// A worker: its links, the tx queues they send to, its counters and the
/// shared stop flag.
#[derive(Debug)]
pub struct Worker {
    links: Vec<Link>,
    txs: Vec<TxQueue>,
    counters: Arc<WorkerCounters>,
    stop: Arc<AtomicBool>,
    burst: Burst,
}

impl Worker {
    /// A worker over `links`, whose `tx` fields index `txs`.
    pub fn new(
        links: Vec<Link>,
        txs: Vec<TxQueue>,
        counters: Arc<WorkerCounters>,
        stop: Arc<AtomicBool>,
    ) -> Worker {
        Worker {
            links,
            txs,
            counters,
            stop,
            burst: Burst::new(),
        }
    }

    /// Polls every link until the stop flag is raised.
    pub fn run(&mut self) {
        while !self.stop.load(Ordering::Relaxed) {
            for i in 0..self.links.len() {
                self.poll_link(i);
            }
        }
    }

    /// Drains the links one after the other, each until its rx queue comes
    /// back empty (a capture file has ended), so inputs are processed in
    /// order and the result is the same on every run.
    pub fn drain_in_order(&mut self) {
        for i in 0..self.links.len() {
            while !self.stop.load(Ordering::Relaxed) && self.poll_link(i) > 0 {}
        }
    }

    /// One rx burst on link `i`, then forward or consume it. Returns the
    /// number of packets received.
    fn poll_link(&mut self, i: usize) -> usize {
        let link = &mut self.links[i];
        let n = link.rx.recv(&mut self.burst);
        let c = &self.counters;
        if n == 0 {
            c.idle_polls.add(1);
            return 0;
        }
        c.rx_bursts.add(1);
        let bytes = burst_bytes(&self.burst);
        c.rx_packets.add(n as u64);
        c.rx_bytes.add(bytes);
        let port = c.port(link.rx.port());
        port.rx_packets.add(n as u64);
        port.rx_bytes.add(bytes);
        match link.tx.and_then(|t| self.txs.get_mut(t)) {
            Some(tx) => transmit(tx, &mut self.burst, c, bytes),
            None => {
                c.consumed.add(n as u64);
                self.burst.clear();
            }
        }
        n
    }
}

/// Sends the whole burst on `tx`, retrying briefly, and drops what the queue
/// still refuses (counted).
fn transmit(tx: &mut TxQueue, burst: &mut Burst, c: &WorkerCounters, bytes: u64) {
    let total = burst.len() as u64;
    for _ in 0..TX_RETRIES {
        tx.send(burst);
        if burst.is_empty() {
            break;
        }
    }
    let unsent_bytes = burst_bytes(burst);
    let sent = total - burst.len() as u64;
    let sent_bytes = bytes - unsent_bytes;
    c.tx_packets.add(sent);
    c.tx_bytes.add(sent_bytes);
    let port = c.port(tx.port());
    port.tx_packets.add(sent);
    port.tx_bytes.add(sent_bytes);
    if !burst.is_empty() {
        c.drop(DropReason::TxQueueFull, burst.len() as u64);
        burst.clear();
    }
}

fn burst_bytes(burst: &Burst) -> u64 {
    burst
        .as_slice()
        .iter()
        .map(|m| u64::from(m.pkt_len()))
        .sum()
}
