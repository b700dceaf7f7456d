//! Inspection's side of rate limits and bot mitigation: the state every
//! worker shares ([`GuardState`]), the calls into [`crate::limit`] and
//! [`crate::bot`] as a request's headers are parsed and as it is answered,
//! and what they report ([`GuardRecord`]): one EVE `tls` event per
//! ClientHello, and `alert` events for requests over a rate limit and for
//! bot signals.
//!
//! A decision that blocks marks the connection as a rule's block does (the
//! flow is dropped today); the HTTP answer it asks for (429 with
//! `Retry-After`, 403) is kept on the connection for the `respond` verdict.

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::{json, Value};

use super::alert::{LoadedRules, TxSummary};
use super::queue::{summary, Queue};
use super::tls::{version_name, TlsInfo};
use crate::bot::{BotConfig, BotGuard, BotRules, BotVerdict, Signal};
use crate::events::timestamp;
use crate::flow::FlowId;
use crate::http::Transaction;
use crate::limit::{Answer, Decision, LimitHit, Limiter, RateLimits, RequestView};
use crate::pipeline::Endpoints;

/// Rate-limit buckets and client behaviour, shared by every worker.
#[derive(Debug)]
pub struct GuardState {
    pub bot: BotGuard,
    pub limits: Limiter,
}

impl GuardState {
    pub fn new(cfg: BotConfig) -> Self {
        GuardState {
            limits: Limiter::new(cfg.limit_keys),
            bot: BotGuard::new(cfg),
        }
    }
}

impl Default for GuardState {
    fn default() -> Self {
        GuardState::new(BotConfig::default())
    }
}

/// What a connection's transactions reach of the guard.
pub(super) struct GuardCx<'a> {
    pub(super) state: &'a GuardState,
    /// The connection's own ClientHello, if it had one.
    pub(super) tls: Option<&'a Arc<TlsInfo>>,
    pub(super) out: &'a mut Vec<GuardRecord>,
    /// The answer the latest blocking decision asked for.
    pub(super) answer: &'a mut Option<Answer>,
    pub(super) now: u64,
}

/// A report of the guard.
#[derive(Debug, Clone)]
pub enum GuardRecord {
    /// A ClientHello was read.
    Tls(Box<TlsRecord>),
    /// A rate limit was exceeded or a bot signal raised.
    Alert(Box<GuardAlert>),
}

/// A connection's ClientHello.
#[derive(Debug, Clone)]
pub struct TlsRecord {
    pub flow_id: FlowId,
    pub ends: Endpoints,
    pub at_ns: u64,
    pub info: Arc<TlsInfo>,
    pub verdict: BotVerdict,
}

/// An alert of the guard.
#[derive(Debug, Clone)]
pub struct GuardAlert {
    pub flow_id: FlowId,
    pub ends: Endpoints,
    pub at_ns: u64,
    pub tx: Option<TxSummary>,
    pub reason: Reason,
    pub decision: Decision,
    pub blocked: bool,
    pub bot: BotVerdict,
}

/// Why a guard alert was raised.
#[derive(Debug, Clone)]
pub enum Reason {
    RateLimit { hit: LimitHit, name: String },
    Bot(Signal),
}

/// The empty rule lists, for inspectors without rules.
fn empty() -> (&'static RateLimits, &'static BotRules) {
    static LIMITS: std::sync::OnceLock<(RateLimits, BotRules)> = std::sync::OnceLock::new();
    let (l, b) = LIMITS.get_or_init(Default::default);
    (l, b)
}

fn lists(rules: Option<&LoadedRules>) -> (&RateLimits, &BotRules) {
    match rules {
        Some(r) => (&r.limits, &r.bots),
        None => empty(),
    }
}

/// Reads a ClientHello's verdict: records the fingerprint for the client
/// and applies deny lists.
pub(super) fn client_hello(
    state: &GuardState,
    rules: Option<&LoadedRules>,
    flow_id: FlowId,
    ends: Endpoints,
    info: &Arc<TlsInfo>,
    now: u64,
) -> (TlsRecord, Option<GuardAlert>) {
    let (_, bots) = lists(rules);
    let client = ends.client.ip();
    let verdict = state
        .bot
        .client_hello(client, &info.ja4, info.class, bots, now);
    let alert = verdict.decision.clone().and_then(|decision| {
        let signal = verdict.fresh.iter().next()?;
        Some(GuardAlert {
            flow_id,
            ends,
            at_ns: now,
            tx: None,
            reason: Reason::Bot(signal),
            blocked: decision.blocks(),
            decision,
            bot: verdict.clone(),
        })
    });
    let record = TlsRecord {
        flow_id,
        ends,
        at_ns: now,
        info: Arc::clone(info),
        verdict,
    };
    (record, alert)
}

