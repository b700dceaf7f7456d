//! The `palisade-dataplane` binary: command line, logging, signals, and the
//! exit report. The work itself is in the library's `runtime` (live ports)
//! and `capture` (capture files) modules.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use palisade_dataplane::capture::{capture, CaptureOptions};
use palisade_dataplane::config::{Config, Inspection};
use palisade_dataplane::inspect::HttpEventOptions;
use palisade_dataplane::inventory::{ApiOptions, Policy};
use palisade_dataplane::runtime::{run, RunOptions};
use palisade_dataplane::stats::Report;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Palisade's DPDK dataplane: forwards (inline) or observes (tap) traffic
/// between ports, or replays capture files through the same pipeline.
#[derive(Debug, Parser)]
#[command(name = "palisade-dataplane", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run on the ports of a configuration file until SIGINT/SIGTERM.
    Run {
        /// The YAML configuration file.
        #[arg(long, short)]
        config: PathBuf,
        /// Stop by itself after this many seconds.
        #[arg(long)]
        duration: Option<f64>,
        /// Write the exit report as JSON to this file.
        #[arg(long)]
        stats_json: Option<PathBuf>,
        /// Write events as JSON lines to this file, or `-` for stdout.
        #[arg(long)]
        events: Option<PathBuf>,
        /// Put HTTP bodies (decoded, up to the body limit) in `http` events,
        /// base64, as `http_request_body` and `http_response_body`.
        #[arg(long)]
        http_bodies: bool,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Load and compile rule files as `run` and `capture` do (no DPDK):
    /// exit 0 when they would load, 1 with every error otherwise.
    CheckRules {
        /// Rule files, or directories of `*.yaml` rule files.
        #[arg(required = true)]
        rules: Vec<PathBuf>,
    },
    /// Run capture files through the pipeline (offline) and exit at their end.
    Capture {
        /// A pcap or pcapng file; repeat to read several, in order.
        #[arg(long, short, required = true)]
        input: Vec<PathBuf>,
        /// Write the packets that pass to this pcap file.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Write events as JSON lines to this file, or `-` for stdout.
        #[arg(long)]
        events: Option<PathBuf>,
        /// Write the exit report as JSON to this file.
        #[arg(long)]
        stats_json: Option<PathBuf>,
        /// CPU core to run on.
        #[arg(long, default_value_t = 0)]
        core: u32,
        /// Match transactions against these rule files (repeat; loaded
        /// together, refused whole on any error) and write `alert` events.
        #[arg(long)]
        rules: Vec<PathBuf>,
        /// Put HTTP bodies (decoded, up to the body limit) in `http` events,
        /// base64, as `http_request_body` and `http_response_body`.
        #[arg(long)]
        http_bodies: bool,
        #[command(flatten)]
        api: ApiArgs,
    },
}

/// The API inventory and compliance options of `capture`.
#[derive(Debug, clap::Args)]
struct ApiArgs {
    /// Write the API inventory learned from the traffic (JSON) to this file.
    #[arg(long, value_name = "FILE")]
    inventory: Option<PathBuf>,
    /// Write an OpenAPI 3 document of one host's inventory to this file.
    #[arg(long, value_name = "FILE")]
    openapi: Option<PathBuf>,
    /// The host of the --openapi document (default: the busiest).
    #[arg(long, value_name = "HOST", requires = "openapi")]
    openapi_host: Option<String>,
    /// An OpenAPI 3 spec (JSON or YAML) to check traffic against; repeat,
    /// each with its --spec-host.
    #[arg(long, value_name = "FILE")]
    spec: Vec<PathBuf>,
    /// The host the --spec of the same position is bound to.
    #[arg(long, value_name = "HOST")]
    spec_host: Vec<String>,
    /// The action of a kind of finding, KIND=alert|block (all=... for every
    /// kind); repeat.
    #[arg(long, value_name = "KIND=ACTION")]
    api_action: Vec<String>,
}

impl ApiArgs {
    fn options(self) -> Result<ApiOptions> {
        if self.spec.len() != self.spec_host.len() {
            anyhow::bail!(
                "--spec and --spec-host come in pairs ({} --spec, {} --spec-host)",
                self.spec.len(),
                self.spec_host.len()
            );
        }
        let mut policy = Policy::default();
        for a in &self.api_action {
            policy
                .set_from(a)
                .map_err(|e| anyhow::anyhow!("--api-action {e}"))?;
        }
        Ok(ApiOptions {
            inventory: self.inventory,
            openapi: self.openapi,
            openapi_host: self.openapi_host,
            specs: self.spec.into_iter().zip(self.spec_host).collect(),
            policy,
        })
    }
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed stderr is no reason to panic on the way out.
            let _ = writeln!(std::io::stderr(), "palisade-dataplane: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PALISADE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("cannot install signal handler")?;
    }
    Ok(stop)
}

fn execute(command: Command) -> Result<()> {
    match command {
        Command::CheckRules { rules } => {
            let loaded = palisade_dataplane::capture::load_rules(&rules)?;
            let count = loaded.map_or(0, |r| r.rule_count());
            println!("{count} rules compile");
            Ok(())
        }
        Command::Run {
            config,
            duration,
            stats_json,
            events,
            http_bodies,
            api,
        } => {
            let config = Config::load(&config)?;
            check_stats_path(stats_json.as_ref())?;
            let duration = duration
                .map(Duration::try_from_secs_f64)
                .transpose()
                .context("--duration")?;
            let opts = RunOptions {
                duration,
                events,
                http_events: HttpEventOptions {
                    bodies: http_bodies,
                },
                api: api.options()?,
            };
            let report = run(&config, &opts, stop_flag()?)?;
            finish(&report, stats_json.as_ref())
        }
        Command::Capture {
            input,
            output,
            events,
            stats_json,
            core,
            http_bodies,
            rules,
            api,
        } => {
            let opts = CaptureOptions {
                inputs: input,
                output,
                events,
                core,
                inspection: Inspection::default(),
                http_events: HttpEventOptions {
                    bodies: http_bodies,
                },
                rules,
                api: api.options()?,
            };
            check_stats_path(stats_json.as_ref())?;
            let report = capture(&opts, stop_flag()?)?;
            finish(&report, stats_json.as_ref())
        }
    }
}

/// Creates the `--stats-json` file before the run, so a bad path fails fast.
fn check_stats_path(stats_json: Option<&PathBuf>) -> Result<()> {
    if let Some(path) = stats_json {
        std::fs::File::create(path).with_context(|| format!("--stats-json {}", path.display()))?;
    }
    Ok(())
}

fn finish(report: &Report, stats_json: Option<&PathBuf>) -> Result<()> {
    eprint!("{}", report.summary());
    if let Some(path) = stats_json {
        let json = serde_json::to_string_pretty(report)?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("--stats-json {}", path.display()))?;
    }
    Ok(())
}
