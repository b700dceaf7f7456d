//! Typed reading of the YAML tree, reporting every mismatch to a [`Sink`].
//!
//! Each reader returns `None` after recording why a node is not what the
//! language expects there (wrong type, unknown or duplicate key, missing
//! field), so the rule parser can go on and find further errors. Unknown
//! names get a "did you mean" suggestion from [`suggest`].

use std::collections::HashMap;

use crate::diag::{Mark, Sink};
use crate::yaml::{Node, Value};

/// A mapping whose keys have been checked against the keys allowed there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Map<'n> {
    pub mark: Mark,
    entries: &'n [(Node, Node)],
}

impl<'n> Map<'n> {
    /// Reads `node` as a mapping of `what` (e.g. "a rule"), reporting
    /// duplicate keys and keys not in `known`.
    pub fn read(sink: &mut Sink, node: &'n Node, what: &str, known: &[&str]) -> Option<Self> {
        let map = Map::new(sink, node, what)?;
        map.check_keys(sink, what, known);
        Some(map)
    }

    /// Reads `node` as a mapping without checking its keys yet.
    pub fn new(sink: &mut Sink, node: &'n Node, what: &str) -> Option<Self> {
        let Value::Map(entries) = &node.value else {
            wrong_type(sink, node, what, "a mapping");
            return None;
        };
        Some(Map {
            mark: node.mark,
            entries,
        })
    }

    /// Reports duplicate keys and keys not in `known`.
    pub fn check_keys(&self, sink: &mut Sink, what: &str, known: &[&str]) {
        let mut first_seen: HashMap<&str, Mark> = HashMap::with_capacity(self.entries.len());
        for (key, _) in self.entries {
            let name = text(key);
            if let Some(first) = first_seen.get(name) {
                let message = format!(
                    "duplicate key `{}` (first at line {}, column {})",
                    excerpt(name),
                    first.line,
                    first.column
                );
                sink.error(key.mark, message);
                continue;
            }
            first_seen.insert(name, key.mark);
            if !known.contains(&name) {
                sink.error(
                    key.mark,
                    unknown("key", name, &format!(" in {what}"), known),
                );
            }
        }
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entry(key).map(|(_, value)| value)
    }

    /// The key node of `key`, if present.
    pub fn key(&self, key: &str) -> Option<&'n Node> {
        self.entry(key).map(|(key, _)| key)
    }

    fn entry(&self, key: &str) -> Option<&'n (Node, Node)> {
        self.entries.iter().find(|(k, _)| text(k) == key)
    }

    /// The value of `key`, or an error at the mapping when it is missing.
    pub fn require(&self, sink: &mut Sink, key: &str, what: &str) -> Option<&'n Node> {
        let value = self.get(key);
        if value.is_none() {
            sink.error(self.mark, format!("missing required key `{key}` in {what}"));
        }
        value
    }

    /// The keys in file order.
    pub fn keys(&self) -> impl Iterator<Item = &'n Node> + 'n {
        self.entries.iter().map(|(key, _)| key)
    }
}

/// The text of a scalar node, or "" for other nodes.
pub(crate) fn text(node: &Node) -> &str {
    match &node.value {
        Value::Scalar { text, .. } => text,
        _ => "",
    }
}

/// What a plain scalar means in YAML's core schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plain {
    Null,
    Bool(bool),
    Integer,
    Float,
    Text,
}

fn classify(text: &str) -> Plain {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Plain::Integer;
    }
    if unsigned.parse::<f64>().is_ok()
        && unsigned.starts_with(|c: char| c == '.' || c.is_ascii_digit())
    {
        return Plain::Float;
    }
    Plain::Text
}

