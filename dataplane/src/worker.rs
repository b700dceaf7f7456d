//! The per-core I/O loop: receive a burst on each of the worker's rx queues,
//! run every frame through the [`Pipeline`], forward what passes to the peer
//! port's tx queue (inline) or consume it (tap), and hand finished-flow
//! records and HTTP transactions to the event output. This is the only pipeline code that touches
//! DPDK queues, and the only place that reads the clock.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use palisade_hw::{lcore, Burst, Mbuf, Mempool, RxQueue, TxQueue};

use crate::enforce::Toward;

use crate::inspect::{AlertRecord, GuardRecord, HttpRecord, InspectStats, Inspector, RulesSlot};
use crate::overload::{Change, Detector, OverloadSettings};
use crate::pipeline::{FlowRecord, Frame, LinkType, Pipeline, PipelineStats, Verdict, BURST_MAX};
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
    /// The link layer of what `rx` delivers (Ethernet but for captures).
    pub link_type: LinkType,
}

/// Where `now` comes from.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The time stamp counter as nanoseconds since the epoch: `epoch_ns`
    /// (the wall clock when the counter read `start`) plus the ticks since.
    Tsc { start: u64, hz: u64, epoch_ns: u64 },
    /// Each mbuf's rx timestamp dynamic field, filled by the pcap device
    /// from the capture file, in units of `unit_ns` nanoseconds since the
    /// epoch (DPDK 22.11's pcap driver writes microseconds).
    Capture { field_offset: usize, unit_ns: u64 },
}

impl Clock {
    fn tsc_now(self) -> u64 {
        match self {
            Clock::Tsc {
                start,
                hz,
                epoch_ns,
            } => {
                let ticks = u128::from(lcore::tsc().wrapping_sub(start));
                let elapsed = (ticks * 1_000_000_000 / u128::from(hz.max(1))) as u64;
                epoch_ns.saturating_add(elapsed)
            }
            Clock::Capture { .. } => 0,
        }
    }
}

/// What a worker reports to the event output.
#[derive(Debug)]
pub enum Event {
    /// A flow ended.
    Flow(FlowRecord),
    /// An HTTP transaction finished.
    Http(Box<HttpRecord>),
    /// A rule held on a transaction.
    Alert(Box<AlertRecord>),
    /// A ClientHello, a rate limit exceeded or a bot signal.
    Guard(Box<GuardRecord>),
    /// Capture mode: input number `n` has been read to its end and its
    /// flows ended; later events come from the next input.
    InputEnd(usize),
}

/// Receives events (an event writer, a bounded queue).
pub type RecordOut = Box<dyn FnMut(Event) + Send>;

/// A worker's counters as last published.
#[derive(Debug, Clone, Default)]
pub struct WorkerStats {
    pub pipeline: PipelineStats,
    pub inspect: InspectStats,
}

/// Where a worker publishes its counters for the main lcore.
pub type SharedStats = Arc<Mutex<WorkerStats>>;

/// A worker: its links, the tx queues they send to, its pipeline, counters
/// and the shared stop flag.
pub struct Worker {
    links: Vec<Link>,
    txs: Vec<TxQueue>,
    pipeline: Pipeline,
    inspector: Inspector,
    clock: Clock,
    records: RecordOut,
    counters: Arc<WorkerCounters>,
    shared: SharedStats,
    stop: Arc<AtomicBool>,
    burst: Burst,
    inspect: bool,
    rules: Arc<RulesSlot>,
    rules_seen: u64,
    now: u64,
    last_publish: u64,
    /// Frames crafted by verdicts are built in mbufs from this pool.
    pool: Option<Mempool>,
    /// Per link: the tx queue back out of its rx port (inline).
    back: Vec<Option<usize>>,
    /// Tap mode: the tx queue crafted frames leave by.
    reply_tx: Option<usize>,
    /// Whether this worker keeps up (live traffic with inspection only).
    overload: Option<Detector>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("links", &self.links)
            .field("clock", &self.clock)
            .finish()
    }
}

