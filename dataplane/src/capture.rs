//! `palisade-dataplane capture`: the pipeline run offline over capture files
//! through DPDK's `net_pcap` device. Inputs are read one after the other,
//! each to its end, on a single core, so a capture always gives the same
//! result; what passes is written to the output capture, if one is given.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use palisade_hw::{Eal, Mempool, Port, PortConfig};

use crate::config::Inspection;
use crate::events::EventContext;
use crate::flow::HashSeed;
use crate::inspect::{HttpEventOptions, Inspector, LoadedRules};
use crate::inventory::offline::{self, ApiOptions, ApiRecorder};
use crate::pipeline::{LinkType, Pipeline};
use crate::runtime::{attach_pipeline_stats, port_snapshot};
use crate::stats::{Report, WorkerCounters, WorkerSnapshot};
use crate::worker::{Clock, Event, Link, SharedStats, Worker, WorkerParts};
use crate::{capture_input, eal_args, events};

/// mbufs big enough for any frame a capture holds (up to 64 KiB; larger
/// frames arrive chained).
const CAPTURE_DATA_ROOM: u16 = u16::MAX;
const CAPTURE_MBUFS: u32 = 1023;
/// DPDK 22.11's pcap driver stores capture timestamps in microseconds.
const PCAP_TIMESTAMP_UNIT_NS: u64 = 1_000;

/// What to read and where to write.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    pub inputs: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    /// Write events (JSON lines) here; `-` is stdout.
    pub events: Option<PathBuf>,
    /// The CPU core to run on.
    pub core: u32,
    /// Pipeline settings (checksums are not verified: captures often hold
    /// frames whose checksums the sending NIC was to fill in).
    pub inspection: Inspection,
    /// Options of `http` events.
    pub http_events: HttpEventOptions,
    /// Rule files to match transactions against (loaded together).
    pub rules: Vec<PathBuf>,
    /// API inventory and spec compliance outputs.
    pub api: ApiOptions,
}

/// Runs every input through the pipeline and returns the report.
pub fn capture(opts: &CaptureOptions, stop: Arc<AtomicBool>) -> Result<Report> {
    if opts.inputs.is_empty() {
        bail!("capture: at least one --input is needed");
    }
    if !crate::config::cpu_exists(opts.core) {
        bail!("--core: CPU {} does not exist on this machine", opts.core);
    }
    for input in &opts.inputs {
        check_vdev_safe(input)?;
        capture_input::check(input)?;
    }
    if let Some(out) = &opts.output {
        check_vdev_safe(out)?;
        capture_input::check_output(out, &opts.inputs)?;
    }
    let events = opts.events.as_deref().map(events::open_sink).transpose()?;
    let link_types = opts
        .inputs
        .iter()
        .map(|p| capture_input::link_type(p))
        .collect::<Result<Vec<_>>>()?;
    let rules = load_rules(&opts.rules)?;
    let api = Arc::new(Mutex::new(ApiRecorder::new(&opts.api)?));
    let vdevs = vdev_strings(opts);
    let result = run_capture(opts, &vdevs, &link_types, events, rules, &api, stop);
    if let (Ok(_), Some(api)) = (&result, &*api.lock().unwrap_or_else(|e| e.into_inner())) {
        api.finish()?;
    }
    eal_args::remove_runtime_dir();
    result
}

fn vdev_strings(opts: &CaptureOptions) -> Vec<String> {
    let mut vdevs: Vec<String> = opts
        .inputs
        .iter()
        .enumerate()
        .map(|(i, p)| format!("net_pcap{i},rx_pcap={}", p.display()))
        .collect();
    if let Some(out) = &opts.output {
        vdevs.push(format!(
            "net_pcap{},tx_pcap={}",
            opts.inputs.len(),
            out.display()
        ));
    }
    vdevs
}

