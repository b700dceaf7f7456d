//! JSON bodies (RFC 8259) flattened into (path, value) pairs.
//!
//! Every scalar becomes one [`Param`]: its name is the RFC 6901 JSON
//! pointer of the value (`/user/addresses/0/zip`, with `~` written `~0` and
//! `/` written `~1`, the root itself being the empty pointer), its value the
//! scalar as text: strings unescaped to UTF-8, numbers as written, `true`,
//! `false` and `null` as words. Empty objects and arrays yield nothing.
//!
//! The walk is a loop over an explicit stack, so nesting costs no call
//! depth; containers deeper than [`Limits::max_depth`] are skipped (flagged
//! [`Flag::TooDeep`]) and the walk goes on with their siblings. At the first
//! grammar error the walk stops, keeping what it had, and flags
//! [`Flag::MalformedJson`]. Duplicate keys are all returned, in order.
//!
//! [`flatten_json_rest`] walks the whole body instead, for readers that
//! must not miss a value past the limits (the rule engine), and returns
//! what does not fit as the rest: a list of texts without names. It holds,
//! whole and decoded, the scalars past `max_params` or nested deeper than
//! `max_depth` (containers that deep are walked, not skipped) and the keys
//! of their members, and every string, number or key longer than its
//! limit. The text from a grammar error on (starting with the value or
//! member it is in) and any text after the document are read leniently,
//! as the lenient parsers that accept `NaN`, single quotes, comments or
//! several documents would read them: each string (in either quote) and
//! each bare token is one text, JSON escapes decoded ([`unescape`]); a
//! tail without any quote is also one text as a whole, so that text that
//! is not JSON at all is read in one piece.

use super::flags::{Flag, Flags};
use super::json_lex::{unescape, Cursor, Malformed};
use super::limits::{capped, Limits, Param};

/// Flattens a JSON body into (JSON pointer, value) pairs, in document order.
pub fn flatten_json(body: &[u8], limits: &Limits) -> (Vec<Param>, Flags) {
    let (out, _, flags) = walk(body, limits, None);
    (out, flags)
}

/// As [`flatten_json`], and the rest: what lies past the limits (empty
/// when everything fit).
pub fn flatten_json_rest(body: &[u8], limits: &Limits) -> (Vec<Param>, Vec<Vec<u8>>, Flags) {
    let (out, rest, flags) = walk(body, limits, Some(Vec::new()));
    (out, rest.unwrap_or_default(), flags)
}

fn walk(
    body: &[u8],
    limits: &Limits,
    rest: Option<Vec<Vec<u8>>>,
) -> (Vec<Param>, Option<Vec<Vec<u8>>>, Flags) {
    let mut walker = Walker {
        cursor: Cursor::new(body),
        limits,
        path: Vec::new(),
        stack: Vec::new(),
        key: Vec::new(),
        out: Vec::new(),
        rest,
        mark: 0,
    };
    let result = walker.document();
    // After the document, or from the value or member a grammar error is
    // in, to the end.
    let tail = match result {
        Ok(()) => walker.cursor.skip_ws().map(|_| walker.cursor.pos),
        Err(Stop::Malformed) => Some(walker.mark),
        Err(Stop::Full) => None,
    };
    if let (Some(from), Some(rest)) = (tail, &mut walker.rest) {
        lenient_values(body.get(from..).unwrap_or_default(), rest);
    }
    let mut flags = match result {
        Ok(()) if tail.is_some() => Flag::MalformedJson.into(),
        Ok(()) => Flags::EMPTY,
        Err(Stop::Malformed) => Flag::MalformedJson.into(),
        Err(Stop::Full) => Flag::TooManyParams.into(),
    };
    flags |= walker.cursor.flags;
    (walker.out, walker.rest, flags)
}

/// Why the walk ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// A grammar error.
    Malformed,
    /// `max_params` values were returned already.
    Full,
}

impl From<Malformed> for Stop {
    fn from(_: Malformed) -> Self {
        Stop::Malformed
    }
}

/// An open container; `base` is the length of its own path.
#[derive(Debug, Clone, Copy)]
enum Frame {
    Object { base: usize },
    Array { base: usize, index: usize },
}

/// What the walk reads next.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// A value, whose path is already set.
    Value,
    /// A `,` or the end of the innermost container.
    AfterValue,
}

/// The walk's state: cursor, current path, open containers, output.
struct Walker<'a> {
    cursor: Cursor<'a>,
    limits: &'a Limits,
    path: Vec<u8>,
    stack: Vec<Frame>,
    key: Vec<u8>,
    out: Vec<Param>,
    /// What lies past the limits, when the caller wants it.
    rest: Option<Vec<Vec<u8>>>,
    /// Where the value or member being read starts.
    mark: usize,
}

