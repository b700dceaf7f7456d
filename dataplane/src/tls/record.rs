//! The TLS record layer, as far as the first handshake message.
//!
//! A client's first flight starts with handshake records (content type 22);
//! one handshake message may be split over several of them. [`read_handshake`]
//! walks the records at the start of a stream and returns the first whole
//! message: borrowed from the stream when one record holds it, copied into
//! one buffer (at most [`MAX_HANDSHAKE_LEN`] bytes) when it spans records.

use std::borrow::Cow;

use super::reader::byte;
use super::Error;

/// Largest handshake message, header included, that is reassembled.
///
/// Real ClientHellos stay well under this; post-quantum key shares bring
/// them to about 2 KiB.
pub const MAX_HANDSHAKE_LEN: usize = 16 * 1024;

/// Largest record fragment TLS allows (2^14 bytes).
const MAX_FRAGMENT_LEN: usize = 1 << 14;

const RECORD_HEADER_LEN: usize = 5;
const HANDSHAKE_HEADER_LEN: usize = 4;
const CONTENT_TYPE_HANDSHAKE: u8 = 22;

/// A handshake message type; values without a name survive as `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeType {
    /// `client_hello` (1).
    ClientHello,
    /// `server_hello` (2).
    ServerHello,
    /// Any other type, raw.
    Unknown(u8),
}

impl From<u8> for HandshakeType {
    fn from(raw: u8) -> Self {
        match raw {
            1 => Self::ClientHello,
            2 => Self::ServerHello,
            other => Self::Unknown(other),
        }
    }
}

/// One handshake message taken out of the record layer.
#[derive(Debug, Clone)]
pub struct HandshakeMessage<'a> {
    /// The 4-byte header and exactly the body it announces.
    message: Cow<'a, [u8]>,
    consumed: usize,
}

impl HandshakeMessage<'_> {
    /// The message type from the handshake header.
    pub fn msg_type(&self) -> HandshakeType {
        HandshakeType::from(byte(&self.message, 0))
    }

    /// The message body, without the 4-byte handshake header.
    pub fn body(&self) -> &[u8] {
        self.message.get(HANDSHAKE_HEADER_LEN..).unwrap_or_default()
    }

    /// Stream bytes read: every record that held part of the message.
    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// True when the message had to be copied out of several records.
    pub fn is_reassembled(&self) -> bool {
        matches!(self.message, Cow::Owned(_))
    }
}

/// Reads the first handshake message from the records at `stream`'s start.
///
/// [`Error::NeedMore`] means the stream may still complete the message.
pub fn read_handshake(stream: &[u8]) -> Result<HandshakeMessage<'_>, Error> {
    let mut message: Cow<'_, [u8]> = Cow::Borrowed(&[]);
    let mut pos = 0;
    loop {
        let fragment = next_fragment(stream, pos)?;
        pos += RECORD_HEADER_LEN + fragment.len();
        // Fragments are never empty, so an empty message means the first.
        if message.is_empty() {
            message = Cow::Borrowed(fragment);
        } else {
            message.to_mut().extend_from_slice(fragment);
        }

        // Done once the header is in and the announced body is complete.
        if let Some(total) = announced_len(&message)? {
            if message.len() >= total {
                truncate(&mut message, total);
                return Ok(HandshakeMessage {
                    message,
                    consumed: pos,
                });
            }
        }
    }
}

/// The fragment of the handshake record starting at `pos`.
fn next_fragment(stream: &[u8], pos: usize) -> Result<&[u8], Error> {
    let header = stream
        .get(pos..pos + RECORD_HEADER_LEN)
        .ok_or(Error::NeedMore)?;
    let content_type = byte(header, 0);
    if content_type != CONTENT_TYPE_HANDSHAKE {
        return Err(Error::NotHandshake(content_type));
    }
    let version = u16::from_be_bytes([byte(header, 1), byte(header, 2)]);
    if byte(header, 1) != 3 {
        return Err(Error::BadRecordVersion(version));
    }

    let len = usize::from(u16::from_be_bytes([byte(header, 3), byte(header, 4)]));
    if len == 0 {
        return Err(Error::EmptyRecord);
    }
    if len > MAX_FRAGMENT_LEN {
        return Err(Error::RecordOverflow);
    }
    let start = pos + RECORD_HEADER_LEN;
    stream.get(start..start + len).ok_or(Error::NeedMore)
}

/// Header plus body length of the message, once its header is complete.
fn announced_len(message: &[u8]) -> Result<Option<usize>, Error> {
    if message.len() < HANDSHAKE_HEADER_LEN {
        return Ok(None);
    }
    let body = u32::from_be_bytes([0, byte(message, 1), byte(message, 2), byte(message, 3)]);
    let total = HANDSHAKE_HEADER_LEN.saturating_add(body as usize);
    match total > MAX_HANDSHAKE_LEN {
        true => Err(Error::TooLarge),
        false => Ok(Some(total)),
    }
}

/// Drops bytes after the message (the start of the next one).
fn truncate(message: &mut Cow<'_, [u8]>, len: usize) {
    match message {
        Cow::Borrowed(bytes) => *bytes = bytes.get(..len).unwrap_or(bytes),
        Cow::Owned(bytes) => bytes.truncate(len),
    }
}
