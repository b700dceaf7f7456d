//! HTTP/1.x: turns the two reassembled byte streams of a TCP connection into
//! request/response transactions, with bodies de-framed and decoded, and the
//! normalized views that rules and the inventory inspect.
//!
//! [`HttpConnection`] takes each direction's bytes as they arrive (any
//! segmentation gives the same result), gaps and the close, and reports to an
//! [`HttpObserver`]. Parsing is as tolerant as browsers and servers are;
//! every deviation from RFC 9110/9112 is recorded as an [`Anomaly`] in the
//! [`Transaction`] and never stops later transactions. Every buffer is
//! bounded by [`HttpConfig`].

mod anomaly;
mod body;
mod chunked;
mod config;
mod connection;
mod decode;
mod fast;
mod framing;
mod head;
mod message;
pub mod normalize;
mod parse;
mod request;
mod response;
#[cfg(test)]
mod tests;

pub use anomaly::Anomaly;
pub use config::HttpConfig;
pub use connection::{HttpConnection, HttpObserver};
pub use message::{Body, Encoding, Framing, Header, Method, Transaction, TxEnd, Version};
