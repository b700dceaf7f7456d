//! Operator values: patterns, literals, lists, numbers and networks.
//!
//! A pattern is checked with the `regex` crate under the flags it will run
//! with; its source text is kept unchanged for the dataplane's Vectorscan
//! compiler. Literals may not be empty, since an empty literal matches every
//! value and is always a mistake in a signature.

use regex::RegexBuilder;

use super::repeats;
use crate::cidr::Cidr;
use crate::condition::{Comparison, InList, Literal, Operator, Pattern, PatternFlags};
use crate::diag::Sink;
use crate::reader::{self, Map};
use crate::yaml::{Node, Value};

/// Every operator key, in the order the language reference lists them.
pub(super) const OPERATORS: &[&str] = &[
    "regex", "contains", "equals", "prefix", "suffix", "in", "eq", "ne", "lt", "le", "gt", "ge",
    "cidr",
];

/// Operators that compare text and so accept `nocase`.
const TEXT_OPERATORS: &[&str] = &["regex", "contains", "equals", "prefix", "suffix", "in"];

/// The flags a test may set next to its operator.
#[derive(Debug, Clone, Copy)]
pub(super) struct Flags {
    pub nocase: bool,
    pub dotall: bool,
    pub multiline: bool,
}

/// Reports each flag key that the operator `name` does not take.
pub(super) fn check_flags(sink: &mut Sink, map: &Map<'_>, name: &str) -> Option<()> {
    let before = sink.count();
    if !TEXT_OPERATORS.contains(&name) {
        if let Some(key) = map.key("nocase") {
            sink.error(key.mark, format!("`nocase` does not apply to `{name}`"));
        }
    }
    if name != "regex" {
        for flag in ["dotall", "multiline"] {
            if let Some(key) = map.key(flag) {
                sink.error(
                    key.mark,
                    format!("`{flag}` applies only to `regex`, not `{name}`"),
                );
            }
        }
    }
    (sink.count() == before).then_some(())
}

/// Reads the value of the operator `name`.
pub(super) fn operator(sink: &mut Sink, name: &str, node: &Node, flags: Flags) -> Option<Operator> {
    let what = format!("the value of `{name}`");
    match name {
        "regex" => pattern(sink, node, flags).map(Operator::Regex),
        "contains" => literal(sink, node, &what, flags).map(Operator::Contains),
        "equals" => literal(sink, node, &what, flags).map(Operator::Equals),
        "prefix" => literal(sink, node, &what, flags).map(Operator::Prefix),
        "suffix" => literal(sink, node, &what, flags).map(Operator::Suffix),
        "in" => in_list(sink, node, flags).map(Operator::In),
        "cidr" => networks(sink, node).map(Operator::Cidr),
        _ => {
            let op = Comparison::from_name(name)?;
            let value = reader::integer(sink, node, &what)?;
            Some(Operator::Compare { op, value })
        }
    }
}

fn literal(sink: &mut Sink, node: &Node, what: &str, flags: Flags) -> Option<Literal> {
    let text = reader::non_empty(sink, node, what)?;
    Some(Literal {
        text: text.to_string(),
        nocase: flags.nocase,
    })
}

/// Reads the non-empty list of an `in`; its strings may be empty.
fn in_list(sink: &mut Sink, node: &Node, flags: Flags) -> Option<InList> {
    let items = reader::list(sink, node, "the value of `in`")?;
    if items.is_empty() {
        sink.error(node.mark, "`in` must list at least one value");
        return None;
    }
    let values: Vec<Option<String>> = items
        .iter()
        .map(|item| reader::string(sink, item, "a value of `in`").map(str::to_string))
        .collect();
    Some(InList {
        values: values.into_iter().collect::<Option<_>>()?,
        nocase: flags.nocase,
    })
}

/// Reads one network or a non-empty list of networks.
fn networks(sink: &mut Sink, node: &Node) -> Option<Vec<Cidr>> {
    let items = match &node.value {
        Value::List(items) if items.is_empty() => {
            sink.error(node.mark, "`cidr` must list at least one network");
            return None;
        }
        Value::List(items) => items.as_slice(),
        _ => std::slice::from_ref(node),
    };
    let networks: Vec<Option<Cidr>> = items.iter().map(|item| network(sink, item)).collect();
    networks.into_iter().collect()
}

fn network(sink: &mut Sink, node: &Node) -> Option<Cidr> {
    let text = reader::string(sink, node, "a network of `cidr`")?;
    Cidr::parse(text)
        .map_err(|why| sink.error(node.mark, why))
        .ok()
}

/// Reads a pattern and checks that it compiles under its flags.
fn pattern(sink: &mut Sink, node: &Node, flags: Flags) -> Option<Pattern> {
    let source = reader::non_empty(sink, node, "the value of `regex`")?;
    let flags = PatternFlags {
        caseless: flags.nocase,
        dotall: flags.dotall,
        multiline: flags.multiline,
    };
    if let Err(why) = check_pattern(source, flags) {
        sink.error(node.mark, why);
        return None;
    }
    Some(Pattern {
        source: source.to_string(),
        flags,
    })
}

