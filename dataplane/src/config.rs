//! The dataplane's configuration file (YAML): mode, cores, memory, pools,
//! ports and how inline ports pair up. Parsing reports the file, line and
//! column of a bad key; validation names the key and the reason.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::decode::DecodeOptions;
use crate::enforce::EnforceSettings;
use crate::flow::{FlowConfig, FullPolicy, Timeouts};
use crate::guard::GuardSettings;
use crate::http::HttpConfig;
use crate::inspect::InspectConfig;
use crate::pipeline::{MalformedPolicy, PipelineConfig};
use crate::tcp::{OverlapPolicy, TcpConfig};

/// What the dataplane does with what it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Ports in pairs; each direction is forwarded to the peer port.
    Inline,
    /// Receive only (a tap or mirror port); nothing is forwarded.
    Tap,
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub mode: Mode,
    #[serde(default)]
    pub cores: Cores,
    #[serde(default)]
    pub memory: Memory,
    #[serde(default)]
    pub pool: Pool,
    #[serde(default)]
    pub queues: Queues,
    pub ports: Vec<PortSpec>,
    /// Inline mode: pairs of port names. Default: ports taken two by two in
    /// the order listed.
    #[serde(default)]
    pub pairs: Vec<[String; 2]>,
    /// Extra EAL arguments, passed as they are.
    #[serde(default)]
    pub eal_args: Vec<String>,
    #[serde(default)]
    pub inspection: Inspection,
    /// Rule files (or directories of `*.yaml` rule files) to match
    /// transactions against; relative paths are taken from the
    /// configuration file's directory.
    #[serde(default)]
    pub rules: Vec<std::path::PathBuf>,
    /// How block verdicts are carried out.
    #[serde(default)]
    pub enforcement: EnforceSettings,
    /// L3/L4 protection: source ACL, rate limits, SYN flood.
    #[serde(default)]
    pub guard: GuardSettings,
    /// What a worker that cannot keep up does with new flows.
    #[serde(default)]
    pub overload: crate::overload::OverloadSettings,
    /// The control plane to register with (rules, telemetry); none: run
    /// alone on the rules above.
    #[serde(default)]
    pub control: Option<crate::control::ControlConfig>,
}

/// How the pipeline treats traffic.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Inspection {
    /// Run the pipeline at all; `false` is plain forwarding (counters only).
    pub enabled: bool,
    /// Verify IPv4, TCP, UDP and ICMP checksums in software.
    pub verify_checksums: bool,
    /// `drop` or `pass` frames the decoder refuses (both are counted).
    pub malformed: MalformedPolicy,
    /// Flows each worker tracks at most (about 224 bytes each).
    pub flows_per_worker: usize,
    /// What a full flow table does: `evict` the flow nearest its idle
    /// deadline, or `refuse` the new one.
    pub when_full: WhenFull,
    /// Bytes of out-of-order TCP data each worker may hold, in MiB.
    pub reassembly_memory_mb: usize,
    /// Which copy of overlapping TCP data is inspected: `first`, `last`,
    /// `bsd`, `linux` or `windows`.
    pub overlap_policy: Overlap,
    /// Idle timeouts in seconds.
    pub timeouts: TimeoutSecs,
    /// HTTP parsing.
    pub http: HttpSettings,
    /// Bot detection and the shared rate-limit table.
    pub bot: crate::bot::BotConfig,
}

/// `inspection.http`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// Parse HTTP/1.x on the connections that speak it.
    pub enabled: bool,
    /// Connections each worker parses at once; more are counted and left
    /// unparsed.
    pub max_connections: usize,
    /// Bytes of each decoded body kept for inspection and events.
    pub body_limit: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        let http = HttpConfig::default();
        HttpSettings {
            enabled: true,
            max_connections: InspectConfig::default().max_connections,
            body_limit: http.body_limit,
        }
    }
}

impl Default for Inspection {
    fn default() -> Self {
        Inspection {
            enabled: true,
            verify_checksums: true,
            malformed: MalformedPolicy::Drop,
            flows_per_worker: 1 << 18,
            when_full: WhenFull::Evict,
            reassembly_memory_mb: 256,
            overlap_policy: Overlap::First,
            timeouts: TimeoutSecs::default(),
            http: HttpSettings::default(),
            bot: crate::bot::BotConfig::default(),
        }
    }
}

