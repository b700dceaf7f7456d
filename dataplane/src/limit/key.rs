//! What a rate limit or a bot detector reads of a request ([`RequestView`],
//! built once per transaction), and the key of a rate-limit rule taken from
//! it: client address, a header value, a JWT claim, the endpoint or the TLS
//! fingerprint.
//!
//! JWT claims are read from `Authorization: Bearer <token>`: the payload
//! (second part) is base64url-decoded and parsed as JSON, without checking
//! the signature, as a key needs only to tell clients apart.

use std::net::IpAddr;

use base64::Engine;
use palisade_rules::{LimitKey, Scope};

use crate::http::normalize::normalize_path;
use crate::http::Transaction;

/// Longest key part kept; longer values are cut (still distinct enough).
const MAX_PART: usize = 256;

/// Largest JWT looked into.
const MAX_JWT: usize = 8 * 1024;

/// One request as policy reads it.
#[derive(Debug)]
pub struct RequestView<'a> {
    pub tx: &'a Transaction,
    pub client: IpAddr,
    /// Method, upper case as sent.
    pub method: String,
    /// The normalized path (percent-decoding, dot segments resolved).
    pub path: String,
    /// The host name, lowercase, without port.
    pub host: Option<String>,
    /// The client's JA4, from this connection or its latest TLS one.
    pub ja4: Option<&'a str>,
}

impl<'a> RequestView<'a> {
    pub fn new(tx: &'a Transaction, client: IpAddr, ja4: Option<&'a str>) -> Self {
        let target = crate::http::normalize::split_target(&tx.uri);
        let (path, _) = normalize_path(target.path);
        let host = tx.hostname().map(|h| {
            let h = String::from_utf8_lossy(h).to_ascii_lowercase();
            match h.rsplit_once(':') {
                Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name.to_owned(),
                _ => h,
            }
        });
        RequestView {
            tx,
            client,
            method: String::from_utf8_lossy(tx.method.as_bytes()).into_owned(),
            path: String::from_utf8_lossy(&path).into_owned(),
            host,
            ja4,
        }
    }

    /// True when the request is in `scope`.
    pub fn in_scope(&self, scope: &Scope) -> bool {
        let method = scope.methods.is_empty() || scope.methods.contains(&self.method);
        let path = scope.path.as_ref().is_none_or(|p| p.matches(&self.path));
        let host = scope
            .host
            .as_ref()
            .is_none_or(|h| Some(h) == self.host.as_ref());
        method && path && host
    }

    /// The value of one key part; `None` when the request has none (no such
    /// header, no bearer token, no TLS), and the limit then does not apply.
    pub fn key_part(&self, key: &LimitKey) -> Option<String> {
        let part = match key {
            LimitKey::ClientAddress => self.client.to_string(),
            LimitKey::Header(name) => lossy(self.tx.request_header(name)?),
            LimitKey::JwtClaim(claim) => {
                jwt_claim(self.tx.request_header("authorization")?, claim)?
            }
            LimitKey::Endpoint => format!("{} {}", self.method, self.path),
            LimitKey::TlsFingerprint => self.ja4?.to_owned(),
        };
        Some(cut(part))
    }

    /// The whole key of a rule: its parts joined, or `None` if one is missing.
    pub fn key(&self, parts: &[LimitKey]) -> Option<String> {
        let mut key = String::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                key.push('|');
            }
            key.push_str(&self.key_part(part)?);
        }
        Some(key)
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn cut(mut s: String) -> String {
    if s.len() > MAX_PART {
        let mut at = MAX_PART;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
    }
    s
}

/// A claim of the bearer token in an `Authorization` value, as text
/// (strings as they are, other JSON values as written).
pub fn jwt_claim(authorization: &[u8], claim: &str) -> Option<String> {
    let value = std::str::from_utf8(authorization).ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.len() > MAX_JWT {
        return None;
    }
    let payload = token.trim().split('.').nth(1)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let object: serde_json::Value = serde_json::from_slice(&json).ok()?;
    match object.get(claim)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::jwt_claim;

    #[test]
    fn claims_come_from_the_rfc_7519_example_token() {
        // The example JWT of RFC 7519 section 3.1 (payload: iss "joe",
        // exp 1300819380, "http://example.com/is_root": true).
        let token = b"Bearer eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.\
eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.\
dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(jwt_claim(token, "iss").as_deref(), Some("joe"));
        assert_eq!(jwt_claim(token, "exp").as_deref(), Some("1300819380"));
        assert_eq!(
            jwt_claim(token, "http://example.com/is_root").as_deref(),
            Some("true")
        );
        assert_eq!(jwt_claim(token, "sub"), None);
    }

    #[test]
    fn anything_but_a_bearer_jwt_gives_no_claim() {
        assert_eq!(jwt_claim(b"Basic dXNlcjpwYXNz", "sub"), None);
        assert_eq!(jwt_claim(b"Bearer not-a-jwt", "sub"), None);
        assert_eq!(jwt_claim(b"Bearer a.!!!.c", "sub"), None);
        assert_eq!(jwt_claim(b"Bearer", "sub"), None);
    }
}

#[cfg(test)]
mod prop {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_authorization_value_reads_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = super::jwt_claim(&bytes, "sub");
            let mut bearer = b"Bearer a.".to_vec();
            bearer.extend_from_slice(&bytes);
            let _ = super::jwt_claim(&bearer, "sub");
        }

        #[test]
        fn any_path_reads_without_panic(path in "\\PC{0,200}") {
            let _ = crate::bot::object_of(&path);
        }
    }
}
