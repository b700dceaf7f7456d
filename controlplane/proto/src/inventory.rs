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
