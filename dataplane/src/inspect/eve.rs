//! The EVE `http` event of a transaction: Suricata's field names where one
//! exists (`hostname`, `url`, `http_method`, `status`, `length`, header
//! lists, base64 bodies), and Palisade's additions beside them (`normalized`
//! path, query parameters and evasion flags; body sizes and encodings;
//! protocol `anomalies`).

use base64::Engine;
use serde_json::{json, Map, Value};

use super::HttpRecord;
use crate::events::timestamp;
use crate::http::normalize::{normalize_path, parse_query, split_target, Flags, Limits};
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
    let mut event = envelope(r, "http");
    event["http"] = http_object(tx, opts);
    event
}

/// One EVE `anomaly` event per protocol anomaly of `r`'s transaction
/// (`anomaly.type: applayer`, `app_proto: http`, `event`: its name).
pub fn anomaly_events(r: &HttpRecord) -> Vec<Value> {
    let tx = &r.tx;
    tx.anomalies
        .iter()
        .map(|a| {
            let mut event = envelope(r, "anomaly");
            event["anomaly"] = json!({
                "type": "applayer",
                "app_proto": "http",
                "layer": "proto_parser",
                "event": a.name(),
            });
            event
        })
        .collect()
}

/// The fields every event of a transaction starts with.
pub fn envelope(r: &HttpRecord, event_type: &str) -> Value {
    json!({
        "timestamp": timestamp(r.tx.request_started_ns),
        "flow_id": r.flow_id.0,
        "event_type": event_type,
        "src_ip": r.ends.client.ip(),
        "src_port": r.ends.client.port(),
        "dest_ip": r.ends.server.ip(),
        "dest_port": r.ends.server.port(),
        "proto": "TCP",
        "tx_id": r.tx.index,
    })
}

fn http_object(tx: &Transaction, opts: HttpEventOptions) -> Value {
    let mut http = Map::new();
    let mut put = |k: &str, v: Value| {
        http.insert(k.to_owned(), v);
    };
    if let Some((host, port)) = tx.hostname().map(split_host) {
        put("hostname", host.into());
        if let Some(port) = port {
            put("http_port", port.into());
        }
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
    for (field, header) in [
        ("http_content_type", "content-type"),
        ("redirect", "location"),
    ] {
        if let Some(v) = tx.response_header(header) {
            put(field, text(v).into());
        }
    }
    put("length", tx.response_body.wire_len.into());
    put("normalized", normalized(tx));
    put("request_headers", headers(&tx.request_headers));
    put("response_headers", headers(&tx.response_headers));
    put("request_body", body_summary(&tx.request_body));
    put("response_body", body_summary(&tx.response_body));
    if !tx.anomalies.is_empty() {
        let names: Vec<_> = tx.anomalies.iter().map(|a| a.name()).collect();
        put("anomalies", names.into());
    }
    put("end", format!("{:?}", tx.end).to_lowercase().into());
    if let Some(done) = tx.response_done_ns {
        put(
            "duration_us",
            (done.saturating_sub(tx.request_started_ns) / 1_000).into(),
        );
    }
    if opts.bodies {
        put("http_request_body", base64(&tx.request_body.data).into());
        put("http_response_body", base64(&tx.response_body.data).into());
    }
    Value::Object(http)
}

/// The request target as a server sees it: path with dot segments and
/// encodings resolved, query parameters decoded, and what was odd.
fn normalized(tx: &Transaction) -> Value {
    let target = split_target(&tx.uri);
    let (path, mut flags) = normalize_path(target.path);
    let (query, query_flags) = match target.query {
        Some(q) => parse_query(q, &Limits::default()),
        None => (Vec::new(), Flags::EMPTY),
    };
    flags |= query_flags;
    let query: Vec<Value> = query
        .iter()
        .map(|p| json!({ "name": text(&p.name), "value": text(&p.value) }))
        .collect();
    let flags: Vec<&str> = flags.iter().map(|f| f.name()).collect();
    json!({ "path": text(&path), "query": query, "flags": flags })
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

/// The host name of a Host value (lowercase, IPv6 literals keep their
/// brackets) and its port, if one is given and valid.
pub(super) fn split_host(host: &[u8]) -> (String, Option<u16>) {
    let host = text(host).trim().to_ascii_lowercase();
    let port_at = match host.rfind(']') {
        Some(end) => host[end..].find(':').map(|i| end + i),
        None => host.rfind(':'),
    };
    match port_at {
        Some(at) => {
            let port = host[at + 1..].parse().ok();
            (host[..at].to_owned(), port)
        }
        None => (host, None),
    }
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

#[cfg(test)]
mod tests {
    use super::split_host;

    #[test]
    fn host_values_split_as_rfc_9110_section_7_2_writes_them() {
        assert_eq!(split_host(b"Example.COM"), ("example.com".into(), None));
        assert_eq!(
            split_host(b"example.com:8080"),
            ("example.com".into(), Some(8080))
        );
        assert_eq!(split_host(b"[::1]:8000"), ("[::1]".into(), Some(8000)));
        assert_eq!(split_host(b"[fe80::1]"), ("[fe80::1]".into(), None));
        assert_eq!(split_host(b"host:99999"), ("host".into(), None));
    }
}
