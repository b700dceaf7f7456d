//! Frames: how a [`Message`] travels on a stream.
//!
//! ```text
//! +----------------+-----------+---------------------------+
//! | length: u32 BE | version:  | message: JSON, `length`   |
//! | (of message)   | u16 BE    | bytes                     |
//! +----------------+-----------+---------------------------+
//! ```
//!
//! The reader checks the length against [`MAX_FRAME_BYTES`] before it
//! allocates anything, and the version before it parses the message. After
//! an oversized frame the stream cannot be resynchronised; the caller closes
//! it.

use std::io::{ErrorKind, Read, Write};

use crate::Message;

/// The protocol version this build speaks and writes.
pub const VERSION: u16 = 1;
/// The oldest version this build still reads.
pub const MIN_VERSION: u16 = 1;
/// Largest message in a frame (a whole ruleset travels in one).
pub const MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;
/// Bytes before the message: length and version.
pub const HEADER_BYTES: usize = 6;

/// Why a frame was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    #[error("frame of {len} bytes is larger than the {max} allowed", max = MAX_FRAME_BYTES)]
    Oversized { len: usize },
    #[error(
        "protocol version {got} is not supported (this side speaks {min} to {max})",
        min = MIN_VERSION,
        max = VERSION
    )]
    Version { got: u16 },
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error("connection closed")]
    Closed,
    #[error("connection closed inside a frame")]
    Truncated,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl FrameError {
    /// True when the peer sent something wrong (as opposed to the stream
    /// ending or failing).
    pub fn is_peer_fault(&self) -> bool {
        matches!(
            self,
            FrameError::Oversized { .. } | FrameError::Version { .. } | FrameError::Malformed(_)
        )
    }
}

/// The frame of `message` in this build's version.
pub fn encode(message: &Message) -> Result<Vec<u8>, FrameError> {
    encode_version(message, VERSION)
}

/// The frame of `message` marked with protocol `version` (tests of older
/// and newer peers use other versions).
pub fn encode_version(message: &Message, version: u16) -> Result<Vec<u8>, FrameError> {
    let body = serde_json::to_vec(message).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if body.len() > MAX_FRAME_BYTES {
        return Err(FrameError::Oversized { len: body.len() });
    }
    let mut out = Vec::with_capacity(HEADER_BYTES + body.len());
    // Cannot truncate: checked against MAX_FRAME_BYTES, far below u32::MAX.
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Parses one whole frame held in `bytes` (exactly one, nothing after it).
pub fn decode(bytes: &[u8]) -> Result<Message, FrameError> {
    let (len, version) = header(bytes.get(..HEADER_BYTES).ok_or(FrameError::Truncated)?)?;
    let body = &bytes[HEADER_BYTES..];
    if body.len() != len {
        return Err(FrameError::Malformed(format!(
            "frame says {len} bytes, holds {}",
            body.len()
        )));
    }
    parse(version, body)
}

/// Checks a header: the message length and the version.
fn header(h: &[u8]) -> Result<(usize, u16), FrameError> {
    let len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
    let version = u16::from_be_bytes([h[4], h[5]]);
    if len > MAX_FRAME_BYTES {
        return Err(FrameError::Oversized { len });
    }
    if !(MIN_VERSION..=VERSION).contains(&version) {
        return Err(FrameError::Version { got: version });
    }
    Ok((len, version))
}

fn parse(_version: u16, body: &[u8]) -> Result<Message, FrameError> {
    serde_json::from_slice(body).map_err(|e| FrameError::Malformed(e.to_string()))
}

/// Reads one frame from `r`. [`FrameError::Closed`] when the stream ended
/// cleanly between frames.
pub fn read_frame(r: &mut impl Read) -> Result<Message, FrameError> {
    let mut h = [0u8; HEADER_BYTES];
    let got = read_full(r, &mut h)?;
    if got == 0 {
        return Err(FrameError::Closed);
    }
    if got < HEADER_BYTES {
        return Err(FrameError::Truncated);
    }
    let (len, version) = header(&h)?;
    let mut body = vec![0u8; len];
    if read_full(r, &mut body)? < len {
        return Err(FrameError::Truncated);
    }
    parse(version, &body)
}

/// Writes `message` as one frame and flushes.
pub fn write_frame(w: &mut impl Write, message: &Message) -> Result<(), FrameError> {
    w.write_all(&encode(message)?)?;
    w.flush()?;
    Ok(())
}

/// Fills `buf` unless the stream ends first; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> Result<usize, FrameError> {
    let mut at = 0;
    while at < buf.len() {
        match r.read(&mut buf[at..]) {
            Ok(0) => break,
            Ok(n) => at += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(at)
}
