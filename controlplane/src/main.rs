//! The `palisade` command line for operators.
//!
//! `palisade serve` runs the control plane. `palisade rules validate` and
//! `rules test` check rule files offline (loaded together exactly as the
//! dataplane will, patterns compiled by `palisade-dataplane check-rules`);
//! `rules push|list|show|diff|rollback`, `status`, `stats`, `events` and
//! `inventory list|show|export`, `spec load|list`
//! talk to a running control plane over its Unix socket. Exit codes are
//! listed in [`palisade_controlplane::cli`].

mod examples;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use palisade_controlplane::cli::{self, failure, Ctx};
use palisade_controlplane::rules_test::{self, Expect};
use palisade_controlplane::serve::{self, ServeOptions};
use palisade_proto::EventQuery;

#[derive(Debug, Parser)]
#[command(
    name = "palisade",
    version,
    about = "Manage Palisade rules and appliances"
)]
struct Cli {
    /// The control plane's Unix socket.
    #[arg(long, global = true, env = "PALISADE_SOCKET", default_value = serve::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// `human` tables or `json`.
    #[arg(long, global = true, value_enum, default_value_t = Output::Human)]
    output: Output,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the control plane: state in SQLite, the control socket, /metrics.
    Serve {
        /// Directory of the state (palisade.db, events.json); created if missing.
        #[arg(long)]
        state: PathBuf,
        /// Serve Prometheus metrics on this address (`127.0.0.1:9477`).
        #[arg(long)]
        metrics: Option<String>,
        /// The JSON-lines event file (default: events.json in --state).
        #[arg(long)]
        events: Option<PathBuf>,
    },
    /// Rule files: check them, push them, look at their history.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Dataplanes, the ruleset version each runs, and their health.
    Status,
    /// Traffic rates, drops and top rules per dataplane.
    Stats,
    /// Stored events (alerts, HTTP transactions, flows, anomalies).
    Events {
        /// Keep printing new events as they arrive.
        #[arg(long)]
        follow: bool,
        /// Only events since a time (RFC 3339) or for a duration back (`10m`).
        #[arg(long)]
        since: Option<String>,
        /// Only alerts of this rule id.
        #[arg(long)]
        rule: Option<u64>,
        /// Only events of this type.
        #[arg(long = "type", value_enum)]
        event_type: Option<EventType>,
        /// At most this many (the newest).
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// The API inventory learned by the dataplanes.
    Inventory {
        #[command(subcommand)]
        command: InventoryCommand,
    },
    /// OpenAPI 3 specs bound to hosts: traffic to a bound host is checked.
    Spec {
        #[command(subcommand)]
        command: SpecCommand,
    },
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
}

/// The `event_type`s the dataplanes send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EventType {
    /// Rule, rate-limit, bot and guard alerts.
    Alert,
    /// Finished HTTP transactions.
    Http,
    /// Ended flows.
    Flow,
    /// Protocol anomalies of a transaction.
    Anomaly,
    /// Findings against a bound OpenAPI spec, sensitive data in responses.
    Api,
    /// TLS handshakes seen (JA4).
    Tls,
}

