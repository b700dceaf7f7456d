//! Application-layer inspection: the [`FlowSink`] that receives every TCP
//! connection's reassembled streams from the pipeline, tells what protocol
//! each speaks ([`detect`]), runs the HTTP/1.x parser on those that speak
//! HTTP, matches each transaction against the loaded rules (request-header
//! rules as soon as the headers are parsed, request rules when the request
//! is complete, response rules when the transaction ends)
//! and queues one [`HttpRecord`] per finished transaction and one
//! [`AlertRecord`] per rule that held for the event output. A rule that
//! blocks marks the connection, and the pipeline then drops the packet that
//! completed the match and the rest of the flow.
//!
//! State is per connection, created on its first data and dropped when the
//! pipeline closes the flow; the number of parsed connections per worker is
//! capped ([`InspectConfig::max_connections`]), and connections past the cap
//! are counted and left unparsed.

mod alert;
mod detect;
mod eve;
mod guard;
#[cfg(test)]
mod guard_tests;
mod queue;
mod record;
mod reload;
#[cfg(test)]
mod tests;
mod tls;

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

pub use alert::{alert_event, AlertRecord, LoadedRules, RuleInfo, TxSummary};
pub use detect::{detect, AppProtocol};
pub use eve::{anomaly_events, envelope, http_event, HttpEventOptions};
pub use guard::{guard_event, GuardAlert, GuardRecord, GuardState, Reason, TlsRecord};
pub use record::{HttpRecord, InspectCounters, InspectStats};
pub use reload::RulesSlot;
pub use tls::TlsInfo;

use crate::enforce::{Blocked, Decision};
use crate::engine::Matcher;
use crate::flow::{Direction, FlowId};
use crate::http::{HttpConfig, HttpConnection};
use crate::limit::Answer;
use crate::pipeline::{Endpoints, FlowSink, Verdict};
use crate::tcp::Gap;
use guard::GuardCx;
use queue::{Queue, TxMatch};
use tls::{Hello, HelloBuffer};

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
    /// The rules transactions are matched against; none: no matching.
    pub rules: Option<Arc<LoadedRules>>,
    /// Rate-limit buckets and client behaviour, shared by every worker.
    pub guard: Arc<GuardState>,
}

impl Default for InspectConfig {
    fn default() -> Self {
        InspectConfig {
            http: true,
            max_connections: 65_536,
            http_limits: HttpConfig::default(),
            max_queued: 4_096,
            rules: None,
            guard: Arc::default(),
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
    /// TLS until the ClientHello is read.
    Tls(Box<HelloBuffer>),
    /// TLS after the ClientHello, or unknown: nothing more to do here.
    Other,
}

#[derive(Debug)]
struct Conn {
    ends: Endpoints,
    app: App,
    /// A rule blocked the connection, and what it asked for.
    blocked: Blocked,
    /// Rule matching of transactions under way.
    pending: VecDeque<TxMatch>,
    /// What the ClientHello told, for TLS connections.
    tls: Option<Arc<TlsInfo>>,
    /// The HTTP answer a blocking rate limit or bot decision asked for.
    answer: Option<Answer>,
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
    alerts: Vec<AlertRecord>,
    guard_out: Vec<GuardRecord>,
    /// Fingerprints of TLS connections ended since the last drain, for
    /// their flow events.
    ended_tls: FlowMap<Arc<str>>,
    matcher: Option<Matcher>,
    counters: InspectCounters,
}

type FlowMap<V> = HashMap<FlowId, V, BuildHasherDefault<FlowIdHasher>>;

impl Inspector {
    /// An inspector; fails only when the rules' scratch space cannot be
    /// allocated.
    pub fn new(cfg: InspectConfig) -> Result<Self, crate::engine::MatcherError> {
        let matcher = match &cfg.rules {
            Some(rules) => Some(Matcher::new(Arc::clone(&rules.snapshot))?),
            None => None,
        };
        Ok(Inspector {
            cfg,
            opened: FlowMap::default(),
            conns: FlowMap::default(),
            now: 0,
            out: Vec::new(),
            alerts: Vec::new(),
            guard_out: Vec::new(),
            ended_tls: FlowMap::default(),
            matcher,
            counters: InspectCounters::default(),
        })
    }

    /// Matches new transactions against `rules` from now on; transactions
    /// under way finish with the ruleset they started with.
    pub fn update_rules(
        &mut self,
        rules: Arc<LoadedRules>,
    ) -> Result<(), crate::engine::MatcherError> {
        match &mut self.matcher {
            Some(m) => m.update(Arc::clone(&rules.snapshot))?,
            None => self.matcher = Some(Matcher::new(Arc::clone(&rules.snapshot))?),
        }
        self.cfg.rules = Some(rules);
        self.counters.rule_reloads += 1;
        Ok(())
    }

    /// Takes the finished transactions queued so far.
    pub fn drain(&mut self) -> std::vec::Drain<'_, HttpRecord> {
        self.out.drain(..)
    }

    /// Takes the alerts queued so far.
    pub fn drain_alerts(&mut self) -> std::vec::Drain<'_, AlertRecord> {
        self.alerts.drain(..)
    }

