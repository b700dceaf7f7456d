//! `palisade spec load FILE --host HOST` and `spec list`: OpenAPI 3 specs
//! bound to hosts. The file (JSON or YAML) is read here and sent as JSON;
//! the control plane checks it, stores it and sends it to the dataplanes.

use std::path::Path;
use std::process::ExitCode;

use palisade_proto::{Request, Response};
use serde_json::Value;

use super::{output, print_json, tri, unexpected, Ctx, FAILED};

/// A JSON or YAML document as JSON (YAML keys that are not text, as the
/// status codes of `responses`, become their text).
fn read_document(file: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    if let Ok(v) = serde_json::from_str(&text) {
        return Ok(v);
    }
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text)
        .map_err(|e| format!("{}: neither JSON nor YAML: {e}", file.display()))?;
    Ok(yaml_to_json(yaml))
}

fn yaml_to_json(v: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => serde_yaml::to_string(&other)
                            .unwrap_or_default()
                            .trim()
                            .to_owned(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => yaml_to_json(t.value),
    }
}

/// `spec load FILE --host HOST`.
pub fn load(ctx: &Ctx, file: &Path, host: &str) -> ExitCode {
    let document = match read_document(file) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("palisade: error: {e}");
            return ExitCode::from(FAILED);
        }
    };
    let req = Request::SpecLoad {
        host: host.to_owned(),
        name: file.display().to_string(),
        document,
    };
    let r = tri!(ctx.ask(req));
    let Response::SpecLoaded { host, sent_to } = &r else {
        return unexpected();
    };
    if ctx.json {
        print_json(&r);
    } else {
        println!(
            "spec {} bound to {host}, sent to {} dataplane(s)",
            file.display(),
            sent_to.len()
        );
    }
    ExitCode::SUCCESS
}

/// `spec list`.
pub fn list(ctx: &Ctx) -> ExitCode {
    let r = tri!(ctx.ask(Request::SpecList));
    let Response::Specs { specs } = &r else {
        return unexpected();
    };
    if ctx.json {
        print_json(&r);
        return ExitCode::SUCCESS;
    }
    let rows: Vec<Vec<String>> = specs
        .iter()
        .map(|s| vec![s.host.clone(), s.name.clone(), s.loaded_at.clone()])
        .collect();
    output::table(&["HOST", "SPEC", "LOADED"], &rows);
    ExitCode::SUCCESS
}
