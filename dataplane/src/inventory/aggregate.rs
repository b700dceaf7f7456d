//! The aggregator: [`Observation`]s in, per-host endpoint inventory out.
//!
//! Pure data structure, no I/O and no clock: the dataplane's offline
//! `capture` mode feeds it from transactions, and the control plane can
//! feed it the observations dataplanes send. Memory is bounded: hosts,
//! distinct path values per position ([`super::template`]) and parameters
//! per endpoint are capped, and what goes past a cap is counted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::auth::Auth;
use super::observe::{Location, Observation};
use super::sensitive::SensitiveSet;
use super::stats::EndpointStats;
use super::template::{template_path, templates, Node, Segment};
use super::value::ValueType;
use crate::events::timestamp;

/// Most hosts kept; observations for more are counted as dropped.
const MAX_HOSTS: usize = 4096;

/// The inventory being learned.
#[derive(Debug, Default)]
pub struct Inventory {
    hosts: BTreeMap<String, Node>,
    observations: u64,
    dropped: u64,
}

impl Inventory {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one observation.
    pub fn add(&mut self, obs: &Observation) {
        self.observations += 1;
        if !self.hosts.contains_key(&obs.host) && self.hosts.len() >= MAX_HOSTS {
            self.dropped += 1;
            return;
        }
        let root = self.hosts.entry(obs.host.clone()).or_default();
        let node = root.walk(path_segments(&obs.path));
        node.methods.entry(obs.method.clone()).or_default().add(obs);
    }

    /// Observations added so far.
    pub fn observations(&self) -> u64 {
        self.observations
    }

    /// The inventory as it stands: endpoints with their templates.
    pub fn report(&self) -> InventoryReport {
        let hosts = self
            .hosts
            .iter()
            .map(|(host, root)| host_report(host, root))
            .collect();
        InventoryReport {
            observations: self.observations,
            dropped: self.dropped,
            hosts,
        }
    }
}

/// The segments of a raw path (`/a/b` gives `a`, `b`; `/` gives none).
pub fn path_segments(path: &str) -> impl Iterator<Item = &str> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    trimmed.split('/').filter({
        let root = trimmed.is_empty();
        move |_| !root
    })
}

/// The whole inventory, as exported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InventoryReport {
    pub observations: u64,
    /// Observations not kept (past the host cap).
    pub dropped: u64,
    pub hosts: Vec<HostReport>,
}

/// One host's endpoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostReport {
    pub host: String,
    pub requests: u64,
    pub endpoints: Vec<EndpointReport>,
}

/// One endpoint: a method on a path template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndpointReport {
    pub method: String,
    pub path: String,
    pub path_params: Vec<PathParam>,
    pub params: Vec<ParamReport>,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// Requests by response status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no response.
    pub no_response: u64,
    pub request_content_types: Vec<String>,
    pub response_content_types: Vec<String>,
    pub auth: Vec<Auth>,
    pub sensitive: SensitiveReport,
    pub latency_us: Option<LatencyReport>,
    /// Set by a spec check: `documented`, `shadow` or `zombie`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance: Option<String>,
}

/// A path parameter: its name in the template, its type, distinct values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathParam {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ValueType,
    pub distinct_values: u64,
}

/// A query, header or body parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamReport {
    pub name: String,
    #[serde(rename = "in")]
    pub location: Location,
    /// The type covering every value seen.
    #[serde(rename = "type")]
    pub ty: ValueType,
    /// Seen on every request of the endpoint.
    pub required: bool,
    pub count: u64,
}

/// Sensitive data kinds seen in requests and responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensitiveReport {
    pub request: SensitiveSet,
    pub response: SensitiveSet,
}

/// Latency from request end to first response byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyReport {
    pub mean: u64,
    pub max: u64,
    pub samples: u64,
}

fn host_report(host: &str, root: &Node) -> HostReport {
    let endpoints = templates(root)
        .into_iter()
        .map(|(segs, method, stats)| endpoint_report(&segs, method, &stats))
        .collect();
    HostReport {
        host: host.to_owned(),
        requests: root.hits,
        endpoints,
    }
}

fn endpoint_report(segs: &[Segment], method: String, s: &EndpointStats) -> EndpointReport {
    let (path, params) = template_path(segs);
    let path_params = params
        .into_iter()
        .map(|(name, ty, distinct_values)| PathParam {
            name,
            ty,
            distinct_values,
        })
        .collect();
    let params = s
        .params
        .iter()
        .map(|((location, name), p)| ParamReport {
            name: name.clone(),
            location: *location,
            ty: p
                .types
                .keys()
                .copied()
                .reduce(ValueType::join)
                .unwrap_or(ValueType::String),
            required: p.count >= s.count,
            count: p.count,
        })
        .collect();
    let latency_us = (s.latency_count > 0).then(|| LatencyReport {
        mean: s.latency_sum_us / s.latency_count,
        max: s.latency_max_us,
        samples: s.latency_count,
    });
    EndpointReport {
        method,
        path,
        path_params,
        params,
        count: s.count,
        first_seen: timestamp(s.first_ns),
        last_seen: timestamp(s.last_ns),
        statuses: s.statuses.clone(),
        no_response: s.no_response,
        request_content_types: s.request_types.iter().cloned().collect(),
        response_content_types: s.response_types.iter().cloned().collect(),
        auth: s.auth.iter().cloned().collect(),
        sensitive: SensitiveReport {
            request: s.request_sensitive,
            response: s.response_sensitive,
        },
        latency_us,
        compliance: None,
    }
}
