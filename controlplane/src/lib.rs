//! Palisade's control plane: `palisade serve` (SQLite state, the Unix control
//! socket, Prometheus `/metrics`) and the `palisade` CLI for operators.
//!
//! It never touches packets or DPDK; it speaks to dataplanes only through the
//! messages and frames defined in `palisade-proto`. [`serve`] is the daemon,
//! [`cli`] the commands that talk to it, [`rules_test`] the offline rule
//! checks.
#![forbid(unsafe_code)]

pub mod cli;
pub mod diff;
pub mod rules_test;
pub mod serve;

use std::path::{Path, PathBuf};

/// The rule files a command line names: files as given, directories as
/// their `*.yaml` and `*.yml` files (sorted, not recursive).
pub fn rule_files(paths: &[impl AsRef<Path>]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        let path = path.as_ref();
        if !path.is_dir() {
            out.push(path.to_path_buf());
            continue;
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        found.retain(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"));
        found.sort();
        if found.is_empty() {
            return Err(std::io::Error::other(format!(
                "{}: no .yaml rule files in this directory",
                path.display()
            )));
        }
        out.extend(found);
    }
    Ok(out)
}
