//! A dataplane's session: registration, the welcome (to a dataplane that
//! lists features), the current ruleset and specs on connect,
//! acknowledgements, counters, events and inventory updates, until the
//! connection ends.
//!
//! Registration and every push hold the store's lock while they send, so a
//! dataplane that connects during a push ends up with the newest version.

use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use palisade_proto::{
    read_frame, write_frame, Ack, Counters, FrameError, Message, Register, SpecSet,
};

use super::{check_register, lock, mask, name, refuse, refused_frame, Hub, Writer};

/// A dataplane silent this long (it sends counters every second) is taken
/// for gone.
const SILENCE: Duration = Duration::from_secs(30);

pub fn session(stream: UnixStream, r: Register, hub: &Hub) {
    if let Err(why) = check_register(&r) {
        refuse(&stream, hub, &why);
        return;
    }
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let _ = stream.set_read_timeout(Some(SILENCE));
    let writer: Writer = Arc::new(Mutex::new(clone));
    if let Err(e) = start(&r, &writer, hub) {
        tracing::warn!(dataplane = %r.id, "registration failed: {e:#}");
        return;
    }
    tracing::info!(dataplane = %r.id, running = ?r.running, mode = %r.mode, "dataplane registered");
    let mut reader = &stream;
    // One fallback per session (see `ack`).
    let mut fell_back = false;
    loop {
        match read_frame(&mut reader) {
            Ok(m) => {
                if let Err(why) = take(&r.id, m, hub, &mut fell_back) {
                    refuse(&stream, hub, &why);
                    break;
                }
            }
            Err(FrameError::Closed) => break,
            Err(e) => {
                if !e.is_peer_fault() {
                    tracing::info!(dataplane = %r.id, "connection ended: {e}");
                }
                refused_frame(&stream, hub, &e);
                break;
            }
        }
    }
    hub.detach(&r.id, &writer);
    tracing::info!(dataplane = %r.id, "dataplane disconnected");
}

/// Records the registration and sends the current ruleset unless the
/// dataplane runs it already.
fn start(r: &Register, writer: &Writer, hub: &Hub) -> anyhow::Result<()> {
    let mut store = hub.store();
    store.register(r)?;
    hub.attach(&r.id, Arc::clone(writer));
    if let Some(v) = r.running {
        hub.metrics.set_running(&r.id, v);
    }
    // Only a dataplane that lists features knows the welcome.
    if !r.features.is_empty() {
        let known = [
            palisade_proto::FEATURE_INVENTORY,
            palisade_proto::FEATURE_SPEC,
        ];
        let features: Vec<String> = r
            .features
            .iter()
            .filter(|f| known.contains(&f.as_str()))
            .cloned()
            .collect();
        let specs = features.iter().any(|f| f == palisade_proto::FEATURE_SPEC);
        let m = Message::Welcome(palisade_proto::Welcome { features });
        write_frame(&mut *lock(writer), &m)?;
        if specs {
            // Sent under the store's lock, as rulesets: a `spec load` now
            // waits, then reaches this dataplane too.
            hub.takes_specs(&r.id);
            let set = SpecSet {
                specs: store.specs(true)?,
            };
            if !set.specs.is_empty() {
                write_frame(&mut *lock(writer), &Message::Specs(set))?;
            }
        }
    }
    let Some(current) = store.current()? else {
        return Ok(());
    };
    if r.running == Some(current) {
        return Ok(());
    }
    if let Some((_, files)) = store.get(current)? {
        let m = Message::Ruleset(palisade_proto::Ruleset {
            version: current,
            files,
        });
        write_frame(&mut *lock(writer), &m)?;
    }
    Ok(())
}

/// Takes one message of a registered dataplane; an error refuses it.
fn take(id: &str, m: Message, hub: &Hub, fell_back: &mut bool) -> Result<(), String> {
    match m {
        Message::Ack(a) => ack(id, &a, hub, fell_back),
        Message::Counters(c) => counters(id, c, hub),
        Message::Events(e) => events(id, &e.lines, hub),
        Message::Inventory(u) => {
            if let Err(e) = hub.store().put_inventory(id, &u.hosts) {
                tracing::warn!("state: {e:#}");
            }
        }
        other => {
            return Err(format!(
                "unexpected message {} from a dataplane",
                name(&other)
            ))
        }
    }
    Ok(())
}

/// Records a dataplane's answer. After a refusal, the version before the
/// refused one is current again; a dataplane that does not run it (one
/// that started with no rules, say) is sent it, once per session, so
/// that a dataplane refusing every version is not sent the whole history.
fn ack(id: &str, a: &Ack, hub: &Hub, fell_back: &mut bool) {
    let error = if a.ok {
        None
    } else {
        Some(a.error.as_deref().unwrap_or("refused"))
    };
    match error {
        None => {
            tracing::info!(dataplane = %id, version = a.version, "dataplane runs the ruleset");
            hub.metrics.set_running(id, a.version);
        }
        Some(e) => {
            let v = a.version;
            tracing::warn!(dataplane = %id, version = v, "dataplane refused the ruleset: {e}")
        }
    }
    let mut store = hub.store();
    if let Err(e) = store.ack(id, a.version, error) {
        tracing::warn!("state: {e:#}");
    }
    // A refused version is no longer current: the one before it is again.
    if error.is_none() {
        return;
    }
    let Ok(Some(current)) = store.current() else {
        return;
    };
    hub.metrics.ruleset_version.set(current as i64);
    let runs = store.running(id).ok().flatten();
    if *fell_back || current == a.version || runs == Some(current) {
        return;
    }
    if let Ok(Some((_, files))) = store.get(current) {
        *fell_back = true;
        tracing::info!(dataplane = %id, version = current, "sending the last version not refused");
        let m = Message::Ruleset(palisade_proto::Ruleset {
            version: current,
            files,
        });
        hub.send_to(&m, |to| to == id);
    }
}

fn counters(id: &str, c: Counters, hub: &Hub) {
    hub.metrics.update(id, &c);
    let mut latest = hub.latest();
    let entry = latest.entry(id.to_owned()).or_default();
    entry.before = entry.now.take();
    entry.now = Some((Instant::now(), c));
    drop(latest);
    if let Err(e) = hub.store().seen(id) {
        tracing::warn!("state: {e:#}");
    }
}

fn events(id: &str, lines: &[String], hub: &Hub) {
    let mut values: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(serde_json::Value::is_object)
        .collect();
    for v in &mut values {
        mask::event(v);
        v["dataplane"] = serde_json::Value::String(id.to_owned());
    }
    hub.write_events(&values);
    if let Err(e) = hub.store().add_events(id, &values) {
        tracing::warn!("state: {e:#}");
    }
}
