//! Normalization of HTTP request parts for inspection.
//!
//! The HTTP parser hands over raw pieces of a request: the request-target,
//! `Cookie` header values, the `Content-Type` and the de-framed body. The
//! functions here turn them into what a server would see (decoded,
//! path-resolved, split into name/value pairs) for the rule engine to match
//! and for the API inventory to learn path templates from. Each returns a
//! [`Flags`] set naming the evasions and malformations it met; normalizing
//! never fails and never panics, and every output is bounded by [`Limits`].
//!
//! All functions are pure over byte slices, allocate at most in proportion
//! to their input and the limits, and run in time linear in their input.
//!
//! | request part                          | function                 |
//! |---------------------------------------|--------------------------|
//! | request-target                        | [`split_target`]         |
//! | path                                  | [`normalize_path`]       |
//! | query                                 | [`parse_query`]          |
//! | `Cookie` headers                      | [`parse_cookies`]        |
//! | `application/x-www-form-urlencoded`   | [`parse_urlencoded`]     |
//! | `multipart/form-data`                 | [`parse_multipart`]      |
//! | `application/json` and `+json` types  | [`flatten_json`]         |
//! | `Content-Type`, `Content-Disposition` | [`media_type`], [`is_media_type`], [`header_param`] |

mod flags;
mod json;
mod json_lex;
mod limits;
mod media;
mod multipart;
mod params;
mod path;
mod percent;
mod target;

#[cfg(test)]
mod tests;

pub use flags::{Flag, Flags};
pub use json::{flatten_json, flatten_json_rest};
pub use json_lex::unescape as json_unescape;
pub use limits::{Limits, Param};
pub use media::{header_param, is_media_type, media_type};
pub use multipart::{parse_multipart, Part};
pub use params::{
    cookie_pairs, parse_cookies, parse_query, parse_urlencoded, urlencoded_pairs,
    urlencoded_pairs_rest, Pair,
};
pub use path::{clean_path, normalize_path};
pub use percent::percent_decode;
pub use target::{split_target, Target, TargetForm};
