//! Prometheus exposition: the dataplanes' counters as Prometheus metrics
//! (through the `prometheus` crate) and the small HTTP server that answers
//! `GET /metrics`.
//!
//! Dataplanes send absolute counts; each update sets the metric to the count
//! received (a dataplane that restarted starts again from zero, which
//! Prometheus reads as a counter reset).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use palisade_proto::Counters;
use prometheus::core::{Collector, Desc};
use prometheus::proto::{self, Bucket, LabelPair, Metric, MetricFamily, MetricType};
use prometheus::{Encoder, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};

/// Every metric the control plane exports.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    rx_packets: IntCounterVec,
    rx_bytes: IntCounterVec,
    tx_packets: IntCounterVec,
    tx_bytes: IntCounterVec,
    dropped: IntCounterVec,
    flows_created: IntCounterVec,
    flows_active: IntGaugeVec,
    transactions: IntCounterVec,
    verdicts: IntCounterVec,
    rule_hits: IntCounterVec,
    connected: IntGaugeVec,
    running: IntGaugeVec,
    latency: LatencyCollector,
    pub ruleset_version: IntGauge,
    pub frames_refused: prometheus::IntCounter,
}

fn counter(r: &Registry, name: &str, help: &str, labels: &[&str]) -> Result<IntCounterVec> {
    let c = IntCounterVec::new(Opts::new(name, help), labels)?;
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

fn gauge(r: &Registry, name: &str, help: &str, labels: &[&str]) -> Result<IntGaugeVec> {
    let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
    r.register(Box::new(g.clone()))?;
    Ok(g)
}

const DP_W: &[&str] = &["dataplane", "worker"];
const DP_W_PORT: &[&str] = &["dataplane", "worker", "port"];

impl Metrics {
    pub fn new() -> Result<Metrics> {
        let r = Registry::new();
        let ruleset_version = IntGauge::new(
            "palisade_ruleset_version",
            "Current ruleset version of the control plane: the newest one no dataplane refused.",
        )?;
        r.register(Box::new(ruleset_version.clone()))?;
        let frames_refused = prometheus::IntCounter::new(
            "palisade_control_frames_refused_total",
            "Frames refused on the control socket (malformed, oversized, wrong version).",
        )?;
        r.register(Box::new(frames_refused.clone()))?;
        let latency = LatencyCollector::new()?;
        r.register(Box::new(latency.clone()))?;
        Ok(Metrics {
            latency,
            rx_packets: counter(
                &r,
                "palisade_rx_packets_total",
                "Packets received.",
                DP_W_PORT,
            )?,
            rx_bytes: counter(&r, "palisade_rx_bytes_total", "Bytes received.", DP_W_PORT)?,
            tx_packets: counter(&r, "palisade_tx_packets_total", "Packets sent.", DP_W_PORT)?,
            tx_bytes: counter(&r, "palisade_tx_bytes_total", "Bytes sent.", DP_W_PORT)?,
            dropped: counter(
                &r,
                "palisade_dropped_packets_total",
                "Packets dropped, by reason.",
                &["dataplane", "worker", "reason"],
            )?,
            flows_created: counter(&r, "palisade_flows_created_total", "Flows created.", DP_W)?,
            flows_active: gauge(
                &r,
                "palisade_flows_active",
                "Flows in the flow table.",
                DP_W,
            )?,
            transactions: counter(
                &r,
                "palisade_http_transactions_total",
                "HTTP transactions parsed.",
                DP_W,
            )?,
            verdicts: counter(
                &r,
                "palisade_verdicts_total",
                "Packets by verdict.",
                &["dataplane", "worker", "verdict"],
            )?,
            rule_hits: counter(
                &r,
                "palisade_rule_hits_total",
                "Alerts raised, by rule id.",
                &["dataplane", "rule"],
            )?,
            connected: gauge(
                &r,
                "palisade_dataplane_connected",
                "1 while the dataplane is connected to the control plane.",
                &["dataplane"],
            )?,
            running: gauge(
                &r,
                "palisade_dataplane_ruleset_version",
                "Ruleset version the dataplane acknowledged last.",
                &["dataplane"],
            )?,
            ruleset_version,
            frames_refused,
            registry: r,
        })
    }

    /// Takes up a dataplane's counters.
    pub fn update(&self, dataplane: &str, c: &Counters) {
        self.latency.update(dataplane, c);
        for w in &c.workers {
            let worker = w.worker.to_string();
            for p in &w.ports {
                let l = [dataplane, worker.as_str(), p.port.as_str()];
                set(&self.rx_packets, &l, p.rx_packets);
                set(&self.rx_bytes, &l, p.rx_bytes);
                set(&self.tx_packets, &l, p.tx_packets);
                set(&self.tx_bytes, &l, p.tx_bytes);
            }
            for (reason, n) in &w.drops {
                set(&self.dropped, &[dataplane, &worker, reason], *n);
            }
            for (verdict, n) in &w.verdicts {
                set(&self.verdicts, &[dataplane, &worker, verdict], *n);
            }
            let l = [dataplane, worker.as_str()];
            set(&self.flows_created, &l, w.flows_created);
            set(&self.transactions, &l, w.transactions);
            self.flows_active
                .with_label_values(&l)
                .set(clamp(w.flows_active));
        }
        for (rule, n) in &c.rule_hits {
            set(&self.rule_hits, &[dataplane, &rule.to_string()], *n);
        }
    }

    /// A dataplane connected or went away.
    pub fn set_connected(&self, dataplane: &str, connected: bool) {
        self.connected
            .with_label_values(&[dataplane])
            .set(i64::from(connected));
    }

    /// A dataplane acknowledged `version`.
    pub fn set_running(&self, dataplane: &str, version: u64) {
        self.running
            .with_label_values(&[dataplane])
            .set(clamp(version));
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        Ok(out)
    }
}

/// Sets a counter to an absolute value.
fn set(c: &IntCounterVec, labels: &[&str], value: u64) {
    let m = c.with_label_values(labels);
    let now = m.get();
    if value < now {
        m.reset();
        m.inc_by(value);
    } else {
        m.inc_by(value - now);
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Serves `GET /metrics` on `addr` from a thread of its own.
pub fn serve_http(addr: &str, metrics: Arc<Metrics>) -> Result<std::net::SocketAddr> {
    let listener = TcpListener::bind(addr).with_context(|| format!("--metrics {addr}"))?;
    let local = listener.local_addr()?;
    std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            let open = Arc::new(AtomicUsize::new(0));
            for stream in listener.incoming().flatten() {
                // A slow client holds only its own thread, for 5 s at most;
                // past the bound the newest connection is closed unanswered.
                if open.load(Ordering::Acquire) >= METRICS_CONNECTIONS {
                    continue;
                }
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
                open.fetch_add(1, Ordering::AcqRel);
                let (metrics, done) = (Arc::clone(&metrics), Arc::clone(&open));
                let spawned = std::thread::Builder::new()
                    .name("metrics-conn".into())
                    .spawn(move || {
                        let _ = answer(stream, &metrics);
                        done.fetch_sub(1, Ordering::AcqRel);
                    });
                if spawned.is_err() {
                    open.fetch_sub(1, Ordering::AcqRel);
                }
            }
        })?;
    Ok(local)
}

/// Scrapes answered at once at most.
const METRICS_CONNECTIONS: usize = 32;

/// Answers one HTTP/1.x request and closes the connection.
fn answer(stream: TcpStream, metrics: &Metrics) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?).take(16 * 1024);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // Read up to the end of the head (bounded by `take`).
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = path.split('?').next().unwrap_or("");
    let (status, kind, body) = match (method, path) {
        ("GET", "/metrics") => match metrics.render() {
            Ok(body) => ("200 OK", "text/plain; version=0.0.4; charset=utf-8", body),
            Err(e) => (
                "500 Internal Server Error",
                "text/plain",
                e.to_string().into_bytes(),
            ),
        },
        ("GET", _) => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            b"GET only\n".to_vec(),
        ),
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )?;
    out.write_all(&body)?;
    out.flush()
}

