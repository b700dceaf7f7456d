//! Name/value lists: the query string, `application/x-www-form-urlencoded`
//! bodies and `Cookie` headers, decoded into [`Param`]s.
//!
//! Query and form text follow the WHATWG URL standard's urlencoded parser:
//! split on `&`, skip empty pieces, cut each at its first `=`, turn `+` into
//! a space, percent-decode both halves. Cookies follow the `Cookie` header
//! of RFC 6265 §4.2, read tolerantly: split on `;`, trim spaces and tabs,
//! and a piece without `=` is a name with an empty value. Order and
//! duplicates are kept, since servers differ on which duplicate wins.

use super::flags::{Flag, Flags};
use super::limits::{Limits, Param};
use super::percent::decode_capped;

/// Parses a query string (without its `?`) like a form body.
pub fn parse_query(query: &[u8], limits: &Limits) -> (Vec<Param>, Flags) {
    parse_urlencoded(query, limits)
}

/// Parses an `application/x-www-form-urlencoded` body.
pub fn parse_urlencoded(body: &[u8], limits: &Limits) -> (Vec<Param>, Flags) {
    let mut sink = Sink::new(limits);
    for piece in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = split_pair(piece);
        if !sink.push(name, value, true) {
            break;
        }
    }
    (sink.params, sink.flags)
}

/// Parses the values of every `Cookie` header of a request, in order.
///
/// Cookie names and values are percent-decoded (without `+` as space), as
/// PHP and many frameworks do, and one pair of double quotes around a value
/// is removed (the quoted `cookie-value` form of RFC 6265 §4.1.1).
pub fn parse_cookies(header_values: &[&[u8]], limits: &Limits) -> (Vec<Param>, Flags) {
    let mut sink = Sink::new(limits);
    let pieces = header_values.iter().flat_map(|v| v.split(|b| *b == b';'));
    for piece in pieces.map(trim).filter(|p| !p.is_empty()) {
        let (name, value) = split_pair(piece);
        if !sink.push(trim(name), unquote(trim(value)), false) {
            break;
        }
    }
    (sink.params, sink.flags)
}

/// The parameters gathered so far, and the flags about them.
struct Sink<'l> {
    limits: &'l Limits,
    params: Vec<Param>,
    flags: Flags,
}

impl<'l> Sink<'l> {
    fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            params: Vec::new(),
            flags: Flags::EMPTY,
        }
    }

    /// Decodes and keeps one pair; false once the list is full.
    fn push(&mut self, name: &[u8], value: &[u8], plus: bool) -> bool {
        if self.params.len() >= self.limits.max_params {
            self.flags.insert(Flag::TooManyParams);
            return false;
        }
        let mut param = Param::default();
        self.flags |= decode_capped(name, plus, &mut param.name, self.limits.max_name);
        self.flags |= decode_capped(value, plus, &mut param.value, self.limits.max_value);
        self.params.push(param);
        true
    }
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
