//! The optional inventory and spec messages against a real `palisade
//! serve`: a registration without `features` (an older dataplane) gets
//! no welcome and no specs; one listing them is welcomed, gets the bound
//! specs on connect and on each `spec load`, and its inventory updates of
//! two dataplanes merge in `inventory list` and survive a restart of the
//! control plane (SQLite). `spec load` of a YAML spec stores it as JSON.

use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use palisade_proto::{
    read_frame, write_frame, FrameError, HostInventory, InventoryUpdate, Message, Register,
    FEATURE_INVENTORY, FEATURE_SPEC,
};
use palisade_tests::control::ControlPlane;
use palisade_tests::{root, scratch};
use serde_json::json;

fn connect(cp: &ControlPlane, id: &str, features: &[&str]) -> UnixStream {
    let s = UnixStream::connect(&cp.socket).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(1500)))
        .expect("timeout");
    let register = Register {
        id: id.into(),
        version: "0.1.0".into(),
        cores: vec![1],
        ports: vec!["client".into()],
        mode: "tap".into(),
        running: None,
        features: features.iter().map(|f| (*f).to_owned()).collect(),
    };
    write_frame(&mut &s, &Message::Register(register)).expect("register");
    s
}

/// The next frame, or none within the read timeout.
fn next(s: &UnixStream) -> Option<Message> {
    match read_frame(&mut &*s) {
        Ok(m) => Some(m),
        Err(FrameError::Io(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            None
        }
        Err(e) => panic!("read: {e}"),
    }
}

fn update(requests: u64, count: u64, status: &str) -> Message {
    let endpoint = json!({
        "method": "GET", "path": "/users/{users_id}", "count": count, "no_response": 0,
        "statuses": {status: count}, "first_seen": "2026-01-01T00:00:00Z",
        "last_seen": "2026-01-01T00:00:09Z", "auth": [], "params": [], "path_params": [],
        "sensitive": {"request": [], "response": []},
        "request_content_types": [], "response_content_types": [],
    });
    Message::Inventory(InventoryUpdate {
        hosts: vec![HostInventory {
            host: "api.example".into(),
            report: json!({"host": "api.example", "requests": requests, "endpoints": [endpoint]}),
            openapi: json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                            "paths": {"/users/{users_id}": {"get": {"operationId": "op0_get",
                            "responses": {"200": {"description": "seen"}}}}}}),
        }],
    })
}

fn endpoint(cp: &ControlPlane) -> serde_json::Value {
    cp.json(&["inventory", "list"])["hosts"][0]["endpoints"][0].clone()
}

#[test]
fn features_are_negotiated_and_inventories_merge() {
    let dir = scratch("cp-inventory");
    let mut cp = ControlPlane::start(&dir);
    let spec = root().join("tests/data/inventory/httpbin-subset.yaml");
    let out = cp.run(&[
        "spec",
        "load",
        spec.to_str().expect("utf-8"),
        "--host",
        "API.example",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // An older dataplane: nothing it does not know.
    let old = connect(&cp, "old", &[]);
    assert_eq!(next(&old), None);

    // A newer one: welcomed, then the bound spec (host lowercased, YAML as JSON).
    let a = connect(&cp, "dp-a", &[FEATURE_INVENTORY, FEATURE_SPEC, "teleport"]);
    let Some(Message::Welcome(w)) = next(&a) else {
        panic!("no welcome")
    };
    assert_eq!(w.features, [FEATURE_INVENTORY, FEATURE_SPEC]);
    let Some(Message::Specs(set)) = next(&a) else {
        panic!("no specs")
    };
    assert_eq!(set.specs.len(), 1);
    assert_eq!(set.specs[0].host, "api.example");
    assert_eq!(set.specs[0].document["openapi"], "3.0.3");
    let codes = &set.specs[0].document["paths"]["/status/{codes}"]["get"]["parameters"][0];
    assert_eq!(codes["schema"]["type"], "integer", "{codes}");
    // A YAML status key (a number) becomes text.
    assert!(set.specs[0].document["paths"]["/json"]["get"]["responses"]["200"].is_object());
    // A load reaches it (and not the older one).
    let out = cp.json(&[
        "spec",
        "load",
        spec.to_str().expect("utf-8"),
        "--host",
        "b.example",
    ]);
    assert_eq!(out["sent_to"], json!(["dp-a"]), "{out}");
    let Some(Message::Specs(set)) = next(&a) else {
        panic!("no specs after load")
    };
    assert_eq!(set.specs.len(), 2);
    assert_eq!(next(&old), None);

    // Two dataplanes' inventories of one host merge.
    write_frame(&mut &a, &update(2, 2, "200")).expect("update");
    write_frame(&mut &a, &update(3, 3, "200")).expect("update");
    let b = connect(&cp, "dp-b", &[FEATURE_INVENTORY]);
    write_frame(&mut &b, &update(1, 1, "404")).expect("update");
    let start = Instant::now();
    while endpoint(&cp)["count"] != 4 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{}",
            endpoint(&cp)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let e = endpoint(&cp);
    assert_eq!(e["statuses"], json!({"200": 3, "404": 1}));
    assert_eq!(e["dataplanes"], json!(["dp-a", "dp-b"]));
    drop((a, b, old));

    // Kept across a restart.
    cp.kill();
    cp.restart();
    assert_eq!(endpoint(&cp)["count"], 4);
    let doc = dir.join("api.json");
    let out = cp.run(&[
        "inventory",
        "export",
        "--openapi",
        doc.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&doc).expect("read")).expect("json");
    assert_eq!(
        doc["paths"]["/users/{users_id}"]["get"]["operationId"],
        "op0_get"
    );
    let none = cp.run(&[
        "inventory",
        "export",
        "--openapi",
        "/dev/null",
        "--host",
        "x.example",
    ]);
    assert_eq!(none.status.code(), Some(3));
    cp.stop();
}
