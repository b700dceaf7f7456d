//! Protocol anomalies: everything the parser tolerates but a strict
//! RFC 9110/9112 reader would not, counted per transaction.
//!
//! An anomaly never stops parsing; it only records that the peer did
//! something unusual, which rules and counters may act on.

/// One kind of deviation from HTTP/1.x as specified. Each has a stable
/// snake_case [`Anomaly::name`] for events and counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Anomaly {
    /// A line longer than the configured limit; its tail was dropped.
    LineTooLong,
    /// A header block longer than the configured limit; its tail was dropped.
    HeaderBlockTooLong,
    /// More header fields than the configured limit; the rest were dropped.
    TooManyHeaders,
    /// A line ended with LF alone instead of CRLF.
    BareLf,
    /// A CR inside a line that was not followed by LF.
    BareCr,
    /// A NUL byte in the start line or a header field.
    NulInHeader,
    /// A control or otherwise invalid byte in a header field name.
    InvalidHeaderName,
    /// A control byte (other than HTAB) in a header field value.
    InvalidHeaderValue,
    /// A header line without a colon; it was ignored.
    HeaderWithoutColon,
    /// A header line without a name before the colon; it was ignored.
    EmptyHeaderName,
    /// Whitespace between a field name and its colon.
    SpaceBeforeColon,
    /// A continuation line (obs-fold); joined to the previous value.
    ObsFold,
    /// Empty lines before a request line.
    LeadingEmptyLines,
    /// A request line that is not `method SP target SP version`.
    InvalidRequestLine,
    /// A request without a version: an HTTP/0.9 request.
    Http09Request,
    /// A version that is not `HTTP/digit.digit`.
    InvalidVersion,
    /// A version other than 0.9, 1.0 or 1.1.
    UnsupportedVersion,
    /// Control bytes or spaces inside the request target.
    InvalidUri,
    /// An HTTP/1.1 request without a Host field.
    MissingHost,
    /// More than one Host field.
    DuplicateHost,
    /// A response that does not start with a status line: HTTP/0.9 style.
    Http09Response,
    /// Bytes before `HTTP` at the start of a response.
    JunkBeforeStatusLine,
    /// A status line that is not `HTTP/x.y SP 3DIGIT SP reason`.
    InvalidStatusLine,
    /// A status code that is missing or not three digits.
    InvalidStatusCode,
    /// A Content-Length that is not a plain decimal number.
    InvalidContentLength,
    /// Several Content-Length fields or values with the same number.
    DuplicateContentLength,
    /// Several Content-Length values that disagree.
    ConflictingContentLength,
    /// Both Transfer-Encoding and Content-Length; chunked wins.
    ContentLengthWithTransferEncoding,
    /// A Transfer-Encoding other than `chunked` (or chunked not last).
    UnknownTransferEncoding,
    /// Transfer-Encoding in an HTTP/1.0 message.
    TransferEncodingHttp10,
    /// A chunk-size line without a hexadecimal number.
    BadChunkSize,
    /// A chunk size with whitespace, sign or `0x` around the digits.
    ChunkSizeOddFormat,
    /// A chunk size too large to be real.
    ChunkSizeOverflow,
    /// Chunk data not followed by CRLF.
    ChunkMissingCrlf,
    /// Empty lines between chunks.
    ChunkExtraEmptyLine,
    /// A body on a response that must not have one, or after a request
    /// that does not take one.
    UnexpectedBody,
    /// The connection closed before the body was complete.
    BodyTruncated,
    /// A Content-Encoding the decoder does not know; the body is kept as sent.
    UnknownContentEncoding,
    /// More content-coding layers than the configured limit.
    TooManyLayers,
    /// A content coding failed to decode; the bytes decoded so far are kept.
    DecodeError,
    /// Decoding stopped at the configured decoded-size limit.
    DecodedSizeLimit,
    /// Decoding stopped at the configured compression-ratio limit.
    DecodedRatioLimit,
    /// `gzip` data without a gzip header; decoded as zlib or raw deflate.
    GzipWithoutHeader,
    /// `deflate` data without the zlib wrapper (raw deflate).
    RawDeflate,
    /// Content-Encoding data that was not compressed at all; kept as sent.
    EncodingNotApplied,
    /// Bytes were missing from the capture in this transaction.
    Gap,
    /// A response with no request waiting for it.
    ResponseWithoutRequest,
    /// A 204 or 304 response (which has no body) declared a length or
    /// chunking and was followed by data that is not a new response: the
    /// data was read as its body.
    BodyOnBodilessStatus,
    /// Too many pipelined requests without responses.
    TooManyPending,
    /// More interim (1xx) responses than are kept for one transaction.
    TooManyInterim,
    /// Bytes after a CONNECT request beyond what is held for the response.
    HeldDataDropped,
    /// A response ended by connection close.
    CloseDelimited,
}

