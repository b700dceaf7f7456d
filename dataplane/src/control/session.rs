//! The control session thread: connect, register, then read rulesets (and
//! acknowledge them), the welcome and spec sets on one thread while this
//! one writes the main loop's counters, events and inventory updates; on
//! any failure, reconnect with backoff.

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use palisade_proto::{read_frame, write_frame, Ack, FrameError, Message, Register, Ruleset};

use super::{Identity, Inbound, Outbound};
use crate::inspect::{LoadedRules, RulesSlot};
use crate::inventory::Spec;

/// First and longest wait between two connection attempts.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

type Running = Arc<Mutex<Option<u64>>>;

/// Runs until `stop` is raised.
pub(super) fn run(
    socket: &Path,
    who: &Identity,
    slot: &Arc<RulesSlot>,
    running: &Running,
    inbound: &Arc<Inbound>,
    rx: &Receiver<Outbound>,
    stop: &AtomicBool,
) {
    let mut backoff = BACKOFF_MIN;
    let mut warned = false;
    while !stop.load(Ordering::Relaxed) {
        match connect(socket, who, running) {
            Ok(stream) => {
                tracing::info!(socket = %socket.display(), "connected to the control plane");
                backoff = BACKOFF_MIN;
                warned = false;
                let why = connected(stream, who, slot, running, inbound, rx, stop);
                if !stop.load(Ordering::Relaxed) {
                    tracing::warn!(
                        "control plane connection lost ({why}); \
                         running on the current rules, reconnecting"
                    );
                }
            }
            Err(e) => {
                // Logged once per outage, not once per attempt.
                if !warned {
                    let socket = socket.display();
                    tracing::warn!(%socket, "control plane unreachable, retrying: {e}");
                    warned = true;
                }
            }
        }
        discard(rx);
        sleep_unless_stopped(backoff, stop);
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

fn connect(socket: &Path, who: &Identity, running: &Running) -> Result<UnixStream, FrameError> {
    let stream = UnixStream::connect(socket)?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let register = Register {
        id: who.id.clone(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        cores: who.cores.clone(),
        ports: who.ports.clone(),
        mode: who.mode.clone(),
        running: *running.lock().unwrap_or_else(|e| e.into_inner()),
        features: vec![
            palisade_proto::FEATURE_INVENTORY.to_owned(),
            palisade_proto::FEATURE_SPEC.to_owned(),
        ],
    };
    write_frame(&mut &stream, &Message::Register(register))?;
    Ok(stream)
}

/// Serves one connection until it fails; returns why.
fn connected(
    stream: UnixStream,
    who: &Identity,
    slot: &Arc<RulesSlot>,
    running: &Running,
    inbound: &Arc<Inbound>,
    rx: &Receiver<Outbound>,
    stop: &AtomicBool,
) -> String {
    let writer = Arc::new(Mutex::new(stream));
    let reader = match lock(&writer).try_clone() {
        Ok(r) => r,
        Err(e) => return e.to_string(),
    };
    let dead = Arc::new(AtomicBool::new(false));
    let workers = who.cores.len();
    let why = Arc::new(Mutex::new(String::new()));
    // Inventory goes only to a control plane that welcomed it on this
    // connection (one left over from an earlier connection may not).
    let welcomed_before = inbound.welcomes.load(Ordering::Acquire);
    let reading = {
        let (writer, slot, running) = (Arc::clone(&writer), Arc::clone(slot), Arc::clone(running));
        let (dead, why) = (Arc::clone(&dead), Arc::clone(&why));
        let inbound = Arc::clone(inbound);
        std::thread::Builder::new()
            .name("control-rx".into())
            .spawn(move || {
                let reason = read_loop(&reader, &writer, &slot, &running, &inbound, workers);
                *lock(&why) = reason;
                dead.store(true, Ordering::SeqCst);
            })
    };
    if let Err(e) = reading {
        return e.to_string();
    }
    while !dead.load(Ordering::SeqCst) && !stop.load(Ordering::Relaxed) {
        let m = match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Outbound::Inventory(_))
                if inbound.welcomes.load(Ordering::Acquire) == welcomed_before =>
            {
                continue
            }
            Ok(Outbound::Counters(c)) => Message::Counters(c),
            Ok(Outbound::Events(lines)) => Message::Events(palisade_proto::Events { lines }),
            Ok(Outbound::Inventory(update)) => Message::Inventory(update),
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if let Err(e) = write_frame(&mut *lock(&writer), &m) {
            *lock(&why) = e.to_string();
            break;
        }
    }
    // Wakes the reader if it still waits.
    let _ = lock(&writer).shutdown(std::net::Shutdown::Both);
    let reason = lock(&why).clone();
    reason
}

/// Reads rulesets until the connection ends; returns why it ended.
fn read_loop(
    reader: &UnixStream,
    writer: &Mutex<UnixStream>,
    slot: &RulesSlot,
    running: &Mutex<Option<u64>>,
    inbound: &Inbound,
    workers: usize,
) -> String {
    let mut r = reader;
    loop {
        let m = match read_frame(&mut r) {
            Ok(m) => m,
            Err(e) => return e.to_string(),
        };
        let ack = match m {
            Message::Ruleset(set) => take_ruleset(&set, slot, running, workers),
            Message::Welcome(w) => {
                if w.features
                    .iter()
                    .any(|f| f == palisade_proto::FEATURE_INVENTORY)
                {
                    inbound.welcomes.fetch_add(1, Ordering::AcqRel);
                }
                continue;
            }
            Message::Specs(set) => {
                let taken = specs(&set);
                let count = taken.len();
                *lock(&inbound.specs) = Some(taken);
                // Logged once the main loop can see them.
                tracing::info!(specs = count, "specs from the control plane taken");
                continue;
            }
            Message::Error { message } => {
                return format!("refused by the control plane: {message}")
            }
            _ => continue,
        };
        if let Err(e) = write_frame(&mut *lock(writer), &Message::Ack(ack)) {
            return e.to_string();
        }
    }
}

/// The specs of a set that load; one that does not is logged and left out.
fn specs(set: &palisade_proto::SpecSet) -> Vec<Spec> {
    let mut out = Vec::new();
    for b in &set.specs {
        match Spec::from_document(&b.document, &b.host) {
            Ok(s) => out.push(s),
            Err(e) => tracing::error!(host = %b.host, spec = %b.name, "spec refused: {e:#}"),
        }
    }
    out
}

/// How long the workers may take to pick up a published ruleset.
const TAKE_UP: Duration = Duration::from_secs(10);

/// Waits until `workers` workers took up `generation`.
fn wait_taken(slot: &RulesSlot, generation: u64, workers: usize) -> bool {
    let start = std::time::Instant::now();
    while !slot.taken_by(generation, workers) {
        if start.elapsed() >= TAKE_UP || slot.generation() != generation {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    true
}

/// Compiles and publishes a ruleset, then waits for every worker to take
/// it up; the answer says whether it runs.
fn take_ruleset(
    set: &Ruleset,
    slot: &RulesSlot,
    running: &Mutex<Option<u64>>,
    workers: usize,
) -> Ack {
    if *lock(running) == Some(set.version) {
        return Ack {
            version: set.version,
            ok: true,
            error: None,
        };
    }
    let started = std::time::Instant::now();
    let sources: Vec<(String, String)> = set
        .files
        .iter()
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect();
    match LoadedRules::from_sources(&sources) {
        Ok(rules) => {
            let count = rules.snapshot.rule_count();
            slot.publish(Arc::new(rules));
            let generation = slot.generation();
            *lock(running) = Some(set.version);
            if !wait_taken(slot, generation, workers) {
                let error = format!(
                    "version {} was published but not every worker took it up within {} s",
                    set.version,
                    TAKE_UP.as_secs()
                );
                tracing::warn!("{error}");
                return Ack {
                    version: set.version,
                    ok: false,
                    error: Some(error),
                };
            }
            tracing::info!(
                version = set.version,
                rules = count,
                millis = started.elapsed().as_millis() as u64,
                "ruleset from the control plane taken up"
            );
            Ack {
                version: set.version,
                ok: true,
                error: None,
            }
        }
        Err(e) => {
            tracing::error!(
                version = set.version,
                "ruleset from the control plane refused, the running rules stay:\n{e}"
            );
            Ack {
                version: set.version,
                ok: false,
                error: Some(e),
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Drops what the main loop queued while there was no connection.
fn discard(rx: &Receiver<Outbound>) {
    while rx.try_recv().is_ok() {}
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut left = d;
    while !left.is_zero() && !stop.load(Ordering::Relaxed) {
        let s = left.min(step);
        std::thread::sleep(s);
        left -= s;
    }
}
