//! Answers to the CLI's requests: pushes and rollbacks (stored, then sent
//! to every connected dataplane), ruleset history, diffs, dataplane status,
//! stats, events and the API inventory.

use palisade_proto::{DataplaneStats, ErrorKind, Message, Request, Response, RuleFile, Ruleset};

use super::Hub;

/// Answers one request; failures become [`Response::Error`].
pub fn handle(req: Request, hub: &Hub) -> Response {
    let result = match req {
        Request::Push {
            files,
            user,
            comment,
        } => push(hub, &files, &user, comment.as_deref(), None),
        Request::List => hub
            .store()
            .versions()
            .map(|versions| Response::Versions { versions })
            .map_err(internal),
        Request::Show { version } => show(hub, version),
        Request::Diff { a, b } => diff(hub, a, b),
        Request::Rollback { version, user } => rollback(hub, version, &user),
        Request::Status => status(hub),
        Request::Stats => Ok(stats(hub)),
        Request::Events(q) => hub
            .store()
            .events(&q)
            .map(|events| Response::Events { events })
            .map_err(internal),
        Request::Inventory { host } => hub
            .store()
            .inventory(host.as_deref())
            .map(|rows| Response::Inventory {
                hosts: super::inventory::merge(&rows),
            })
            .map_err(internal),
        Request::InventoryExport { host } => export(hub, host.as_deref()),
        Request::SpecLoad {
            host,
            name,
            document,
        } => spec_load(hub, &host, &name, &document),
        Request::SpecList => hub
            .store()
            .specs(false)
            .map(|specs| Response::Specs { specs })
            .map_err(internal),
    };
    result.unwrap_or_else(|(kind, message)| Response::Error { kind, message })
}

type Answer = Result<Response, (ErrorKind, String)>;

fn internal(e: anyhow::Error) -> (ErrorKind, String) {
    tracing::warn!("state: {e:#}");
    (ErrorKind::Internal, format!("{e:#}"))
}

fn not_found(version: u64) -> (ErrorKind, String) {
    (ErrorKind::NotFound, format!("no ruleset version {version}"))
}

/// Checks the files as the dataplane will parse them, stores them as a new
/// version and sends it to every connected dataplane.
fn push(
    hub: &Hub,
    files: &[RuleFile],
    user: &str,
    comment: Option<&str>,
    rollback_of: Option<u64>,
) -> Answer {
    if files.is_empty() {
        return Err((ErrorKind::Invalid, "no rule files".into()));
    }
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect();
    let set =
        palisade_rules::parse_sources(&sources).map_err(|d| (ErrorKind::Invalid, d.to_string()))?;
    if !set.iter().any(|r| r.enabled) {
        let why = "the files hold no enabled rule; the current ruleset stays";
        return Err((ErrorKind::Invalid, why.into()));
    }
    let mut store = hub.store();
    let version = store
        .push(files, set.len(), user, comment, rollback_of)
        .map_err(internal)?;
    hub.metrics.ruleset_version.set(version as i64);
    let m = Message::Ruleset(Ruleset {
        version,
        files: files.to_vec(),
    });
    // Sent while the store is locked: see `dataplane`.
    let sent_to = hub.broadcast(&m);
    drop(store);
    tracing::info!(
        version,
        user,
        rules = set.len(),
        ?rollback_of,
        dataplanes = sent_to.len(),
        "ruleset pushed"
    );
    Ok(Response::Pushed {
        version,
        rules: set.len(),
        sent_to,
    })
}

fn show(hub: &Hub, version: Option<u64>) -> Answer {
    let store = hub.store();
    let version = match version {
        Some(v) => v,
        None => store
            .current()
            .map_err(internal)?
            .ok_or((ErrorKind::NotFound, "no ruleset has been pushed".into()))?,
    };
    let (info, files) = store
        .get(version)
        .map_err(internal)?
        .ok_or_else(|| not_found(version))?;
    Ok(Response::Ruleset { info, files })
}

