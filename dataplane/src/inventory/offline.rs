//! The inventory in offline `capture` mode: each finished transaction is
//! observed, added to the [`Inventory`] and checked against the specs
//! given with `--spec`; findings become EVE-style `api` events, and at the
//! end the inventory (`--inventory FILE.json`) and one host's OpenAPI
//! document (`--openapi FILE`) are written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use super::compliance::{Compliance, Finding, Policy};
use super::observe::{observe, Observation};
use super::spec::{Lookup, Spec};
use super::{openapi, Inventory, InventoryReport};
use crate::events::Sink;
use crate::inspect::HttpRecord;
use crate::worker::Event;

/// The recorder as the capture's event closure and its caller share it.
pub type SharedRecorder = Arc<Mutex<Option<ApiRecorder>>>;

/// Hands a worker event to the recorder, if there is one; the `api` events
/// it gives go to the event sink, if there is one.
pub fn on_event(
    api: &SharedRecorder,
    event: &Event,
    sink: &Mutex<Option<Sink>>,
    pcap: Option<&str>,
) {
    let mut api = api.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(api) = api.as_mut() {
        let mut sink = sink.lock().unwrap_or_else(|e| e.into_inner());
        api.handle(event, sink.as_mut(), pcap);
    }
}

/// What the capture command was asked for.
#[derive(Debug, Clone, Default)]
pub struct ApiOptions {
    /// Write the inventory (JSON) here.
    pub inventory: Option<PathBuf>,
    /// Write an OpenAPI 3 document of one host here.
    pub openapi: Option<PathBuf>,
    /// The host of the OpenAPI document (default: the one with most requests).
    pub openapi_host: Option<String>,
    /// Spec files and the host each is bound to.
    pub specs: Vec<(PathBuf, String)>,
    /// Actions of the kinds of findings.
    pub policy: Policy,
}

impl ApiOptions {
    /// True when any of the inventory's outputs is wanted.
    pub fn enabled(&self) -> bool {
        self.inventory.is_some() || self.openapi.is_some() || !self.specs.is_empty()
    }
}

/// Observes transactions and keeps the inventory of a capture run.
#[derive(Debug)]
pub struct ApiRecorder {
    inventory: Inventory,
    compliance: Compliance,
    opts: ApiOptions,
}

impl ApiRecorder {
    /// Loads the specs and checks that the outputs can be written; none
    /// when nothing is asked for.
    pub fn new(opts: &ApiOptions) -> Result<Option<ApiRecorder>> {
        if !opts.enabled() {
            return Ok(None);
        }
        Self::build(opts).map(Some)
    }

    /// A recorder even when no output is asked for (a dataplane linked to
    /// a control plane sends it its inventory).
    pub fn build(opts: &ApiOptions) -> Result<ApiRecorder> {
        let specs = opts
            .specs
            .iter()
            .map(|(path, host)| Spec::load(path, host))
            .collect::<Result<Vec<_>>>()?;
        for (flag, path) in [
            ("--inventory", &opts.inventory),
            ("--openapi", &opts.openapi),
        ] {
            if let Some(path) = path {
                std::fs::File::create(path)
                    .with_context(|| format!("{flag} {}", path.display()))?;
            }
        }
        Ok(ApiRecorder {
            inventory: Inventory::new(),
            compliance: Compliance::new(specs, opts.policy.clone()),
            opts: opts.clone(),
        })
    }

    /// Checks traffic against `specs` from now on, and against the
    /// `--spec` files for hosts `specs` does not bind (findings made once
    /// per endpoint may be made again).
    pub fn set_specs(&mut self, mut specs: Vec<Spec>) {
        for (path, host) in &self.opts.specs {
            if specs.iter().any(|s| s.host.eq_ignore_ascii_case(host)) {
                continue;
            }
            match Spec::load(path, host) {
                Ok(s) => specs.push(s),
                Err(e) => tracing::warn!("{e:#}"),
            }
        }
        self.compliance = Compliance::new(specs, self.opts.policy.clone());
    }

    /// Observations recorded so far.
    pub fn observations(&self) -> u64 {
        self.inventory.observations()
    }

