//! Reshaping a sweep pattern: cutting a costly lead off it, and splitting
//! it into branches.
//!
//! A sweep only has to report every value a pattern could match (see
//! [`super::sweep`]). Dropping the start of a pattern keeps that promise:
//! wherever the whole pattern matches, its tail matches too, and ends at
//! the same byte, so the report names the same value. It pays when the
//! start is an open repeat that Vectorscan would have to follow over the
//! whole text, and the tail starts with a literal it can search for:
//! `(?:^|\W)ey[\w+/-]*(?:ImFsZyI6I...|JhbGciOiJ...)` is found through its
//! long literals once `(?:^|\W)ey[\w+/-]*` is gone, where the whole
//! pattern kept an automaton running over every base64 byte before them.
//!
//! [`cut_lead`] works on each top-level alternative: it looks for the first
//! item that is a literal of at least [`STRONG_LITERAL`] bytes, or a group
//! whose every alternative starts with one, and cuts what comes before it
//! when that holds an open repeat that can run over ordinary text (`.*`,
//! `[\w+/-]*`) and no punctuation that must be there: a lead like
//! `['"][\s/]*on` before `(?:load|error)` rules out far more than it
//! costs, and is kept. A pattern it cannot read with
//! certainty (an escape or class it does not know) is left whole.
//!
//! [`branches`] splits a pattern into alternatives that together match
//! exactly what it matches, so that the sweep can gate those that need a
//! rare byte apart from the rest (see [`super::sweep`]).

use super::gate::ByteSet;

/// Bytes of literal text that make a good start for a sweep pattern.
const STRONG_LITERAL: usize = 3;
/// Most branches [`branches`] splits a pattern into.
const MAX_BRANCHES: usize = 32;

/// `text` with the costly lead of each top-level alternative cut (see the
/// module doc); `text` itself when nothing is cut.
pub(crate) fn cut_lead(text: &str) -> String {
    let Some(alternatives) = split(text, '|') else {
        return text.to_string();
    };
    let cut: Option<Vec<String>> = alternatives.iter().map(|a| cut_one(a)).collect();
    cut.map_or_else(|| text.to_string(), |parts| parts.join("|"))
}

/// The branches of `text`: its top-level alternatives, with a leading
/// group's alternatives spread over the rest (`(?:a|b)c` is `(?:a)c` or
/// `(?:b)c`), so that every match of `text` is a match of one branch and
/// every match of a branch one of `text`. `None` when `text` cannot be
/// read, holds inline flags or look-around (`(?i)`, `(?=`), whose scope
/// a split would change, or splits into a single branch or too many.
pub(crate) fn branches(text: &str) -> Option<Vec<String>> {
    let after = |at: usize| text.get(at + 2..).unwrap_or_default();
    let flagged = text
        .match_indices("(?")
        .any(|(at, _)| !after(at).starts_with(':'));
    if flagged {
        return None;
    }
    let mut out = Vec::new();
    for alternative in split(text, '|')? {
        spread(alternative, &mut out)?;
    }
    (out.len() > 1 && out.len() <= MAX_BRANCHES).then_some(out)
}

/// `text` without the optional items (`x*`, `x?`, `x{0,n}`, at any group
/// depth) whose bytes `droppable` accepts, and the union of the bytes
/// those items match; `None` when the pattern cannot be read or nothing
/// is dropped.
///
/// On a text that holds none of the returned bytes, such an item can only
/// ever match empty, so the result matches exactly where `text` does:
/// `j[\t\n]*s` becomes `js`, valid wherever no tab or newline is.
pub(crate) fn drop_optional(
    text: &str,
    droppable: &dyn Fn(&str) -> Option<ByteSet>,
) -> Option<(String, ByteSet)> {
    let mut dropped = ByteSet::default();
    let out = without_optional(text, droppable, &mut dropped)?;
    (out != text).then_some((out, dropped))
}

fn without_optional(
    text: &str,
    droppable: &dyn Fn(&str) -> Option<ByteSet>,
    dropped: &mut ByteSet,
) -> Option<String> {
    let mut alternatives = Vec::new();
    for alternative in split(text, '|')? {
        let mut out = String::with_capacity(alternative.len());
        for item in items(alternative)? {
            let atom = item.text.get(..item.atom_len)?;
            match item.kind {
                Atom::Group(inside) => match inside.strip_prefix("?:") {
                    Some(inner) => {
                        let inner = without_optional(inner, droppable, dropped)?;
                        let quantifier = item.text.get(item.atom_len..)?;
                        out.push_str(&format!("(?:{inner}){quantifier}"));
                    }
                    // Capturing, flagged or look-around groups are kept whole.
                    None => out.push_str(item.text),
                },
                Atom::Other | Atom::Literal if item.optional => match droppable(atom) {
                    Some(bytes) => *dropped = dropped.union(bytes),
                    None => out.push_str(item.text),
                },
                _ => out.push_str(item.text),
            }
        }
        alternatives.push(out);
    }
    Some(alternatives.join("|"))
}

