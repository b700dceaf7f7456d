//! Sensitive data detectors: payment card numbers (Luhn-checked, known
//! issuer prefixes), US social security numbers, IBANs (ISO 13616 mod-97
//! checked), e-mail addresses, phone numbers, JWTs, PEM private keys and
//! cloud access keys (AWS access key ids, Google API keys).
//!
//! Input: any bytes (a decoded body, a header or parameter value). Output:
//! the set of [`SensitiveKind`]s found. One pass over the bytes; each
//! detector runs only where a token starts with a byte it can begin with,
//! and reads a bounded window from there, so the cost stays linear. Nothing
//! found is kept: callers that must show a value use [`mask`].

use serde::{Deserialize, Serialize};

/// A kind of sensitive data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveKind {
    CardNumber,
    UsSsn,
    Iban,
    Email,
    Phone,
    Jwt,
    PrivateKey,
    CloudKey,
}

impl SensitiveKind {
    /// Every kind, in the order of their bits.
    pub const ALL: [SensitiveKind; 8] = [
        Self::CardNumber,
        Self::UsSsn,
        Self::Iban,
        Self::Email,
        Self::Phone,
        Self::Jwt,
        Self::PrivateKey,
        Self::CloudKey,
    ];

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The kind's name in events and the inventory.
    pub fn name(self) -> &'static str {
        match self {
            Self::CardNumber => "card_number",
            Self::UsSsn => "us_ssn",
            Self::Iban => "iban",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Jwt => "jwt",
            Self::PrivateKey => "private_key",
            Self::CloudKey => "cloud_key",
        }
    }
}

/// A set of [`SensitiveKind`]s, serialized as the list of their names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SensitiveSet(u16);

impl SensitiveSet {
    /// The empty set.
    pub const EMPTY: SensitiveSet = SensitiveSet(0);

    pub fn insert(&mut self, kind: SensitiveKind) {
        self.0 |= kind.bit();
    }

    pub fn contains(self, kind: SensitiveKind) -> bool {
        self.0 & kind.bit() != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The union of both sets.
    pub fn union(self, other: SensitiveSet) -> SensitiveSet {
        SensitiveSet(self.0 | other.0)
    }

    /// The kinds in the set, in [`SensitiveKind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = SensitiveKind> {
        SensitiveKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }
}

impl Serialize for SensitiveSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for SensitiveSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let kinds = Vec::<SensitiveKind>::deserialize(d)?;
        let mut set = SensitiveSet::EMPTY;
        kinds.into_iter().for_each(|k| set.insert(k));
        Ok(set)
    }
}

/// The kinds of sensitive data in `text`.
pub fn scan(text: &[u8]) -> SensitiveSet {
    let mut found = SensitiveSet::EMPTY;
    scan_each(text, |kind, _| found.insert(kind));
    found
}

/// Calls `found` with each kind and the byte range where it was seen.
pub fn scan_each(text: &[u8], mut found: impl FnMut(SensitiveKind, std::ops::Range<usize>)) {
    let mut i = 0;
    while i < text.len() {
        let prev = i.checked_sub(1).and_then(|p| text.get(p)).copied();
        let starts_token = prev.is_none_or(|p| !p.is_ascii_alphanumeric());
        let hit = if starts_token {
            token_at(text, i)
        } else {
            None
        };
        match hit {
            Some((kind, len)) => {
                found(kind, i..i + len);
                i += len.max(1);
            }
            None if text[i] == b'@' => {
                if let Some(range) = email_around(text, i) {
                    found(SensitiveKind::Email, range.clone());
                    i = range.end.max(i + 1);
                } else {
                    i += 1;
                }
            }
            None => i += 1,
        }
    }
}

/// A detector match starting at `at` (a token start): its kind and length.
fn token_at(text: &[u8], at: usize) -> Option<(SensitiveKind, usize)> {
    let rest = &text[at..];
    match rest.first()? {
        b'0'..=b'9' | b'+' | b'(' => numeric(rest),
        b'e' => jwt(rest).map(|n| (SensitiveKind::Jwt, n)),
        b'-' => private_key(rest).map(|n| (SensitiveKind::PrivateKey, n)),
        b'A'..=b'Z' => cloud_key(rest)
            .map(|n| (SensitiveKind::CloudKey, n))
            .or_else(|| iban(rest).map(|n| (SensitiveKind::Iban, n))),
        _ => None,
    }
}

/// A number-like token: a card number, an SSN or a phone number.
fn numeric(rest: &[u8]) -> Option<(SensitiveKind, usize)> {
    if let Some(n) = ssn(rest) {
        return Some((SensitiveKind::UsSsn, n));
    }
    if let Some(n) = card(rest) {
        return Some((SensitiveKind::CardNumber, n));
    }
    phone(rest).map(|n| (SensitiveKind::Phone, n))
}

/// Up to 34 characters kept on the stack while a candidate is read (the
/// longest IBAN; card numbers take 19), so scanning never allocates.
struct Chars {
    bytes: [u8; 34],
    len: usize,
}

