//! Application-layer inspection: the [`FlowSink`] that receives every TCP
//! connection's reassembled streams from the pipeline, tells what protocol
//! each speaks ([`detect`]), runs the HTTP/1.x parser on those that speak
//! HTTP and queues one [`HttpRecord`] per finished transaction for the event
//! output.
//!
//! State is per connection, created on its first data and dropped when the
//! pipeline closes the flow; the number of parsed connections per worker is
//! capped ([`InspectConfig::max_connections`]), and connections past the cap
//! are counted and left unparsed.

mod detect;
mod eve;
mod record;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

pub use detect::{detect, AppProtocol};
pub use eve::{http_event, HttpEventOptions};
pub use record::{HttpRecord, InspectCounters, InspectStats};

use crate::flow::{Direction, FlowId};
use crate::http::{HttpConfig, HttpConnection, HttpObserver, Transaction};
use crate::pipeline::{Endpoints, FlowSink, Verdict};
use crate::tcp::Gap;

/// Limits of application-layer inspection.
#[derive(Debug, Clone)]
pub struct InspectConfig {
    /// Parse HTTP at all.
    pub http: bool,
    /// Most connections parsed at once per worker.
    pub max_connections: usize,
    /// Parser limits.
    pub http_limits: HttpConfig,
    /// Most finished transactions queued before the I/O loop drains them;
    /// more are counted as lost.
    pub max_queued: usize,
}

impl Default for InspectConfig {
    fn default() -> Self {
        InspectConfig {
            http: true,
            max_connections: 65_536,
            http_limits: HttpConfig::default(),
            max_queued: 4_096,
        }
    }
}

/// One connection's application state.
#[derive(Debug)]
enum App {
    /// Not decided yet: the first bytes seen, and from which side.
    Undecided {
        first: Vec<u8>,
        from_client: bool,
    },
    Http(Box<HttpConnection>),
    /// TLS or unknown: nothing more to do here.
    Other,
}

#[derive(Debug)]
struct Conn {
    ends: Endpoints,
    app: App,
}

/// The pipeline's sink for application-layer inspection.
#[derive(Debug)]
pub struct Inspector {
    cfg: InspectConfig,
    /// Endpoints of flows opened but not yet carrying data.
    opened: FlowMap<Endpoints>,
    conns: FlowMap<Conn>,
    now: u64,
    out: Vec<HttpRecord>,
    counters: InspectCounters,
}

type FlowMap<V> = HashMap<FlowId, V, BuildHasherDefault<FlowIdHasher>>;

impl Inspector {
    pub fn new(cfg: InspectConfig) -> Self {
        Inspector {
            cfg,
            opened: FlowMap::default(),
            conns: FlowMap::default(),
            now: 0,
            out: Vec::new(),
            counters: InspectCounters::default(),
        }
    }

