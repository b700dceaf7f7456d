//! Templates from the distribution of values, observations of parsed
//! transactions, the OpenAPI export's shape, spec lookup and findings.

use std::net::SocketAddr;

use crate::http::{Body, Header, Method, Transaction};
use crate::inventory::{
    observe, openapi, Action, Auth, Compliance, FindingKind, Inventory, Location, Lookup,
    Observation, Policy, SensitiveKind, Spec, ValueType,
};

fn obs(method: &str, path: &str, t: u64) -> Observation {
    Observation {
        time_ns: t,
        host: "api.example".into(),
        method: method.into(),
        path: path.into(),
        params: Vec::new(),
        request_content_type: None,
        status: Some(200),
        response_content_type: Some("application/json".into()),
        auth: vec![Auth::None],
        request_sensitive: Default::default(),
        response_sensitive: Default::default(),
        latency_us: Some(100 + t),
    }
}

/// The learned `METHOD path` list.
fn learned(paths: &[(&str, &str, usize)]) -> Vec<String> {
    let mut inv = Inventory::new();
    let mut t = 0;
    for &(method, path, times) in paths {
        for _ in 0..times {
            t += 1;
            inv.add(&obs(method, path, t));
        }
    }
    let report = inv.report();
    report.hosts[0]
        .endpoints
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect()
}

#[test]
fn many_rare_ids_are_a_parameter_and_a_busy_name_stays() {
    let mut paths: Vec<(String, usize)> = (1..=20).map(|i| (format!("/users/{i}"), 1)).collect();
    paths.push(("/users/me".into(), 30));
    let list: Vec<(&str, &str, usize)> =
        paths.iter().map(|(p, n)| ("GET", p.as_str(), *n)).collect();
    assert_eq!(learned(&list), ["GET /users/me", "GET /users/{users_id}"]);
}

#[test]
fn versions_years_and_small_fanouts_stay_static() {
    let got = learned(&[
        ("GET", "/v1/orders", 3),
        ("GET", "/v2/orders", 3),
        ("GET", "/reports/2023", 10),
        ("GET", "/reports/2024", 10),
        ("GET", "/reports/2025", 10),
        ("GET", "/image/png", 1),
        ("GET", "/image/jpeg", 1),
        ("GET", "/image/webp", 1),
    ]);
    assert_eq!(
        got,
        [
            "GET /image/jpeg",
            "GET /image/png",
            "GET /image/webp",
            "GET /reports/2023",
            "GET /reports/2024",
            "GET /reports/2025",
            "GET /v1/orders",
            "GET /v2/orders",
        ]
    );
}

#[test]
fn unmistakable_ids_and_nested_parameters() {
    let got = learned(&[
        ("GET", "/files/123e4567-e89b-12d3-a456-426614174000", 1),
        ("DELETE", "/shops/1/items/9", 1),
        ("DELETE", "/shops/2/items/8", 1),
        ("DELETE", "/shops/3/items/7", 1),
        ("DELETE", "/shops/4/items/6", 1),
    ]);
    assert_eq!(
        got,
        [
            "GET /files/{files_id}",
            "DELETE /shops/{shops_id}/items/{items_id}",
        ]
    );
}

#[test]
fn figures_add_up_across_merged_paths() {
    let mut inv = Inventory::new();
    for i in 0..5u64 {
        let mut o = obs("GET", &format!("/orders/{}", 100 + i), 10 + i);
        o.params.push(crate::inventory::ParamSeen {
            name: "expand".into(),
            location: Location::Query,
            ty: ValueType::Boolean,
        });
        if i == 0 {
            o.status = Some(404);
            o.response_sensitive.insert(SensitiveKind::Email);
        }
        inv.add(&o);
    }
    let report = inv.report();
    let ep = &report.hosts[0].endpoints[0];
    assert_eq!(ep.path, "/orders/{orders_id}");
    assert_eq!(ep.path_params[0].ty, ValueType::Integer);
    assert_eq!(ep.path_params[0].distinct_values, 5);
    assert_eq!(ep.count, 5);
    assert_eq!(ep.statuses.get(&200), Some(&4));
    assert_eq!(ep.statuses.get(&404), Some(&1));
    assert!(ep.params[0].required);
    assert_eq!(
        ep.sensitive.response.iter().collect::<Vec<_>>(),
        [SensitiveKind::Email]
    );
    let latency = ep.latency_us.unwrap();
    assert_eq!((latency.mean, latency.max, latency.samples), (112, 114, 5));
    assert_eq!(ep.first_seen, "1970-01-01T00:00:00.000000+0000");
}

