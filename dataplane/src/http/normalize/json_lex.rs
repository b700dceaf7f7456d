//! The lexical layer of the JSON normalizer: a cursor over the body that
//! reads RFC 8259 strings, numbers and literals, and skips whole containers
//! nested deeper than the walker goes.
//!
//! Strings are unescaped into caller-owned buffers cut at a caller-given
//! size; nothing here recurses or allocates on its own.

use super::flags::{Flag, Flags};
use super::percent::utf8_flags;

/// The body broke the JSON grammar at the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Malformed;

/// A position in a JSON body, with the flags raised while reading it.
#[derive(Debug)]
pub(super) struct Cursor<'a> {
    input: &'a [u8],
    pub(super) pos: usize,
    pub(super) flags: Flags,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `input`, past a UTF-8 byte order mark,
    /// which RFC 8259 §8.1 lets parsers ignore.
    pub(super) fn new(input: &'a [u8]) -> Self {
        let pos = if input.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        Self {
            input,
            pos,
            flags: Flags::EMPTY,
        }
    }

    /// The byte at the cursor.
    pub(super) fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// Consumes and returns the byte at the cursor.
    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    /// Consumes `b` if it is at the cursor.
    pub(super) fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        self.pos += usize::from(found);
        found
    }

    /// Skips JSON whitespace and returns the next byte.
    pub(super) fn skip_ws(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
        self.peek()
    }

    /// Reads the string at the cursor (on its `"`) into `out`, keeping at
    /// most `cap` bytes. Raw control characters are kept and flagged, as
    /// lenient servers accept them. True when the string was cut.
    pub(super) fn string(&mut self, out: &mut Vec<u8>, cap: usize) -> Result<bool, Malformed> {
        self.pos += 1;
        let mut cut = false;
        loop {
            let mut unit = [0; 4];
            let bytes: &[u8] = match self.bump().ok_or(Malformed)? {
                b'"' => break,
                b'\\' => self.escape(&mut unit)?,
                b => {
                    if b < 0x20 {
                        self.flags.insert(Flag::MalformedJson);
                    }
                    unit[0] = b;
                    &unit[..1]
                }
            };
            push_capped(out, bytes, cap, &mut cut);
        }

        if cut {
            self.flags.insert(Flag::TooLong);
        }
        if out.contains(&0) {
            self.flags.insert(Flag::NulByte);
        }
        self.flags |= utf8_flags(out, cut);
        Ok(cut)
    }

    /// Decodes the escape after a `\` into `unit`, returning its bytes.
    fn escape<'u>(&mut self, unit: &'u mut [u8; 4]) -> Result<&'u [u8], Malformed> {
        let simple = match self.bump().ok_or(Malformed)? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0C,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => return Ok(self.unicode()?.encode_utf8(unit).as_bytes()),
            _ => return Err(Malformed),
        };
        unit[0] = simple;
        Ok(&unit[..1])
    }

    /// Decodes the `XXXX` after `\u`, joining a surrogate pair written as
    /// two escapes; a lone surrogate becomes U+FFFD and is flagged.
    fn unicode(&mut self) -> Result<char, Malformed> {
        let high = self.hex4()?;
        if let Some(c) = char::from_u32(high) {
            return Ok(c);
        }
        let rest = self.input.get(self.pos..).unwrap_or_default();
        if (0xD800..=0xDBFF).contains(&high) && rest.starts_with(b"\\u") {
            let saved = self.pos;
            self.pos += 2;
            let low = self.hex4()?;
            if (0xDC00..=0xDFFF).contains(&low) {
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                // Always a valid scalar value: 0x10000..=0x10FFFF.
                return Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            self.pos = saved;
        }
        self.flags.insert(Flag::InvalidUtf8);
        Ok(char::REPLACEMENT_CHARACTER)
    }

    /// Reads four hex digits.
    fn hex4(&mut self) -> Result<u32, Malformed> {
        let digits = self.input.get(self.pos..self.pos + 4).ok_or(Malformed)?;
        let text = core::str::from_utf8(digits).map_err(|_| Malformed)?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Malformed);
        }
        self.pos += 4;
        u32::from_str_radix(text, 16).map_err(|_| Malformed)
    }

    /// Reads a number (RFC 8259 §6) and returns its text.
    pub(super) fn number(&mut self) -> Result<&'a [u8], Malformed> {
        let start = self.pos;
        self.eat(b'-');
        if !self.eat(b'0') {
            self.digits()?;
        }
        if self.eat(b'.') {
            self.digits()?;
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            self.digits()?;
        }
        Ok(self.input.get(start..self.pos).unwrap_or_default())
    }

    /// Reads one or more decimal digits.
    fn digits(&mut self) -> Result<(), Malformed> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(Malformed);
        }
        Ok(())
    }

    /// Reads the literal `word` (`true`, `false` or `null`).
    pub(super) fn literal<'w>(&mut self, word: &'w [u8]) -> Result<&'w [u8], Malformed> {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        if !rest.starts_with(word) {
            return Err(Malformed);
        }
        self.pos += word.len();
        Ok(word)
    }

    /// Skips the container at the cursor (on its `{` or `[`) by counting
    /// brackets outside strings, without checking what lies inside.
    pub(super) fn skip_container(&mut self) -> Result<(), Malformed> {
        let mut depth = 0usize;
        let mut in_string = false;
        while let Some(b) = self.bump() {
            match (in_string, b) {
                (true, b'\\') => self.pos += 1,
                (true, b'"') | (false, b'"') => in_string = !in_string,
                (false, b'{' | b'[') => depth += 1,
                (false, b'}' | b']') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        Err(Malformed)
    }
}

/// Appends `bytes` to `out` unless that would pass `cap`; once something
/// did not fit, nothing more is appended and `cut` is set.
fn push_capped(out: &mut Vec<u8>, bytes: &[u8], cap: usize, cut: &mut bool) {
    if *cut || out.len() + bytes.len() > cap {
        *cut = true;
        return;
    }
    out.extend_from_slice(bytes);
}

/// Appends `input` to `out` with the escapes of RFC 8259 §7 decoded
/// (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uXXXX` in either
/// case, surrogate pairs joined); a backslash starting no escape, and a
/// lone surrogate, stay as written. Unlike [`Cursor::string`], it reads
/// any text, not one JSON string.
pub fn unescape(input: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        let (decoded, used) = match b {
            b'\\' => json_escape(input.get(i + 1..).unwrap_or_default()),
            _ => (None, 0),
        };
        match decoded {
            Some(c) => {
                let mut utf8 = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                i += 1 + used;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// The character the escape after a backslash stands for, and how many
/// bytes after the backslash it takes; `None` when `after` starts no
/// escape.
fn json_escape(after: &[u8]) -> (Option<char>, usize) {
    let simple = match after.first() {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => return unicode_escape(after),
        _ => return (None, 0),
    };
    (Some(simple), 1)
}

/// `uXXXX`, or a surrogate pair `uXXXX\uXXXX`, at the start of `after`.
fn unicode_escape(after: &[u8]) -> (Option<char>, usize) {
    let unit = |at: usize| -> Option<u32> {
        let digits = after.get(at..at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        u32::from_str_radix(text, 16)
            .ok()
            .filter(|_| text.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let Some(high) = unit(1) else {
        return (None, 0);
    };
    if (0xD800..0xDC00).contains(&high) && after.get(5..7) == Some(b"\\u") {
        if let Some(low) = unit(7).filter(|low| (0xDC00..0xE000).contains(low)) {
            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            return (char::from_u32(code), 11);
        }
    }
    (char::from_u32(high), 5)
}
