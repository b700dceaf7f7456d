//! `palisade inventory list | show | export`: the API inventory the
//! control plane merged from its dataplanes, as a table, one endpoint in
//! detail, or one host's OpenAPI 3 document written to a file.

use std::path::Path;
use std::process::ExitCode;

use palisade_proto::{MergedHost, Request, Response};
use serde_json::Value;

use super::{output, print_json, tri, unexpected, Ctx, FAILED, NOT_FOUND};

fn hosts(ctx: &Ctx, host: Option<String>) -> Result<Vec<MergedHost>, ExitCode> {
    match ctx.ask(Request::Inventory { host })? {
        Response::Inventory { hosts } => Ok(hosts),
        _ => Err(unexpected()),
    }
}

/// A list of text items (`auth` entries are objects: their `scheme`).
fn items(v: &Value) -> String {
    let names: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    Value::Object(o) => o
                        .get("scheme")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_owned(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        "-".into()
    } else {
        names.join(",")
    }
}

fn statuses(v: &Value) -> String {
    let list: Vec<String> = v
        .as_object()
        .map(|m| m.iter().map(|(k, n)| format!("{k}:{n}")).collect())
        .unwrap_or_default();
    if list.is_empty() {
        "-".into()
    } else {
        list.join(",")
    }
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// `inventory list [--host H]`.
pub fn list(ctx: &Ctx, host: Option<String>) -> ExitCode {
    let hosts = tri!(hosts(ctx, host));
    if ctx.json {
        print_json(&Response::Inventory { hosts });
        return ExitCode::SUCCESS;
    }
    let mut rows = Vec::new();
    for h in &hosts {
        for e in &h.endpoints {
            let mut sensitive = items(&e["sensitive"]["request"]);
            let response = items(&e["sensitive"]["response"]);
            if response != "-" {
                sensitive = format!("{sensitive}/{response}");
            }
            rows.push(vec![
                h.host.clone(),
                text(&e["method"]),
                text(&e["path"]),
                text(&e["count"]),
                statuses(&e["statuses"]),
                items(&e["auth"]),
                sensitive,
                text(&e["first_seen"]),
                text(&e["last_seen"]),
            ]);
        }
    }
    output::table(
        &[
            "HOST",
            "METHOD",
            "PATH",
            "COUNT",
            "STATUSES",
            "AUTH",
            "SENSITIVE (REQ/RESP)",
            "FIRST SEEN",
            "LAST SEEN",
        ],
        &rows,
    );
    ExitCode::SUCCESS
}

/// `inventory show "METHOD /path/{template}" [--host H]`.
pub fn show(ctx: &Ctx, endpoint: &str, host: Option<String>) -> ExitCode {
    let Some((method, path)) = endpoint.trim().split_once(' ') else {
        let why = "an endpoint is METHOD and path template, as \"GET /users/{id}\"";
        return ctx.fail(why, super::USAGE);
    };
    let (method, path) = (method.to_ascii_uppercase(), path.trim());
    let hosts = tri!(hosts(ctx, host));
    let found: Vec<(&str, &Value)> = hosts
        .iter()
        .flat_map(|h| h.endpoints.iter().map(move |e| (h.host.as_str(), e)))
        .filter(|(_, e)| e["method"] == method.as_str() && e["path"] == path)
        .collect();
    if found.is_empty() {
        let why = format!("no endpoint {method} {path} in the inventory");
        return ctx.fail(&why, NOT_FOUND);
    }
    if ctx.json {
        let list: Vec<Value> = found
            .iter()
            .map(|(h, e)| serde_json::json!({"host": h, "endpoint": e}))
            .collect();
        print_json(&list);
        return ExitCode::SUCCESS;
    }
    for (host, e) in found {
        println!("{host} {method} {path}");
        println!(
            "  count {}, statuses {}",
            text(&e["count"]),
            statuses(&e["statuses"])
        );
        println!(
            "  first seen {}, last seen {}",
            text(&e["first_seen"]),
            text(&e["last_seen"])
        );
        println!("  auth {}", items(&e["auth"]));
        println!(
            "  sensitive: request {}, response {}",
            items(&e["sensitive"]["request"]),
            items(&e["sensitive"]["response"])
        );
        println!(
            "  content types: request {}, response {}",
            items(&e["request_content_types"]),
            items(&e["response_content_types"])
        );
        println!("  dataplanes {}", items(&e["dataplanes"]));
        let mut rows = Vec::new();
        for p in e["path_params"].as_array().into_iter().flatten() {
            rows.push(vec![
                format!("  {}", text(&p["name"])),
                "path".into(),
                text(&p["type"]),
                "true".into(),
                "-".into(),
            ]);
        }
        for p in e["params"].as_array().into_iter().flatten() {
            rows.push(vec![
                format!("  {}", text(&p["name"])),
                text(&p["in"]),
                text(&p["type"]),
                text(&p["required"]),
                text(&p["count"]),
            ]);
        }
        if !rows.is_empty() {
            output::table(&["  PARAMETER", "IN", "TYPE", "REQUIRED", "COUNT"], &rows);
        }
    }
    ExitCode::SUCCESS
}

/// `inventory export --openapi FILE [--host H]`.
pub fn export(ctx: &Ctx, file: &Path, host: Option<String>) -> ExitCode {
    let r = tri!(ctx.ask(Request::InventoryExport { host }));
    let Response::OpenApi { host, document } = &r else {
        return unexpected();
    };
    let text = match serde_json::to_string_pretty(document) {
        Ok(t) => t + "\n",
        Err(e) => return ctx.fail(&e.to_string(), FAILED),
    };
    if let Err(e) = std::fs::write(file, text) {
        return ctx.fail(&format!("--openapi {}: {e}", file.display()), FAILED);
    }
    if ctx.json {
        print_json(&serde_json::json!({"host": host, "file": file}));
    } else {
        let paths = document["paths"].as_object().map_or(0, |p| p.len());
        println!("{host}: {paths} paths written to {}", file.display());
    }
    ExitCode::SUCCESS
}
