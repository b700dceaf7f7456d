//! The CLI's side of the control socket: one request, one response.

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use palisade_proto::{read_frame, write_frame, FrameError, Message, Request, Response};

/// Why a request got no answer.
#[derive(Debug)]
pub enum Failure {
    /// The control plane could not be reached or did not answer.
    Unreachable(String),
    /// The request itself cannot be sent (too large for a frame).
    Refused(String),
}

/// Sends `req` to the control plane at `socket` and returns its answer.
pub fn request(socket: &Path, req: Request) -> Result<Response, Failure> {
    let fail = |e: &dyn std::fmt::Display| {
        Failure::Unreachable(format!("control plane at {}: {e}", socket.display()))
    };
    let stream = UnixStream::connect(socket).map_err(|e| fail(&e))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let mut s = &stream;
    write_frame(&mut s, &Message::Request(req)).map_err(|e| match e {
        FrameError::Oversized { .. } => Failure::Refused(format!("request too large: {e}")),
        e => fail(&e),
    })?;
    match read_frame(&mut s).map_err(|e| fail(&e))? {
        Message::Response(r) => Ok(r),
        Message::Error { message } => Err(fail(&format!("refused: {message}"))),
        _ => Err(fail(&"unexpected answer")),
    }
}
