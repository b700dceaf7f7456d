//! The API inventory through the control plane, in the lab: a real
//! dataplane linked to `palisade serve` learns the endpoints of curl's
//! requests to httpbin and sends them; `palisade inventory list` shows the
//! path templates, `inventory show` one endpoint, and `inventory export`
//! writes an OpenAPI 3 document that `openapi-spec-validator` accepts.
//! `palisade spec load` refuses a file that is not OpenAPI 3, binds
//! `tests/data/inventory/httpbin-subset.yaml` to httpbin's host and sends
//! it to the running dataplane: a request the spec calls wrong then gives
//! an `api` event in `palisade events --type api`, a clean one none.

use std::path::Path;
use std::time::Duration;

use palisade_tests::control::ControlPlane;
use palisade_tests::lab::{self, Lab, SERVER};
use palisade_tests::{exclusive, root, scratch};

/// The template of `/anything/users/<id>`: a parameter is named after the
/// segment before it (`dataplane/src/inventory/template.rs`).
const USERS: &str = "/anything/users/{users_id}";

fn config(socket: &Path) -> String {
    format!(
        "mode: inline\ncores: {{main: 0, workers: [1]}}\nmemory: {{hugepages: false, size_mb: 512}}\n\
         ports:\n  - {{name: client, device: 'net_af_packet0,iface=c0'}}\n  \
         - {{name: server, device: 'net_af_packet1,iface=s0'}}\n\
         control: {{socket: '{}', id: lab-inv}}\n",
        socket.display()
    )
}

/// curl from the client namespace; the HTTP status.
fn get(lab: &Lab, path: &str) -> String {
    lab.http_status(path, 3)
}

fn wait_until(what: &str, ok: impl FnMut() -> bool) {
    lab::wait_until(what, Duration::from_secs(40), ok);
}

/// The endpoints of SERVER's host as `inventory list --output json` gives them.
fn endpoints(cp: &ControlPlane) -> Vec<serde_json::Value> {
    let list = cp.json(&["inventory", "list", "--host", SERVER]);
    list["hosts"][0]["endpoints"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn find<'a>(
    eps: &'a [serde_json::Value],
    method: &str,
    path: &str,
) -> Option<&'a serde_json::Value> {
    eps.iter()
        .find(|e| e["method"] == method && e["path"] == path)
}

fn api_events(cp: &ControlPlane) -> Vec<serde_json::Value> {
    let e = cp.json(&["events", "--type", "api"]);
    e["events"]
        .as_array()
        .map(|a| a.iter().map(|s| s["event"].clone()).collect())
        .unwrap_or_default()
}

#[test]
fn the_control_plane_learns_the_inventory_and_binds_specs() {
    let _lock = exclusive();
    let dir = scratch("lab-inventory");
    let cp = ControlPlane::start(&dir);
    std::fs::write(dir.join("dataplane.yaml"), config(&cp.socket)).expect("config");
    let lab = Lab::up();
    let dp = lab.start_dataplane(&dir.join("dataplane.yaml"), &dir);
    wait_until("the dataplane registered", || {
        cp.json(&["status"])["dataplanes"][0]["connected"] == true
    });

    // Four different ids, each seen once: a path parameter.
    wait_until("httpbin answers", || {
        get(&lab, "/anything/users/123") == "200"
    });
    for id in ["456", "789", "1011"] {
        assert_eq!(get(&lab, &format!("/anything/users/{id}?page=2")), "200");
    }
    assert_eq!(get(&lab, "/get"), "200");
    wait_until("the inventory reached the control plane", || {
        let eps = endpoints(&cp);
        find(&eps, "GET", "/get").is_some()
            && find(&eps, "GET", USERS).is_some_and(|e| e["count"] == 4)
    });
    let eps = endpoints(&cp);
    let users = find(&eps, "GET", USERS).expect("users endpoint");
    assert_eq!(users["method"], "GET");
    assert_eq!(users["statuses"]["200"], 4, "{users}");
    assert_eq!(users["path_params"][0]["type"], "integer", "{users}");
    assert_eq!(users["dataplanes"], serde_json::json!(["lab-inv"]));
    // `page` came with three requests of four: not required.
    let page = users["params"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "page"))
        .expect("page parameter");
    assert_eq!(page["in"], "query");
    assert_eq!(page["required"], false);
    let template = users["path"].as_str().expect("path").to_owned();

    let shown = cp.run(&["inventory", "show", &format!("GET {template}")]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.status.success(), "{text}");
    assert!(text.contains("page") && text.contains("query"), "{text}");
    let missing = cp.run(&["inventory", "show", "GET /nowhere"]);
    assert_eq!(missing.status.code(), Some(3));

    let openapi = dir.join("openapi.json");
    let out = cp.run(&[
        "inventory",
        "export",
        "--openapi",
        openapi.to_str().expect("utf-8"),
        "--host",
        SERVER,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&openapi).expect("read")).expect("json");
    assert!(doc["paths"][&template]["get"].is_object(), "{doc}");
    palisade_tests::assert_valid_openapi(&openapi);

    // A file that is not OpenAPI 3 is refused, and nothing is bound.
    let bad = dir.join("swagger.json");
    std::fs::write(&bad, r#"{"swagger": "2.0", "info": {}, "paths": {}}"#).expect("write");
    let out = cp.run(&[
        "spec",
        "load",
        bad.to_str().expect("utf-8"),
        "--host",
        SERVER,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Swagger 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(cp.json(&["spec", "list"])["specs"], serde_json::json!([]));

    let spec = root().join("tests/data/inventory/httpbin-subset.yaml");
    let out = cp.run(&[
        "spec",
        "load",
        spec.to_str().expect("utf-8"),
        "--host",
        SERVER,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let specs = cp.json(&["spec", "list"]);
    assert_eq!(specs["specs"][0]["host"], SERVER, "{specs}");
    dp.wait_for_log(
        "specs from the control plane taken",
        Duration::from_secs(20),
    );

    // Clean by the spec: no event. `page` must be an integer: one event.
    assert_eq!(get(&lab, "/get?page=2"), "200");
    assert_eq!(get(&lab, "/get?page=abc"), "200");
    wait_until("the api event reached the control plane", || {
        api_events(&cp)
            .iter()
            .any(|e| e["api"]["kind"] == "wrong_parameter_type")
    });
    // Give a finding of the clean request time to arrive, were there one.
    std::thread::sleep(Duration::from_secs(2));
    let events = api_events(&cp);
    assert_eq!(events.len(), 1, "{events:?}");
    let api = &events[0]["api"];
    assert_eq!(api["kind"], "wrong_parameter_type");
    assert_eq!(api["parameter"], "page");
    assert_eq!(api["template"], "/get");
    assert_eq!(events[0]["dataplane"], "lab-inv");
    drop(dp);
    cp.stop();
}
