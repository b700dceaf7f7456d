//! The compact [`Observation`] of one finished HTTP transaction: what the
//! inventory learns from it, with no value kept (only names, types and
//! kinds).
//!
//! Input: a [`Transaction`] from the HTTP parser and the server's address.
//! Output: an [`Observation`], serializable so that a dataplane can send it
//! to the control plane, whose aggregator ([`super::Inventory`]) and spec
//! checks ([`super::spec`]) take it as it is. The work per transaction is a
//! split of the target, a parse of the query, of a JSON or form body's top
//! level, and one sensitive-data scan of the header values and kept bodies.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::auth::{self, Auth};
use super::sensitive::{self, SensitiveSet};
use super::value::{classify, classify_json, ValueType};
use crate::http::normalize::{
    flatten_json, media_type, parse_cookies, parse_query, parse_urlencoded, percent_decode,
    split_target, Limits,
};
use crate::http::{Header, Transaction};

/// Where a request parameter was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Query,
    Header,
    Body,
}

impl Location {
    /// The OpenAPI `in` value (body parameters have none: they are
    /// properties of the request body).
    pub fn name(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Header => "header",
            Self::Body => "body",
        }
    }
}

/// One request parameter: its name, where it was and its value's type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ParamSeen {
    pub name: String,
    #[serde(rename = "in")]
    pub location: Location,
    #[serde(rename = "type")]
    pub ty: ValueType,
}

/// What one transaction shows of its API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// When the request started (nanoseconds since the epoch).
    pub time_ns: u64,
    /// Host name, lowercase, without the port; the server address when the
    /// request names none.
    pub host: String,
    pub method: String,
    /// The path as sent (still percent-encoded), without the query; a
    /// segment holding sensitive data is masked.
    pub path: String,
    pub params: Vec<ParamSeen>,
    /// Media type of the request body, when it has one.
    pub request_content_type: Option<String>,
    pub status: Option<u16>,
    /// Media type of the response body, when it has one.
    pub response_content_type: Option<String>,
    pub auth: Vec<Auth>,
    pub request_sensitive: SensitiveSet,
    pub response_sensitive: SensitiveSet,
    /// From the end of the request to the first byte of the response.
    pub latency_us: Option<u64>,
}

/// Bounds of the parameter parsers here: names only matter, values are
/// classified and dropped.
const LIMITS: Limits = Limits {
    max_params: 128,
    max_name: 128,
    max_value: 256,
    max_parts: 16,
    max_part_data: 0,
    max_depth: 4,
};

/// Request headers every client sends, which are not API parameters.
const PLAIN_HEADERS: [&str; 28] = [
    "host",
    "user-agent",
    "accept",
    "accept-encoding",
    "accept-language",
    "accept-charset",
    "connection",
    "keep-alive",
    "content-length",
    "content-type",
    "content-encoding",
    "transfer-encoding",
    "cookie",
    "authorization",
    "cache-control",
    "pragma",
    "referer",
    "origin",
    "te",
    "upgrade",
    "expect",
    "if-none-match",
    "if-modified-since",
    "if-match",
    "range",
    "dnt",
    "via",
    "x-forwarded-for",
];

/// The observation of `tx`, sent to `server`.
pub fn observe(tx: &Transaction, server: SocketAddr) -> Observation {
    let target = split_target(&tx.uri);
    let query = target
        .query
        .map(|q| parse_query(q, &LIMITS).0)
        .unwrap_or_default();
    let cookies = cookie_names(&tx.request_headers);

    let mut params = Vec::new();
    for p in &query {
        params.push(param(&p.name, Location::Query, classify(&p.value)));
    }
    for h in &tx.request_headers {
        if !is_plain_header(&h.name) && !h.name.is_empty() {
            let name = h.name.to_ascii_lowercase();
            params.push(param(&name, Location::Header, classify(&h.value)));
        }
    }
    let request_content_type = content_type(tx.request_header("content-type"), &tx.request_body);
    body_params(
        request_content_type.as_deref(),
        &tx.request_body.data,
        &mut params,
    );
    params.sort();
    params.dedup_by(|a, b| a.name == b.name && a.location == b.location);

    let auth = auth::schemes(
        &tx.request_headers,
        query.iter().map(|p| p.name.as_slice()),
        cookies.iter().map(Vec::as_slice),
    );
    Observation {
        time_ns: tx.request_started_ns,
        host: host_of(tx, server),
        method: String::from_utf8_lossy(tx.method.as_bytes()).into_owned(),
        path: masked_path(target.path),
        params,
        request_content_type,
        status: tx.status,
        response_content_type: content_type(tx.response_header("content-type"), &tx.response_body),
        auth,
        request_sensitive: query.iter().fold(
            scan_message(target.path, &tx.request_headers, &tx.request_body.data),
            |s, p| s.union(sensitive::scan(&p.value)),
        ),
        response_sensitive: scan_message(b"", &tx.response_headers, &tx.response_body.data),
        latency_us: latency_us(tx),
    }
}

