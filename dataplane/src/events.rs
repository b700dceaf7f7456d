//! Event output as JSON lines, with field names following Suricata's EVE
//! format where an equivalent exists, so existing pipelines ingest them.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;

use crate::stats::Report;

/// Opens an event sink: a file, or stdout for `-`.
pub fn open_sink(path: &Path) -> Result<Box<dyn Write>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufWriter::new(std::io::stdout())));
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
            },
        },
    });
    serde_json::to_writer(&mut *sink, &event)?;
    sink.write_all(b"\n")?;
    Ok(())
}