impl Queue<'_> {
    /// Queues a guard record, or counts it lost when the queue is full.
    pub(super) fn push_guard(&mut self, record: GuardRecord) {
        if self.guard.out.len() >= self.max_queued {
            self.counters.records_dropped += 1;
            return;
        }
        self.guard.out.push(record);
    }

    fn view<'t>(&self, tx: &'t Transaction, ja4: Option<&'t str>) -> RequestView<'t> {
        RequestView::new(tx, self.ends.client.ip(), ja4)
    }

    fn client_ja4(&self, client: IpAddr) -> Option<Arc<str>> {
        match self.guard.tls {
            Some(info) => Some(Arc::clone(&info.ja4)),
            None => self.guard.state.bot.client_ja4(client),
        }
    }

    /// Rate limits and request-time bot checks, when the headers are in.
    pub(super) fn guard_request(&mut self, tx: &Transaction) {
        let ja4 = self.client_ja4(self.ends.client.ip());
        let req = self.view(tx, ja4.as_deref());
        let (limits, bots) = lists(self.rules);
        let now = self.guard.now;
        let hits = self.guard.state.limits.check(limits, &req, now);
        let verdict = self.guard.state.bot.request(&req, bots, now);
        drop(req);
        let names = self.rules.map(|r| &r.info);
        for hit in hits {
            if !hit.report {
                // Carried out and counted, not reported again this second.
                self.counters.rate_limited += 1;
                if hit.decision.blocks() {
                    self.carry_out(hit.rule_id, &hit.decision);
                }
                continue;
            }
            let name = names
                .and_then(|n| n.get(&hit.rule_id))
                .map_or_else(String::new, |i| i.name.clone());
            let decision = hit.decision.clone();
            self.guard_alert(tx, Reason::RateLimit { hit, name }, decision, &verdict);
        }
        self.bot_alerts(tx, verdict);
    }

    /// Behaviour counts once the transaction is answered.
    pub(super) fn guard_answered(&mut self, tx: &Transaction) {
        let ja4 = self.client_ja4(self.ends.client.ip());
        let req = self.view(tx, ja4.as_deref());
        let (_, bots) = lists(self.rules);
        let verdict = self.guard.state.bot.answered(&req, bots, self.guard.now);
        drop(req);
        self.bot_alerts(tx, verdict);
    }

    fn bot_alerts(&mut self, tx: &Transaction, verdict: BotVerdict) {
        let Some(decision) = verdict.decision.clone() else {
            return;
        };
        if decision.blocks() {
            // A client already reported still gets blocked: by the bot rule
            // that named it, else by its first active signal.
            let signal = verdict.active.iter().next().map(|s| s.signature_id());
            if let Some(rule_id) = verdict.rule.or(signal) {
                self.carry_out(rule_id, &decision);
            }
        }
        for signal in verdict.fresh.iter() {
            self.guard_alert(tx, Reason::Bot(signal), decision.clone(), &verdict);
        }
    }

    fn carry_out(&mut self, rule_id: u64, decision: &Decision) {
        self.blocked.record_guard(rule_id, decision);
        *self.guard.answer = decision.answer;
    }

    fn guard_alert(
        &mut self,
        tx: &Transaction,
        reason: Reason,
        decision: Decision,
        bot: &BotVerdict,
    ) {
        let blocked = decision.blocks();
        if blocked {
            let rule_id = match &reason {
                Reason::RateLimit { hit, .. } => hit.rule_id,
                Reason::Bot(signal) => signal.signature_id(),
            };
            self.carry_out(rule_id, &decision);
        }
        match reason {
            Reason::RateLimit { .. } => self.counters.rate_limited += 1,
            Reason::Bot(_) => self.counters.bot_signals += 1,
        }
        self.counters.alerts += 1;
        self.push_guard(GuardRecord::Alert(Box::new(GuardAlert {
            flow_id: self.flow,
            ends: self.ends,
            at_ns: self.guard.now,
            tx: Some(summary(tx)),
            reason,
            decision,
            blocked,
            bot: bot.clone(),
        })));
    }
}