/// `inspection.when_full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WhenFull {
    Evict,
    Refuse,
}

/// `inspection.overlap_policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Overlap {
    First,
    Last,
    Bsd,
    Linux,
    Windows,
}

/// `inspection.timeouts`, in seconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimeoutSecs {
    pub tcp_opening: u64,
    pub tcp_established: u64,
    pub tcp_closing: u64,
    pub udp: u64,
    pub other: u64,
}

impl Default for TimeoutSecs {
    fn default() -> Self {
        TimeoutSecs {
            tcp_opening: 30,
            tcp_established: 300,
            tcp_closing: 30,
            udp: 60,
            other: 30,
        }
    }
}

impl Inspection {
    /// The application-layer settings these stand for.
    pub fn inspect_config(&self) -> InspectConfig {
        let http = &self.http;
        InspectConfig {
            http: http.enabled,
            max_connections: http.max_connections,
            http_limits: HttpConfig {
                body_limit: http.body_limit,
                ..HttpConfig::default()
            },
            guard: std::sync::Arc::new(crate::inspect::GuardState::new(self.bot.clone())),
            ..InspectConfig::default()
        }
    }

    /// The pipeline settings these stand for.
    pub fn pipeline_config(&self) -> PipelineConfig {
        let t = &self.timeouts;
        let secs = std::time::Duration::from_secs;
        PipelineConfig {
            decode: DecodeOptions {
                verify_checksums: self.verify_checksums,
            },
            malformed: self.malformed,
            flow: FlowConfig {
                capacity: self.flows_per_worker,
                timeouts: Timeouts {
                    tcp_opening: secs(t.tcp_opening),
                    tcp_established: secs(t.tcp_established),
                    tcp_closing: secs(t.tcp_closing),
                    udp: secs(t.udp),
                    other: secs(t.other),
                },
                when_full: match self.when_full {
                    WhenFull::Evict => FullPolicy::EvictOldest,
                    WhenFull::Refuse => FullPolicy::Refuse,
                },
            },
            tcp: TcpConfig {
                overlap: match self.overlap_policy {
                    Overlap::First => OverlapPolicy::First,
                    Overlap::Last => OverlapPolicy::Last,
                    Overlap::Bsd => OverlapPolicy::Bsd,
                    Overlap::Linux => OverlapPolicy::Linux,
                    Overlap::Windows => OverlapPolicy::Windows,
                },
                ..TcpConfig::default()
            },
            reassembly_memory: self.reassembly_memory_mb.saturating_mul(1 << 20),
            ..PipelineConfig::default()
        }
    }
}

/// Lcore ids DPDK takes: its build's `RTE_MAX_LCORE` (128 in the Debian
/// 12 packages); a larger id fails EAL's argument parsing.
const MAX_LCORE: u32 = 128;

/// CPU cores: one for management, one per worker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cores {
    /// The management lcore.
    pub main: u32,
    /// Worker lcores, one worker each.
    pub workers: Vec<u32>,
    /// The CPU each worker lcore runs on, in the order of `workers`
    /// (default: the CPU with the lcore's number). Two workers on one CPU
    /// share it: useful for tests on small machines, never for speed.
    #[serde(default)]
    pub cpus: Option<Vec<u32>>,
}

impl Default for Cores {
    fn default() -> Self {
        Cores {
            main: 0,
            workers: vec![1],
            cpus: None,
        }
    }
}

impl Cores {
    /// (lcore, cpu) for the main lcore and every worker.
    pub fn placement(&self) -> Vec<(u32, u32)> {
        let mut out = vec![(self.main, self.main)];
        match &self.cpus {
            Some(cpus) => out.extend(self.workers.iter().copied().zip(cpus.iter().copied())),
            None => out.extend(self.workers.iter().map(|w| (*w, *w))),
        }
        out
    }
}

/// How DPDK gets its memory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Memory {
    /// Use reserved hugepages (true) or plain memory with `--no-huge`.
    pub hugepages: bool,
    /// Megabytes of memory for DPDK.
    pub size_mb: u32,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            hugepages: false,
            size_mb: 512,
        }
    }
}

/// The mbuf pool.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pool {
    pub mbufs: u32,
    pub cache: u32,
    /// Bytes per mbuf including DPDK's 128-byte headroom.
    pub data_room: u16,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            mbufs: 16383,
            cache: 256,
            data_room: 2176,
        }
    }
}

