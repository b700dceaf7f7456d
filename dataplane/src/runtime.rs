//! `palisade-dataplane run`: starts DPDK from the configuration, sets up the
//! ports with one queue per worker, launches one pinned worker per core,
//! waits for a signal (or a duration), then stops everything and reports.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use palisade_hw::{lcore, Eal, Mempool, Port, PortConfig, RxQueue, TxQueue};

use crate::config::{Config, Mode};
use crate::events::EventContext;
use crate::flow::HashSeed;
use crate::inspect::{HttpEventOptions, Inspector, LoadedRules, RulesSlot};
use crate::inventory::ApiRecorder;
use crate::pipeline::{LinkType, Pipeline};
use crate::stats::{PortSnapshot, Report, WorkerCounters, WorkerSnapshot};
use crate::worker::{Clock, Event, Link, SharedStats, Worker, WorkerParts};
use crate::{eal_args, events};

/// Options of one run besides the configuration file.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Stop by itself after this long (benchmarks); otherwise run until a signal.
    pub duration: Option<Duration>,
    /// Write events (JSON lines) here; `-` is stdout.
    pub events: Option<PathBuf>,
    /// Options of `http` events.
    pub http_events: HttpEventOptions,
    /// API inventory and spec compliance outputs.
    pub api: crate::inventory::ApiOptions,
}

/// Events queued between the workers and the event writer.
const RECORD_QUEUE: usize = 1 << 16;

/// Runs the dataplane until SIGINT/SIGTERM or the duration ends.
pub fn run(config: &Config, opts: &RunOptions, stop: Arc<AtomicBool>) -> Result<Report> {
    let args = eal_args::for_run(config);
    // Opened before DPDK starts, so a bad path costs nothing.
    let events = opts.events.as_deref().map(events::open_sink).transpose()?;
    let rules = crate::capture::load_rules(&config.rules)?;
    // Linked to a control plane, the inventory is always learned: it is sent there.
    let mut api = match config.control {
        Some(_) => Some(ApiRecorder::build(&opts.api)?),
        None => ApiRecorder::new(&opts.api)?,
    };
    let result = run_with_eal(config, opts, stop, &args, events, rules, api.as_mut());
    eal_args::remove_runtime_dir();
    if let (Ok(_), Some(api)) = (&result, &api) {
        api.finish()?;
    }
    result
}