/// The EVE event of a guard record.
pub fn guard_event(r: &GuardRecord) -> Value {
    match r {
        GuardRecord::Tls(t) => tls_event(t),
        GuardRecord::Alert(a) => guard_alert_event(a),
    }
}

fn envelope(flow_id: FlowId, ends: &Endpoints, at_ns: u64, event_type: &str) -> Value {
    json!({
        "timestamp": timestamp(at_ns),
        "flow_id": flow_id.0,
        "event_type": event_type,
        "src_ip": ends.client.ip(),
        "src_port": ends.client.port(),
        "dest_ip": ends.server.ip(),
        "dest_port": ends.server.port(),
        "proto": "TCP",
    })
}

/// `event_type: tls`: `tls.sni`, `version` (highest offered), `ja4`,
/// `alpn`, `versions`, and the client as Palisade reads it.
fn tls_event(t: &TlsRecord) -> Value {
    let mut event = envelope(t.flow_id, &t.ends, t.at_ns, "tls");
    let info = &t.info;
    event["app_proto"] = "tls".into();
    event["tls"] = json!({
        "sni": info.sni,
        "version": info.version().map(version_name),
        "ja4": &*info.ja4,
        "alpn": info.alpn,
        "versions": info.versions.iter().map(|v| version_name(*v)).collect::<Vec<_>>(),
        "client": client_object(&t.verdict, Some(info.class.name())),
    });
    event
}

fn client_object(v: &BotVerdict, tls_class: Option<&str>) -> Value {
    json!({
        "tls_class": tls_class.or(v.tls_class.map(|c| c.name())),
        "name": v.client_name,
        "class": v.client_class.map(|c| c.name()),
        "rule": v.rule,
    })
}

impl GuardAlert {
    /// The id its alert carries: the rate-limit rule's, or the bot
    /// signal's.
    pub fn signature_id(&self) -> u64 {
        match &self.reason {
            Reason::RateLimit { hit, .. } => hit.rule_id,
            Reason::Bot(s) => s.signature_id(),
        }
    }
}

/// `event_type: alert` for a rate limit or a bot signal.
fn guard_alert_event(a: &GuardAlert) -> Value {
    let mut event = envelope(a.flow_id, &a.ends, a.at_ns, "alert");
    let id = a.signature_id();
    let (signature, category) = match &a.reason {
        Reason::RateLimit { name, .. } => (name.clone(), "rate-limit"),
        Reason::Bot(s) => (s.description().to_owned(), "bot"),
    };
    event["app_proto"] = if a.tx.is_some() { "http" } else { "tls" }.into();
    event["alert"] = json!({
        "action": if a.blocked { "blocked" } else { "allowed" },
        "gid": 1,
        "signature_id": id,
        "rev": 1,
        "signature": signature,
        "category": category,
        "severity": 2,
        "rule_action": a.decision.action.name(),
        "mode": if a.decision.enforced { "enforce" } else { "shadow" },
    });
    if let Some(tx) = &a.tx {
        event["tx_id"] = tx.tx_id.into();
        event["http"] = json!({
            "hostname": tx.hostname,
            "url": tx.url,
            "http_method": tx.method,
            "status": tx.status,
        });
    }
    let v = &a.bot;
    let mut palisade = json!({
        "bot": {
            "score": v.score,
            "signals": v.active.iter().map(Signal::name).collect::<Vec<_>>(),
            "http_fingerprint": v.http_fingerprint,
            "user_agent": v.ua.map(|u| u.name()),
            "client": client_object(v, None),
        },
    });
    if let Some(answer) = a.decision.answer {
        palisade["respond"] = json!({
            "status": answer.status,
            "retry_after": answer.retry_after_secs,
        });
    }
    if let Reason::RateLimit { hit, .. } = &a.reason {
        palisade["rate_limit"] = json!({
            "key": hit.key,
            "retry_after": hit.retry_after_secs,
        });
    }
    event["palisade"] = palisade;
    if let Some(ja4) = &v.ja4 {
        event["tls"] = json!({ "ja4": &**ja4 });
    }
    event
}
