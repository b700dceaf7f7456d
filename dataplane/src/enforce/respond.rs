//! The HTTP answer of a `respond` verdict: a short, complete HTTP/1.1
//! response that closes the connection, small enough for one segment.

use std::io::Write;

/// Writes the response for `status` into `out` (cleared first);
/// `retry_after` adds a `Retry-After` header (RFC 9110 section 10.2.3).
pub fn response(status: u16, retry_after: Option<u32>, rule_id: u64, out: &mut Vec<u8>) {
    out.clear();
    let reason = reason(status);
    let body = format!("{status} {reason}: request refused by policy (rule {rule_id})\n");
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "HTTP/1.1 {status} {reason}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         Connection: close\r\n",
        body.len()
    );
    if let Some(secs) = retry_after {
        let _ = write!(out, "Retry-After: {secs}\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
}

/// The reason phrase of the statuses a block usually answers with
/// (RFC 9110 section 15, RFC 6585 for 429).
fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Refused",
    }
}
