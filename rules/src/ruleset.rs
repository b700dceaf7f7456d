//! The ruleset: every rule of a load, checked as a whole.
//!
//! [`Ruleset`] is the immutable snapshot the control plane hands to the
//! dataplane's compiler; it guarantees that rule ids are unique. This module
//! also reads rule files from disk ([`load_files`]), the only I/O in the crate.

use std::collections::HashMap;
use std::path::Path;

use crate::diag::{Diagnostic, Diagnostics, Location, Mark};
use crate::model::Rule;
use crate::parse;

/// Largest rule file [`load_files`] reads.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// An immutable set of rules with unique ids, in load order.
///
/// Plain data: clone it or share it behind an `Arc`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ruleset {
    rules: Vec<Rule>,
    /// (id, index into `rules`), sorted by id.
    by_id: Vec<(u64, usize)>,
}

impl Ruleset {
    /// Builds a ruleset, refusing it when two rules share an id.
    pub fn new(rules: Vec<Rule>) -> Result<Ruleset, Diagnostics> {
        let ids: Vec<(u64, Location)> = rules.iter().map(|r| (r.id, r.origin.clone())).collect();
        let duplicates = duplicate_ids(&ids);
        if !duplicates.is_empty() {
            return Err(duplicates);
        }
        let mut by_id: Vec<(u64, usize)> =
            rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        by_id.sort_unstable();
        Ok(Ruleset { rules, by_id })
    }

    /// The rules in load order: file by file, then as written.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with id `id`.
    pub fn get(&self, id: u64) -> Option<&Rule> {
        let at = self.by_id.binary_search_by_key(&id, |(id, _)| *id).ok()?;
        self.by_id
            .get(at)
            .and_then(|(_, index)| self.rules.get(*index))
    }

    /// The rules that are evaluated: enabled ones, in either mode.
    pub fn enabled(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(|r| r.enabled)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Rule> {
        self.rules.iter()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

impl<'a> IntoIterator for &'a Ruleset {
    type Item = &'a Rule;
    type IntoIter = std::slice::Iter<'a, Rule>;

    fn into_iter(self) -> Self::IntoIter {
        self.rules.iter()
    }
}

/// One error per rule whose id was already used, at the later rule, naming
/// where the id was first defined.
pub(crate) fn duplicate_ids(ids: &[(u64, Location)]) -> Diagnostics {
    let mut first_seen: HashMap<u64, &Location> = HashMap::with_capacity(ids.len());
    let mut found = Diagnostics::default();
    for (id, location) in ids {
        match first_seen.get(id) {
            None => {
                first_seen.insert(*id, location);
            }
            Some(first) => found.push(Diagnostic {
                file: location.file.to_string(),
                line: location.line,
                column: location.column,
                rule_id: Some(*id),
                message: format!("duplicate rule id {id} (first defined at {first})"),
            }),
        }
    }
    found
}

/// Reads and parses rule files into one ruleset.
///
/// Every file is read and parsed even after an error, and rule ids must be
/// unique across all of them. Any error refuses the whole load; the
/// diagnostics come file by file, each file's in line and column order.
pub fn load_files(paths: &[impl AsRef<Path>]) -> Result<Ruleset, Diagnostics> {
    let mut rules = Vec::new();
    let mut ids = Vec::new();
    let mut per_file: Vec<Vec<Diagnostic>> = Vec::with_capacity(paths.len());
    // A file named twice (directly and through its directory, say) loads once.
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let key = std::fs::canonicalize(path.as_ref()).unwrap_or_else(|_| path.as_ref().into());
        if !seen.insert(key) {
            per_file.push(Vec::new());
            continue;
        }
        let name = path.as_ref().display().to_string();
        let mut found = Vec::new();
        match read(path.as_ref()) {
            Ok(text) => {
                let parsed = parse::file(&name, &text);
                rules.extend(parsed.rules);
                ids.extend(parsed.ids);
                found.extend(parsed.diagnostics.into_vec());
            }
            Err((message, line, column)) => found.push(Diagnostic {
                line,
                column,
                ..whole_file(&name, message)
            }),
        }
        per_file.push(found);
    }

    let names: Vec<String> = paths
        .iter()
        .map(|p| p.as_ref().display().to_string())
        .collect();
    for duplicate in duplicate_ids(&ids).into_vec() {
        let at = names.iter().position(|n| *n == duplicate.file).unwrap_or(0);
        if let Some(list) = per_file.get_mut(at) {
            list.push(duplicate);
        }
    }
    finish(rules, per_file)
}

/// Parses rule files given as (name, text) pairs into one ruleset, exactly
/// as [`load_files`] does with files read from disk: every source is
/// parsed, ids are unique across all of them, and any error refuses the
/// whole set. A control plane pushes rules this way.
pub fn parse_sources(sources: &[(String, String)]) -> Result<Ruleset, Diagnostics> {
    let mut rules = Vec::new();
    let mut ids = Vec::new();
    let mut per_file: Vec<Vec<Diagnostic>> = Vec::with_capacity(sources.len());
    for (name, text) in sources {
        let mut found = Vec::new();
        if text.len() as u64 > MAX_FILE_BYTES {
            let message = format!(
                "file is {} bytes, more than the {MAX_FILE_BYTES} allowed",
                text.len()
            );
            found.push(whole_file(name, message));
        } else {
            let parsed = parse::file(name, text);
            rules.extend(parsed.rules);
            ids.extend(parsed.ids);
            found.extend(parsed.diagnostics.into_vec());
        }
        per_file.push(found);
    }
    for duplicate in duplicate_ids(&ids).into_vec() {
        let at = sources
            .iter()
            .position(|(n, _)| *n == duplicate.file)
            .unwrap_or(0);
        if let Some(list) = per_file.get_mut(at) {
            list.push(duplicate);
        }
    }
    finish(rules, per_file)
}

/// Sorts each file's errors by position and refuses the load if there is any.
fn finish(rules: Vec<Rule>, per_file: Vec<Vec<Diagnostic>>) -> Result<Ruleset, Diagnostics> {
    let mut all = Vec::new();
    for mut list in per_file {
        list.sort_by_key(|d| (d.line, d.column));
        all.extend(list);
    }
    if !all.is_empty() {
        return Err(Diagnostics::from(all));
    }
    Ruleset::new(rules)
}

/// Reads a rule file as UTF-8 text no larger than [`MAX_FILE_BYTES`]; an
/// error comes with its line and column (0 for the whole file).
fn read(path: &Path) -> Result<String, (String, u32, u32)> {
    let whole = |message: String| (message, 0, 0);
    let size = std::fs::metadata(path)
        .map_err(|e| whole(format!("cannot read: {e}")))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(whole(format!(
            "file is {size} bytes, more than the {MAX_FILE_BYTES} allowed"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| whole(format!("cannot read: {e}")))?;
    utf8_text(bytes)
}

/// `bytes` as text; else the error, with the line and column (1-based, in
/// characters) of the first byte that is not UTF-8.
pub fn utf8_text(bytes: Vec<u8>) -> Result<String, (String, u32, u32)> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let mark = Mark::of_byte(e.as_bytes(), at);
        let message = format!("not valid UTF-8 (bad byte at offset {at})");
        (message, mark.line, mark.column)
    })
}

fn whole_file(file: &str, message: String) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line: 0,
        column: 0,
        rule_id: None,
        message,
    }
}