/// Everything a worker is built from.
#[allow(missing_debug_implementations, reason = "holds a boxed closure")]
pub struct WorkerParts {
    pub links: Vec<Link>,
    pub txs: Vec<TxQueue>,
    pub pipeline: Pipeline,
    /// Application-layer inspection of the pipeline's streams.
    pub inspector: Inspector,
    pub clock: Clock,
    pub records: RecordOut,
    pub counters: Arc<WorkerCounters>,
    pub shared: SharedStats,
    pub stop: Arc<AtomicBool>,
    /// Run the pipeline (false: plain forwarding, counters only).
    pub inspect: bool,
    /// Rulesets published while running (reloads).
    pub rules: Arc<RulesSlot>,
    /// The pool crafted frames (resets, answers) are built in; none: they
    /// are not sent.
    pub pool: Option<Mempool>,
    /// Tap mode: the tx queue (index into `txs`) crafted frames leave by.
    pub reply_tx: Option<usize>,
    /// Overload detection and policy; none: never overloaded (captures).
    pub overload: Option<OverloadSettings>,
}

/// Flows ended between two drains of the records at shutdown or at the end
/// of a capture input.
const FINISH_STEP: usize = 64;

/// Counters are published this often (nanoseconds of `now`).
const PUBLISH_EVERY_NS: u64 = 100_000_000;

impl Worker {
    /// A worker over `links`, whose `tx` fields index `txs`.
    pub fn new(p: WorkerParts) -> Worker {
        let back = p
            .links
            .iter()
            .map(|l| p.txs.iter().position(|t| t.port() == l.rx.port()))
            .collect();
        Worker {
            pool: p.pool,
            back,
            reply_tx: p.reply_tx,
            links: p.links,
            txs: p.txs,
            pipeline: p.pipeline,
            inspector: p.inspector,
            clock: p.clock,
            records: p.records,
            counters: p.counters,
            shared: p.shared,
            stop: p.stop,
            burst: Burst::new(),
            inspect: p.inspect,
            rules_seen: p.rules.generation(),
            rules: p.rules,
            now: 0,
            last_publish: 0,
            overload: p.overload.filter(|_| p.inspect).map(Detector::new),
        }
    }

    /// Polls every link until the stop flag is raised, then ends every flow.
    pub fn run(&mut self) {
        while !self.stop.load(Ordering::Relaxed) {
            self.now = self.clock.tsc_now();
            for i in 0..self.links.len() {
                self.poll_link(i);
            }
            self.housekeeping();
        }
        self.shutdown();
    }

    /// Drains the links one after the other, each until its rx queue comes
    /// back empty (a capture file has ended), so inputs are processed in
    /// order and the result is the same on every run. Flows end with each
    /// input: files may come from different times, and a flow's clock must
    /// not jump between them.
    pub fn drain_in_order(&mut self) {
        for i in 0..self.links.len() {
            while !self.stop.load(Ordering::Relaxed) && self.poll_link(i) > 0 {
                self.housekeeping();
            }
            self.finish_flows();
            (self.records)(Event::InputEnd(i));
        }
        self.shutdown();
    }

    fn housekeeping(&mut self) {
        if let Some(change) = self.overload.as_mut().and_then(|d| d.tick(self.now)) {
            self.overload_changed(change);
        }
        self.take_new_rules();
        self.pipeline.housekeeping(self.now, &mut self.inspector);
        self.flush_records();
        if self.now.wrapping_sub(self.last_publish) >= PUBLISH_EVERY_NS {
            self.publish();
        }
    }

    /// Ends every flow, handing on records in steps small enough that none
    /// is lost to the record queue's bound.
    fn finish_flows(&mut self) {
        while !self.pipeline.finish_some(&mut self.inspector, FINISH_STEP) {
            self.flush_records();
        }
        self.flush_records();
    }

    /// Feeds the overload detector one burst of `n` frames that took `ticks`
    /// of the time stamp counter.
    fn watch_load(&mut self, n: usize, ticks: u64) {
        let (Some(d), Clock::Tsc { hz, .. }) = (self.overload.as_mut(), self.clock) else {
            return;
        };
        let ns = (u128::from(ticks) * 1_000_000_000 / u128::from(hz.max(1))) as u64;
        if let Some(change) = d.burst(self.now, n, palisade_hw::BURST_MAX, ns) {
            self.overload_changed(change);
        }
    }