impl Anomaly {
    /// Stable snake_case name for events and counters.
    pub fn name(&self) -> &'static str {
        use Anomaly::*;
        match self {
            LineTooLong => "line_too_long",
            HeaderBlockTooLong => "header_block_too_long",
            TooManyHeaders => "too_many_headers",
            BareLf => "bare_lf",
            BareCr => "bare_cr",
            NulInHeader => "nul_in_header",
            InvalidHeaderName => "invalid_header_name",
            InvalidHeaderValue => "invalid_header_value",
            HeaderWithoutColon => "header_without_colon",
            EmptyHeaderName => "empty_header_name",
            SpaceBeforeColon => "space_before_colon",
            ObsFold => "obs_fold",
            LeadingEmptyLines => "leading_empty_lines",
            InvalidRequestLine => "invalid_request_line",
            Http09Request => "http09_request",
            InvalidVersion => "invalid_version",
            UnsupportedVersion => "unsupported_version",
            InvalidUri => "invalid_uri",
            MissingHost => "missing_host",
            DuplicateHost => "duplicate_host",
            Http09Response => "http09_response",
            JunkBeforeStatusLine => "junk_before_status_line",
            InvalidStatusLine => "invalid_status_line",
            InvalidStatusCode => "invalid_status_code",
            InvalidContentLength => "invalid_content_length",
            DuplicateContentLength => "duplicate_content_length",
            ConflictingContentLength => "conflicting_content_length",
            ContentLengthWithTransferEncoding => "content_length_with_transfer_encoding",
            UnknownTransferEncoding => "unknown_transfer_encoding",
            TransferEncodingHttp10 => "transfer_encoding_http10",
            BadChunkSize => "bad_chunk_size",
            ChunkSizeOddFormat => "chunk_size_odd_format",
            ChunkSizeOverflow => "chunk_size_overflow",
            ChunkMissingCrlf => "chunk_missing_crlf",
            ChunkExtraEmptyLine => "chunk_extra_empty_line",
            UnexpectedBody => "unexpected_body",
            BodyTruncated => "body_truncated",
            UnknownContentEncoding => "unknown_content_encoding",
            TooManyLayers => "too_many_layers",
            DecodeError => "decode_error",
            DecodedSizeLimit => "decoded_size_limit",
            DecodedRatioLimit => "decoded_ratio_limit",
            GzipWithoutHeader => "gzip_without_header",
            RawDeflate => "raw_deflate",
            EncodingNotApplied => "encoding_not_applied",
            Gap => "gap",
            ResponseWithoutRequest => "response_without_request",
            BodyOnBodilessStatus => "body_on_bodiless_status",
            TooManyPending => "too_many_pending",
            TooManyInterim => "too_many_interim",
            HeldDataDropped => "held_data_dropped",
            CloseDelimited => "close_delimited",
        }
    }
}

/// Adds `anomaly` to a sorted, deduplicated list (sorted so that the list
/// does not depend on how the stream was segmented).
pub(crate) fn note(list: &mut Vec<Anomaly>, anomaly: Anomaly) {
    if let Err(at) = list.binary_search(&anomaly) {
        list.insert(at, anomaly);
    }
}
