//! The transforms a test applies to a value before matching it.
//!
//! Each transform reads bytes and writes bytes, never fails and never makes
//! its input longer by more than one byte (`normalize-path` may add a
//! leading `/`), so a chain stays bounded by its input. What each one does:
//!
//! - `lowercase`: ASCII `A`-`Z` to `a`-`z`; other bytes unchanged.
//! - `url-decode`: `%XX` (either case) to its byte, `+` to a space; a `%`
//!   not followed by two hex digits stays as it is.
//! - `html-entity-decode`: see [`super::html`].
//! - `base64-decode`: RFC 4648 standard and URL-safe alphabets, even mixed;
//!   whitespace skipped; stops at `=` or at the first byte outside both
//!   alphabets, keeping what was decoded before it.
//! - `normalize-path`: `\` to `/`, repeated `/` collapsed, `.` and `..`
//!   resolved without climbing above the root, a leading `/` added; no
//!   decoding. The asterisk-form target `*` (`OPTIONS *`) stays as it is.
//! - `compress-whitespace`: each run of space, tab, CR, LF, VT or FF becomes
//!   one space.
//! - `json-decode`: the escapes of RFC 8259 §7 (`\"`, `\\`, `\/`, `\b`,
//!   `\f`, `\n`, `\r`, `\t`, `\uXXXX` in either case, surrogate pairs
//!   joined) to their UTF-8 bytes; a backslash starting no escape, and a
//!   lone surrogate, stay as written. For raw JSON text (`request-body`),
//!   where a client can write any character of a key or value escaped.

use std::borrow::Cow;

use palisade_rules::Transform;
use smallvec::SmallVec;

use super::html;
use crate::http::normalize::{clean_path, json_unescape};

/// Bytes some transform changes, as found by [`changes`].
pub(crate) const HAS_UPPER: u8 = 1;
pub(crate) const HAS_PERCENT: u8 = 2;
pub(crate) const HAS_AMPERSAND: u8 = 4;
pub(crate) const HAS_SPACE: u8 = 8;
pub(crate) const HAS_BACKSLASH: u8 = 16;
/// Something `normalize-path` would change: no leading `/`, a `\`, a
/// `//` or a `.` (a dot segment, or a dot in a name, told apart only by
/// normalizing).
pub(crate) const HAS_PATH_WORK: u8 = 32;
pub(crate) const HAS_PLUS: u8 = 64;

/// Applies `chain` to `input` in order; borrows `input` for an empty chain.
pub fn apply<'a>(chain: &[Transform], input: &'a [u8]) -> Cow<'a, [u8]> {
    let mut value = Cow::Borrowed(input);
    for transform in chain {
        value = Cow::Owned(apply_one(*transform, &value));
    }
    value
}

/// Appends `chain` applied to `input` to `out`.
pub(crate) fn apply_into(chain: &[Transform], input: &[u8], out: &mut Vec<u8>) {
    match chain {
        [] => out.extend_from_slice(input),
        [one] => apply_one_into(*one, input, out),
        [first @ .., last] => apply_one_into(*last, &apply(first, input), out),
    }
}

/// Which kinds of byte in `input` some transform would change: a fold
/// without branches, so that it runs on whole vectors.
pub(crate) fn changes(input: &[u8]) -> u8 {
    let (mut upper, mut percent, mut plus, mut amp, mut space) = (0u8, 0u8, 0u8, 0u8, 0u8);
    let (mut backslash, mut dot, mut slashes, mut slash) = (0u8, 0u8, 0u8, 0u8);
    for &b in input {
        upper |= u8::from(b.wrapping_sub(b'A') < 26);
        percent |= u8::from(b == b'%');
        plus |= u8::from(b == b'+');
        amp |= u8::from(b == b'&');
        space |= u8::from(b == b' ') | u8::from(b.wrapping_sub(b'\t') < 5);
        backslash |= u8::from(b == b'\\');
        dot |= u8::from(b == b'.');
        let this = u8::from(b == b'/');
        slashes |= slash & this;
        slash = this;
    }
    let unrooted = u8::from(input.first() != Some(&b'/'));
    (upper * HAS_UPPER)
        | (percent * HAS_PERCENT)
        | (plus * HAS_PLUS)
        | (amp * HAS_AMPERSAND)
        | (space * HAS_SPACE)
        | (backslash * HAS_BACKSLASH)
        | ((unrooted | backslash | dot | slashes) * HAS_PATH_WORK)
}

