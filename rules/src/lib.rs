//! Palisade's rule model: the YAML rule language and its parser with exact
//! file:line:column errors. The compiler to Vectorscan databases, the Core
//! Rule Set import and the dataplane <-> control plane messages will live
//! here too.
//!
//! This crate holds no I/O beyond reading rule files and never touches DPDK.
//!
//! What is here today:
//!
//! - the rule language, described in [`language`];
//! - the parser: [`parse_str`] for one text, [`load_files`] for a set of
//!   files that load together, both refusing input with any error and
//!   reporting every error found as [`Diagnostics`];
//! - the model the parser produces: an immutable [`Ruleset`] of [`Rule`]s
//!   whose signatures are [`Condition`] trees over [`Field`]s, with
//!   [`Transform`]s and [`Operator`]s. The dataplane compiles it; the control
//!   plane stores and pushes it. Patterns keep their source text and flags
//!   ([`Pattern`]) for the Vectorscan compiler.
//!
//! [`value_position`] finds a key path's line and column in any YAML text,
//! for errors found after parsing (the dataplane's configuration),
//! [`duplicate_key`] finds a key written twice in any mapping of one, and
//! [`excerpt`] is what any error quotes of a long value.
//!
//! The control plane and the CLI show [`Diagnostics`] to operators as they
//! are: one `path:line:column: rule <id>: message` per line.
#![forbid(unsafe_code)]

mod checksum;
mod cidr;
mod condition;
mod diag;
mod field;
pub mod language;
mod locate;
mod model;
mod parse;
mod policy;
mod reader;
mod ruleset;
mod yaml;

pub use checksum::luhn_valid;
pub use cidr::Cidr;
pub use condition::{
    Comparison, Condition, InList, Literal, Operator, Pattern, PatternFlags, Test, Transform,
};
pub use diag::{Diagnostic, Diagnostics, Location};
pub use field::{Field, JsonPath, JsonSegment};
pub use locate::{duplicate_key, value_position, DuplicateKey};
pub use model::{
    Action, Block, BlockVerdict, Mode, Respond, Rule, RuleBody, RuleKind, Severity, Signature,
};
pub use policy::{BotRule, ClientClass, LimitKey, PathMatch, RateLimit, Scope};
pub use reader::excerpt;
pub use ruleset::{load_files, parse_sources, utf8_text, Ruleset, MAX_FILE_BYTES};

/// Parses one rule file's text; `source_name` names it in diagnostics and in
/// each rule's [`Location`].
///
/// Refuses the whole text when anything in it is wrong, including two rules
/// with the same id, and then reports every error found, in line order.
pub fn parse_str(source_name: &str, text: &str) -> Result<Vec<Rule>, Diagnostics> {
    let parsed = parse::file(source_name, text);
    let mut found = parsed.diagnostics;
    found.extend(ruleset::duplicate_ids(&parsed.ids));
    if found.is_empty() {
        return Ok(parsed.rules);
    }
    let mut list = found.into_vec();
    list.sort_by_key(|d| (d.line, d.column));
    Err(Diagnostics::from(list))
}
