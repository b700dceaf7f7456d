//! Where reassembled stream data goes: the [`FlowSink`] the pipeline's
//! caller provides (the HTTP parser, a test collector), and the adapter that
//! tags the TCP layer's per-connection calls with their flow id.

use std::net::SocketAddr;

use super::Verdict;
use crate::enforce::Decision;
use crate::flow::{Direction, FlowId, FlowKey};
use crate::tcp::{Gap, StreamSink};

/// The two ends of a flow: the client is the initiator (the SYN sender for
/// TCP, else whoever sent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoints {
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// IP protocol number.
    pub proto: u8,
}

impl Endpoints {
    /// The endpoints of `key`, whose lower end is the initiator when
    /// `initiator_low`.
    pub fn of(key: &FlowKey, initiator_low: bool) -> Self {
        let (low, high) = (key.low(), key.high());
        let (client, server) = if initiator_low {
            (low, high)
        } else {
            (high, low)
        };
        Endpoints {
            client: SocketAddr::new(client.0.to_ip(), client.1),
            server: SocketAddr::new(server.0.to_ip(), server.1),
            proto: key.proto(),
        }
    }
}

/// Receiver of every flow's reassembled bytes, in stream order per
/// direction.
pub trait FlowSink {
    /// A new flow, first seen at `now` (ns).
    fn opened(&mut self, flow: FlowId, endpoints: &Endpoints, now: u64) {
        let _ = (flow, endpoints, now);
    }

    /// A packet of `flow` arrived at `now`; its data, if any, follows.
    fn packet(&mut self, flow: FlowId, now: u64) {
        let _ = (flow, now);
    }

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

    /// Asked once when [`FlowSink::verdict`] first drops a packet of
    /// `flow`: the rule that blocked it and how it is to be stopped (`None`:
    /// the configured default).
    fn decision(&mut self, flow: FlowId) -> Option<Decision> {
        let _ = flow;
        None
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
