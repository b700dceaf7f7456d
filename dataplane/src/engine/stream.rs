//! [`BodyStream`]: a body scanned piece by piece as the HTTP parser decodes
//! it, with Vectorscan's streaming mode.
//!
//! The parser's observer hands over decoded body bytes in pieces
//! (`body_data(tx, dir, decoded)`); each piece is fed here and runs through
//! every streaming database of that body, so a pattern split across pieces
//! matches, and bytes beyond the copy the transaction keeps are scanned
//! too. Each database keeps the last [`EXCERPT_LEN`] bytes it saw, for the
//! excerpt of a match that ends in a later piece.
//!
//! Use: [`super::Matcher::body_stream`] when the body starts,
//! [`BodyStream::feed`] per piece, [`BodyStream::finish`] when it ends (it
//! records the matches and inspects the body's phase, returning the hits).
//! A stream dropped unfinished releases its Vectorscan state without
//! reporting anything.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use hyperscan::{Matching, Scratch, Stream};

use super::hit::{stream_excerpt, Evidence, Hit, EXCERPT_LEN};
use super::inspection::Inspection;
use super::matcher::Matcher;
use super::snapshot::Snapshot;
use super::source::Source;
use super::transform::apply;
use crate::flow::Direction;
use crate::http::Transaction;

/// Largest piece handed to Vectorscan in one call (its lengths are 32-bit).
const MAX_PIECE: usize = 1 << 30;

/// The streaming scan of one body.
pub struct BodyStream {
    snapshot: Arc<Snapshot>,
    source: Source,
    open: Vec<Open>,
    /// Body bytes fed so far.
    offset: u64,
}

/// One streaming database's state.
struct Open {
    /// Index in the snapshot's streaming databases.
    group: usize,
    /// `None` once closed, or after a scan error (the body's phase then
    /// scans the kept copy instead).
    stream: Option<Stream>,
    /// Last transformed bytes seen, for excerpts.
    tail: Vec<u8>,
    /// (test, excerpt) of each pattern that matched, once.
    found: Vec<(u32, Vec<u8>)>,
}

impl fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyStream")
            .field("source", &self.source)
            .field("databases", &self.open.len())
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

impl BodyStream {
    pub(crate) fn open(snapshot: Arc<Snapshot>, dir: Direction) -> BodyStream {
        let source = match dir {
            Direction::ToResponder => Source::RequestBody,
            Direction::ToInitiator => Source::ResponseBody,
        };
        let groups = snapshot.streams.iter().enumerate();
        let open = groups
            .filter(|(_, g)| g.source == source)
            .filter_map(|(group, g)| {
                let stream = g.db.open_stream().ok()?;
                Some(Open {
                    group,
                    stream: Some(stream),
                    tail: Vec::new(),
                    found: Vec::new(),
                })
            })
            .collect();
        BodyStream {
            snapshot,
            source,
            open,
            offset: 0,
        }
    }

    /// Body bytes fed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Scans the next decoded piece of the body.
    pub fn feed(&mut self, matcher: &mut Matcher, data: &[u8]) {
        let (Some(scratch), stats) = matcher.parts() else {
            return;
        };
        stats.streamed_bytes += data.len() as u64;
        let mut failed = 0;
        for piece in data.chunks(MAX_PIECE) {
            for open in &mut self.open {
                if !open.feed(&self.snapshot, scratch, piece, self.offset) {
                    failed += 1;
                }
            }
            self.offset += piece.len() as u64;
        }
        stats.scan_errors += failed;
    }

    /// Ends the body: collects the matches that only the end reveals,
    /// records all of them in `insp`, then inspects the body's phase and
    /// returns its hits (see [`Matcher::inspect`]).
    pub fn finish(
        mut self,
        matcher: &mut Matcher,
        insp: &mut Inspection,
        tx: &Transaction,
        client: IpAddr,
    ) -> Vec<Hit> {
        let phase = self.source.phase();
        if let (Some(scratch), stats) = matcher.parts() {
            let usable = Arc::ptr_eq(&self.snapshot, &insp.snapshot)
                && !matches!(insp.last_phase(), Some(done) if done >= phase);
            if !usable {
                stats.stale_streams += 1;
            }
            for open in &mut self.open {
                let closed = open.close(&self.snapshot, scratch);
                if usable && closed {
                    open.record(&self.snapshot, insp);
                }
            }
        }
        matcher.inspect(insp, tx, client, phase)
    }
}