/// The path as sent, with each segment that holds sensitive data masked
/// (see [`sensitive::mask`]): observations, the inventory and events never
/// carry such a value.
fn masked_path(raw: &[u8]) -> String {
    let path = String::from_utf8_lossy(raw);
    if !path
        .bytes()
        .any(|b| b.is_ascii_digit() || b == b'@' || b == b'%')
    {
        return path.into_owned();
    }
    let segments: Vec<String> = path
        .split('/')
        .map(|seg| {
            let mut decoded = Vec::new();
            percent_decode(seg.as_bytes(), false, &mut decoded);
            if sensitive::scan(&decoded).is_empty() {
                seg.to_owned()
            } else {
                sensitive::mask(&decoded)
            }
        })
        .collect();
    segments.join("/")
}

/// True for header names every client sends, which are not API parameters.
pub fn is_plain_header(name: &[u8]) -> bool {
    PLAIN_HEADERS
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
}

fn param(name: &[u8], location: Location, ty: ValueType) -> ParamSeen {
    ParamSeen {
        name: String::from_utf8_lossy(name).into_owned(),
        location,
        ty,
    }
}

/// The media type of a message that has a body (or says it has one).
fn content_type(header: Option<&[u8]>, body: &crate::http::Body) -> Option<String> {
    let header = header?;
    let media = media_type(header);
    let has_body = body.wire_len > 0 || !body.data.is_empty();
    (has_body && !media.is_empty()).then(|| String::from_utf8_lossy(&media).into_owned())
}

/// The top-level names of a JSON object or form body.
fn body_params(media: Option<&str>, body: &[u8], out: &mut Vec<ParamSeen>) {
    let Some(media) = media else {
        return;
    };
    if media == "application/x-www-form-urlencoded" {
        for p in parse_urlencoded(body, &LIMITS).0 {
            out.push(param(&p.name, Location::Body, classify(&p.value)));
        }
    } else if (media == "application/json" || media.ends_with("+json"))
        && body.trim_ascii_start().first() == Some(&b'{')
    {
        json_params(body, out);
    }
}

/// Top-level properties of a JSON object body, each with the type of its
/// value (object or array for containers).
fn json_params(body: &[u8], out: &mut Vec<ParamSeen>) {
    let (flat, _) = flatten_json(body, &LIMITS);
    for p in flat {
        let mut segs = p.name.split(|&b| b == b'/').skip(1);
        let Some(first) = segs.next() else {
            continue;
        };
        let ty = match segs.next() {
            None => classify_json(&p.value),
            Some(s) if !s.is_empty() && s.iter().all(u8::is_ascii_digit) => ValueType::Array,
            Some(_) => ValueType::Object,
        };
        let name = unescape_pointer(first);
        out.push(param(&name, Location::Body, ty));
    }
}

/// An RFC 6901 reference token with `~1` and `~0` turned back into `/` and `~`.
fn unescape_pointer(token: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(token);
    text.replace("~1", "/").replace("~0", "~").into_bytes()
}

fn cookie_names(headers: &[Header]) -> Vec<Vec<u8>> {
    let values: Vec<&[u8]> = headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(b"cookie"))
        .map(|h| h.value.as_slice())
        .collect();
    if values.is_empty() {
        return Vec::new();
    }
    parse_cookies(&values, &LIMITS)
        .0
        .into_iter()
        .map(|p| p.name)
        .collect()
}

/// Sensitive data in a path, header values and a kept body (query values
/// are scanned decoded, by the caller).
fn scan_message(target: &[u8], headers: &[Header], body: &[u8]) -> SensitiveSet {
    let mut found = sensitive::scan(target).union(sensitive::scan(body));
    for h in headers {
        found = found.union(sensitive::scan(&h.value));
    }
    found
}

/// The request's host: lowercase, port and brackets removed.
fn host_of(tx: &Transaction, server: SocketAddr) -> String {
    let Some(raw) = tx.hostname().filter(|h| !h.is_empty()) else {
        return server.ip().to_string();
    };
    let text = String::from_utf8_lossy(raw).to_ascii_lowercase();
    let host = if let Some(v6) = text.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        text.rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(text.as_str(), |(h, _)| h)
    };
    host.to_owned()
}

fn latency_us(tx: &Transaction) -> Option<u64> {
    let start = tx.request_done_ns?;
    let first = tx.response_started_ns?;
    Some(first.saturating_sub(start) / 1_000)
}
