//! Limits of the HTTP/1.x parser: every buffer the parser keeps per
//! connection is bounded by one of these numbers.
//!
//! The values come from the dataplane configuration; [`HttpConfig::default`]
//! gives the ones used when nothing is configured.

/// Limits for one [`crate::http::HttpConnection`]. Plain data, copied into
/// each connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    /// Most bytes of one header block (start line, fields and the empty line)
    /// kept; the rest of an over-long block is skipped and flagged.
    pub max_header_bytes: usize,
    /// Most header fields kept per message; further fields are flagged and
    /// dropped.
    pub max_headers: usize,
    /// Most bytes of one line (start line, field line, chunk-size line) kept.
    pub max_line: usize,
    /// Decoded body bytes kept per body in [`crate::http::Body::data`].
    pub body_limit: usize,
    /// Most decoded bytes one body may produce before decoding stops.
    pub max_decoded_bytes: u64,
    /// Largest ratio of decoded to encoded bytes allowed once the decoded
    /// size passes [`HttpConfig::ratio_floor`].
    pub max_ratio: u64,
    /// Decoded size below which the ratio is not checked.
    pub ratio_floor: u64,
    /// Most content-coding layers decoded; outer layers beyond this are left
    /// as they are.
    pub max_layers: usize,
    /// Most transactions waiting for their response (pipelining); when more
    /// arrive the oldest is emitted as incomplete.
    pub max_pending: usize,
    /// Most bytes sent after a CONNECT request held until its response says
    /// whether the connection becomes a tunnel.
    pub max_held: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            max_header_bytes: 32 << 10,
            max_headers: 128,
            max_line: 16 << 10,
            body_limit: 64 << 10,
            max_decoded_bytes: 64 << 20,
            max_ratio: 1000,
            ratio_floor: 1 << 20,
            max_layers: 3,
            max_pending: 32,
            max_held: 16 << 10,
        }
    }
}
