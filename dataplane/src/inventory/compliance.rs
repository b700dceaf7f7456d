//! Compliance of observed traffic with the specs bound to its hosts.
//!
//! Input: [`Observation`]s and the [`Spec`] of each host. Output:
//! [`Finding`]s, each of one [`FindingKind`] with the [`Action`] the
//! [`Policy`] gives that kind: shadow endpoints (not in the spec; reported
//! once per endpoint), zombie endpoints (deprecated, still answering; once
//! per operation), request violations (unknown or missing required
//! parameters, wrong types, wrong content type), undocumented response
//! statuses, and sensitive data in responses. Hosts with no spec give none.

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use super::observe::{is_plain_header, Location, Observation};
use super::sensitive::SensitiveSet;
use super::spec::{Lookup, Operation, Spec, SpecBody};
use super::value::{classify, ValueType};
use crate::http::normalize::percent_decode;

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    ShadowEndpoint,
    ZombieEndpoint,
    UnknownParameter,
    MissingParameter,
    WrongParameterType,
    WrongContentType,
    UndocumentedStatus,
    SensitiveData,
}

impl FindingKind {
    pub const ALL: [FindingKind; 8] = [
        Self::ShadowEndpoint,
        Self::ZombieEndpoint,
        Self::UnknownParameter,
        Self::MissingParameter,
        Self::WrongParameterType,
        Self::WrongContentType,
        Self::UndocumentedStatus,
        Self::SensitiveData,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::ShadowEndpoint => "shadow_endpoint",
            Self::ZombieEndpoint => "zombie_endpoint",
            Self::UnknownParameter => "unknown_parameter",
            Self::MissingParameter => "missing_parameter",
            Self::WrongParameterType => "wrong_parameter_type",
            Self::WrongContentType => "wrong_content_type",
            Self::UndocumentedStatus => "undocumented_status",
            Self::SensitiveData => "sensitive_data",
        }
    }
}

/// What to do about a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    #[default]
    Alert,
    Block,
}

/// The action of each kind of finding (alert unless set).
#[derive(Clone, Debug, Default)]
pub struct Policy {
    actions: BTreeMap<FindingKind, Action>,
}

impl Policy {
    pub fn action(&self, kind: FindingKind) -> Action {
        self.actions.get(&kind).copied().unwrap_or_default()
    }

    /// Sets the action of `kind`.
    pub fn set(&mut self, kind: FindingKind, action: Action) {
        self.actions.insert(kind, action);
    }

    /// Reads `KIND=ACTION` (`shadow_endpoint=block`); `all=ACTION` sets
    /// every kind.
    pub fn set_from(&mut self, text: &str) -> Result<(), String> {
        let (kind, action) = text
            .split_once('=')
            .ok_or_else(|| format!("{text}: expected KIND=alert|block"))?;
        let action = match action {
            "alert" => Action::Alert,
            "block" => Action::Block,
            other => return Err(format!("{text}: action `{other}` is not alert or block")),
        };
        if kind == "all" {
            FindingKind::ALL.iter().for_each(|k| self.set(*k, action));
            return Ok(());
        }
        let kind = FindingKind::from_str(kind)?;
        self.set(kind, action);
        Ok(())
    }
}

impl FromStr for FindingKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        FindingKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = FindingKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown finding kind `{s}` (one of: {})", names.join(", "))
            })
    }
}

/// One compliance finding on one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub action: Action,
    /// The documented path template, when one matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The parameter concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Sensitive kinds (sensitive data findings).
    #[serde(skip_serializing_if = "SensitiveSet::is_empty")]
    pub sensitive: SensitiveSet,
    pub detail: String,
}

/// The checker: specs by host, the policy, and what was reported once.
#[derive(Debug, Default)]
pub struct Compliance {
    specs: Vec<Spec>,
    policy: Policy,
    reported: HashSet<(String, String, String)>,
}

impl Compliance {
    pub fn new(specs: Vec<Spec>, policy: Policy) -> Self {
        Compliance {
            specs,
            policy,
            reported: HashSet::new(),
        }
    }

    /// The spec bound to `host`.
    pub fn spec(&self, host: &str) -> Option<&Spec> {
        self.specs.iter().find(|s| s.host == host)
    }

