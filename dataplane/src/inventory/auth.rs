//! The authentication schemes a request carries: none, HTTP Basic, Digest,
//! Bearer (a JWT with its `alg`, or an opaque token), an API key in a header
//! or in the query, a session cookie.
//!
//! Input: a transaction's request headers and its decoded query and cookie
//! names. Output: the [`Auth`] list, never the credentials themselves.

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::http::Header;

/// One authentication scheme seen on a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum Auth {
    None,
    Basic,
    Digest,
    /// A Bearer token that is not a JWT.
    Bearer,
    /// A Bearer JWT; `alg` from its header (`none` included).
    BearerJwt {
        alg: String,
    },
    /// An API key in the header `name`.
    ApiKeyHeader {
        name: String,
    },
    /// An API key in the query parameter `name`.
    ApiKeyQuery {
        name: String,
    },
    /// A session cookie called `name`.
    SessionCookie {
        name: String,
    },
}

/// Header names that carry API keys (compared case-insensitively).
const KEY_HEADERS: [&str; 8] = [
    "x-api-key",
    "api-key",
    "apikey",
    "x-apikey",
    "x-auth-token",
    "x-access-token",
    "x-api-token",
    "ocp-apim-subscription-key",
];

/// Query parameter names that carry API keys or tokens.
const KEY_PARAMS: [&str; 7] = [
    "api_key",
    "apikey",
    "api-key",
    "key",
    "access_token",
    "token",
    "auth",
];

/// Cookie names of the common session frameworks; any name containing
/// `session` or ending in `sid` counts too.
const SESSION_COOKIES: [&str; 4] = [
    "jsessionid",
    "phpsessid",
    "connect.sid",
    "asp.net_sessionid",
];

/// The schemes in a request: its headers, query parameter names and cookie
/// names. `[Auth::None]` when there is none.
pub fn schemes<'a>(
    headers: &[Header],
    query_names: impl Iterator<Item = &'a [u8]>,
    cookie_names: impl Iterator<Item = &'a [u8]>,
) -> Vec<Auth> {
    let mut found = Vec::new();
    for h in headers {
        if h.name.eq_ignore_ascii_case(b"authorization") {
            found.push(authorization(&h.value));
        } else if let Some(name) = KEY_HEADERS
            .iter()
            .find(|n| h.name.eq_ignore_ascii_case(n.as_bytes()))
        {
            found.push(Auth::ApiKeyHeader {
                name: (*name).to_owned(),
            });
        }
    }
    for name in query_names {
        if let Some(key) = KEY_PARAMS
            .iter()
            .find(|k| name.eq_ignore_ascii_case(k.as_bytes()))
        {
            found.push(Auth::ApiKeyQuery {
                name: (*key).to_owned(),
            });
        }
    }
    for name in cookie_names {
        if is_session_cookie(name) {
            found.push(Auth::SessionCookie {
                name: String::from_utf8_lossy(name).into_owned(),
            });
        }
    }
    if found.is_empty() {
        found.push(Auth::None);
    }
    found.sort();
    found.dedup();
    found
}

/// The scheme of an `Authorization` value.
fn authorization(value: &[u8]) -> Auth {
    let (scheme, rest) = match value.iter().position(|&b| b == b' ') {
        Some(at) => (&value[..at], value[at + 1..].trim_ascii()),
        None => (value, &[][..]),
    };
    if scheme.eq_ignore_ascii_case(b"basic") {
        Auth::Basic
    } else if scheme.eq_ignore_ascii_case(b"digest") {
        Auth::Digest
    } else if scheme.eq_ignore_ascii_case(b"bearer") {
        match jwt_alg(rest) {
            Some(alg) => Auth::BearerJwt { alg },
            None => Auth::Bearer,
        }
    } else {
        Auth::ApiKeyHeader {
            name: "authorization".to_owned(),
        }
    }
}

/// The `alg` of a JWT's header, when `token` is a JWT (three dot-separated
/// base64url parts, the first a JSON object). A header without `alg` gives
/// `"missing"`.
pub fn jwt_alg(token: &[u8]) -> Option<String> {
    let mut parts = token.split(|&b| b == b'.');
    let header = parts.next()?;
    if parts.count() != 2 {
        return None;
    }
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let trimmed = header.strip_suffix(b"==").unwrap_or(header);
    let json = engine
        .decode(trimmed.strip_suffix(b"=").unwrap_or(trimmed))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&json).ok()?;
    let obj = value.as_object()?;
    let alg = match obj.get("alg") {
        Some(serde_json::Value::String(s)) => s.chars().take(32).collect(),
        Some(_) => "invalid".to_owned(),
        None => "missing".to_owned(),
    };
    Some(alg)
}

fn is_session_cookie(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    SESSION_COOKIES.iter().any(|n| lower == n.as_bytes())
        || memchr::memmem::find(&lower, b"session").is_some()
        || lower == b"sid"
        || lower.ends_with(b"_sid")
        || lower.ends_with(b".sid")
}
