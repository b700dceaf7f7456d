//! Decides how a message body ends (RFC 9112 §6.3) and which content codings
//! it carries, from the parsed header fields.
//!
//! Where the RFC would reject a message (conflicting lengths, unknown
//! transfer codings) this follows what browsers and servers actually do and
//! records the deviation as an anomaly.

use std::borrow::Cow;

use super::anomaly::{self, Anomaly};
use super::message::{Encoding, Framing, Header, Method, Version};
use super::parse::{is_tchar, trim};

/// Framing of a request body: chunked, a length, or none (requests are never
/// close-delimited).
pub(crate) fn request(headers: &Scan<'_>, version: Version, out: &mut Vec<Anomaly>) -> Framing {
    if version == Version::Http09 {
        return Framing::None;
    }
    match transfer_coding(headers, version, out) {
        Some(true) => return Framing::Chunked,
        Some(false) => return Framing::None,
        None => {}
    }
    match content_length(headers, out) {
        Length::Valid(0) | Length::Absent | Length::Invalid => Framing::None,
        Length::Valid(n) | Length::Conflicting(n) => Framing::Length(n),
    }
}

/// Framing of a response body for a request with `method`.
pub(crate) fn response(
    headers: &Scan<'_>,
    version: Version,
    status: u16,
    method: &Method,
    out: &mut Vec<Anomaly>,
) -> Framing {
    if *method == Method::Head || status < 200 || status == 204 || status == 304 {
        return Framing::None;
    }
    let chunked = transfer_coding(headers, version, out);
    let length = content_length(headers, out);
    // Before HTTP/1.1 browsers prefer the length to Transfer-Encoding.
    let old = !matches!(version, Version::Http11 | Version::Other(1.., _));
    if chunked == Some(true) && !(old && matches!(length, Length::Valid(_))) {
        return Framing::Chunked;
    }
    match length {
        // An unknown transfer coding does not stop browsers using the length.
        Length::Valid(n) => Framing::Length(n),
        // Browsers give up on disagreeing lengths; reading to the close keeps
        // every byte the server sent in view.
        _ => {
            if version != Version::Http10 {
                anomaly::note(out, Anomaly::CloseDelimited);
            }
            Framing::Close
        }
    }
}

/// Content codings from every Content-Encoding field, in the order applied.
pub(crate) fn encodings(headers: &Scan<'_>) -> Vec<Encoding> {
    values(headers, CONTENT_ENCODING)
        .map(|token| {
            let known = [
                (&b"gzip"[..], Encoding::Gzip),
                (b"x-gzip", Encoding::Gzip),
                (b"deflate", Encoding::Deflate),
                (b"x-deflate", Encoding::Deflate),
                (b"br", Encoding::Brotli),
                (b"identity", Encoding::Identity),
            ];
            let found = known
                .into_iter()
                .find(|(n, _)| token.eq_ignore_ascii_case(n));
            found.map_or_else(|| Encoding::Unknown(token.into_owned()), |(_, e)| e)
        })
        .collect()
}

/// `Some(true)` when Transfer-Encoding names chunked, `Some(false)` when it is
/// present without chunked, `None` when absent. Any `chunked` token counts,
/// as browsers read it.
fn transfer_coding(headers: &Scan<'_>, version: Version, out: &mut Vec<Anomaly>) -> Option<bool> {
    if !headers.has(TRANSFER_ENCODING) {
        return None;
    }
    if version == Version::Http10 {
        anomaly::note(out, Anomaly::TransferEncodingHttp10);
    }
    let (mut count, mut chunked, mut last_chunked) = (0usize, false, false);
    for token in values(headers, TRANSFER_ENCODING) {
        count += 1;
        last_chunked = token.eq_ignore_ascii_case(b"chunked");
        chunked |= last_chunked;
    }
    if !last_chunked || count > 1 {
        anomaly::note(out, Anomaly::UnknownTransferEncoding);
    }
    if chunked && headers.has(CONTENT_LENGTH) {
        anomaly::note(out, Anomaly::ContentLengthWithTransferEncoding);
    }
    Some(chunked)
}

/// What the Content-Length fields say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Length {
    Absent,
    Valid(u64),
    /// Values disagree; the first is kept.
    Conflicting(u64),
    Invalid,
}

