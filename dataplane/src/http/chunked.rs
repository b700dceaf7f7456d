//! Removes chunked transfer coding (RFC 9112 §7.1) from a body as it
//! arrives, as leniently as browsers do: bare LF, empty lines between
//! chunks, whitespace, `0x` and leading zeros around the size are accepted
//! and flagged. A size line without any number ends de-chunking; the rest of
//! the stream is passed on as it is.
//!
//! Input: body bytes from a direction's reader. Output: ranges of chunk data
//! and the trailer fields.

use super::anomaly::{self, Anomaly};
use super::config::HttpConfig;
use super::message::Header;
use super::parse;

/// Where in the chunked grammar the next byte falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading a chunk-size line.
    Size,
    /// Inside chunk data with this many bytes left.
    Data(u64),
    /// After chunk data, expecting CRLF; true once the CR was seen.
    DataEnd(bool),
    /// Reading trailer lines after the last chunk.
    Trailer,
    /// The body is complete.
    Done,
    /// De-chunking gave up; everything is data until the stream ends.
    Raw,
}

/// One step of [`Dechunker::push`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    /// Input bytes consumed.
    pub(crate) consumed: usize,
    /// Chunk data within the consumed input, as a range of it.
    pub(crate) data: std::ops::Range<usize>,
    /// Bytes to pass on that are not in the input (a size line given up on).
    pub(crate) spilled: Vec<u8>,
    /// The body ended with this step.
    pub(crate) done: bool,
}

/// Incremental de-chunker for one body.
#[derive(Debug)]
pub(crate) struct Dechunker {
    state: State,
    /// The current size or trailer line, bounded by the line limit.
    line: Vec<u8>,
    /// Bytes seen on the current line, dropped ones included.
    line_len: usize,
}

impl Dechunker {
    pub(crate) fn new() -> Self {
        Self {
            state: State::Size,
            line: Vec::new(),
            line_len: 0,
        }
    }

    /// Skips `len` bytes of chunk data lost from the capture; returns false
    /// when the gap did not fall inside chunk data.
    pub(crate) fn skip(&mut self, len: u64) -> bool {
        match self.state {
            State::Data(n) if len <= n => {
                self.state = if n == len {
                    State::DataEnd(false)
                } else {
                    State::Data(n - len)
                };
                true
            }
            State::Raw => true,
            _ => false,
        }
    }

