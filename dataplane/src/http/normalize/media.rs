//! Header values of the form `token; name=value; ...`: `Content-Type`
//! (RFC 9110 §8.3.1) and a multipart part's `Content-Disposition`
//! (RFC 6266 §4.1, RFC 7578 §4.2).
//!
//! Callers use [`media_type`] or [`is_media_type`] to pick a body
//! normalizer and
//! [`header_param`] to read `boundary`, `name` or `filename`. Nothing here
//! allocates except the returned copies.

use super::params::trim;

/// The media type essence (`type/subtype`), trimmed and lowercased.
pub fn media_type(content_type: &[u8]) -> Vec<u8> {
    essence(content_type).to_ascii_lowercase()
}

/// Whether the media type essence of `content_type` is `media` (given in
/// lower case), without a copy.
pub fn is_media_type(content_type: &[u8], media: &[u8]) -> bool {
    essence(content_type).eq_ignore_ascii_case(media)
}

/// `type/subtype` of a header value, trimmed, as written.
fn essence(content_type: &[u8]) -> &[u8] {
    let end = memchr::memchr(b';', content_type).unwrap_or(content_type.len());
    trim(content_type.get(..end).unwrap_or_default())
}

/// The first parameter called `name` (compared case-insensitively) of a
/// header value, with a quoted-string value unquoted.
///
/// Inside quotes, `\` escapes only `"` and `\`; before any other byte it is
/// kept, so a Windows file name such as `C:\dir\a.txt` sent unescaped by old
/// browsers survives.
pub fn header_param(value: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    params(value)
        .find(|param| param.name.eq_ignore_ascii_case(name))
        .map(|param| param.value())
}

/// One parameter of a header value, still raw.
#[derive(Debug, Clone, Copy)]
pub(super) struct RawParam<'a> {
    pub(super) name: &'a [u8],
    raw: &'a [u8],
    quoted: bool,
}

impl RawParam<'_> {
    /// The value, unquoted if it was a quoted-string.
    pub(super) fn value(&self) -> Vec<u8> {
        if !self.quoted {
            return self.raw.to_vec();
        }
        let mut out = Vec::with_capacity(self.raw.len());
        let mut bytes = self.raw.iter().peekable();
        while let Some(&b) = bytes.next() {
            if b == b'\\' {
                if let Some(&&next @ (b'"' | b'\\')) = bytes.peek() {
                    out.push(next);
                    bytes.next();
                    continue;
                }
            }
            out.push(b);
        }
        out
    }
}

/// The parameters after the first `;` of a header value.
pub(super) fn params(value: &[u8]) -> Params<'_> {
    let start = value.iter().position(|b| *b == b';').unwrap_or(value.len());
    Params {
        rest: &value[start..],
    }
}

/// Iterator over the parameters of a header value; pieces without `=` are
/// skipped.
#[derive(Debug, Clone)]
pub(super) struct Params<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Params<'a> {
    type Item = RawParam<'a>;

    fn next(&mut self) -> Option<RawParam<'a>> {
        loop {
            let start = self
                .rest
                .iter()
                .position(|b| !matches!(b, b';' | b' ' | b'\t'))?;
            let rest = &self.rest[start..];
            let end = rest.iter().position(|b| matches!(b, b'=' | b';'));
            let Some(eq) = end.filter(|at| rest.get(*at) == Some(&b'=')) else {
                self.rest = &rest[end.unwrap_or(rest.len())..];
                continue;
            };
            let name = trim(&rest[..eq]);
            let after = trim_start(&rest[eq + 1..]);
            let (raw, quoted, tail) = value_at(after);
            self.rest = tail;
            return Some(RawParam { name, raw, quoted });
        }
    }
}

/// Splits a parameter value (quoted-string or token) from what follows.
fn value_at(bytes: &[u8]) -> (&[u8], bool, &[u8]) {
    if let Some(inner) = bytes.strip_prefix(b"\"") {
        let end = closing_quote(inner).unwrap_or(inner.len());
        let tail = inner.get(end + 1..).unwrap_or_default();
        let next = tail.iter().position(|b| *b == b';').unwrap_or(tail.len());
        return (&inner[..end], true, &tail[next..]);
    }
    let end = bytes.iter().position(|b| *b == b';').unwrap_or(bytes.len());
    (trim(&bytes[..end]), false, &bytes[end..])
}

/// Index of the `"` that closes a quoted-string whose opening quote has
/// been removed, skipping `\"` and `\\`.
fn closing_quote(inner: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(&b) = inner.get(i) {
        match b {
            b'"' => return Some(i),
            b'\\' if matches!(inner.get(i + 1), Some(b'"' | b'\\')) => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// `bytes` without leading spaces and tabs.
fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !matches!(b, b' ' | b'\t'));
    &bytes[start.unwrap_or(bytes.len())..]
}
