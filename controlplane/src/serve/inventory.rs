//! The API inventory over every dataplane: each dataplane's latest report
//! of a host (as stored) merged into one list of endpoints per host, and
//! one host's OpenAPI 3 document put together from the documents the
//! dataplanes sent.
//!
//! Endpoints merge by method and path template as each dataplane learned
//! them: counts and statuses add up, first and last seen widen, content
//! types, authentication schemes, sensitive kinds and parameters are
//! united. Two dataplanes that learned different templates for the same
//! paths (one saw too few ids to make a parameter) keep both endpoints.

use std::collections::BTreeMap;

use palisade_proto::MergedHost;
use serde_json::{json, Map, Value};

use super::store::StoredInventory;

/// Every host in `rows`, its endpoints merged over dataplanes.
pub fn merge(rows: &[StoredInventory]) -> Vec<MergedHost> {
    let mut hosts: BTreeMap<&str, MergedHost> = BTreeMap::new();
    for row in rows {
        let host = hosts.entry(&row.host).or_insert_with(|| MergedHost {
            host: row.host.clone(),
            dataplanes: Vec::new(),
            requests: 0,
            endpoints: Vec::new(),
        });
        host.dataplanes.push(row.dataplane.clone());
        host.requests += row.report["requests"].as_u64().unwrap_or(0);
        let endpoints = row.report["endpoints"].as_array().cloned();
        for mut ep in endpoints.unwrap_or_default() {
            if !ep.is_object() {
                continue;
            }
            let found = host
                .endpoints
                .iter_mut()
                .find(|e| e["method"] == ep["method"] && e["path"] == ep["path"]);
            match found {
                Some(acc) => merge_endpoint(acc, &ep, &row.dataplane),
                None => {
                    ep["dataplanes"] = json!([row.dataplane]);
                    host.endpoints.push(ep);
                }
            }
        }
    }
    let mut out: Vec<MergedHost> = hosts.into_values().collect();
    for h in &mut out {
        h.endpoints.sort_by(|a, b| {
            let key = |e: &Value| (e["path"].to_string(), e["method"].to_string());
            key(a).cmp(&key(b))
        });
    }
    out
}

fn merge_endpoint(acc: &mut Value, ep: &Value, dataplane: &str) {
    for field in ["count", "no_response"] {
        acc[field] = json!(acc[field].as_u64().unwrap_or(0) + ep[field].as_u64().unwrap_or(0));
    }
    if let Some(statuses) = ep["statuses"].as_object() {
        for (code, n) in statuses {
            let had = acc["statuses"][code].as_u64().unwrap_or(0);
            acc["statuses"][code] = json!(had + n.as_u64().unwrap_or(0));
        }
    }
    widen(acc, ep, "first_seen", std::cmp::Ordering::Less);
    widen(acc, ep, "last_seen", std::cmp::Ordering::Greater);
    for field in ["request_content_types", "response_content_types", "auth"] {
        unite(&mut acc[field], &ep[field]);
    }
    for side in ["request", "response"] {
        unite(&mut acc["sensitive"][side], &ep["sensitive"][side]);
    }
    merge_params(&mut acc["params"], &ep["params"]);
    merge_latency(&mut acc["latency_us"], &ep["latency_us"]);
    if acc["compliance"].is_null() && !ep["compliance"].is_null() {
        acc["compliance"] = ep["compliance"].clone();
    }
    unite(&mut acc["dataplanes"], &json!([dataplane]));
}

/// Keeps the earlier (or later) of two times (RFC 3339 text sorts as time).
fn widen(acc: &mut Value, ep: &Value, field: &str, keep: std::cmp::Ordering) {
    if let (Some(a), Some(b)) = (acc[field].as_str(), ep[field].as_str()) {
        if b.cmp(a) == keep {
            acc[field] = json!(b);
        }
    }
}

/// Adds the items of `more` that `acc` does not hold.
fn unite(acc: &mut Value, more: &Value) {
    if !acc.is_array() {
        *acc = json!([]);
    }
    let (Some(list), Some(more)) = (acc.as_array_mut(), more.as_array()) else {
        return;
    };
    for item in more {
        if !list.contains(item) {
            list.push(item.clone());
        }
    }
}

