//! One TCP connection's HTTP/1.x state: the two direction readers, the
//! transactions waiting for completion, and the hand-off to an observer.
//!
//! Input: each direction's reassembled stream bytes, gaps and the close, from
//! the TCP layer. Output: [`HttpObserver`] callbacks, ending with each
//! [`Transaction`] in connection order. The direction readers live in
//! [`super::request`] and [`super::response`].

use std::collections::VecDeque;

use super::anomaly::Anomaly;
use super::body::BodyReader;
use super::config::HttpConfig;
use super::head::HeadBuf;
use super::message::{Transaction, TxEnd};
use crate::flow::Direction;

/// Receives what the parser finds. Only [`HttpObserver::transaction`] must
/// be written; the others default to doing nothing.
pub trait HttpObserver {
    /// The request line and header fields of `tx` were parsed.
    fn request_headers(&mut self, tx: &Transaction) {
        let _ = tx;
    }

    /// The request of `tx` is complete, body included (not called for a
    /// request cut short by a gap or the close).
    fn request_complete(&mut self, tx: &Transaction) {
        let _ = tx;
    }

    /// The final status line and header fields of `tx` were parsed.
    fn response_headers(&mut self, tx: &Transaction) {
        let _ = tx;
    }

    /// Decoded (de-chunked, decompressed) body bytes of `dir`, in order, as
    /// they are produced.
    fn body_data(&mut self, tx: &Transaction, dir: Direction, decoded: &[u8]) {
        let _ = (tx, dir, decoded);
    }

    /// `tx` is done (response complete, connection closed or tunnel); it is
    /// handed over.
    fn transaction(&mut self, tx: Transaction);
}

/// Where a direction reader stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Phase {
    /// Between messages.
    #[default]
    Idle,
    /// Collecting a header block.
    Head,
    /// Reading a body.
    Body,
    /// After a CONNECT request: bytes are held until the response says
    /// whether the connection becomes a tunnel.
    Held,
    /// After lost bytes: skipping to a plausible message start.
    Resync,
    /// After a 204/304 that declared a body: the next byte tells whether a
    /// new response starts or the declared body follows.
    Peek,
    /// The connection is a tunnel; nothing more is parsed.
    Tunnel,
}

/// One direction's reader state. Holds no allocation when idle.
#[derive(Debug, Default)]
pub(crate) struct Half {
    pub(crate) phase: Phase,
    pub(crate) head: HeadBuf,
    pub(crate) body: Option<BodyReader>,
    /// Index of the transaction this reader works on.
    pub(crate) tx: Option<u32>,
    /// Bytes held after a CONNECT request.
    pub(crate) held: Vec<u8>,
    /// Response reader: the status line starts this far into the head
    /// (`None` until the start of the response was examined).
    pub(crate) status_at: Option<usize>,
    /// Empty lines were skipped before the next message.
    pub(crate) leading_lines: bool,
    /// Response reader: the body framing a 204/304 response declared.
    pub(crate) declared: Option<super::message::Framing>,
}

/// A transaction that is not finished yet.
#[derive(Debug)]
pub(crate) struct Open {
    pub(crate) tx: Transaction,
    pub(crate) req_done: bool,
    pub(crate) resp_done: bool,
    /// Part of the exchange was lost or cut short.
    pub(crate) spoiled: bool,
}

/// The HTTP/1.x state of one TCP connection.
#[derive(Debug)]
pub struct HttpConnection {
    pub(crate) cfg: HttpConfig,
    pub(crate) open: VecDeque<Open>,
    pub(crate) next_index: u32,
    pub(crate) req: Half,
    pub(crate) resp: Half,
}

impl HttpConnection {
    /// A connection with no data seen yet.
    pub fn new(config: &HttpConfig) -> Self {
        Self {
            cfg: *config,
            open: VecDeque::new(),
            next_index: 0,
            req: Half::default(),
            resp: Half::default(),
        }
    }

