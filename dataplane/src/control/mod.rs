//! The dataplane's link to the control plane (`control:` in the
//! configuration; without it the dataplane runs alone, as before).
//!
//! A thread of the main lcore ([`session`]) connects to the control
//! plane's Unix socket, registers, and takes each ruleset it is sent:
//! compiled there (never on a worker core), published in the
//! [`RulesSlot`] that workers pick up between bursts, and acknowledged
//! with the version, or refused with the errors while the running rules
//! stay. When the control plane is away it reconnects with backoff and the
//! dataplane keeps running on its last ruleset.
//!
//! The main loop feeds the link through [`ControlLink`]: events as they are
//! drained (sent in batches of EVE JSON lines), once a second the counters
//! ([`telemetry`]) and, every few seconds when it changed and the control
//! plane welcomed the feature, the API inventory of each changed host. Nothing here blocks the main loop: messages go
//! through a bounded queue and are dropped (and counted) while there is no
//! connection.

mod session;
pub mod telemetry;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::events::{self, EventContext};
use crate::inspect::RulesSlot;
use crate::inventory::{openapi, ApiRecorder, Spec};
use crate::worker::Event;

/// `control:` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlConfig {
    /// The control plane's Unix socket.
    pub socket: PathBuf,
    /// This dataplane's name at the control plane (default: the host name).
    #[serde(default)]
    pub id: Option<String>,
}

/// What the dataplane tells the control plane about itself.
#[derive(Debug, Clone)]
pub struct Identity {
    pub id: String,
    pub cores: Vec<u32>,
    pub ports: Vec<String>,
    pub mode: String,
}

impl Identity {
    pub fn of(cfg: &ControlConfig, config: &crate::config::Config) -> Identity {
        Identity {
            id: cfg.id.clone().unwrap_or_else(host_name),
            cores: config.cores.workers.clone(),
            ports: config.ports.iter().map(|p| p.name.clone()).collect(),
            mode: format!("{:?}", config.mode).to_lowercase(),
        }
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "dataplane".into())
}

/// Messages from the main loop to the session thread.
#[derive(Debug)]
enum Outbound {
    Counters(palisade_proto::Counters),
    Events(Vec<String>),
    Inventory(palisade_proto::InventoryUpdate),
}

/// What the session thread receives for the main loop.
#[derive(Debug, Default)]
struct Inbound {
    /// Welcomes of the inventory feature so far.
    welcomes: AtomicU64,
    /// The specs of the last set received, until the main loop takes them.
    specs: Mutex<Option<Vec<Spec>>>,
}

/// Messages queued at most between the main loop and the session thread.
const QUEUE: usize = 256;
/// Counters are sent this often.
const COUNTERS_EVERY: Duration = Duration::from_secs(1);
/// Events are sent in batches of at most this many lines.
const BATCH: usize = 512;
/// The inventory is sent at most this often (only what changed).
const INVENTORY_EVERY: Duration = Duration::from_secs(3);

/// The main loop's handle on the control link.
#[derive(Debug)]
pub struct ControlLink {
    tx: SyncSender<Outbound>,
    /// The version the workers were given last (shared with the session).
    running: Arc<Mutex<Option<u64>>>,
    rule_hits: BTreeMap<u64, u64>,
    pending: Vec<String>,
    last_counters: Option<Instant>,
    /// What the session received for the main loop.
    inbound: Arc<Inbound>,
    inventory: InventorySent,
    /// Messages the queue did not take (no connection, or too slow).
    pub lost: u64,
}