/// Parameters by name and location: counts add up, a parameter is
/// required only when every dataplane saw it on every request, and
/// differing types widen to `string`.
fn merge_params(acc: &mut Value, more: &Value) {
    if !acc.is_array() {
        *acc = json!([]);
    }
    let (Some(list), Some(more)) = (acc.as_array_mut(), more.as_array()) else {
        return;
    };
    for p in more {
        let same = list
            .iter_mut()
            .find(|q| q["name"] == p["name"] && q["in"] == p["in"]);
        let Some(q) = same else {
            let mut p = p.clone();
            // Not seen by the others at all.
            p["required"] = json!(false);
            list.push(p);
            continue;
        };
        q["count"] = json!(q["count"].as_u64().unwrap_or(0) + p["count"].as_u64().unwrap_or(0));
        q["required"] = json!(q["required"] == true && p["required"] == true);
        if q["type"] != p["type"] {
            q["type"] = json!("string");
        }
    }
}

fn merge_latency(acc: &mut Value, more: &Value) {
    let n = |v: &Value, f: &str| v[f].as_u64().unwrap_or(0);
    if more.is_null() {
        return;
    }
    if acc.is_null() {
        *acc = more.clone();
        return;
    }
    let samples = n(acc, "samples") + n(more, "samples");
    let sum = n(acc, "mean") * n(acc, "samples") + n(more, "mean") * n(more, "samples");
    *acc = json!({
        "mean": sum.checked_div(samples).unwrap_or(0),
        "max": n(acc, "max").max(n(more, "max")),
        "samples": samples,
    });
}

/// The OpenAPI document of `host` (the host with most requests without
/// one): the document of the dataplane that saw most of its requests,
/// with the operations and security schemes only the others saw added.
pub fn openapi(rows: &[StoredInventory], host: Option<&str>) -> Result<(String, Value), String> {
    let mut requests: BTreeMap<&str, u64> = BTreeMap::new();
    for r in rows {
        *requests.entry(&r.host).or_default() += r.report["requests"].as_u64().unwrap_or(0);
    }
    let host = match host {
        Some(h) if requests.contains_key(h) => h.to_owned(),
        Some(h) => return Err(format!("no dataplane has seen traffic to host {h}")),
        None => match requests.iter().max_by_key(|(_, n)| **n) {
            Some((h, _)) => (*h).to_owned(),
            None => return Err("no dataplane has sent an inventory yet".into()),
        },
    };
    let mut docs: Vec<&StoredInventory> = rows
        .iter()
        .filter(|r| r.host == host && r.openapi.is_object())
        .collect();
    docs.sort_by_key(|r| std::cmp::Reverse(r.report["requests"].as_u64().unwrap_or(0)));
    let Some((first, others)) = docs.split_first() else {
        return Err(format!("no OpenAPI document was sent for host {host}"));
    };
    let mut doc = first.openapi.clone();
    for (i, other) in others.iter().enumerate() {
        add_operations(&mut doc, &other.openapi, i + 1);
    }
    Ok((host, doc))
}

