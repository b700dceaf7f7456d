//! The rule model: what a parsed rule is, independent of the YAML it came
//! from.
//!
//! Everything here is plain data (`Clone`, `Send + Sync`, no interior
//! mutability) so a [`crate::Ruleset`] can be shared between cores behind an
//! `Arc`. The enums are deliberately exhaustive: when a variant is added,
//! every compiler and evaluator that matches on them stops building until it
//! handles the new case, instead of silently ignoring it.

use crate::condition::Condition;
use crate::diag::Location;

/// One rule of any kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Unique across a ruleset; never 0.
    pub id: u64,
    /// Short human name, shown in events.
    pub name: String,
    /// Longer explanation, empty when the file gives none.
    pub description: String,
    pub severity: Severity,
    /// Free-form labels such as `owasp-api:API8`, in file order.
    pub tags: Vec<String>,
    /// What to do when the rule matches.
    pub action: Action,
    /// Whether the action is carried out or only reported.
    pub mode: Mode,
    /// A disabled rule stays in the ruleset but is never evaluated.
    pub enabled: bool,
    /// Where the rule starts in its file.
    pub origin: Location,
    /// What the rule looks for; its variant is the rule's `kind`.
    pub body: RuleBody,
}

impl Rule {
    /// The rule's `kind` as written in rule files.
    pub fn kind(&self) -> RuleKind {
        match self.body {
            RuleBody::Signature(_) => RuleKind::Signature,
        }
    }

    /// True when the rule is enabled and its action is carried out.
    pub fn is_enforced(&self) -> bool {
        self.enabled && self.mode == Mode::Enforce
    }
}

/// The part of a rule that depends on its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleBody {
    /// `kind: signature`: a condition over one HTTP transaction.
    Signature(Signature),
}

/// A signature: matches when its condition holds for a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub condition: Condition,
}

/// The kinds of rule the language has words for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleKind {
    Signature,
}

impl RuleKind {
    /// Kinds the parser accepts today.
    pub const SUPPORTED: &'static [RuleKind] = &[RuleKind::Signature];

    /// Kinds whose names are reserved for policy the format will carry next.
    pub const RESERVED: &'static [&'static str] =
        &["rate-limit", "bot", "acl", "sensitive-data", "api-spec"];

    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Signature => "signature",
        }
    }

    /// The kind written as `name`, if the parser supports it.
    pub fn from_name(name: &str) -> Option<RuleKind> {
        Self::SUPPORTED.iter().copied().find(|k| k.name() == name)
    }
}

/// How serious a match is. Ordered from `Info` to `Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: &'static [Severity] = &[
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn from_name(name: &str) -> Option<Severity> {
        Self::ALL.iter().copied().find(|s| s.name() == name)
    }
}

/// What happens to a transaction that matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Record the match in the event log at low priority; no alert.
    Log,
    /// Raise an alert event; the transaction goes on.
    Alert,
    /// Raise an alert and stop the transaction.
    Block(Block),
}

impl Action {
    /// The names used in rule files.
    pub const NAMES: &'static [&'static str] = &["log", "alert", "block"];

    pub fn name(&self) -> &'static str {
        match self {
            Action::Log => "log",
            Action::Alert => "alert",
            Action::Block(_) => "block",
        }
    }
}

/// How a blocked transaction is stopped.
///
/// Without `verdict` the dataplane's configured default applies (`respond`
/// when `respond` is given).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// How the connection is stopped.
    pub verdict: Option<BlockVerdict>,
    /// The HTTP answer of a `respond` verdict.
    pub respond: Option<Respond>,
}

/// The ways a blocked connection is stopped (inline mode; in tap mode they
/// are reported, and resets may be sent out of a separate port).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockVerdict {
    /// Drop the packet and every later packet of the flow.
    Drop,
    /// Drop, and send a TCP reset to both ends.
    Reset,
    /// Drop, answer the client with an HTTP response, reset the server.
    Respond,
    /// Drop, reset the server, and hold the client's connection open
    /// answering nothing.
    Tarpit,
}

impl BlockVerdict {
    pub const ALL: &'static [BlockVerdict] = &[
        BlockVerdict::Drop,
        BlockVerdict::Reset,
        BlockVerdict::Respond,
        BlockVerdict::Tarpit,
    ];
    /// The names used in rule files.
    pub const NAMES: &'static [&'static str] = &["drop", "reset", "respond", "tarpit"];

    pub fn name(self) -> &'static str {
        match self {
            BlockVerdict::Drop => "drop",
            BlockVerdict::Reset => "reset",
            BlockVerdict::Respond => "respond",
            BlockVerdict::Tarpit => "tarpit",
        }
    }

    pub fn from_name(name: &str) -> Option<BlockVerdict> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}

/// An HTTP answer sent to a blocked client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Respond {
    /// HTTP status code, 100 to 599 (403 and 429 are usual).
    pub status: u16,
    /// Seconds for a `Retry-After` header; `None`: the dataplane's default
    /// for a 429, no header for other statuses.
    pub retry_after: Option<u32>,
}

/// Whether a rule acts or only reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Carry out the action.
    #[default]
    Enforce,
    /// Evaluate and report what the action would have been, without acting.
    Shadow,
}

impl Mode {
    pub const ALL: &'static [Mode] = &[Mode::Enforce, Mode::Shadow];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Shadow => "shadow",
        }
    }

    pub fn from_name(name: &str) -> Option<Mode> {
        Self::ALL.iter().copied().find(|m| m.name() == name)
    }
}
