//! The EVE `http` event of a transaction: Suricata's field names where one
//! exists (`hostname`, `url`, `http_method`, `status`, `length`, header
//! lists, base64 bodies), and Palisade's additions beside them (normalized
//! path and parameters, decoded body sizes, anomalies).

use base64::Engine;
use serde_json::{json, Map, Value};

use super::HttpRecord;
use crate::events::timestamp;
use crate::http::{Body, Header, Transaction, Version};

/// Options of the `http` event.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpEventOptions {
    /// Add the (decoded, bounded) bodies, base64, as `http_request_body`
    /// and `http_response_body`.
    pub bodies: bool,
}

/// The whole event for `r`.
pub fn http_event(r: &HttpRecord, opts: HttpEventOptions) -> Value {
    let tx = &r.tx;
    json!({
        "timestamp": timestamp(tx.request_started_ns),
        "flow_id": r.flow_id.0,
        "event_type": "http",
        "src_ip": r.ends.client.ip(),
        "src_port": r.ends.client.port(),
        "dest_ip": r.ends.server.ip(),
        "dest_port": r.ends.server.port(),
        "proto": "TCP",
        "tx_id": tx.index,
        "http": http_object(tx, opts),
    })
}

fn http_object(tx: &Transaction, opts: HttpEventOptions) -> Value {
    let mut http = Map::new();
    let mut put = |k: &str, v: Value| {
        http.insert(k.to_owned(), v);
    };
    if let Some(host) = tx.hostname() {
        put("hostname", text(host).into());
    }
    put("url", text(&tx.uri).into());
    put("http_method", text(tx.method.as_bytes()).into());
    put("protocol", version(tx.request_version).into());
    for (field, header) in [
        ("http_user_agent", "user-agent"),
        ("http_refer", "referer"),
        ("xff", "x-forwarded-for"),
    ] {
        if let Some(v) = tx.request_header(header) {
            put(field, text(v).into());
        }
    }
    if let Some(status) = tx.status {
        put("status", status.into());
    }
    for (field, header) in [("http_content_type", "content-type"), ("redirect", "location")] {
        if let Some(v) = tx.response_header(header) {
            put(field, text(v).into());
        }
    }
    put("length", tx.response_body.wire_len.into());
    put("request_headers", headers(&tx.request_headers));
    put("response_headers", headers(&tx.response_headers));
    put("request_body", body_summary(&tx.request_body));
    put("response_body", body_summary(&tx.response_body));
    if !tx.anomalies.is_empty() {
        let names: Vec<_> = tx.anomalies.iter().map(|a| a.name()).collect();
        put("anomalies", names.into());
    }
    put("end", format!("{:?}", tx.end).to_lowercase().into());
    if opts.bodies {
        put("http_request_body", base64(&tx.request_body.data).into());
        put("http_response_body", base64(&tx.response_body.data).into());
    }
    Value::Object(http)
}

fn headers(list: &[Header]) -> Value {
    list.iter()
        .map(|h| json!({ "name": text(&h.name), "value": text(&h.value) }))
        .collect()
}

fn body_summary(b: &Body) -> Value {
    let encodings: Vec<String> = b
        .encodings
        .iter()
        .map(|e| format!("{e:?}").to_lowercase())
        .collect();
    json!({
        "length": b.wire_len,
        "decoded_length": b.decoded_len,
        "truncated": b.truncated,
        "gaps": b.gaps,
        "encodings": encodings,
    })
}

/// A version as written on the wire (empty when there was none).
fn version(v: Version) -> String {
    match v {
        Version::Http09 => "HTTP/0.9".into(),
        Version::Http10 => "HTTP/1.0".into(),
        Version::Http11 => "HTTP/1.1".into(),
        Version::Other(major, minor) => format!("HTTP/{major}.{minor}"),
        Version::Invalid => String::new(),
    }
}

/// Bytes as JSON text: UTF-8 kept, anything else replaced.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
