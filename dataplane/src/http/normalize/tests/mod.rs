//! Tests of the normalizers against examples from the RFCs and the WHATWG
//! standards they follow, plus property tests over arbitrary input.

mod flags;
mod json;
mod multipart;
mod params;
mod path;
mod percent;
mod prop;
