//! Name/value lists: the query string, `application/x-www-form-urlencoded`
//! bodies and `Cookie` headers, decoded into [`Param`]s.
//!
//! Query and form text follow the WHATWG URL standard's urlencoded parser:
//! split on `&`, skip empty pieces, cut each at its first `=`, turn `+` into
//! a space, percent-decode both halves. Cookies follow the `Cookie` header
//! of RFC 6265 §4.2, read tolerantly: split on `;`, trim spaces and tabs,
//! and a piece without `=` is a name with an empty value. Order and
//! duplicates are kept, since servers differ on which duplicate wins.
//!
//! Each list also comes as [`Pair`]s that borrow from the input wherever a
//! name or value holds nothing to decode and fits its limit, for callers
//! that read them once (rule matching); the [`Param`] lists own theirs.

use std::borrow::Cow;

use super::flags::{Flag, Flags};
use super::limits::{Limits, Param};
use super::percent::{decode_capped, inspect};

/// A decoded name and value, borrowed from the input when decoding left
/// them as they were.
pub type Pair<'i> = (Cow<'i, [u8]>, Cow<'i, [u8]>);

/// Parses a query string (without its `?`) like a form body.
pub fn parse_query(query: &[u8], limits: &Limits) -> (Vec<Param>, Flags) {
    parse_urlencoded(query, limits)
}

/// Parses an `application/x-www-form-urlencoded` body.
pub fn parse_urlencoded(body: &[u8], limits: &Limits) -> (Vec<Param>, Flags) {
    owned(urlencoded_pairs(body, limits))
}

/// [`parse_urlencoded`] as borrowed pairs.
pub fn urlencoded_pairs<'i>(body: &'i [u8], limits: &Limits) -> (Vec<Pair<'i>>, Flags) {
    urlencoded(body, limits, None)
}

/// As [`urlencoded_pairs`], without the flags, and the rest: what lies
/// past the limits (empty when everything fit), decoded and whole. That
/// is the name and the value of every pair past `max_params`, and every
/// name or value longer than its limit. Rule matching reads these on every
/// request and no flag, so names and values that need no decoding are not
/// inspected for flags.
pub fn urlencoded_pairs_rest<'i>(body: &'i [u8], limits: &Limits) -> (Vec<Pair<'i>>, Vec<Vec<u8>>) {
    let mut rest = Vec::new();
    let (pairs, _) = urlencoded(body, limits, Some(&mut rest));
    (pairs, rest)
}

/// The pairs of `body`; with `rest`, what lies past the limits goes there
/// and flags are left out (see [`urlencoded_pairs_rest`]).
fn urlencoded<'i>(
    body: &'i [u8],
    limits: &Limits,
    mut rest: Option<&mut Vec<Vec<u8>>>,
) -> (Vec<Pair<'i>>, Flags) {
    let mut sink = Sink::new(limits);
    sink.flagged = rest.is_none();
    // One vectorised count of the separators costs less than the
    // reallocations of a list grown pair by pair.
    let pieces = memchr::memchr_iter(b'&', body).count() + 1;
    sink.pairs.reserve_exact(pieces.min(limits.max_params));
    for piece in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = split_pair(piece);
        let kept = sink.push(name, value, true);
        let Some(rest) = rest.as_deref_mut() else {
            if kept {
                continue;
            }
            break;
        };
        let whole = |text: &[u8]| {
            let mut out = Vec::new();
            decode_capped(text, true, &mut out, usize::MAX);
            out
        };
        for (text, max) in [(name, limits.max_name), (value, limits.max_value)] {
            if !text.is_empty() && (!kept || text.len() > max) {
                rest.push(whole(text));
            }
        }
    }
    (sink.pairs, sink.flags)
}

/// Parses the values of every `Cookie` header of a request, in order.
///
/// Cookie names and values are percent-decoded (without `+` as space), as
/// PHP and many frameworks do, and one pair of double quotes around a value
/// is removed (the quoted `cookie-value` form of RFC 6265 §4.1.1).
pub fn parse_cookies(header_values: &[&[u8]], limits: &Limits) -> (Vec<Param>, Flags) {
    owned(cookie_pairs(header_values, limits))
}

/// [`parse_cookies`] as borrowed pairs.
pub fn cookie_pairs<'i>(header_values: &[&'i [u8]], limits: &Limits) -> (Vec<Pair<'i>>, Flags) {
    let mut sink = Sink::new(limits);
    let pieces = header_values.iter().flat_map(|v| v.split(|b| *b == b';'));
    for piece in pieces.map(trim).filter(|p| !p.is_empty()) {
        let (name, value) = split_pair(piece);
        if !sink.push(trim(name), unquote(trim(value)), false) {
            break;
        }
    }
    (sink.pairs, sink.flags)
}

/// Borrowed pairs as owned [`Param`]s.
fn owned((pairs, flags): (Vec<Pair<'_>>, Flags)) -> (Vec<Param>, Flags) {
    let param = |(name, value): Pair<'_>| Param {
        name: name.into_owned(),
        value: value.into_owned(),
    };
    (pairs.into_iter().map(param).collect(), flags)
}

/// The pairs gathered so far, and the flags about them.
struct Sink<'l, 'i> {
    limits: &'l Limits,
    pairs: Vec<Pair<'i>>,
    flags: Flags,
    /// Whether names and values left as they are are inspected for flags.
    flagged: bool,
}

impl<'l, 'i> Sink<'l, 'i> {
    fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            pairs: Vec::new(),
            flags: Flags::EMPTY,
            flagged: true,
        }
    }

    /// Decodes and keeps one pair; false once the list is full.
    fn push(&mut self, name: &'i [u8], value: &'i [u8], plus: bool) -> bool {
        if self.pairs.len() >= self.limits.max_params {
            self.flags.insert(Flag::TooManyParams);
            return false;
        }
        let flags = self.flagged.then_some(&mut self.flags);
        let name = decode(name, plus, self.limits.max_name, flags);
        let flags = self.flagged.then_some(&mut self.flags);
        let value = decode(value, plus, self.limits.max_value, flags);
        self.pairs.push((name, value));
        true
    }
}

/// `input` percent-decoded (and `+` as a space with `plus`) to at most
/// `max` bytes, with its flags added to `flags` when there is one;
/// borrowed when decoding would leave it as it is.
fn decode<'i>(input: &'i [u8], plus: bool, max: usize, flags: Option<&mut Flags>) -> Cow<'i, [u8]> {
    let encoded = match plus {
        true => memchr::memchr2(b'%', b'+', input).is_some(),
        false => memchr::memchr(b'%', input).is_some(),
    };
    if !encoded && input.len() <= max {
        if let Some(flags) = flags {
            *flags |= inspect(input, false);
        }
        return Cow::Borrowed(input);
    }
    let mut out = Vec::new();
    let found = decode_capped(input, plus, &mut out, max);
    if let Some(flags) = flags {
        *flags |= found;
    }
    Cow::Owned(out)
}

/// The name and value around the first `=`; the value is empty without one.
fn split_pair(piece: &[u8]) -> (&[u8], &[u8]) {
    match piece.iter().position(|b| *b == b'=') {
        Some(at) => (&piece[..at], &piece[at + 1..]),
        None => (piece, b""),
    }
}

/// `bytes` without leading and trailing spaces and tabs.
pub(super) fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t');
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |at| at + 1);
    &bytes[start..end]
}

/// `value` without one pair of surrounding double quotes.
fn unquote(value: &[u8]) -> &[u8] {
    match value {
        [b'"', inner @ .., b'"'] => inner,
        _ => value,
    }
}
