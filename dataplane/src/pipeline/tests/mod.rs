//! Pipeline tests: bursts against single frames, and verdicts.

mod burst;
mod verdict;
