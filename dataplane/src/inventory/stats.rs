//! What the inventory keeps per endpoint while observations come in, and
//! how two endpoints' figures add up when their paths turn out to be one
//! template.

use std::collections::{BTreeMap, BTreeSet};

use super::auth::Auth;
use super::observe::{Location, Observation};
use super::sensitive::SensitiveSet;
use super::value::ValueType;

/// Most distinct parameters kept per endpoint; more are counted only.
const MAX_PARAMS: usize = 256;
/// Most distinct content types, statuses or auth schemes kept per endpoint.
const MAX_VALUES: usize = 64;

/// One request parameter's figures.
#[derive(Clone, Debug, Default)]
pub(super) struct ParamStats {
    /// Requests that carried it.
    pub(super) count: u64,
    /// Requests by value type.
    pub(super) types: BTreeMap<ValueType, u64>,
}

/// One endpoint's figures (one method on one path or template).
#[derive(Clone, Debug, Default)]
pub(super) struct EndpointStats {
    pub(super) count: u64,
    pub(super) first_ns: u64,
    pub(super) last_ns: u64,
    pub(super) statuses: BTreeMap<u16, u64>,
    pub(super) no_response: u64,
    pub(super) request_types: BTreeSet<String>,
    pub(super) response_types: BTreeSet<String>,
    pub(super) auth: BTreeSet<Auth>,
    pub(super) request_sensitive: SensitiveSet,
    pub(super) response_sensitive: SensitiveSet,
    pub(super) params: BTreeMap<(Location, String), ParamStats>,
    /// Parameters not kept because the endpoint had too many.
    pub(super) params_dropped: u64,
    pub(super) latency_count: u64,
    pub(super) latency_sum_us: u64,
    pub(super) latency_max_us: u64,
}

impl EndpointStats {
    /// Adds one observation.
    pub(super) fn add(&mut self, obs: &Observation) {
        self.first_ns = if self.count == 0 {
            obs.time_ns
        } else {
            self.first_ns.min(obs.time_ns)
        };
        self.last_ns = self.last_ns.max(obs.time_ns);
        self.count += 1;
        match obs.status {
            Some(s) => bump(&mut self.statuses, s, 1),
            None => self.no_response += 1,
        }
        insert_bounded(&mut self.request_types, obs.request_content_type.clone());
        insert_bounded(&mut self.response_types, obs.response_content_type.clone());
        for a in &obs.auth {
            insert_bounded(&mut self.auth, Some(a.clone()));
        }
        self.request_sensitive = self.request_sensitive.union(obs.request_sensitive);
        self.response_sensitive = self.response_sensitive.union(obs.response_sensitive);
        for p in &obs.params {
            self.add_param(p.location, &p.name, p.ty, 1);
        }
        if let Some(us) = obs.latency_us {
            self.latency_count += 1;
            self.latency_sum_us = self.latency_sum_us.saturating_add(us);
            self.latency_max_us = self.latency_max_us.max(us);
        }
    }

    fn add_param(&mut self, loc: Location, name: &str, ty: ValueType, n: u64) {
        let key = (loc, name.to_owned());
        if !self.params.contains_key(&key) && self.params.len() >= MAX_PARAMS {
            self.params_dropped += n;
            return;
        }
        let p = self.params.entry(key).or_default();
        p.count += n;
        *p.types.entry(ty).or_default() += n;
    }

    /// Adds another endpoint's figures (same method, paths now one template).
    pub(super) fn merge(&mut self, other: &EndpointStats) {
        if other.count == 0 {
            return;
        }
        self.first_ns = if self.count == 0 {
            other.first_ns
        } else {
            self.first_ns.min(other.first_ns)
        };
        self.last_ns = self.last_ns.max(other.last_ns);
        self.count += other.count;
        for (s, n) in &other.statuses {
            bump(&mut self.statuses, *s, *n);
        }
        self.no_response += other.no_response;
        for t in &other.request_types {
            insert_bounded(&mut self.request_types, Some(t.clone()));
        }
        for t in &other.response_types {
            insert_bounded(&mut self.response_types, Some(t.clone()));
        }
        for a in &other.auth {
            insert_bounded(&mut self.auth, Some(a.clone()));
        }
        self.request_sensitive = self.request_sensitive.union(other.request_sensitive);
        self.response_sensitive = self.response_sensitive.union(other.response_sensitive);
        for ((loc, name), p) in &other.params {
            let key = (*loc, name.clone());
            if !self.params.contains_key(&key) && self.params.len() >= MAX_PARAMS {
                self.params_dropped += p.count;
                continue;
            }
            let mine = self.params.entry(key).or_default();
            mine.count += p.count;
            for (ty, n) in &p.types {
                *mine.types.entry(*ty).or_default() += n;
            }
        }
        self.params_dropped += other.params_dropped;
        self.latency_count += other.latency_count;
        self.latency_sum_us = self.latency_sum_us.saturating_add(other.latency_sum_us);
        self.latency_max_us = self.latency_max_us.max(other.latency_max_us);
    }
}

fn bump(map: &mut BTreeMap<u16, u64>, key: u16, n: u64) {
    if map.len() < MAX_VALUES || map.contains_key(&key) {
        *map.entry(key).or_default() += n;
    }
}

fn insert_bounded<T: Ord>(set: &mut BTreeSet<T>, value: Option<T>) {
    if let Some(v) = value {
        if set.len() < MAX_VALUES {
            set.insert(v);
        }
    }
}
