//! Tests of TCP tracking and reassembly: scenarios from RFC 9293, stream
//! behaviour, and property tests against a byte-level model.

mod conn_tests;
mod model;
mod pipeline;
mod proptests;
mod stream_tests;

use super::*;
use crate::flow::Direction;

/// Collects both directions and checks that offsets follow on each other.
#[derive(Debug, Default)]
pub(super) struct Collect {
    pub(super) data: [Vec<u8>; 2],
    pub(super) gaps: [Vec<Gap>; 2],
    pub(super) chunks: Vec<(Direction, usize)>,
    next: [u64; 2],
}

impl StreamSink for Collect {
    fn data(&mut self, dir: Direction, offset: u64, bytes: &[u8]) {
        let i = dir.index();
        assert_eq!(offset, self.next[i], "data out of order");
        self.next[i] += bytes.len() as u64;
        self.data[i].extend_from_slice(bytes);
        self.chunks.push((dir, bytes.as_ptr() as usize));
    }

    fn restart(&mut self) {
        *self = Self::default();
    }

    fn gap(&mut self, dir: Direction, gap: Gap) {
        let i = dir.index();
        assert_eq!(gap.offset, self.next[i], "gap out of order");
        assert!(gap.len > 0);
        self.next[i] += gap.len;
        self.gaps[i].push(gap);
    }
}

/// A worker's TCP settings, budget and counters.
#[derive(Debug)]
pub(super) struct Worker {
    pub(super) config: TcpConfig,
    pub(super) budget: Budget,
    pub(super) counters: TcpCounters,
}

impl Worker {
    pub(super) fn new(config: TcpConfig) -> Self {
        Self {
            config,
            budget: Budget::new(64 << 20),
            counters: TcpCounters::default(),
        }
    }

    pub(super) fn with_policy(overlap: OverlapPolicy) -> Self {
        Self::new(TcpConfig {
            overlap,
            ..TcpConfig::default()
        })
    }

    pub(super) fn cx(&mut self) -> TcpContext<'_> {
        TcpContext::new(&self.config, &mut self.budget, &mut self.counters)
    }
}
