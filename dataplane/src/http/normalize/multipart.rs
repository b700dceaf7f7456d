//! `multipart/form-data` bodies (RFC 7578 over the RFC 2046 §5.1 syntax),
//! cut into [`Part`]s.
//!
//! The boundary comes from the `Content-Type` parameter, quoted or not. A
//! delimiter is a line that starts with `--boundary` and goes on with `--`
//! (the close delimiter) or with optional spaces and a line end. Lines may
//! end in CRLF or a bare LF; preamble and epilogue are ignored. A body that
//! stops before its close delimiter still yields the parts seen, and is
//! flagged, since servers differ on whether they accept it. Nested
//! `multipart/mixed` parts and `Content-Transfer-Encoding` are not decoded.

use super::flags::{Flag, Flags};
use super::limits::{capped, Limits};
use super::media::{header_param, media_type, params};
use super::params::trim;

/// Longest boundary RFC 2046 §5.1.1 allows; longer ones are used but flagged.
const MAX_BOUNDARY: usize = 70;

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Part {
    /// The `name` parameter of `Content-Disposition`; empty if missing.
    pub name: Vec<u8>,
    /// The `filename` parameter, if any; a file upload has one.
    pub filename: Option<Vec<u8>>,
    /// The part's `Content-Type` header value, if any.
    pub content_type: Option<Vec<u8>>,
    /// The part's body, at most [`Limits::max_part_data`] bytes.
    pub data: Vec<u8>,
}

/// Parses a multipart body whose `Content-Type` header value is
/// `content_type`. Without a usable boundary no part is returned and the
/// body is flagged [`Flag::MalformedMultipart`].
pub fn parse_multipart(content_type: &[u8], body: &[u8], limits: &Limits) -> (Vec<Part>, Flags) {
    let mut flags = Flags::EMPTY;
    let Some(boundary) = boundary(content_type, &mut flags) else {
        flags.insert(Flag::MalformedMultipart);
        return (Vec::new(), flags);
    };
    let mut delimiter = b"--".to_vec();
    delimiter.extend_from_slice(&boundary);

    let mut reader = Reader {
        body,
        delimiter: &delimiter,
        limits,
        parts: Vec::new(),
        flags,
    };
    reader.run();
    (reader.parts, reader.flags)
}

/// The boundary parameter; `None` if missing, empty or holding a line end.
fn boundary(content_type: &[u8], flags: &mut Flags) -> Option<Vec<u8>> {
    let boundary = header_param(content_type, b"boundary")?;
    if boundary.is_empty() || boundary.iter().any(|b| matches!(b, b'\r' | b'\n')) {
        return None;
    }
    if boundary.len() > MAX_BOUNDARY {
        flags.insert(Flag::MalformedMultipart);
    }
    Some(boundary)
}

/// A delimiter line found in the body.
#[derive(Debug, Clone, Copy)]
struct Delimiter {
    /// Where the line starts.
    line_start: usize,
    /// Where the next line starts (or the body ends).
    next: usize,
    /// Whether it is the close delimiter `--boundary--`.
    close: bool,
}

/// The header fields of one part that normalization reads.
#[derive(Debug, Clone, Copy, Default)]
struct PartHead<'a> {
    disposition: Option<&'a [u8]>,
    content_type: Option<&'a [u8]>,
}

/// Walks one body from delimiter to delimiter.
struct Reader<'a> {
    body: &'a [u8],
    delimiter: &'a [u8],
    limits: &'a Limits,
    parts: Vec<Part>,
    flags: Flags,
}

impl<'a> Reader<'a> {
    fn run(&mut self) {
        let Some(mut delimiter) = self.find_delimiter(0, true) else {
            self.flags.insert(Flag::MalformedMultipart);
            return;
        };
        while !delimiter.close {
            if self.parts.len() >= self.limits.max_parts {
                self.flags.insert(Flag::TooManyParams);
                return;
            }
            let Some((head, data_start)) = self.headers(delimiter.next) else {
                self.flags.insert(Flag::MultipartUnterminated);
                return;
            };

            let next = self.find_delimiter(data_start, true);
            let data_end = next.map_or(self.body.len(), |d| self.data_end(data_start, d));
            let data = self.body.get(data_start..data_end).unwrap_or_default();
            self.emit(head, data);
            let Some(next) = next else {
                self.flags.insert(Flag::MultipartUnterminated);
                return;
            };
            delimiter = next;
        }
    }