impl Chars {
    fn new() -> Self {
        Chars {
            bytes: [0; 34],
            len: 0,
        }
    }

    /// Appends `b`; false when `max` characters are held already.
    fn push(&mut self, b: u8, max: usize) -> bool {
        if self.len >= max.min(self.bytes.len()) {
            return false;
        }
        self.bytes[self.len] = b;
        self.len += 1;
        true
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Digits with single spaces or dashes between groups, as cards are written:
/// their values and the bytes taken; none when more than `max` digits run.
fn grouped_digits(rest: &[u8], max: usize) -> Option<(Chars, usize)> {
    let mut digits = Chars::new();
    let mut taken = 0;
    for (i, &b) in rest.iter().enumerate() {
        if b.is_ascii_digit() {
            if !digits.push(b - b'0', max) {
                return None;
            }
            taken = i + 1;
        } else {
            let prev_digit = i > 0 && rest[i - 1].is_ascii_digit();
            let next_digit = rest.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !(matches!(b, b' ' | b'-') && prev_digit && next_digit) {
                break;
            }
        }
    }
    Some((digits, taken))
}

/// A payment card number: 13 to 19 digits with a known issuer prefix whose
/// Luhn check digit is right.
fn card(rest: &[u8]) -> Option<usize> {
    let (digits, taken) = grouped_digits(rest, 19)?;
    let digits = digits.as_slice();
    if !(13..=19).contains(&digits.len()) || !ends_token(rest, taken) {
        return None;
    }
    (known_issuer(digits) && luhn_valid(digits)).then_some(taken)
}

/// True for digit strings whose prefix and length belong to a card network
/// (Visa, Mastercard, American Express, Discover, JCB, Diners, UnionPay).
fn known_issuer(d: &[u8]) -> bool {
    let prefix = |n: usize| d.iter().take(n).fold(0u32, |a, &x| a * 10 + u32::from(x));
    let len = d.len();
    match d.first() {
        Some(4) => matches!(len, 13 | 16 | 19),
        Some(5) => (51..=55).contains(&prefix(2)) && len == 16,
        Some(2) => (2221..=2720).contains(&prefix(4)) && len == 16,
        Some(3) => match prefix(2) {
            34 | 37 => len == 15,
            35 => (16..=19).contains(&len),
            30 | 36 | 38 | 39 => (14..=19).contains(&len),
            _ => false,
        },
        Some(6) => {
            let p = prefix(4);
            (p == 6011 || prefix(2) == 65 || (644..=649).contains(&prefix(3)) || prefix(2) == 62)
                && (16..=19).contains(&len)
        }
        _ => false,
    }
}

pub use palisade_rules::luhn_valid;

/// A US social security number written `AAA-GG-SSSS`, with the number
/// ranges the SSA never issues left out (area 000, 666, 900-999; group 00;
/// serial 0000).
fn ssn(rest: &[u8]) -> Option<usize> {
    let s = rest.get(..11)?;
    let shape = s.iter().enumerate().all(|(i, &b)| match i {
        3 | 6 => b == b'-',
        _ => b.is_ascii_digit(),
    });
    if !shape || !ends_token(rest, 11) {
        return None;
    }
    let num =
        |r: std::ops::Range<usize>| s[r].iter().fold(0u32, |a, &b| a * 10 + u32::from(b - b'0'));
    let (area, group, serial) = (num(0..3), num(4..6), num(7..11));
    let valid = area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    valid.then_some(11)
}

/// A phone number: E.164 (`+` and 8 to 15 digits, spaces or dashes
/// between groups) or the North American `(AAA) EEE-NNNN` / `AAA-EEE-NNNN`.
fn phone(rest: &[u8]) -> Option<usize> {
    if rest.first() == Some(&b'+') {
        let (digits, taken) = grouped_digits(&rest[1..], 15)?;
        let digits = digits.as_slice();
        let ok = (8..=15).contains(&digits.len())
            && digits.first() != Some(&0)
            && ends_token(rest, taken + 1);
        return ok.then_some(taken + 1);
    }
    let shapes: [&[u8]; 3] = [b"(ddd) ddd-dddd", b"ddd-ddd-dddd", b"(ddd)ddd-dddd"];
    shapes.into_iter().find_map(|shape| {
        let s = rest.get(..shape.len())?;
        let fits = s.iter().zip(shape).all(|(&b, &p)| match p {
            b'd' => b.is_ascii_digit(),
            _ => b == p,
        });
        (fits && ends_token(rest, shape.len()) && nanp_area_ok(s)).then_some(shape.len())
    })
}

/// NANP area and exchange codes start with 2-9.
fn nanp_area_ok(s: &[u8]) -> bool {
    let digits: Vec<u8> = s.iter().copied().filter(u8::is_ascii_digit).collect();
    matches!(digits.first(), Some(b'2'..=b'9')) && matches!(digits.get(3), Some(b'2'..=b'9'))
}

/// An IBAN: country code, two check digits, 11 to 30 letters or digits (in
/// groups of four when spaced), whose ISO 7064 mod 97-10 check gives 1.
fn iban(rest: &[u8]) -> Option<usize> {
    let head = rest.get(..4)?;
    if !(head[..2].iter().all(u8::is_ascii_uppercase) && head[2..].iter().all(u8::is_ascii_digit)) {
        return None;
    }
    let mut chars = Chars::new();
    let mut taken = 0;
    for (i, &b) in rest.iter().enumerate() {
        if b.is_ascii_uppercase() || b.is_ascii_digit() {
            if !chars.push(b, 34) {
                return None;
            }
            taken = i + 1;
        } else if !(b == b' '
            && chars.len.is_multiple_of(4)
            && rest.get(i + 1).is_some_and(is_upalnum))
        {
            break;
        }
    }
    if !(15..=34).contains(&chars.len) || !ends_token(rest, taken) {
        return None;
    }
    (iban_mod97(chars.as_slice()) == Some(1)).then_some(taken)
}

fn is_upalnum(b: &u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// ISO 13616's check: the first four characters moved to the end, letters
/// as 10..35, the whole number modulo 97.
pub fn iban_mod97(chars: &[u8]) -> Option<u32> {
    let (head, tail) = (chars.get(..4)?, chars.get(4..)?);
    let mut rem = 0u32;
    for &c in tail.iter().chain(head) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    Some(rem)
}

/// A JWT: three base64url parts joined by dots, the first a JSON header
/// (`eyJ` is the encoding of `{"`); the signature part is empty in an
/// unsecured JWT (RFC 7519 §6).
fn jwt(rest: &[u8]) -> Option<usize> {
    if !rest.starts_with(b"eyJ") {
        return None;
    }
    let (mut dots, mut len) = (0, 0);
    let mut end = rest.len();
    for (i, &b) in rest.iter().enumerate() {
        if b == b'.' && len > 0 && dots < 2 {
            dots += 1;
            len = 0;
        } else if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            len += 1;
        } else {
            end = i;
            break;
        }
    }
    let ended_well = rest.get(end) != Some(&b'.');
    (dots == 2 && ended_well).then_some(end)
}

/// A PEM private key block header: `-----BEGIN [RSA |EC |...]PRIVATE KEY-----`.
fn private_key(rest: &[u8]) -> Option<usize> {
    let after = rest.strip_prefix(b"-----BEGIN ")?;
    let line = after.get(..after.len().min(40))?;
    let end = memchr::memmem::find(line, b"PRIVATE KEY-----")?;
    Some(11 + end + 16)
}

/// An AWS access key id (`AKIA`/`ASIA` and 16 upper-case letters or
/// digits) or a Google API key (`AIza` and 35 URL-safe characters).
fn cloud_key(rest: &[u8]) -> Option<usize> {
    let body_ok = |n: usize, ok: fn(&u8) -> bool| {
        rest.get(4..4 + n)
            .is_some_and(|b| b.iter().all(ok) && ends_token(rest, 4 + n))
    };
    if (rest.starts_with(b"AKIA") || rest.starts_with(b"ASIA")) && body_ok(16, is_upalnum) {
        return Some(20);
    }
    let url_safe = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
    (rest.starts_with(b"AIza") && body_ok(35, url_safe)).then_some(39)
}

/// An e-mail address around the `@` at `at`: a local part of the usual
/// characters, a domain of at least two labels with an alphabetic TLD.
fn email_around(text: &[u8], at: usize) -> Option<std::ops::Range<usize>> {
    let local_ok = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
    let mut start = at;
    while start > 0 && at - start < 64 && local_ok(text[start - 1]) {
        start -= 1;
    }
    let domain_ok = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'-';
    let mut end = at + 1;
    while end < text.len() && end - at < 255 && domain_ok(text[end]) {
        end += 1;
    }
    while end > at + 1 && text[end - 1] == b'.' {
        end -= 1;
    }
    let domain = text.get(at + 1..end)?;
    let tld = domain.rsplit(|&b| b == b'.').next()?;
    let ok = start < at
        && domain.contains(&b'.')
        && !domain.starts_with(b".")
        && !domain.windows(2).any(|w| w == b"..")
        && tld.len() >= 2
        && tld.iter().all(u8::is_ascii_alphabetic);
    ok.then_some(start..end)
}

/// True when the token ends at `len`: no letter or digit follows.
fn ends_token(rest: &[u8], len: usize) -> bool {
    rest.get(len).is_none_or(|b| !b.is_ascii_alphanumeric())
}

/// A value shown with all but its last four characters replaced by `*`
/// (all of it when it is eight characters or shorter).
pub fn mask(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    let count = text.chars().count();
    let keep = if count > 8 { 4 } else { 0 };
    let masked = "*".repeat(count - keep);
    let tail: String = text.chars().skip(count - keep).collect();
    masked + &tail
}
