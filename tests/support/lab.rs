//! The network-namespace lab from the tests' side: bring it up and down
//! (`scripts/lab.sh`), run commands in its namespaces, read interface
//! counters, and run a dataplane inside `pal-dp`. With `PAL_LAB_PREFIX`
//! set, the lab's namespaces and directory take that prefix instead of
//! `pal` (as in scripts/lab.sh), so several labs can run on one host.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{dataplane_bin, root, run, run_ok};

/// Client and server addresses (fixed by scripts/lab.sh).
pub const CLIENT: &str = "10.77.0.1";
pub const SERVER: &str = "10.77.0.2";
/// Where lab.sh keeps logs and files (with the default prefix).
pub const LAB_DIR: &str = "/run/palisade-lab";

/// The lab's name prefix: `$PAL_LAB_PREFIX`, default `pal`.
pub fn prefix() -> String {
    std::env::var("PAL_LAB_PREFIX").unwrap_or_else(|_| "pal".to_owned())
}

/// Where lab.sh keeps logs and files for [`prefix`].
pub fn lab_dir() -> String {
    match prefix().as_str() {
        "pal" => LAB_DIR.to_owned(),
        p => format!("/run/palisade-lab-{p}"),
    }
}

/// A running lab; dropping it tears the lab down.
#[derive(Debug)]
pub struct Lab {
    _private: (),
}

impl Lab {
    /// Builds the lab (tearing down any earlier one).
    pub fn up() -> Lab {
        let lab = || Command::new(root().join("scripts/lab.sh"));
        // Processes of an earlier lab may take a moment to be reaped; one
        // more try after a clean teardown rides that out.
        if !run(lab().arg("up")).status.success() {
            let _ = run(lab().arg("down"));
            std::thread::sleep(std::time::Duration::from_secs(3));
            run_ok(lab().arg("up"));
        }
        Lab { _private: () }
    }

    /// A command to run in namespace `<prefix>-<ns>` (cli, srv or dp).
    /// The HTTP status curl in the client namespace got for `path` on the
    /// server, "000" when nothing came back within `secs` seconds.
    pub fn http_status(&self, path: &str, secs: u32) -> String {
        let out = run(self.cmd("cli", "curl").args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            &secs.to_string(),
            &format!("http://{SERVER}{path}"),
        ]));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn cmd(&self, ns: &str, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &format!("{}-{ns}", prefix()), program]);
        c
    }

    /// Kernel counters of `iface` in `pal-<ns>`: (rx_packets, tx_packets).
    pub fn iface_packets(&self, ns: &str, iface: &str) -> (u64, u64) {
        let out = run_ok(
            self.cmd(ns, "ip")
                .args(["-j", "-s", "link", "show", "dev", iface]),
        );
        let v: serde_json::Value = serde_json::from_str(&out).expect("ip -j output");
        let stats = &v[0]["stats64"];
        let n = |dir: &str| stats[dir]["packets"].as_u64().expect("packet counter");
        (n("rx"), n("tx"))
    }

    /// Starts the dataplane in `pal-dp` with `config`; returns once its ports
    /// are up.
    pub fn start_dataplane(&self, config: &Path, scratch: &Path) -> Dataplane {
        self.spawn_dataplane(config, scratch, &[])
    }

    /// The same, writing events to `events.json` in `scratch`.
    pub fn start_dataplane_with_events(&self, config: &Path, scratch: &Path) -> Dataplane {
        let events = scratch.join("events.json");
        self.spawn_dataplane(
            config,
            scratch,
            &["--events", events.to_str().expect("utf-8 path")],
        )
    }

    fn spawn_dataplane(&self, config: &Path, scratch: &Path, extra: &[&str]) -> Dataplane {
        let log = scratch.join("dataplane.log");
        let stats = scratch.join("dataplane-stats.json");
        let child = self
            .cmd("dp", dataplane_bin().to_str().expect("utf-8 path"))
            .arg("run")
            .arg("--config")
            .arg(config)
            .arg("--stats-json")
            .arg(&stats)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("dataplane log"))
            .spawn()
            .expect("spawn dataplane");
        let dp = Dataplane {
            child: Some(child),
            log,
            stats,
        };
        // Compiling rules can take a while on a busy machine.
        dp.wait_for_log("dataplane running", Duration::from_secs(120));
        dp
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new(root().join("scripts/lab.sh"))
            .arg("down")
            .output();
    }
}

/// A dataplane process in the lab.
#[derive(Debug)]
pub struct Dataplane {
    child: Option<Child>,
    pub log: PathBuf,
    pub stats: PathBuf,
}

impl Dataplane {
    /// Sends `signal` (`HUP`, `INT`, ...) to the running dataplane.
    pub fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("running dataplane");
        run(Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]));
    }

    /// Waits until the dataplane's log holds `needle`; panics with the log
    /// after `limit`.
    pub fn wait_for_log(&self, needle: &str, limit: Duration) {
        crate::wait_for_log(&self.log, needle, limit);
    }

    /// Sends SIGINT, waits for exit, and returns the exit report.
    pub fn stop(mut self) -> serde_json::Value {
        let mut child = self.child.take().expect("running dataplane");
        run(Command::new("kill").args(["-INT", &child.id().to_string()]));
        let status = child.wait().expect("wait dataplane");
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        assert!(status.success(), "dataplane exited with {status}:\n{log}");
        let text = std::fs::read(&self.stats).expect("dataplane stats json");
        serde_json::from_slice(&text).expect("valid stats json")
    }
}

impl Drop for Dataplane {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Retries `cmd` until it succeeds or `limit` passes; returns its stdout.
pub fn retry_until_ok(mut make: impl FnMut() -> Command, limit: Duration) -> String {
    let start = Instant::now();
    loop {
        let out = run(&mut make());
        if out.status.success() {
            return String::from_utf8_lossy(&out.stdout).into_owned();
        }
        assert!(
            start.elapsed() < limit,
            "still failing after {limit:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Polls `ok` every 200 ms until it holds; fails naming `what` after
/// `limit`.
pub fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "{what} never happened");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The "N requests in" figure of wrk's summary.
pub fn wrk_requests(out: &str) -> u64 {
    out.lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no request count in wrk output:\n{out}"))
}