/// Descriptor ring sizes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Queues {
    pub rx_desc: u16,
    pub tx_desc: u16,
}

impl Default for Queues {
    fn default() -> Self {
        Queues {
            rx_desc: 1024,
            tx_desc: 1024,
        }
    }
}

/// One port: a name of ours and the DPDK device behind it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortSpec {
    pub name: String,
    /// A PCI address (`0000:03:00.0`) or a vdev string
    /// (`net_af_packet0,iface=c0`, `net_null0`, `net_pcap0,rx_pcap=a.pcap`).
    pub device: String,
    #[serde(default)]
    pub mtu: Option<u16>,
    #[serde(default = "yes")]
    pub promiscuous: bool,
}

fn yes() -> bool {
    true
}

impl PortSpec {
    /// True for a virtual device (`net_...`), false for a PCI address.
    pub fn is_vdev(&self) -> bool {
        self.device.starts_with("net_")
    }

    /// The name DPDK gives the port: the vdev name before the first comma,
    /// or the PCI address.
    pub fn dpdk_name(&self) -> &str {
        self.device.split(',').next().unwrap_or(&self.device)
    }
}

impl Config {
    /// The pipeline settings of this configuration.
    pub fn pipeline_config(&self) -> PipelineConfig {
        PipelineConfig {
            enforce: self.enforcement.config(self.mode == Mode::Inline),
            guard: self.guard.config(self.mode == Mode::Inline),
            ..self.inspection.pipeline_config()
        }
    }

