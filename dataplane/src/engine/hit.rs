//! What the engine reports: one [`Hit`] per rule that holds for a
//! transaction, with the [`Evidence`] that made it hold.
//!
//! Hits go to the verdict stage (which acts on enforced ones) and to the
//! event ring. Excerpts are bounded so an event never carries a whole body.

use palisade_rules::{Action, Field, Severity};

/// Most bytes of a value an [`Evidence`] excerpt keeps.
pub const EXCERPT_LEN: usize = 128;

/// Bytes kept after the end of a match; the rest of the excerpt precedes it.
const AFTER_MATCH: usize = 32;

/// A rule that holds for a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The rule's id.
    pub rule_id: u64,
    /// What the rule asks for.
    pub action: Action,
    pub severity: Severity,
    /// True for a `mode: shadow` rule: report, do not act.
    pub shadow: bool,
    /// The first test that held outside any `not`; `None` when the rule
    /// holds through `not` alone.
    pub evidence: Option<Evidence>,
}

impl Hit {
    /// True when the verdict stage should carry out the action.
    pub fn is_enforced(&self) -> bool {
        !self.shadow
    }
}

/// The value that satisfied a test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// The field the test reads, as written in the rule.
    pub field: Field,
    /// The name of the value that matched: header field name (lower case),
    /// parameter or cookie name, or JSON pointer; `None` for unnamed fields
    /// such as the path or a body.
    pub name: Option<Vec<u8>>,
    /// Up to [`EXCERPT_LEN`] bytes of the transformed value around the end
    /// of the match.
    pub excerpt: Vec<u8>,
}

/// The excerpt of `value` around a match ending at `end`.
pub(crate) fn excerpt(value: &[u8], end: usize) -> Vec<u8> {
    let end = end.min(value.len());
    let stop = end.saturating_add(AFTER_MATCH).min(value.len());
    let start = stop.saturating_sub(EXCERPT_LEN);
    value.get(start..stop).unwrap_or_default().to_vec()
}

/// The excerpt of a value whose start is at offset `base` of a stream and
/// whose preceding bytes are `before`, for a match ending at stream offset
/// `end`.
pub(crate) fn stream_excerpt(before: &[u8], chunk: &[u8], base: u64, end: u64) -> Vec<u8> {
    let in_chunk = usize::try_from(end.saturating_sub(base)).unwrap_or(usize::MAX);
    let stop = in_chunk.saturating_add(AFTER_MATCH).min(chunk.len());
    let from_chunk = chunk.get(..stop).unwrap_or_default();
    let want_before = EXCERPT_LEN.saturating_sub(from_chunk.len());
    let from_before = before
        .get(before.len().saturating_sub(want_before)..)
        .unwrap_or_default();
    let mut out = Vec::with_capacity(from_before.len() + from_chunk.len());
    out.extend_from_slice(from_before);
    out.extend_from_slice(from_chunk);
    let cut = out.len().saturating_sub(EXCERPT_LEN);
    out.drain(..cut);
    out
}