fn run_with_eal(
    config: &Config,
    opts: &RunOptions,
    stop: Arc<AtomicBool>,
    args: &[String],
    mut events: Option<events::Sink>,
    rules: Option<Arc<LoadedRules>>,
    mut api: Option<&mut ApiRecorder>,
) -> Result<Report> {
    eal_args::remove_stale_runtime_dirs();
    if config.memory.hugepages {
        crate::hugepages::check().map_err(anyhow::Error::msg)?;
    }
    let eal = Eal::init(args)?;
    let lcores = check_lcores(&eal, config)?;
    let pool = Mempool::new(
        &eal,
        "palisade_rx",
        config.pool.mbufs,
        config.pool.cache,
        config.pool.data_room,
        -1,
    )?;
    let mut ports = open_ports(&eal, config, &pool, lcores.len())?;
    let queues: Vec<Vec<(RxQueue, TxQueue)>> = ports.iter_mut().map(Port::take_queues).collect();
    let workers = assign_links(config, queues, lcores.len())?;
    let counters: Vec<Arc<WorkerCounters>> = (0..lcores.len()).map(|_| Arc::default()).collect();
    let shared: Vec<SharedStats> = (0..lcores.len()).map(|_| SharedStats::default()).collect();
    let (record_tx, record_rx) = mpsc::sync_channel::<Event>(RECORD_QUEUE);
    let clock = Clock::Tsc {
        start: lcore::tsc(),
        hz: eal.tsc_hz(),
        epoch_ns: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
    };
    let started = Instant::now();
    let mut pipelines = (0..lcores.len())
        .map(|w| Pipeline::new(config.pipeline_config(), w as u16, random_seed()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("inspection: {e:?}"))?
        .into_iter();
    let mut inspect_cfg = config.inspection.inspect_config();
    inspect_cfg.rules = rules;
    let rules_slot = Arc::new(RulesSlot::default());
    let reload = reload_flag()?;
    for (w, ((links, txs), lcore_id)) in workers.into_iter().zip(&lcores).enumerate() {
        let Some(pipeline) = pipelines.next() else {
            break;
        };
        let tx = record_tx.clone();
        // Tap mode: the reset port's tx queue is the last one.
        let reply_tx = config.reset_port().map(|_| txs.len().saturating_sub(1));
        let mut worker = Worker::new(WorkerParts {
            links,
            txs,
            pipeline,
            inspector: Inspector::new(inspect_cfg.clone())
                .map_err(|e| anyhow::anyhow!("rules: {e}"))?,
            clock,
            records: Box::new(move |r| {
                // A full queue loses the record; the writer is too slow.
                let _ = tx.try_send(r);
            }),
            counters: Arc::clone(&counters[w]),
            shared: Arc::clone(&shared[w]),
            stop: Arc::clone(&stop),
            inspect: config.inspection.enabled,
            rules: Arc::clone(&rules_slot),
            pool: Some(pool),
            reply_tx,
            overload: Some(config.overload.clone()),
        });
        let launched = lcore::launch(&eal, *lcore_id, move || {
            worker.run();
            0
        });
        if let Err(e) = launched {
            // Workers already running must stop before the ports close.
            stop.store(true, Ordering::SeqCst);
            for l in &lcores[..w] {
                lcore::wait(&eal, *l);
            }
            return Err(e.into());
        }
    }
    drop(record_tx);
    let cx = EventContext {
        pcap_filename: None,
        http: opts.http_events,
    };
    let mut control = start_control(config, &rules_slot, &stop)?;
    let port_names: Vec<(u16, String)> = ports
        .iter()
        .zip(&config.ports)
        .map(|(p, spec)| (p.id(), spec.name.clone()))
        .collect();
    tracing::info!(workers = lcores.len(), ports = ports.len(), mode = ?config.mode,
        hyperscan = %crate::engine::library_version(), "dataplane running");
    wait_for_stop(&stop, opts.duration, || {
        if reload.swap(false, Ordering::Relaxed) {
            reload_rules(&config.rules, &rules_slot);
        }
        // Specs first: a transaction queued after they arrived is checked
        // against them.
        if let (Some(c), Some(a)) = (control.as_mut(), api.as_deref_mut()) {
            if let Some(specs) = c.take_specs() {
                a.set_specs(specs);
            }
        }
        drain_records(
            &record_rx,
            events.as_mut(),
            &cx,
            api.as_deref_mut(),
            control.as_mut(),
        );
        if let (Some(c), Some(a)) = (control.as_mut(), api.as_deref_mut()) {
            c.inventory(a);
        }
        if let Some(c) = control.as_mut() {
            c.tick(|| {
                let mut report =
                    build_report(config, &ports, &lcores, &counters, started.elapsed());
                attach_pipeline_stats(&mut report, &shared);
                let ports = crate::control::telemetry::per_port(&counters, &port_names);
                let latency = crate::control::telemetry::latency(&counters, eal.tsc_hz());
                crate::control::telemetry::Snapshot {
                    report,
                    ports,
                    latency,
                }
            });
        }
    });
    stop.store(true, Ordering::SeqCst);
    let failed = lcores
        .iter()
        .filter(|l| lcore::wait(&eal, **l) != 0)
        .count();
    drain_records(&record_rx, events.as_mut(), &cx, api, control.as_mut());
    if let Some(c) = control.as_mut() {
        c.flush_events();
    }
    let mut report = build_report(config, &ports, &lcores, &counters, started.elapsed());
    attach_pipeline_stats(&mut report, &shared);
    if let Some(sink) = events.as_mut() {
        events::write_stats(sink, &report)?;
        sink.flush()?;
    }
    for p in ports {
        p.close();
    }
    if failed > 0 {
        bail!("{failed} worker(s) stopped with an error");
    }
    Ok(report)
}

fn check_lcores(eal: &Eal, config: &Config) -> Result<Vec<u32>> {
    let lcores = lcore::worker_lcores(eal);
    if lcores != config.cores.workers {
        bail!(
            "cores.workers: EAL gave worker lcores {lcores:?}, the config asks for {:?}",
            config.cores.workers
        );
    }
    Ok(lcores)
}

fn open_ports(eal: &Eal, config: &Config, pool: &Mempool, workers: usize) -> Result<Vec<Port>> {
    let queues = u16::try_from(workers).context("too many workers")?;
    config
        .ports
        .iter()
        .map(|spec| {
            let mut port = Port::open(eal, spec.dpdk_name())
                .with_context(|| format!("port {:?} (device {})", spec.name, spec.device))?;
            let cfg = PortConfig {
                rx_queues: queues,
                tx_queues: queues,
                rx_desc: config.queues.rx_desc,
                tx_desc: config.queues.tx_desc,
                mtu: spec.mtu,
                promiscuous: spec.promiscuous,
                ..PortConfig::default()
            };
            port.configure_and_start(&cfg, pool)
                .with_context(|| format!("port {:?} (device {})", spec.name, spec.device))?;
            tracing::info!(port = %spec.name, device = %spec.device, driver = %port.info().driver,
                rss = port.rss_active(), "port started");
            Ok(port)
        })
        .collect()
}

/// Links and tx queues of one worker.
type WorkerQueues = (Vec<Link>, Vec<TxQueue>);

/// Gives worker `w` queue `w` of every port: in inline mode each port's rx
/// queue is linked to its peer's tx queue; in tap mode rx queues only.
fn assign_links(
    config: &Config,
    queues: Vec<Vec<(RxQueue, TxQueue)>>,
    workers: usize,
) -> Result<Vec<WorkerQueues>> {
    let mut rx: Vec<Vec<Option<RxQueue>>> = Vec::new();
    let mut tx: Vec<Vec<Option<TxQueue>>> = Vec::new();
    for port in queues {
        let (r, t): (Vec<_>, Vec<_>) = port.into_iter().map(|(r, t)| (Some(r), Some(t))).unzip();
        rx.push(r);
        tx.push(t);
    }
    let mut out = Vec::with_capacity(workers);
    for w in 0..workers {
        let mut links = Vec::new();
        let mut txs = Vec::new();
        let mut link = |from: usize, to: Option<usize>| -> Result<()> {
            let rx = rx[from][w].take().context("rx queue missing")?;
            let tx = match to {
                Some(to) => {
                    txs.push(tx[to][w].take().context("tx queue missing")?);
                    Some(txs.len() - 1)
                }
                None => None,
            };
            links.push(Link {
                rx,
                tx,
                link_type: LinkType::Ethernet,
            });
            Ok(())
        };
        match config.mode {
            Mode::Inline => {
                for (a, b) in config.inline_pairs()? {
                    link(a, Some(b))?;
                    link(b, Some(a))?;
                }
            }
            Mode::Tap => {
                for p in 0..config.ports.len() {
                    if Some(p) != config.reset_port() {
                        link(p, None)?;
                    }
                }
            }
        }
        if let Some(p) = config.reset_port() {
            // The reset port's tx queue comes last (`reply_tx`).
            txs.push(tx[p][w].take().context("tx queue missing")?);
        }
        out.push((links, txs));
    }
    Ok(out)
}

fn wait_for_stop(stop: &AtomicBool, duration: Option<Duration>, mut tick: impl FnMut()) {
    let start = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        if duration.is_some_and(|d| start.elapsed() >= d) {
            break;
        }
        tick();
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Raised by SIGHUP: reload the rule files.
fn reload_flag() -> Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&flag))
        .map_err(|e| anyhow::anyhow!("cannot install the SIGHUP handler: {e}"))?;
    Ok(flag)
}

