//! OpenAPI 3 specs bound to hosts: the check a document passes before it
//! is stored, and the set sent to dataplanes (on connect and on each
//! `spec load`), which check each transaction to a bound host against it.

use serde_json::Value;

/// Refuses what is not an OpenAPI 3 document: `openapi: 3.x`, an `info`
/// object with `title` and `version`, `paths` an object whose keys start
/// with `/` and whose items are objects.
pub fn check(doc: &Value) -> Result<(), String> {
    let Some(doc) = doc.as_object() else {
        return Err("not an OpenAPI 3 document: the top is not an object".into());
    };
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.") => {}
        Some(v) => return Err(format!("/openapi: {v:?} is not an OpenAPI 3 version")),
        None if doc.contains_key("swagger") => {
            return Err("Swagger 2 documents are not supported; OpenAPI 3 is".into())
        }
        None => return Err("/openapi: missing (not an OpenAPI 3 document)".into()),
    }
    let info = doc.get("info").and_then(Value::as_object);
    for field in ["title", "version"] {
        if !info.is_some_and(|i| i.get(field).is_some_and(Value::is_string)) {
            return Err(format!("/info/{field}: missing or not text"));
        }
    }
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Err("/paths: missing or not an object".into());
    };
    for (path, item) in paths {
        if !path.starts_with('/') {
            return Err(format!("/paths/{path}: a path must start with `/`"));
        }
        if !item.is_object() {
            return Err(format!("/paths/{path}: not an object"));
        }
    }
    let root = Value::Object(doc.clone());
    check_refs(&root, &root, &mut String::new())
}

/// Every `$ref` must point into the document itself (`#/...`, a JSON
/// pointer after RFC 6901) at something that is there: a dangling one
/// would leave its operation unchecked without a word.
fn check_refs(root: &Value, v: &Value, at: &mut String) -> Result<(), String> {
    match v {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref") {
                let Some(target) = target.as_str() else {
                    return Err(format!("{at}/$ref: not text"));
                };
                let Some(pointer) = target.strip_prefix('#') else {
                    return Err(format!(
                        "{at}/$ref: {target:?} points outside the document; \
                         only local references (#/...) are supported"
                    ));
                };
                if root.pointer(pointer).is_none() {
                    return Err(format!("{at}/$ref: {target:?} points at nothing"));
                }
            }
            for (k, item) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                check_refs(root, item, at)?;
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                check_refs(root, item, at)?;
                at.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::check;

    #[test]
    fn only_openapi_3_documents_pass() {
        let good = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                          "paths": {"/users/{id}": {"get": {"responses": {}}}}});
        assert_eq!(check(&good), Ok(()));
        let cases = [
            (json!([1]), "top is not an object"),
            (json!({"swagger": "2.0", "paths": {}}), "Swagger 2"),
            (
                json!({"openapi": "2.0", "paths": {}}),
                "not an OpenAPI 3 version",
            ),
            (
                json!({"openapi": "3.1.0", "info": {"title": "t"}, "paths": {}}),
                "/info/version",
            ),
            (
                json!({"openapi": "3.0.0", "info": {"title": "t", "version": "1"}}),
                "/paths",
            ),
            (
                json!({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
                       "paths": {"users": {}}}),
                "must start with",
            ),
        ];
        let with_ref = |r: &str| {
            json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                   "paths": {"/a": {"get": {"responses": {"200": {"$ref": r}}}}},
                   "components": {"responses": {"Ok": {"description": "ok"}}}})
        };
        assert_eq!(check(&with_ref("#/components/responses/Ok")), Ok(()));
        let refs = [
            (with_ref("#/components/responses/Gone"), "points at nothing"),
            (with_ref("other.yaml#/Ok"), "outside the document"),
        ];
        for (doc, want) in cases.into_iter().chain(refs) {
            let err = check(&doc).expect_err("refused");
            assert!(err.contains(want), "{doc}: {err}");
        }
    }
}
