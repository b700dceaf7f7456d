//! Conditions: the tree a signature evaluates over one transaction.
//!
//! A [`Condition`] combines [`Test`]s with `all`, `any` and `not`. A test takes
//! one [`Field`] of the transaction, applies its [`Transform`]s in order and
//! checks the result with one [`Operator`]. Patterns keep their source text and
//! flags unchanged so the dataplane's compiler (Vectorscan) can take them as
//! written; the `regex` crate has only checked that they compile.

use crate::cidr::Cidr;
use crate::diag::Location;
use crate::field::Field;

/// A boolean combination of tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// True when every member is true; never empty.
    All(Vec<Condition>),
    /// True when at least one member is true; never empty.
    Any(Vec<Condition>),
    /// True when the inner condition is false.
    Not(Box<Condition>),
    /// One field checked by one operator.
    Test(Test),
}

impl Condition {
    /// Calls `visit` on every test in the tree, depth first, in file order.
    pub fn for_each_test<'a>(&'a self, visit: &mut impl FnMut(&'a Test)) {
        match self {
            Condition::All(members) | Condition::Any(members) => {
                members.iter().for_each(|m| m.for_each_test(visit));
            }
            Condition::Not(inner) => inner.for_each_test(visit),
            Condition::Test(test) => visit(test),
        }
    }
}

/// One field of the transaction, transformed, then matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Test {
    pub field: Field,
    /// Applied in order to each value of the field before matching.
    pub transforms: Vec<Transform>,
    pub operator: Operator,
    /// Where the test starts in its file.
    pub origin: Location,
    /// Where its operator's value (the pattern, literal, list, ...) starts:
    /// the place of an error about that value found after parsing.
    pub value_origin: Location,
}

/// How a (transformed) field value is matched.
///
/// A field with several values (all headers, every parameter) matches when
/// any one of its values matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `regex`: the pattern matches somewhere in the value.
    Regex(Pattern),
    /// `contains`: the literal occurs somewhere in the value.
    Contains(Literal),
    /// `equals`: the value is exactly the literal.
    Equals(Literal),
    /// `prefix`: the value starts with the literal.
    Prefix(Literal),
    /// `suffix`: the value ends with the literal.
    Suffix(Literal),
    /// `in`: the value equals one of the listed strings.
    In(InList),
    /// `eq`, `ne`, `lt`, `le`, `gt`, `ge`: the value read as a decimal integer
    /// compares so with `value`; a value that is not an integer never matches.
    Compare { op: Comparison, value: i64 },
    /// `cidr`: the value read as an IP address lies in one of the networks;
    /// a value that is not an address never matches.
    Cidr(Vec<Cidr>),
}

/// A regular expression as written in the rule file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The pattern text, unchanged.
    pub source: String,
    pub flags: PatternFlags,
}

/// Matching flags of a [`Pattern`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PatternFlags {
    /// `nocase: true`: letters match regardless of case.
    pub caseless: bool,
    /// `dotall: true`: `.` also matches a newline.
    pub dotall: bool,
    /// `multiline: true`: `^` and `$` also match at line starts and ends.
    pub multiline: bool,
}

/// A literal string to compare with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    /// Never empty.
    pub text: String,
    /// `nocase: true`: compare ignoring ASCII case.
    pub nocase: bool,
}

/// The strings of an `in` operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InList {
    /// Never empty, in file order.
    pub values: Vec<String>,
    /// `nocase: true`: compare ignoring ASCII case.
    pub nocase: bool,
}

/// A numeric comparison of an [`Operator::Compare`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    pub const ALL: &'static [Comparison] = &[
        Comparison::Eq,
        Comparison::Ne,
        Comparison::Lt,
        Comparison::Le,
        Comparison::Gt,
        Comparison::Ge,
    ];

    /// The operator key used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Comparison::Eq => "eq",
            Comparison::Ne => "ne",
            Comparison::Lt => "lt",
            Comparison::Le => "le",
            Comparison::Gt => "gt",
            Comparison::Ge => "ge",
        }
    }

    pub fn from_name(name: &str) -> Option<Comparison> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// Whether `left <op> right` holds.
    pub fn holds(self, left: i64, right: i64) -> bool {
        match self {
            Comparison::Eq => left == right,
            Comparison::Ne => left != right,
            Comparison::Lt => left < right,
            Comparison::Le => left <= right,
            Comparison::Gt => left > right,
            Comparison::Ge => left >= right,
        }
    }
}

/// A normalisation applied to a field value before it is matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transform {
    /// `lowercase`: ASCII letters to lower case.
    Lowercase,
    /// `url-decode`: `%XX` escapes and `+` as space.
    UrlDecode,
    /// `html-entity-decode`: named and numeric character references.
    HtmlEntityDecode,
    /// `base64-decode`: standard or URL-safe alphabet, padding optional.
    Base64Decode,
    /// `normalize-path`: resolve `.` and `..`, collapse repeated `/`.
    NormalizePath,
    /// `compress-whitespace`: every run of whitespace becomes one space.
    CompressWhitespace,
    /// `json-decode`: JSON string escapes (`\"`, `\n`, `\u0024`, ...).
    JsonDecode,
}

impl Transform {
    pub const ALL: &'static [Transform] = &[
        Transform::Lowercase,
        Transform::UrlDecode,
        Transform::HtmlEntityDecode,
        Transform::Base64Decode,
        Transform::NormalizePath,
        Transform::CompressWhitespace,
        Transform::JsonDecode,
    ];

    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Transform::Lowercase => "lowercase",
            Transform::UrlDecode => "url-decode",
            Transform::HtmlEntityDecode => "html-entity-decode",
            Transform::Base64Decode => "base64-decode",
            Transform::NormalizePath => "normalize-path",
            Transform::CompressWhitespace => "compress-whitespace",
            Transform::JsonDecode => "json-decode",
        }
    }

    pub fn from_name(name: &str) -> Option<Transform> {
        Self::ALL.iter().copied().find(|t| t.name() == name)
    }
}
