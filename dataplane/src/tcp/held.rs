//! The out-of-order buffer of one stream direction.
//!
//! A byte window starting at the stream's delivery point (`base`) and a
//! sorted list of the runs of bytes present in it; between runs are holes.
//! Runs remember the segment that supplied them (their [`Origin`]) so the
//! overlap policy can decide later overlaps. Offsets are 64-bit stream
//! offsets, never raw sequence numbers, so wrap-around cannot reach here.
//!
//! The buffer is created on the first out-of-order segment and dropped once
//! it empties; all its memory is charged to the worker's [`Budget`].

use std::collections::VecDeque;
use std::ops::Range;

use super::budget::Budget;
use super::policy::{Origin, OverlapPolicy};

/// Bytes present from `start` to `end` (stream offsets), supplied by `origin`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Run {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) origin: Origin,
}

/// What an insertion found.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Insert {
    /// Some bytes were already held.
    pub(crate) overlap: bool,
    /// Some already held bytes differed from the new copy.
    pub(crate) conflict: bool,
    /// Bytes that were not held before.
    pub(crate) new_bytes: u64,
}

/// Buffered out-of-order data of one direction.
#[derive(Debug, Default)]
pub(crate) struct Held {
    /// `window[i]` is the byte at stream offset `base + i`.
    window: VecDeque<u8>,
    /// Sorted, disjoint runs, all at or after `base`.
    runs: Vec<Run>,
    /// Spare list reused while rebuilding `runs`.
    scratch: Vec<Run>,
    /// Bytes taken from the budget.
    charged: usize,
}

/// Window index of stream offset `off`.
fn at(off: u64, base: u64) -> usize {
    usize::try_from(off.saturating_sub(base)).unwrap_or(usize::MAX)
}

/// Splits window positions `from..from + len` over the deque's two slices.
fn parts(front_len: usize, from: usize, len: usize) -> (Range<usize>, Range<usize>) {
    let end = from.saturating_add(len);
    let front = from.min(front_len)..end.min(front_len);
    let back = from.saturating_sub(front_len)..end.saturating_sub(front_len);
    (front, back)
}

fn write(window: &mut VecDeque<u8>, from: usize, data: &[u8]) {
    let (front, back) = window.as_mut_slices();
    let (f, b) = parts(front.len(), from, data.len());
    let (df, db) = data.split_at(f.len().min(data.len()));
    if let Some(dst) = front.get_mut(f) {
        dst.copy_from_slice(df);
    }
    if let Some(dst) = back.get_mut(b) {
        dst.copy_from_slice(db);
    }
}

fn same(window: &VecDeque<u8>, from: usize, data: &[u8]) -> bool {
    let (front, back) = window.as_slices();
    let (f, b) = parts(front.len(), from, data.len());
    let (df, db) = data.split_at(f.len().min(data.len()));
    front.get(f) == Some(df) && back.get(b) == Some(db)
}

/// Appends a run, merging it into the previous one when they touch and the
/// policy does not need to keep their origins apart.
fn push(out: &mut Vec<Run>, run: Run, keep_origins: bool) {
    if run.start >= run.end {
        return;
    }
    if let Some(last) = out.last_mut() {
        if last.end == run.start && (!keep_origins || last.origin == run.origin) {
            last.end = run.end;
            return;
        }
    }
    out.push(run);
}

impl Held {
    /// Start of the first run.
    pub(crate) fn first_start(&self) -> Option<u64> {
        self.runs.first().map(|r| r.start)
    }

    /// Number of runs held.
    pub(crate) fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// No data held.
    pub(crate) fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Grows the window to reach stream offset `end`, doubling up to `cap`.
    /// False when the budget refuses; nothing is allocated then.
    pub(crate) fn reserve(&mut self, base: u64, end: u64, cap: usize, budget: &mut Budget) -> bool {
        let need = at(end, base);
        let capacity = self.window.capacity();
        if need > capacity {
            let target = need.max(capacity.saturating_mul(2)).min(cap.max(need));
            if !budget.try_take(target - capacity) {
                return false;
            }
            self.charged += target - capacity;
            self.window.reserve_exact(target - self.window.len());
        }
        if need > self.window.len() {
            self.window.resize(need, 0);
        }
        self.settle(budget)
    }

    /// Brings the charge in line with what is allocated (run lists included).
    pub(crate) fn settle(&mut self, budget: &mut Budget) -> bool {
        let lists = (self.runs.capacity() + self.scratch.capacity()) * std::mem::size_of::<Run>();
        let footprint = std::mem::size_of::<Self>() + self.window.capacity() + lists;
        if footprint > self.charged {
            if !budget.try_take(footprint - self.charged) {
                return false;
            }
        } else {
            budget.give_back(self.charged - footprint);
        }
        self.charged = footprint;
        true
    }

    /// Returns everything charged.
    pub(crate) fn release(&mut self, budget: &mut Budget) {
        budget.give_back(self.charged);
        self.charged = 0;
    }

