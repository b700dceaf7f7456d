//! Parses the lines of a collected header block: request line, status line
//! and header fields, tolerantly, the way browsers and servers read them,
//! with every deviation from RFC 9112 recorded as an [`Anomaly`].
//!
//! Input: lines from [`super::head::lines`]. Output: plain values; nothing
//! here keeps state between calls.

use super::anomaly::{self, Anomaly};
use super::fast;
pub(crate) use super::fast::is_tchar;
use super::head;
use super::message::{Header, Method, Version};

/// A parsed request line.
#[derive(Debug, Default)]
pub(crate) struct RequestLine {
    pub(crate) method: Method,
    pub(crate) uri: Vec<u8>,
    pub(crate) version: Version,
}

/// A parsed status line.
#[derive(Debug)]
pub(crate) struct StatusLine {
    pub(crate) version: Version,
    pub(crate) status: u16,
    pub(crate) reason: Vec<u8>,
}

/// Parses `method SP target SP version`; a line without a version is an
/// HTTP/0.9 request. Runs of spaces between parts are tolerated and spaces
/// inside the target are kept.
pub(crate) fn request_line(line: &[u8], anomalies: &mut Vec<Anomaly>) -> RequestLine {
    check_controls(line, anomalies);
    let (method, uri, version) = request_parts(line);
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        anomaly::note(anomalies, Anomaly::InvalidRequestLine);
    }
    let version = if version.is_empty() {
        anomaly::note(anomalies, Anomaly::Http09Request);
        Version::Http09
    } else {
        parse_version(version, anomalies)
    };
    if uri.is_empty() || uri.iter().any(|&b| b <= b' ' || b == 0x7f) {
        anomaly::note(anomalies, Anomaly::InvalidUri);
    }
    RequestLine {
        method: Method::from_bytes(method),
        uri: uri.to_vec(),
        version,
    }
}

/// True for a request line without a version (HTTP/0.9).
pub(crate) fn is_http09(line: &[u8]) -> bool {
    request_parts(line).2.is_empty()
}

/// Splits a request line into method, target and version (empty when
/// absent).
fn request_parts(line: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let (method, rest) = split_token(trim(line));
    let rest = trim(rest);
    // The version is the last token, when it looks like one.
    let last_space = rest.iter().rposition(|&b| b == b' ' || b == b'\t');
    let (uri, version) = match last_space {
        Some(at) if looks_like_version(&rest[at + 1..]) => (trim(&rest[..at]), &rest[at + 1..]),
        _ if looks_like_version(rest) => (&b""[..], rest),
        _ => (rest, &b""[..]),
    };
    (method, uri, version)
}

/// Parses a status line that starts with `HTTP` (any case). A missing or
/// malformed version counts as HTTP/1.0 and a missing code as 200, as
/// browsers read them.
pub(crate) fn status_line(line: &[u8], anomalies: &mut Vec<Anomaly>) -> StatusLine {
    check_controls(line, anomalies);
    let (version_tok, rest) = split_token(line);
    let version = match version_tok.get(..5) {
        Some(v) if v.eq_ignore_ascii_case(b"HTTP/") => parse_version(version_tok, anomalies),
        _ => {
            anomaly::note(anomalies, Anomaly::InvalidVersion);
            Version::Http10
        }
    };
    let rest = trim_start(rest);
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let status = match digits {
        3 => parse_u16(&rest[..3]),
        0 => None,
        _ => parse_u16(&rest[..digits.min(4)]),
    };
    if digits != 3 || status.is_none() || rest.get(3).is_some_and(|&b| b != b' ') {
        anomaly::note(anomalies, Anomaly::InvalidStatusCode);
    }
    StatusLine {
        version,
        status: status.filter(|&s| (100..1000).contains(&s)).unwrap_or(200),
        reason: trim(&rest[digits..]).to_vec(),
    }
}

/// Parses the field lines of a collected `block` that start at `from`
/// (see [`head::start_line`]): plainly well-formed blocks through
/// [`fast::fields`], anything else through [`fields`].
pub(crate) fn block_fields(
    block: &[u8],
    from: usize,
    max_headers: usize,
    anomalies: &mut Vec<Anomaly>,
) -> Vec<Header> {
    if let Some(headers) = fast::fields(block, from, max_headers) {
        return headers;
    }
    let mut headers = Vec::new();
    let rest = block.get(from..).unwrap_or_default();
    fields(head::lines(rest), max_headers, &mut headers, anomalies);
    headers
}

