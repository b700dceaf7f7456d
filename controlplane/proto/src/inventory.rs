//! The API inventory between a dataplane and the control plane, and the
//! CLI's view of it.
//!
//! A dataplane that lists [`FEATURE_INVENTORY`] in its `Register.features`
//! is answered with a [`Welcome`] naming the features the control plane
//! takes; only then does it send [`InventoryUpdate`]s: for each host whose
//! inventory changed, the host's aggregated report (endpoints with path
//! templates, parameter names and types, counts; never a value) and its
//! OpenAPI 3 document. Peers that do not know these messages never see
//! them. Likewise [`SpecSet`] goes only to dataplanes that listed
//! [`FEATURE_SPEC`].

use serde::{Deserialize, Serialize};

/// The feature name of inventory updates.
pub const FEATURE_INVENTORY: &str = "inventory";
/// The feature name of spec bindings.
pub const FEATURE_SPEC: &str = "spec";

/// Every OpenAPI 3 spec bound to a host, sent on connect and on each
/// `spec load` to dataplanes welcomed with [`FEATURE_SPEC`]; it replaces
/// the set sent before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecSet {
    pub specs: Vec<SpecBinding>,
}

/// One spec and its host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecBinding {
    pub host: String,
    /// The file it was loaded from, as given.
    pub name: String,
    /// RFC 3339 UTC.
    pub loaded_at: String,
    /// The OpenAPI 3 document, as JSON.
    pub document: serde_json::Value,
}

/// The control plane's answer to a registration that lists features: the
/// ones it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    pub features: Vec<String>,
}

/// Changed hosts of a dataplane's inventory (each replaces what the
/// control plane held for that dataplane and host).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryUpdate {
    pub hosts: Vec<HostInventory>,
}

/// One host as a dataplane learned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostInventory {
    pub host: String,
    /// The dataplane's host report: `host`, `requests`, `endpoints`.
    pub report: serde_json::Value,
    /// The host's OpenAPI 3 document as the dataplane exports it.
    #[serde(default)]
    pub openapi: serde_json::Value,
}

/// A host's inventory merged over every dataplane that saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedHost {
    pub host: String,
    pub dataplanes: Vec<String>,
    pub requests: u64,
    /// Endpoints as the dataplanes report them, merged by method and path
    /// template; each names the `dataplanes` that saw it.
    pub endpoints: Vec<serde_json::Value>,
}

/// An OpenAPI document's text, JSON or YAML, as the JSON a [`SpecBinding`]
/// carries (YAML map keys that are not text, as the status codes of
/// `responses`, become their text). The error is the YAML parser's.
pub fn spec_document(text: &str) -> Result<serde_json::Value, String> {
    if let Ok(v) = serde_json::from_str(text) {
        return Ok(v);
    }
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    Ok(yaml_to_json(yaml))
}

fn yaml_to_json(v: serde_yaml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    use serde_yaml::Value as Y;
    match v {
        Y::Null => J::Null,
        Y::Bool(b) => J::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(J::Null),
        Y::String(s) => J::String(s),
        Y::Sequence(items) => J::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => J::Object(
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

#[cfg(test)]
mod tests {
    use super::spec_document;

    #[test]
    fn yaml_and_json_give_the_same_document() {
        let yaml = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n";
        let json = r#"{"openapi": "3.0.3", "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}"#;
        assert_eq!(spec_document(yaml), spec_document(json));
        assert!(spec_document("a: [").is_err());
    }
}
