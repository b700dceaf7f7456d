//! The CLI's side of the control socket: one request, one response.

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use palisade_proto::{read_frame, write_frame, Message, Request, Response};

/// Why a request got no answer.
#[derive(Debug)]
pub struct Unreachable(pub String);

/// Sends `req` to the control plane at `socket` and returns its answer.
pub fn request(socket: &Path, req: Request) -> Result<Response, Unreachable> {
    let fail = |e: &dyn std::fmt::Display| {
        Unreachable(format!("control plane at {}: {e}", socket.display()))
    };
    let stream = UnixStream::connect(socket).map_err(|e| fail(&e))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let mut s = &stream;
    write_frame(&mut s, &Message::Request(req)).map_err(|e| fail(&e))?;
    match read_frame(&mut s).map_err(|e| fail(&e))? {
        Message::Response(r) => Ok(r),
        Message::Error { message } => Err(fail(&format!("refused: {message}"))),
        _ => Err(fail(&"unexpected answer")),
    }
}