impl Open {
    /// Feeds one piece; false on a scan error, after which the stream is
    /// closed and its matches dropped.
    fn feed(&mut self, snapshot: &Snapshot, scratch: &Scratch, piece: &[u8], base: u64) -> bool {
        let (Some(stream), Some(group)) = (&self.stream, snapshot.streams.get(self.group)) else {
            return true;
        };
        let chunk = apply(&group.chain, piece);
        let mut ends = Vec::new();
        let scanned = stream.scan(&*chunk, scratch, |id: u32, _: u64, to: u64, _: u32| {
            ends.push((id, to));
            Matching::Continue
        });
        if scanned.is_err() {
            self.abandon(scratch);
            return false;
        }
        for (id, end) in ends {
            let excerpt = stream_excerpt(&self.tail, &chunk, base, end);
            self.found_one(group.tests.get(id as usize).copied(), excerpt);
        }
        self.keep_tail(&chunk);
        true
    }

    /// Closes the stream, collecting end-of-body matches; false if the
    /// stream had failed before.
    fn close(&mut self, snapshot: &Snapshot, scratch: &Scratch) -> bool {
        let (Some(stream), Some(group)) = (self.stream.take(), snapshot.streams.get(self.group))
        else {
            return false;
        };
        let mut ids = Vec::new();
        let closed = stream.close(scratch, |id: u32, _: u64, _: u64, _: u32| {
            ids.push(id);
            Matching::Continue
        });
        for id in ids {
            let excerpt = stream_excerpt(&self.tail, &[], 0, 0);
            self.found_one(group.tests.get(id as usize).copied(), excerpt);
        }
        closed.is_ok()
    }

    fn found_one(&mut self, test: Option<u32>, excerpt: Vec<u8>) {
        if let Some(test) = test.filter(|t| !self.found.iter().any(|(f, _)| f == t)) {
            self.found.push((test, excerpt));
        }
    }

    /// Marks the database streamed and hands its matches to `insp`.
    fn record(&mut self, snapshot: &Snapshot, insp: &mut Inspection) {
        insp.streamed.set(self.group);
        for (test, excerpt) in self.found.drain(..) {
            let Some(spec) = snapshot.tests.get(test as usize) else {
                continue;
            };
            let field = spec.field.clone();
            let evidence = Evidence {
                field,
                name: None,
                excerpt,
            };
            insp.matched_with(test, evidence);
        }
    }

    fn keep_tail(&mut self, chunk: &[u8]) {
        let newest = chunk.get(chunk.len().saturating_sub(EXCERPT_LEN)..);
        self.tail.extend_from_slice(newest.unwrap_or_default());
        let cut = self.tail.len().saturating_sub(EXCERPT_LEN);
        self.tail.drain(..cut);
    }

    /// Closes a failed stream without reporting.
    fn abandon(&mut self, scratch: &Scratch) {
        if let Some(stream) = self.stream.take() {
            let _ = stream.close(scratch, ());
        }
        self.found.clear();
    }
}

impl Drop for BodyStream {
    /// Releases unfinished Vectorscan streams. Closing needs scratch space,
    /// which the worker's matcher is not here to lend, so a small one is
    /// allocated; this happens only for bodies abandoned midway.
    fn drop(&mut self) {
        for open in &mut self.open {
            let (Some(stream), Some(group)) =
                (open.stream.take(), self.snapshot.streams.get(open.group))
            else {
                continue;
            };
            if let Ok(scratch) = group.db.alloc_scratch() {
                let _ = stream.close(&scratch, ());
            }
        }
    }
}
