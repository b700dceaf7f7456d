//! L7 rate limits: the `rate-limit` rules of a ruleset ([`RateLimits`]) and
//! the token buckets they fill ([`Limiter`]), one per rule and key, in a
//! table every worker core shares, so that a limit holds whatever core a
//! client's flows land on.
//!
//! Inputs are a [`RequestView`] (built by inspection when a request's
//! headers are parsed) and `now`; the output is one [`LimitHit`] per rule
//! the request is over, carrying the [`Decision`] to map onto a verdict and
//! the `Retry-After` a 429 answer gives.

mod bucket;
mod decision;
mod key;
mod table;

use palisade_rules::{Action, Block, LimitKey, Respond, RuleBody, Ruleset, Scope};

pub use bucket::{Bucket, Rate, Take};
pub use decision::{Answer, Decision};
pub use key::{jwt_claim, RequestView};
pub use table::{SharedTable, Touched};

/// The status a rate limit answers with unless its rule says otherwise.
pub const DEFAULT_STATUS: u16 = 429;

/// One `rate-limit` rule, ready to run.
#[derive(Debug, Clone)]
pub struct LimitRule {
    pub id: u64,
    pub key: Vec<LimitKey>,
    pub rate: Rate,
    pub scope: Scope,
    pub action: Action,
    pub enforced: bool,
}

/// The enabled rate-limit rules of a ruleset.
#[derive(Debug, Clone, Default)]
pub struct RateLimits {
    pub rules: Vec<LimitRule>,
}

impl RateLimits {
    pub fn from_ruleset(ruleset: &Ruleset) -> Self {
        let rules = ruleset
            .enabled()
            .filter_map(|r| match &r.body {
                RuleBody::RateLimit(l) => Some(LimitRule {
                    id: r.id,
                    key: l.key.clone(),
                    rate: Rate {
                        requests: l.requests,
                        period_secs: l.period_secs,
                        burst: l.burst,
                    },
                    scope: l.scope.clone(),
                    action: r.action.clone(),
                    enforced: r.is_enforced(),
                }),
                _ => None,
            })
            .collect();
        RateLimits { rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// A request over one rule's limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitHit {
    pub rule_id: u64,
    /// The key's value (e.g. the client address, the API key).
    pub key: String,
    pub retry_after_secs: u64,
    pub decision: Decision,
    /// Whether to report this one as an alert (the first over-limit
    /// request of the key, then one a second); all are carried out.
    pub report: bool,
}

/// The buckets of every rule and key, shared by all workers; they outlive
/// rule reloads (a bucket is found again by rule id and key).
#[derive(Debug)]
pub struct Limiter {
    buckets: SharedTable<(u64, String), Bucket>,
}

impl Limiter {
    /// A limiter for about `keys` buckets at once.
    pub fn new(keys: usize) -> Self {
        Limiter {
            buckets: SharedTable::new(keys),
        }
    }

    /// Counts the request against every rule whose scope it is in; returns
    /// the rules it is over.
    pub fn check(&self, limits: &RateLimits, req: &RequestView<'_>, now: u64) -> Vec<LimitHit> {
        let mut hits = Vec::new();
        for rule in &limits.rules {
            if !req.in_scope(&rule.scope) {
                continue;
            }
            let Some(key) = req.key(&rule.key) else {
                continue;
            };
            let rate = rule.rate;
            let entry = (rule.id, key);
            let (take, report) = self.buckets.with(
                &entry,
                || Bucket::full(rate, now),
                |b| match b.take(rate, now) {
                    limited @ Take::Limited { .. } => (limited, b.report_due(now)),
                    allowed => (allowed, false),
                },
            );
            if let Take::Limited { retry_after_secs } = take {
                hits.push(LimitHit {
                    rule_id: rule.id,
                    decision: decision(rule, retry_after_secs),
                    key: entry.1,
                    retry_after_secs,
                    report,
                });
            }
        }
        hits
    }

    /// Buckets held now.
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }
}

fn decision(rule: &LimitRule, retry_after_secs: u64) -> Decision {
    let answer = match &rule.action {
        Action::Block(Block { respond, .. }) => {
            let status = respond.map_or(DEFAULT_STATUS, |Respond { status, .. }| status);
            let given = respond.and_then(|r| r.retry_after).map(u64::from);
            Some(Answer {
                status,
                retry_after_secs: Some(given.unwrap_or(retry_after_secs)),
            })
        }
        _ => None,
    };
    Decision {
        action: rule.action.clone(),
        enforced: rule.enforced,
        answer,
    }
}
