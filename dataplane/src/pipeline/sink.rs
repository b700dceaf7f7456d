//! Where reassembled stream data goes: the [`FlowSink`] the pipeline's
//! caller provides (the HTTP parser, a test collector), and the adapter that
//! tags the TCP layer's per-connection calls with their flow id.

use super::Verdict;
use crate::flow::{Direction, FlowId};
use crate::tcp::{Gap, StreamSink};

/// Receiver of every flow's reassembled bytes, in stream order per
/// direction.
pub trait FlowSink {
    /// `bytes` of flow `flow` in direction `dir` at stream offset `offset`.
    fn data(&mut self, flow: FlowId, dir: Direction, offset: u64, bytes: &[u8]);

    /// Bytes that will never come.
    fn gap(&mut self, flow: FlowId, dir: Direction, gap: Gap) {
        let _ = (flow, dir, gap);
    }

    /// The connection restarted (new SYN on the same flow).
    fn restart(&mut self, flow: FlowId) {
        let _ = flow;
    }

    /// Out-of-order bytes held behind a hole (see
    /// [`StreamSink::ahead`](crate::tcp::StreamSink::ahead)).
    fn ahead(&mut self, flow: FlowId, dir: Direction, offset: u64, bytes: &[u8]) {
        let _ = (flow, dir, offset, bytes);
    }

    /// The flow ended; nothing more will come for it.
    fn closed(&mut self, flow: FlowId) {
        let _ = flow;
    }

    /// Asked after each packet of `flow` has delivered its data (if any),
    /// before the packet is forwarded. [`Verdict::Drop`] drops that packet
    /// and every later packet of the flow: the stream stops where the
    /// inspected data said so.
    fn verdict(&mut self, flow: FlowId) -> Verdict {
        let _ = flow;
        Verdict::Pass
    }
}

/// A sink that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSink;

impl FlowSink for NoSink {
    fn data(&mut self, _: FlowId, _: Direction, _: u64, _: &[u8]) {}
}

/// Tags a connection's [`StreamSink`] calls with its flow id.
pub(super) struct Adapter<'s, S: FlowSink + ?Sized> {
    pub sink: &'s mut S,
    pub flow: FlowId,
}

impl<S: FlowSink + ?Sized> StreamSink for Adapter<'_, S> {
    fn data(&mut self, dir: Direction, offset: u64, bytes: &[u8]) {
        self.sink.data(self.flow, dir, offset, bytes);
    }

    fn gap(&mut self, dir: Direction, gap: Gap) {
        self.sink.gap(self.flow, dir, gap);
    }

    fn restart(&mut self) {
        self.sink.restart(self.flow);
    }

    fn ahead(&mut self, dir: Direction, offset: u64, bytes: &[u8]) {
        self.sink.ahead(self.flow, dir, offset, bytes);
    }
}
