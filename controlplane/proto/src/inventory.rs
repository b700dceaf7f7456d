//! The API inventory between a dataplane and the control plane, and the
//! CLI's view of it.
//!
//! A dataplane that lists [`FEATURE_INVENTORY`] in its `Register.features`
//! is answered with a [`Welcome`] naming the features the control plane
//! takes; only then does it send [`InventoryUpdate`]s: for each host whose
//! inventory changed, the host's aggregated report (endpoints with path
//! templates, parameter names and types, counts; never a value) and its
//! OpenAPI 3 document. Peers that do not know these messages never see
//! them.

use serde::{Deserialize, Serialize};

/// The feature name of inventory updates.
pub const FEATURE_INVENTORY: &str = "inventory";

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