/// Adds the operations of `other` that `doc` lacks; their operation ids
/// get the prefix `dpN_` so that ids stay unique.
fn add_operations(doc: &mut Value, other: &Value, n: usize) {
    if let Some(paths) = other["paths"].as_object() {
        for (path, ops) in paths {
            let Some(ops) = ops.as_object() else { continue };
            if !doc["paths"][path].is_object() {
                doc["paths"][path] = Value::Object(Map::new());
            }
            for (method, op) in ops {
                if doc["paths"][path].get(method).is_none() {
                    let mut op = op.clone();
                    if let Some(id) = op["operationId"].as_str() {
                        op["operationId"] = json!(format!("dp{n}_{id}"));
                    }
                    doc["paths"][path][method] = op;
                }
            }
        }
    }
    if let Some(schemes) = other["components"]["securitySchemes"].as_object() {
        for (name, s) in schemes {
            if doc["components"]["securitySchemes"].get(name).is_none() {
                if !doc["components"].is_object() {
                    doc["components"] = json!({});
                }
                doc["components"]["securitySchemes"][name] = s.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use palisade_proto::HostInventory;
    use serde_json::json;

    use super::super::store::Store;
    use super::*;

    fn host(requests: u64, endpoints: Value, paths: Value) -> HostInventory {
        HostInventory {
            host: "api.example".into(),
            report: json!({"host": "api.example", "requests": requests, "endpoints": endpoints}),
            openapi: json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                            "paths": paths}),
        }
    }

    fn users(count: u64, status: &str, first: &str, last: &str, auth: Value) -> Value {
        json!({
            "method": "GET", "path": "/users/{id}", "count": count, "no_response": 0,
            "statuses": {status: count}, "first_seen": first, "last_seen": last,
            "auth": auth, "sensitive": {"request": [], "response": ["email"]},
            "request_content_types": [], "response_content_types": ["application/json"],
            "path_params": [{"name": "id", "type": "integer", "distinct_values": count}],
            "params": [{"name": "page", "in": "query", "type": "integer",
                        "required": true, "count": count}],
            "latency_us": {"mean": 100, "max": 300, "samples": count},
        })
    }

    #[test]
    fn the_store_keeps_the_latest_inventory_per_dataplane_and_host_and_merges_them() {
        let dir = std::env::temp_dir().join(format!("palisade-inv-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let mut store = Store::open(&dir).expect("open");
        let op = json!({"/users/{id}": {"get": {"operationId": "op0_get", "responses": {}}}});
        let first = users(
            1,
            "200",
            "2026-01-01T00:00:05Z",
            "2026-01-01T00:00:05Z",
            json!([]),
        );
        store
            .put_inventory("dp-a", &[host(1, json!([first]), op.clone())])
            .expect("put");
        // A later update of the same dataplane and host replaces the first.
        let a = users(
            3,
            "200",
            "2026-01-01T00:00:05Z",
            "2026-01-01T00:01:00Z",
            json!([]),
        );
        store
            .put_inventory("dp-a", &[host(3, json!([a]), op.clone())])
            .expect("put");
        let b = users(
            2,
            "404",
            "2026-01-01T00:00:01Z",
            "2026-01-01T00:00:30Z",
            json!([{"scheme": "basic"}]),
        );
        let post = json!({"/users": {"post": {"operationId": "op0_post", "responses": {}}}});
        store
            .put_inventory("dp-b", &[host(2, json!([b]), post)])
            .expect("put");
        let rows = store.inventory(Some("api.example")).expect("rows");
        assert_eq!(rows.len(), 2);
        assert!(store.inventory(Some("other")).expect("rows").is_empty());

        let merged = merge(&rows);
        assert_eq!(merged.len(), 1);
        let h = &merged[0];
        assert_eq!(h.dataplanes, ["dp-a", "dp-b"]);
        assert_eq!(h.requests, 5);
        assert_eq!(h.endpoints.len(), 1);
        let e = &h.endpoints[0];
        assert_eq!(e["count"], 5);
        assert_eq!(e["statuses"], json!({"200": 3, "404": 2}));
        assert_eq!(e["first_seen"], "2026-01-01T00:00:01Z");
        assert_eq!(e["last_seen"], "2026-01-01T00:01:00Z");
        assert_eq!(e["auth"], json!([{"scheme": "basic"}]));
        assert_eq!(e["params"][0]["count"], 5);
        assert_eq!(e["params"][0]["required"], true);
        assert_eq!(
            e["latency_us"],
            json!({"mean": 100, "max": 300, "samples": 5})
        );
        assert_eq!(e["dataplanes"], json!(["dp-a", "dp-b"]));

        // The busiest dataplane's document, with the other's operation added.
        let (name, doc) = openapi(&rows, None).expect("doc");
        assert_eq!(name, "api.example");
        assert_eq!(doc["paths"]["/users/{id}"]["get"]["operationId"], "op0_get");
        assert_eq!(
            doc["paths"]["/users"]["post"]["operationId"],
            "dp1_op0_post"
        );
        let err = openapi(&rows, Some("nope")).expect_err("unknown host");
        assert!(err.contains("nope"), "{err}");

        // The inventory outlives a restart.
        drop(store);
        let store = Store::open(&dir).expect("reopen");
        assert_eq!(store.inventory(None).expect("rows"), rows);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