    /// The findings of one observation.
    pub fn check(&mut self, obs: &Observation) -> Vec<Finding> {
        let Some(spec) = self.specs.iter().find(|s| s.host == obs.host) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        match spec.lookup(&obs.method, &obs.path) {
            Lookup::NoPath | Lookup::NoMethod { .. } => {
                let key = (obs.host.clone(), obs.method.clone(), shadow_key(&obs.path));
                if self.reported.insert(key) {
                    found.push(finding(
                        FindingKind::ShadowEndpoint,
                        None,
                        "not in the spec",
                    ));
                }
            }
            Lookup::Found { template, op } => {
                let answered = obs.status.is_some_and(|s| s != 404 && s != 410);
                let key = || (obs.host.clone(), obs.method.clone(), template.to_owned());
                if op.deprecated && answered && self.reported.insert(key()) {
                    let detail = "deprecated in the spec, still answering";
                    found.push(finding(FindingKind::ZombieEndpoint, None, detail));
                }
                check_path(op, template, &obs.path, &mut found);
                check_request(op, obs, &mut found);
                check_status(op, obs, &mut found);
                for f in &mut found {
                    f.template = Some(template.to_owned());
                }
            }
        }
        if !obs.response_sensitive.is_empty() {
            let mut f = finding(FindingKind::SensitiveData, None, "in the response");
            f.sensitive = obs.response_sensitive;
            found.push(f);
        }
        for f in &mut found {
            f.action = self.policy.action(f.kind);
        }
        found
    }
}

/// A finding without a template yet, with the default action.
fn finding(kind: FindingKind, param: Option<&str>, detail: &str) -> Finding {
    Finding {
        kind,
        action: Action::Alert,
        template: None,
        parameter: param.map(str::to_owned),
        sensitive: SensitiveSet::EMPTY,
        detail: detail.to_owned(),
    }
}

/// The raw path with id-shaped segments blanked, so that one shadow
/// endpoint is reported once, not once per id.
fn shadow_key(path: &str) -> String {
    let segs: Vec<&str> = super::path_segments(path)
        .map(|s| {
            if classify(s.as_bytes()).is_id() {
                "{}"
            } else {
                s
            }
        })
        .collect();
    segs.join("/")
}

/// Path parameters whose segment's type does not fit their schema.
fn check_path(op: &Operation, template: &str, path: &str, out: &mut Vec<Finding>) {
    let pairs = super::path_segments(template).zip(super::path_segments(path));
    for (t, seg) in pairs {
        let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
            continue;
        };
        let Some(p) = op
            .params
            .iter()
            .find(|p| p.location == "path" && p.name == name)
        else {
            continue;
        };
        let mut decoded = Vec::new();
        percent_decode(seg.as_bytes(), false, &mut decoded);
        let ty = classify(&decoded);
        if !type_fits(&p.schema, ty) {
            let detail = format!(
                "{} path segment where the spec wants {}",
                ty.name(),
                want(&p.schema)
            );
            out.push(finding(
                FindingKind::WrongParameterType,
                Some(name),
                &detail,
            ));
        }
    }
}

fn check_request(op: &Operation, obs: &Observation, out: &mut Vec<Finding>) {
    let seen = |loc: Location, name: &str| {
        obs.params
            .iter()
            .find(|p| p.location == loc && p.name == name)
            .map(|p| p.ty)
    };
    for p in &op.params {
        let loc = match p.location.as_str() {
            "query" => Location::Query,
            "header" if !is_plain_header(p.name.as_bytes()) => Location::Header,
            _ => continue,
        };
        match seen(loc, &p.name) {
            None if p.required && !is_freeform(&p.schema) => {
                let detail = format!("required {} parameter absent", p.location);
                out.push(finding(
                    FindingKind::MissingParameter,
                    Some(&p.name),
                    &detail,
                ));
            }
            Some(ty) if !type_fits(&p.schema, ty) => {
                let detail = format!(
                    "{} value where the spec wants {}",
                    ty.name(),
                    want(&p.schema)
                );
                out.push(finding(
                    FindingKind::WrongParameterType,
                    Some(&p.name),
                    &detail,
                ));
            }
            _ => {}
        }
    }
    let freeform_query = op
        .params
        .iter()
        .any(|p| p.location == "query" && is_freeform(&p.schema));
    for q in obs.params.iter().filter(|p| p.location == Location::Query) {
        let known = op
            .params
            .iter()
            .any(|p| p.location == "query" && p.name == q.name);
        if !known && !freeform_query {
            let detail = "query parameter not in the spec";
            out.push(finding(
                FindingKind::UnknownParameter,
                Some(&q.name),
                detail,
            ));
        }
    }
    check_body(op.body.as_ref(), obs, out);
}