    /// Passes an overload change on to the pipeline, and says so.
    fn overload_changed(&mut self, change: Change) {
        let Some(d) = &self.overload else {
            return;
        };
        match change {
            Change::Entered => {
                self.pipeline.set_overload(Some(d.policy()));
                tracing::warn!(
                    lcore = lcore::current(),
                    policy = d.policy().as_str(),
                    "worker overloaded: new flows get the overload policy"
                );
            }
            Change::Left => {
                self.pipeline.set_overload(None);
                tracing::info!(
                    lcore = lcore::current(),
                    "worker keeps up again: new flows are inspected"
                );
            }
        }
    }

    /// Takes up a ruleset the main lcore published since the last look.
    fn take_new_rules(&mut self) {
        let Some((generation, rules)) = self.rules.newer_than(self.rules_seen) else {
            return;
        };
        self.rules_seen = generation;
        if let Err(e) = self.inspector.update_rules(rules) {
            tracing::error!("worker cannot take up the new rules, keeps the old: {e}");
            return;
        }
        self.rules.mark_taken(generation);
    }

    fn shutdown(&mut self) {
        self.finish_flows();
        // The final copy must land even if the main lcore holds the lock.
        *self.shared.lock().unwrap_or_else(|e| e.into_inner()) = self.stats();
    }

    /// Hands on alerts, finished transactions, then finished flows (a
    /// flow's transactions come before its end).
    fn flush_records(&mut self) {
        for mut a in self.inspector.drain_alerts() {
            if let Some((verdict, carried_out)) = self.pipeline.verdict_of(&a.hit) {
                a.verdict = Some(verdict);
                a.blocked &= carried_out;
            }
            (self.records)(Event::Alert(Box::new(a)));
        }
        for g in self.inspector.drain_guard() {
            (self.records)(Event::Guard(Box::new(g)));
        }
        for r in self.inspector.drain() {
            (self.records)(Event::Http(Box::new(r)));
        }
        for mut r in self.pipeline.drain_records() {
            r.ja4 = self.inspector.ended_ja4(crate::flow::FlowId(r.flow_id));
            (self.records)(Event::Flow(r));
        }
        self.inspector.forget_ended();
    }

    fn stats(&self) -> WorkerStats {
        WorkerStats {
            pipeline: self.pipeline.stats(),
            inspect: self.inspector.stats(),
        }
    }

    /// Copies the pipeline counters out, unless the reader holds the lock
    /// right now (then next time: the packet path never waits).
    fn publish(&mut self) {
        self.last_publish = self.now;
        if let Ok(mut shared) = self.shared.try_lock() {
            *shared = self.stats();
        }
    }