/// Loads and compiles the configured rule files again and publishes them
/// to the workers; a set with any error is refused and the running rules
/// stay.
fn reload_rules(paths: &[std::path::PathBuf], slot: &RulesSlot) {
    match crate::capture::load_rules(paths) {
        Ok(Some(rules)) => {
            let count = rules.rule_count();
            slot.publish(rules);
            tracing::info!(rules = count, "rules reloaded");
        }
        Ok(None) => tracing::warn!("SIGHUP: no rules are configured; nothing to reload"),
        Err(e) => tracing::error!("rules reload refused, the running rules stay: {e:#}"),
    }
}

/// Starts the link to the control plane when the configuration names one.
fn start_control(
    config: &Config,
    slot: &Arc<RulesSlot>,
    stop: &Arc<AtomicBool>,
) -> Result<Option<crate::control::ControlLink>> {
    let Some(cfg) = &config.control else {
        return Ok(None);
    };
    let who = crate::control::Identity::of(cfg, config);
    let link = crate::control::start(cfg, who, Arc::clone(slot), Arc::clone(stop))
        .context("cannot start the control link")?;
    Ok(Some(link))
}

/// Writes the queued events (or discards them without an event file) and
/// hands them to the control link, if any.
fn drain_records(
    rx: &mpsc::Receiver<Event>,
    mut sink: Option<&mut events::Sink>,
    cx: &EventContext,
    mut api: Option<&mut ApiRecorder>,
    mut control: Option<&mut crate::control::ControlLink>,
) {
    while let Ok(event) = rx.try_recv() {
        if let Some(c) = control.as_mut() {
            c.event(&event, cx);
        }
        if let Some(sink) = sink.as_mut() {
            if let Err(e) = events::write_event(sink, &event, cx) {
                tracing::warn!("cannot write an event: {e}");
            }
        }
        if let (Some(api), Event::Http(r)) = (api.as_deref_mut(), &event) {
            let found = api.record(r);
            if let Some(c) = control.as_mut() {
                c.lines(&found);
            }
            if let (Some(sink), false) = (sink.as_mut(), found.is_empty()) {
                if let Err(e) = crate::inventory::offline::write_events(sink, found, None) {
                    tracing::warn!("cannot write an api event: {e}");
                }
            }
        }
    }
}

