//! The type of a parameter value or path segment as the inventory records
//! it: integer, number, boolean, UUID, hex/hash, date, date-time, e-mail,
//! opaque token or plain string (JSON bodies add null, object and array).
//!
//! Input: one value's bytes (already percent-decoded where the caller has
//! decoded them). Output: a [`ValueType`]. Only the value's own shape is
//! used here; the aggregator weighs the types of many values seen at one
//! place (see [`super::template`]).

use serde::{Deserialize, Serialize};

/// A value's type, from the narrowest to the widest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Integer,
    Number,
    Boolean,
    Uuid,
    Hex,
    Date,
    DateTime,
    Email,
    Token,
    String,
    Null,
    Object,
    Array,
}

impl ValueType {
    /// The type's name in the inventory.
    pub fn name(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Uuid => "uuid",
            Self::Hex => "hex",
            Self::Date => "date",
            Self::DateTime => "date_time",
            Self::Email => "email",
            Self::Token => "token",
            Self::String => "string",
            Self::Null => "null",
            Self::Object => "object",
            Self::Array => "array",
        }
    }

    /// True for types that name one thing among many (ids): a path segment
    /// of such a type is a parameter candidate.
    pub fn is_id(self) -> bool {
        matches!(
            self,
            Self::Integer | Self::Uuid | Self::Hex | Self::Date | Self::Email | Self::Token
        )
    }

    /// True when a segment of this type is an id even when only one value
    /// was ever seen (its shape alone says so).
    pub fn is_unmistakable_id(self) -> bool {
        matches!(self, Self::Uuid | Self::Email | Self::Token) || self == Self::Hex
    }

    /// The widest type covering both: equal types stay, integers and numbers
    /// give numbers, anything else a string.
    pub fn join(self, other: ValueType) -> ValueType {
        match (self, other) {
            (a, b) if a == b => a,
            (Self::Integer, Self::Number) | (Self::Number, Self::Integer) => Self::Number,
            (Self::Hex, Self::Integer) | (Self::Integer, Self::Hex) => Self::Hex,
            (Self::Token, Self::Hex | Self::Integer) | (Self::Hex | Self::Integer, Self::Token) => {
                Self::Token
            }
            _ => Self::String,
        }
    }
}

/// The type of a text value (query, header, form value or path segment).
pub fn classify(v: &[u8]) -> ValueType {
    if v.is_empty() {
        return ValueType::String;
    }
    if is_integer(v) {
        return ValueType::Integer;
    }
    if is_number(v) {
        return ValueType::Number;
    }
    if v.eq_ignore_ascii_case(b"true") || v.eq_ignore_ascii_case(b"false") {
        return ValueType::Boolean;
    }
    if is_uuid(v) {
        return ValueType::Uuid;
    }
    if is_hex_id(v) {
        return ValueType::Hex;
    }
    if is_date(v) {
        return if v.len() == 10 {
            ValueType::Date
        } else {
            ValueType::DateTime
        };
    }
    if is_email(v) {
        return ValueType::Email;
    }
    if is_token(v) {
        return ValueType::Token;
    }
    ValueType::String
}

/// The type of a scalar from a flattened JSON body: `null`, `true`/`false`
/// and numbers keep their JSON types, strings are classified as text.
pub fn classify_json(v: &[u8]) -> ValueType {
    match v {
        b"null" => ValueType::Null,
        b"true" | b"false" => ValueType::Boolean,
        _ => classify(v),
    }
}

/// Decimal digits with an optional minus, of any size (JSON Schema's
/// integers are not bounded).
fn is_integer(v: &[u8]) -> bool {
    let digits = v.strip_prefix(b"-").unwrap_or(v);
    !digits.is_empty() && digits.len() <= 64 && digits.iter().all(u8::is_ascii_digit)
}

fn is_number(v: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(v) else {
        return false;
    };
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    plain && text.bytes().any(|b| b.is_ascii_digit()) && text.parse::<f64>().is_ok()
}

fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Hex strings of a hash or id length (at least 16 digits, even length)
/// with at least one digit and one letter, in one case.
fn is_hex_id(v: &[u8]) -> bool {
    let lower = v
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
    let upper = v
        .iter()
        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b));
    v.len() >= 16
        && v.len().is_multiple_of(2)
        && (lower || upper)
        && v.iter().any(u8::is_ascii_digit)
        && v.iter().any(u8::is_ascii_alphabetic)
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and a time.
fn is_date(v: &[u8]) -> bool {
    let Some(date) = v.get(..10) else {
        return false;
    };
    let shape = date.iter().enumerate().all(|(i, b)| match i {
        4 | 7 => *b == b'-',
        _ => b.is_ascii_digit(),
    });
    let month = date.get(5..7).map_or(0, two_digits);
    let day = date.get(8..10).map_or(0, two_digits);
    let time_ok = match v.get(10) {
        None => true,
        Some(b'T' | b't' | b' ') => v.len() >= 16 && v[11..].iter().all(is_time_byte),
        Some(_) => false,
    };
    shape && (1..=12).contains(&month) && (1..=31).contains(&day) && time_ok
}

fn is_time_byte(b: &u8) -> bool {
    b.is_ascii_digit() || matches!(b, b':' | b'.' | b'+' | b'-' | b'Z' | b'z')
}

fn two_digits(b: &[u8]) -> u32 {
    b.iter()
        .fold(0, |a, d| a * 10 + u32::from(d.wrapping_sub(b'0')))
}

fn is_email(v: &[u8]) -> bool {
    let Some(at) = v.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&v[..at], &v[at + 1..]);
    !local.is_empty()
        && domain.contains(&b'.')
        && !domain.contains(&b'@')
        && domain
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-.".contains(b))
}

/// An opaque token: 16 or more URL-safe base64 characters mixing letters and
/// digits (session ids, API keys, slugs with hashes).
fn is_token(v: &[u8]) -> bool {
    let alphabet = v
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.~+/=".contains(b));
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = v.iter().filter(|b| b.is_ascii_alphabetic()).count();
    v.len() >= 16 && alphabet && digits >= 2 && letters >= 2
}