/// Appends the branches of `alternative` (no top-level `|`) to `out`.
fn spread(alternative: &str, out: &mut Vec<String>) -> Option<()> {
    if out.len() > MAX_BRANCHES {
        return None;
    }
    let first = items(alternative)?.into_iter().next();
    let inner = match first {
        Some(Item {
            kind: Atom::Group(inside),
            text,
            ..
        }) if text.len() == inside.len() + 2 => inside.strip_prefix("?:"),
        _ => None,
    };
    let Some((inner, group)) = inner.zip(first) else {
        out.push(alternative.to_string());
        return Some(());
    };
    let rest = alternative.get(group.text.len()..)?;
    let parts = split(inner, '|')?;
    if parts.len() < 2 {
        out.push(alternative.to_string());
        return Some(());
    }
    for part in parts {
        spread(&format!("(?:{part}){rest}"), out)?;
    }
    Some(())
}

/// One alternative with its lead cut; `None` when it cannot be read.
fn cut_one(alternative: &str) -> Option<String> {
    let items = items(alternative)?;
    let Some(strong) = first_strong(&items) else {
        return Some(alternative.to_string());
    };
    let lead = items.get(..strong)?;
    if !lead.iter().any(Item::runs_wide) || lead.iter().any(Item::is_rare) {
        return Some(alternative.to_string());
    }
    Some(items.get(strong..)?.iter().map(|item| item.text).collect())
}

impl Item<'_> {
    /// A repeat that can run over ordinary text (`.*`, `[\w+/-]+`,
    /// `[^"]*`): what makes a lead costly. Whitespace runs are short.
    fn runs_wide(&self) -> bool {
        let atom = self.text.trim_end_matches(['*', '+', '?']);
        let atom = atom.split('{').next().unwrap_or_default();
        let wide_class = atom.starts_with("[^")
            || (atom.starts_with('[') && atom.chars().any(|c| c.is_ascii_alphanumeric()));
        self.repeats && (matches!(atom, "." | r"\w" | r"\W" | r"\S" | r"\D") || wide_class)
    }

    /// A byte, or a class of bytes, that is neither a letter nor a digit
    /// and must be there: context rare enough that cutting it would make
    /// the sweep report on ordinary words (`'on` before `error`, `${`
    /// before `lower`).
    fn is_rare(&self) -> bool {
        let atom = self.text;
        let punctuation = |c: char| c.is_ascii_punctuation() || c.is_ascii_whitespace();
        let rare = match self.kind {
            Atom::Literal => atom.starts_with("\\x") || atom.chars().all(punctuation),
            Atom::Other if atom.starts_with("[^") => false,
            Atom::Other if atom.starts_with('[') => {
                let inside = atom
                    .trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or_default();
                !inside.is_empty() && inside.chars().all(punctuation)
            }
            _ => false,
        };
        rare && !self.optional
    }
}

/// One atom of a pattern and its quantifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Item<'t> {
    /// The atom and its quantifier, as written.
    text: &'t str,
    kind: Atom<'t>,
    /// Quantified with `*`, `+` or an open or counted repeat.
    repeats: bool,
    /// Quantified so that it may be absent (`?`, `*`, `{0,..}`).
    optional: bool,
    /// Bytes of `text` before the quantifier.
    atom_len: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Atom<'t> {
    /// One literal byte: a plain character or an escaped one.
    Literal,
    /// A group; its inside.
    Group(&'t str),
    /// A class, `.`, an anchor or a class escape.
    Other,
}

