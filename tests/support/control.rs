//! A real `palisade serve` process for the tests: its state directory,
//! socket and metrics address, the CLI pointed at it, and kill/restart.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::{binary, run};

/// A running control plane.
#[derive(Debug)]
pub struct ControlPlane {
    child: Option<Child>,
    pub state: PathBuf,
    pub socket: PathBuf,
    /// `127.0.0.1:PORT` of `/metrics`.
    pub metrics: String,
    pub log: PathBuf,
}

/// A loopback port free right now.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

impl ControlPlane {
    /// Starts `palisade serve` with its state in `dir/state`.
    pub fn start(dir: &Path) -> ControlPlane {
        let mut cp = ControlPlane {
            child: None,
            state: dir.join("state"),
            socket: dir.join("control.sock"),
            metrics: format!("127.0.0.1:{}", free_port()),
            log: dir.join("serve.log"),
        };
        cp.spawn();
        cp
    }

    fn spawn(&mut self) {
        // Counted before the child starts: a fast child may log before a
        // count taken after it.
        let started = self.starts() + 1;
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("serve log");
        let child = Command::new(binary("palisade"))
            .arg("--socket")
            .arg(&self.socket)
            .args(["serve", "--state"])
            .arg(&self.state)
            .args(["--metrics", &self.metrics])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn palisade serve");
        self.child = Some(child);
        self.wait_for_log_count("control plane running", started);
    }

    fn starts(&self) -> usize {
        self.log_text().matches("control plane running").count()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `needle` appears `count` times in the log.
    pub fn wait_for_log_count(&self, needle: &str, count: usize) {
        let start = Instant::now();
        while self.log_text().matches(needle).count() < count {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "serve never logged {needle:?} {count} times:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The CLI, pointed at this control plane.
    pub fn cli(&self) -> Command {
        let mut c = Command::new(binary("palisade"));
        c.arg("--socket").arg(&self.socket);
        c
    }

    /// Runs the CLI with `args`.
    pub fn run(&self, args: &[&str]) -> Output {
        run(self.cli().args(args))
    }

    /// Runs the CLI with `args` and `--output json`; it must succeed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(&[args, &["--output", "json"]].concat());
        assert!(
            out.status.success(),
            "palisade {args:?}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json output")
    }

    /// SIGKILL: no clean shutdown at all.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same state, socket and metrics address.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// SIGTERM; it must exit cleanly.
    pub fn stop(mut self) {
        let mut c = self.child.take().expect("running");
        run(Command::new("kill").args(["-TERM", &c.id().to_string()]));
        let status = c.wait().expect("wait");
        assert!(
            status.success(),
            "serve exited {status}:\n{}",
            self.log_text()
        );
    }

    /// The `/metrics` text, fetched with curl.
    pub fn scrape(&self) -> String {
        crate::run_ok(Command::new("curl").args([
            "-sf",
            "--max-time",
            "5",
            &format!("http://{}/metrics", self.metrics),
        ]))
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        self.kill();
    }
}
