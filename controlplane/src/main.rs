//! The `palisade` command line for operators.
//!
//! `palisade rules validate FILE...` loads rule files together exactly as the
//! dataplane will (ids unique across them), has the dataplane compile their
//! patterns, and prints every error as `path:line:column: rule <id>:
//! message`; the exit status says whether the set may go live. `palisade rules test FILE... --pcap CAPTURE...` runs
//! captures through the dataplane with those rules, prints which rules fired
//! on which transactions and checks `--expect` against them.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use palisade_controlplane::rules_test::{self, Expect};

#[derive(Debug, Parser)]
#[command(
    name = "palisade",
    version,
    about = "Manage Palisade rules and appliances"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Rule files: check them before they go live.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Check rule files (loaded together): exit 0 when all are valid, 1 with
    /// every error listed otherwise.
    Validate {
        /// Rule files (YAML); a directory stands for its *.yaml files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run captures through the dataplane with these rules and list the
    /// rules that fired per transaction; exit 1 when an `--expect` fails.
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Rules {
            command: RulesCommand::Validate { files },
        } => validate(&files),
        Command::Rules {
            command:
                RulesCommand::Test {
                    files,
                    pcap,
                    expect,
                },
        } => test(&files, &pcap, &expect),
    }
}

fn test(paths: &[PathBuf], pcaps: &[PathBuf], expects: &[Expect]) -> ExitCode {
    let files = match palisade_controlplane::rule_files(paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("palisade: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let scratch = std::env::temp_dir().join(format!("palisade-rules-test-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        eprintln!("palisade: error: {}: {e}", scratch.display());
        return ExitCode::FAILURE;
    }
    let result = rules_test::run(&files, pcaps, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let alerts = match result {
        Ok(alerts) => alerts,
        Err(e) => {
            eprintln!("palisade: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    rules_test::print(&alerts);
    println!("{} alerts", alerts.len());
    let failed = rules_test::check(&alerts, expects);
    for f in &failed {
        eprintln!("palisade: expectation failed: {f}");
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn validate(paths: &[PathBuf]) -> ExitCode {
    let files = match palisade_controlplane::rule_files(paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("palisade: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match palisade_rules::load_files(&files) {
        Ok(set) => {
            if let Err(e) = rules_test::compile(&files) {
                eprintln!("{e}");
                eprintln!("palisade: the patterns do not compile; nothing was loaded");
                return ExitCode::FAILURE;
            }
            let enabled = set.enabled().count();
            println!(
                "{} rules in {} files are valid ({enabled} enabled)",
                set.len(),
                files.len()
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            eprint!("{diagnostics}");
            if !diagnostics.to_string().ends_with('\n') {
                eprintln!();
            }
            eprintln!(
                "palisade: {} error(s); nothing was loaded",
                diagnostics.len()
            );
            ExitCode::FAILURE
        }
    }
}