/// The dataplanes' latency histograms as one Prometheus histogram,
/// `palisade_packet_processing_seconds{dataplane,worker}`, built from the
/// buckets the dataplanes send (the `prometheus` crate's own histogram only
/// takes single observations).
#[derive(Debug, Clone)]
pub struct LatencyCollector {
    desc: Desc,
    latest: Arc<Mutex<BTreeMap<(String, u32), palisade_proto::Histogram>>>,
}

impl LatencyCollector {
    fn new() -> Result<Self> {
        let desc = Desc::new(
            "palisade_packet_processing_seconds".into(),
            "Per-packet processing time in the pipeline (burst average).".into(),
            vec!["dataplane".into(), "worker".into()],
            HashMap::new(),
        )?;
        Ok(LatencyCollector {
            desc,
            latest: Arc::default(),
        })
    }

    fn update(&self, dataplane: &str, c: &Counters) {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        for w in &c.workers {
            if let Some(h) = &w.latency {
                latest.insert((dataplane.to_owned(), w.worker), h.clone());
            }
        }
    }
}

impl Collector for LatencyCollector {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if latest.is_empty() {
            return Vec::new();
        }
        let metrics = latest
            .iter()
            .map(|((dataplane, worker), h)| histogram_metric(dataplane, *worker, h))
            .collect();
        let mut family = MetricFamily::default();
        family.set_name(self.desc.fq_name.clone());
        family.set_help(self.desc.help.clone());
        family.set_field_type(MetricType::HISTOGRAM);
        family.set_metric(metrics);
        vec![family]
    }
}

fn histogram_metric(dataplane: &str, worker: u32, h: &palisade_proto::Histogram) -> Metric {
    let label = |name: &str, value: String| {
        let mut l = LabelPair::default();
        l.set_name(name.to_owned());
        l.set_value(value);
        l
    };
    let buckets = h
        .bounds
        .iter()
        .zip(&h.counts)
        .map(|(bound, count)| {
            let mut b = Bucket::default();
            b.set_upper_bound(*bound);
            b.set_cumulative_count(*count);
            b
        })
        .collect();
    let mut hist = proto::Histogram::default();
    hist.set_sample_count(h.count);
    hist.set_sample_sum(h.sum);
    hist.set_bucket(buckets);
    let mut m = Metric::default();
    m.set_label(vec![
        label("dataplane", dataplane.to_owned()),
        label("worker", worker.to_string()),
    ]);
    m.set_histogram(hist);
    m
}
