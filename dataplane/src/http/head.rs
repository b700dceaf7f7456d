//! Collects one header block (start line, field lines, the empty line) from
//! stream bytes that arrive in pieces, within the configured limits.
//!
//! Input: stream bytes from a direction's reader. Output: the raw block in a
//! bounded buffer, line by line, which [`super::parse`] turns into fields.

use super::anomaly::{self, Anomaly};
use super::config::HttpConfig;

/// Capacity of a block buffer kept for the next block.
const REUSED: usize = 4096;

/// What the last call to [`HeadBuf::push`] completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineEnd {
    /// No line end in the input; all of it was taken.
    Partial,
    /// A line with content ended.
    Line,
    /// An empty line ended (the end of a header block).
    Empty,
}

/// A header block being collected. Empty and without allocation when idle.
#[derive(Debug, Default)]
pub(crate) struct HeadBuf {
    /// The block as sent, bounded; over-long lines keep their head and LF.
    pub(crate) buf: Vec<u8>,
    /// Bytes seen on the current line, dropped ones included.
    line_len: usize,
    /// Where the current line starts in `buf`.
    line_start: usize,
    /// True when the last byte of the current line is CR.
    ends_cr: bool,
    /// The last line was a single space or tab: the block ends before the
    /// next byte (see [`HeadBuf::push`]).
    space_end: bool,
    /// Lines completed so far.
    pub(crate) lines: usize,
    /// Bytes of the block seen, dropped ones included.
    pub(crate) wire_len: u64,
}

impl HeadBuf {
    /// Takes bytes up to and including the next LF. Returns how many bytes
    /// were taken and what ended.
    pub(crate) fn push(
        &mut self,
        input: &[u8],
        cfg: &HttpConfig,
        anomalies: &mut Vec<Anomaly>,
    ) -> (usize, LineEnd) {
        if std::mem::take(&mut self.space_end) {
            // The block ended with a line of one space; an LF right after it
            // still belongs to the head.
            let lf = usize::from(input.first() == Some(&b'\n'));
            self.wire_len += lf as u64;
            return (lf, LineEnd::Empty);
        }
        if self.line_len == 0 {
            self.line_start = self.buf.len();
        }
        let (piece, end) = match input.iter().position(|&b| b == b'\n') {
            Some(at) => (&input[..at], true),
            None => (input, false),
        };
        self.take(piece, cfg, anomalies);
        if !end {
            return (piece.len(), LineEnd::Partial);
        }

        // The LF itself: always stored (unless the block is full) so that
        // line structure survives truncation.
        self.wire_len += 1;
        if !self.ends_cr {
            anomaly::note(anomalies, Anomaly::BareLf);
        }
        if self.buf.len() < cfg.max_header_bytes {
            self.buf.push(b'\n');
        }
        let kind = if self.blank_line() {
            LineEnd::Empty
        } else if self.space_line() {
            self.space_end = true;
            LineEnd::Partial
        } else {
            LineEnd::Line
        };
        self.line_len = 0;
        self.line_start = self.buf.len();
        self.ends_cr = false;
        self.lines += 1;
        (piece.len() + 1, kind)
    }

    /// Takes a whole header block from `input` at once where pushing it
    /// line by line would take the same bytes and note nothing: nothing is
    /// collected yet, and `input` holds the empty line, with every line
    /// before it ended by CRLF and within the limits. Returns the block's
    /// length.
    pub(crate) fn take_block(&mut self, input: &[u8], cfg: &HttpConfig) -> Option<usize> {
        if !self.buf.is_empty() || self.line_len != 0 || self.space_end {
            return None;
        }
        let (mut at, mut lines) = (0, 0);
        loop {
            let end = at + memchr::memchr(b'\n', input.get(at..)?)?;
            let line_len = end - at;
            if line_len == 0 || input.get(end - 1) != Some(&b'\r') || line_len > cfg.max_line {
                return None;
            }
            lines += 1;
            at = end + 1;
            if line_len == 1 {
                break;
            }
        }
        let block = input
            .get(..at)
            .filter(|b| b.len() <= cfg.max_header_bytes)?;
        self.buf.extend_from_slice(block);
        self.line_start = at;
        self.lines = lines;
        self.wire_len += at as u64;
        Some(at)
    }

    /// Takes back the buffer of a block already parsed, emptied, so that
    /// the next block needs no allocation; only if small and none is held.
    pub(crate) fn recycle(&mut self, mut block: Vec<u8>) {
        if self.buf.capacity() == 0 && block.capacity() <= REUSED {
            block.clear();
            self.buf = block;
        }
    }

    /// Forgets the block; keeps the buffer's allocation only if small.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        if self.buf.capacity() > REUSED {
            self.buf = Vec::new();
        }
        self.line_len = 0;
        self.line_start = 0;
        self.ends_cr = false;
        self.space_end = false;
        self.lines = 0;
        self.wire_len = 0;
    }

    /// True when the line just ended is empty (CRLF or LF alone).
    fn blank_line(&self) -> bool {
        self.line_len == 0 || self.line_len == 1 && self.ends_cr
    }

    /// True for a line of one space or tab ended by a bare LF: it ends the
    /// block unless an empty line follows at once (then that one does).
    fn space_line(&self) -> bool {
        let line = self.buf.get(self.line_start..).unwrap_or_default();
        self.line_len == 1 && matches!(line, b" \n" | b"\t\n")
    }

    /// Appends `piece` (no LF in it) within the line and block limits.
    fn take(&mut self, piece: &[u8], cfg: &HttpConfig, anomalies: &mut Vec<Anomaly>) {
        self.wire_len += piece.len() as u64;
        if let Some(&last) = piece.last() {
            self.ends_cr = last == b'\r';
        }
        let line_room = cfg.max_line.saturating_sub(self.line_len);
        let block_room = cfg.max_header_bytes.saturating_sub(self.buf.len() + 1);
        self.line_len = self.line_len.saturating_add(piece.len());
        let wanted = piece.len().min(line_room);
        if wanted < piece.len() {
            anomaly::note(anomalies, Anomaly::LineTooLong);
        }
        if wanted > block_room {
            anomaly::note(anomalies, Anomaly::HeaderBlockTooLong);
        }
        let keep = wanted.min(block_room);
        self.buf.extend_from_slice(&piece[..keep]);
    }
}

/// The start line of a stored block as [`lines`] gives it, and where the
/// lines after it begin.
pub(crate) fn start_line(block: &[u8]) -> (&[u8], usize) {
    let Some(end) = memchr::memchr2(b'\r', b'\n', block) else {
        return (block, block.len());
    };
    let crlf = block.get(end..end + 2) == Some(&b"\r\n"[..]);
    (&block[..end], end + 1 + usize::from(crlf))
}

/// Splits a stored block into lines without their CRLF or LF. A CR inside
/// a line also ends a line, as some browsers read it.
pub(crate) fn lines(block: &[u8]) -> impl Iterator<Item = &[u8]> {
    block
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .flat_map(|line| line.split(|&b| b == b'\r'))
}