/// How a node's type is named in messages.
pub(crate) fn describe(node: &Node) -> String {
    match &node.value {
        Value::List(_) => "a list".to_string(),
        Value::Map(_) => "a mapping".to_string(),
        Value::Scalar { plain: false, .. } => "a string".to_string(),
        Value::Scalar { text, plain: true } => match classify(text) {
            Plain::Null => "nothing".to_string(),
            Plain::Bool(b) => format!("the boolean `{b}`"),
            Plain::Integer => format!("the integer `{}`", excerpt(text)),
            Plain::Float => format!("the number `{}`", excerpt(text)),
            Plain::Text => format!("the string `{}`", excerpt(text)),
        },
    }
}

/// Reports that `what` must be `expected` but is something else.
pub(crate) fn wrong_type(sink: &mut Sink, node: &Node, what: &str, expected: &str) {
    sink.error(
        node.mark,
        format!("{what} must be {expected}, found {}", describe(node)),
    );
}

/// Reads a string; numbers are taken as written, null and booleans are refused.
pub(crate) fn string<'n>(sink: &mut Sink, node: &'n Node, what: &str) -> Option<&'n str> {
    match &node.value {
        Value::Scalar { text, plain: false } => Some(text),
        Value::Scalar { text, plain: true }
            if !matches!(classify(text), Plain::Null | Plain::Bool(_)) =>
        {
            Some(text)
        }
        _ => {
            wrong_type(sink, node, what, "a string");
            None
        }
    }
}

/// Reads a string that must not be empty.
pub(crate) fn non_empty<'n>(sink: &mut Sink, node: &'n Node, what: &str) -> Option<&'n str> {
    let text = string(sink, node, what)?;
    if text.is_empty() {
        sink.error(node.mark, format!("{what} must not be empty"));
        return None;
    }
    Some(text)
}

/// Reads a plain decimal integer.
pub(crate) fn integer(sink: &mut Sink, node: &Node, what: &str) -> Option<i64> {
    let digits = plain_integer(node);
    let Some(digits) = digits else {
        wrong_type(sink, node, what, "an integer");
        return None;
    };
    let value = digits.parse::<i64>().ok();
    if value.is_none() {
        let digits = excerpt(digits);
        sink.error(node.mark, format!("{what} `{digits}` is out of range"));
    }
    value
}

/// Reads a plain decimal integer from `min` up to `max`.
pub(crate) fn bounded(sink: &mut Sink, node: &Node, what: &str, min: u64, max: u64) -> Option<u64> {
    let range = if max == u64::MAX {
        format!("at least {min}")
    } else {
        format!("from {min} to {max}")
    };
    let Some(digits) = plain_integer(node) else {
        wrong_type(sink, node, what, &format!("an integer {range}"));
        return None;
    };
    let value = digits
        .parse::<u64>()
        .ok()
        .filter(|v| (min..=max).contains(v));
    if value.is_none() {
        // A number past the top is reported as too large, not as too small.
        let above = !digits.starts_with('-') && digits.parse::<u64>().map_or(true, |v| v > max);
        let digits = excerpt(digits);
        let message = if above && max == u64::MAX {
            format!("{what} `{digits}` is too large (at most {max})")
        } else {
            format!("{what} must be {range}, found `{digits}`")
        };
        sink.error(node.mark, message);
    }
    value
}

fn plain_integer(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar { text, plain: true } if classify(text) == Plain::Integer => Some(text),
        _ => None,
    }
}

/// Reads a boolean.
pub(crate) fn boolean(sink: &mut Sink, node: &Node, what: &str) -> Option<bool> {
    match &node.value {
        Value::Scalar { text, plain: true } => match classify(text) {
            Plain::Bool(b) => Some(b),
            _ => {
                wrong_type(sink, node, what, "`true` or `false`");
                None
            }
        },
        _ => {
            wrong_type(sink, node, what, "`true` or `false`");
            None
        }
    }
}

/// Reads a list.
pub(crate) fn list<'n>(sink: &mut Sink, node: &'n Node, what: &str) -> Option<&'n [Node]> {
    match &node.value {
        Value::List(items) => Some(items),
        _ => {
            wrong_type(sink, node, what, "a list");
            None
        }
    }
}