/// Reads every Content-Length value (fields and comma-separated lists).
fn content_length(headers: &Scan<'_>, out: &mut Vec<Anomaly>) -> Length {
    let mut found = Length::Absent;
    let mut count = 0usize;
    for token in list(headers, CONTENT_LENGTH) {
        count += 1;
        let Some(n) = parse_decimal(token) else {
            anomaly::note(out, Anomaly::InvalidContentLength);
            return Length::Invalid;
        };
        found = match found {
            Length::Absent => Length::Valid(n),
            Length::Valid(m) if m == n => found,
            Length::Valid(m) | Length::Conflicting(m) => Length::Conflicting(m),
            Length::Invalid => found,
        };
    }
    if count == 0 && headers.has(CONTENT_LENGTH) {
        anomaly::note(out, Anomaly::InvalidContentLength);
        return Length::Invalid;
    }
    match found {
        Length::Conflicting(_) => anomaly::note(out, Anomaly::ConflictingContentLength),
        _ if count > 1 => anomaly::note(out, Anomaly::DuplicateContentLength),
        _ => {}
    }
    found
}

/// A plain decimal number that fits in 63 bits.
fn parse_decimal(token: &[u8]) -> Option<u64> {
    if token.is_empty() || token.len() > 18 || !token.iter().all(u8::is_ascii_digit) {
        return None;
    }
    token.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// The fields framing looks at, as bits of [`Scan`].
const CONTENT_LENGTH: u8 = 1;
const TRANSFER_ENCODING: u8 = 2;
const CONTENT_ENCODING: u8 = 4;
const NAMES: [(u8, &str); 3] = [
    (CONTENT_LENGTH, "content-length"),
    (TRANSFER_ENCODING, "transfer-encoding"),
    (CONTENT_ENCODING, "content-encoding"),
];

/// One message's header fields with the framing fields among them found in
/// one pass, so that absent ones cost nothing more.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scan<'a> {
    headers: &'a [Header],
    present: u8,
}

impl<'a> Scan<'a> {
    pub(crate) fn new(headers: &'a [Header]) -> Self {
        let present = headers.iter().fold(0, |bits, h| bits | kind(&h.name));
        Self { headers, present }
    }

    fn has(&self, field: u8) -> bool {
        self.present & field != 0
    }

    /// Values of every field of kind `field`, in wire order.
    fn values_of(&self, field: u8) -> impl Iterator<Item = &'a [u8]> + 'a {
        let name = NAMES.iter().find(|(f, _)| *f == field).map_or("", |n| n.1);
        let headers = if self.has(field) { self.headers } else { &[] };
        headers
            .iter()
            .filter(move |h| name_is(&h.name, name))
            .map(|h| h.value.as_slice())
    }
}

/// The framing field `raw` names, as a bit (0 for any other).
fn kind(raw: &[u8]) -> u8 {
    NAMES
        .iter()
        .find(|(_, name)| name_is(raw, name))
        .map_or(0, |(bit, _)| *bit)
}

/// Compares a field name the way lenient readers match it: NUL bytes
/// removed and surrounding whitespace and control bytes ignored.
fn name_is(raw: &[u8], name: &str) -> bool {
    if raw.eq_ignore_ascii_case(name.as_bytes()) {
        return true;
    }
    // Without bytes to ignore, only an exact match counts.
    raw.len() > name.len() && raw.iter().any(|&b| b <= b' ') && lenient_name_is(raw, name)
}

fn lenient_name_is(raw: &[u8], name: &str) -> bool {
    let start = raw.iter().position(|&b| b > b' ').unwrap_or(raw.len());
    let end = raw
        .iter()
        .rposition(|&b| b > b' ')
        .map_or(start, |at| at + 1);
    let mut wanted = name.bytes();
    let matched = raw[start..end]
        .iter()
        .filter(|&&b| b != 0)
        .all(|b| wanted.next().is_some_and(|w| w.eq_ignore_ascii_case(b)));
    matched && wanted.next().is_none()
}

/// Tokens of every field of kind `field`: values with NUL bytes removed,
/// split at any byte that cannot be part of a token (commas, whitespace,
/// `;`, control bytes), so that parameters and junk around a coding do not
/// hide it.
fn values<'a>(headers: &Scan<'a>, field: u8) -> impl Iterator<Item = Cow<'a, [u8]>> + 'a {
    headers.values_of(field).flat_map(tokens)
}

/// The token runs of `value`, NUL bytes removed.
fn tokens(value: &[u8]) -> impl Iterator<Item = Cow<'_, [u8]>> + '_ {
    value
        .split(|&b| !is_tchar(b) && b != 0)
        .map(|t| match t.contains(&0) {
            false => Cow::Borrowed(t),
            true => Cow::Owned(t.iter().copied().filter(|&b| b != 0).collect()),
        })
        .filter(|t| !t.is_empty())
}

/// Comma-separated list elements of every field of kind `field`, trimmed.
fn list<'a>(headers: &Scan<'a>, field: u8) -> impl Iterator<Item = &'a [u8]> + 'a {
    headers
        .values_of(field)
        .flat_map(|v| v.split(|&b| b == b','))
        .map(trim)
        .filter(|t| !t.is_empty())
}