    /// Drops the first `n` window bytes: the delivery point moved by `n`.
    pub(crate) fn advance(&mut self, n: u64) {
        let n = usize::try_from(n)
            .unwrap_or(usize::MAX)
            .min(self.window.len());
        self.window.drain(..n);
    }

    /// Hands the data contiguous from `base` to `emit` (one or two slices),
    /// removes it and returns its length.
    pub(crate) fn take_ready(&mut self, base: u64, mut emit: impl FnMut(&[u8])) -> u64 {
        let (mut end, mut ready) = (base, 0);
        for run in &self.runs {
            if run.start != end {
                break;
            }
            (end, ready) = (run.end, ready + 1);
        }
        if ready == 0 {
            return 0;
        }
        let len = at(end, base);
        let (front, back) = self.window.as_slices();
        let (f, b) = parts(front.len(), 0, len);
        for part in [front.get(f), back.get(b)].into_iter().flatten() {
            if !part.is_empty() {
                emit(part);
            }
        }
        self.runs.drain(..ready);
        self.advance(end - base);
        end - base
    }

    /// The held bytes contiguous around stream offset `off` (the union of
    /// touching runs), with the offset of their first byte; `None` when
    /// `off` is not held.
    pub(crate) fn contiguous_at(&mut self, base: u64, off: u64) -> Option<(u64, &[u8])> {
        let i = self
            .runs
            .iter()
            .position(|r| r.start <= off && off < r.end)?;
        let mut first = i;
        while first > 0 && self.runs[first - 1].end == self.runs[first].start {
            first -= 1;
        }
        let mut last = i;
        while last + 1 < self.runs.len() && self.runs[last].end == self.runs[last + 1].start {
            last += 1;
        }
        let (start, end) = (self.runs[first].start, self.runs[last].end);
        let window = self.window.make_contiguous();
        window
            .get(at(start, base)..at(end, base))
            .map(|bytes| (start, bytes))
    }

    /// Adds a segment's bytes at `seg` (window already reserved), resolving
    /// overlaps with held runs by `policy`.
    pub(crate) fn insert(
        &mut self,
        base: u64,
        seg: Origin,
        data: &[u8],
        policy: OverlapPolicy,
    ) -> Insert {
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        let mut merge = Merge {
            base,
            seg,
            data,
            policy,
            out,
            found: Insert::default(),
        };
        let window = &mut self.window;
        let mut cursor = seg.start;

        for &run in &self.runs {
            if run.end <= seg.start || run.start >= seg.end {
                if run.start >= seg.end {
                    cursor = merge.fill(window, cursor, seg.end);
                }
                merge.push(run);
                continue;
            }
            merge.push(Run {
                end: seg.start,
                ..run
            });
            merge.fill(window, cursor, run.start);
            let overlap = run.start.max(seg.start)..run.end.min(seg.end);
            let origin = merge.resolve(window, overlap.clone(), run.origin);
            merge.push(Run {
                start: overlap.start,
                end: overlap.end,
                origin,
            });
            merge.push(Run {
                start: seg.end,
                ..run
            });
            cursor = overlap.end;
        }
        merge.fill(window, cursor, seg.end);

        self.scratch = std::mem::replace(&mut self.runs, merge.out);
        merge.found
    }
}

/// One insertion in progress: the new segment and the runs rebuilt so far.
struct Merge<'a> {
    base: u64,
    seg: Origin,
    data: &'a [u8],
    policy: OverlapPolicy,
    out: Vec<Run>,
    found: Insert,
}

impl<'a> Merge<'a> {
    fn push(&mut self, run: Run) {
        push(&mut self.out, run, self.policy.uses_origin());
    }

    /// The new segment's bytes for stream offsets `range`.
    fn bytes(&self, range: Range<u64>) -> Option<&'a [u8]> {
        self.data
            .get(at(range.start, self.seg.start)..at(range.end, self.seg.start))
    }

    /// Writes the new bytes `from..to` (a hole) and records them as a run.
    fn fill(&mut self, window: &mut VecDeque<u8>, from: u64, to: u64) -> u64 {
        if from >= to {
            return from;
        }
        if let Some(bytes) = self.bytes(from..to) {
            write(window, at(from, self.base), bytes);
            self.found.new_bytes += to - from;
            self.push(Run {
                start: from,
                end: to,
                origin: self.seg,
            });
        }
        to
    }

    /// Compares the new copy of `overlap` with the held one, keeps the
    /// policy's winner and returns the winner's origin.
    fn resolve(&mut self, window: &mut VecDeque<u8>, overlap: Range<u64>, old: Origin) -> Origin {
        let Some(bytes) = self.bytes(overlap.clone()) else {
            return old;
        };
        let from = at(overlap.start, self.base);
        let differs = !same(window, from, bytes);
        self.found.overlap = true;
        self.found.conflict |= differs;
        if !self.policy.new_wins(self.seg, old) {
            return old;
        }
        if differs {
            write(window, from, bytes);
        }
        self.seg
    }
}
