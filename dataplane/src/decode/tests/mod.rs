//! Decoder tests: RFC values per protocol, one case per error variant,
//! property tests, and real captures compared with tshark.

pub(crate) mod build;
mod corpus;
mod errors;
mod fast;
mod gre;
mod gre_corpus;
mod headers;
mod ipv6;
mod prop;
