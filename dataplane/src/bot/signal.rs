//! The signals a bot score is made of, each with its weight, its name in
//! events and the signature id its alert carries.

/// One reason to think a client is a bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    /// The User-Agent claims a browser, the TLS or header fingerprint is a
    /// library's.
    UaMismatch,
    /// The User-Agent names a headless browser.
    Headless,
    /// More requests per window than `request_rate`.
    HighRate,
    /// A large share of 4xx answers.
    ErrorShare,
    /// Many distinct object ids on one endpoint (enumeration, BOLA).
    Enumeration,
    /// Failed logins across many usernames.
    CredentialStuffing,
    /// A `bot` rule with `action: block` names the client's fingerprint.
    DeniedFingerprint,
}

impl Signal {
    pub const ALL: [Signal; 7] = [
        Signal::UaMismatch,
        Signal::Headless,
        Signal::HighRate,
        Signal::ErrorShare,
        Signal::Enumeration,
        Signal::CredentialStuffing,
        Signal::DeniedFingerprint,
    ];

    /// Points the signal adds to the score (capped at 100).
    pub fn weight(self) -> u32 {
        match self {
            Signal::UaMismatch => 50,
            Signal::Headless => 30,
            Signal::HighRate => 30,
            Signal::ErrorShare => 20,
            Signal::Enumeration => 60,
            Signal::CredentialStuffing => 80,
            Signal::DeniedFingerprint => 100,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::UaMismatch => "ua_mismatch",
            Signal::Headless => "headless",
            Signal::HighRate => "high_rate",
            Signal::ErrorShare => "error_share",
            Signal::Enumeration => "enumeration",
            Signal::CredentialStuffing => "credential_stuffing",
            Signal::DeniedFingerprint => "denied_fingerprint",
        }
    }

    /// The signature id of the signal's alert (range 9100001-9100099,
    /// kept clear of rule files' ids).
    pub fn signature_id(self) -> u64 {
        9_100_001 + self as u64
    }

    /// The alert's signature text.
    pub fn description(self) -> &'static str {
        match self {
            Signal::UaMismatch => "Bot: User-Agent claims a browser, fingerprint is a library",
            Signal::Headless => "Bot: headless browser",
            Signal::HighRate => "Bot: request rate above threshold",
            Signal::ErrorShare => "Bot: high share of 4xx answers",
            Signal::Enumeration => "Bot: object id enumeration on one endpoint",
            Signal::CredentialStuffing => "Bot: failed logins across many usernames",
            Signal::DeniedFingerprint => "Bot: fingerprint on a deny list",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of signals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals(u16);

impl Signals {
    pub fn insert(&mut self, s: Signal) {
        self.0 |= s.bit();
    }

    pub fn contains(self, s: Signal) -> bool {
        self.0 & s.bit() != 0
    }

    pub fn union(self, other: Signals) -> Signals {
        Signals(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Signal> {
        Signal::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// The score: the signals' weights added up, at most 100.
    pub fn score(self) -> u32 {
        self.iter().map(Signal::weight).sum::<u32>().min(100)
    }
}