impl Walker<'_> {
    /// Walks the one top-level value.
    fn document(&mut self) -> Result<(), Stop> {
        let mut next = Next::Value;
        loop {
            next = match next {
                Next::Value => self.value()?,
                Next::AfterValue => match self.stack.last().copied() {
                    Some(frame) => self.after_value(frame)?,
                    None => return Ok(()),
                },
            };
        }
    }

    /// Reads a scalar, skips a too-deep container, or opens a container.
    fn value(&mut self) -> Result<Next, Stop> {
        let byte = self.cursor.skip_ws().ok_or(Stop::Malformed)?;
        self.mark = self.cursor.pos;
        if matches!(byte, b'{' | b'[') && self.stack.len() >= self.limits.max_depth {
            self.cursor.flags.insert(Flag::TooDeep);
            if self.rest.is_none() {
                self.cursor.skip_container()?;
                return Ok(Next::AfterValue);
            }
        }
        let base = self.path.len();
        match byte {
            b'{' => self.open(Frame::Object { base }),
            b'[' => self.open(Frame::Array { base, index: 0 }),
            b'"' if self.spilling() => {
                let text = self.whole_string()?;
                self.add_rest(text);
                Ok(Next::AfterValue)
            }
            b'"' => {
                let start = self.cursor.pos;
                let mut value = Vec::new();
                if self.cursor.string(&mut value, self.limits.max_value)? && self.rest.is_some() {
                    self.cursor.pos = start;
                    let text = self.whole_string()?;
                    self.add_rest(text);
                }
                self.emit(value)
            }
            _ => self.bare_scalar(byte),
        }
    }

    /// Whether what is read now goes to the rest: the rest is kept and
    /// `max_params` values are returned or the walk is deeper than
    /// `max_depth`.
    fn spilling(&self) -> bool {
        let past =
            self.out.len() >= self.limits.max_params || self.stack.len() > self.limits.max_depth;
        past && self.rest.is_some()
    }

    /// The string at the cursor, whole and decoded.
    fn whole_string(&mut self) -> Result<Vec<u8>, Stop> {
        let mut text = Vec::new();
        self.cursor.string(&mut text, usize::MAX)?;
        Ok(text)
    }

    /// Adds `text` to the rest, when it is kept, flagging why.
    fn add_rest(&mut self, text: Vec<u8>) {
        let Some(rest) = &mut self.rest else {
            return;
        };
        if self.out.len() >= self.limits.max_params {
            self.cursor.flags.insert(Flag::TooManyParams);
        }
        rest.push(text);
    }

    /// Reads a number or a literal starting with `byte`.
    fn bare_scalar(&mut self, byte: u8) -> Result<Next, Stop> {
        let text = match byte {
            b't' => self.cursor.literal(b"true")?,
            b'f' => self.cursor.literal(b"false")?,
            b'n' => self.cursor.literal(b"null")?,
            b'-' | b'0'..=b'9' => self.cursor.number()?,
            _ => return Err(Stop::Malformed),
        };
        self.emit_text(text)
    }

    /// Consumes `{` or `[`; unless the container is empty, pushes it and
    /// reads up to its first value.
    fn open(&mut self, frame: Frame) -> Result<Next, Stop> {
        self.cursor.pos += 1;
        let close = match frame {
            Frame::Object { .. } => b'}',
            Frame::Array { .. } => b']',
        };
        if self.cursor.skip_ws() == Some(close) {
            self.cursor.pos += 1;
            return Ok(Next::AfterValue);
        }
        self.stack.push(frame);
        self.start_member(frame)
    }

    /// After a value inside `frame`: a `,` starts the next member, the
    /// closing bracket pops the frame.
    fn after_value(&mut self, frame: Frame) -> Result<Next, Stop> {
        let byte = self.cursor.skip_ws();
        self.cursor.pos += 1;
        match (frame, byte) {
            (Frame::Object { .. }, Some(b',')) => self.start_member(frame),
            (Frame::Array { base, index }, Some(b',')) => {
                let frame = Frame::Array {
                    base,
                    index: index + 1,
                };
                if let Some(top) = self.stack.last_mut() {
                    *top = frame;
                }
                self.start_member(frame)
            }
            (Frame::Object { base }, Some(b'}')) | (Frame::Array { base, .. }, Some(b']')) => {
                self.stack.pop();
                self.path.truncate(base);
                Ok(Next::AfterValue)
            }
            _ => Err(Stop::Malformed),
        }
    }

    /// Sets the path of the next member of `frame`: its array index, or its
    /// object key, read here together with the `:` after it.
    fn start_member(&mut self, frame: Frame) -> Result<Next, Stop> {
        self.mark = self.cursor.pos;
        match frame {
            Frame::Array { base, index } => {
                self.path.truncate(base);
                let segment = index.to_string();
                self.push_segment(segment.as_bytes());
            }
            Frame::Object { base } => {
                if self.cursor.skip_ws() != Some(b'"') {
                    return Err(Stop::Malformed);
                }
                let start = self.cursor.pos;
                let mut key = core::mem::take(&mut self.key);
                key.clear();
                let read = self.cursor.string(&mut key, self.limits.max_name);
                self.path.truncate(base);
                self.push_segment(&key);
                self.key = key;
                if read? && self.rest.is_some() {
                    self.cursor.pos = start;
                    let whole = self.whole_string()?;
                    self.add_rest(whole);
                } else if self.spilling() {
                    self.add_rest(self.key.clone());
                }
                if self.cursor.skip_ws() != Some(b':') {
                    return Err(Stop::Malformed);
                }
                self.cursor.pos += 1;
            }
        }
        Ok(Next::Value)
    }

    /// Appends `/` and `segment`, escaped as RFC 6901 says, to the path,
    /// stopping at `max_name` bytes.
    fn push_segment(&mut self, segment: &[u8]) {
        let fits = self.push_path(b"/")
            && segment.iter().all(|b| match b {
                b'~' => self.push_path(b"~0"),
                b'/' => self.push_path(b"~1"),
                _ => self.push_path(core::slice::from_ref(b)),
            });
        if !fits {
            self.cursor.flags.insert(Flag::TooLong);
        }
    }

    /// Appends `bytes` to the path if they fit under `max_name`.
    fn push_path(&mut self, bytes: &[u8]) -> bool {
        if self.path.len() + bytes.len() > self.limits.max_name {
            return false;
        }
        self.path.extend_from_slice(bytes);
        true
    }

    /// Returns a scalar given as text, cut at `max_value`.
    fn emit_text(&mut self, text: &[u8]) -> Result<Next, Stop> {
        if self.spilling() {
            self.add_rest(text.to_vec());
            return Ok(Next::AfterValue);
        }
        let value = capped(text, self.limits.max_value, &mut self.cursor.flags);
        if text.len() > self.limits.max_value {
            self.add_rest(text.to_vec());
        }
        self.emit(value)
    }

    /// Returns one scalar at the current path; past `max_params`, adds it
    /// to the rest or stops the walk.
    fn emit(&mut self, value: Vec<u8>) -> Result<Next, Stop> {
        if self.out.len() >= self.limits.max_params {
            if self.rest.is_none() {
                return Err(Stop::Full);
            }
            self.add_rest(value);
            return Ok(Next::AfterValue);
        }
        let name = self.path.clone();
        self.out.push(Param { name, value });
        Ok(Next::AfterValue)
    }
}