    /// Stream bytes, in order, for direction `dir`.
    pub fn data(&mut self, dir: Direction, bytes: &[u8], now_ns: u64, obs: &mut impl HttpObserver) {
        match dir {
            Direction::ToResponder => self.request_data(bytes, now_ns, obs),
            Direction::ToInitiator => self.response_data(bytes, now_ns, obs),
        }
    }

    /// `len` bytes of direction `dir` are missing from the capture.
    pub fn gap(&mut self, dir: Direction, len: u64, now_ns: u64, obs: &mut impl HttpObserver) {
        if len == 0 {
            return;
        }
        match dir {
            Direction::ToResponder => self.request_gap(len, now_ns, obs),
            Direction::ToInitiator => self.response_gap(len, now_ns, obs),
        }
    }

    /// The connection ended: close-delimited bodies end here; everything
    /// still open is handed over, incomplete ones marked so.
    pub fn close(&mut self, now_ns: u64, obs: &mut impl HttpObserver) {
        self.request_close(now_ns, obs);
        self.response_close(now_ns, obs);
        while let Some(open) = self.open.pop_front() {
            emit(open, obs);
        }
        self.req = Half::default();
        self.resp = Half::default();
    }

    /// True once the connection became a tunnel (CONNECT answered with 2xx,
    /// or 101 Switching Protocols); no more HTTP is parsed.
    pub fn is_tunnel(&self) -> bool {
        self.resp.phase == Phase::Tunnel
    }

    /// Transactions still waiting for completion.
    pub fn pending(&self) -> usize {
        self.open.len()
    }

    /// The open transaction with `index`.
    pub(crate) fn find(&mut self, index: Option<u32>) -> Option<&mut Open> {
        find_in(&mut self.open, index)
    }

    /// Starts a transaction; keeps the number open within the limit.
    pub(crate) fn start_tx(&mut self, now_ns: u64, obs: &mut impl HttpObserver) -> u32 {
        while self.open.len() >= self.cfg.max_pending.max(2) {
            let busy = [self.req.tx, self.resp.tx];
            let Some(at) = self
                .open
                .iter()
                .position(|o| !busy.contains(&Some(o.tx.index)))
            else {
                break;
            };
            if let Some(mut open) = self.open.remove(at) {
                open.tx.note(Anomaly::TooManyPending);
                open.spoiled = true;
                emit(open, obs);
            }
        }
        let index = self.next_index;
        self.next_index = self.next_index.saturating_add(1);
        let tx = Transaction {
            index,
            request_started_ns: now_ns,
            ..Transaction::default()
        };
        self.open.push_back(Open {
            tx,
            req_done: false,
            resp_done: false,
            spoiled: false,
        });
        index
    }

    /// Hands over finished transactions from the front, in order.
    pub(crate) fn emit_done(&mut self, obs: &mut impl HttpObserver) {
        while self.open.front().is_some_and(|o| o.req_done && o.resp_done) {
            if let Some(open) = self.open.pop_front() {
                emit(open, obs);
            }
        }
    }

    /// The connection becomes a tunnel: everything open is handed over.
    pub(crate) fn enter_tunnel(&mut self, obs: &mut impl HttpObserver) {
        for half in [&mut self.req, &mut self.resp] {
            *half = Half {
                phase: Phase::Tunnel,
                ..Half::default()
            };
        }
        while let Some(open) = self.open.pop_front() {
            emit(open, obs);
        }
    }
}

/// The open transaction with `index` in `open`.
pub(crate) fn find_in(open: &mut VecDeque<Open>, index: Option<u32>) -> Option<&mut Open> {
    let index = index?;
    open.iter_mut().find(|o| o.tx.index == index)
}

/// Sets how `open` ended and hands it to the observer.
fn emit(open: Open, obs: &mut impl HttpObserver) {
    let mut tx = open.tx;
    if tx.end != TxEnd::Tunnel {
        let complete = open.req_done && open.resp_done && !open.spoiled;
        tx.end = if complete {
            TxEnd::Complete
        } else {
            TxEnd::Incomplete
        };
    }
    obs.transaction(tx);
}
