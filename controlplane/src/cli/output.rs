//! How the CLI shows answers: aligned tables for people, JSON for programs.

use palisade_proto::{DataplaneStats, DataplaneStatus, StoredEvent, VersionInfo};

/// Prints rows as columns aligned under `header`.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

pub fn versions(list: &[VersionInfo]) {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|v| {
            vec![
                format!("{}{}", v.version, mark(v)),
                v.pushed_at.clone(),
                v.pushed_by.clone(),
                v.rules.to_string(),
                v.files.join(","),
                v.comment.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &["VERSION", "PUSHED", "BY", "RULES", "FILES", "COMMENT"],
        &rows,
    );
}

/// `*` for the current version, `(refused)` for one a dataplane refused.
fn mark(v: &VersionInfo) -> &'static str {
    match (v.current, v.refused) {
        (true, _) => "*",
        (false, true) => " (refused)",
        (false, false) => "",
    }
}

pub fn status(current: Option<u64>, dataplanes: &[DataplaneStatus]) {
    println!("current ruleset: {}", opt(current));
    let rows: Vec<Vec<String>> = dataplanes
        .iter()
        .map(|d| {
            let health = match (d.connected, d.running == current) {
                (false, _) => "disconnected",
                (true, true) => "ok",
                (true, false) => "behind",
            };
            vec![
                d.id.clone(),
                health.to_owned(),
                opt(d.running),
                d.mode.clone(),
                format!("{:?}", d.cores),
                d.ports.join(","),
                d.last_seen.clone(),
                d.refused
                    .as_ref()
                    .map_or_else(String::new, |(v, e)| format!("v{v}: {}", first_line(e))),
            ]
        })
        .collect();
    table(
        &[
            "DATAPLANE",
            "HEALTH",
            "RUNNING",
            "MODE",
            "CORES",
            "PORTS",
            "LAST SEEN",
            "REFUSED",
        ],
        &rows,
    );
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

pub fn stats(list: &[DataplaneStats]) {
    for d in list {
        let c = &d.counters;
        let sum = |f: fn(&palisade_proto::WorkerCounters) -> u64| -> u64 {
            c.workers.iter().map(f).sum()
        };
        println!(
            "{}: ruleset {}, up {:.0} s, rx {:.0} pps / {:.0} B/s, drops {:.1}/s",
            d.id,
            opt(c.ruleset_version),
            c.uptime_secs,
            d.rx_pps,
            d.rx_bps,
            d.drops_per_sec
        );
        println!(
            "  packets rx {} tx {}, flows {} active {}, transactions {}",
            sum(|w| w.rx_packets),
            sum(|w| w.tx_packets),
            sum(|w| w.flows_created),
            sum(|w| w.flows_active),
            sum(|w| w.transactions)
        );
        let mut drops = std::collections::BTreeMap::<&str, u64>::new();
        for w in &c.workers {
            for (k, v) in &w.drops {
                *drops.entry(k).or_default() += v;
            }
        }
        let drops: Vec<String> = drops.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("  drops: {}", drops.join(", "));
        let mut top = c.rule_hits.clone();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let rows: Vec<Vec<String>> = top
            .iter()
            .take(10)
            .map(|(id, n)| vec![format!("  {id}"), n.to_string()])
            .collect();
        if !rows.is_empty() {
            table(&["  TOP RULES", "HITS"], &rows);
        }
    }
}

pub fn events(list: &[StoredEvent]) {
    for e in list {
        let v = &e.event;
        let kind = v["event_type"].as_str().unwrap_or("?");
        let what = match kind {
            "alert" => format!(
                "{} {} {}",
                v["alert"]["signature_id"],
                v["alert"]["action"].as_str().unwrap_or(""),
                v["alert"]["signature"].as_str().unwrap_or("")
            ),
            "http" => format!(
                "{} {} {}",
                v["http"]["http_method"].as_str().unwrap_or(""),
                v["http"]["url"].as_str().unwrap_or(""),
                v["http"]["status"]
            ),
            _ => String::new(),
        };
        println!(
            "{} {} {} {} {}:{} -> {}:{} {}",
            e.id,
            e.received,
            e.dataplane,
            kind,
            v["src_ip"].as_str().unwrap_or("-"),
            v["src_port"],
            v["dest_ip"].as_str().unwrap_or("-"),
            v["dest_port"],
            what
        );
    }
}