/// Why `source` does not compile, or is too large to compile quickly, in
/// one line.
fn check_pattern(source: &str, flags: PatternFlags) -> Result<(), String> {
    if let Some(at) = source.find('\0') {
        return Err(format!(
            "regex holds a NUL character (at character {}), which Vectorscan cannot take; \
             write it as `\\x00`",
            source[..at].chars().count() + 1
        ));
    }
    if let Some(at) = possessive(source) {
        return Err(format!(
            "regex uses a possessive quantifier (a `+` after a repeat, at character {at} of \
             the pattern), which is not supported: the engine would read it as another repeat"
        ));
    }
    let parsed = regex_syntax::ParserBuilder::new()
        .case_insensitive(flags.caseless)
        .dot_matches_new_line(flags.dotall)
        .multi_line(flags.multiline)
        .build()
        .parse(source);
    let hir = parsed.map_err(|error| does_not_compile(syntax_error(source, &error)))?;

    let size = repeats::expanded_size(&hir);
    if size > repeats::MAX_EXPANDED {
        return Err(format!(
            "regex is too large: with its repeats written out it comes to {size} characters \
             and classes, more than the limit of {} (`x{{n}}` counts n)",
            repeats::MAX_EXPANDED
        ));
    }

    RegexBuilder::new(source)
        .case_insensitive(flags.caseless)
        .dot_matches_new_line(flags.dotall)
        .multi_line(flags.multiline)
        .build()
        .map(drop)
        .map_err(|e| {
            does_not_compile(
                e.to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
}

/// The 1-based character of the first possessive quantifier of `source`
/// (`a++`, `a*+`, `a?+`, `a{2}+`), PCRE syntax that the `regex` crate reads
/// as a repeat of a repeat; `None` when there is none.
fn possessive(source: &str) -> Option<usize> {
    let chars: Vec<char> = source.chars().collect();
    let (mut in_class, mut after_repeat) = (false, false);
    let mut at = 0;
    while let Some(&c) = chars.get(at) {
        let repeat = match (c, in_class) {
            ('\\', _) => {
                at += 2;
                after_repeat = false;
                continue;
            }
            ('+', false) if after_repeat => return Some(at + 1),
            ('[', false) => {
                in_class = true;
                // A first `]` (after an optional `^`) belongs to the class.
                at += usize::from(chars.get(at + 1) == Some(&'^'));
                at += usize::from(chars.get(at + 1) == Some(&']'));
                false
            }
            (']', true) => {
                in_class = false;
                false
            }
            ('*' | '+', false) => true,
            ('?', false) => at.checked_sub(1).and_then(|b| chars.get(b)) != Some(&'('),
            ('}', false) => closes_count(chars.get(..at).unwrap_or_default()),
            _ => false,
        };
        after_repeat = repeat;
        at += 1;
    }
    None
}

/// Whether `before` ends with the `{m` or `{m,n` of a counted repeat.
fn closes_count(before: &[char]) -> bool {
    let inside = before.iter().rev().take_while(|c| **c != '{');
    let inside: Vec<char> = inside.copied().collect();
    let opened = before.len() > inside.len();
    let digits = inside.iter().all(|c| c.is_ascii_digit() || *c == ',');
    opened && digits && inside.iter().any(char::is_ascii_digit)
}

fn does_not_compile(why: String) -> String {
    format!("regex does not compile: {why}")
}

/// "unclosed group at character 1 of the pattern".
fn syntax_error(source: &str, error: &regex_syntax::Error) -> String {
    let (kind, offset) = match error {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span().start.offset),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span().start.offset),
        other => {
            return other
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    let character = source.get(..offset).map_or(0, |s| s.chars().count()) + 1;
    format!("{kind} at character {character} of the pattern")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_errors_name_the_character() {
        let flags = PatternFlags::default();
        assert_eq!(
            check_pattern("ab(c", flags).unwrap_err(),
            "regex does not compile: unclosed group at character 3 of the pattern"
        );
        assert!(check_pattern("é[z-a]", flags)
            .unwrap_err()
            .contains("character 3"));
        assert!(check_pattern("(?i)union\\s+select", flags).is_ok());
    }

    #[test]
    fn possessive_quantifiers_are_found_and_lookalikes_are_not() {
        // PCRE's possessive forms (pcrepattern(3), "Atomic grouping and
        // possessive quantifiers").
        for (pattern, at) in [("a++", 3), ("x[a-z;]*+d", 9), ("ab?+", 4), ("a{2,5}+", 7)] {
            assert_eq!(possessive(pattern), Some(at), "{pattern}");
        }
        for pattern in [
            "a+?", "\\++", "[+]+", "(?:a)+", "a}+", "[]+]x", "a+b+", "\\d{2}",
        ] {
            assert_eq!(possessive(pattern), None, "{pattern}");
        }
        let why = check_pattern("crcronly(?:[a-z;]++)d", PatternFlags::default()).unwrap_err();
        assert!(why.contains("possessive quantifier"), "{why}");
        assert!(why.contains("at character 19"), "{why}");
    }

    #[test]
    fn oversized_patterns_are_refused_in_one_line() {
        let huge = "\\w{1000}";
        let why = check_pattern(huge, PatternFlags::default()).unwrap_err();
        assert!(!why.contains('\n'), "{why}");
    }

    #[test]
    fn huge_bounded_repeats_are_refused_with_the_limit() {
        let why = check_pattern("(?:a|b){2000}x{3000}", PatternFlags::default()).unwrap_err();
        assert!(why.starts_with("regex is too large:"), "{why}");
        assert!(
            why.contains("5000") && why.contains("limit of 1000"),
            "{why}"
        );
        // At the limit, and the common bounded shapes, are taken.
        for fine in [
            "[ab]{10}x{990}",
            "\\d{1,5}",
            "[a-f0-9]{32}",
            ".{0,200}",
            "(?i)x{1000}",
        ] {
            assert_eq!(
                check_pattern(fine, PatternFlags::default()),
                Ok(()),
                "{fine}"
            );
        }
        let over = check_pattern("[ab]{10}x{991}", PatternFlags::default());
        assert!(over.unwrap_err().contains("1001"));
    }
}