fn transaction() -> Transaction {
    let h = |n: &str, v: &str| Header {
        name: n.as_bytes().to_vec(),
        value: v.as_bytes().to_vec(),
    };
    Transaction {
        method: Method::Post,
        uri: b"/api/v1/users?limit=10&email=a%40example.com".to_vec(),
        request_headers: vec![
            h("Host", "API.Example:8080"),
            h("Content-Type", "application/json; charset=utf-8"),
            h("X-Request-Id", "123e4567-e89b-12d3-a456-426614174000"),
            h("Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ],
        request_body: Body {
            wire_len: 40,
            data: br#"{"name":"x","tags":["a"],"card":"4111111111111111"}"#.to_vec(),
            ..Body::default()
        },
        status: Some(201),
        response_headers: vec![h("Content-Type", "application/json")],
        response_body: Body {
            wire_len: 2,
            data: b"{}".to_vec(),
            ..Body::default()
        },
        request_started_ns: 1_000,
        request_done_ns: Some(2_000),
        response_started_ns: Some(52_000),
        ..Transaction::default()
    }
}

#[test]
fn a_transaction_becomes_a_compact_observation() {
    let server: SocketAddr = "10.0.0.2:8080".parse().unwrap();
    let o = observe(&transaction(), server);
    assert_eq!(o.host, "api.example");
    assert_eq!(o.method, "POST");
    assert_eq!(o.path, "/api/v1/users");
    assert_eq!(o.request_content_type.as_deref(), Some("application/json"));
    assert_eq!(o.status, Some(201));
    assert_eq!(o.auth, [Auth::Basic]);
    assert_eq!(o.latency_us, Some(50));
    let params: Vec<(&str, Location, ValueType)> = o
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.location, p.ty))
        .collect();
    assert_eq!(
        params,
        [
            ("card", Location::Body, ValueType::Integer),
            ("email", Location::Query, ValueType::Email),
            ("limit", Location::Query, ValueType::Integer),
            ("name", Location::Body, ValueType::String),
            ("tags", Location::Body, ValueType::Array),
            ("x-request-id", Location::Header, ValueType::Uuid),
        ]
    );
    let req: Vec<SensitiveKind> = o.request_sensitive.iter().collect();
    assert_eq!(req, [SensitiveKind::CardNumber, SensitiveKind::Email]);
    assert!(o.response_sensitive.is_empty());
    // Nothing of the values travels in the observation.
    let text = serde_json::to_string(&o).unwrap();
    assert!(
        !text.contains("4111") && !text.contains("a@example"),
        "{text}"
    );
    let back: Observation = serde_json::from_str(&text).unwrap();
    assert_eq!(back, o);
}

#[test]
fn sensitive_path_segments_are_masked() {
    let server: SocketAddr = "10.0.0.2:80".parse().unwrap();
    let mut tx = transaction();
    tx.uri = b"/cards/4111111111111111/owner/jane%40example.com/v1".to_vec();
    let o = observe(&tx, server);
    assert_eq!(o.path, "/cards/************1111/owner/************.com/v1");
    assert!(o.request_sensitive.contains(SensitiveKind::CardNumber));
}