    /// The first delimiter line at or after `from`; `from` itself counts as
    /// a line start only if `line_start` says so.
    fn find_delimiter(&self, from: usize, line_start: bool) -> Option<Delimiter> {
        let mut start = from;
        let mut candidate = line_start;
        loop {
            if !candidate {
                let newline = self.body.get(start..)?.iter().position(|b| *b == b'\n')?;
                start += newline + 1;
            }
            if let Some(found) = self.delimiter_at(start) {
                return Some(found);
            }
            candidate = false;
        }
    }

    /// The delimiter line starting at `start`, if there is one.
    fn delimiter_at(&self, start: usize) -> Option<Delimiter> {
        let after = self.body.get(start..)?.strip_prefix(self.delimiter)?;
        let end = start + self.delimiter.len();
        if after.starts_with(b"--") {
            let next = end + 2;
            return Some(Delimiter {
                line_start: start,
                next,
                close: true,
            });
        }
        let pad = after
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let newline = match after.get(pad..).unwrap_or_default() {
            [] => 0,
            [b'\r', b'\n', ..] => 2,
            [b'\n', ..] => 1,
            _ => return None,
        };
        let next = end + pad + newline;
        Some(Delimiter {
            line_start: start,
            next,
            close: false,
        })
    }

    /// Where a part's data ends: before the line end preceding `delimiter`.
    fn data_end(&self, data_start: usize, delimiter: Delimiter) -> usize {
        let mut end = delimiter.line_start;
        if end > data_start {
            end -= 1; // the '\n' that made the delimiter a line start
            if end > data_start && self.body.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
        }
        end
    }

    /// Reads the header lines of a part starting at `start`, up to and
    /// including the empty line; returns them and where the data starts.
    /// `None` if the body ends first.
    fn headers(&mut self, start: usize) -> Option<(PartHead<'a>, usize)> {
        let mut head = PartHead::default();
        let mut line_start = start;
        loop {
            let rest = self.body.get(line_start..)?;
            let newline = rest.iter().position(|b| *b == b'\n');
            let len = newline.unwrap_or(rest.len());
            let line = rest[..len].strip_suffix(b"\r").unwrap_or(&rest[..len]);
            if self.delimiter_at(line_start).is_some() {
                // A delimiter before the blank line: a part with no body.
                self.flags.insert(Flag::MalformedMultipart);
                return Some((head, line_start));
            }
            let newline = newline?;
            if line.is_empty() {
                return Some((head, line_start + newline + 1));
            }
            self.header_line(line, &mut head);
            line_start += newline + 1;
        }
    }

    /// Records one header line, flagging lines without a colon and
    /// repeated fields (servers disagree on which copy wins).
    fn header_line(&mut self, line: &'a [u8], head: &mut PartHead<'a>) {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            self.flags.insert(Flag::MalformedMultipart);
            return;
        };
        let (name, value) = (trim(&line[..colon]), trim(&line[colon + 1..]));
        let slot = if name.eq_ignore_ascii_case(b"content-disposition") {
            &mut head.disposition
        } else if name.eq_ignore_ascii_case(b"content-type") {
            &mut head.content_type
        } else {
            return;
        };
        if slot.is_some() {
            self.flags.insert(Flag::MalformedMultipart);
            return;
        }
        *slot = Some(value);
    }

    /// Builds a part from its head and data and keeps it.
    fn emit(&mut self, head: PartHead<'_>, data: &[u8]) {
        let mut part = Part::default();
        self.disposition(head.disposition, &mut part);
        let limit = self.limits.max_value;
        part.content_type = head
            .content_type
            .map(|ct| capped(ct, limit, &mut self.flags));
        part.data = capped(data, self.limits.max_part_data, &mut self.flags);
        self.parts.push(part);
    }

    /// Reads `name` and `filename` from `Content-Disposition`, which must
    /// be `form-data` with exactly one `name` (RFC 7578 §4.2).
    fn disposition(&mut self, value: Option<&[u8]>, part: &mut Part) {
        let Some(value) = value else {
            self.flags.insert(Flag::MalformedMultipart);
            return;
        };
        let (mut names, mut filenames) = (0, 0);
        for param in params(value) {
            if param.name.eq_ignore_ascii_case(b"name") {
                names += 1;
                if names == 1 {
                    part.name = capped(&param.value(), self.limits.max_name, &mut self.flags);
                }
            } else if param.name.eq_ignore_ascii_case(b"filename") {
                filenames += 1;
                if filenames == 1 {
                    let filename = capped(&param.value(), self.limits.max_value, &mut self.flags);
                    part.filename = Some(filename);
                }
            }
        }
        if media_type(value) != b"form-data" || names != 1 || filenames > 1 {
            self.flags.insert(Flag::MalformedMultipart);
        }
    }
}