    /// Takes the finished transactions queued so far.
    pub fn drain(&mut self) -> std::vec::Drain<'_, HttpRecord> {
        self.out.drain(..)
    }

    /// The counters, by name.
    pub fn stats(&self) -> InspectStats {
        InspectStats::new(&self.counters, self.conns.len())
    }

    fn feed(&mut self, flow: FlowId, dir: Direction, bytes: &[u8]) {
        let (now, http) = (self.now, self.cfg.http);
        let limits = self.cfg.http_limits.clone();
        let (max_queued, max_connections) = (self.cfg.max_queued, self.cfg.max_connections);
        let Inspector {
            conns,
            out,
            counters,
            opened,
            ..
        } = self;
        let conn = match conns.get_mut(&flow) {
            Some(conn) => conn,
            None => {
                let Some(ends) = opened.remove(&flow) else {
                    return;
                };
                if conns.len() >= max_connections {
                    counters.connections_over_limit += 1;
                    return;
                }
                let app = App::Undecided {
                    first: Vec::new(),
                    from_client: dir == Direction::ToResponder,
                };
                conns.entry(flow).or_insert(Conn { ends, app })
            }
        };
        let mut obs = Queue {
            flow,
            ends: conn.ends,
            out,
            counters,
            max_queued,
        };
        match &mut conn.app {
            App::Http(parser) => parser.data(dir, bytes, now, &mut obs),
            App::Other => {}
            App::Undecided { first, from_client } => {
                let from_client = *from_client;
                if (dir == Direction::ToResponder) != from_client {
                    // The other side spoke before this one decided: decide
                    // on what there is.
                    return;
                }
                first.extend_from_slice(bytes);
                let Some(proto) = detect(first, from_client) else {
                    return;
                };
                let first = std::mem::take(first);
                obs.counters.count_protocol(proto);
                conn.app = match proto {
                    AppProtocol::Http if http => {
                        let mut parser = Box::new(HttpConnection::new(&limits));
                        parser.data(dir, &first, now, &mut obs);
                        App::Http(parser)
                    }
                    _ => App::Other,
                };
            }
        }
    }

    /// Ends `flow`'s parsing: its last transactions are queued.
    fn end(&mut self, flow: FlowId) {
        self.opened.remove(&flow);
        let Some(mut conn) = self.conns.remove(&flow) else {
            return;
        };
        if let App::Http(parser) = &mut conn.app {
            let mut obs = Queue {
                flow,
                ends: conn.ends,
                out: &mut self.out,
                counters: &mut self.counters,
                max_queued: self.cfg.max_queued,
            };
            parser.close(self.now, &mut obs);
        }
    }
}

impl FlowSink for Inspector {
    fn opened(&mut self, flow: FlowId, endpoints: &Endpoints, now: u64) {
        self.now = now;
        if endpoints.proto == 6 {
            self.opened.insert(flow, *endpoints);
        }
    }

    fn packet(&mut self, _: FlowId, now: u64) {
        self.now = now;
    }

    fn data(&mut self, flow: FlowId, dir: Direction, _: u64, bytes: &[u8]) {
        self.feed(flow, dir, bytes);
    }

    fn gap(&mut self, flow: FlowId, dir: Direction, gap: Gap) {
        let now = self.now;
        let max_queued = self.cfg.max_queued;
        let Some(conn) = self.conns.get_mut(&flow) else {
            return;
        };
        match &mut conn.app {
            App::Http(parser) => {
                let mut obs = Queue {
                    flow,
                    ends: conn.ends,
                    out: &mut self.out,
                    counters: &mut self.counters,
                    max_queued,
                };
                parser.gap(dir, gap.len, now, &mut obs);
            }
            // Undecided bytes with a hole after them decide nothing.
            App::Undecided { .. } => conn.app = App::Other,
            App::Other => {}
        }
    }

    fn restart(&mut self, flow: FlowId) {
        let Some(ends) = self.conns.get(&flow).map(|c| c.ends) else {
            return;
        };
        self.end(flow);
        self.opened.insert(flow, ends);
    }

    fn closed(&mut self, flow: FlowId) {
        self.end(flow);
    }

    fn verdict(&mut self, _: FlowId) -> Verdict {
        Verdict::Pass
    }
}

/// Collects a connection's finished transactions into the output queue.
struct Queue<'a> {
    flow: FlowId,
    ends: Endpoints,
    out: &'a mut Vec<HttpRecord>,
    counters: &'a mut InspectCounters,
    max_queued: usize,
}

impl HttpObserver for Queue<'_> {
    fn transaction(&mut self, tx: Transaction) {
        self.counters.count_transaction(&tx);
        if self.out.len() >= self.max_queued {
            self.counters.records_dropped += 1;
            return;
        }
        self.out.push(HttpRecord {
            flow_id: self.flow,
            ends: self.ends,
            tx,
        });
    }
}

/// Flow ids are unique counters: a multiply spreads them well enough.
#[derive(Debug, Default)]
pub struct FlowIdHasher(u64);

impl Hasher for FlowIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ self.0)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
}
