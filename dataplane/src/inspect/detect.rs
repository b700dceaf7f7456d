//! Which application protocol a TCP stream speaks, from its first bytes.
//!
//! Decided once per connection, on the first data of either direction, by
//! shape rather than port: APIs run on any port, and a port says nothing
//! about what an attacker sends to it.

/// What a connection carries, as far as inspection goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppProtocol {
    /// HTTP/1.x.
    Http,
    /// A TLS handshake (record type 22, version 3.x).
    Tls,
    /// Anything else: counted, not parsed.
    Unknown,
}

/// Longest request method we wait for before deciding.
const MAX_METHOD: usize = 24;

/// The protocol of a stream whose first bytes from the client are `first`
/// (or, when the server spoke first, whose server bytes are `first`);
/// `None` while `first` is too short to tell.
pub fn detect(first: &[u8], from_client: bool) -> Option<AppProtocol> {
    let byte = *first.first()?;
    if byte == 0x16 {
        return match first.get(1) {
            None => None,
            Some(3) => Some(AppProtocol::Tls),
            Some(_) => Some(AppProtocol::Unknown),
        };
    }
    if from_client {
        request_start(first)
    } else {
        response_start(first)
    }
}

/// A method token (letters, digits, `-`, `_`) then a space.
fn request_start(first: &[u8]) -> Option<AppProtocol> {
    for (i, &b) in first.iter().enumerate().take(MAX_METHOD + 1) {
        match b {
            b' ' if i > 0 => return Some(AppProtocol::Http),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' if i < MAX_METHOD => {}
            _ => return Some(AppProtocol::Unknown),
        }
    }
    // Every byte so far fits a method: wait for more.
    None
}

/// `HTTP/` at the start of the server's bytes (picked up mid-connection).
fn response_start(first: &[u8]) -> Option<AppProtocol> {
    const PREFIX: &[u8] = b"HTTP/";
    let n = first.len().min(PREFIX.len());
    if !first[..n].eq_ignore_ascii_case(&PREFIX[..n]) {
        return Some(AppProtocol::Unknown);
    }
    (n == PREFIX.len()).then_some(AppProtocol::Http)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_told_by_a_method_and_a_space() {
        assert_eq!(detect(b"GET / HTTP/1.1\r\n", true), Some(AppProtocol::Http));
        assert_eq!(detect(b"PROPFIND /x", true), Some(AppProtocol::Http));
        assert_eq!(detect(b"GE", true), None);
        assert_eq!(detect(b"SSH-2.0-OpenSSH", true), Some(AppProtocol::Unknown));
        assert_eq!(detect(b" GET", true), Some(AppProtocol::Unknown));
        assert_eq!(detect(&[b'A'; 40], true), Some(AppProtocol::Unknown));
    }

    #[test]
    fn responses_are_told_by_the_version_prefix() {
        assert_eq!(detect(b"HTTP/1.1 200 OK", false), Some(AppProtocol::Http));
        assert_eq!(detect(b"HTT", false), None);
        assert_eq!(detect(b"220 smtp ready", false), Some(AppProtocol::Unknown));
    }

    #[test]
    fn tls_records_are_told_by_type_and_version() {
        // A ClientHello record header (RFC 8446 section 5.1): 22, 3.1.
        assert_eq!(
            detect(&[0x16, 0x03, 0x01, 0x02, 0x00], true),
            Some(AppProtocol::Tls)
        );
        assert_eq!(detect(&[0x16], true), None);
        assert_eq!(detect(&[0x16, 0x09], true), Some(AppProtocol::Unknown));
    }
}
