//! The control plane's state in SQLite: every ruleset version with who
//! pushed it and when, the dataplanes that registered, recent events, and
//! each dataplane's latest API inventory per host, and the OpenAPI specs
//! bound to hosts.
//!
//! The current ruleset is the newest version no dataplane refused: a
//! refused version stays in the history, marked, and the one before it
//! stays current. A rollback stores the old files again as a new version,
//! so history only grows. Times are RFC 3339
//! UTC text, which sorts as time does.

use std::path::Path;

use anyhow::{Context, Result};
use palisade_proto::{
    DataplaneStatus, EventQuery, HostInventory, Register, RuleFile, SpecBinding, StoredEvent,
    VersionInfo,
};
use rusqlite::{params, Connection, OptionalExtension};

/// Events kept in the database; older ones are deleted as new ones come.
pub const EVENTS_KEPT: i64 = 100_000;
/// Most events one query returns (an answer must fit in one frame).
pub const EVENTS_PER_QUERY: u32 = 5_000;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS rulesets (
    version     INTEGER PRIMARY KEY,
    pushed_at   TEXT NOT NULL,
    pushed_by   TEXT NOT NULL,
    comment     TEXT,
    rollback_of INTEGER,
    rules       INTEGER NOT NULL,
    files       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refused_versions (
    version    INTEGER PRIMARY KEY,
    dataplane  TEXT NOT NULL,
    refused_at TEXT NOT NULL,
    error      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dataplanes (
    id            TEXT PRIMARY KEY,
    software      TEXT NOT NULL,
    mode          TEXT NOT NULL,
    cores         TEXT NOT NULL,
    ports         TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    connected     INTEGER NOT NULL,
    running       INTEGER,
    refused       INTEGER,
    refused_error TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    received   TEXT NOT NULL,
    dataplane  TEXT NOT NULL,
    event_type TEXT,
    rule_id    INTEGER,
    event      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_rule ON events (rule_id);
CREATE INDEX IF NOT EXISTS events_by_type ON events (event_type);
CREATE TABLE IF NOT EXISTS inventory (
    dataplane TEXT NOT NULL,
    host      TEXT NOT NULL,
    received  TEXT NOT NULL,
    report    TEXT NOT NULL,
    openapi   TEXT NOT NULL,
    PRIMARY KEY (dataplane, host)
);
CREATE TABLE IF NOT EXISTS specs (
    host      TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    document  TEXT NOT NULL
);
";

/// One dataplane's latest inventory of one host.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredInventory {
    pub dataplane: String,
    pub host: String,
    pub received: String,
    pub report: serde_json::Value,
    pub openapi: serde_json::Value,
}

/// The database.
#[derive(Debug)]
pub struct Store {
    db: Connection,
}

/// A stored ruleset version with its files.
pub type StoredRuleset = (VersionInfo, Vec<RuleFile>);

impl Store {
    /// Opens (creating if needed) `palisade.db` in `dir`. Dataplanes are
    /// all marked disconnected: none is connected to a fresh process.
    pub fn open(dir: &Path) -> Result<Store> {
        let path = dir.join("palisade.db");
        let db = Connection::open(&path).with_context(|| format!("{}", path.display()))?;
        // Only its owner reads the state (SQLite gives the WAL files the
        // database's own mode).
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .with_context(|| format!("{}", path.display()))?;
        db.pragma_update(None, "journal_mode", "WAL")
            .with_context(|| format!("{}", path.display()))?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.execute_batch(SCHEMA)
            .with_context(|| format!("{}: schema", path.display()))?;
        db.execute("UPDATE dataplanes SET connected = 0", [])?;
        Ok(Store { db })
    }

    /// Stores a new version; returns its number.
    pub fn push(
        &mut self,
        files: &[RuleFile],
        rules: usize,
        user: &str,
        comment: Option<&str>,
        rollback_of: Option<u64>,
    ) -> Result<u64> {
        let files = serde_json::to_string(files)?;
        self.db.execute(
            "INSERT INTO rulesets (pushed_at, pushed_by, comment, rollback_of, rules, files)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![now(), user, comment, rollback_of, rules as i64, files],
        )?;
        Ok(self.db.last_insert_rowid() as u64)
    }

    /// The newest version no dataplane refused, if any.
    pub fn current(&self) -> Result<Option<u64>> {
        let v: Option<i64> = self.db.query_row(
            "SELECT MAX(version) FROM rulesets
             WHERE version NOT IN (SELECT version FROM refused_versions)",
            [],
            |r| r.get(0),
        )?;
        Ok(v.map(|v| v as u64))
    }

    /// The newest version below `version` that no dataplane refused.
    pub fn before(&self, version: u64) -> Result<Option<u64>> {
        let v: Option<i64> = self.db.query_row(
            "SELECT MAX(version) FROM rulesets WHERE version < ?1
             AND version NOT IN (SELECT version FROM refused_versions)",
            [version as i64],
            |r| r.get(0),
        )?;
        Ok(v.map(|v| v as u64))
    }

    /// One version with its files.
    pub fn get(&self, version: u64) -> Result<Option<StoredRuleset>> {
        let current = self.current()?;
        self.db
            .query_row(
                "SELECT version, pushed_at, pushed_by, comment, rollback_of, rules, files,
                        version IN (SELECT version FROM refused_versions)
                 FROM rulesets WHERE version = ?1",
                [version as i64],
                |r| ruleset_row(r, current),
            )
            .optional()?
            .map(|(info, files)| Ok((info, serde_json::from_str(&files)?)))
            .transpose()
    }

    /// Every version, newest first.
    pub fn versions(&self) -> Result<Vec<VersionInfo>> {
        let current = self.current()?;
        let mut q = self.db.prepare(
            "SELECT version, pushed_at, pushed_by, comment, rollback_of, rules, files,
                    version IN (SELECT version FROM refused_versions)
             FROM rulesets ORDER BY version DESC",
        )?;
        let rows = q.query_map([], |r| ruleset_row(r, current))?;
        Ok(rows
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|(i, _)| i)
            .collect())
    }

    /// Records a dataplane's registration (a new one, or one coming back).
    pub fn register(&mut self, r: &Register) -> Result<()> {
        let t = now();
        self.db.execute(
            "INSERT INTO dataplanes (id, software, mode, cores, ports, registered_at, last_seen,
                                     connected, running)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 1, ?7)
             ON CONFLICT (id) DO UPDATE SET software = ?2, mode = ?3, cores = ?4, ports = ?5,
                 registered_at = ?6, last_seen = ?6, connected = 1, running = ?7",
            params![
                r.id,
                r.version,
                r.mode,
                serde_json::to_string(&r.cores)?,
                serde_json::to_string(&r.ports)?,
                t,
                r.running.map(|v| v as i64)
            ],
        )?;
        Ok(())
    }

    /// A dataplane's connection ended.
    pub fn disconnected(&mut self, id: &str) -> Result<()> {
        self.db.execute(
            "UPDATE dataplanes SET connected = 0, last_seen = ?2 WHERE id = ?1",
            params![id, now()],
        )?;
        Ok(())
    }

    /// A dataplane was heard from.
    pub fn seen(&mut self, id: &str) -> Result<()> {
        self.db.execute(
            "UPDATE dataplanes SET last_seen = ?2 WHERE id = ?1",
            params![id, now()],
        )?;
        Ok(())
    }

    /// A dataplane's answer to a ruleset.
    pub fn ack(&mut self, id: &str, version: u64, error: Option<&str>) -> Result<()> {
        match error {
            None => self.db.execute(
                "UPDATE dataplanes SET running = ?2, last_seen = ?3 WHERE id = ?1",
                params![id, version as i64, now()],
            )?,
            Some(e) => {
                // The first refusal is kept: it marks the version for good.
                self.db.execute(
                    "INSERT OR IGNORE INTO refused_versions (version, dataplane, refused_at, error)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![version as i64, id, now(), e],
                )?;
                self.db.execute(
                    "UPDATE dataplanes SET refused = ?2, refused_error = ?3, last_seen = ?4
                     WHERE id = ?1",
                    params![id, version as i64, e, now()],
                )?
            }
        };
        Ok(())
    }

    /// The version dataplane `id` last said it runs, if any.
    pub fn running(&self, id: &str) -> Result<Option<u64>> {
        let v: Option<Option<i64>> = self
            .db
            .query_row("SELECT running FROM dataplanes WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(v.flatten().map(|v| v as u64))
    }

    /// Every dataplane ever registered, by id.
    pub fn dataplanes(&self) -> Result<Vec<DataplaneStatus>> {
        let mut q = self.db.prepare(
            "SELECT id, software, mode, cores, ports, connected, registered_at, last_seen,
                    running, refused, refused_error
             FROM dataplanes ORDER BY id",
        )?;
        let rows = q.query_map([], |r| {
            let cores: String = r.get(3)?;
            let ports: String = r.get(4)?;
            let refused: Option<i64> = r.get(9)?;
            let error: Option<String> = r.get(10)?;
            Ok(DataplaneStatus {
                id: r.get(0)?,
                software: r.get(1)?,
                mode: r.get(2)?,
                cores: serde_json::from_str(&cores).unwrap_or_default(),
                ports: serde_json::from_str(&ports).unwrap_or_default(),
                connected: r.get::<_, i64>(5)? != 0,
                registered_at: r.get(6)?,
                last_seen: r.get(7)?,
                running: r.get::<_, Option<i64>>(8)?.map(|v| v as u64),
                refused: refused.map(|v| (v as u64, error.unwrap_or_default())),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a batch of events (already masked) from `dataplane`.
    pub fn add_events(&mut self, dataplane: &str, events: &[serde_json::Value]) -> Result<()> {
        let t = now();
        let tx = self.db.transaction()?;
        {
            let mut q = tx.prepare(
                "INSERT INTO events (received, dataplane, event_type, rule_id, event)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for e in events {
                let kind = e["event_type"].as_str();
                let rule = e["alert"]["signature_id"].as_i64();
                q.execute(params![t, dataplane, kind, rule, e.to_string()])?;
            }
        }
        tx.execute(
            "DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?1",
            [EVENTS_KEPT],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The newest events matching `q` (at most its limit), oldest first.
    pub fn events(&self, q: &EventQuery) -> Result<Vec<StoredEvent>> {
        let mut stmt = self.db.prepare(
            "SELECT id, dataplane, received, event FROM events
             WHERE id > ?1 AND received >= ?2
               AND (?3 IS NULL OR rule_id = ?3) AND (?4 IS NULL OR event_type = ?4)
             ORDER BY id DESC LIMIT ?5",
        )?;
        let rows = stmt.query_map(
            params![
                q.after_id.unwrap_or(0),
                q.since.as_deref().unwrap_or(""),
                q.rule.map(|r| r as i64),
                q.event_type,
                q.limit.unwrap_or(100).min(EVENTS_PER_QUERY)
            ],
            |r| {
                let text: String = r.get(3)?;
                Ok(StoredEvent {
                    id: r.get(0)?,
                    dataplane: r.get(1)?,
                    received: r.get(2)?,
                    event: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
                })
            },
        )?;
        let mut out: Vec<StoredEvent> = rows.collect::<Result<_, _>>()?;
        out.reverse();
        Ok(out)
    }
}

/// The API inventory dataplanes send.
impl Store {
    /// Replaces what `dataplane` sent before for each of these hosts.
    pub fn put_inventory(&mut self, dataplane: &str, hosts: &[HostInventory]) -> Result<()> {
        let t = now();
        let tx = self.db.transaction()?;
        {
            let mut q = tx.prepare(
                "INSERT INTO inventory (dataplane, host, received, report, openapi)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (dataplane, host) DO UPDATE SET received = ?3, report = ?4,
                     openapi = ?5",
            )?;
            for h in hosts {
                let report = h.report.to_string();
                q.execute(params![dataplane, h.host, t, report, h.openapi.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Binds `document` to `host`, replacing the spec it had.
    pub fn put_spec(&mut self, host: &str, name: &str, document: &serde_json::Value) -> Result<()> {
        self.db.execute(
            "INSERT INTO specs (host, name, loaded_at, document) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (host) DO UPDATE SET name = ?2, loaded_at = ?3, document = ?4",
            params![host, name, now(), document.to_string()],
        )?;
        Ok(())
    }

    /// The bound specs by host; their documents only when `documents`.
    pub fn specs(&self, documents: bool) -> Result<Vec<SpecBinding>> {
        let mut q = self
            .db
            .prepare("SELECT host, name, loaded_at, document FROM specs ORDER BY host")?;
        let rows = q.query_map([], |r| {
            let text: String = r.get(3)?;
            Ok(SpecBinding {
                host: r.get(0)?,
                name: r.get(1)?,
                loaded_at: r.get(2)?,
                document: if documents {
                    serde_json::from_str(&text).unwrap_or_default()
                } else {
                    serde_json::Value::Null
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every dataplane's inventory of `host` (of every host without one),
    /// by host then dataplane.
    pub fn inventory(&self, host: Option<&str>) -> Result<Vec<StoredInventory>> {
        let mut q = self.db.prepare(
            "SELECT dataplane, host, received, report, openapi FROM inventory
             WHERE ?1 IS NULL OR host = ?1 ORDER BY host, dataplane",
        )?;
        let rows = q.query_map([host], |r| {
            let report: String = r.get(3)?;
            let openapi: String = r.get(4)?;
            Ok(StoredInventory {
                dataplane: r.get(0)?,
                host: r.get(1)?,
                received: r.get(2)?,
                report: serde_json::from_str(&report).unwrap_or_default(),
                openapi: serde_json::from_str(&openapi).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn ruleset_row(
    r: &rusqlite::Row<'_>,
    current: Option<u64>,
) -> rusqlite::Result<(VersionInfo, String)> {
    let version = r.get::<_, i64>(0)? as u64;
    let files: String = r.get(6)?;
    let names = serde_json::from_str::<Vec<RuleFile>>(&files)
        .map(|f| f.into_iter().map(|f| f.name).collect())
        .unwrap_or_default();
    let info = VersionInfo {
        version,
        pushed_at: r.get(1)?,
        pushed_by: r.get(2)?,
        comment: r.get(3)?,
        rollback_of: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
        rules: r.get::<_, i64>(5)? as usize,
        files: names,
        current: current == Some(version),
        refused: r.get(7)?,
    };
    Ok((info, files))
}

/// The current time as RFC 3339 UTC with milliseconds.
pub fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}
