//! API discovery, inventory and compliance.
//!
//! From each finished HTTP transaction (an [`crate::inspect::HttpRecord`])
//! [`observe`] makes a compact [`Observation`]: host, method, raw path,
//! parameter names with value types, status and content types, the
//! authentication scheme, the kinds of sensitive data seen, latency. No
//! value is kept. The [`Inventory`] aggregates observations into endpoints
//! per host (method + path template, ids recognised from the values seen
//! at each position), [`openapi::openapi`] exports a host as an OpenAPI 3
//! document, and [`Compliance`] checks observations against the OpenAPI 3
//! [`Spec`] bound to their host.
//!
//! | file            | owns                                                   |
//! |-----------------|--------------------------------------------------------|
//! | `observe.rs`    | transaction -> observation                             |
//! | `sensitive.rs`  | sensitive data detectors (Luhn, mod-97, ...), masking  |
//! | `value.rs`      | value types (integer, UUID, date, token, ...)          |
//! | `auth.rs`       | authentication schemes                                 |
//! | `stats.rs`      | per-endpoint figures and their merge                   |
//! | `template.rs`   | path trie and path templates                           |
//! | `aggregate.rs`  | the inventory and its report                           |
//! | `openapi.rs`    | OpenAPI 3 export                                       |
//! | `spec.rs`       | OpenAPI 3 specs: loading, operation lookup             |
//! | `compliance.rs` | shadow, zombie, request and response findings          |
//! | `offline.rs`    | the capture command's hook, files and `api` events     |
//!
//! Everything but `offline.rs` is pure: no I/O, no clock (times come from
//! the transactions), so the control plane can aggregate and check the
//! observations dataplanes send with the same code.

mod aggregate;
mod auth;
mod compliance;
mod observe;
pub mod offline;
pub mod openapi;
pub mod sensitive;
mod spec;
mod stats;
mod template;
#[cfg(test)]
mod tests;
pub mod value;

pub use aggregate::{
    path_segments, EndpointReport, HostReport, Inventory, InventoryReport, LatencyReport,
    ParamReport, PathParam, SensitiveReport,
};
pub use auth::{jwt_alg, Auth};
pub use compliance::{Action, Compliance, Finding, FindingKind, Policy};
pub use observe::{is_plain_header, observe, Location, Observation, ParamSeen};
pub use offline::{ApiOptions, ApiRecorder};
pub use sensitive::{SensitiveKind, SensitiveSet};
pub use spec::{Lookup, Operation, Spec};
pub use template::{template_path, Segment};
pub use value::ValueType;
