//! The values the parser produces: methods, versions, header fields, bodies
//! and the [`Transaction`] that pairs one request with its response.
//!
//! Everything keeps the bytes as sent; unknown methods, versions and codings
//! survive as `Unknown`/`Other` variants.

use super::anomaly::{self, Anomaly};

/// A request method; unknown ones keep their bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Method {
    /// GET
    #[default]
    Get,
    /// HEAD: the response has no body.
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// CONNECT: a 2xx response turns the connection into a tunnel.
    Connect,
    /// OPTIONS
    Options,
    /// TRACE
    Trace,
    /// PATCH
    Patch,
    /// Any other token, as sent (empty when no request was seen).
    Unknown(Vec<u8>),
}

impl Method {
    /// The method for the token `raw` (case-sensitive, as RFC 9110 says).
    pub fn from_bytes(raw: &[u8]) -> Self {
        match raw {
            b"GET" => Self::Get,
            b"HEAD" => Self::Head,
            b"POST" => Self::Post,
            b"PUT" => Self::Put,
            b"DELETE" => Self::Delete,
            b"CONNECT" => Self::Connect,
            b"OPTIONS" => Self::Options,
            b"TRACE" => Self::Trace,
            b"PATCH" => Self::Patch,
            other => Self::Unknown(other.to_vec()),
        }
    }

    /// The method's bytes as sent.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Get => b"GET",
            Self::Head => b"HEAD",
            Self::Post => b"POST",
            Self::Put => b"PUT",
            Self::Delete => b"DELETE",
            Self::Connect => b"CONNECT",
            Self::Options => b"OPTIONS",
            Self::Trace => b"TRACE",
            Self::Patch => b"PATCH",
            Self::Unknown(raw) => raw,
        }
    }
}

/// A protocol version from a start line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Version {
    /// No version at all (request line without one, response without a
    /// status line).
    Http09,
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1
    #[default]
    Http11,
    /// Another well-formed `HTTP/major.minor`.
    Other(u8, u8),
    /// Something that is not a version.
    Invalid,
}

/// One header field as sent (obs-fold continuations joined with a space).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Header {
    /// Field name, as sent (case kept).
    pub name: Vec<u8>,
    /// Field value, surrounding whitespace removed.
    pub value: Vec<u8>,
}

/// How a body's end is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Framing {
    /// No body.
    #[default]
    None,
    /// Content-Length bytes.
    Length(u64),
    /// Transfer-Encoding: chunked.
    Chunked,
    /// Everything until the connection closes (responses only).
    Close,
}

/// A content coding from Content-Encoding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// gzip or x-gzip.
    Gzip,
    /// deflate (zlib-wrapped or raw).
    Deflate,
    /// br (brotli).
    Brotli,
    /// identity: nothing to undo.
    Identity,
    /// Anything else, as sent.
    Unknown(Vec<u8>),
}

/// One message body: how it was framed, how much arrived and the first
/// decoded bytes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Body {
    /// How the end of the body is found.
    pub framing: Framing,
    /// Body bytes after de-framing (chunk headers removed), before decoding.
    pub wire_len: u64,
    /// Bytes after undoing the content codings.
    pub decoded_len: u64,
    /// The first `body_limit` decoded bytes.
    pub data: Vec<u8>,
    /// True when `data` holds fewer bytes than were decoded.
    pub truncated: bool,
    /// Content codings in the order they were applied (outermost last).
    pub encodings: Vec<Encoding>,
    /// True when bytes of this body were missing from the capture.
    pub gaps: bool,
    /// Trailer fields after a chunked body.
    pub trailers: Vec<Header>,
}

/// How a transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TxEnd {
    /// Request and response were both complete.
    Complete,
    /// The connection ended (or the parser gave up) before completion.
    #[default]
    Incomplete,
    /// The connection became a tunnel (CONNECT 2xx, 101 Switching Protocols).
    Tunnel,
}