    /// The index of the port resets leave by in tap mode.
    pub fn reset_port(&self) -> Option<usize> {
        let name = self.enforcement.reset_port.as_deref()?;
        self.ports.iter().position(|p| p.name == name)
    }

    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read config {}", path.display()))?;
        // A byte-order mark is no part of the text a column counts.
        let bytes = match bytes.strip_prefix("\u{feff}".as_bytes()) {
            Some(rest) => rest.to_vec(),
            None => bytes,
        };
        let text = palisade_rules::utf8_text(bytes).map_err(|(message, line, column)| {
            let path = path.display();
            anyhow::anyhow!("config {path}: {message} at line {line} column {column}")
        })?;
        let mut config =
            Config::parse(&text).with_context(|| format!("config {}", path.display()))?;
        // Directories are listed again at each (re)load, not here.
        let base = path.parent().unwrap_or(Path::new("."));
        config.rules = config.rules.iter().map(|p| base.join(p)).collect();
        if let Some(c) = config.control.as_mut() {
            c.socket = base.join(&c.socket);
        }
        Ok(config)
    }

    /// Parses and validates configuration text (rule paths stay as
    /// written).
    pub fn parse(text: &str) -> Result<Config> {
        // A byte-order mark some editors write is not part of the YAML.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if let Some(deep) = crate::config_errors::too_deep(text) {
            return Err(deep);
        }
        if let Some(duplicate) = crate::config_errors::duplicate_key(text) {
            return Err(duplicate);
        }
        // serde_yaml's message ends with "at line L column C" except for some
        // top-level keys; those get the line of the key from the text.
        let config: Config = serde_yaml::from_str(text).map_err(|e| {
            if let Some(range) = crate::config_errors::out_of_range(text, &e) {
                return range;
            }
            if let Some(second) = crate::config_errors::second_document(text) {
                return second;
            }
            if let Some(tab) = crate::config_errors::tab_indent(text, &e) {
                return tab;
            }
            let message = short_quotes(&e.to_string());
            match e.location() {
                // serde_yaml leaves "at line 1 column 1" out of its message.
                Some(at) => {
                    let place = format!(" at line {} column {}", at.line(), at.column());
                    match message.ends_with(&place) {
                        true => anyhow::anyhow!("{message}"),
                        false => anyhow::anyhow!("{message}{place}"),
                    }
                }
                None => anyhow::anyhow!("{message}{}", locate_key(text, &e.to_string())),
            }
        })?;
        config.validate().map_err(|e| place(text, e))?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        self.validate_ports()?;
        self.validate_cores()?;
        if self.inspection.flows_per_worker == 0 || self.inspection.flows_per_worker > 1 << 30 {
            bail!(
                "inspection.flows_per_worker: {} is out of range (1 to 2^30)",
                self.inspection.flows_per_worker
            );
        }
        self.validate_ranges()?;
        if let Some(a) = self.eal_args.iter().find(|a| {
            RESERVED_EAL_ARGS
                .iter()
                .any(|r| a == r || a.starts_with(&format!("{r}=")))
        }) {
            bail!("eal_args: {a} is set by palisade-dataplane from the rest of the config");
        }
        if self.pool.mbufs < 1024 {
            bail!(
                "pool.mbufs: {} is too small (at least 1024)",
                self.pool.mbufs
            );
        }
        if self.pool.data_room < 1024 {
            bail!(
                "pool.data_room: {} is too small (at least 1024)",
                self.pool.data_room
            );
        }
        let names: Vec<&str> = self.ports.iter().map(|p| p.name.as_str()).collect();
        self.enforcement
            .validate(self.mode == Mode::Inline, &names)?;
        self.guard.validate()?;
        self.overload.check().map_err(anyhow::Error::msg)?;
        if self.mode == Mode::Inline {
            self.inline_pairs()?;
        } else if !self.pairs.is_empty() {
            bail!("pairs: only inline mode forwards between ports; remove it in tap mode");
        }
        Ok(())
    }

    fn validate_ports(&self) -> Result<()> {
        if self.ports.is_empty() {
            bail!("ports: at least one port is needed");
        }
        let mut names = HashSet::new();
        let mut devices = HashSet::new();
        for (i, p) in self.ports.iter().enumerate() {
            if p.name.is_empty() || !names.insert(p.name.as_str()) {
                bail!("ports[{i}].name: {:?} is empty or used twice", p.name);
            }
            if p.device.trim().is_empty() || p.device.contains(char::is_whitespace) {
                bail!("ports[{i}].device: {:?} is not a device string", p.device);
            }
            if !devices.insert(p.dpdk_name()) {
                bail!("ports[{i}].device: {} is used twice", p.dpdk_name());
            }
        }
        Ok(())
    }

    fn validate_cores(&self) -> Result<()> {
        if self.cores.workers.is_empty() {
            bail!("cores.workers: at least one worker core is needed");
        }
        let over = |lcore: &u32| *lcore >= MAX_LCORE;
        if over(&self.cores.main) {
            bail!(
                "cores.main: lcore {} is out of range (0 to {})",
                self.cores.main,
                MAX_LCORE - 1
            );
        }
        if let Some(w) = self.cores.workers.iter().find(|w| over(w)) {
            bail!(
                "cores.workers: lcore {w} is out of range (0 to {})",
                MAX_LCORE - 1
            );
        }
        let mut seen = HashSet::from([self.cores.main]);
        for w in &self.cores.workers {
            if !seen.insert(*w) {
                bail!("cores.workers: core {w} is listed twice or is the main core");
            }
        }
        if let Some(cpus) = &self.cores.cpus {
            if cpus.len() != self.cores.workers.len() {
                bail!(
                    "cores.cpus: {} CPUs for {} workers",
                    cpus.len(),
                    self.cores.workers.len()
                );
            }
        }
        for (_, cpu) in self.cores.placement() {
            if !cpu_exists(cpu) {
                bail!("cores: CPU {cpu} does not exist on this machine");
            }
        }
        Ok(())
    }

    fn validate_ranges(&self) -> Result<()> {
        let check = |key: &str, v: u64, lo: u64, hi: u64| -> Result<()> {
            if v < lo || v > hi {
                bail!("{key}: {v} is out of range ({lo} to {hi})");
            }
            Ok(())
        };
        check("queues.rx_desc", self.queues.rx_desc.into(), 64, 32768)?;
        check("queues.tx_desc", self.queues.tx_desc.into(), 64, 32768)?;
        check("pool.cache", self.pool.cache.into(), 0, 512)?;
        check("pool.mbufs", self.pool.mbufs.into(), 1024, 1 << 24)?;
        check("memory.size_mb", self.memory.size_mb.into(), 64, 1 << 20)?;
        for (i, port) in self.ports.iter().enumerate() {
            if let Some(mtu) = port.mtu {
                // 68: the least every IPv4 link must carry (RFC 791).
                check(&format!("ports[{i}].mtu"), mtu.into(), 68, u16::MAX.into())?;
            }
        }
        let i = &self.inspection;
        i.bot.validate().map_err(anyhow::Error::msg)?;
        check(
            "inspection.reassembly_memory_mb",
            i.reassembly_memory_mb as u64,
            0,
            1 << 16,
        )?;
        check(
            "inspection.http.max_connections",
            i.http.max_connections as u64,
            1,
            1 << 24,
        )?;
        check(
            "inspection.http.body_limit",
            i.http.body_limit as u64,
            0,
            16 << 20,
        )?;
        let t = &i.timeouts;
        for (key, v) in [
            ("inspection.timeouts.tcp_opening", t.tcp_opening),
            ("inspection.timeouts.tcp_established", t.tcp_established),
            ("inspection.timeouts.tcp_closing", t.tcp_closing),
            ("inspection.timeouts.udp", t.udp),
            ("inspection.timeouts.other", t.other),
        ] {
            check(key, v, 1, 7 * 86_400)?;
        }
        if u64::from(self.pool.cache) * 3 / 2 > u64::from(self.pool.mbufs) {
            bail!(
                "pool.cache: {} is too large for {} mbufs (at most mbufs / 1.5)",
                self.pool.cache,
                self.pool.mbufs
            );
        }
        Ok(())
    }

    /// Inline mode's port pairs, as indices into `ports`.
    pub fn inline_pairs(&self) -> Result<Vec<(usize, usize)>> {
        let index = |name: &str| {
            self.ports
                .iter()
                .position(|p| p.name == name)
                .with_context(|| format!("pairs: no port named {name:?}"))
        };
        let pairs: Vec<(usize, usize)> = if self.pairs.is_empty() {
            if !self.ports.len().is_multiple_of(2) {
                bail!(
                    "ports: inline mode needs ports in pairs; {} listed",
                    self.ports.len()
                );
            }
            (0..self.ports.len())
                .step_by(2)
                .map(|i| (i, i + 1))
                .collect()
        } else {
            self.pairs
                .iter()
                .map(|[a, b]| Ok((index(a)?, index(b)?)))
                .collect::<Result<_>>()?
        };
        let mut used = HashSet::new();
        for &(a, b) in &pairs {
            if a == b || !used.insert(a) || !used.insert(b) {
                bail!("pairs: each port belongs to exactly one pair of two different ports");
            }
        }
        if used.len() != self.ports.len() {
            bail!("pairs: every port must be in a pair in inline mode");
        }
        Ok(pairs)
    }
}

