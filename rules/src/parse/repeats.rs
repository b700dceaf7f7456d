//! How large a pattern becomes once its bounded repeats are written out.
//!
//! Vectorscan unrolls a bounded repeat (`x{3000}`) into that many states, and
//! its compile time grows faster than linearly with them: a pattern such as
//! `(?:a|b){2000}x{3000}` takes seconds to compile. The parser refuses a
//! pattern whose repeats write out more than [`MAX_EXPANDED`], so that no
//! rule file can stall a ruleset load. The size is read from the syntax tree
//! `regex-syntax` builds under the pattern's flags.
//!
//! An optional copy counts as much as a required one: nested optional
//! repeats (`(?:(?:[a-z]{0,10}){0,10}){0,10}`) write out every copy too.

use regex_syntax::hir::{Hir, HirKind, Repetition};

/// The most characters and classes a pattern's repeats may write out. The
/// slowest shape found at this size (a class repeat followed by a long
/// repeat of one character, `[ab]{10}x{990}`) compiles in about half a
/// second; the shipped rules stay under two thirds of it.
pub(super) const MAX_EXPANDED: u64 = 1000;

/// How many characters and classes the pattern's repeats write out:
/// `{m,n}` counts n copies of everything it repeats (repeats inside it
/// written out too), `{m,}` counts m copies; parts in sequence and
/// alternatives add up (Vectorscan builds states for every alternative).
/// What stands outside such a repeat, and `*`, `+` and `?`, add nothing.
/// Saturates instead of overflowing.
pub(super) fn expanded_size(hir: &Hir) -> u64 {
    size(hir, false)
}

/// The size of `hir` with its repeats written out. Inside a repeat that
/// is written out (`inside`), each literal byte, class and assertion
/// counts one; outside, nothing but such repeats counts.
fn size(hir: &Hir, inside: bool) -> u64 {
    let parts = |parts: &[Hir]| {
        parts
            .iter()
            .fold(0u64, |total, part| total.saturating_add(size(part, inside)))
    };
    match hir.kind() {
        HirKind::Repetition(repetition) if writes_out(repetition) => {
            copies(repetition, size(&repetition.sub, true))
        }
        HirKind::Repetition(repetition) => size(&repetition.sub, inside),
        HirKind::Capture(capture) => size(&capture.sub, inside),
        HirKind::Concat(list) | HirKind::Alternation(list) => parts(list),
        HirKind::Literal(literal) if inside => literal.0.len() as u64,
        HirKind::Class(_) | HirKind::Look(_) if inside => 1,
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => 0,
    }
}

/// False for `?`, `*`, `+` and `{1}`, which Vectorscan does not unroll.
fn writes_out(repetition: &Repetition) -> bool {
    match repetition.max {
        Some(max) => max > 1,
        None => repetition.min > 1,
    }
}

/// `size` times the copies a repeat may write out: its maximum, or its
/// minimum when it has none.
fn copies(repetition: &Repetition, size: u64) -> u64 {
    let copies = repetition.max.unwrap_or(repetition.min);
    size.saturating_mul(u64::from(copies))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(pattern: &str) -> u64 {
        expanded_size(&regex_syntax::parse(pattern).unwrap())
    }

    #[test]
    fn repeats_multiply_and_sequences_add() {
        // `a|b` is one class once parsed; `x{3000}` is 3000 copies of `x`.
        assert_eq!(size("(?:a|b){2000}x{3000}"), 5000);
        assert_eq!(size("(?:ab|cd){10}"), 40);
        assert_eq!(size("a{300}|b{200}c{200}"), 700);
        assert_eq!(size("(?:a{10}b){10}"), 110);
        assert_eq!(size("x{5,}"), 5);
        assert_eq!(size("(?:[ab]{3}c)+d"), 3);
    }

    /// Ten alternatives each at the limit compile ten times as long as
    /// one (measured: about 5 s of CPU against 0.5 s), so they add up.
    #[test]
    fn alternatives_add_up() {
        let one = "[ab]{10}xx{985}";
        assert_eq!(size(one), 995);
        let ten: Vec<String> = (b'a'..=b'j')
            .map(|c| one.replace('x', &char::from(c).to_string()))
            .collect();
        assert_eq!(size(&format!("(?:{})", ten.join("|"))), 9950);
    }

    #[test]
    fn optional_copies_count_in_full() {
        assert_eq!(size("\\d{1,5}"), 5);
        assert_eq!(size(".{0,200}"), 200);
        assert_eq!(size("[ab]{10}x{0,9900}y"), 9910);
        assert_eq!(size("x{0,5}"), 5);
        assert_eq!(size("(?:ab){2,4}"), 8);
        // Vectorscan writes out every copy of nested optional repeats:
        // this one took 3.6 s to compile when optional copies counted less.
        assert_eq!(size("a(?:(?:(?:[a-z]{0,10}){0,10}){0,10}){0,10}b"), 10_000);
    }

    #[test]
    fn text_outside_repeats_counts_nothing() {
        assert_eq!(size("abc"), 0);
        assert_eq!(size("^a+b*c?$"), 0);
        assert_eq!(size(&"word|".repeat(500)), 0);
    }

    #[test]
    fn nested_repeats_saturate() {
        // 1000^7 passes u64::MAX.
        let deep = format!("{}a{}", "(?:".repeat(7), "){1000}".repeat(7));
        assert_eq!(size(&deep), u64::MAX);
    }

    #[test]
    fn shipped_rules_stay_under_two_thirds_of_the_limit() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("default");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        let ruleset = crate::load_files(&files).unwrap();
        let mut largest = (0, String::new());
        for rule in ruleset.iter() {
            let crate::RuleBody::Signature(signature) = &rule.body else {
                continue;
            };
            signature.condition.for_each_test(&mut |test| {
                let crate::Operator::Regex(pattern) = &test.operator else {
                    return;
                };
                let hir = regex_syntax::ParserBuilder::new()
                    .case_insensitive(pattern.flags.caseless)
                    .dot_matches_new_line(pattern.flags.dotall)
                    .multi_line(pattern.flags.multiline)
                    .build()
                    .parse(&pattern.source)
                    .unwrap();
                largest = largest
                    .clone()
                    .max((expanded_size(&hir), pattern.source.clone()));
            });
        }
        assert!(largest.0 * 3 <= MAX_EXPANDED * 2, "{largest:?}");
        eprintln!("largest shipped repeats: {largest:?}");
    }
}
