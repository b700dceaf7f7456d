//! `palisade serve`: the control plane daemon.
//!
//! It owns the state ([`store`]), the Unix control socket where dataplanes
//! and the CLI connect, the JSON-lines event file and the Prometheus
//! endpoint ([`metrics`]). Each connection gets a thread; the first frame
//! says what the peer is: a [`Register`] starts a dataplane session
//! ([`dataplane`]), a [`Request`] gets one [`Response`] ([`requests`]).
//! Anything else, or any malformed frame, is refused with an error frame
//! and the connection is closed; refusals are logged at most once per
//! interval and counted. [`inventory`] merges the API inventories
//! dataplanes send; [`spec`] checks the OpenAPI specs bound to hosts.

pub mod dataplane;
pub mod inventory;
pub mod mask;
pub mod metrics;
pub mod requests;
pub mod spec;
pub mod store;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use palisade_proto::{read_frame, write_frame, Counters, FrameError, Message, Register, Request};

use self::metrics::Metrics;
use self::store::Store;

/// What `palisade serve` is started with.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub state: PathBuf,
    pub socket: PathBuf,
    pub metrics: Option<String>,
    /// The JSON-lines event file (default `events.json` in the state dir).
    pub events: Option<PathBuf>,
}

/// A connected dataplane: where to write to it.
type Writer = Arc<Mutex<UnixStream>>;

/// The latest two counter snapshots of a dataplane, for rates.
#[derive(Debug, Clone, Default)]
pub struct Latest {
    pub now: Option<(Instant, Counters)>,
    pub before: Option<(Instant, Counters)>,
}

/// State shared by every connection.
#[derive(Debug)]
pub struct Hub {
    store: Mutex<Store>,
    connected: Mutex<HashMap<String, Writer>>,
    /// Connected dataplanes that take specs.
    spec_takers: Mutex<std::collections::HashSet<String>>,
    latest: Mutex<HashMap<String, Latest>>,
    events: Mutex<BufWriter<File>>,
    pub metrics: Arc<Metrics>,
    refusals: RateLimitedLog,
}

/// Locks a mutex, taking over one a panicking thread left behind.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub fn latest(&self) -> MutexGuard<'_, HashMap<String, Latest>> {
        lock(&self.latest)
    }

    /// Sends `message` to every connected dataplane; returns their ids.
    pub fn broadcast(&self, message: &Message) -> Vec<String> {
        self.send_to(message, |_| true)
    }

    /// Sends the specs to every connected dataplane that takes them.
    pub fn broadcast_specs(&self, message: &Message) -> Vec<String> {
        let takers = lock(&self.spec_takers).clone();
        self.send_to(message, |id| takers.contains(id))
    }

    /// Marks a connected dataplane as taking specs.
    pub fn takes_specs(&self, id: &str) {
        lock(&self.spec_takers).insert(id.to_owned());
    }

    fn send_to(&self, message: &Message, to: impl Fn(&str) -> bool) -> Vec<String> {
        let targets: Vec<(String, Writer)> = lock(&self.connected)
            .iter()
            .filter(|(id, _)| to(id))
            .map(|(id, w)| (id.clone(), Arc::clone(w)))
            .collect();
        let mut sent = Vec::new();
        for (id, w) in targets {
            match write_frame(&mut *lock(&w), message) {
                Ok(()) => sent.push(id),
                Err(e) => tracing::warn!(dataplane = %id, "cannot send to the dataplane: {e}"),
            }
        }
        sent.sort();
        sent
    }
}

/// Logs the first of a kind of peer fault, then at most once per interval
/// with the count of those not logged.
#[derive(Debug)]
struct RateLimitedLog {
    started: Instant,
    last_ms: AtomicU64,
    suppressed: AtomicU64,
    logged_once: AtomicBool,
}

const LOG_INTERVAL: Duration = Duration::from_secs(10);

impl RateLimitedLog {
    fn new() -> Self {
        RateLimitedLog {
            started: Instant::now(),
            last_ms: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
            logged_once: AtomicBool::new(false),
        }
    }