#[test]
fn openapi_export_has_paths_parameters_bodies_and_security() {
    let server: SocketAddr = "10.0.0.2:8080".parse().unwrap();
    let mut inv = Inventory::new();
    inv.add(&observe(&transaction(), server));
    let doc = openapi::openapi(&inv.report().hosts[0]);
    assert_eq!(doc["openapi"], "3.0.3");
    let op = &doc["paths"]["/api/v1/users"]["post"];
    assert_eq!(
        op["responses"]["201"]["content"]["application/json"],
        serde_json::json!({})
    );
    let body = &op["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["properties"]["tags"]["type"], "array");
    assert_eq!(op["parameters"][0]["name"], "email");
    assert_eq!(op["parameters"][0]["schema"]["format"], "email");
    assert_eq!(op["security"], serde_json::json!([{ "basicAuth": [] }]));
    assert_eq!(
        doc["components"]["securitySchemes"]["basicAuth"]["scheme"],
        "basic"
    );
}

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example/v2"}]
paths:
  /items/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {200: {description: ok}, 4XX: {description: bad}}
  /items/latest:
    get:
      deprecated: true
      responses: {default: {description: any}}
"#;

#[test]
fn spec_lookup_prefers_static_segments_and_findings_follow_the_policy() {
    let doc: serde_json::Value = serde_yaml::from_str(SPEC).unwrap();
    let spec = Spec::from_document(&doc, "API.example").unwrap();
    assert!(matches!(
        spec.lookup("GET", "/v2/items/latest"),
        Lookup::Found {
            template: "/v2/items/latest",
            ..
        }
    ));
    assert!(matches!(
        spec.lookup("GET", "/v2/items/7"),
        Lookup::Found {
            template: "/v2/items/{id}",
            ..
        }
    ));
    assert!(matches!(
        spec.lookup("PUT", "/v2/items/7"),
        Lookup::NoMethod { .. }
    ));
    assert!(matches!(spec.lookup("GET", "/items/7"), Lookup::NoPath));

    let mut policy = Policy::default();
    policy.set_from("shadow_endpoint=block").unwrap();
    assert!(policy.set_from("shadow=block").is_err());
    assert!(policy.set_from("zombie_endpoint=drop").is_err());
    let mut c = Compliance::new(vec![spec], policy);
    let mut o = obs("GET", "/v2/items/7", 1);
    o.host = "api.example".into();
    assert!(c.check(&o).is_empty());
    o.status = Some(404);
    assert!(c.check(&o).is_empty(), "4XX is documented");
    o.status = Some(500);
    let f = c.check(&o);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].kind, f[0].action),
        (FindingKind::UndocumentedStatus, Action::Alert)
    );
    o.path = "/v2/items/seven".into();
    o.status = Some(200);
    let f = c.check(&o);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].kind, FindingKind::WrongParameterType);
    assert_eq!(f[0].parameter.as_deref(), Some("id"));
    o.path = "/v2/orders/1".into();
    let f = c.check(&o);
    assert_eq!(
        (f[0].kind, f[0].action),
        (FindingKind::ShadowEndpoint, Action::Block)
    );
    o.path = "/v2/orders/2".into();
    assert!(c.check(&o).is_empty(), "a shadow endpoint is reported once");
    o.path = "/v2/items/latest".into();
    o.status = Some(200);
    assert_eq!(c.check(&o)[0].kind, FindingKind::ZombieEndpoint);
    o.host = "other.example".into();
    o.path = "/nowhere".into();
    assert!(c.check(&o).is_empty(), "hosts without a spec give nothing");
}

#[test]
fn documents_that_are_not_openapi_3_are_refused() {
    let swagger = serde_json::json!({"swagger": "2.0", "paths": {}});
    let err = Spec::from_document(&swagger, "h").unwrap_err().to_string();
    assert!(err.contains("not an OpenAPI 3 document"), "{err}");
    let no_paths = serde_json::json!({"openapi": "3.1.0"});
    let err = Spec::from_document(&no_paths, "h").unwrap_err().to_string();
    assert!(err.contains("/paths"), "{err}");
}
