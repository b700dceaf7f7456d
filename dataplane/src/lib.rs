//! Palisade's packet pipeline, from the rx burst to the verdict.
//!
//! Protocol and policy code here takes bytes and the current time as
//! arguments and never reads a clock, a socket or a NIC; only the I/O loop in
//! [`worker`] and the start-up in [`runtime`] and [`capture`] talk to DPDK,
//! through the `palisade-hw` crate.
#![forbid(unsafe_code)]

pub mod bot;
pub mod capture;
pub mod capture_input;
pub mod config;
mod config_errors;
pub mod control;
pub mod decode;
pub mod eal_args;
pub mod enforce;
pub mod engine;
pub mod events;
pub mod flow;
pub mod frag;
pub mod guard;
pub mod http;
pub mod hugepages;
pub mod inspect;
pub mod inventory;
pub mod latency;
pub mod limit;
pub mod overload;
pub mod pipeline;
pub mod runtime;
pub mod stats;
pub mod tcp;
pub mod tls;
pub mod worker;
