//! The observer an HTTP connection reports to: it matches each transaction
//! against the rules as its parts arrive (request headers, the request body
//! streamed piece by piece and the complete request, then the response body
//! streamed and the finished transaction), turns hits into alerts, marks
//! the connection blocked when a rule blocks, and queues the transaction.

use std::collections::VecDeque;

use super::alert::{self, AlertRecord, LoadedRules, TxSummary};
use super::guard::GuardCx;
use super::{HttpRecord, InspectCounters};
use crate::enforce::Blocked;
use crate::engine::{BodyStream, Hit, Inspection, Matcher, Phase};
use crate::flow::{Direction, FlowId};
use crate::http::{HttpObserver, Transaction};
use crate::pipeline::Endpoints;

/// Rule matching of one transaction under way: the phases run so far and
/// the streaming scans of its bodies.
#[derive(Debug)]
pub(super) struct TxMatch {
    index: u32,
    insp: Inspection,
    /// Request and response body scans ([`Direction::index`]).
    streams: [Option<BodyStream>; 2],
}

/// Collects a connection's finished transactions into the output queue,
/// matching them against the rules on the way.
pub(super) struct Queue<'a> {
    pub(super) flow: FlowId,
    pub(super) ends: Endpoints,
    pub(super) out: &'a mut Vec<HttpRecord>,
    pub(super) alerts: &'a mut Vec<AlertRecord>,
    pub(super) counters: &'a mut InspectCounters,
    pub(super) max_queued: usize,
    pub(super) rules: Option<&'a LoadedRules>,
    pub(super) matcher: Option<&'a mut Matcher>,
    pub(super) blocked: &'a mut Blocked,
    pub(super) pending: &'a mut VecDeque<TxMatch>,
    /// Rate limits and bot mitigation.
    pub(super) guard: GuardCx<'a>,
}

impl Queue<'_> {
    /// The matching state of `tx`, created on first use.
    fn state(&mut self, matcher: &Matcher, tx: &Transaction) -> &mut TxMatch {
        let at = match self.pending.iter().position(|m| m.index == tx.index) {
            Some(at) => at,
            None => {
                self.pending.push_back(TxMatch {
                    index: tx.index,
                    insp: matcher.start(),
                    streams: [None, None],
                });
                self.pending.len() - 1
            }
        };
        &mut self.pending[at]
    }

    /// Runs the phases of `tx` not run yet, up to `phase`, closing the body
    /// scan of a body whose phase this reaches; the state is dropped once
    /// the transaction is done.
    fn inspect(&mut self, tx: &Transaction, phase: Phase) {
        let Some(matcher) = self.matcher.take() else {
            return;
        };
        let client = self.ends.client.ip();
        let state = self.state(matcher, tx);
        let mut hits = Vec::new();
        for (dir, body_phase) in [
            (Direction::ToResponder, Phase::RequestBody),
            (Direction::ToInitiator, Phase::ResponseBody),
        ] {
            if body_phase > phase {
                break;
            }
            if let Some(stream) = state.streams[dir.index()].take() {
                hits.extend(stream.finish(matcher, &mut state.insp, tx, client));
            }
        }
        hits.extend(matcher.inspect(&mut state.insp, tx, client, phase));
        if phase == Phase::ResponseBody {
            let index = tx.index;
            self.pending.retain(|m| m.index != index);
        }
        self.matcher = Some(matcher);
        for hit in hits {
            self.alert(tx, hit);
        }
    }

    /// Feeds decoded body bytes to the body's streaming scan.
    fn stream(&mut self, tx: &Transaction, dir: Direction, decoded: &[u8]) {
        let Some(matcher) = self.matcher.take() else {
            return;
        };
        let state = self.state(matcher, tx);
        let slot = &mut state.streams[dir.index()];
        let stream = slot.get_or_insert_with(|| matcher.body_stream(&state.insp, dir));
        stream.feed(matcher, decoded);
        self.matcher = Some(matcher);
    }

    fn alert(&mut self, tx: &Transaction, hit: Hit) {
        let blocked = alert::blocks(&hit);
        self.blocked.record(&hit);
        self.counters.alerts += 1;
        if self.alerts.len() >= self.max_queued {
            self.counters.records_dropped += 1;
            return;
        }
        let info = self.rules.and_then(|r| r.info.get(&hit.rule_id)).cloned();
        self.alerts.push(AlertRecord {
            flow_id: self.flow,
            ends: self.ends,
            tx: summary(tx),
            hit,
            info,
            blocked,
            verdict: None,
        });
    }
}

/// What an alert shows of its transaction.
pub(super) fn summary(tx: &Transaction) -> TxSummary {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    TxSummary {
        tx_id: tx.index,
        started_ns: tx.request_started_ns,
        // As the `http` event gives it: lowercase, without the port.
        hostname: tx.hostname().map(|h| super::eve::split_host(h).0),
        url: text(&tx.uri),
        method: text(tx.method.as_bytes()),
        status: tx.status,
    }
}

impl HttpObserver for Queue<'_> {
    fn request_headers(&mut self, tx: &Transaction) {
        self.inspect(tx, Phase::RequestHeaders);
        self.guard_request(tx);
    }

    fn request_complete(&mut self, tx: &Transaction) {
        self.inspect(tx, Phase::RequestBody);
    }

    fn body_data(&mut self, tx: &Transaction, dir: Direction, decoded: &[u8]) {
        self.stream(tx, dir, decoded);
    }

    fn transaction(&mut self, tx: Transaction) {
        self.inspect(&tx, Phase::ResponseBody);
        self.guard_answered(&tx);
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

#[cfg(test)]
mod tests {
    use crate::http::{Header, Transaction};

    /// An alert names the host as the `http` event does (EVE's
    /// `hostname`: lowercase, the port apart).
    #[test]
    fn an_alert_names_the_host_without_its_port() {
        let host = |value: &[u8]| Transaction {
            request_headers: vec![Header {
                name: b"Host".to_vec(),
                value: value.to_vec(),
            }],
            ..Transaction::default()
        };
        let named = |value: &[u8]| super::summary(&host(value)).hostname;
        assert_eq!(
            named(b"Api.Example.ORG:8080").as_deref(),
            Some("api.example.org")
        );
        assert_eq!(named(b"[::1]:443").as_deref(), Some("[::1]"));
        assert_eq!(named(b"example.org").as_deref(), Some("example.org"));
    }
}