    /// Takes the TLS events and guard alerts queued so far.
    pub fn drain_guard(&mut self) -> std::vec::Drain<'_, GuardRecord> {
        self.guard_out.drain(..)
    }

    /// The JA4 of a TLS connection that has ended, for its flow event;
    /// forgotten at [`Inspector::forget_ended`].
    pub fn ended_ja4(&self, flow: FlowId) -> Option<Arc<str>> {
        self.ended_tls.get(&flow).cloned()
    }

    /// Forgets the fingerprints of ended connections (after their flow
    /// events were written).
    pub fn forget_ended(&mut self) {
        self.ended_tls.clear();
    }

    /// The HTTP answer the latest blocking rate-limit or bot decision on
    /// `flow` asked for (429 with `Retry-After`, 403).
    pub fn answer(&self, flow: FlowId) -> Option<Answer> {
        self.conns.get(&flow).and_then(|c| c.answer)
    }

    /// The counters, by name.
    pub fn stats(&self) -> InspectStats {
        InspectStats::new(&self.counters, self.conns.len())
    }

    fn feed(&mut self, flow: FlowId, dir: Direction, bytes: &[u8]) {
        let (now, http) = (self.now, self.cfg.http);
        let limits = self.cfg.http_limits;
        let (max_queued, max_connections) = (self.cfg.max_queued, self.cfg.max_connections);
        let Inspector {
            cfg,
            conns,
            out,
            alerts,
            matcher,
            counters,
            opened,
            guard_out,
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
                let conn = Conn {
                    ends,
                    app,
                    blocked: Blocked::default(),
                    pending: VecDeque::new(),
                    tls: None,
                    answer: None,
                };
                conns.entry(flow).or_insert(conn)
            }
        };
        let mut obs = Queue {
            flow,
            ends: conn.ends,
            out,
            alerts,
            counters,
            max_queued,
            rules: cfg.rules.as_deref(),
            matcher: matcher.as_mut(),
            blocked: &mut conn.blocked,
            pending: &mut conn.pending,
            guard: GuardCx {
                state: &cfg.guard,
                tls: conn.tls.as_ref(),
                out: guard_out,
                answer: &mut conn.answer,
                now,
            },
        };
        match &mut conn.app {
            App::Http(parser) => parser.data(dir, bytes, now, &mut obs),
            App::Tls(hello) => {
                if dir != Direction::ToResponder {
                    return;
                }
                let read = hello.feed(bytes);
                if let Some((app, info)) = tls_read(read, flow, conn.ends, now, &mut obs) {
                    conn.tls = info;
                    conn.app = app;
                }
            }
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
                    AppProtocol::Tls if from_client => {
                        let mut hello = Box::<HelloBuffer>::default();
                        match tls_read(hello.feed(&first), flow, conn.ends, now, &mut obs) {
                            None => App::Tls(hello),
                            Some((app, info)) => {
                                conn.tls = info;
                                app
                            }
                        }
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
        if let Some(info) = &conn.tls {
            self.ended_tls.insert(flow, Arc::clone(&info.ja4));
        }
        if let App::Http(parser) = &mut conn.app {
            let mut obs = Queue {
                flow,
                ends: conn.ends,
                out: &mut self.out,
                alerts: &mut self.alerts,
                counters: &mut self.counters,
                max_queued: self.cfg.max_queued,
                rules: self.cfg.rules.as_deref(),
                matcher: self.matcher.as_mut(),
                blocked: &mut conn.blocked,
                pending: &mut conn.pending,
                guard: GuardCx {
                    state: &self.cfg.guard,
                    tls: conn.tls.as_ref(),
                    out: &mut self.guard_out,
                    answer: &mut conn.answer,
                    now: self.now,
                },
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
                    alerts: &mut self.alerts,
                    counters: &mut self.counters,
                    max_queued,
                    rules: self.cfg.rules.as_deref(),
                    matcher: self.matcher.as_mut(),
                    blocked: &mut conn.blocked,
                    pending: &mut conn.pending,
                    guard: GuardCx {
                        state: &self.cfg.guard,
                        tls: conn.tls.as_ref(),
                        out: &mut self.guard_out,
                        answer: &mut conn.answer,
                        now,
                    },
                };
                parser.gap(dir, gap.len, now, &mut obs);
            }
            // Undecided bytes with a hole after them decide nothing.
            App::Undecided { .. } | App::Tls(_) => conn.app = App::Other,
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

    fn verdict(&mut self, flow: FlowId) -> Verdict {
        match self.conns.get(&flow) {
            Some(conn) if conn.blocked.is_blocked() => Verdict::Drop,
            _ => Verdict::Pass,
        }
    }

    fn decision(&mut self, flow: FlowId) -> Option<Decision> {
        self.conns.get(&flow).and_then(|c| c.blocked.decision())
    }
}

/// Acts on what a ClientHello buffer gave: `None` while more is needed;
/// else the connection's next state and, when read, its TLS details (a
/// `tls` event is queued and deny lists are applied).
fn tls_read(
    read: Hello,
    flow: FlowId,
    ends: Endpoints,
    now: u64,
    obs: &mut Queue<'_>,
) -> Option<(App, Option<Arc<TlsInfo>>)> {
    let info = match read {
        Hello::NeedMore => return None,
        Hello::Failed => {
            obs.counters.tls_hellos_failed += 1;
            return Some((App::Other, None));
        }
        Hello::Read(info) => Arc::new(info),
    };
    obs.counters.tls_hellos += 1;
    let (record, alert) = guard::client_hello(obs.guard.state, obs.rules, flow, ends, &info, now);
    obs.push_guard(GuardRecord::Tls(Box::new(record)));
    if let Some(alert) = alert {
        if alert.blocked {
            let rule_id = match &alert.reason {
                guard::Reason::RateLimit { hit, .. } => hit.rule_id,
                guard::Reason::Bot(signal) => signal.signature_id(),
            };
            obs.blocked.record_guard(rule_id, &alert.decision);
            *obs.guard.answer = alert.decision.answer;
        }
        obs.counters.alerts += 1;
        obs.counters.bot_signals += 1;
        obs.push_guard(GuardRecord::Alert(Box::new(alert)));
    }
    Some((App::Other, Some(info)))
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
