//! A failed command under `--output json`: one JSON object on stdout, the
//! stream its answer would have taken, so a program reads one stream
//! whatever happens; the message for people still goes to stderr and the
//! exit status is unchanged.
//!
//! The object is `{"error": MESSAGE, "exit_code": N, "errors": [...]}`:
//! one entry per line of the message, each with `file`, `line`, `column`,
//! `rule_id` and `message`, null where the line does not say (rule errors
//! read `file:line:column: rule <id>: message`).

use palisade_rules::Diagnostics;
use serde_json::{json, Value};

/// Prints the object for `message` when `json` is set.
pub fn print(json: bool, message: &str, code: u8) {
    if json {
        println!("{:#}", object(message, code, lines(message)));
    }
}

/// The object, with `errors` given.
pub fn object(message: &str, code: u8, errors: Vec<Value>) -> Value {
    let message = message.strip_prefix("error: ").unwrap_or(message);
    json!({"error": message, "exit_code": code, "errors": errors})
}

/// The entries of rule diagnostics, from their own fields.
pub fn diagnostics(found: &Diagnostics) -> Vec<Value> {
    let known = |n: u32| (n > 0).then_some(n);
    found
        .iter()
        .map(|d| {
            entry(
                Some(&d.file),
                known(d.line),
                known(d.column),
                d.rule_id,
                &d.message,
            )
        })
        .collect()
}

/// One entry per non-empty line of `message`; when some lines have a
/// place (rule errors under a heading), only those.
pub fn lines(message: &str) -> Vec<Value> {
    let all: Vec<Value> = message
        .lines()
        .map(|l| l.trim().trim_start_matches("palisade: "))
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(line)
        .collect();
    let placed = |e: &Value| !e["file"].is_null();
    match all.iter().any(placed) {
        true => all.into_iter().filter(placed).collect(),
        false => all,
    }
}

/// Reads `file:line:column: [rule <id>: ]message`; any other line is a
/// message alone.
fn line(text: &str) -> Value {
    let Some((file, line, column, rest)) = place(text) else {
        return entry(None, None, None, None, text);
    };
    let rule = rest
        .strip_prefix("rule ")
        .and_then(|r| r.split_once(": "))
        .and_then(|(id, m)| Some((id.parse::<u64>().ok()?, m)));
    match rule {
        Some((id, message)) => entry(Some(file), Some(line), Some(column), Some(id), message),
        None => entry(Some(file), Some(line), Some(column), None, rest),
    }
}

/// The first `:LINE:COLUMN: ` in `text`, with what comes before and after.
fn place(text: &str) -> Option<(&str, u32, u32, &str)> {
    let mut from = 0;
    while let Some(at) = text.get(from..)?.find(':') {
        let colon = from + at;
        let mut parts = text.get(colon + 1..)?.splitn(3, ':');
        let (line, column) = (parts.next()?, parts.next()?);
        if let (Ok(l), Ok(c), Some(rest)) = (line.parse(), column.parse(), parts.next()) {
            if colon > 0 {
                return Some((&text[..colon], l, c, rest.trim_start()));
            }
        }
        from = colon + 1;
    }
    None
}

fn entry(
    file: Option<&str>,
    line: Option<u32>,
    column: Option<u32>,
    rule_id: Option<u64>,
    message: &str,
) -> Value {
    json!({"file": file, "line": line, "column": column, "rule_id": rule_id, "message": message})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_errors_are_split_into_their_fields() {
        let e = lines(
            "palisade: lab-dp refused version 3:\n\
             r/a:b.yaml:7:33: rule 9: pattern `x`: Bounded repeat is too large.",
        );
        assert_eq!(e.len(), 1, "the heading is left out");
        assert_eq!(e[0]["file"], "r/a:b.yaml");
        assert_eq!(
            (e[0]["line"].as_u64(), e[0]["column"].as_u64()),
            (Some(7), Some(33))
        );
        assert_eq!(e[0]["rule_id"], 9);
        assert_eq!(e[0]["message"], "pattern `x`: Bounded repeat is too large.");
    }

    #[test]
    fn a_place_without_a_rule_and_plain_text() {
        let e = lines("t.yaml:2:1: invalid YAML: x");
        assert_eq!(e[0]["line"], 2);
        assert!(e[0]["rule_id"].is_null());
        assert_eq!(e[0]["message"], "invalid YAML: x");
        let e = lines("error: cannot connect: No such file\n\nretry later");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0]["message"], "cannot connect: No such file");
        assert!(e[0]["column"].is_null() && e[0]["file"].is_null());
    }
}