/// True when `transform` leaves every value whose [`changes`] are within
/// `found` as it is. Base64 decoding never does.
pub(crate) fn keeps(transform: Transform, found: u8) -> bool {
    let needs = match transform {
        Transform::Lowercase => HAS_UPPER,
        Transform::UrlDecode => HAS_PERCENT | HAS_PLUS,
        Transform::HtmlEntityDecode => HAS_AMPERSAND,
        Transform::CompressWhitespace => HAS_SPACE,
        Transform::JsonDecode => HAS_BACKSLASH,
        Transform::NormalizePath => HAS_PATH_WORK,
        Transform::Base64Decode => return false,
    };
    found & needs == 0
}

/// What values whose [`changes`] are within `found` may hold after
/// `transform`, as [`changes`] would find it: `found` itself when the
/// transform keeps them; without upper case after `lowercase`; a space
/// instead of a `+` after `url-decode` when there is no `%`; anything
/// after any other step that changes something.
fn after(transform: Transform, found: u8) -> u8 {
    if keeps(transform, found) {
        return found;
    }
    match transform {
        Transform::Lowercase => found & !HAS_UPPER,
        Transform::UrlDecode if found & HAS_PERCENT == 0 => found & !HAS_PLUS | HAS_SPACE,
        _ => u8::MAX,
    }
}

/// The transforms of `chain` that change something in values whose
/// [`changes`] are within `found`, in order: applied to such values, they
/// give what the whole chain gives, since each transform left out would
/// keep what reaches it (see [`after`]).
pub(crate) fn effective(chain: &[Transform], mut found: u8) -> SmallVec<[Transform; 4]> {
    let mut kept = SmallVec::new();
    for &transform in chain {
        if !keeps(transform, found) {
            kept.push(transform);
            found = after(transform, found);
        }
    }
    kept
}

/// True when the transform of a piece of a value does not depend on the
/// pieces around it, so a stream can be transformed piece by piece.
pub(crate) fn is_stateless(transform: Transform) -> bool {
    matches!(transform, Transform::Lowercase)
}

fn apply_one(transform: Transform, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + 1);
    apply_one_into(transform, input, &mut out);
    out
}

fn apply_one_into(transform: Transform, input: &[u8], out: &mut Vec<u8>) {
    match transform {
        Transform::Lowercase => out.extend(input.iter().map(u8::to_ascii_lowercase)),
        Transform::UrlDecode => url_decode(input, out),
        Transform::HtmlEntityDecode => out.extend_from_slice(&html::decode(input)),
        Transform::Base64Decode => base64_decode(input, out),
        Transform::NormalizePath => out.extend_from_slice(&clean_path(input).0),
        Transform::CompressWhitespace => compress_whitespace(input, out),
        Transform::JsonDecode => json_unescape(input, out),
    }
}