/// A check's error (`queues.rx_desc: 10 is out of range ...`) with the
/// line and column of the value its key path names, as serde's errors.
fn place(text: &str, error: anyhow::Error) -> anyhow::Error {
    let message = format!("{error:#}");
    let path = message.split(": ").next().unwrap_or_default();
    match palisade_rules::value_position(text, path).filter(|_| is_key_path(path)) {
        Some((line, column)) => anyhow::anyhow!("{message} at line {line} column {column}"),
        None => error,
    }
}

/// Whether the start of a message is a key path (`pool.mbufs`,
/// `ports[0].mtu`) rather than prose.
pub(crate) fn is_key_path(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c))
}

/// A serde message with each `quoted` value cut to a short one-line
/// excerpt (its place stays in the message's "at line L column C").
fn short_quotes(message: &str) -> String {
    let parts = message.split('`').enumerate();
    let cut = parts.map(|(i, p)| match i % 2 {
        1 => palisade_rules::excerpt(p),
        _ => p.to_owned(),
    });
    cut.collect::<Vec<_>>().join("`")
}

/// " at line L column 1" for the top-level key named in a serde message
/// ("unknown field `k`", "duplicate field `k`"), or nothing.
fn locate_key(text: &str, message: &str) -> String {
    let key = message.split('`').nth(1).unwrap_or_default();
    if key.is_empty() {
        return String::new();
    }
    let lines = text.lines().enumerate();
    let found =
        lines.filter(|(_, l)| l.starts_with(key) && l[key.len()..].trim_start().starts_with(':'));
    match found.last() {
        Some((i, _)) => format!(" at line {} column 1", i + 1),
        None => String::new(),
    }
}

/// EAL options Palisade sets itself; `eal_args` may not override them.
const RESERVED_EAL_ARGS: [&str; 9] = [
    "-l",
    "-c",
    "--lcores",
    "--main-lcore",
    "--file-prefix",
    "--no-huge",
    "--no-shconf",
    "-m",
    "--vdev",
];