/// Starts the session thread.
pub fn start(
    cfg: &ControlConfig,
    who: Identity,
    slot: Arc<RulesSlot>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<ControlLink> {
    let (tx, rx) = mpsc::sync_channel(QUEUE);
    let running = Arc::new(Mutex::new(None));
    let shared = Arc::clone(&running);
    let inbound = Arc::new(Inbound::default());
    let received = Arc::clone(&inbound);
    let socket = cfg.socket.clone();
    std::thread::Builder::new()
        .name("control".into())
        .spawn(move || {
            session::run(&socket, &who, &slot, &shared, &received, &rx, &stop);
        })?;
    Ok(ControlLink {
        tx,
        running,
        rule_hits: BTreeMap::new(),
        pending: Vec::new(),
        last_counters: None,
        inbound,
        inventory: InventorySent::default(),
        lost: 0,
    })
}

impl ControlLink {
    /// Takes one drained event: counted if an alert, queued as EVE lines.
    pub fn event(&mut self, event: &Event, cx: &EventContext) {
        let rule = match event {
            Event::Alert(a) => Some(a.hit.rule_id),
            Event::Guard(g) => match &**g {
                crate::inspect::GuardRecord::Alert(a) => Some(a.signature_id()),
                crate::inspect::GuardRecord::Tls(_) => None,
            },
            _ => None,
        };
        if let Some(id) = rule {
            *self.rule_hits.entry(id).or_default() += 1;
        }
        let mut buf = Vec::new();
        if events::write_event(&mut buf, event, cx).is_err() {
            return;
        }
        let text = String::from_utf8_lossy(&buf);
        self.pending
            .extend(text.lines().filter(|l| !l.is_empty()).map(str::to_owned));
        if self.pending.len() >= BATCH {
            self.flush_events();
        }
    }

    /// Sends the events gathered so far.
    pub fn flush_events(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let lines = std::mem::take(&mut self.pending);
        self.send(Outbound::Events(lines));
    }

    /// Once a second: sends the counters `report` gives (called only then).
    pub fn tick(&mut self, report: impl FnOnce() -> telemetry::Snapshot) {
        self.flush_events();
        if matches!(self.last_counters, Some(t) if t.elapsed() < COUNTERS_EVERY) {
            return;
        }
        self.last_counters = Some(Instant::now());
        let running = *self.running.lock().unwrap_or_else(|e| e.into_inner());
        let counters = telemetry::counters(&report(), running, &self.rule_hits);
        self.send(Outbound::Counters(counters));
    }

    /// Queues EVE objects made outside the workers (`api` findings).
    pub fn lines(&mut self, events: &[serde_json::Value]) {
        self.pending.extend(events.iter().map(|e| e.to_string()));
    }

    /// The specs the control plane sent since the last call, if it did.
    pub fn take_specs(&mut self) -> Option<Vec<Spec>> {
        self.inbound
            .specs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Every few seconds: sends the hosts whose inventory changed since
    /// they were last sent (all of them after each new welcome).
    pub fn inventory(&mut self, api: &ApiRecorder) {
        let welcomes = self.inbound.welcomes.load(Ordering::Acquire);
        if welcomes == 0 {
            return;
        }
        let sent = &mut self.inventory;
        if sent.welcome != welcomes {
            *sent = InventorySent {
                welcome: welcomes,
                ..InventorySent::default()
            };
        }
        if matches!(sent.at, Some(t) if t.elapsed() < INVENTORY_EVERY)
            || sent.observations == api.observations()
        {
            return;
        }
        sent.at = Some(Instant::now());
        let report = api.report();
        let mut hosts = Vec::new();
        for h in &report.hosts {
            if sent.hosts.get(&h.host) == Some(&h.requests) {
                continue;
            }
            let host = palisade_proto::HostInventory {
                host: h.host.clone(),
                report: serde_json::to_value(h).unwrap_or_default(),
                openapi: openapi::openapi(h),
            };
            let size = serde_json::to_vec(&host).map_or(usize::MAX, |v| v.len());
            if size > palisade_proto::MAX_FRAME_BYTES / 2 {
                tracing::warn!(host = %h.host, size, "inventory of a host too large to send");
            } else {
                hosts.push(host);
            }
        }
        for host in hosts {
            let (name, requests) = (host.host.clone(), host.report["requests"].as_u64());
            let update = palisade_proto::InventoryUpdate { hosts: vec![host] };
            if self.send(Outbound::Inventory(update)) {
                self.inventory.hosts.insert(name, requests.unwrap_or(0));
            }
        }
        self.inventory.observations = api.observations();
    }

    /// Queues a message; false when it was lost.
    fn send(&mut self, m: Outbound) -> bool {
        match self.tx.try_send(m) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.lost += 1;
                false
            }
        }
    }
}

/// What of the inventory was sent in the current session.
#[derive(Debug, Default)]
struct InventorySent {
    /// The welcome the session started with.
    welcome: u64,
    at: Option<Instant>,
    /// Observations when it was last looked at.
    observations: u64,
    /// Requests per host as last sent.
    hosts: BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    const BASE: &str = "mode: tap\nports:\n  - {name: a, device: net_null0}\n";

    #[test]
    fn the_control_section_is_optional_and_checked() {
        let alone = Config::parse(BASE).expect("parses");
        assert!(alone.control.is_none());

        let text = format!("{BASE}control: {{socket: run/cp.sock, id: edge-7}}\n");
        let dir = std::env::temp_dir().join(format!("palisade-control-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("dp.yaml");
        std::fs::write(&file, text).expect("write");
        let cfg = Config::load(&file).expect("loads");
        let control = cfg.control.expect("control");
        assert_eq!(
            control.socket,
            dir.join("run/cp.sock"),
            "relative to the file"
        );
        assert_eq!(control.id.as_deref(), Some("edge-7"));
        let _ = std::fs::remove_dir_all(&dir);

        let bad = format!("{BASE}control: {{sock: /x}}\n");
        let err = format!("{:#}", Config::parse(&bad).expect_err("unknown key"));
        assert!(
            err.contains("unknown field `sock`") && err.contains("line 4"),
            "{err}"
        );
    }
}
