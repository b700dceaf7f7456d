//! [`Matcher`]: one worker's handle on the engine.
//!
//! A matcher owns the Vectorscan scratch space (which no two threads may
//! use at once), the normalization limits and the worker's engine counters.
//! It reads the snapshot each [`Inspection`] carries; [`Matcher::update`]
//! installs a new snapshot between bursts, growing the scratch so that
//! transactions started under the previous one can finish with it.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use hyperscan::Scratch;

use super::batch::Batch;
use super::eval::evaluate_phase;
use super::extract::TxFields;
use super::hit::Hit;
use super::inspection::Inspection;
use super::scan::Scanner;
use super::snapshot::Snapshot;
use super::source::Phase;
use super::stream::BodyStream;
use super::sweep::Sweep;
use crate::flow::Direction;
use crate::http::normalize::Limits;
use crate::http::Transaction;

/// Engine counters of one worker; the worker writes, an exporter reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatcherStats {
    /// Database scans run: one per sweep pass, and one per value and
    /// database the sweep names (or per value, for a database not swept).
    pub scans: u64,
    /// Body phases cleared by screening the raw body (see `scan`).
    pub screened: u64,
    /// Head sweeps that left out a query string's values, found clean
    /// before (see `clean`).
    pub queries_remembered: u64,
    /// Scans Vectorscan refused (should stay 0).
    pub scan_errors: u64,
    /// Prefilter reports confirmed by the regex.
    pub prefilter_confirmed: u64,
    /// Prefilter reports the regex did not confirm.
    pub prefilter_rejected: u64,
    /// Confirmations that hit the backtracking limit (taken as no match).
    pub confirm_gave_up: u64,
    /// Body bytes fed to streaming databases.
    pub streamed_bytes: u64,
    /// Body streams whose matches were dropped because their transaction
    /// had moved on (finished too late, or under another snapshot).
    pub stale_streams: u64,
}

/// Why a matcher could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MatcherError {
    /// Vectorscan could not allocate scratch space for a database.
    #[error("cannot allocate Vectorscan scratch space: {0}")]
    Scratch(String),
}

/// One worker's matcher; not shared between threads.
pub struct Matcher {
    snapshot: Arc<Snapshot>,
    /// `None` while no snapshot had a database.
    scratch: Option<Scratch>,
    limits: Limits,
    stats: MatcherStats,
    found: Vec<(u32, u64)>,
    batch: Batch,
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matcher")
            .field("snapshot", &self.snapshot.stats())
            .field("limits", &self.limits)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Matcher {
    /// A matcher for `snapshot` with the default normalization limits.
    pub fn new(snapshot: Arc<Snapshot>) -> Result<Matcher, MatcherError> {
        Matcher::with_limits(snapshot, Limits::default())
    }

    /// A matcher whose parameter, cookie and JSON extraction is bounded by
    /// `limits`.
    pub fn with_limits(snapshot: Arc<Snapshot>, limits: Limits) -> Result<Matcher, MatcherError> {
        let mut matcher = Matcher {
            snapshot: Arc::new(Snapshot::empty()),
            scratch: None,
            limits,
            stats: MatcherStats::default(),
            found: Vec::new(),
            batch: Batch::default(),
        };
        matcher.update(snapshot)?;
        Ok(matcher)
    }

    /// Installs a new snapshot for transactions started from now on.
    pub fn update(&mut self, snapshot: Arc<Snapshot>) -> Result<(), MatcherError> {
        for group in &snapshot.groups {
            group.db.alloc_scratch_for(&mut self.scratch)?;
        }
        for stream in &snapshot.streams {
            stream.db.alloc_scratch_for(&mut self.scratch)?;
        }
        for db in snapshot.sweeps.iter().flat_map(Sweep::databases) {
            db.alloc_scratch_for(&mut self.scratch)?;
        }
        self.snapshot = snapshot;
        Ok(())
    }

    /// The snapshot new transactions start with.
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        &self.snapshot
    }

    pub fn stats(&self) -> &MatcherStats {
        &self.stats
    }

    /// Starts the inspection of a transaction under the current snapshot.
    pub fn start(&self) -> Inspection {
        Inspection::new(Arc::clone(&self.snapshot))
    }

    /// Runs every phase of `insp` not run yet, up to and including `up_to`,
    /// and returns the rules of those phases that hold, in ruleset order.
    /// Calling it again for a phase already run returns nothing new.
    pub fn inspect(
        &mut self,
        insp: &mut Inspection,
        tx: &Transaction,
        client: IpAddr,
        up_to: Phase,
    ) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut fields = TxFields::new(tx, client, &self.limits);
        // One reference for all the phases run, not one per phase: each
        // costs an atomic update.
        let snapshot = Arc::clone(&insp.snapshot);
        while let Some(&phase) = Phase::ALL.get(insp.next_phase).filter(|p| **p <= up_to) {
            if let Some(scratch) = &self.scratch {
                let mut scanner = Scanner {
                    scratch,
                    stats: &mut self.stats,
                    found: &mut self.found,
                    batch: &mut self.batch,
                };
                scanner.phase(&snapshot, insp, &mut fields, phase);
            }
            evaluate_phase(&snapshot, insp, &mut fields, phase, &mut hits);
            insp.next_phase += 1;
        }
        hits.sort_by_key(|(index, _)| *index);
        hits.into_iter().map(|(_, hit)| hit).collect()
    }

    /// Inspects a finished transaction in one go: all four phases.
    pub fn inspect_transaction(&mut self, tx: &Transaction, client: IpAddr) -> Vec<Hit> {
        let mut insp = self.start();
        self.inspect(&mut insp, tx, client, Phase::ResponseBody)
    }

    /// Opens the streaming scan of the body `dir` carries (request body for
    /// [`Direction::ToResponder`]) for the transaction `insp` inspects.
    pub fn body_stream(&self, insp: &Inspection, dir: Direction) -> BodyStream {
        BodyStream::open(Arc::clone(&insp.snapshot), dir)
    }

    /// The scratch space and counters, for body streams.
    pub(crate) fn parts(&mut self) -> (Option<&Scratch>, &mut MatcherStats) {
        (self.scratch.as_ref(), &mut self.stats)
    }
}

/// Allocating or growing one scratch space for several databases.
trait ScratchFor {
    fn alloc_scratch_for(&self, scratch: &mut Option<Scratch>) -> Result<(), MatcherError>;
}

impl<T> ScratchFor for hyperscan::Database<T> {
    fn alloc_scratch_for(&self, scratch: &mut Option<Scratch>) -> Result<(), MatcherError> {
        let failed = |e: hyperscan::Error| MatcherError::Scratch(e.to_string());
        match scratch {
            Some(existing) => self.realloc_scratch(existing).map(drop).map_err(failed),
            None => {
                *scratch = Some(self.alloc_scratch().map_err(failed)?);
                Ok(())
            }
        }
    }
}