/// True when the kernel knows CPU `core`.
pub fn cpu_exists(core: u32) -> bool {
    Path::new(&format!("/sys/devices/system/cpu/cpu{core}")).exists()
}

/// Rule files of the `rules` list: relative to `base`, directories as their
/// `*.yaml`/`*.yml` files, sorted.
pub fn rule_paths(base: &Path, listed: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for p in listed {
        let p = base.join(p);
        if !p.is_dir() {
            out.push(p);
            continue;
        }
        let mut found: Vec<_> = std::fs::read_dir(&p)
            .with_context(|| p.display().to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.is_file() && f.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "mode: inline\nports:\n  - name: a\n    device: net_null0\n  - name: b\n    device: net_null1\n";

    #[test]
    fn good_config_parses_with_defaults() {
        let c = Config::parse(GOOD).unwrap();
        assert_eq!(c.mode, Mode::Inline);
        assert_eq!(c.inline_pairs().unwrap(), vec![(0, 1)]);
        assert_eq!(c.cores.workers, vec![1]);
        assert_eq!(c.ports[0].dpdk_name(), "net_null0");
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let text = "mode: inline\nportz: []\n";
        let err = format!("{:#}", Config::parse(text).unwrap_err());
        assert!(err.contains("line 2 column 1"), "{err}");
        assert!(err.contains("portz"), "{err}");
    }

    #[test]
    fn odd_inline_ports_are_refused() {
        let text = "mode: inline\nports:\n  - name: a\n    device: net_null0\n";
        let err = format!("{:#}", Config::parse(text).unwrap_err());
        assert!(err.contains("pairs"), "{err}");
    }

    #[test]
    fn duplicate_device_and_main_core_worker_are_refused() {
        let dup = GOOD.replace("net_null1", "net_null0");
        assert!(format!("{:#}", Config::parse(&dup).unwrap_err()).contains("used twice"));
        let cores = format!("{GOOD}cores:\n  main: 1\n  workers: [1]\n");
        assert!(format!("{:#}", Config::parse(&cores).unwrap_err()).contains("cores.workers"));
    }

    #[test]
    fn top_level_unknown_key_gets_a_line() {
        let err = format!(
            "{:#}",
            Config::parse(&format!("{GOOD}mdoe: tap\n")).unwrap_err()
        );
        assert!(
            err.contains("mdoe") && err.contains("line 7 column 1"),
            "{err}"
        );
    }

    #[test]
    fn partial_sections_take_defaults_and_ranges_are_checked() {
        let c = Config::parse(&format!("{GOOD}pool: {{mbufs: 4096}}\n")).unwrap();
        assert_eq!(c.pool.cache, Pool::default().cache);
        for bad in [
            "queues: {rx_desc: 0}",
            "pool: {cache: 100000}",
            "memory: {size_mb: 0}",
            "inspection: {timeouts: {udp: 0}}",
            "eal_args: [--file-prefix, x]",
        ] {
            let err = format!(
                "{:#}",
                Config::parse(&format!("{GOOD}{bad}\n")).unwrap_err()
            );
            let key = bad.split(':').next().unwrap();
            assert!(err.contains(key), "{bad}: {err}");
        }
    }

    #[test]
    fn a_long_bad_value_is_quoted_short_at_its_place() {
        let words: Vec<String> = (0..50).map(|i| format!("w{i}")).collect();
        let text = GOOD.replace("mode: inline", &format!("mode: {}", words.join(" ")));
        let err = format!("{:#}", Config::parse(&text).unwrap_err());
        assert!(
            err.starts_with("mode: unknown variant `w0 w1 w2 w3 w4 w5 w6 w7 ...`"),
            "{err}"
        );
        assert!(err.contains("expected `inline` or `tap`"), "{err}");
        assert!(err.ends_with("at line 1 column 7"), "{err}");
    }

    #[test]
    fn an_error_at_the_first_byte_keeps_its_place() {
        let err = format!(
            "{:#}",
            Config::parse(&format!("modee: tap\n{GOOD}")).unwrap_err()
        );
        assert!(err.contains("unknown field `modee`"), "{err}");
        assert!(err.ends_with(" at line 1 column 1"), "{err}");
    }

    #[test]
    fn a_tab_that_indents_is_named() {
        let cases = [
            ("rules:\n\t- a.yaml\n", 1),
            ("queues:\n \trx_desc: 512\n", 2),
        ];
        for (bad, column) in cases {
            let err = format!("{:#}", Config::parse(&format!("{GOOD}{bad}")).unwrap_err());
            let expected =
                format!("a tab cannot indent YAML, use spaces, at line 8 column {column}");
            assert_eq!(err, expected, "{bad:?}");
        }
    }

    #[test]
    fn a_second_document_and_bytes_not_utf8_are_placed() {
        let two = format!("---\n# first\n{GOOD}--- \nmode: tap\n");
        let err = format!("{:#}", Config::parse(&two).unwrap_err());
        assert!(err.ends_with("a second starts at line 9 column 1"), "{err}");
        // A directive heads the one document; the error is the real one.
        let directive = format!("%YAML 1.1\n---\n{GOOD}bogus: 1\n");
        let err = format!("{:#}", Config::parse(&directive).unwrap_err());
        assert!(err.contains("unknown field `bogus`"), "{err}");
        assert!(err.ends_with(" at line 9 column 1"), "{err}");
        assert!(Config::parse(&format!("%YAML 1.1\n---\n{GOOD}")).is_ok());

        let dir = std::env::temp_dir().join(format!("palisade-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.yaml");
        let mut bytes = GOOD.as_bytes().to_vec();
        bytes.extend_from_slice("rules: [\"r\u{e9}gles\", \"".as_bytes());
        bytes.extend_from_slice(b"\xff.yaml\"]\n");
        std::fs::write(&path, &bytes).unwrap();
        let err = format!("{:#}", Config::load(&path).unwrap_err());
        std::fs::remove_dir_all(&dir).ok();
        assert!(err.contains("not valid UTF-8"), "{err}");
        assert!(err.ends_with(" at line 7 column 20"), "{err}");

        // Behind a byte-order mark, the column is the one an editor shows.
        let mut marked = "\u{feff}mode: tap".as_bytes().to_vec();
        marked.push(0xff);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, &marked).unwrap();
        let err = format!("{:#}", Config::load(&path).unwrap_err());
        std::fs::remove_dir_all(&dir).ok();
        assert!(err.ends_with(" at line 1 column 10"), "{err}");
    }

    #[test]
    fn range_errors_name_line_and_column() {
        for (bad, place) in [
            ("queues:\n  rx_desc: 10\n", "line 8 column 12"),
            ("memory: {size_mb: 0}\n", "line 7 column 19"),
            (
                "inspection:\n  bot:\n    error_share: 7\n",
                "line 9 column 18",
            ),
            ("overload:\n  window_ms: 0\n", "line 8 column 14"),
            ("overload:\n  calm_windows: 0\n", "line 8 column 17"),
            ("inspection:\n  bot:\n    clients: 0\n", "line 9 column 14"),
            (
                "inspection:\n  bot:\n    limit_keys: 0\n",
                "line 9 column 17",
            ),
            ("cores:\n  main: 0\n  workers: [1, 1]\n", "line 9 column 12"),
            ("cores:\n  main: 0\n  workers: [200]\n", "line 9 column 12"),
            ("cores:\n  main: 128\n  workers: [1]\n", "line 8 column 9"),
        ] {
            let err = format!("{:#}", Config::parse(&format!("{GOOD}{bad}")).unwrap_err());
            assert!(err.ends_with(&format!(" at {place}")), "{bad}: {err}");
        }
        let ports =
            "mode: tap\nports:\n  - name: a\n    device: net_null0\n  - name: a\n    device: x\n";
        let err = format!("{:#}", Config::parse(ports).unwrap_err());
        assert!(err.ends_with(" at line 5 column 11"), "{err}");
        let mtu = "mode: tap\nports:\n  - name: a\n    device: net_null0\n    mtu: 10\n";
        let err = format!("{:#}", Config::parse(mtu).unwrap_err());
        assert!(
            err.contains("ports[0].mtu: 10 is out of range (68 to"),
            "{err}"
        );
        assert!(err.ends_with(" at line 5 column 10"), "{err}");
    }

    #[test]
    fn tap_mode_with_pairs_is_refused() {
        let text = GOOD.replace("inline", "tap") + "pairs: [[a, b]]\n";
        assert!(format!("{:#}", Config::parse(&text).unwrap_err()).contains("tap mode"));
    }
}
