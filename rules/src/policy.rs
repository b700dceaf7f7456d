//! The bodies of the policy kinds beside signatures: `rate-limit` rules
//! (a token bucket per key, shared by every worker core) and `bot` rules
//! (fingerprint lists that name clients, allow them or deny them).
//!
//! Plain data like the rest of the model; the dataplane's `limit` and `bot`
//! modules carry them out.

/// `kind: rate-limit`: at most `requests` per `period_secs` for each value
/// of the key, with bursts up to `burst`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// What a bucket is kept for; several parts make one composite key.
    pub key: Vec<LimitKey>,
    /// Requests allowed per period, sustained.
    pub requests: u64,
    /// The period in seconds.
    pub period_secs: u64,
    /// Requests allowed at once (the bucket's size); at least 1.
    pub burst: u64,
    /// Which requests count; everything when empty.
    pub scope: Scope,
}

/// One part of a rate-limit key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LimitKey {
    /// The client's IP address.
    ClientAddress,
    /// The value of a request header (lowercase name), e.g. an API key.
    Header(String),
    /// A claim of the JWT in `Authorization: Bearer`, decoded without
    /// verifying its signature.
    JwtClaim(String),
    /// Method and normalized path.
    Endpoint,
    /// The client's JA4 TLS fingerprint.
    TlsFingerprint,
}

impl LimitKey {
    /// The written forms without an argument.
    pub const PLAIN: &'static [&'static str] = &["client-address", "endpoint", "tls-fingerprint"];
    /// The written forms with an argument (`header:x-api-key`).
    pub const WITH_ARGUMENT: &'static [&'static str] = &["header", "jwt-claim"];

    /// The key as written in rule files.
    pub fn name(&self) -> String {
        match self {
            LimitKey::ClientAddress => "client-address".into(),
            LimitKey::Header(h) => format!("header:{h}"),
            LimitKey::JwtClaim(c) => format!("jwt-claim:{c}"),
            LimitKey::Endpoint => "endpoint".into(),
            LimitKey::TlsFingerprint => "tls-fingerprint".into(),
        }
    }
}

/// Which requests a rate limit counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Request methods (upper case); any when empty.
    pub methods: Vec<String>,
    /// The normalized path: exact, or a prefix when written with a
    /// trailing `*`.
    pub path: Option<PathMatch>,
    /// The host name (lowercase, without port).
    pub host: Option<String>,
}

/// A path in a [`Scope`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathMatch {
    Exact(String),
    Prefix(String),
}

impl PathMatch {
    /// True when `path` is in scope.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Exact(p) => path == p,
            PathMatch::Prefix(p) => path.starts_with(p.as_str()),
        }
    }
}

/// `kind: bot`: a list of fingerprints that names a client and, by the
/// rule's action, lets it through (`allow`), reports it or blocks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotRule {
    /// JA4 TLS client fingerprints; the rule holds when any is the client's.
    pub ja4: Vec<String>,
    /// HTTP header fingerprints (the dataplane's own, see its README).
    pub http: Vec<String>,
    /// The client these fingerprints belong to, for events.
    pub client: Option<String>,
    /// What kind of client it is.
    pub class: Option<ClientClass>,
    /// An allow list: clients it names are never scored or acted on as
    /// bots (only with `action: log` or `alert`).
    pub allow: bool,
}

/// What kind of software a client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientClass {
    /// A web browser.
    Browser,
    /// An HTTP library or command-line tool (curl, python-requests, ...).
    Library,
    /// A crawler or monitoring bot that says what it is.
    Crawler,
}

impl ClientClass {
    pub const ALL: &'static [ClientClass] = &[
        ClientClass::Browser,
        ClientClass::Library,
        ClientClass::Crawler,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ClientClass::Browser => "browser",
            ClientClass::Library => "library",
            ClientClass::Crawler => "crawler",
        }
    }

    pub fn from_name(name: &str) -> Option<ClientClass> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}
