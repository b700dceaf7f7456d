//! What normalization noticed: one [`Flag`] per kind of anomaly, gathered in
//! a [`Flags`] bit set.
//!
//! Every normalizing function returns its output together with a [`Flags`]
//! value. Flags never stop normalization; they tell the rule engine that the
//! request used an encoding trick, was malformed, or was cut at a limit, so
//! that a rule can match on the anomaly itself. Each flag has a stable
//! snake_case name ([`Flag::name`]) for counters and rule conditions.

use core::fmt;
use core::ops::{BitOr, BitOrAssign};

/// One anomaly found while normalizing a request part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flag {
    /// A `%` not followed by two hex digits (`%zz`, a trailing `%4`); the
    /// bytes were kept as they were.
    InvalidPercent,
    /// The decoded text still holds a percent escape (`%252e` gave `%2e`):
    /// a second decoding pass, as some servers do, would change it again.
    DoubleEncoded,
    /// A `%uXXXX` escape (the old IIS form), decoded to UTF-8.
    PercentU,
    /// A NUL byte in a decoded value.
    NulByte,
    /// An overlong UTF-8 form such as `C0 AF` (a disguised `/`).
    OverlongUtf8,
    /// A decoded value that is not valid UTF-8.
    InvalidUtf8,
    /// A `\` in the path, raw or encoded, turned into `/`.
    BackslashInPath,
    /// A `%2F` or `%5C` in the path, decoded and treated as a separator.
    EncodedSlash,
    /// A `.` or `..` segment in the path, removed.
    DotSegments,
    /// Empty segments in the path (`//`), collapsed.
    DuplicateSlashes,
    /// A `..` segment that would climb above the root, ignored.
    PathAboveRoot,
    /// A `;` inside a path segment (a path parameter, as in `/..;/`).
    PathParameter,
    /// A path that did not start with `/`; one was put in front.
    RelativePath,
    /// More parameters, parts or JSON values than the limit; the rest was
    /// not returned.
    TooManyParams,
    /// A name, value, JSON path or part body cut at its length limit.
    TooLong,
    /// JSON nested deeper than the limit; the deeper values were skipped.
    TooDeep,
    /// A JSON body that is not valid JSON (RFC 8259).
    MalformedJson,
    /// A multipart body or part that breaks RFC 7578 / RFC 2046: no
    /// boundary, a part without a usable `Content-Disposition`, duplicated
    /// header fields or parameters, a header line without a colon.
    MalformedMultipart,
    /// A multipart body that ended without its closing delimiter.
    MultipartUnterminated,
}

impl Flag {
    /// Every variant, in declaration order.
    pub const ALL: &'static [Flag] = &[
        Self::InvalidPercent,
        Self::DoubleEncoded,
        Self::PercentU,
        Self::NulByte,
        Self::OverlongUtf8,
        Self::InvalidUtf8,
        Self::BackslashInPath,
        Self::EncodedSlash,
        Self::DotSegments,
        Self::DuplicateSlashes,
        Self::PathAboveRoot,
        Self::PathParameter,
        Self::RelativePath,
        Self::TooManyParams,
        Self::TooLong,
        Self::TooDeep,
        Self::MalformedJson,
        Self::MalformedMultipart,
        Self::MultipartUnterminated,
    ];

    /// The stable snake_case name of this flag.
    pub const fn name(self) -> &'static str {
        match self {
            Self::InvalidPercent => "invalid_percent",
            Self::DoubleEncoded => "double_encoded",
            Self::PercentU => "percent_u",
            Self::NulByte => "nul_byte",
            Self::OverlongUtf8 => "overlong_utf8",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::BackslashInPath => "backslash_in_path",
            Self::EncodedSlash => "encoded_slash",
            Self::DotSegments => "dot_segments",
            Self::DuplicateSlashes => "duplicate_slashes",
            Self::PathAboveRoot => "path_above_root",
            Self::PathParameter => "path_parameter",
            Self::RelativePath => "relative_path",
            Self::TooManyParams => "too_many_params",
            Self::TooLong => "too_long",
            Self::TooDeep => "too_deep",
            Self::MalformedJson => "malformed_json",
            Self::MalformedMultipart => "malformed_multipart",
            Self::MultipartUnterminated => "multipart_unterminated",
        }
    }

    /// Position of this variant in [`Flag::ALL`], also its bit in [`Flags`].
    pub const fn index(self) -> usize {
        // ALL follows declaration order, which a test checks.
        self as usize
    }

    const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`Flag`]s, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u32);

impl Flags {
    /// No flag set.
    pub const EMPTY: Flags = Flags(0);

    /// Adds `flag` to the set.
    pub fn insert(&mut self, flag: Flag) {
        self.0 |= flag.bit();
    }

    /// Whether `flag` is in the set.
    pub const fn contains(self, flag: Flag) -> bool {
        self.0 & flag.bit() != 0
    }

    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The raw bits, bit `n` being `Flag::ALL[n]`.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The flags in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Flag> {
        Flag::ALL.iter().copied().filter(move |f| self.contains(*f))
    }
}

impl From<Flag> for Flags {
    fn from(flag: Flag) -> Self {
        Flags(flag.bit())
    }
}

impl BitOr for Flags {
    type Output = Flags;

    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

impl BitOrAssign for Flags {
    fn bitor_assign(&mut self, rhs: Flags) {
        self.0 |= rhs.0;
    }
}

impl fmt::Display for Flags {
    /// The flag names joined by `,`, or nothing for an empty set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, flag) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(flag.name())?;
        }
        Ok(())
    }
}
