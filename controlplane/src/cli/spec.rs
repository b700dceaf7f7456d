//! `palisade spec load FILE --host HOST` and `spec list`: OpenAPI 3 specs
//! bound to hosts. The file (JSON or YAML) is read here and sent as JSON;
//! the control plane checks it, stores it and sends it to the dataplanes.

use std::path::Path;
use std::process::ExitCode;

use palisade_proto::{Request, Response};
use serde_json::Value;

use super::{output, print_json, tri, unexpected, Ctx, FAILED};

/// A JSON or YAML document as JSON.
fn read_document(file: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    palisade_proto::spec_document(&text)
        .map_err(|e| format!("{}: neither JSON nor YAML: {e}", file.display()))
}

/// `spec load FILE --host HOST`.
pub fn load(ctx: &Ctx, file: &Path, host: &str) -> ExitCode {
    let document = match read_document(file) {
        Ok(d) => d,
        Err(e) => return ctx.fail(&format!("error: {e}"), FAILED),
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
