//! From rule file text to [`Rule`]s, collecting every error on the way.
//!
//! [`file`] reads the top level of a rule file (`version`, `rules`) and hands
//! each rule to [`rule`]; conditions are read by [`condition`] and operator
//! values by [`operator`]. Nothing here stops at the first error: a broken
//! rule is skipped after its errors are recorded and the next one is read, so
//! one run reports everything wrong with a file. The caller refuses the file
//! when any error was recorded.

mod condition;
mod operator;
mod policy;
mod repeats;
mod rule;

use crate::diag::{Diagnostics, Location, Mark, Sink};
use crate::model::Rule;
use crate::reader::{self, Map};
use crate::yaml;

/// The format version this parser reads.
const VERSION: u64 = 1;

const TOP_KEYS: &[&str] = &["version", "rules"];

/// What one file yielded.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The rules that parsed without error.
    pub rules: Vec<Rule>,
    /// The id and start of every rule whose id could be read, broken rules
    /// included, for the duplicate check.
    pub ids: Vec<(u64, Location)>,
    pub diagnostics: Diagnostics,
}

/// Parses one rule file named `file`.
pub(crate) fn file(file: &str, text: &str) -> Parsed {
    // A byte-order mark is not part of the YAML.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sink = Sink::new(file);
    let mut parsed = Parsed {
        rules: Vec::new(),
        ids: Vec::new(),
        diagnostics: Diagnostics::default(),
    };
    // The YAML reader stops at a NUL byte as if the file ended there.
    if let Some(index) = text.find('\0') {
        let mark = Mark::of_byte(text.as_bytes(), index);
        sink.error(mark, "a NUL byte: a rule file is text");
        parsed.diagnostics = sink.finish();
        return parsed;
    }
    match yaml::parse(text) {
        Ok(Some(document)) => top_level(&mut sink, &document, &mut parsed),
        Ok(None) => {}
        Err(syntax) => sink.error(syntax.mark, syntax.message),
    }
    parsed.diagnostics = sink.finish();
    parsed
}

/// Reads the top-level mapping and every rule in its `rules` list.
fn top_level(sink: &mut Sink, document: &yaml::Node, parsed: &mut Parsed) {
    let Some(top) = Map::read(sink, document, "the top level of a rule file", TOP_KEYS) else {
        return;
    };
    if let Some(version) = top.get("version") {
        check_version(sink, version);
    }
    let Some(list) = top.require(sink, "rules", "a rule file") else {
        return;
    };
    let Some(items) = reader::list(sink, list, "`rules`") else {
        return;
    };
    for item in items {
        let outcome = rule::rule(sink, item);
        if let Some(id) = outcome.id {
            parsed.ids.push((id, sink.location(item.mark)));
        }
        parsed.rules.extend(outcome.rule);
    }
    sink.set_rule(None);
}

fn check_version(sink: &mut Sink, node: &yaml::Node) {
    let Some(version) = reader::bounded(sink, node, "`version`", 1, u64::MAX) else {
        return;
    };
    if version != VERSION {
        let message = format!("unsupported format version {version}; this parser reads {VERSION}");
        sink.error(node.mark, message);
    }
}
