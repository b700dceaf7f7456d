//! OpenAPI 3 specifications bound to hosts: loading, and finding the
//! operation a request is for.
//!
//! Input: a JSON or YAML file (`openapi: 3.x`). Output: a [`Spec`] with
//! each path's segments, each operation's parameters (path-level and
//! operation-level, `$ref`s resolved within the document), request body
//! media types and object schema, documented response statuses and the
//! `deprecated` mark. [`super::compliance`] checks observations against it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::http::normalize::percent_decode;

/// A specification bound to one host.
#[derive(Debug, Clone)]
pub struct Spec {
    pub host: String,
    paths: Vec<SpecPath>,
}

#[derive(Debug, Clone)]
struct SpecPath {
    template: String,
    segments: Vec<SpecSegment>,
    ops: BTreeMap<String, Operation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SpecSegment {
    Static(String),
    /// A segment with a `{parameter}` in it: any non-empty value.
    Param,
}

/// One operation of the spec.
#[derive(Debug, Clone, Default)]
pub struct Operation {
    pub deprecated: bool,
    pub params: Vec<SpecParam>,
    pub body: Option<SpecBody>,
    /// Documented response keys: `200`, `4XX`, `default`.
    pub responses: Vec<String>,
}

/// A documented parameter.
#[derive(Debug, Clone)]
pub struct SpecParam {
    pub name: String,
    /// `query`, `header`, `path` or `cookie`.
    pub location: String,
    pub required: bool,
    pub schema: Value,
}

/// A documented request body.
#[derive(Debug, Clone, Default)]
pub struct SpecBody {
    pub required: bool,
    /// Media types (`application/json`, `application/*`, `*/*`), lowercase.
    pub media: Vec<String>,
    /// Top-level properties of the JSON or form schema and their schemas.
    pub properties: BTreeMap<String, Value>,
    pub required_properties: Vec<String>,
    /// False when the schema sets `additionalProperties: false`.
    pub additional: bool,
}

/// What a request finds in the spec.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// No documented path matches.
    NoPath,
    /// The path is documented, not with this method.
    NoMethod { template: &'a str },
    /// The operation.
    Found {
        template: &'a str,
        op: &'a Operation,
    },
}

impl Spec {
    /// Loads a spec file (JSON or YAML) for `host`.
    pub fn load(path: &Path, host: &str) -> Result<Spec> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--spec {}: cannot read", path.display()))?;
        let doc = palisade_proto::spec_document(&text).map_err(|e| {
            anyhow::anyhow!("--spec {}: neither JSON nor YAML: {e}", path.display())
        })?;
        Spec::from_document(&doc, host).with_context(|| format!("--spec {}", path.display()))
    }

    /// A spec from a parsed OpenAPI 3 document.
    pub fn from_document(doc: &Value, host: &str) -> Result<Spec> {
        let version = doc
            .get("openapi")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !version.starts_with("3.") {
            bail!("not an OpenAPI 3 document (no `openapi: 3.x` at the top)");
        }
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            bail!("/paths: missing or not an object");
        };
        let base = base_path(doc);
        let mut out = Vec::new();
        for (template, item) in paths {
            if !template.starts_with('/') {
                bail!("/paths/{template}: a path must start with `/`");
            }
            let item = resolve(doc, item);
            let full = format!("{base}{template}");
            out.push(SpecPath {
                segments: split_template(&full),
                ops: operations(doc, item),
                template: full,
            });
        }
        Ok(Spec {
            host: host.to_ascii_lowercase(),
            paths: out,
        })
    }

    /// The documented paths, as written (with the server's base path).
    pub fn templates(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(|p| p.template.as_str())
    }

    /// The operation for `method` on the raw `path`. Among documented paths
    /// that match, the one with static segments furthest left wins (as
    /// OpenAPI says concrete paths match before templated ones).
    pub fn lookup(&self, method: &str, path: &str) -> Lookup<'_> {
        let segs: Vec<String> = super::path_segments(path).map(decode).collect();
        let best = self
            .paths
            .iter()
            .filter_map(|p| specificity(&p.segments, &segs).map(|s| (s, p)))
            .max_by(|a, b| a.0.cmp(&b.0));
        let Some((_, p)) = best else {
            return Lookup::NoPath;
        };
        match p.ops.get(&method.to_ascii_uppercase()) {
            Some(op) => Lookup::Found {
                template: &p.template,
                op,
            },
            None => Lookup::NoMethod {
                template: &p.template,
            },
        }
    }
}

