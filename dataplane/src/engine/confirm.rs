//! Confirmation of prefiltered patterns.
//!
//! A pattern Vectorscan cannot run exactly is compiled in prefilter mode,
//! which may report values the pattern does not match; each such report is
//! checked here against the transformed value. The `regex` crate checks
//! what it can express, `fancy-regex` the rest (back-references,
//! look-around), with a bound on backtracking so that no value can make a
//! check run long. Both run on bytes with ASCII classes, as Vectorscan does.

use fancy_regex::{BytesMode, RegexBuilder as FancyBuilder};
use palisade_rules::PatternFlags;
use regex::bytes::{Regex, RegexBuilder};

/// Backtracking steps a `fancy-regex` check may take before it gives up.
const BACKTRACK_LIMIT: usize = 100_000;

/// Compiled size a confirming regex may reach.
const SIZE_LIMIT: usize = 4 << 20;

/// The exact matcher of a prefiltered pattern.
#[derive(Debug)]
pub(crate) enum Confirm {
    Regex(Regex),
    Fancy(fancy_regex::Regex),
}

/// The result of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Checked {
    /// The pattern matches; the match ends here.
    Match(usize),
    NoMatch,
    /// The check gave up (backtracking limit); counted, taken as no match.
    GaveUp,
}

impl Confirm {
    /// Builds the confirming regex of `source` under `flags`.
    pub(crate) fn new(source: &str, flags: PatternFlags) -> Result<Confirm, String> {
        let plain = RegexBuilder::new(source)
            .unicode(false)
            .case_insensitive(flags.caseless)
            .dot_matches_new_line(flags.dotall)
            .multi_line(flags.multiline)
            .size_limit(SIZE_LIMIT)
            .build();
        if let Ok(regex) = plain {
            return Ok(Confirm::Regex(regex));
        }
        FancyBuilder::new(source)
            .bytes_mode(BytesMode::Ascii)
            .case_insensitive(flags.caseless)
            .dot_matches_new_line(flags.dotall)
            .multi_line(flags.multiline)
            .backtrack_limit(BACKTRACK_LIMIT)
            .delegate_size_limit(SIZE_LIMIT)
            .build()
            .map(Confirm::Fancy)
            .map_err(|e| one_line(&e.to_string()))
    }

    /// Whether the pattern matches `value`, and where the first match ends.
    pub(crate) fn check(&self, value: &[u8]) -> Checked {
        match self {
            Confirm::Regex(regex) => regex
                .find(value)
                .map_or(Checked::NoMatch, |m| Checked::Match(m.end())),
            Confirm::Fancy(regex) => match regex.find(value) {
                Ok(Some(m)) => Checked::Match(m.end()),
                Ok(None) => Checked::NoMatch,
                Err(_) => Checked::GaveUp,
            },
        }
    }
}

pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
