//! Event output as JSON lines, with field names following Suricata's EVE
//! format where an equivalent exists, so existing pipelines ingest them.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;

use crate::inspect::{alert_event, anomaly_events, http_event, HttpEventOptions};
use crate::pipeline::FlowRecord;
use crate::stats::Report;
use crate::worker::Event;

/// Where events go: a file, or stdout.
pub type Sink = Box<dyn Write + Send>;

/// Opens an event sink: a file (created or truncated; a FIFO or a device
/// such as `/dev/null` is written as it is), or stdout for `-`.
pub fn open_sink(path: &Path) -> Result<Sink> {
    if path == Path::new("-") {
        return Ok(Box::new(BufWriter::new(std::io::stdout())));
    }
    if path.is_dir() {
        anyhow::bail!("--events {}: is a directory", path.display());
    }
    let file = File::create(path).with_context(|| format!("--events {}", path.display()))?;
    Ok(Box::new(BufWriter::new(file)))
}

/// Writes the end-of-run `stats` event (EVE `event_type: "stats"`). It holds
/// counts only, no wall-clock time, so a capture always yields the same event.
pub fn write_stats(sink: &mut dyn Write, report: &Report) -> Result<()> {
    let t = &report.totals;
    let event = json!({
        "event_type": "stats",
        "stats": {
            "capture": {
                "kernel_packets": t.rx_packets,
                "kernel_drops": t.dropped_total(),
            },
            "decoder": { "pkts": t.rx_packets, "bytes": t.rx_bytes },
            "palisade": {
                "mode": report.mode,
                "tx_packets": t.tx_packets,
                "tx_bytes": t.tx_bytes,
                "consumed": t.consumed,
                "dropped": t.dropped,
                "uninspected": t.uninspected,
            },
            "pipeline": t.pipeline,
        },
    });
    serde_json::to_writer(&mut *sink, &event)?;
    sink.write_all(b"\n")?;
    Ok(())
}

/// What the writer adds to every event.
#[derive(Debug, Clone, Default)]
pub struct EventContext {
    /// Capture mode: the input the event came from (EVE `pcap_filename`).
    pub pcap_filename: Option<String>,
    /// Options of `http` events.
    pub http: HttpEventOptions,
}

/// Writes an event as JSON lines: an HTTP transaction gives its `http`
/// event and one `anomaly` event per protocol anomaly; [`Event::InputEnd`]
/// gives nothing.
pub fn write_event(sink: &mut dyn Write, event: &Event, cx: &EventContext) -> Result<()> {
    let values = match event {
        Event::Flow(r) => vec![flow_event(r)],
        Event::Http(r) => std::iter::once(http_event(r, cx.http))
            .chain(anomaly_events(r))
            .collect(),
        Event::Alert(a) => vec![alert_event(a)],
        Event::InputEnd(_) => Vec::new(),
    };
    for mut value in values {
        if let Some(name) = &cx.pcap_filename {
            value["pcap_filename"] = name.as_str().into();
        }
        serde_json::to_writer(&mut *sink, &value)?;
        sink.write_all(b"\n")?;
    }
    Ok(())
}

/// The EVE `flow` event of a finished flow.
fn flow_event(r: &FlowRecord) -> serde_json::Value {
    let mut event = json!({
        "timestamp": timestamp(r.end_ns),
        "flow_id": r.flow_id,
        "event_type": "flow",
        "src_ip": r.src_ip,
        "src_port": r.src_port,
        "dest_ip": r.dest_ip,
        "dest_port": r.dest_port,
        "proto": proto_name(r.proto),
        "flow": {
            "pkts_toserver": r.pkts_toserver,
            "pkts_toclient": r.pkts_toclient,
            "bytes_toserver": r.bytes_toserver,
            "bytes_toclient": r.bytes_toclient,
            "start": timestamp(r.start_ns),
            "end": timestamp(r.end_ns),
            "age": r.end_ns.saturating_sub(r.start_ns) / 1_000_000_000,
            "reason": r.reason,
        },
    });
    if let (Some(ts), Some(tc), Some(state)) = (r.tcp_flags_ts, r.tcp_flags_tc, &r.tcp_state) {
        event["tcp"] = json!({
            "tcp_flags": format!("{:02x}", ts | tc),
            "tcp_flags_ts": format!("{ts:02x}"),
            "tcp_flags_tc": format!("{tc:02x}"),
            "state": state,
        });
    }
    event
}

/// EVE's protocol names for the common numbers, the number otherwise.
fn proto_name(proto: u8) -> serde_json::Value {
    match proto {
        1 => "ICMP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        58 => "IPv6-ICMP".into(),
        132 => "SCTP".into(),
        n => n.into(),
    }
}

/// Nanoseconds since the epoch as EVE writes time:
/// `2024-01-31T12:34:56.789012+0000` (UTC, microseconds).
pub fn timestamp(ns: u64) -> String {
    let secs = ns / 1_000_000_000;
    let micros = (ns % 1_000_000_000) / 1_000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Year, month, day of the proleptic Gregorian calendar for a count of days
/// since 1970-01-01 (the well-known era-based conversion).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_known_dates() {
        // Values from `date -u -d @SECONDS`.
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000000+0000");
        assert_eq!(
            timestamp(951_782_400_000_000_000),
            "2000-02-29T00:00:00.000000+0000"
        );
        assert_eq!(
            timestamp(1_700_000_000_123_456_789),
            "2023-11-14T22:13:20.123456+0000"
        );
    }
}