fn run_capture(
    opts: &CaptureOptions,
    vdevs: &[String],
    link_types: &[LinkType],
    events: Option<events::Sink>,
    rules: Option<Arc<LoadedRules>>,
    api: &offline::SharedRecorder,
    stop: Arc<AtomicBool>,
) -> Result<Report> {
    eal_args::remove_stale_runtime_dirs();
    let eal = Eal::init(&eal_args::for_capture(opts.core, vdevs))?;
    let pool = Mempool::new(
        &eal,
        "palisade_capture",
        CAPTURE_MBUFS,
        0,
        CAPTURE_DATA_ROOM,
        -1,
    )?;
    let cfg = PortConfig {
        rss: false,
        promiscuous: false,
        rx_timestamp: true,
        ..PortConfig::default()
    };
    let mut ports = Vec::new();
    let files = opts.inputs.iter().chain(opts.output.iter());
    for (v, file) in vdevs.iter().zip(files) {
        let name = v.split(',').next().unwrap_or(v);
        let mut port = Port::open(&eal, name).with_context(|| {
            format!(
                "{}: DPDK's pcap driver could not open it (its reason is above)",
                file.display()
            )
        })?;
        port.configure_and_start(&cfg, &pool)?;
        ports.push(port);
    }
    let mut queues: Vec<_> = ports.iter_mut().map(|p| p.take_queues().pop()).collect();
    let txs: Vec<_> = match (&opts.output, queues.last_mut()) {
        (Some(_), Some(last)) => last.take().map(|(_, tx)| tx).into_iter().collect(),
        _ => Vec::new(),
    };
    let links = queues
        .into_iter()
        .take(opts.inputs.len())
        .zip(link_types.iter().copied())
        .filter_map(|(q, link_type)| q.map(|(rx, _)| (rx, link_type)))
        .map(|(rx, link_type)| Link {
            rx,
            tx: txs.first().map(|_| 0),
            link_type,
        })
        .collect();
    let counters = Arc::new(WorkerCounters::default());
    let shared = SharedStats::default();
    let sink = Arc::new(Mutex::new(events));
    let started = Instant::now();
    let clock = match ports.first().and_then(Port::timestamp_offset) {
        Some(field_offset) => Clock::Capture {
            field_offset,
            unit_ns: PCAP_TIMESTAMP_UNIT_NS,
        },
        None => bail!("the pcap device gives no packet timestamps"),
    };
    let mut pipe_cfg = opts.inspection.pipeline_config();
    // Offline: verdicts are counted, nothing is crafted.
    pipe_cfg.enforce.craft = false;
    pipe_cfg.decode.verify_checksums = false;
    let pipeline = Pipeline::new(pipe_cfg, 0, HashSeed::new(0, 0))
        .map_err(|e| anyhow::anyhow!("inspection: {e:?}"))?;
    let mut inspect_cfg = opts.inspection.inspect_config();
    inspect_cfg.rules = rules;
    let inspector = Inspector::new(inspect_cfg).context("rules: cannot allocate scratch space")?;
    let record_sink = Arc::clone(&sink);
    let api = Arc::clone(api);
    let names: Vec<String> = opts
        .inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut cx = EventContext {
        pcap_filename: names.first().cloned(),
        http: opts.http_events,
    };
    Worker::new(WorkerParts {
        links,
        txs,
        pipeline,
        inspector,
        clock,
        records: Box::new(move |event| {
            if let Event::InputEnd(n) = event {
                cx.pcap_filename = names.get(n + 1).cloned();
                return;
            }
            if let Some(out) = record_sink
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
            {
                // A failed write shows again, with its reason, at the final flush.
                let _ = events::write_event(out, &event, &cx);
            }
            offline::on_event(&api, &event, &record_sink, cx.pcap_filename.as_deref());
        }),
        counters: Arc::clone(&counters),
        shared: Arc::clone(&shared),
        stop,
        inspect: true,
        rules: Arc::default(),
        pool: None,
        reply_tx: None,
        overload: None,
    })
    .drain_in_order();
    let mut report = capture_report(opts, &ports, &counters, started);
    attach_pipeline_stats(&mut report, std::slice::from_ref(&shared));
    if let Some(out) = sink.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        events::write_stats(out, &report)?;
        out.flush().context("writing events")?;
    }
    Ok(report)
}

fn capture_report(
    opts: &CaptureOptions,
    ports: &[Port],
    counters: &Arc<WorkerCounters>,
    started: Instant,
) -> Report {
    let names = opts.inputs.iter().chain(opts.output.iter());
    let counters = std::slice::from_ref(counters);
    let mut report = Report {
        mode: "capture".into(),
        elapsed_secs: started.elapsed().as_secs_f64(),
        workers: vec![WorkerSnapshot::take(0, opts.core, &counters[0])],
        ports: ports
            .iter()
            .zip(names)
            .map(|(p, path)| {
                let name = path
                    .file_name()
                    .map_or(p.name().into(), |n| n.to_string_lossy());
                port_snapshot(p, &name, &path.display().to_string(), counters)
            })
            .collect(),
        ..Default::default()
    };
    report.sum_totals();
    report
}

/// Loads and compiles rule files (directories stand for their `*.yaml`
/// files) before DPDK starts; a bad file is refused with every error at its
/// place.
pub fn load_rules(paths: &[PathBuf]) -> Result<Option<Arc<LoadedRules>>> {
    if paths.is_empty() {
        return Ok(None);
    }
    let files = crate::config::rule_paths(Path::new(""), paths)?;
    if files.is_empty() {
        bail!("rules: no .yaml rule files in {}", show(paths));
    }
    let started = std::time::Instant::now();
    let rules = match LoadedRules::from_files(&files) {
        Ok(rules) => rules,
        Err(e) => bail!("rules refused, nothing loaded:\n{e}"),
    };
    let count = rules.rule_count();
    if count == 0 {
        bail!("rules: {}: no enabled rule", show(paths));
    }
    tracing::info!(
        rules = count,
        files = files.len(),
        millis = started.elapsed().as_millis() as u64,
        "rules compiled"
    );
    Ok(Some(Arc::new(rules)))
}

fn show(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

/// Paths travel inside a DPDK device string, where a comma separates
/// arguments.
fn check_vdev_safe(path: &Path) -> Result<()> {
    let s = path
        .to_str()
        .with_context(|| format!("{}: path is not UTF-8", path.display()))?;
    if s.contains(',') || s.contains(char::is_whitespace) {
        bail!("{s}: paths with commas or spaces cannot be passed to DPDK's pcap device");
    }
    Ok(())
}