/// One request and its response.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Transaction {
    /// Position in the connection, from 0.
    pub index: u32,
    /// Request method.
    pub method: Method,
    /// Request target, as sent.
    pub uri: Vec<u8>,
    /// Version of the request line.
    pub request_version: Version,
    /// Version of the final status line, once seen.
    pub response_version: Option<Version>,
    /// Request header fields in wire order.
    pub request_headers: Vec<Header>,
    /// Final status code, once seen.
    pub status: Option<u16>,
    /// Reason phrase of the final status line.
    pub reason: Vec<u8>,
    /// Response header fields in wire order (of the final response).
    pub response_headers: Vec<Header>,
    /// The request body.
    pub request_body: Body,
    /// The response body.
    pub response_body: Body,
    /// Bytes of the whole request on the wire.
    pub request_wire_len: u64,
    /// Bytes of the whole response on the wire, interim responses included.
    pub response_wire_len: u64,
    /// When the first request byte arrived.
    pub request_started_ns: u64,
    /// When the request was complete.
    pub request_done_ns: Option<u64>,
    /// When the first response byte arrived.
    pub response_started_ns: Option<u64>,
    /// When the response was complete.
    pub response_done_ns: Option<u64>,
    /// Interim (1xx) status codes seen before the final response.
    pub interim_statuses: Vec<u16>,
    /// How the transaction ended.
    pub end: TxEnd,
    /// Anomalies seen, each once, in [`Anomaly`] order.
    pub anomalies: Vec<Anomaly>,
}

impl Transaction {
    /// The value of the first request field named `name` (ASCII
    /// case-insensitive).
    pub fn request_header(&self, name: &str) -> Option<&[u8]> {
        find_header(&self.request_headers, name)
    }

    /// The value of the first response field named `name`.
    pub fn response_header(&self, name: &str) -> Option<&[u8]> {
        find_header(&self.response_headers, name)
    }

    /// The host the request is for: the authority of an absolute target,
    /// else the Host field (RFC 9112 §3.2.2 gives the target precedence).
    pub fn hostname(&self) -> Option<&[u8]> {
        let connect = self.method == Method::Connect;
        authority(&self.uri, connect).or_else(|| self.request_header("host"))
    }

    /// True when the anomaly was recorded.
    pub fn has_anomaly(&self, anomaly: Anomaly) -> bool {
        self.anomalies.contains(&anomaly)
    }

    pub(crate) fn note(&mut self, anomaly: Anomaly) {
        anomaly::note(&mut self.anomalies, anomaly);
    }
}

/// First value of the field `name` in `headers`.
pub(crate) fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name.as_bytes()))
        .map(|h| h.value.as_slice())
}

/// The authority of an absolute-form target (`scheme://authority/...`), or
/// the whole target of the authority form used by CONNECT.
fn authority(uri: &[u8], connect: bool) -> Option<&[u8]> {
    let rest = match scheme_end(uri) {
        Some(at) => uri.get(at + 3..)?,
        None if connect => uri,
        None => return None,
    };
    let end = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let auth = rest.get(..end)?;
    // Drop userinfo.
    let host = match auth.iter().rposition(|&b| b == b'@') {
        Some(at) => auth.get(at + 1..)?,
        None => auth,
    };
    (!host.is_empty()).then_some(host)
}

/// Where the `://` after a leading scheme (RFC 3986 §3.1: a letter, then
/// letters, digits, `+`, `-`, `.`) starts; `None` for any other target, so
/// a `://` inside an origin-form path or query is not an authority.
fn scheme_end(uri: &[u8]) -> Option<usize> {
    let end = uri.iter().position(|&b| b == b':')?;
    let (first, rest) = uri[..end].split_first()?;
    let scheme = first.is_ascii_alphabetic()
        && rest
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    (scheme && uri[end..].starts_with(b"://")).then_some(end)
}