#[derive(Debug, Subcommand)]
enum InventoryCommand {
    /// Endpoints per host, merged over dataplanes.
    List {
        /// Only this host.
        #[arg(long)]
        host: Option<String>,
    },
    /// One endpoint with its parameters and their types.
    Show {
        /// Method and path template, as "GET /users/{id}".
        endpoint: String,
        /// Only this host.
        #[arg(long)]
        host: Option<String>,
    },
    /// Write one host's inventory as an OpenAPI 3 document.
    Export {
        /// The file to write (JSON).
        #[arg(long, value_name = "FILE", required = true)]
        openapi: PathBuf,
        /// The host (default: the one with most requests).
        #[arg(long)]
        host: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum SpecCommand {
    /// Bind an OpenAPI 3 spec (JSON or YAML) to a host, replacing its spec,
    /// and send it to every dataplane.
    Load {
        file: PathBuf,
        /// The host (as in the Host header) the spec describes.
        #[arg(long, required = true)]
        host: String,
    },
    /// The bound specs.
    List,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Check rule files (loaded together): exit 0 when all are valid, 1 with
    /// every error listed otherwise.
    #[command(after_help = examples::VALIDATE)]
    Validate {
        /// Rule files (YAML); a directory stands for its *.yaml files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run captures through the dataplane with these rules and list the
    /// rules that fired per transaction; exit 1 when an `--expect` fails.
    #[command(after_help = examples::TEST)]
    Test {
        /// Rule files (YAML); a directory stands for its *.yaml files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A pcap or pcapng capture; repeat for several.
        #[arg(long, required = true)]
        pcap: Vec<PathBuf>,
        /// Rule ID must fire (`ID`) or fire exactly COUNT times (`ID=COUNT`);
        /// repeat for several.
        #[arg(long)]
        expect: Vec<palisade_controlplane::rules_test::Expect>,
    },
    /// Store rule files as a new version and send it to every dataplane.
    #[command(after_help = examples::PUSH)]
    Push {
        /// Rule files, or directories of them (their *.yaml files); all of
        /// them make the version.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Why (kept with the version).
        #[arg(long)]
        comment: Option<String>,
        /// Wait up to SECS for every connected dataplane to run it; exit 1
        /// if one refuses it or time runs out.
        #[arg(long, value_name = "SECS")]
        wait: Option<u64>,
    },
    /// Every stored version, newest first (* marks the current one).
    List,
    /// One version's files (the current one by default).
    Show {
        /// The version (see `rules list`).
        version: Option<u64>,
    },
    /// Changes from version A to version B, a unified diff per file.
    Diff {
        /// The older version.
        a: u64,
        /// The newer version.
        b: u64,
    },
    /// Make an earlier version current again (by default the one before the
    /// current), stored as a new version.
    Rollback {
        version: Option<u64>,
        #[arg(long, value_name = "SECS")]
        wait: Option<u64>,
    },
}

fn main() -> ExitCode {
    quiet_on_closed_output();
    let cli = Cli::try_parse().unwrap_or_else(|e| usage(e));
    let ctx = Ctx {
        socket: cli.socket.clone(),
        json: cli.output == Output::Json,
    };
    match cli.command {
        Command::Serve {
            state,
            metrics,
            events,
        } => run_serve(ServeOptions {
            state,
            socket: cli.socket,
            metrics,
            events,
        }),
        Command::Rules { command } => rules(&ctx, command),
        Command::Status => cli::status(&ctx),
        Command::Stats => cli::stats(&ctx),
        Command::Events {
            follow,
            since,
            rule,
            event_type,
            limit,
        } => {
            let since = match since.as_deref().map(cli::parse_since).transpose() {
                Ok(s) => s,
                Err(e) => return ctx.fail(&format!("--since: {e}"), cli::USAGE),
            };
            let q = EventQuery {
                after_id: None,
                since,
                rule,
                event_type: event_type
                    .and_then(|t| t.to_possible_value())
                    .map(|v| v.get_name().to_owned()),
                limit: Some(limit),
            };
            cli::events(&ctx, q, follow)
        }
        Command::Inventory { command } => match command {
            InventoryCommand::List { host } => cli::inventory::list(&ctx, host),
            InventoryCommand::Show { endpoint, host } => {
                cli::inventory::show(&ctx, &endpoint, host)
            }
            InventoryCommand::Export { openapi, host } => {
                cli::inventory::export(&ctx, &openapi, host)
            }
        },
        Command::Spec { command } => match command {
            SpecCommand::Load { file, host } => cli::spec::load(&ctx, &file, &host),
            SpecCommand::List => cli::spec::list(&ctx),
        },
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "palisade",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
    }
}

/// A wrong command line: clap's message and status, and with `--output
/// json` the failure object too (help and version are not failures).
fn usage(e: clap::Error) -> ! {
    let json = std::env::args()
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| w[0] == "--output" && w[1] == "json")
        || std::env::args().any(|a| a == "--output=json");
    if json && e.use_stderr() {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        let message = first.strip_prefix("error: ").unwrap_or(first);
        failure::print(true, message, cli::USAGE);
    }
    e.exit()
}

fn rules(ctx: &Ctx, command: RulesCommand) -> ExitCode {
    match command {
        RulesCommand::Validate { files } => validate(ctx, &files),
        RulesCommand::Test {
            files,
            pcap,
            expect,
        } => test(ctx, &files, &pcap, &expect),
        RulesCommand::Push {
            files,
            comment,
            wait,
        } => cli::push(ctx, &files, comment, wait),
        RulesCommand::List => cli::list(ctx),
        RulesCommand::Show { version } => cli::show(ctx, version),
        RulesCommand::Diff { a, b } => cli::diff(ctx, a, b),
        RulesCommand::Rollback { version, wait } => cli::rollback(ctx, version, wait),
    }
}

fn run_serve(opts: ServeOptions) -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PALISADE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, Arc::clone(&stop)) {
            eprintln!("palisade: cannot install a signal handler: {e}");
            return ExitCode::FAILURE;
        }
    }
    match serve::serve(&opts, stop) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("palisade: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
/// Output to a closed pipe (`palisade events | head`) ends the process as
/// other command-line tools end, silently with the SIGPIPE status; a full
/// disk is an error message, not a backtrace. Other panics keep the
/// default report.
fn quiet_on_closed_output() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if let Some(why) = message.strip_prefix("failed printing to stdout: ") {
            if why.contains("Broken pipe") {
                std::process::exit(141);
            }
            eprintln!("palisade: error: cannot write the output: {why}");
            std::process::exit(1);
        }
        // Nowhere left to say anything.
        if let Some(why) = message.strip_prefix("failed printing to stderr: ") {
            std::process::exit(if why.contains("Broken pipe") { 141 } else { 1 });
        }
        default(info);
    }));
}

