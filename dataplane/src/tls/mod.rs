//! TLS ClientHello parsing and the JA4 client fingerprint.
//!
//! Input is the start of a TCP stream in the client-to-server direction, as
//! the stream reassembler delivers it. [`read_handshake`] takes the first
//! handshake message out of one or more TLS records (bounded by
//! [`MAX_HANDSHAKE_LEN`]); [`ClientHello::parse`] reads the message into a
//! view that borrows the bytes; [`Ja4::of`] turns the view into the JA4
//! fingerprint that flow events and rules carry. Nothing here decrypts,
//! answers the peer, allocates per byte of input or panics on any input.
//!
//! Values the parser does not know survive as raw numbers: extension types
//! are an [`ExtensionType`] newtype, cipher suites and versions plain `u16`,
//! and GREASE values (RFC 8701) stay in every list, recognised by
//! [`is_grease`].
//!
//! Not supported: SSLv2-format ClientHellos and QUIC or DTLS transports
//! (JA4 for TCP only).
#![forbid(unsafe_code)]

mod client_hello;
mod extension;
mod ja4;
mod reader;
mod record;
#[cfg(test)]
pub(crate) mod tests;

pub use client_hello::ClientHello;
pub use extension::{AlpnList, Extension, ExtensionType, Extensions, U16List};
pub use ja4::{ja4_of_stream, Ja4};
pub use record::{read_handshake, HandshakeMessage, HandshakeType, MAX_HANDSHAKE_LEN};

/// Why a stream start holds no usable ClientHello.
///
/// Every variant but [`Error::NeedMore`] is final: more bytes cannot fix it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The stream ends before the first handshake message does.
    NeedMore,
    /// A record carries a content type other than handshake (22).
    NotHandshake(u8),
    /// A record's version does not start with major version 3.
    BadRecordVersion(u16),
    /// A handshake record with an empty fragment.
    EmptyRecord,
    /// A record longer than the 2^14 bytes TLS allows.
    RecordOverflow,
    /// The handshake message is longer than [`MAX_HANDSHAKE_LEN`].
    TooLarge,
    /// The first handshake message is not a ClientHello.
    NotClientHello(HandshakeType),
    /// A session id longer than 32 bytes.
    SessionIdTooLong,
    /// A length field runs past the bytes that contain it.
    Truncated(Field),
    /// A list of 16-bit values has an odd byte length.
    OddLength(Field),
    /// Bytes left over after the last element of a field.
    TrailingBytes(Field),
}

/// The part of a ClientHello an [`Error`] is about.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Fixed fields: version and random.
    Hello,
    /// `legacy_session_id`.
    SessionId,
    /// `cipher_suites`.
    CipherSuites,
    /// `legacy_compression_methods`.
    CompressionMethods,
    /// The extension block or one extension's header.
    Extensions,
    /// The `server_name` extension.
    ServerName,
    /// The `application_layer_protocol_negotiation` extension.
    Alpn,
    /// The `supported_versions` extension.
    SupportedVersions,
    /// The `signature_algorithms` extension.
    SignatureAlgorithms,
}

/// True for the GREASE values of RFC 8701 (0x0a0a, 0x1a1a, .. 0xfafa).
///
/// The same values serve as cipher suites, extension types, versions,
/// groups and signature algorithms.
pub fn is_grease(value: u16) -> bool {
    let [high, low] = value.to_be_bytes();
    high == low && low & 0x0f == 0x0a
}
