//! The inspection engine: a ruleset compiled to Vectorscan databases, and
//! HTTP transactions matched against it.
//!
//! Inputs: a [`palisade_rules::Ruleset`] from the control plane, and the
//! [`Transaction`](crate::http::Transaction)s (plus decoded body bytes as
//! they stream) from the HTTP parser. Output: one [`Hit`] per rule that
//! holds, for the verdict stage and the event ring.
//!
//! # Compile once, share, match per worker
//!
//! [`Snapshot::compile`] turns the enabled signature rules into immutable
//! databases; it is slow and runs on the management core. The snapshot is
//! shared through an `Arc`; each worker owns a [`Matcher`], which holds the
//! Vectorscan scratch space and is never shared. A new snapshot is handed to
//! [`Matcher::update`]; transactions already under way finish with the
//! snapshot their [`Inspection`] started with.
//!
//! Every test of every rule reads one field *source* (request headers, query
//! parameters, the response body, ...) through a chain of transforms. All
//! pattern-able tests (`regex`, `contains`, `equals`, `prefix`, `suffix`,
//! `in`) that share a source and a transform chain are compiled into one
//! database, so each value is transformed once per distinct chain and
//! scanned once per database. Literal operators become escaped patterns,
//! anchored with `\A`/`\z`. A pattern Vectorscan cannot run exactly
//! (back-references, look-around) runs in prefilter mode and each candidate
//! is confirmed on the transformed value by the `regex` crate, or by
//! `fancy-regex` for what `regex` cannot express.
//!
//! Patterns run on bytes, since wire values need not be UTF-8: `.`, `\w`,
//! `\d`, `\s` and `nocase` are ASCII-only, and a non-ASCII character in a
//! pattern stands for its UTF-8 bytes.
//!
//! # Phases
//!
//! A transaction is inspected in four [`Phase`]s, in order: request headers,
//! request body, response headers, response body. Each rule belongs to the
//! phase of the latest field it reads, so a rule on the path and a header
//! can block before the body arrives. [`Matcher::inspect`] runs every phase
//! not yet run up to the one asked for; [`Matcher::inspect_transaction`]
//! runs all four on a finished transaction (captures, tests, benchmarks).
//!
//! Most values match nothing, so a phase first runs its *sweeps*: the
//! values of all its sources are joined, once per distinct transform
//! result, and scanned by a few databases holding every pattern of the
//! phase with anchors dropped (see `sweep`). Only the values a sweep
//! reports are then scanned one by one by the exact databases above, so a
//! transaction costs a handful of Vectorscan calls, not one per value and
//! database. A body phase goes further: when the raw body holds nothing
//! that decoding or unescaping would change, the sweeps scan the body as
//! it is, and a body they report nothing on is never split into parameters
//! or flattened JSON at all (see `sweep` and `scan`).
//!
//! Rule logic runs only for rules with a pattern that hit, plus the few
//! rules that can hold without any pattern hit (a lone `not`, numeric or
//! network tests), which the snapshot lists per phase.
//!
//! # Bodies
//!
//! A [`BodyStream`] per body scans decoded bytes as the parser hands them
//! over, with Vectorscan's streaming mode, so a pattern split across pieces
//! still matches and the whole body is seen, not only the bounded copy the
//! transaction keeps. Body tests whose transforms need the whole value
//! (decoding, path and whitespace normalization) and prefiltered patterns
//! run on the bounded copy at the body's phase instead.

mod batch;
mod clean;
mod compile;
mod confirm;
mod database;
mod eval;
mod extract;
mod gate;
mod hit;
mod html;
mod inspection;
mod lead;
mod matcher;
mod named;
mod pattern;
mod scan;
mod snapshot;
mod source;
mod stream;
mod sweep;
mod transform;

#[cfg(test)]
mod tests;

pub use compile::{CompileError, CompileErrors, LoadError};
pub use hit::{Evidence, Hit, EXCERPT_LEN};
pub use inspection::Inspection;
pub use matcher::{Matcher, MatcherError, MatcherStats};
pub use snapshot::{Snapshot, SnapshotStats};
pub use source::Phase;
pub use stream::BodyStream;
pub use transform::apply as apply_transforms;

/// The version of the pattern library the dataplane runs on, as it
/// reports it (for instance `5.4.0 2024-01-01`), for the start-up log.
pub fn library_version() -> String {
    hyperscan::version_str().to_string_lossy().into_owned()
}
