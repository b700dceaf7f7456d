//! The messages: what a dataplane and the control plane say to each other,
//! and the envelope of the CLI's requests and the control plane's answers.
//!
//! A dataplane connects, sends [`Register`], then receives the current
//! [`Ruleset`] (and every later push), answering each with an [`Ack`]; it
//! sends [`Counters`] every second and [`Events`] as they come. The CLI
//! sends one [`Request`] per connection and reads one [`Response`].
//!
//! Fields added after version 1 carry `#[serde(default)]` so that messages
//! from older peers still parse; unknown fields are ignored.

use serde::{Deserialize, Serialize};

use crate::{Counters, InventoryUpdate, Request, Response, SpecSet, Welcome};

/// Everything that travels in a frame, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    Register(Register),
    Ruleset(Ruleset),
    Ack(Ack),
    Counters(Counters),
    Events(Events),
    Request(Request),
    Response(Response),
    /// Sent only to a dataplane whose [`Register`] lists features.
    Welcome(Welcome),
    /// Sent only to a control plane that welcomed the feature.
    Inventory(InventoryUpdate),
    /// Sent only to a dataplane welcomed with the `spec` feature.
    Specs(SpecSet),
    /// The peer sent something this side refuses; the connection closes.
    Error {
        message: String,
    },
}

/// A dataplane introduces itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    /// Stable name of the dataplane (the host name by default).
    pub id: String,
    /// The dataplane's software version.
    pub version: String,
    /// Worker lcores.
    pub cores: Vec<u32>,
    /// Port names.
    pub ports: Vec<String>,
    /// `inline` or `tap`.
    pub mode: String,
    /// The ruleset version it runs now, if it got one from a control plane
    /// before (a reconnect).
    #[serde(default)]
    pub running: Option<u64>,
    /// Optional messages it speaks (`inventory`); the control plane sends
    /// a [`Welcome`] only when this is not empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

/// One rule file as pushed: its name and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFile {
    pub name: String,
    pub text: String,
}

/// A ruleset version for a dataplane to compile and run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ruleset {
    pub version: u64,
    pub files: Vec<RuleFile>,
}

/// A dataplane's answer to a [`Ruleset`]: it runs `version` now, or it
/// refused it (and runs what it ran before) for `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub version: u64,
    pub ok: bool,
    #[serde(default)]
    pub error: Option<String>,
}

/// A batch of events, each one EVE-style JSON object on its own line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Events {
    pub lines: Vec<String>,
}
