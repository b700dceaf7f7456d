//! Bounds on what normalization returns, and the name/value pair it returns.
//!
//! Limits are plain data chosen once per worker. Every output list and every
//! name or value is cut at its limit, and the cut is reported with
//! [`Flag::TooManyParams`] or [`Flag::TooLong`]; nothing grows with the input
//! beyond these bounds.

use super::flags::{Flag, Flags};

/// Bounds on the output of the parameter, multipart and JSON normalizers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Parameters returned by one call: query or form pairs, cookies, or
    /// flattened JSON values.
    pub max_params: usize,
    /// Bytes kept of a name: parameter or cookie name, part name, JSON path.
    pub max_name: usize,
    /// Bytes kept of a value, a part's file name or a part's content type.
    pub max_value: usize,
    /// Parts returned from one multipart body.
    pub max_parts: usize,
    /// Bytes kept of one multipart part's body.
    pub max_part_data: usize,
    /// JSON nesting depth walked; deeper containers are skipped.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_params: 512,
            max_name: 512,
            max_value: 8192,
            max_parts: 64,
            max_part_data: 64 * 1024,
            max_depth: 32,
        }
    }
}

/// One decoded name/value pair: a query or form parameter, a cookie, or a
/// flattened JSON value (its name then being a JSON pointer).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Param {
    /// The decoded name, at most [`Limits::max_name`] bytes.
    pub name: Vec<u8>,
    /// The decoded value, at most [`Limits::max_value`] bytes.
    pub value: Vec<u8>,
}

impl Param {
    /// A pair from two byte strings, for tests and callers building lists.
    pub fn new(name: &[u8], value: &[u8]) -> Self {
        Self {
            name: name.to_vec(),
            value: value.to_vec(),
        }
    }
}

/// A copy of at most `max` bytes of `bytes`, flagging a cut.
pub(super) fn capped(bytes: &[u8], max: usize, flags: &mut Flags) -> Vec<u8> {
    if bytes.len() > max {
        flags.insert(Flag::TooLong);
    }
    bytes[..bytes.len().min(max)].to_vec()
}
