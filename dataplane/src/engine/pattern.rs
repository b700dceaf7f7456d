//! Text operators as Vectorscan expressions.
//!
//! `regex` keeps its source and flags. The literal operators become escaped
//! patterns: every byte but ASCII letters and digits is written `\xHH`, so
//! no literal can change the meaning of the expression around it; `equals`,
//! `prefix` and `suffix` are anchored with `\A` and `\z` (not `^` and `$`,
//! which also match before a final newline), and `in` is one anchored
//! alternation. `nocase` becomes Vectorscan's caseless flag (ASCII folding).

use hyperscan::PatternFlags as HsFlags;
use palisade_rules::{InList, Literal, Operator, Pattern};

/// One pattern ready for a database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Expression {
    pub(crate) text: String,
    pub(crate) flags: HsFlags,
}

/// The expression of a text operator; `None` for numeric and network
/// operators, which are evaluated on the values directly.
pub(crate) fn expression(operator: &Operator) -> Option<Expression> {
    let (text, caseless) = match operator {
        Operator::Regex(pattern) => return Some(regex(pattern)),
        Operator::Contains(lit) => (escape(&lit.text), lit.nocase),
        Operator::Equals(lit) => (anchored(lit, true, true), lit.nocase),
        Operator::Prefix(lit) => (anchored(lit, true, false), lit.nocase),
        Operator::Suffix(lit) => (anchored(lit, false, true), lit.nocase),
        Operator::In(list) => (one_of(list), list.nocase),
        Operator::Compare { .. } | Operator::Cidr(_) => return None,
    };
    let mut flags = base_flags();
    flags.set(HsFlags::CASELESS, caseless);
    Some(Expression { text, flags })
}

/// Flags every expression carries: one report per scan is enough, and a
/// pattern that matches the empty value is allowed (it matches every value).
fn base_flags() -> HsFlags {
    HsFlags::SINGLEMATCH | HsFlags::ALLOWEMPTY
}

fn regex(pattern: &Pattern) -> Expression {
    let mut flags = base_flags();
    flags.set(HsFlags::CASELESS, pattern.flags.caseless);
    flags.set(HsFlags::DOTALL, pattern.flags.dotall);
    flags.set(HsFlags::MULTILINE, pattern.flags.multiline);
    Expression {
        text: pattern.source.clone(),
        flags,
    }
}

fn anchored(lit: &Literal, start: bool, end: bool) -> String {
    let mut text = String::with_capacity(lit.text.len() * 4 + 4);
    if start {
        text.push_str(r"\A");
    }
    text.push_str(&escape(&lit.text));
    if end {
        text.push_str(r"\z");
    }
    text
}

fn one_of(list: &InList) -> String {
    let members: Vec<String> = list.values.iter().map(|v| escape(v)).collect();
    format!(r"\A(?:{})\z", members.join("|"))
}

/// `text` as a pattern matching exactly its bytes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 4);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!(r"\x{b:02x}"));
        }
    }
    out
}
