//! Palisade's HTTP header fingerprint: how a client writes its request
//! head, which tells HTTP stacks apart whatever their User-Agent claims.
//!
//! The fingerprint is `{version}{case}{count}{c}{r}{l}{s}_{hash}`:
//!
//! - `version`: `10` or `11` (HTTP/1.0, 1.1; `00` for anything else);
//! - `case`: how header names are written: `l` all lower case, `t` every
//!   word capitalised (`User-Agent`), `m` mixed;
//! - `count`: the number of header fields, two digits, at most 99;
//! - four presence flags, each the letter or `n`: `c` a Cookie, `r` a
//!   Referer, `l` an Accept-Language, `s` browser fetch metadata
//!   (`Sec-Fetch-*` or `Sec-CH-UA*`);
//! - `hash`: the first 12 hex digits of the SHA-256 of the header names in
//!   wire order and as written, joined by `,` (values are left out, so the
//!   fingerprint stays the same from request to request).
//!
//! Example: curl's plain `GET` (Host, User-Agent, Accept) gives
//! `11t03nnnn_` followed by the hash of `Host,User-Agent,Accept`.

use std::fmt::Write;

use sha2::{Digest, Sha256};

use crate::http::{Header, Transaction, Version};

/// The header fingerprint of a request.
pub fn header_fingerprint(tx: &Transaction) -> String {
    let headers = &tx.request_headers;
    let version = match tx.request_version {
        Version::Http10 => "10",
        Version::Http11 => "11",
        _ => "00",
    };
    let mut out = String::with_capacity(24);
    out.push_str(version);
    out.push(casing(headers));
    let _ = write!(out, "{:02}", headers.len().min(99));
    let flags = Profile::of(headers);
    for (present, letter) in [
        (flags.cookie, 'c'),
        (flags.referer, 'r'),
        (flags.accept_language, 'l'),
        (flags.fetch_metadata, 's'),
    ] {
        out.push(if present { letter } else { 'n' });
    }
    out.push('_');
    out.push_str(&names_hash(headers));
    out
}

/// Which of the headers browsers send are present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Profile {
    pub cookie: bool,
    pub referer: bool,
    pub accept_language: bool,
    /// `Sec-Fetch-*` or `Sec-CH-UA*`: sent by Chromium, Firefox and Safari.
    pub fetch_metadata: bool,
}

impl Profile {
    pub fn of(headers: &[Header]) -> Self {
        let mut p = Profile::default();
        for h in headers {
            let name = h.name.to_ascii_lowercase();
            match name.as_slice() {
                b"cookie" => p.cookie = true,
                b"referer" => p.referer = true,
                b"accept-language" => p.accept_language = true,
                n if n.starts_with(b"sec-fetch-") || n.starts_with(b"sec-ch-ua") => {
                    p.fetch_metadata = true;
                }
                _ => {}
            }
        }
        p
    }

    /// Headers a browser sends on every request, navigation or fetch:
    /// fetch metadata, or at least a language preference.
    pub fn is_browser_like(self) -> bool {
        self.fetch_metadata || self.accept_language
    }
}

/// `l`, `t` or `m` (see the module doc).
fn casing(headers: &[Header]) -> char {
    let lower = headers
        .iter()
        .all(|h| !h.name.iter().any(u8::is_ascii_uppercase));
    if lower {
        return 'l';
    }
    let title = headers.iter().all(|h| is_title_case(&h.name));
    if title {
        't'
    } else {
        'm'
    }
}

/// Every `-`-separated word starts upper case and goes on lower case.
fn is_title_case(name: &[u8]) -> bool {
    name.split(|b| *b == b'-').all(|word| {
        let mut chars = word.iter();
        let first_ok = chars.next().is_none_or(|b| !b.is_ascii_lowercase());
        first_ok && chars.all(|b| !b.is_ascii_uppercase())
    })
}

fn names_hash(headers: &[Header]) -> String {
    let mut sha = Sha256::new();
    for (i, h) in headers.iter().enumerate() {
        if i > 0 {
            sha.update(b",");
        }
        sha.update(&h.name);
    }
    let digest = sha.finalize();
    digest
        .iter()
        .take(6)
        .fold(String::with_capacity(12), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn tx(version: Version, names: &[&str]) -> Transaction {
        let mut tx = Transaction {
            method: Method::from_bytes(b"GET"),
            request_version: version,
            ..Transaction::default()
        };
        tx.request_headers = names
            .iter()
            .map(|n| Header {
                name: n.as_bytes().to_vec(),
                value: b"v".to_vec(),
            })
            .collect();
        tx
    }

    #[test]
    fn curl_like_heads_get_their_documented_shape() {
        let fp = header_fingerprint(&tx(Version::Http11, &["Host", "User-Agent", "Accept"]));
        // `printf %s 'Host,User-Agent,Accept' | sha256sum | cut -c1-12`
        assert_eq!(fp, "11t03nnnn_fe444ad14866");
    }

    #[test]
    fn browser_heads_show_their_flags_and_order_changes_the_hash() {
        let names = [
            "Host",
            "Connection",
            "sec-ch-ua",
            "User-Agent",
            "Accept",
            "Sec-Fetch-Site",
            "Referer",
            "Accept-Language",
            "Cookie",
        ];
        let a = header_fingerprint(&tx(Version::Http11, &names));
        assert!(a.starts_with("11m09crls_"), "{a}");
        let mut swapped = names;
        swapped.swap(0, 1);
        let b = header_fingerprint(&tx(Version::Http11, &swapped));
        assert_eq!(a[..10], b[..10]);
        assert_ne!(a, b);
        assert!(header_fingerprint(&tx(Version::Http10, &["host"])).starts_with("10l01nnnn_"));
    }
}