    /// Observes the transaction of an [`Event::Http`] and writes its `api`
    /// events to `sink`, if there is one; other events are ignored.
    pub fn handle(&mut self, event: &Event, sink: Option<&mut Sink>, pcap: Option<&str>) {
        let Event::Http(r) = event else {
            return;
        };
        let events = self.record(r);
        if let (Some(out), false) = (sink, events.is_empty()) {
            if let Err(e) = write_events(out, events, pcap) {
                tracing::warn!("cannot write an api event: {e}");
            }
        }
    }

    /// Observes one finished transaction; returns its `api` events.
    pub fn record(&mut self, r: &HttpRecord) -> Vec<Value> {
        let obs = observe(&r.tx, r.ends.server);
        self.inventory.add(&obs);
        self.compliance
            .check(&obs)
            .iter()
            .map(|f| api_event(r, &obs, f))
            .collect()
    }

    /// The inventory with each endpoint of a spec-bound host marked
    /// `documented`, `shadow` or `zombie`.
    pub fn report(&self) -> InventoryReport {
        let mut report = self.inventory.report();
        for host in &mut report.hosts {
            let Some(spec) = self.compliance.spec(&host.host) else {
                continue;
            };
            for ep in &mut host.endpoints {
                let mark = match spec.lookup(&ep.method, &ep.path) {
                    Lookup::Found { op, .. } if op.deprecated => "zombie",
                    Lookup::Found { .. } => "documented",
                    _ => "shadow",
                };
                ep.compliance = Some(mark.to_owned());
            }
        }
        report
    }

    /// Writes the inventory and the OpenAPI document asked for.
    pub fn finish(&self) -> Result<()> {
        let report = self.report();
        if let Some(path) = &self.opts.inventory {
            write_json(path, &serde_json::to_value(&report)?, "--inventory")?;
            tracing::info!(
                hosts = report.hosts.len(),
                endpoints = report
                    .hosts
                    .iter()
                    .map(|h| h.endpoints.len())
                    .sum::<usize>(),
                "inventory written to {}",
                path.display()
            );
        }
        if let Some(path) = &self.opts.openapi {
            let host = pick_host(&report, self.opts.openapi_host.as_deref())?;
            write_json(path, &openapi::openapi(host), "--openapi")?;
        }
        Ok(())
    }
}

/// The host asked for, or the one with most requests.
fn pick_host<'a>(
    report: &'a InventoryReport,
    wanted: Option<&str>,
) -> Result<&'a super::HostReport> {
    match wanted {
        Some(name) => match report.hosts.iter().find(|h| h.host == name) {
            Some(h) => Ok(h),
            None => bail!("--openapi-host {name}: no traffic to that host was seen"),
        },
        None => match report.hosts.iter().max_by_key(|h| h.requests) {
            Some(h) => Ok(h),
            None => bail!("--openapi: no HTTP traffic was seen, no document to write"),
        },
    }
}

fn write_json(path: &Path, value: &Value, flag: &str) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text + "\n").with_context(|| format!("{flag} {}", path.display()))
}

/// The EVE-style `api` event of a finding.
pub fn api_event(r: &HttpRecord, obs: &Observation, f: &Finding) -> Value {
    let mut api = json!({
        "kind": f.kind,
        "action": f.action,
        "host": obs.host,
        "method": obs.method,
        "path": obs.path,
        "detail": f.detail,
    });
    if let Some(t) = &f.template {
        api["template"] = t.as_str().into();
    }
    if let Some(p) = &f.parameter {
        api["parameter"] = p.as_str().into();
    }
    if let Some(s) = obs.status {
        api["status"] = s.into();
    }
    if !f.sensitive.is_empty() {
        api["sensitive"] = json!(f.sensitive);
    }
    let mut event = crate::inspect::envelope(r, "api");
    event["api"] = api;
    event
}

/// Writes events as JSON lines, each naming the capture file it came from.
pub fn write_events(sink: &mut dyn Write, events: Vec<Value>, pcap: Option<&str>) -> Result<()> {
    for mut event in events {
        if let Some(name) = pcap {
            event["pcap_filename"] = name.into();
        }
        serde_json::to_writer(&mut *sink, &event)?;
        sink.write_all(b"\n")?;
    }
    Ok(())
}
