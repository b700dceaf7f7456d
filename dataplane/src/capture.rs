//! `palisade-dataplane capture`: the pipeline run offline over capture files
//! through DPDK's `net_pcap` device. Inputs are read one after the other,
//! each to its end, on a single core, so a capture always gives the same
//! result; what passes is written to the output capture, if one is given.

use std::fs::File;
use std::io::Read;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use palisade_hw::{Eal, Mempool, Port, PortConfig};

use crate::config::Inspection;
use crate::flow::HashSeed;
use crate::pipeline::{LinkType, Pipeline};
use crate::runtime::{attach_pipeline_stats, port_snapshot};
use crate::stats::{Report, WorkerCounters, WorkerSnapshot};
use crate::worker::{Clock, Link, SharedStats, Worker, WorkerParts};
use crate::{eal_args, events};

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
}

/// Runs every input through the pipeline and returns the report.
pub fn capture(opts: &CaptureOptions, stop: Arc<AtomicBool>) -> Result<Report> {
    if opts.inputs.is_empty() {
        bail!("capture: at least one --input is needed");
    }
    for input in &opts.inputs {
        check_input(input)?;
    }
    if let Some(out) = &opts.output {
        check_output(out)?;
    }
    if let Some(ev) = opts.events.as_ref().filter(|p| p.as_os_str() != "-") {
        File::create(ev).with_context(|| format!("--events {}", ev.display()))?;
    }
    let vdevs = vdev_strings(opts);
    let result = run_capture(opts, &vdevs, stop);
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

fn run_capture(opts: &CaptureOptions, vdevs: &[String], stop: Arc<AtomicBool>) -> Result<Report> {
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
    for v in vdevs {
        let name = v.split(',').next().unwrap_or(v);
        let mut port = Port::open(&eal, name)?;
        port.configure_and_start(&cfg, &pool)?;
        ports.push(port);
    }
    let mut queues: Vec<_> = ports.iter_mut().map(|p| p.take_queues().pop()).collect();
    let txs: Vec<_> = match (&opts.output, queues.last_mut()) {
        (Some(_), Some(last)) => last.take().map(|(_, tx)| tx).into_iter().collect(),
        _ => Vec::new(),
    };
    let link_types = opts
        .inputs
        .iter()
        .map(|p| link_type(p))
        .collect::<Result<Vec<_>>>()?;
    let links = queues
        .into_iter()
        .take(opts.inputs.len())
        .zip(link_types)
        .filter_map(|(q, link_type)| q.map(|(rx, _)| (rx, link_type)))
        .map(|(rx, link_type)| Link {
            rx,
            tx: txs.first().map(|_| 0),
            link_type,
        })
        .collect();
    let counters = Arc::new(WorkerCounters::default());
    let shared = SharedStats::default();
    let sink = opts.events.as_deref().map(events::open_sink).transpose()?;
    let sink = Arc::new(Mutex::new(sink));
    let started = Instant::now();
    let clock = match ports.first().and_then(Port::timestamp_offset) {
        Some(field_offset) => Clock::Capture {
            field_offset,
            unit_ns: PCAP_TIMESTAMP_UNIT_NS,
        },
        None => bail!("the pcap device gives no packet timestamps"),
    };
    let mut pipe_cfg = opts.inspection.pipeline_config();
    pipe_cfg.decode.verify_checksums = false;
    let pipeline = Pipeline::new(pipe_cfg, 0, HashSeed::new(0, 0))
        .map_err(|e| anyhow::anyhow!("inspection: {e:?}"))?;
    let record_sink = Arc::clone(&sink);
    Worker::new(WorkerParts {
        links,
        txs,
        pipeline,
        clock,
        records: Box::new(move |r| {
            if let Some(out) = record_sink
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
            {
                // A failed write shows again, with its reason, at the final flush.
                let _ = events::write_flow(out, &r);
            }
        }),
        counters: Arc::clone(&counters),
        shared: Arc::clone(&shared),
        stop,
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
            .map(|(p, path)| port_snapshot(p, p.name(), &path.display().to_string(), counters))
            .collect(),
        ..Default::default()
    };
    report.sum_totals();
    report
}

/// Refuses an input that is missing, unreadable or not a capture file, with
/// the reason, before DPDK sees it (DPDK's own message would be vague).
fn check_input(path: &Path) -> Result<()> {
    check_vdev_safe(path)?;
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .with_context(|| format!("input {}", path.display()))?;
    const PCAP_MAGICS: [[u8; 4]; 5] = [
        [0xd4, 0xc3, 0xb2, 0xa1],
        [0xa1, 0xb2, 0xc3, 0xd4],
        [0x4d, 0x3c, 0xb2, 0xa1],
        [0xa1, 0xb2, 0x3c, 0x4d],
        [0x0a, 0x0d, 0x0d, 0x0a],
    ];
    if !PCAP_MAGICS.contains(&magic) {
        bail!(
            "input {}: not a pcap or pcapng file (starts with {:02x?})",
            path.display(),
            magic
        );
    }
    Ok(())
}

fn check_output(path: &Path) -> Result<()> {
    check_vdev_safe(path)?;
    File::create(path).with_context(|| format!("output {}", path.display()))?;
    Ok(())
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

/// The link type of a pcap file (its header) or a pcapng file (its first
/// interface description block).
fn link_type(path: &Path) -> Result<LinkType> {
    // A pcapng section header holds free-text options of any size; 64 KiB
    // covers it and the interface block after it in practice.
    let mut head = Vec::with_capacity(1 << 16);
    File::open(path)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
        .with_context(|| format!("input {}", path.display()))?;
    let u32_at = |at: usize, big: bool| -> Option<u32> {
        let b: [u8; 4] = head.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let linktype = match head.get(..4) {
        Some([0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1]) => u32_at(20, false),
        Some([0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d]) => u32_at(20, true),
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => {
            let big = head.get(8..12) == Some(&[0x1a, 0x2b, 0x3c, 0x4d][..]);
            let shb_len = u32_at(4, big).unwrap_or(0) as usize;
            // The first block after the section header is the interface
            // description; its link type is the low 16 bits at offset 8.
            u32_at(shb_len + 8, big).map(|v| if big { v >> 16 } else { v & 0xffff })
        }
        _ => None,
    };
    linktype
        .map(LinkType::from_pcap)
        .with_context(|| format!("input {}: cannot read its link type", path.display()))
}
