//! Path normalization: the path a server resolves, for rules and the API
//! inventory.
//!
//! [`normalize_path`] decodes every escape once (`%2F` included, as nginx
//! does; Apache refuses such requests, so inspecting the decoded form is the
//! safe side), turns `\` into `/` (IIS and Windows back ends treat both as
//! separators), collapses empty segments, and removes `.` and `..` segments
//! with the RFC 3986 §5.2.4 algorithm, never climbing above the root. Each
//! change is flagged, since a client that needs one is rarely a browser.

use super::flags::{Flag, Flags};
use super::percent::percent_decode;

/// Decodes and cleans a raw (still encoded) request path.
///
/// The result starts with `/` (except for the asterisk-form target `*`),
/// has no `.`, `..` or empty segments (a trailing `/` is kept), and no `\`.
/// An empty path becomes `/`. Escapes are decoded once: a double-encoded
/// `%252e%252e` stays `%2e%2e` and is flagged [`Flag::DoubleEncoded`]. The
/// output is at most one byte longer than the input.
pub fn normalize_path(raw_path: &[u8]) -> (Vec<u8>, Flags) {
    let mut decoded = Vec::with_capacity(raw_path.len());
    let mut flags = percent_decode(raw_path, false, &mut decoded);
    if has_encoded_separator(raw_path) {
        flags.insert(Flag::EncodedSlash);
    }
    let (path, more) = clean_path(&decoded);
    (path, flags | more)
}

/// Cleans an already decoded path without decoding it again: `\` to `/`,
/// empty segments collapsed, dot segments removed. Idempotent.
pub fn clean_path(path: &[u8]) -> (Vec<u8>, Flags) {
    let mut flags = Flags::EMPTY;
    if path == b"*" {
        return (path.to_vec(), flags);
    }
    if path.contains(&b'\\') {
        flags.insert(Flag::BackslashInPath);
    }
    let body = match path.split_first() {
        Some((b'/' | b'\\', rest)) => rest,
        Some(_) => {
            flags.insert(Flag::RelativePath);
            path
        }
        None => path,
    };

    let mut out = Vec::with_capacity(path.len() + 1);
    out.push(b'/');
    let mut segments = body.split(|b| matches!(b, b'/' | b'\\')).peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        push_segment(&mut out, segment, last, &mut flags);
    }
    (out, flags)
}

/// Appends one segment to `out`, which ends with `/`; `last` says no
/// segment follows, so no `/` is added after it.
fn push_segment(out: &mut Vec<u8>, segment: &[u8], last: bool, flags: &mut Flags) {
    match segment {
        b"" if !last => flags.insert(Flag::DuplicateSlashes),
        b"" => {}
        b"." => flags.insert(Flag::DotSegments),
        b".." => {
            flags.insert(Flag::DotSegments);
            pop_segment(out, flags);
        }
        _ => {
            if segment.contains(&b';') {
                flags.insert(Flag::PathParameter);
            }
            out.extend_from_slice(segment);
            if !last {
                out.push(b'/');
            }
        }
    }
}

/// Removes the last segment of `out` (which ends with `/`), keeping its
/// leading `/`; at the root, flags the attempt instead.
fn pop_segment(out: &mut Vec<u8>, flags: &mut Flags) {
    let Some((_, before)) = out.split_last().filter(|_| out.len() > 1) else {
        flags.insert(Flag::PathAboveRoot);
        return;
    };
    let keep = before
        .iter()
        .rposition(|b| *b == b'/')
        .map_or(1, |at| at + 1);
    out.truncate(keep);
}

/// Whether `raw` holds `%2F` or `%5C` in either case.
fn has_encoded_separator(raw: &[u8]) -> bool {
    raw.windows(3)
        .any(|w| matches!(w, [b'%', b'2', b'f' | b'F'] | [b'%', b'5', b'c' | b'C']))
}