/// Copies each worker's last published counters into the report.
pub fn attach_pipeline_stats(report: &mut Report, shared: &[SharedStats]) {
    for (w, s) in report.workers.iter_mut().zip(shared) {
        let stats = s.lock().unwrap_or_else(|e| e.into_inner()).clone();
        w.pipeline = stats.pipeline;
        w.inspect = stats.inspect;
    }
    report.sum_totals();
}

/// A hash seed that differs on every run, so flow-table collisions cannot
/// be planned by a sender.
pub fn random_seed() -> HashSeed {
    use std::hash::{BuildHasher, Hasher};
    let word = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    HashSeed::new(word(), word())
}

/// Collects worker and device counters into the exit report.
pub fn build_report(
    config: &Config,
    ports: &[Port],
    lcores: &[u32],
    counters: &[Arc<WorkerCounters>],
    elapsed: Duration,
) -> Report {
    let workers: Vec<WorkerSnapshot> = counters
        .iter()
        .enumerate()
        .map(|(i, c)| WorkerSnapshot::take(i, lcores[i], c))
        .collect();
    let ports = ports
        .iter()
        .zip(&config.ports)
        .map(|(port, spec)| port_snapshot(port, &spec.name, &spec.device, counters))
        .collect();
    let mut report = Report {
        mode: format!("{:?}", config.mode).to_lowercase(),
        elapsed_secs: elapsed.as_secs_f64(),
        workers,
        ports,
        ..Default::default()
    };
    report.sum_totals();
    report
}

/// One port's counters summed over workers, beside the device's own.
pub fn port_snapshot(
    port: &Port,
    name: &str,
    device: &str,
    counters: &[Arc<WorkerCounters>],
) -> PortSnapshot {
    let dev = port.stats();
    let mut s = PortSnapshot {
        name: name.to_owned(),
        device: device.to_owned(),
        driver: port.info().driver.clone(),
        device_rx_packets: dev.rx_packets,
        device_tx_packets: dev.tx_packets,
        device_rx_missed: dev.rx_missed,
        device_rx_nombuf: dev.rx_nombuf,
        device_tx_errors: dev.tx_errors,
        ..Default::default()
    };
    for c in counters {
        let p = c.port(port.id());
        s.rx_packets += p.rx_packets.get();
        s.rx_bytes += p.rx_bytes.get();
        s.tx_packets += p.tx_packets.get();
        s.tx_bytes += p.tx_bytes.get();
    }
    s
}
