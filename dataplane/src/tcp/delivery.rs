//! What reassembly hands out: the [`StreamSink`] that receives each
//! direction's bytes and [`Gap`]s in stream order, and the per-segment
//! [`Delivery`] report that inline mode uses to decide on the packet.

use std::ops::Range;

use crate::flow::Direction;

/// Bytes of a stream that will never be seen: `len` bytes from `offset`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Gap {
    /// Stream offset of the first missing byte.
    pub offset: u64,
    /// Number of missing bytes.
    pub len: u64,
}

/// Receiver of reassembled data, in stream order per direction.
pub trait StreamSink {
    /// `bytes` follow directly on what came before in direction `dir`,
    /// starting at stream offset `offset`.
    fn data(&mut self, dir: Direction, offset: u64, bytes: &[u8]);

    /// The bytes of `gap` are lost; data resumes after it.
    fn gap(&mut self, dir: Direction, gap: Gap);

    /// A new SYN restarted the connection on the same flow: both directions
    /// begin again at offset 0 (parsers should reset).
    fn restart(&mut self) {}

    /// Out-of-order bytes now held behind a hole: `bytes` are the whole run
    /// of contiguous held data (at stream offset `offset`) that the latest
    /// segment joined. They come again through `data` (or are dropped) once
    /// the hole is settled; inline inspection scans them now so that no byte
    /// is forwarded unseen.
    fn ahead(&mut self, dir: Direction, offset: u64, bytes: &[u8]) {
        let _ = (dir, offset, bytes);
    }
}

/// A sink that drops everything (for tap mode counters-only runs and tests).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DiscardSink;

impl StreamSink for DiscardSink {
    fn data(&mut self, _: Direction, _: u64, _: &[u8]) {}
    fn gap(&mut self, _: Direction, _: Gap) {}
}

/// What a segment was, for reassembly.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum SegmentClass {
    /// No payload.
    Empty,
    /// Starts at the delivery point with nothing already seen in it.
    InOrder,
    /// Buffered ahead of a hole.
    OutOfOrder,
    /// Nothing new: all its bytes were seen before, identical where comparable.
    Retransmit,
    /// Partly covers bytes seen before (and may bring new ones).
    Overlap,
    /// Ignored: outside what the receiver accepts.
    OutOfWindow,
    /// The flow is in bypass; nothing is reassembled.
    Bypassed,
}

/// The result of one segment.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Delivery {
    /// What the segment was.
    pub class: SegmentClass,
    /// Range of the payload whose stream positions were delivered during
    /// this call (the delivered copy may be an earlier one, per policy).
    pub fresh: Range<usize>,
    /// Bytes handed to the sink during this call, for this direction.
    pub delivered: u64,
    /// Held bytes differed from this segment's copy.
    pub conflict: bool,
}

impl Delivery {
    pub(crate) fn of(class: SegmentClass) -> Self {
        Self {
            class,
            fresh: 0..0,
            delivered: 0,
            conflict: false,
        }
    }
}