fn diff(hub: &Hub, a: u64, b: u64) -> Answer {
    let store = hub.store();
    let get = |v| {
        store
            .get(v)
            .map_err(internal)?
            .map(|(_, files)| files)
            .ok_or_else(|| not_found(v))
    };
    let (old, new) = (get(a)?, get(b)?);
    Ok(Response::Diff {
        a,
        b,
        text: crate::diff::files(&old, &new, a, b),
    })
}

fn rollback(hub: &Hub, version: Option<u64>, user: &str) -> Answer {
    let target = {
        let store = hub.store();
        let current = store
            .current()
            .map_err(internal)?
            .ok_or((ErrorKind::NotFound, "no ruleset has been pushed".into()))?;
        let target = match version {
            Some(v) => v,
            None => store.before(current).map_err(internal)?.ok_or((
                ErrorKind::NotFound,
                format!("version {current} is the first; nothing to roll back to"),
            ))?,
        };
        store
            .get(target)
            .map_err(internal)?
            .ok_or_else(|| not_found(target))?
    };
    let (info, files) = target;
    if info.refused {
        return Err((
            ErrorKind::Invalid,
            format!(
                "version {} was refused by a dataplane; roll back to a version not marked \
                 (refused) in `rules list`",
                info.version
            ),
        ));
    }
    let comment = format!("rollback to version {}", info.version);
    push(hub, &files, user, Some(&comment), Some(info.version))
}

fn export(hub: &Hub, host: Option<&str>) -> Answer {
    let rows = hub.store().inventory(host).map_err(internal)?;
    let (host, document) =
        super::inventory::openapi(&rows, host).map_err(|e| (ErrorKind::NotFound, e))?;
    Ok(Response::OpenApi { host, document })
}

/// Checks and stores a spec, then sends every spec to the dataplanes
/// that take them (under the store's lock, as pushes).
fn spec_load(hub: &Hub, host: &str, name: &str, document: &serde_json::Value) -> Answer {
    let host = host.trim().to_ascii_lowercase();
    if host.is_empty()
        || host.len() > 255
        || host.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err((
            ErrorKind::Invalid,
            format!("--host {host:?}: not a host name"),
        ));
    }
    super::spec::check(document).map_err(|e| (ErrorKind::Invalid, format!("{name}: {e}")))?;
    let mut store = hub.store();
    store.put_spec(&host, name, document).map_err(internal)?;
    let set = palisade_proto::SpecSet {
        specs: store.specs(true).map_err(internal)?,
    };
    let sent_to = hub.broadcast_specs(&Message::Specs(set));
    drop(store);
    tracing::info!(%host, name, dataplanes = sent_to.len(), "spec loaded");
    Ok(Response::SpecLoaded { host, sent_to })
}

fn status(hub: &Hub) -> Answer {
    let store = hub.store();
    let current = store.current().map_err(internal)?;
    let mut dataplanes = store.dataplanes().map_err(internal)?;
    drop(store);
    let live = hub.connected_ids();
    for d in &mut dataplanes {
        d.connected = live.contains(&d.id);
    }
    Ok(Response::Status {
        current,
        dataplanes,
    })
}

fn stats(hub: &Hub) -> Response {
    let latest = hub.latest();
    let mut dataplanes: Vec<DataplaneStats> = latest
        .iter()
        .filter_map(|(id, l)| {
            let (t1, now) = l.now.as_ref()?;
            let (mut pps, mut bps, mut dps) = (0.0, 0.0, 0.0);
            if let Some((t0, before)) = &l.before {
                let secs = t1.duration_since(*t0).as_secs_f64().max(1e-3);
                let rate = |f: fn(&palisade_proto::Counters) -> u64| {
                    f(now).saturating_sub(f(before)) as f64 / secs
                };
                pps = rate(|c| c.workers.iter().map(|w| w.rx_packets).sum());
                bps = rate(|c| c.workers.iter().map(|w| w.rx_bytes).sum());
                dps = rate(|c| c.workers.iter().flat_map(|w| w.drops.values()).sum());
            }
            Some(DataplaneStats {
                id: id.clone(),
                counters: now.clone(),
                rx_pps: pps,
                rx_bps: bps,
                drops_per_sec: dps,
            })
        })
        .collect();
    dataplanes.sort_by(|a, b| a.id.cmp(&b.id));
    Response::Stats { dataplanes }
}
