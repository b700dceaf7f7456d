//! Percent-decoding of URL and form text, once, with every trick flagged.
//!
//! `%XX` becomes the byte it names (WHATWG URL "percent-decode"), `+` becomes
//! a space only in form text, and a `%` that starts no valid escape is kept
//! as it is. The IIS form `%uXXXX` is decoded to UTF-8 too, since some
//! servers accept it. Decoding runs once, as a server does; what a second
//! pass would still change is flagged [`Flag::DoubleEncoded`] rather than
//! decoded, so the rule engine sees the value the application sees.

use super::flags::{Flag, Flags};

/// Decodes `input` and appends the result to `out`.
///
/// With `plus_as_space`, `+` becomes a space (form and query text). The
/// output is never longer than the input. Flags: `InvalidPercent`,
/// `PercentU`, `DoubleEncoded`, `NulByte`, `OverlongUtf8`, `InvalidUtf8`,
/// all about the bytes appended by this call.
pub fn percent_decode(input: &[u8], plus_as_space: bool, out: &mut Vec<u8>) -> Flags {
    decode_capped(input, plus_as_space, out, usize::MAX)
}

/// Like [`percent_decode`] but appends at most `max` bytes, stopping at the
/// first escape that would not fit and flagging [`Flag::TooLong`].
pub(super) fn decode_capped(input: &[u8], plus: bool, out: &mut Vec<u8>, max: usize) -> Flags {
    let start = out.len();
    let mut flags = Flags::EMPTY;
    let mut cut = false;
    let mut i = 0;
    while let Some(&first) = input.get(i) {
        let rest = input.get(i..).unwrap_or_default();
        let (unit, used) = next_unit(first, rest, plus, &mut flags);
        if out.len() - start + unit.as_slice().len() > max {
            cut = true;
            break;
        }
        out.extend_from_slice(unit.as_slice());
        i += used;
    }

    if cut {
        flags.insert(Flag::TooLong);
    }
    flags | inspect(out.get(start..).unwrap_or_default(), cut)
}

/// Up to four decoded bytes: one byte, or one UTF-8 encoded `%u` escape.
#[derive(Debug, Clone, Copy)]
struct Unit {
    bytes: [u8; 4],
    len: usize,
}

impl Unit {
    fn byte(b: u8) -> Self {
        Self {
            bytes: [b, 0, 0, 0],
            len: 1,
        }
    }

    fn char(c: char) -> Self {
        let mut bytes = [0; 4];
        let len = c.encode_utf8(&mut bytes).len();
        Self { bytes, len }
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The first decoded unit of `rest`, whose first byte is `first`, and the
/// number of bytes it used.
fn next_unit(first: u8, rest: &[u8], plus: bool, flags: &mut Flags) -> (Unit, usize) {
    match first {
        b'+' if plus => (Unit::byte(b' '), 1),
        b'%' => escape(rest, flags),
        b => (Unit::byte(b), 1),
    }
}

/// Decodes the escape at the start of `rest`, which begins with `%`.
fn escape(rest: &[u8], flags: &mut Flags) -> (Unit, usize) {
    if let Some(b) = hex_pair(rest.get(1..)) {
        return (Unit::byte(b), 3);
    }
    if let Some((unit, used)) = percent_u(rest, flags) {
        flags.insert(Flag::PercentU);
        return (unit, used);
    }
    flags.insert(Flag::InvalidPercent);
    (Unit::byte(b'%'), 1)
}

/// Decodes `%uXXXX`, joining a `%uD8xx%uDCxx` surrogate pair into one
/// character. A lone surrogate becomes U+FFFD and is flagged invalid.
fn percent_u(rest: &[u8], flags: &mut Flags) -> Option<(Unit, usize)> {
    let high = u_escape(rest)?;
    if let Some(c) = char::from_u32(high) {
        return Some((Unit::char(c), 6));
    }
    let low = rest.get(6..).and_then(u_escape);
    if let (0xD800..=0xDBFF, Some(low @ 0xDC00..=0xDFFF)) = (high, low) {
        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        // Always a valid scalar value: 0x10000..=0x10FFFF.
        let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        return Some((Unit::char(c), 12));
    }
    flags.insert(Flag::InvalidUtf8);
    Some((Unit::char(char::REPLACEMENT_CHARACTER), 6))
}

/// The code unit of a `%uXXXX` (or `%UXXXX`) escape at the start of `s`.
fn u_escape(s: &[u8]) -> Option<u32> {
    match s {
        [b'%', b'u' | b'U', a, b, c, d, ..] => {
            let hi = hex_pair(Some(&[*a, *b]))?;
            let lo = hex_pair(Some(&[*c, *d]))?;
            Some(u32::from(hi) << 8 | u32::from(lo))
        }
        _ => None,
    }
}

/// The byte named by two hex digits at the start of `s`.
fn hex_pair(s: Option<&[u8]>) -> Option<u8> {
    match s? {
        [hi, lo, ..] => Some(hex(*hi)? << 4 | hex(*lo)?),
        _ => None,
    }
}

/// The value of one hex digit.
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Flags about decoded bytes. `cut` says the text was cut, so a UTF-8
/// sequence left incomplete at its very end is not an anomaly.
pub(super) fn inspect(decoded: &[u8], cut: bool) -> Flags {
    let mut flags = Flags::EMPTY;
    if decoded.contains(&0) {
        flags.insert(Flag::NulByte);
    }
    if still_encoded(decoded) {
        flags.insert(Flag::DoubleEncoded);
    }
    flags | utf8_flags(decoded, cut)
}

/// Whether a `%` in `decoded` starts an escape a second pass would decode.
fn still_encoded(decoded: &[u8]) -> bool {
    decoded.iter().enumerate().any(|(i, b)| {
        *b == b'%' && {
            let rest = &decoded[i..];
            hex_pair(rest.get(1..)).is_some() || u_escape(rest).is_some()
        }
    })
}

/// `InvalidUtf8`, plus `OverlongUtf8` for the overlong forms used to hide
/// `/`, `.` and `\` from byte-level rules.
pub(super) fn utf8_flags(bytes: &[u8], cut: bool) -> Flags {
    let mut flags = Flags::EMPTY;
    let Err(error) = core::str::from_utf8(bytes) else {
        return flags;
    };
    if !(cut && error.error_len().is_none()) {
        flags.insert(Flag::InvalidUtf8);
    }
    if has_overlong(bytes) {
        flags.insert(Flag::OverlongUtf8);
    }
    flags
}

/// Whether `bytes` hold a lead byte that starts an overlong encoding.
fn has_overlong(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| {
        matches!(
            (w[0], w[1]),
            (0xC0 | 0xC1, 0x80..=0xBF) | (0xE0, 0x80..=0x9F) | (0xF0, 0x80..=0x8F)
        )
    })
}