/// Reads one of the names in `names`; an unknown name is reported as an
/// unknown `noun` with the closest valid one.
pub(crate) fn one_of<'n>(
    sink: &mut Sink,
    node: &'n Node,
    what: &str,
    noun: &str,
    names: &[&str],
) -> Option<&'n str> {
    let name = string(sink, node, what)?;
    if names.contains(&name) {
        return Some(name);
    }
    sink.error(node.mark, unknown(noun, name, "", names));
    None
}

/// "unknown key `sevrity` in a rule (did you mean `severity`?)", or the list
/// of valid names when none is close.
/// A name longer than [`SHOWN`] characters is cut: a file that is not a
/// rule file at all is not echoed line by line.
pub(crate) fn unknown(noun: &str, name: &str, place: &str, valid: &[&str]) -> String {
    let shown = excerpt(name);
    match suggest(name, valid) {
        Some(close) => format!("unknown {noun} `{shown}`{place} (did you mean `{close}`?)"),
        None => format!(
            "unknown {noun} `{shown}`{place}; expected one of: {}",
            valid.join(", ")
        ),
    }
}

/// The characters of a name or value an error shows.
const SHOWN: usize = 24;

/// What an error quotes of a scalar: its first line, at most [`SHOWN`]
/// characters, `...` when cut. The error's place stays the scalar's start.
pub fn excerpt(text: &str) -> String {
    let line_end = text.find(char::is_control).unwrap_or(text.len());
    let line = &text[..line_end];
    match line.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None if line_end < text.len() => format!("{line}..."),
        None => line.to_owned(),
    }
}

/// The valid name closest to `name` by edit distance, if it is close enough
/// to be a likely typo.
pub(crate) fn suggest<'a>(name: &str, valid: &[&'a str]) -> Option<&'a str> {
    let len = name.chars().count();
    let limit = (len / 3).max(2);
    let name = name.to_ascii_lowercase();
    valid
        .iter()
        .map(|v| (edit_distance(&name, &v.to_ascii_lowercase()), *v))
        .filter(|(d, _)| *d <= limit && *d < len)
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// Levenshtein distance, counted in characters. `row` has `b.len() + 1`
/// cells and every index below stays within them.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let valid = ["severity", "name", "all", "header", "regex"];
        assert_eq!(suggest("severty", &valid), Some("severity"));
        assert_eq!(suggest("hedaer", &valid), Some("header"));
        assert_eq!(suggest("al", &valid), Some("all"));
        assert_eq!(suggest("Regex", &valid), Some("regex"));
        assert_eq!(suggest("xy", &valid), None);
        assert_eq!(suggest("completely", &valid), None);
    }

    #[test]
    fn long_unknown_names_are_cut() {
        let line = "root:$6$salt$0123456789abcdefghijklmnop:19000:0:99999:7:::";
        let message = unknown("key", line, "", &["rules"]);
        assert!(
            message.contains("`root:$6$salt$0123456789a...`"),
            "{message}"
        );
        assert!(!message.contains("19000"), "{message}");
        let short = unknown("key", "sevrity", " in a rule", &["severity"]);
        assert_eq!(
            short,
            "unknown key `sevrity` in a rule (did you mean `severity`?)"
        );
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt("short"), "short");
        assert_eq!(excerpt("first\nsecond"), "first...");
        assert_eq!(excerpt("tab\there"), "tab...");
        assert_eq!(excerpt(&"é".repeat(30)), format!("{}...", "é".repeat(24)));
        assert_eq!(excerpt(&"x".repeat(24)), "x".repeat(24));
    }

    #[test]
    fn classifies_plain_scalars() {
        assert_eq!(classify(""), Plain::Null);
        assert_eq!(classify("False"), Plain::Bool(false));
        assert_eq!(classify("-12"), Plain::Integer);
        assert_eq!(classify("1.5e3"), Plain::Float);
        assert_eq!(classify("inf"), Plain::Text);
        assert_eq!(classify("GET"), Plain::Text);
    }
}