/// The index of the first item the alternative can be searched by.
fn first_strong(items: &[Item<'_>]) -> Option<usize> {
    let mut run = 0;
    for (at, item) in items.iter().enumerate() {
        let mandatory = !item.optional;
        match item.kind {
            Atom::Group(inside) if mandatory && group_is_strong(inside) => return Some(at),
            Atom::Literal if mandatory && !item.repeats => {
                run += 1;
                if run >= STRONG_LITERAL {
                    return at.checked_sub(STRONG_LITERAL - 1);
                }
            }
            _ => run = 0,
        }
    }
    None
}

/// Whether every alternative of a group starts with a strong literal.
fn group_is_strong(inside: &str) -> bool {
    let inside = inside.strip_prefix("?:").unwrap_or(inside);
    let Some(alternatives) = split(inside, '|') else {
        return false;
    };
    alternatives.iter().all(|alternative| {
        let Some(items) = items(alternative) else {
            return false;
        };
        let leading = items.iter().take(STRONG_LITERAL);
        let literal = |i: &Item<'_>| i.kind == Atom::Literal && !i.repeats && !i.optional;
        items.len() >= STRONG_LITERAL && leading.clone().all(literal)
    })
}

/// `text` split at `separator` outside groups, classes and escapes;
/// `None` when its groups or classes do not close.
fn split(text: &str, separator: char) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let mut from = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let at = text.len() - rest.len();
        if rest.starts_with(separator) {
            parts.push(text.get(from..at)?);
            from = at + separator.len_utf8();
            rest = rest.get(separator.len_utf8()..)?;
            continue;
        }
        let (atom, _) = atom(rest)?;
        rest = rest.get(atom.len()..)?;
        rest = rest.get(quantifier(rest).len()..)?;
    }
    parts.push(text.get(from..)?);
    Some(parts)
}

/// The items of one alternative (no top-level `|` in `text`).
fn items(text: &str) -> Option<Vec<Item<'_>>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (atom_text, kind) = atom(rest)?;
        let quantifier = quantifier(rest.get(atom_text.len()..)?);
        let len = atom_text.len() + quantifier.len();
        let first = quantifier.chars().next();
        out.push(Item {
            text: rest.get(..len)?,
            kind,
            repeats: matches!(first, Some('*' | '+' | '{')),
            optional: matches!(first, Some('?' | '*')) || quantifier.starts_with("{0"),
            atom_len: atom_text.len(),
        });
        rest = rest.get(len..)?;
    }
    Some(out)
}

/// The atom `text` starts with; `None` for what this module does not read.
fn atom(text: &str) -> Option<(&str, Atom<'_>)> {
    let first = text.chars().next()?;
    match first {
        '\\' => escape(text),
        '[' => Some((text.get(..class_len(text)?)?, Atom::Other)),
        '(' => {
            let len = group_len(text)?;
            Some((text.get(..len)?, Atom::Group(text.get(1..len - 1)?)))
        }
        ')' | ']' | '{' | '}' | '*' | '+' | '?' | '|' => None,
        '.' | '^' | '$' => Some((text.get(..1)?, Atom::Other)),
        c if c.is_ascii() => Some((text.get(..1)?, Atom::Literal)),
        _ => None,
    }
}

/// An escape at the start of `text`: an escaped punctuation byte or a
/// `\xHH` byte is a literal; `\w`, `\b` and the like are not.
fn escape(text: &str) -> Option<(&str, Atom<'_>)> {
    let mut chars = text.chars().skip(1);
    let next = chars.next()?;
    if next == 'x' {
        let hex: String = chars.take(2).collect();
        let valid = hex.len() == 2 && hex.chars().all(|c| c.is_ascii_hexdigit());
        return valid.then(|| Some((text.get(..4)?, Atom::Literal)))?;
    }
    let kind = match next {
        c if c.is_ascii_punctuation() => Atom::Literal,
        'n' | 'r' | 't' | 'f' | 'v' | 'e' | 'a' => Atom::Literal,
        'w' | 'W' | 's' | 'S' | 'd' | 'D' | 'b' | 'B' => Atom::Other,
        _ => return None,
    };
    Some((text.get(..2)?, kind))
}

/// The length of the class `text` starts with, its brackets included.
fn class_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 1;
    if bytes.get(at) == Some(&b'^') {
        at += 1;
    }
    if bytes.get(at) == Some(&b']') {
        at += 1;
    }
    while let Some(&b) = bytes.get(at) {
        match b {
            b'\\' => at += 2,
            b'[' => return None,
            b']' => return Some(at + 1),
            _ => at += 1,
        }
    }
    None
}

/// The length of the group `text` starts with, its parentheses included.
fn group_len(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let len = match c {
            '(' => {
                depth += 1;
                1
            }
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(text.len() - rest.len() + 1);
                }
                1
            }
            '[' => class_len(rest)?,
            '\\' => escape(rest).map_or(2, |(e, _)| e.len()),
            _ => c.len_utf8(),
        };
        rest = rest.get(len..)?;
    }
    None
}