/// RFC 3986 §2.1 percent-decoding, with `+` as a space (form encoding).
fn url_decode(input: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        let escaped = match (b, input.get(i + 1), input.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) => hex_value(hi).zip(hex_value(lo)),
            _ => None,
        };
        match (escaped, b) {
            (Some((hi, lo)), _) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// RFC 4648 §4 and §5 decoding, lenient as servers are.
fn base64_decode(input: &[u8], out: &mut Vec<u8>) {
    let mut bits: u32 = 0;
    let mut held = 0u32;
    for &b in input {
        if b.is_ascii_whitespace() {
            continue;
        }
        let Some(sextet) = base64_value(b) else {
            break;
        };
        bits = (bits << 6 | u32::from(sextet)) & 0xFFFF;
        held += 6;
        if held >= 8 {
            held -= 8;
            // The mask keeps the byte's 8 bits; the cast cannot lose any.
            out.push((bits >> held & 0xFF) as u8);
        }
    }
}

fn base64_value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

fn compress_whitespace(input: &[u8], out: &mut Vec<u8>) {
    let mut in_run = false;
    for &b in input {
        let space = matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C);
        if !space {
            out.push(b);
        } else if !in_run {
            out.push(b' ');
        }
        in_run = space;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every chain of up to four steps (repeats allowed), over groups of
    /// values holding few kinds of byte each, so that steps are left out:
    /// the effective chain of a group gives each of its values what the
    /// whole chain gives.
    #[test]
    fn effective_chains_give_what_whole_chains_give() {
        let mut chains: Vec<Vec<Transform>> = vec![vec![]];
        let mut last = chains.clone();
        for _ in 0..4 {
            let longer = last.iter().flat_map(|chain| {
                let steps = Transform::ALL.iter();
                steps.map(move |step| [chain.clone(), vec![*step]].concat())
            });
            last = longer.collect();
            chains.extend(last.iter().cloned());
        }
        let groups: [&[&[u8]]; 16] = [
            &[b"a++b", b"/x"],
            &[b"a%2Bb+c"],
            &[b"a%26lt;b+c"],
            &[b"a%2526b"],
            &[b"&lt;a+b", b"c+d"],
            &[b"&#x2b;a&#37;41"],
            &[b"A+B", b"/C/./d"],
            &[b"a\\u0026lt;b"],
            &[b"a\\u002b%41+\\\\"],
            &[b"/a//b/../c", b"+"],
            &[b"a\tb  c+d"],
            &[b"YSUyQmI=", b"a+b"],
            &[b"PCUyNmx0Ow=="],
            &[b"%0A+x", b"&NewLine;+"],
            &[b"/a/b", b"plain"],
            &[b"&AMP;lt;+%2e%2e/"],
        ];
        for group in groups {
            let found = group.iter().fold(0, |all, value| all | changes(value));
            for chain in &chains {
                let kept = effective(chain, found);
                for value in group {
                    let (whole, part) = (apply(chain, value), apply(&kept, value));
                    let shown = String::from_utf8_lossy(value);
                    assert_eq!(part, whole, "{shown} through {chain:?}, kept {kept:?}");
                }
            }
        }
    }

    /// Each chain's effective form applied to each value gives what the
    /// whole chain gives, and the steps left out are the ones expected.
    #[test]
    fn steps_that_change_nothing_are_left_out_wherever_they_stand() {
        use Transform::{
            CompressWhitespace as Squeeze, HtmlEntityDecode as Html, Lowercase, UrlDecode as Url,
        };
        let cases: [(&[u8], &[Transform], &[Transform]); 8] = [
            (b"a+b", &[Url, Html], &[Url]),
            (b"a+b", &[Html, Url], &[Url]),
            (b"a%26lt;b", &[Url, Html], &[Url, Html]),
            (b"a+&lt;b", &[Url, Html], &[Url, Html]),
            (b"a%2Bb", &[Url, Lowercase], &[Url, Lowercase]),
            (b"A+B", &[Lowercase, Url, Html], &[Lowercase, Url]),
            (b"plain", &[Url, Html, Lowercase], &[]),
            (b"x+y", &[Url, Squeeze], &[Url, Squeeze]),
        ];
        for (value, chain, expected) in cases {
            let kept = effective(chain, changes(value));
            let shown = String::from_utf8_lossy(value);
            assert_eq!(kept.as_slice(), expected, "{shown} through {chain:?}");
            assert_eq!(apply(&kept, value), apply(chain, value), "{shown}");
        }
    }

    #[test]
    fn a_path_normalization_is_skipped_only_where_it_changes_nothing() {
        let paths: [&[u8]; 17] = [
            b"/api/v1/users/12345",
            b"/",
            b"/a/",
            b"/a;b/c",
            b"",
            b"*",
            b"a/b",
            b"/a/./b",
            b"/a/../b",
            b"/..",
            b"//a",
            b"/a//b",
            b"\\a\\b",
            b"/a.json",
            b"/a/.",
            b" /a",
            b"/a%2e%2e/",
        ];
        for path in paths {
            let normalized = apply(&[Transform::NormalizePath], path);
            if keeps(Transform::NormalizePath, changes(path)) {
                assert_eq!(&*normalized, path, "{}", String::from_utf8_lossy(path));
            }
        }
        // The plain paths are kept, so the sweep scans them once.
        for path in paths.iter().take(4) {
            let shown = String::from_utf8_lossy(path);
            assert!(keeps(Transform::NormalizePath, changes(path)), "{shown}");
        }
    }
}
