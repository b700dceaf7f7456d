//! What the bot guard reads of one request beyond its headers: the object
//! id in its path (for enumeration) and, on a login endpoint, the username
//! it tried (for credential stuffing).

use std::hash::{DefaultHasher, Hash, Hasher};

use base64::Engine;

use super::config::BotConfig;
use crate::http::normalize::{flatten_json, media_type, parse_urlencoded, Limits};
use crate::limit::RequestView;

/// The endpoint template (id segments replaced) and the id, hashed, when
/// the path has an id segment.
pub fn object_of(path: &str) -> Option<(u64, u64)> {
    let mut template = DefaultHasher::new();
    let mut id = None;
    for segment in path.split('/') {
        if is_id(segment) {
            "{}".hash(&mut template);
            id = Some(segment);
        } else {
            segment.hash(&mut template);
        }
    }
    Some((template.finish(), hash(id?.as_bytes())))
}

/// Digits, a UUID or long hex, or a long token mixing letters and digits.
fn is_id(segment: &str) -> bool {
    let b = segment.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if !b.is_empty() && digits == b.len() {
        return true;
    }
    let hexish = b.iter().all(|c| c.is_ascii_hexdigit() || *c == b'-');
    if b.len() >= 8 && hexish && digits > 0 {
        return true;
    }
    let token = b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-');
    b.len() >= 16 && token && digits > 0
}

/// True for a POST to a path whose last segment is a login word.
pub fn is_login(req: &RequestView<'_>, cfg: &BotConfig) -> bool {
    if req.method != "POST" {
        return false;
    }
    let last = req
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    cfg.login_paths.iter().any(|p| p.eq_ignore_ascii_case(last))
}

/// The hash of the username a login tried: from a form or JSON body
/// field, else from Basic credentials; 0 when none is found.
pub fn username_of(req: &RequestView<'_>, cfg: &BotConfig) -> u64 {
    let tx = req.tx;
    let media = tx
        .request_header("content-type")
        .map(media_type)
        .unwrap_or_default();
    let limits = Limits::default();
    let body = &tx.request_body.data;
    let params = match media.as_slice() {
        b"application/x-www-form-urlencoded" => parse_urlencoded(body, &limits).0,
        m if m.ends_with(b"json") => flatten_json(body, &limits).0,
        _ => Vec::new(),
    };
    let wanted = |name: &[u8]| {
        let name = name.strip_prefix(b"/").unwrap_or(name);
        cfg.username_fields.iter().any(|f| f.as_bytes() == name)
    };
    if let Some(p) = params.iter().find(|p| wanted(&p.name)) {
        return hash(&p.value);
    }
    basic_user(tx.request_header("authorization")).map_or(0, |u| hash(&u))
}

/// The user part of `Authorization: Basic` credentials.
fn basic_user(value: Option<&[u8]>) -> Option<Vec<u8>> {
    let value = std::str::from_utf8(value?).ok()?;
    let (scheme, creds) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(creds.trim())
        .ok()?;
    let user = decoded.split(|b| *b == b':').next()?;
    Some(user.to_vec())
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_told_from_words() {
        for id in [
            "42",
            "0",
            "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "5f2b9c0e",
            "u_8H2kd9sPq0xZ7wLm",
        ] {
            assert!(is_id(id), "{id}");
        }
        for word in ["", "users", "v1", "api", "orders-summary", "deadbeef"] {
            assert!(!is_id(word), "{word}");
        }
    }

    #[test]
    fn paths_with_ids_share_a_template() {
        let a = object_of("/api/users/17/orders").expect("an id");
        let b = object_of("/api/users/18/orders").expect("an id");
        assert_eq!(a.0, b.0);
        assert_ne!(a.1, b.1);
        assert_ne!(object_of("/api/items/17").map(|o| o.0), Some(a.0));
        assert_eq!(object_of("/api/users"), None);
    }
}