/// Adds the strings and bare tokens of `tail`, the text the walk could not
/// read, to `rest` (see the module documentation).
fn lenient_values(tail: &[u8], rest: &mut Vec<Vec<u8>>) {
    let structural = |b: u8| matches!(b, b'{' | b'}' | b'[' | b']' | b',' | b':');
    let mut push = |text: &[u8]| {
        if !text.is_empty() {
            let mut value = Vec::new();
            unescape(text, &mut value);
            rest.push(value);
        }
    };
    let mut i = 0;
    while let Some(&b) = tail.get(i) {
        let rest_of = tail.get(i..).unwrap_or_default();
        let used = match b {
            b'"' => {
                let text = rest_of.get(1..).unwrap_or_default();
                let end = string_end(text, b);
                push(text.get(..end).unwrap_or_default());
                end + 2
            }
            b'\'' => {
                // JSON5's single-quoted string, where `\'` stands for `'`.
                let text = rest_of.get(1..).unwrap_or_default();
                let end = string_end(text, b);
                let inner = text.get(..end).unwrap_or_default();
                let mut plain = Vec::with_capacity(inner.len());
                let mut k = 0;
                while let Some(&c) = inner.get(k) {
                    let quoted = c == b'\\' && inner.get(k + 1) == Some(&b'\'');
                    plain.push(if quoted { b'\'' } else { c });
                    k += if quoted { 2 } else { 1 };
                }
                push(&plain);
                end + 2
            }
            b'/' if rest_of.starts_with(b"/*") => {
                memchr::memmem::find(rest_of, b"*/").map_or(rest_of.len(), |at| at + 2)
            }
            b'/' if rest_of.starts_with(b"//") => {
                memchr::memchr(b'\n', rest_of).map_or(rest_of.len(), |at| at + 1)
            }
            _ if structural(b) || b.is_ascii_whitespace() => 1,
            _ => {
                let stop = |c: &u8| structural(*c) || c.is_ascii_whitespace() || *c == b'"';
                let end = rest_of
                    .iter()
                    .position(stop)
                    .unwrap_or(rest_of.len())
                    .max(1);
                push(rest_of.get(..end).unwrap_or_default());
                end
            }
        };
        i += used;
    }
    if memchr::memchr2(b'"', b'\'', tail).is_none() {
        push(tail);
    }
}

/// Where the string that `text` starts (after its opening `quote`) ends: at
/// the first `quote` no backslash escapes, or the end of `text`.
fn string_end(text: &[u8], quote: u8) -> usize {
    let mut j = 0;
    while let Some(&c) = text.get(j) {
        match c {
            b'\\' => j += 2,
            c if c == quote => return j,
            _ => j += 1,
        }
    }
    text.len()
}