    fn warn(&self, what: &str) {
        let now = self.started.elapsed().as_millis() as u64;
        let last = self.last_ms.load(Ordering::Relaxed);
        let first = !self.logged_once.swap(true, Ordering::Relaxed);
        let due = now.saturating_sub(last) >= LOG_INTERVAL.as_millis() as u64;
        if (first || due)
            && self
                .last_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let more = self.suppressed.swap(0, Ordering::Relaxed);
            tracing::warn!(
                suppressed = more,
                "refused a frame on the control socket: {what}"
            );
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Runs the control plane until `stop` is raised.
pub fn serve(opts: &ServeOptions, stop: Arc<AtomicBool>) -> Result<()> {
    if opts.state.exists() && !opts.state.is_dir() {
        anyhow::bail!("--state {}: not a directory", opts.state.display());
    }
    if !opts.state.exists() {
        std::fs::create_dir_all(&opts.state)
            .and_then(|()| {
                std::fs::set_permissions(&opts.state, std::fs::Permissions::from_mode(0o700))
            })
            .with_context(|| format!("--state {}", opts.state.display()))?;
    }
    let _lock = lock_state(&opts.state)?;
    if UnixStream::connect(&opts.socket).is_ok() {
        anyhow::bail!(
            "--socket {}: another control plane answers there; stop it first",
            opts.socket.display()
        );
    }
    let store = Store::open(&opts.state)?;
    let events_path = opts
        .events
        .clone()
        .unwrap_or_else(|| opts.state.join("events.json"));
    let events = File::options()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&events_path)
        .with_context(|| format!("events file {}", events_path.display()))?;
    let metrics = Arc::new(Metrics::new()?);
    if let Some(v) = store.current()? {
        metrics.ruleset_version.set(v as i64);
    }
    let hub = Arc::new(Hub {
        store: Mutex::new(store),
        connected: Mutex::default(),
        spec_takers: Mutex::default(),
        latest: Mutex::default(),
        events: Mutex::new(BufWriter::new(events)),
        metrics: Arc::clone(&metrics),
        refusals: RateLimitedLog::new(),
    });
    if let Some(addr) = &opts.metrics {
        let local = metrics::serve_http(addr, metrics)?;
        tracing::info!(%local, "serving /metrics");
    }
    let listener = bind(&opts.socket)?;
    let (socket, state) = (opts.socket.display(), opts.state.display());
    tracing::info!(%socket, %state, "control plane running");
    accept_until(&listener, &hub, &stop)?;
    let _ = std::fs::remove_file(&opts.socket);
    tracing::info!("control plane stopped");
    Ok(())
}

/// Holds the state directory for this process: a second control plane on
/// the same directory is refused instead of writing the same database.
/// The lock goes with the returned file (and with the process).
fn lock_state(state: &Path) -> Result<File> {
    let path = state.join("lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("--state {}", state.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "--state {}: another control plane uses this state directory",
            state.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("--state {}", state.display()))
        }
    }
}

/// The control socket when none is given.
pub const DEFAULT_SOCKET: &str = "/run/palisade/control.sock";

/// Binds the socket under a temporary name, restricts it to its owner
/// (0600), then moves it into place, so nobody else can connect in
/// between. A stale socket of an earlier run is replaced; anything else at
/// the path is refused. Only the default socket's directory is created.
fn bind(path: &Path) -> Result<UnixListener> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            anyhow::bail!(
                "--socket {}: exists and is not a socket; not replacing it",
                path.display()
            );
        }
    }
    if path == Path::new(DEFAULT_SOCKET) {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("--socket {}", path.display()))?;
        }
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let listener =
        UnixListener::bind(&tmp).with_context(|| format!("--socket {}", path.display()))?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    std::fs::rename(&tmp, path).with_context(|| format!("--socket {}", path.display()))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Connections served at once; more are refused until some end.
const MAX_CONNECTIONS: usize = 256;

