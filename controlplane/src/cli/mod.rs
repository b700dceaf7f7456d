//! The operator commands that talk to `palisade serve`: rules push, list,
//! show, diff and rollback, status, stats, events, the API inventory and
//! specs. Each sends one
//! request per answer it needs and prints a table, or JSON with
//! `--output json`.
//!
//! Exit status: [`OK`], [`FAILED`] when the control plane refused the
//! request or a dataplane refused the ruleset, [`USAGE`] for a wrong
//! command line, [`NOT_FOUND`] for an unknown version, [`UNREACHABLE`]
//! when the control plane cannot be reached.

pub mod client;
pub mod failure;
pub mod inventory;
pub mod output;
pub mod spec;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use palisade_proto::{ErrorKind, EventQuery, Request, Response, RuleFile};

pub const OK: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const NOT_FOUND: u8 = 3;
pub const UNREACHABLE: u8 = 4;

/// Where to find the control plane and how to print.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub socket: PathBuf,
    pub json: bool,
}

impl Ctx {
    /// Sends a request; errors are printed and become the exit code.
    fn ask(&self, req: Request) -> Result<Response, ExitCode> {
        match client::request(&self.socket, req) {
            Ok(Response::Error { kind, message }) => {
                let code = match kind {
                    ErrorKind::NotFound => NOT_FOUND,
                    _ => FAILED,
                };
                Err(self.fail(&message, code))
            }
            Ok(r) => Ok(r),
            Err(client::Failure::Unreachable(e)) => Err(self.fail(&e, UNREACHABLE)),
            Err(client::Failure::Refused(e)) => Err(self.fail(&e, FAILED)),
        }
    }
}

impl Ctx {
    /// Reports a failure (stderr, and stdout as JSON with `--output
    /// json`); returns its exit status.
    pub fn fail(&self, message: &str, code: u8) -> ExitCode {
        eprintln!("palisade: {message}");
        failure::print(self.json, message, code);
        ExitCode::from(code)
    }
}

fn print_json<T: serde::Serialize>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("palisade: {e}"),
    }
}

/// The user name recorded with a push: `$USER`, `$LOGNAME`, or the name
/// of this process's user id in /etc/passwd.
fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(passwd_name)
        .unwrap_or_else(|| "unknown".into())
}

fn passwd_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_owned())
    })
}

/// Reads rule files (directories as their *.yaml files), named by path.
fn read_rule_files(paths: &[PathBuf]) -> Result<Vec<RuleFile>, String> {
    let files = crate::rule_files(paths).map_err(|e| e.to_string())?;
    let mut read = Vec::new();
    let mut errors = Vec::new();
    for p in &files {
        let text = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
        let text = text.and_then(|bytes| {
            palisade_rules::utf8_text(bytes)
                .map_err(|(why, line, column)| format!("{}:{line}:{column}: {why}", p.display()))
        });
        match text {
            Ok(text) => read.push(RuleFile {
                name: display_name(p),
                text,
            }),
            Err(e) => errors.push(e),
        }
    }
    // Every file that cannot be read is named, not just the first.
    match errors.is_empty() {
        true => Ok(read),
        false => Err(errors.join("\npalisade: error: ")),
    }
}

/// A file's name as stored: its path as given.
fn display_name(p: &Path) -> String {
    p.display().to_string()
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(code) => return code,
        }
    };
}
use tri;

/// `rules push`: stores and sends; with `wait`, waits until every connected
/// dataplane runs the new version (or refuses it).
pub fn push(ctx: &Ctx, paths: &[PathBuf], comment: Option<String>, wait: Option<u64>) -> ExitCode {
    let files = match read_rule_files(paths) {
        Ok(f) => f,
        Err(e) => return ctx.fail(&format!("error: {e}"), FAILED),
    };
    let req = Request::Push {
        files,
        user: user(),
        comment,
    };
    pushed(ctx, tri!(ctx.ask(req)), wait)
}

/// `rules rollback [VERSION]`.
pub fn rollback(ctx: &Ctx, version: Option<u64>, wait: Option<u64>) -> ExitCode {
    let req = Request::Rollback {
        version,
        user: user(),
    };
    pushed(ctx, tri!(ctx.ask(req)), wait)
}

fn pushed(ctx: &Ctx, r: Response, wait: Option<u64>) -> ExitCode {
    let Response::Pushed {
        version,
        rules,
        ref sent_to,
    } = r
    else {
        return unexpected();
    };
    if !ctx.json {
        println!(
            "version {version}: {rules} rules, sent to {} dataplane(s)",
            sent_to.len()
        );
    }
    // With JSON, stdout holds one object: the answer, or the failure.
    if let Some(secs) = wait {
        tri!(wait_for(ctx, version, sent_to, Duration::from_secs(secs)));
    }
    if ctx.json {
        print_json(&r);
    }
    ExitCode::SUCCESS
}

fn unexpected() -> ExitCode {
    eprintln!("palisade: unexpected answer from the control plane");
    ExitCode::from(FAILED)
}