/// The quantifier `text` starts with (empty when none), a lazy or
/// possessive mark included.
fn quantifier(text: &str) -> &str {
    let len = match text.chars().next() {
        Some('*' | '+' | '?') => 1,
        Some('{') => counted_len(text).unwrap_or(0),
        _ => 0,
    };
    let mark = len > 0 && matches!(text.as_bytes().get(len), Some(b'?' | b'+'));
    text.get(..len + usize::from(mark)).unwrap_or_default()
}

/// The length of a counted repeat `{m}`, `{m,}` or `{m,n}` at the start of
/// `text`.
fn counted_len(text: &str) -> Option<usize> {
    let close = text.find('}')?;
    let inside = text.get(1..close)?;
    let (min, max) = inside.split_once(',').unwrap_or((inside, "0"));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    (!min.is_empty() && digits(min) && digits(max)).then_some(close + 1)
}

#[cfg(test)]
mod tests {
    use super::{branches, cut_lead, drop_optional};
    use crate::engine::gate::{atom_bytes, ByteSet, Reading};

    #[test]
    fn optional_items_of_droppable_bytes_are_dropped_at_any_depth() {
        let narrow = ByteSet::of(b"\t\n\r;");
        let droppable =
            |atom: &str| atom_bytes(atom, Reading::default()).filter(|set| set.is_subset(&narrow));
        let drop =
            |text: &str| drop_optional(text, &droppable).map(|(text, set)| (text, set.bytes()));
        let tabs = r"(?:j[\t\n\r]*a|v[\t\n]?b)[\t\n\r]*s\s*:";
        assert_eq!(
            drop(tabs),
            Some((r"(?:ja|vb)s\s*:".to_string(), b"\t\n\r".to_vec()))
        );
        // Mandatory items, wide classes and other groups stay.
        assert_eq!(drop(r"a[\t]b;+c\s*d(x;*)"), None);
        assert_eq!(
            drop(r"a;*b|c(?:d;{0,3})+"),
            Some((r"ab|c(?:d)+".to_string(), b";".to_vec()))
        );
        assert_eq!(drop(r"a(?:b"), None, "unreadable");
    }

    #[test]
    fn alternatives_and_leading_groups_are_spread_into_branches() {
        let cases: [(&str, &[&str]); 4] = [
            (r"a|b\s", &["a", r"b\s"]),
            (
                r"(?:[;&]|\$\(|\btime\s)\s*id\b|x",
                &[
                    r"(?:[;&])\s*id\b",
                    r"(?:\$\()\s*id\b",
                    r"(?:\btime\s)\s*id\b",
                    "x",
                ],
            ),
            // Only the outer group is spread.
            (r"(?:(?:a|b)c|d)e", &["(?:(?:a|b)c)e", "(?:d)e"]),
            (r"(?:a|b)+c|d", &["(?:a|b)+c", "d"]),
        ];
        for (pattern, expected) in cases {
            let expected: Vec<String> = expected.iter().map(|e| e.to_string()).collect();
            assert_eq!(branches(pattern), Some(expected), "{pattern}");
        }
    }

    #[test]
    fn what_a_split_could_change_is_not_split() {
        for pattern in [r"(?i)a|b", r"a(?=b)|c", "abc", "(?:a|b)?c", "a|(b"] {
            assert_eq!(branches(pattern), None, "{pattern}");
        }
    }

    #[test]
    fn an_open_repeat_before_a_long_literal_is_cut() {
        let cases = [
            (r"(?:^|\W)ey[\w+/-]*(?:abcd|efgh)x", r"(?:abcd|efgh)x"),
            (r"ey[\w+/-]+=*\.ey[\w+/-]*\.", r"\.ey[\w+/-]*\."),
            (r"\w+\x41bc|\s*def", r"\x41bc|\s*def"),
            (r"q.*(?:abc)?xyz", r"xyz"),
            (r"[^;]*abc", r"abc"),
        ];
        for (pattern, cut) in cases {
            assert_eq!(cut_lead(pattern), cut, "{pattern}");
        }
    }

    #[test]
    fn patterns_without_a_costly_lead_or_a_strong_literal_stay_whole() {
        let whole = [
            r"\bload_file\s*\(",
            r"(?:[;&|\n`]|\$\()\s*(?:wget|nc)\s+",
            r"[\w.]+'\s*(?:--|#)",
            r"(?:^|\W)\s*<script",
            r#"['"`][\s/]*on(?:load|error)"#,
            r"\$\{[^}]*\$\{\s*(?:lower|upper)",
            r"a+bcd",
            r"x*(?:ab|cdef)",
            r"a*[[:alpha:]]bcd",
            r"a*\p{L}bcd",
            r"a*(?:bcd",
        ];
        for pattern in whole {
            assert_eq!(cut_lead(pattern), pattern);
        }
    }
}