    /// Consumes input up to the next piece of chunk data or the end of the
    /// body, whichever comes first.
    pub(crate) fn push(
        &mut self,
        input: &[u8],
        cfg: &HttpConfig,
        trailers: &mut Vec<Header>,
        anomalies: &mut Vec<Anomaly>,
    ) -> Step {
        let mut step = Step {
            consumed: 0,
            data: 0..0,
            spilled: Vec::new(),
            done: false,
        };
        while step.consumed < input.len() && step.data.is_empty() && step.spilled.is_empty() {
            let rest = &input[step.consumed..];
            match self.state {
                State::Data(left) => {
                    let take = rest.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    step.data = step.consumed..step.consumed + take;
                    step.consumed += take;
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd(false)
                    } else {
                        State::Data(left)
                    };
                }
                State::DataEnd(cr) => step.consumed += self.data_end(rest[0], cr, anomalies),
                State::Size | State::Trailer => {
                    let (used, complete) = self.take_line(rest, cfg, anomalies);
                    step.consumed += used;
                    if complete {
                        self.end_line(cfg, trailers, anomalies, &mut step.spilled);
                    } else if self.state == State::Size && hopeless(&self.line) {
                        // Not chunked after all: pass everything on as it is.
                        anomaly::note(anomalies, Anomaly::BadChunkSize);
                        self.state = State::Raw;
                        step.spilled = std::mem::take(&mut self.line);
                    }
                }
                State::Raw => {
                    step.data = step.consumed..input.len();
                    step.consumed = input.len();
                }
                State::Done => break,
            }
        }
        step.done = self.state == State::Done;
        step
    }

    /// One byte after chunk data: CR, LF or (flagged) the next size line.
    fn data_end(&mut self, byte: u8, cr: bool, anomalies: &mut Vec<Anomaly>) -> usize {
        match byte {
            b'\r' if !cr => {
                self.state = State::DataEnd(true);
                1
            }
            b'\n' => {
                self.state = State::Size;
                1
            }
            _ => {
                anomaly::note(anomalies, Anomaly::ChunkMissingCrlf);
                self.state = State::Size;
                0
            }
        }
    }

    /// Collects line bytes up to and including LF; returns (used, complete).
    fn take_line(
        &mut self,
        input: &[u8],
        cfg: &HttpConfig,
        anomalies: &mut Vec<Anomaly>,
    ) -> (usize, bool) {
        let (piece, complete) = match input.iter().position(|&b| b == b'\n') {
            Some(at) => (&input[..at], true),
            None => (input, false),
        };
        let room = cfg.max_line.saturating_sub(self.line.len());
        self.line.extend_from_slice(&piece[..piece.len().min(room)]);
        self.line_len = self.line_len.saturating_add(piece.len());
        // A size line that cannot become valid is given up on at its first
        // bad byte, whatever follows it in the same piece.
        if self.state == State::Size && hopeless(&self.line) {
            return (piece.len() + usize::from(complete), complete);
        }
        if piece.len() > room {
            anomaly::note(anomalies, Anomaly::LineTooLong);
        }
        if complete && !self.line.ends_with(b"\r") {
            anomaly::note(anomalies, Anomaly::BareLf);
        }
        (piece.len() + usize::from(complete), complete)
    }

    /// Acts on a complete size or trailer line.
    fn end_line(
        &mut self,
        cfg: &HttpConfig,
        trailers: &mut Vec<Header>,
        anomalies: &mut Vec<Anomaly>,
        spilled: &mut Vec<u8>,
    ) {
        let mut line = std::mem::take(&mut self.line);
        self.line_len = 0;
        let had_cr = line.ends_with(b"\r");
        if had_cr {
            line.pop();
        }
        if self.state == State::Trailer {
            if line.is_empty() {
                self.state = State::Done;
            } else {
                let lines = std::iter::once(line.as_slice());
                parse::fields(lines, cfg.max_headers, trailers, anomalies);
            }
            return;
        }
        if trim_space(&line).is_empty() {
            anomaly::note(anomalies, Anomaly::ChunkExtraEmptyLine);
            return;
        }
        let size = if hopeless(&line) {
            anomaly::note(anomalies, Anomaly::BadChunkSize);
            None
        } else {
            chunk_size(&line, anomalies)
        };
        match size {
            Some(0) => self.state = State::Trailer,
            Some(n) => self.state = State::Data(n),
            None => {
                // Not chunked after all: pass the line and the rest on.
                self.state = State::Raw;
                line.extend_from_slice(if had_cr { b"\r\n" } else { b"\n" });
                *spilled = line;
            }
        }
    }
}

/// Whitespace as C's `isspace` knows it: SP, HTAB, CR, LF, VT, FF.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

fn trim_space(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |at| at + 1);
    &s[start..end]
}

/// True when a size line cannot become valid: its first byte that is not
/// whitespace is neither a hex digit nor `+`.
fn hopeless(line: &[u8]) -> bool {
    line.iter()
        .find(|&&b| !is_space(b))
        .is_some_and(|&b| !b.is_ascii_hexdigit() && b != b'+')
}

/// Reads a chunk size the way lenient clients do: optional whitespace, `+`
/// and `0x` before the hex digits; extensions and junk after them ignored.
/// `None` when there are no digits or the size is absurd.
fn chunk_size(line: &[u8], anomalies: &mut Vec<Anomaly>) -> Option<u64> {
    let size = line.split(|&b| b == b';').next().unwrap_or(line);
    let mut s = trim_space(size);
    let mut odd = s.len() != size.len();
    if let Some(rest) = s.strip_prefix(b"+") {
        s = rest;
        odd = true;
    }
    if let Some(rest) = s.strip_prefix(b"0x").or_else(|| s.strip_prefix(b"0X")) {
        s = rest;
        odd = true;
    }
    let digits = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits < s.len() {
        odd = true;
    }
    if odd {
        anomaly::note(anomalies, Anomaly::ChunkSizeOddFormat);
    }
    if digits == 0 {
        anomaly::note(anomalies, Anomaly::BadChunkSize);
        return None;
    }
    let significant = s[..digits].iter().skip_while(|&&b| b == b'0');
    let mut n = 0u64;
    for &d in significant {
        let v = u64::from(char::from(d).to_digit(16).unwrap_or(0));
        n = match n.checked_mul(16) {
            Some(m) if m < 1 << 62 => m + v,
            _ => {
                anomaly::note(anomalies, Anomaly::ChunkSizeOverflow);
                return None;
            }
        };
    }
    Some(n)
}