/// Waits until each of `ids` runs `version` or refused it, showing progress
/// on stderr after the first second.
fn wait_for(ctx: &Ctx, version: u64, ids: &[String], limit: Duration) -> Result<(), ExitCode> {
    let start = Instant::now();
    let mut shown = false;
    loop {
        let Response::Status { dataplanes, .. } = ctx.ask(Request::Status)? else {
            return Err(unexpected());
        };
        let mine: Vec<_> = dataplanes.iter().filter(|d| ids.contains(&d.id)).collect();
        let running = mine.iter().filter(|d| d.running == Some(version)).count();
        let refused: Vec<_> = mine
            .iter()
            .filter(|d| d.refused.as_ref().is_some_and(|(v, _)| *v == version))
            .collect();
        if running + refused.len() >= ids.len() {
            if shown {
                eprintln!();
            }
            let why: Vec<String> = refused
                .iter()
                .map(|d| {
                    let why = d.refused.as_ref().map_or("", |(_, e)| e.as_str());
                    format!("{} refused version {version}:\n{why}", d.id)
                })
                .collect();
            if why.is_empty() {
                return Ok(());
            }
            return Err(ctx.fail(&why.join("\n"), FAILED));
        }
        if start.elapsed() >= limit {
            let why = format!(
                "{running} of {} dataplane(s) run version {version} after {} s",
                ids.len(),
                limit.as_secs()
            );
            return Err(ctx.fail(&why, FAILED));
        }
        if start.elapsed() > Duration::from_secs(1) {
            progress(running, ids.len(), version, start.elapsed());
            shown = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn progress(done: usize, total: usize, version: u64, elapsed: Duration) {
    if std::io::stderr().is_terminal() {
        eprint!(
            "\rwaiting: {done}/{total} dataplane(s) run version {version} ({:.0} s)",
            elapsed.as_secs_f64()
        );
    }
}

pub fn list(ctx: &Ctx) -> ExitCode {
    let r = tri!(ctx.ask(Request::List));
    let Response::Versions { versions } = &r else {
        return unexpected();
    };
    if ctx.json {
        print_json(&r);
    } else {
        output::versions(versions);
    }
    ExitCode::SUCCESS
}

pub fn show(ctx: &Ctx, version: Option<u64>) -> ExitCode {
    let r = tri!(ctx.ask(Request::Show { version }));
    let Response::Ruleset { info, files } = &r else {
        return unexpected();
    };
    if ctx.json {
        print_json(&r);
        return ExitCode::SUCCESS;
    }
    println!(
        "version {}{} pushed {} by {}: {} rules",
        info.version,
        match (info.current, info.refused) {
            (true, _) => " (current)",
            (false, true) => " (refused by a dataplane)",
            (false, false) => "",
        },
        info.pushed_at,
        info.pushed_by,
        info.rules
    );
    for f in files {
        println!("--- {}", f.name);
        print!("{}", f.text);
        if !f.text.ends_with('\n') {
            println!();
        }
    }
    ExitCode::SUCCESS
}

pub fn diff(ctx: &Ctx, a: u64, b: u64) -> ExitCode {
    let r = tri!(ctx.ask(Request::Diff { a, b }));
    let Response::Diff { text, .. } = &r else {
        return unexpected();
    };
    if ctx.json {
        print_json(&r);
    } else {
        print!("{text}");
    }
    ExitCode::SUCCESS
}

pub fn status(ctx: &Ctx) -> ExitCode {
    let r = tri!(ctx.ask(Request::Status));
    let Response::Status {
        current,
        dataplanes,
    } = &r
    else {
        return unexpected();
    };
    if ctx.json {
        print_json(&r);
    } else {
        output::status(*current, dataplanes);
    }
    ExitCode::SUCCESS
}

pub fn stats(ctx: &Ctx) -> ExitCode {
    let r = tri!(ctx.ask(Request::Stats));
    let Response::Stats { dataplanes } = &r else {
        return unexpected();
    };
    if ctx.json {
        print_json(&r);
    } else {
        output::stats(dataplanes);
    }
    ExitCode::SUCCESS
}

/// `events`: one query, or with `follow` new events as they come until
/// interrupted. JSON output with `follow` is one event object per line.
pub fn events(ctx: &Ctx, mut q: EventQuery, follow: bool) -> ExitCode {
    loop {
        let r = tri!(ctx.ask(Request::Events(q.clone())));
        let Response::Events { events } = &r else {
            return unexpected();
        };
        if ctx.json && !follow {
            print_json(&r);
        } else if ctx.json {
            for e in events {
                println!("{}", serde_json::to_string(e).unwrap_or_default());
            }
        } else {
            output::events(events);
        }
        if !follow {
            return ExitCode::SUCCESS;
        }
        if let Some(last) = events.last() {
            q.after_id = Some(last.id);
        }
        q.limit = Some(1000);
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// `--since`: an RFC 3339 time, or a duration before now (`10m`, `2h`).
pub fn parse_since(s: &str) -> Result<String, String> {
    if let Ok(t) = humantime::parse_rfc3339_weak(s) {
        return Ok(humantime::format_rfc3339_millis(t).to_string());
    }
    let d = humantime::parse_duration(s).map_err(|_| {
        format!("{s:?} is neither a time (2026-01-31T12:00:00Z) nor a duration (10m)")
    })?;
    let t = std::time::SystemTime::now()
        .checked_sub(d)
        .ok_or_else(|| format!("{s}: too far back"))?;
    Ok(humantime::format_rfc3339_millis(t).to_string())
}