fn test(ctx: &Ctx, paths: &[PathBuf], pcaps: &[PathBuf], expects: &[Expect]) -> ExitCode {
    let json = ctx.json;
    let files = match palisade_controlplane::rule_files(paths) {
        Ok(files) => files,
        Err(e) => return ctx.fail(&format!("error: {e}"), cli::FAILED),
    };
    // An expectation about a rule the files do not hold could never fail.
    if let Ok(ruleset) = palisade_rules::load_files(&files) {
        if let Some(e) = expects.iter().find(|e| ruleset.get(e.id).is_none()) {
            let why = format!(
                "error: --expect {}: no rule with this id in the given files",
                e.id
            );
            return ctx.fail(&why, cli::USAGE);
        }
    }
    let scratch = std::env::temp_dir().join(format!("palisade-rules-test-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        return ctx.fail(&format!("error: {}: {e}", scratch.display()), cli::FAILED);
    }
    let result = rules_test::run(&files, pcaps, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let alerts = match result {
        Ok(alerts) => alerts,
        Err(e) => return ctx.fail(&format!("error: {e}"), cli::FAILED),
    };
    let failed = rules_test::check(&alerts, expects);
    if json {
        let doc = serde_json::json!({
            "alerts": alerts,
            "failed": failed,
            "passed": failed.is_empty(),
        });
        println!("{doc:#}");
    } else {
        rules_test::print(&alerts);
        match alerts.len() {
            1 => println!("1 alert"),
            n => println!("{n} alerts"),
        }
        for f in &failed {
            eprintln!("palisade: expectation failed: {f}");
        }
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn validate(ctx: &Ctx, paths: &[PathBuf]) -> ExitCode {
    let json = ctx.json;
    let files = match palisade_controlplane::rule_files(paths) {
        Ok(files) => files,
        Err(e) => return ctx.fail(&format!("error: {e}"), cli::FAILED),
    };
    let set = match palisade_rules::load_files(&files) {
        Ok(set) => set,
        Err(diagnostics) => {
            // The errors for people go to stderr in either output mode.
            eprint!("{diagnostics}");
            if !diagnostics.to_string().ends_with('\n') {
                eprintln!();
            }
            let why = format!("{} error(s); nothing was loaded", diagnostics.len());
            eprintln!("palisade: {why}");
            if json {
                let mut doc =
                    failure::object(&why, cli::FAILED, failure::diagnostics(&diagnostics));
                doc["valid"] = false.into();
                println!("{doc:#}");
            }
            return ExitCode::FAILURE;
        }
    };
    if set.enabled().count() == 0 {
        let why = format!(
            "{} rules in {} files, none enabled: a dataplane refuses such a set",
            set.len(),
            files.len()
        );
        eprintln!("palisade: {why}");
        if json {
            let mut doc = failure::object(&why, cli::FAILED, failure::lines(&why));
            doc["valid"] = false.into();
            println!("{doc:#}");
        }
        return ExitCode::from(cli::FAILED);
    }
    match rules_test::compile(&files) {
        Ok(()) => {}
        Err(rules_test::CompileError::Refused(e)) => {
            let why = "the patterns do not compile; nothing was loaded";
            eprintln!("{e}");
            eprintln!("palisade: {why}");
            if json {
                let mut doc = failure::object(why, cli::FAILED, failure::lines(&e));
                doc["valid"] = false.into();
                println!("{doc:#}");
            }
            return ExitCode::FAILURE;
        }
        Err(rules_test::CompileError::NoDataplane(e)) => {
            let why = format!(
                "error: {e}\nthe patterns need palisade-dataplane to be checked \
                 (beside this binary, on PATH, or in PALISADE_DATAPLANE)"
            );
            return ctx.fail(&why, cli::FAILED);
        }
    }
    let enabled = set.enabled().count();
    if json {
        let doc = serde_json::json!({
            "valid": true,
            "files": files.len(),
            "rules": set.len(),
            "enabled": enabled,
        });
        println!("{doc:#}");
    } else {
        println!(
            "{} rules in {} files are valid ({enabled} enabled)",
            set.len(),
            files.len()
        );
    }
    ExitCode::SUCCESS
}
