//! Small network namespaces of their own for tests that need real servers
//! and clients on a private loopback: [`Netns`] (created empty with `lo`
//! up, deleted with every process in it on drop), [`Background`] processes
//! killed on drop, a [`Tcpdump`] recording, and a self-signed certificate.
//!
//! Namespaces are named `pbot-<name>`, apart from the lab's `pal-*`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{run, run_ok};

/// A network namespace holding only `lo`.
#[derive(Debug)]
pub struct Netns {
    pub name: String,
}

impl Netns {
    /// Creates `pbot-<name>` (after removing a leftover one).
    pub fn new(name: &str) -> Netns {
        let ns = Netns {
            name: format!("pbot-{name}"),
        };
        ns.delete();
        run_ok(Command::new("ip").args(["netns", "add", &ns.name]));
        run_ok(ns.cmd("ip").args(["link", "set", "lo", "up"]));
        ns
    }

    /// A command run inside the namespace.
    pub fn cmd(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).arg(program);
        c
    }

    /// Starts `cmd` in the background, its output to `log`.
    /// Retries a request to `url` from this namespace until a server
    /// answers (it has just started); any certificate is taken.
    pub fn wait_for_url(&self, url: &str) {
        let start = Instant::now();
        while !run(self
            .cmd("curl")
            .args(["-sk", "-o", "/dev/null", "--max-time", "2", url]))
        .status
        .success()
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{url} never answered"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn spawn(&self, mut cmd: Command, log: &Path) -> Background {
        let out = std::fs::File::create(log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        Background {
            child: Some(child),
            log: log.to_owned(),
        }
    }

    fn delete(&self) {
        let pids = run(Command::new("ip").args(["netns", "pids", &self.name]));
        for pid in String::from_utf8_lossy(&pids.stdout).split_whitespace() {
            let _ = run(Command::new("kill").args(["-KILL", pid]));
        }
        let _ = run(Command::new("ip").args(["netns", "del", &self.name]));
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        self.delete();
    }
}

/// A process killed when dropped.
#[derive(Debug)]
pub struct Background {
    child: Option<Child>,
    pub log: PathBuf,
}

impl Background {
    /// Waits until the log holds `needle`.
    pub fn wait_for_log(&self, needle: &str, limit: Duration) {
        crate::wait_for_log(&self.log, needle, limit);
    }

    /// Sends SIGINT and waits for the process to end.
    pub fn interrupt(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = run(Command::new("kill").args(["-INT", &child.id().to_string()]));
            let _ = child.wait();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// tcpdump writing `filter`'s packets on `lo` of `ns` to `pcap`.
pub fn tcpdump(ns: &Netns, pcap: &Path, filter: &str) -> Background {
    let mut cmd = ns.cmd("tcpdump");
    cmd.args(["-i", "lo", "-U", "-s", "0", "-B", "16384", "-w"])
        .arg(pcap)
        .arg(filter);
    let dump = ns.spawn(cmd, &pcap.with_extension("log"));
    dump.wait_for_log("listening on", Duration::from_secs(10));
    dump
}

/// The path of the last request of a recording (see [`finish`]).
pub const END_MARK: &str = "/end-of-recording";

/// Stops a recording once every packet sent so far is in the file: one
/// last request to `base` + [`END_MARK`] is sent, and the file is read
/// until that request is in it (tcpdump writes packets in order, and may
/// lag behind on a busy machine).
pub fn finish(dump: Background, ns: &Netns, pcap: &Path, base: &str) {
    let url = format!("{base}{END_MARK}");
    let _ = run(ns
        .cmd("curl")
        .args(["-s", "-o", "/dev/null", "--max-time", "5", &url]));
    let start = Instant::now();
    let needle = END_MARK.as_bytes();
    loop {
        let bytes = std::fs::read(pcap).unwrap_or_default();
        if bytes.windows(needle.len()).any(|w| w == needle) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "tcpdump never wrote {url}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    dump.interrupt();
}

/// A self-signed certificate and key for `name`, made with openssl.
pub fn self_signed(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    run_ok(
        Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .arg("-subj")
            .arg(format!("/CN={name}")),
    );
    (cert, key)
}

/// The system Python (Debian's, with python3-requests).
pub const PYTHON: &str = "/usr/bin/python3";

/// Python that makes `requests` send from `SOURCE` (set by the caller):
/// defines `session()`. Pass `verify=False` to each HTTPS request (a
/// session-wide setting loses to a CA bundle named in the environment).
pub const REQUESTS_FROM: &str = r#"
import requests, urllib3
from requests.adapters import HTTPAdapter
urllib3.disable_warnings()

class FromAddress(HTTPAdapter):
    def __init__(self, address, **kw):
        self.address = address
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kw)

def session():
    s = requests.Session()
    s.mount("http://", FromAddress(SOURCE))
    s.mount("https://", FromAddress(SOURCE))
    return s
"#;
