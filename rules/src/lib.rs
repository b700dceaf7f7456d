//! Palisade's rule model: the YAML rule language, its parser with exact
//! file:line:column errors, the compiler to Vectorscan databases, and the
//! messages exchanged between the dataplane and the control plane.
//!
//! This crate holds no I/O beyond reading rule files and never touches DPDK.
#![forbid(unsafe_code)]
