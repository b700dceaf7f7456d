//! Palisade's control plane: `palisade serve` (SQLite state, the Unix control
//! socket, Prometheus `/metrics`) and the `palisade` CLI for operators.
//!
//! It never touches packets or DPDK; it speaks to dataplanes only through the
//! messages defined in `palisade-rules`.
#![forbid(unsafe_code)]