    /// One rx burst on link `i`, the pipeline over each frame, then forward
    /// or consume what passed. Returns the number of packets received.
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
        let (tx, link_type) = (link.tx, link.link_type);
        if self.inspect {
            let started = lcore::tsc();
            self.inspect(link_type);
            let took = lcore::tsc().wrapping_sub(started);
            self.counters.latency.observe(took, n as u64);
            self.watch_load(n, took);
            self.send_crafted(i);
        }
        // What the pipeline did not drop leaves with the bytes counted at rx.
        let bytes = if self.burst.len() == n {
            bytes
        } else {
            burst_bytes(&self.burst)
        };
        match tx.and_then(|t| self.txs.get_mut(t)) {
            Some(tx) => transmit(tx, &mut self.burst, bytes, &self.counters),
            None => {
                self.counters.consumed.add(self.burst.len() as u64);
                self.burst.clear();
            }
        }
        n
    }

    /// Runs the pipeline over the burst (staged, so flow-table misses
    /// overlap) and frees the frames it drops.
    fn inspect(&mut self, link: LinkType) {
        let (clock, c) = (self.clock, &self.counters);
        let mut now = self.now;
        let mut frames = [Frame::default(); BURST_MAX];
        let mut inspected = [false; BURST_MAX];
        let mut n = 0;
        for (i, m) in self.burst.as_slice().iter().enumerate() {
            if m.segments() > 1 {
                // Chained jumbo frames (captures only) pass uninspected.
                c.uninspected.add(1);
                continue;
            }
            if let Clock::Capture {
                field_offset,
                unit_ns,
            } = clock
            {
                now = m.dynfield_u64(field_offset).saturating_mul(unit_ns);
            }
            frames[n] = Frame {
                bytes: m.data(),
                now,
            };
            inspected[i] = true;
            n += 1;
        }
        let mut verdicts = [Verdict::Pass; BURST_MAX];
        let before = self.pipeline.drops();
        self.pipeline
            .process_burst(&frames[..n], link, &mut verdicts, &mut self.inspector);
        let (mut i, mut v) = (0, verdicts.iter());
        self.burst.retain(|_| {
            let keep = !inspected[i] || v.next() != Some(&Verdict::Drop);
            i += 1;
            keep
        });
        self.now = now;
        let after = self.pipeline.drops();
        c.count_drop(DropReason::Malformed, after.malformed - before.malformed);
        c.count_drop(DropReason::Blocked, after.blocked - before.blocked);
        c.count_drop(DropReason::Guarded, after.guarded - before.guarded);
        c.count_drop(DropReason::Overload, after.overload - before.overload);
    }
}

impl Worker {
    /// Sends the frames verdicts crafted during link `i`'s burst: those
    /// towards the offender's receiver with the burst, those back to its
    /// sender out of the rx port (inline); both out of the reset port (tap).
    fn send_crafted(&mut self, i: usize) {
        let outbox = self.pipeline.outbox();
        if outbox.is_empty() {
            return;
        }
        let forward = self.links[i].tx;
        let (forward, back) = match forward {
            Some(t) => (Some(t), self.back.get(i).copied().flatten()),
            None => (self.reply_tx, self.reply_tx),
        };
        let mut bursts = [Burst::new(), Burst::new()];
        let mut lost = 0;
        for (toward, frame) in outbox.frames() {
            let (queue, at) = match toward {
                Toward::Receiver => (forward, 0),
                Toward::Sender => (back, 1),
            };
            let mbuf = queue
                .and(self.pool)
                .and_then(|pool| crafted_mbuf(&pool, frame));
            match mbuf.map(|m| bursts[at].push(m)) {
                Some(Ok(())) => {}
                _ => lost += 1,
            }
        }
        outbox.clear();
        self.counters.count_drop(DropReason::CraftedLost, lost);
        for (queue, burst) in [forward, back].into_iter().zip(&mut bursts) {
            if let Some(tx) = queue.and_then(|q| self.txs.get_mut(q)) {
                transmit(tx, burst, burst_bytes(burst), &self.counters);
            }
        }
    }
}

/// An mbuf from `pool` holding a copy of `frame`.
fn crafted_mbuf(pool: &Mempool, frame: &[u8]) -> Option<Mbuf> {
    let mut m = Mbuf::alloc(pool)?;
    let len = u16::try_from(frame.len()).ok()?;
    m.append(len)?.copy_from_slice(frame);
    Some(m)
}

/// Sends the whole burst (of `bytes` bytes) on `tx`, retrying briefly, and
/// drops what the queue still refuses (counted).
fn transmit(tx: &mut TxQueue, burst: &mut Burst, bytes: u64, c: &WorkerCounters) {
    let total = burst.len() as u64;
    for _ in 0..TX_RETRIES {
        tx.send(burst);
        if burst.is_empty() {
            break;
        }
    }
    let sent = total - burst.len() as u64;
    let sent_bytes = bytes - burst_bytes(burst);
    c.tx_packets.add(sent);
    c.tx_bytes.add(sent_bytes);
    let port = c.port(tx.port());
    port.tx_packets.add(sent);
    port.tx_bytes.add(sent_bytes);
    if !burst.is_empty() {
        c.count_drop(DropReason::TxQueueFull, burst.len() as u64);
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
