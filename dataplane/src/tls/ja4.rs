//! The JA4 TLS client fingerprint, computed from a [`ClientHello`].
//!
//! A fingerprint has three parts joined by `_`:
//!
//! - **a**, ten characters: transport (`t`, TCP), TLS version (`13`, `12`,
//!   .., `s3`, `s2`, or `00`), `d` when a server name extension is present
//!   else `i`, the number of cipher suites and of extensions (two digits,
//!   at most 99), and two characters taken from the first ALPN name;
//! - **b**, the first 12 hex digits of the SHA-256 of the sorted cipher
//!   suites, each as 4 lowercase hex digits, comma-separated;
//! - **c**, the same over the sorted extension types without server name
//!   and ALPN, followed by `_` and the signature algorithms in wire order.
//!
//! GREASE values are left out of every count and list; an empty list
//! hashes to twelve zeros. [`Ja4::raw`] gives the unhashed form.

use std::fmt::{self, Write};

use sha2::{Digest, Sha256};

use super::client_hello::ClientHello;
use super::extension::ExtensionType;
use super::record::read_handshake;
use super::{is_grease, Error};

const HASH_CHARS: usize = 12;
const EMPTY_HASH: &str = "000000000000";

/// A JA4 fingerprint; `Display` prints the usual `a_b_c` form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ja4 {
    prefix: String,
    ciphers: String,
    extensions: String,
}

impl Ja4 {
    /// The fingerprint of `hello`, seen on a TCP stream.
    pub fn of(hello: &ClientHello<'_>) -> Self {
        let ciphers = cipher_list(hello);
        let extensions = extension_list(hello);
        Self {
            prefix: prefix(hello),
            ciphers: hash_list(&ciphers, &ciphers),
            extensions: hash_list(&extensions, &with_signatures(hello, &extensions)),
        }
    }

    /// The unhashed form: the same prefix, then the two lists in clear.
    pub fn raw(hello: &ClientHello<'_>) -> String {
        let extensions = extension_list(hello);
        let tail = with_signatures(hello, &extensions);
        format!("{}_{}_{}", prefix(hello), cipher_list(hello), tail)
    }

    /// Part a: transport, version, SNI, counts and ALPN.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

impl fmt::Display for Ja4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}_{}", self.prefix, self.ciphers, self.extensions)
    }
}

/// The fingerprint of the ClientHello at the start of a client stream.
pub fn ja4_of_stream(stream: &[u8]) -> Result<Ja4, Error> {
    let message = read_handshake(stream)?;
    let hello = ClientHello::from_message(&message)?;
    Ok(Ja4::of(&hello))
}

/// Part a, e.g. `t13d1516h2`.
fn prefix(hello: &ClientHello<'_>) -> String {
    let sni = match hello.has_server_name_extension() {
        true => 'd',
        false => 'i',
    };
    let ciphers = hello
        .cipher_suites
        .iter()
        .filter(|v| !is_grease(*v))
        .count();
    let extensions = hello
        .extensions
        .iter()
        .filter(|e| !e.kind.is_grease())
        .count();
    let (alpn_first, alpn_last) = alpn_chars(hello);
    format!(
        "t{}{sni}{:02}{:02}{alpn_first}{alpn_last}",
        version_code(hello),
        ciphers.min(99),
        extensions.min(99),
    )
}

/// The version code: highest non-GREASE supported version, else the
/// hello's legacy version.
fn version_code(hello: &ClientHello<'_>) -> &'static str {
    let offered = hello.supported_versions.unwrap_or_default();
    let highest = offered.iter().filter(|v| !is_grease(*v)).max();
    match highest.unwrap_or(hello.legacy_version) {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// First and last character of the first ALPN name, `00` without one.
///
/// When either end byte is not an ASCII letter or digit, the characters
/// are instead the first and last hex digit of the name.
fn alpn_chars(hello: &ClientHello<'_>) -> (char, char) {
    let first_name = hello.alpn.and_then(|list| list.iter().next());
    let (Some(&first), Some(&last)) = (
        first_name.and_then(<[u8]>::first),
        first_name.and_then(<[u8]>::last),
    ) else {
        return ('0', '0');
    };
    if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() {
        return (char::from(first), char::from(last));
    }
    (hex_digit(first >> 4), hex_digit(last & 0x0f))
}

fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).unwrap_or('0')
}

/// Sorted non-GREASE cipher suites, e.g. `002f,0035,c02b`.
fn cipher_list(hello: &ClientHello<'_>) -> String {
    let mut values: Vec<u16> = hello
        .cipher_suites
        .iter()
        .filter(|v| !is_grease(*v))
        .collect();
    values.sort_unstable();
    join_hex(values)
}

/// Sorted non-GREASE extension types, without server name and ALPN.
fn extension_list(hello: &ClientHello<'_>) -> String {
    let skipped = [ExtensionType::SERVER_NAME, ExtensionType::ALPN];
    let mut values: Vec<u16> = hello
        .extensions
        .iter()
        .map(|ext| ext.kind)
        .filter(|kind| !kind.is_grease() && !skipped.contains(kind))
        .map(|kind| kind.0)
        .collect();
    values.sort_unstable();
    join_hex(values)
}

/// The extension list, then `_` and the signature algorithms when any.
fn with_signatures(hello: &ClientHello<'_>, extensions: &str) -> String {
    let schemes = hello.signature_algorithms.unwrap_or_default();
    let schemes = join_hex(schemes.iter().filter(|v| !is_grease(*v)));
    match schemes.is_empty() {
        true => extensions.to_owned(),
        false => format!("{extensions}_{schemes}"),
    }
}

/// Values as 4-digit lowercase hex, comma-separated.
fn join_hex(values: impl IntoIterator<Item = u16>) -> String {
    let mut out = String::new();
    for value in values {
        if !out.is_empty() {
            out.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{value:04x}");
    }
    out
}

/// The truncated hash of `text`, or zeros when `list` is empty.
fn hash_list(list: &str, text: &str) -> String {
    if list.is_empty() {
        return EMPTY_HASH.to_owned();
    }
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(HASH_CHARS);
    for byte in digest.iter().take(HASH_CHARS / 2) {
        let _ = write!(out, "{byte:02x}");
    }
    out
}