/// Parses field lines into `headers`. A line that starts with whitespace
/// or NUL continues the previous line (obs-fold) unless it is a complete
/// field of its own; a line without a colon waits for such continuations.
/// Stops keeping fields at `max_headers`.
pub(crate) fn fields<'a>(
    lines: impl Iterator<Item = &'a [u8]>,
    max_headers: usize,
    headers: &mut Vec<Header>,
    anomalies: &mut Vec<Anomaly>,
) {
    let mut logical: Vec<Vec<u8>> = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        check_controls(line, anomalies);
        let folded = matches!(line.first(), Some(b' ' | b'\t' | 0));
        if !folded {
            logical.push(line.to_vec());
            continue;
        }
        anomaly::note(anomalies, Anomaly::ObsFold);
        let rest = trim_start(line);
        match logical.last_mut() {
            Some(last) if !is_field(rest) => {
                last.push(b' ');
                last.extend_from_slice(rest);
            }
            _ => logical.push(rest.to_vec()),
        }
    }
    for line in &logical {
        let Some((name, value)) = field(line, anomalies) else {
            continue;
        };
        if headers.len() >= max_headers {
            anomaly::note(anomalies, Anomaly::TooManyHeaders);
            return;
        }
        headers.push(Header {
            name: name.to_vec(),
            value: value.to_vec(),
        });
    }
}

/// True for `name:` with a name of visible characters.
fn is_field(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    let name = trim_end(&line[..colon]);
    !name.is_empty() && name.iter().all(|&b| b > b' ' && b != 0x7f)
}

/// One `name: value` line as (name, value); `None` for lines that carry
/// no field.
fn field<'a>(line: &'a [u8], anomalies: &mut Vec<Anomaly>) -> Option<(&'a [u8], &'a [u8])> {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        anomaly::note(anomalies, Anomaly::HeaderWithoutColon);
        return None;
    };
    let raw_name = &line[..colon];
    let name = trim_end(raw_name);
    if name.len() != raw_name.len() {
        anomaly::note(anomalies, Anomaly::SpaceBeforeColon);
    }
    if name.is_empty() {
        anomaly::note(anomalies, Anomaly::EmptyHeaderName);
        return None;
    }
    if !name.iter().all(|&b| is_tchar(b)) {
        anomaly::note(anomalies, Anomaly::InvalidHeaderName);
    }
    let value = trim(&line[colon + 1..]);
    if value.iter().any(|&b| b != b'\t' && (b < b' ' || b == 0x7f)) {
        anomaly::note(anomalies, Anomaly::InvalidHeaderValue);
    }
    Some((name, value))
}

/// Parses `HTTP/d.d` (any case); trailing bytes after the minor digit are
/// ignored, as browsers do, and flagged. Other shapes give
/// [`Version::Invalid`].
pub(crate) fn parse_version(token: &[u8], anomalies: &mut Vec<Anomaly>) -> Version {
    let version = match token {
        [h, t1, t2, p, b'/', major, b'.', minor, rest @ ..]
            if [*h, *t1, *t2, *p].eq_ignore_ascii_case(b"HTTP")
                && major.is_ascii_digit()
                && minor.is_ascii_digit() =>
        {
            if !token.starts_with(b"HTTP") || !rest.is_empty() {
                anomaly::note(anomalies, Anomaly::InvalidVersion);
            }
            match (major - b'0', minor - b'0') {
                (1, 1) => Version::Http11,
                (1, 0) => Version::Http10,
                (0, 9) => Version::Http09,
                (major, minor) => Version::Other(major, minor),
            }
        }
        _ => Version::Invalid,
    };
    match version {
        Version::Invalid => anomaly::note(anomalies, Anomaly::InvalidVersion),
        Version::Other(..) => anomaly::note(anomalies, Anomaly::UnsupportedVersion),
        _ => {}
    }
    version
}

/// True for tokens that a version parser should be given.
fn looks_like_version(token: &[u8]) -> bool {
    token
        .get(..5)
        .is_some_and(|t| t.eq_ignore_ascii_case(b"HTTP/"))
}

/// Flags NUL, bare CR and other control bytes in a head line.
fn check_controls(line: &[u8], anomalies: &mut Vec<Anomaly>) {
    if line.contains(&0) {
        anomaly::note(anomalies, Anomaly::NulInHeader);
    }
    if line.contains(&b'\r') {
        anomaly::note(anomalies, Anomaly::BareCr);
    }
}

/// Splits at the first space or tab: (token, rest).
fn split_token(line: &[u8]) -> (&[u8], &[u8]) {
    match line.iter().position(|&b| b == b' ' || b == b'\t') {
        Some(at) => (&line[..at], &line[at..]),
        None => (line, &[]),
    }
}

/// The value of up to four decimal digits.
fn parse_u16(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, &d| n * 10 + u16::from(d - b'0')))
}

fn is_ws(b: &u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// Removes spaces and tabs around `s`.
pub(crate) fn trim(s: &[u8]) -> &[u8] {
    trim_end(trim_start(s))
}

fn trim_start(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !is_ws(b) && *b != 0)
        .unwrap_or(s.len());
    &s[start..]
}

fn trim_end(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|b| !is_ws(b)).map_or(0, |at| at + 1);
    &s[..end]
}