/// The static/parameter pattern of a matching template (`true` for each
/// static segment), or none when it does not match.
fn specificity(template: &[SpecSegment], segs: &[String]) -> Option<Vec<bool>> {
    if template.len() != segs.len() {
        return None;
    }
    template
        .iter()
        .zip(segs)
        .map(|(t, s)| match t {
            SpecSegment::Static(want) => (want == s).then_some(true),
            SpecSegment::Param => (!s.is_empty()).then_some(false),
        })
        .collect()
}

fn decode(seg: &str) -> String {
    if !seg.contains('%') {
        return seg.to_owned();
    }
    let mut out = Vec::new();
    percent_decode(seg.as_bytes(), false, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn split_template(template: &str) -> Vec<SpecSegment> {
    super::path_segments(template)
        .map(|s| {
            if s.contains('{') {
                SpecSegment::Param
            } else {
                SpecSegment::Static(s.to_owned())
            }
        })
        .collect()
}

/// The path of the first server URL (`/v1` of `https://api.example/v1/`).
fn base_path(doc: &Value) -> String {
    let url = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let path = match url.find("://") {
        Some(at) => url[at + 3..].find('/').map_or("", |p| &url[at + 3 + p..]),
        None => url,
    };
    path.trim_end_matches('/').to_owned()
}

/// Follows local `$ref`s (`#/components/...`), at most a few deep.
pub(super) fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(target) => v = target,
            None => break,
        }
    }
    v
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn operations(doc: &Value, item: &Value) -> BTreeMap<String, Operation> {
    let shared = params(doc, item.get("parameters"));
    let mut ops = BTreeMap::new();
    for m in METHODS {
        let Some(op) = item.get(m) else {
            continue;
        };
        let mut params = params(doc, op.get("parameters"));
        for p in &shared {
            let overridden = params
                .iter()
                .any(|q| q.name == p.name && q.location == p.location);
            if !overridden {
                params.push(p.clone());
            }
        }
        let responses = op
            .get("responses")
            .and_then(Value::as_object)
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        let operation = Operation {
            deprecated: op
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            params,
            body: op.get("requestBody").map(|b| body(doc, resolve(doc, b))),
            responses,
        };
        ops.insert(m.to_ascii_uppercase(), operation);
    }
    ops
}

fn params(doc: &Value, list: Option<&Value>) -> Vec<SpecParam> {
    let Some(list) = list.and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|p| resolve(doc, p))
        .filter_map(|p| {
            let location = p.get("in")?.as_str()?.to_owned();
            let name = p.get("name")?.as_str()?;
            Some(SpecParam {
                name: if location == "header" {
                    name.to_ascii_lowercase()
                } else {
                    name.to_owned()
                },
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false)
                    || location == "path",
                schema: p
                    .get("schema")
                    .map(|s| resolve(doc, s).clone())
                    .unwrap_or_default(),
                location,
            })
        })
        .collect()
}

fn body(doc: &Value, b: &Value) -> SpecBody {
    let mut out = SpecBody {
        required: b.get("required").and_then(Value::as_bool).unwrap_or(false),
        additional: true,
        ..SpecBody::default()
    };
    let Some(content) = b.get("content").and_then(Value::as_object) else {
        return out;
    };
    for (media, m) in content {
        out.media.push(media.to_ascii_lowercase());
        let Some(schema) = m.get("schema").map(|s| resolve(doc, s)) else {
            continue;
        };
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, s) in props {
                out.properties.insert(name.clone(), resolve(doc, s).clone());
            }
        }
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            out.required_properties
                .extend(req.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
            out.additional = false;
        }
    }
    out
}
