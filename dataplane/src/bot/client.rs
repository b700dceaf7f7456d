//! What a client is, from two sides: what its User-Agent claims
//! ([`UaClaim`]) and what its TLS ClientHello shows ([`tls_class`]).
//!
//! TLS stacks differ in ways a User-Agent header cannot hide. Chromium,
//! Safari and Edge put GREASE values (RFC 8701) among their cipher suites
//! and extensions; Firefox (NSS) sends `record_size_limit` (RFC 8449).
//! OpenSSL, Go, Java, .NET and rustls, under curl, python-requests and
//! most HTTP libraries, send neither. A hello without both marks is a
//! library's; one with either is a browser's. Operators name exact
//! fingerprints with `bot` rules (see the README), which take precedence.

use palisade_rules::ClientClass;

use crate::tls::{is_grease, ClientHello, ExtensionType};

/// `record_size_limit` (RFC 8449).
const RECORD_SIZE_LIMIT: ExtensionType = ExtensionType(0x001c);

/// The class of TLS stack a ClientHello comes from.
pub fn tls_class(hello: &ClientHello<'_>) -> ClientClass {
    let grease_cipher = hello.cipher_suites.iter().any(is_grease);
    let mut grease_extension = false;
    let mut size_limit = false;
    for ext in hello.extensions.iter() {
        grease_extension |= is_grease(ext.kind.0);
        size_limit |= ext.kind == RECORD_SIZE_LIMIT;
    }
    if grease_cipher || grease_extension || size_limit {
        ClientClass::Browser
    } else {
        ClientClass::Library
    }
}

/// What a User-Agent header says the client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UaClaim {
    /// No User-Agent at all.
    Missing,
    /// An interactive browser (`Mozilla/5.0 ... Chrome|Firefox|Safari`).
    Browser,
    /// A browser driven without a screen (`HeadlessChrome`, PhantomJS).
    Headless,
    /// An HTTP library or tool naming itself (curl, python-requests, ...).
    Library,
    /// A crawler naming itself (`Googlebot`, `...bot`, `spider`).
    Crawler,
    /// Anything else.
    Other,
}

impl UaClaim {
    pub fn name(self) -> &'static str {
        match self {
            UaClaim::Missing => "missing",
            UaClaim::Browser => "browser",
            UaClaim::Headless => "headless",
            UaClaim::Library => "library",
            UaClaim::Crawler => "crawler",
            UaClaim::Other => "other",
        }
    }
}

/// Product tokens of HTTP libraries and tools, lower case.
const LIBRARIES: &[&str] = &[
    "curl/",
    "wget/",
    "python-requests/",
    "python-urllib",
    "python-httpx/",
    "aiohttp/",
    "go-http-client/",
    "okhttp/",
    "java/",
    "apache-httpclient/",
    "libwww-perl/",
    "axios/",
    "node-fetch/",
    "undici",
    "httpie/",
    "postmanruntime/",
    "insomnia/",
    "scrapy/",
    "rest-client/",
    "guzzlehttp/",
];

const HEADLESS: &[&str] = &["headlesschrome", "phantomjs", "slimerjs"];
const CRAWLERS: &[&str] = &["bot", "crawler", "spider", "slurp"];
const BROWSERS: &[&str] = &["chrome/", "firefox/", "safari/", "edg/", "opr/"];

/// The claim of a User-Agent value.
pub fn ua_claim(ua: Option<&[u8]>) -> UaClaim {
    let Some(ua) = ua else {
        return UaClaim::Missing;
    };
    let ua = String::from_utf8_lossy(ua).to_ascii_lowercase();
    let has = |list: &[&str]| list.iter().any(|t| ua.contains(t));
    if has(LIBRARIES) {
        UaClaim::Library
    } else if has(HEADLESS) {
        UaClaim::Headless
    } else if has(CRAWLERS) {
        UaClaim::Crawler
    } else if ua.starts_with("mozilla/5.0") && has(BROWSERS) {
        UaClaim::Browser
    } else {
        UaClaim::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_of_known_clients_say_what_they_claim() {
        // Values as sent by the named clients (their documentation and
        // default headers).
        let cases: [(&[u8], UaClaim); 7] = [
            (b"curl/7.88.1", UaClaim::Library),
            (b"python-requests/2.31.0", UaClaim::Library),
            (
                b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                  Chrome/120.0.0.0 Safari/537.36",
                UaClaim::Browser,
            ),
            (
                b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                  HeadlessChrome/120.0.0.0 Safari/537.36",
                UaClaim::Headless,
            ),
            (
                b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                UaClaim::Crawler,
            ),
            (b"Go-http-client/1.1", UaClaim::Library),
            (b"MyApp/1.0", UaClaim::Other),
        ];
        for (ua, claim) in cases {
            assert_eq!(ua_claim(Some(ua)), claim, "{}", String::from_utf8_lossy(ua));
        }
        assert_eq!(ua_claim(None), UaClaim::Missing);
    }
}
