//! One host's inventory as an OpenAPI 3.0 document: paths from the
//! templates, path parameters with their types, query and header
//! parameters with required-ness, JSON and form bodies as object schemas,
//! observed statuses and content types as responses, and the
//! authentication schemes seen as security schemes.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::aggregate::{EndpointReport, HostReport};
use super::auth::Auth;
use super::observe::Location;
use super::value::ValueType;

/// The OpenAPI 3.0.3 document of `host`.
pub fn openapi(host: &HostReport) -> Value {
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    let mut schemes = Map::new();
    for (i, ep) in host.endpoints.iter().enumerate() {
        let Some(method) = openapi_method(&ep.method) else {
            continue;
        };
        let op = operation(ep, i, &mut schemes);
        paths.entry(&ep.path).or_default().insert(method.into(), op);
    }
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": format!("{} (learned from traffic)", host.host),
            "version": "observed",
            "description": "API inventory learned by Palisade from the traffic it saw.",
        },
        "servers": [{ "url": format!("http://{}", host.host) }],
        "paths": paths,
    });
    if !schemes.is_empty() {
        doc["components"] = json!({ "securitySchemes": schemes });
    }
    doc
}

/// The OpenAPI key of a method; methods OpenAPI cannot describe give none.
fn openapi_method(method: &str) -> Option<&'static str> {
    Some(match method {
        "GET" => "get",
        "PUT" => "put",
        "POST" => "post",
        "DELETE" => "delete",
        "OPTIONS" => "options",
        "HEAD" => "head",
        "PATCH" => "patch",
        "TRACE" => "trace",
        _ => return None,
    })
}

fn operation(ep: &EndpointReport, index: usize, schemes: &mut Map<String, Value>) -> Value {
    let mut params: Vec<Value> = ep
        .path_params
        .iter()
        .map(|p| {
            json!({
                "name": p.name, "in": "path", "required": true, "schema": schema(p.ty),
            })
        })
        .collect();
    for p in ep.params.iter().filter(|p| p.location != Location::Body) {
        params.push(json!({
            "name": p.name,
            "in": p.location.name(),
            "required": p.required,
            "schema": schema(p.ty),
        }));
    }
    let mut op = json!({
        "operationId": format!("op{index}_{}", ep.method.to_ascii_lowercase()),
        "parameters": params,
        "responses": responses(ep),
        "x-palisade": {
            "count": ep.count,
            "first_seen": ep.first_seen,
            "last_seen": ep.last_seen,
            "sensitive": ep.sensitive,
            "latency_us": ep.latency_us,
        },
    });
    if let Some(body) = request_body(ep) {
        op["requestBody"] = body;
    }
    let security = security(&ep.auth, schemes);
    if !security.is_empty() {
        op["security"] = Value::Array(security);
    }
    op
}

/// The JSON schema of a value type.
fn schema(ty: ValueType) -> Value {
    match ty {
        ValueType::Integer => json!({ "type": "integer" }),
        ValueType::Number => json!({ "type": "number" }),
        ValueType::Boolean => json!({ "type": "boolean" }),
        ValueType::Uuid => json!({ "type": "string", "format": "uuid" }),
        ValueType::Hex => json!({ "type": "string", "pattern": "^[0-9A-Fa-f]+$" }),
        ValueType::Date => json!({ "type": "string", "format": "date" }),
        ValueType::DateTime => json!({ "type": "string", "format": "date-time" }),
        ValueType::Email => json!({ "type": "string", "format": "email" }),
        ValueType::Object => json!({ "type": "object" }),
        ValueType::Array => json!({ "type": "array", "items": {} }),
        ValueType::Null => json!({ "nullable": true }),
        ValueType::Token | ValueType::String => json!({ "type": "string" }),
    }
}

fn responses(ep: &EndpointReport) -> Value {
    let content: Map<String, Value> = ep
        .response_content_types
        .iter()
        .map(|t| (t.clone(), json!({})))
        .collect();
    let mut out = Map::new();
    let mut odd = Vec::new();
    for &status in ep.statuses.keys() {
        // OpenAPI keys are three-digit codes 100-599; others go to `default`.
        if !(100..=599).contains(&status) {
            odd.push(status.to_string());
            continue;
        }
        let mut r = json!({ "description": format!("Status {status} was seen.") });
        if !content.is_empty() && !matches!(status, 204 | 304) {
            r["content"] = Value::Object(content.clone());
        }
        out.insert(status.to_string(), r);
    }
    if !odd.is_empty() {
        let text = format!("Statuses outside 100-599 were seen: {}.", odd.join(", "));
        out.insert("default".into(), json!({ "description": text }));
    }
    if out.is_empty() {
        out.insert(
            "default".into(),
            json!({ "description": "No response was seen." }),
        );
    }
    Value::Object(out)
}

fn request_body(ep: &EndpointReport) -> Option<Value> {
    if ep.request_content_types.is_empty() {
        return None;
    }
    let body: Vec<_> = ep
        .params
        .iter()
        .filter(|p| p.location == Location::Body)
        .collect();
    let mut schema = json!({ "type": "object" });
    if !body.is_empty() {
        let props: Map<String, Value> = body
            .iter()
            .map(|p| (p.name.clone(), self::schema(p.ty)))
            .collect();
        schema["properties"] = Value::Object(props);
        let required: Vec<&str> = body
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name.as_str())
            .collect();
        if !required.is_empty() {
            schema["required"] = json!(required);
        }
    }
    let content: Map<String, Value> = ep
        .request_content_types
        .iter()
        .map(|t| (t.clone(), json!({ "schema": schema })))
        .collect();
    Some(json!({ "content": content }))
}

/// Security requirements of an operation, adding the schemes to `schemes`.
fn security(auth: &[Auth], schemes: &mut Map<String, Value>) -> Vec<Value> {
    let mut reqs = Vec::new();
    let optional = auth.contains(&Auth::None);
    for a in auth {
        let (name, scheme) = match a {
            Auth::None => continue,
            Auth::Basic => (
                "basicAuth".into(),
                json!({"type": "http", "scheme": "basic"}),
            ),
            Auth::Digest => (
                "digestAuth".into(),
                json!({"type": "http", "scheme": "digest"}),
            ),
            Auth::Bearer => (
                "bearerAuth".into(),
                json!({"type": "http", "scheme": "bearer"}),
            ),
            Auth::BearerJwt { .. } => (
                "bearerJwt".into(),
                json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
            ),
            Auth::ApiKeyHeader { name } => key_scheme("header", name),
            Auth::ApiKeyQuery { name } => key_scheme("query", name),
            Auth::SessionCookie { name } => key_scheme("cookie", name),
        };
        reqs.push(json!({ name.clone(): [] }));
        schemes.insert(name, scheme);
    }
    if optional && !reqs.is_empty() {
        reqs.push(json!({}));
    }
    reqs
}

fn key_scheme(location: &str, name: &str) -> (String, Value) {
    let id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    (
        format!("{location}_{id}"),
        json!({ "type": "apiKey", "in": location, "name": name }),
    )
}