fn check_body(body: Option<&SpecBody>, obs: &Observation, out: &mut Vec<Finding>) {
    let sent = obs.request_content_type.as_deref();
    let Some(body) = body else {
        if let Some(media) = sent {
            let detail = format!("{media} body where the spec documents none");
            out.push(finding(FindingKind::WrongContentType, None, &detail));
        }
        return;
    };
    let Some(media) = sent else {
        if body.required {
            let detail = "required request body absent";
            out.push(finding(FindingKind::MissingParameter, None, detail));
        }
        return;
    };
    if !body.media.iter().any(|m| media_matches(m, media)) {
        let detail = format!(
            "{media} body where the spec wants {}",
            body.media.join(" or ")
        );
        out.push(finding(FindingKind::WrongContentType, None, &detail));
        return;
    }
    let props = |name: &str| {
        obs.params
            .iter()
            .find(|p| p.location == Location::Body && p.name == name)
    };
    for name in &body.required_properties {
        if props(name).is_none() {
            let detail = "required body property absent";
            out.push(finding(FindingKind::MissingParameter, Some(name), detail));
        }
    }
    for p in obs.params.iter().filter(|p| p.location == Location::Body) {
        match body.properties.get(&p.name) {
            None if !body.additional => {
                let detail = "body property not in the spec";
                out.push(finding(
                    FindingKind::UnknownParameter,
                    Some(&p.name),
                    detail,
                ));
            }
            Some(schema) if !type_fits(schema, p.ty) => {
                let detail = format!(
                    "{} value where the spec wants {}",
                    p.ty.name(),
                    want(schema)
                );
                out.push(finding(
                    FindingKind::WrongParameterType,
                    Some(&p.name),
                    &detail,
                ));
            }
            _ => {}
        }
    }
}

fn check_status(op: &Operation, obs: &Observation, out: &mut Vec<Finding>) {
    let Some(status) = obs.status else {
        return;
    };
    let code = status.to_string();
    let range = format!("{}XX", status / 100);
    let documented = op
        .responses
        .iter()
        .any(|r| r == &code || r.eq_ignore_ascii_case(&range) || r == "default");
    if !documented {
        let detail = format!("status {status} is not among the documented responses");
        out.push(finding(FindingKind::UndocumentedStatus, None, &detail));
    }
}

/// True for a spec media type (`application/json`, `application/*`,
/// `*/*`) that covers the sent one.
fn media_matches(spec: &str, sent: &str) -> bool {
    let spec = spec.split(';').next().unwrap_or_default().trim();
    if spec == "*/*" || spec == sent {
        return true;
    }
    match (spec.split_once('/'), sent.split_once('/')) {
        (Some((st, "*")), Some((t, _))) => st == t,
        _ => false,
    }
}

/// An object-typed query parameter (`style: form, explode: true`) stands
/// for any names.
fn is_freeform(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
}

fn want(schema: &Value) -> String {
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("any");
    match schema.get("format").and_then(Value::as_str) {
        Some(f) => format!("{ty} ({f})"),
        None => ty.to_owned(),
    }
}

/// Whether a value of type `ty` fits the schema's type and format.
fn type_fits(schema: &Value, ty: ValueType) -> bool {
    let format = schema.get("format").and_then(Value::as_str);
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => ty == ValueType::Integer,
        Some("number") => matches!(ty, ValueType::Integer | ValueType::Number),
        Some("boolean") => ty == ValueType::Boolean,
        Some("object") => ty == ValueType::Object,
        Some("array") => true,
        Some("string") => match format {
            Some("uuid") => ty == ValueType::Uuid,
            Some("date") => ty == ValueType::Date,
            Some("date-time") => ty == ValueType::DateTime,
            Some("email") => ty == ValueType::Email,
            _ => !matches!(ty, ValueType::Object | ValueType::Array),
        },
        _ => true,
    }
}
