//! The `palisade` command line for operators.
//!
//! `palisade rules validate FILE...` loads rule files together exactly as the
//! dataplane will (ids unique across them) and prints every error as
//! `path:line:column: rule <id>: message`; the exit status says whether the
//! set may go live.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Rules {
            command: RulesCommand::Validate { files },
        } => validate(&files),
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