fn accept_until(listener: &UnixListener, hub: &Arc<Hub>, stop: &AtomicBool) -> Result<()> {
    let open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if open.load(Ordering::Acquire) >= MAX_CONNECTIONS {
                    let _ = stream.set_nonblocking(false);
                    refuse(&stream, hub, "too many connections");
                    continue;
                }
                open.fetch_add(1, Ordering::AcqRel);
                let (hub, open) = (Arc::clone(hub), Arc::clone(&open));
                std::thread::Builder::new()
                    .name("control-conn".into())
                    .spawn(move || {
                        connection(stream, &hub);
                        open.fetch_sub(1, Ordering::AcqRel);
                    })?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => tracing::warn!("accept on the control socket: {e}"),
        }
    }
    Ok(())
}

/// One connection: its first frame says what the peer is.
fn connection(stream: UnixStream, hub: &Hub) {
    if stream.set_nonblocking(false).is_err() {
        return;
    }
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    // A peer must say who it is promptly.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = &stream;
    match read_frame(&mut reader) {
        Ok(Message::Register(r)) => dataplane::session(stream, r, hub),
        Ok(Message::Request(req)) => answer(stream, req, hub),
        Ok(other) => refuse(
            &stream,
            hub,
            &format!("unexpected first message {}", name(&other)),
        ),
        Err(e) => refused_frame(&stream, hub, &e),
    }
}

fn answer(stream: UnixStream, req: Request, hub: &Hub) {
    let response = requests::handle(req, hub);
    let mut w = &stream;
    let _ = write_frame(&mut w, &Message::Response(response));
}

/// Handles a frame error: peer faults are answered, counted and logged
/// (rate-limited); a connection that merely ended is not.
pub fn refused_frame(stream: &UnixStream, hub: &Hub, e: &FrameError) {
    if e.is_peer_fault() || matches!(e, FrameError::Truncated) {
        refuse(stream, hub, &e.to_string());
    }
}

fn refuse(stream: &UnixStream, hub: &Hub, why: &str) {
    hub.metrics.frames_refused.inc();
    hub.refusals.warn(why);
    let mut w = stream;
    let _ = write_frame(
        &mut w,
        &Message::Error {
            message: why.to_owned(),
        },
    );
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

fn name(m: &Message) -> &'static str {
    match m {
        Message::Register(_) => "register",
        Message::Ruleset(_) => "ruleset",
        Message::Ack(_) => "ack",
        Message::Counters(_) => "counters",
        Message::Events(_) => "events",
        Message::Request(_) => "request",
        Message::Response(_) => "response",
        Message::Welcome(_) => "welcome",
        Message::Inventory(_) => "inventory",
        Message::Specs(_) => "specs",
        Message::Error { .. } => "error",
    }
}

impl Hub {
    /// Appends events to the JSON-lines file.
    fn write_events(&self, events: &[serde_json::Value]) {
        let mut f = lock(&self.events);
        for e in events {
            if serde_json::to_writer(&mut *f, e).is_err() || f.write_all(b"\n").is_err() {
                tracing::warn!("cannot write to the events file");
                return;
            }
        }
        let _ = f.flush();
    }
}

/// Connection bookkeeping for a dataplane session.
impl Hub {
    fn attach(&self, id: &str, writer: Writer) {
        lock(&self.connected).insert(id.to_owned(), writer);
        lock(&self.spec_takers).remove(id);
        self.metrics.set_connected(id, true);
    }

    fn detach(&self, id: &str, writer: &Writer) {
        let mut connected = lock(&self.connected);
        // A newer session of the same dataplane may have replaced this one.
        if connected.get(id).is_some_and(|w| Arc::ptr_eq(w, writer)) {
            connected.remove(id);
            lock(&self.spec_takers).remove(id);
            drop(connected);
            self.metrics.set_connected(id, false);
            if let Err(e) = self.store().disconnected(id) {
                tracing::warn!("state: {e:#}");
            }
        }
    }

    /// Ids of dataplanes connected now.
    pub fn connected_ids(&self) -> Vec<String> {
        lock(&self.connected).keys().cloned().collect()
    }
}

/// The registration of a dataplane, checked.
fn check_register(r: &Register) -> Result<(), String> {
    if r.id.is_empty() || r.id.len() > 128 || r.id.chars().any(char::is_control) {
        return Err("register: id must be 1 to 128 printable characters".into());
    }
    Ok(())
}
