//! Fuzz target for the API inventory: any bytes through the sensitive data
//! scan (every match inside the input), value typing, the JWT header
//! reader, and as a transaction (target, one header, body) through the
//! observation, the aggregator, the OpenAPI export and a spec lookup.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::http::{Body, Header, Method, Transaction};
use palisade_dataplane::inventory::{
    jwt_alg, observe, openapi, sensitive, value, Inventory, Spec,
};

fn transaction(data: &[u8]) -> Transaction {
    let mut parts = data.splitn(3, |&b| b == b'\n');
    let uri = parts.next().unwrap_or_default().to_vec();
    let header = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default().to_vec();
    let (name, value) = match header.iter().position(|&b| b == b':') {
        Some(at) => (&header[..at], &header[at + 1..]),
        None => (header, &b""[..]),
    };
    Transaction {
        method: Method::Post,
        uri,
        request_headers: vec![
            Header { name: b"Content-Type".to_vec(), value: b"application/json".to_vec() },
            Header { name: name.to_vec(), value: value.to_vec() },
        ],
        request_body: Body { wire_len: body.len() as u64, data: body.clone(), ..Body::default() },
        status: Some(200),
        response_body: Body { wire_len: body.len() as u64, data: body, ..Body::default() },
        ..Transaction::default()
    }
}

fuzz_target!(|data: &[u8]| {
    sensitive::scan_each(data, |_, range| {
        assert!(range.start < range.end && range.end <= data.len());
    });
    let _ = value::classify(data);
    let _ = jwt_alg(data);
    let _ = sensitive::mask(data);

    let server = "10.0.0.1:80".parse().unwrap();
    let tx = transaction(data);
    let obs = observe(&tx, server);
    let mut inv = Inventory::new();
    inv.add(&obs);
    let mut other = obs.clone();
    other.path.push_str("/1");
    inv.add(&other);
    let report = inv.report();
    assert_eq!(report.observations, 2);
    for host in &report.hosts {
        let _ = openapi::openapi(host);
    }
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(spec) = Spec::from_document(&doc, "h") {
            let _ = spec.lookup("GET", &obs.path);
        }
    }
});
