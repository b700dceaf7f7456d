//! One rule: the keys every kind shares, then the body its `kind` names.
//!
//! The id is read first so that every later error in the rule names it.
//! The keys allowed in a rule are the shared ones plus those of its kind;
//! a new kind adds its key list to [`kind_keys`] and a body reader to
//! [`body`].

use super::condition;
use super::policy;
use crate::diag::Sink;
use crate::model::{
    Action, Block, BlockVerdict, Mode, Respond, Rule, RuleBody, RuleKind, Severity, Signature,
};
use crate::reader::{self, Map};
use crate::yaml::Node;

/// Keys every rule may have, whatever its kind.
const COMMON_KEYS: &[&str] = &[
    "id",
    "kind",
    "name",
    "description",
    "severity",
    "tags",
    "action",
    "verdict",
    "respond",
    "mode",
    "enabled",
];

const SIGNATURE_KEYS: &[&str] = &["match"];

/// The OWASP API Security Top 10 (2023) categories a `owasp-api:` tag may name.
const OWASP_API: &[&str] = &[
    "API1", "API2", "API3", "API4", "API5", "API6", "API7", "API8", "API9", "API10",
];

/// What reading one rule gave: the rule if it had no error, and its id if
/// that much could be read.
#[derive(Debug)]
pub(super) struct Outcome {
    pub rule: Option<Rule>,
    pub id: Option<u64>,
}

/// Reads one entry of the `rules` list.
pub(super) fn rule(sink: &mut Sink, node: &Node) -> Outcome {
    sink.set_rule(None);
    let before = sink.count();
    let Some(map) = Map::new(sink, node, "a rule") else {
        return Outcome {
            rule: None,
            id: None,
        };
    };
    let id = map
        .require(sink, "id", "a rule")
        .and_then(|n| reader::bounded(sink, n, "`id`", 1, u64::MAX));
    sink.set_rule(id);

    let kind = map
        .require(sink, "kind", "a rule")
        .and_then(|n| kind_of(sink, n));
    map.check_keys(sink, "a rule", &allowed_keys(kind));
    let rule = fields(sink, &map, id, kind).filter(|_| sink.count() == before);
    Outcome { rule, id }
}

/// Reads the rest of the rule into a [`Rule`], or `None` on any error.
fn fields(sink: &mut Sink, map: &Map<'_>, id: Option<u64>, kind: Option<RuleKind>) -> Option<Rule> {
    let name = map
        .require(sink, "name", "a rule")
        .and_then(|n| reader::non_empty(sink, n, "`name`"));
    let description = optional(map, "description", |n| {
        reader::string(sink, n, "`description`")
    });
    let severity = map
        .require(sink, "severity", "a rule")
        .and_then(|n| severity(sink, n));
    let tags = map.get("tags").map_or(Some(Vec::new()), |n| tags(sink, n));
    let action = action(sink, map);
    let mode = optional(map, "mode", |n| mode(sink, n));
    let enabled = optional(map, "enabled", |n| reader::boolean(sink, n, "`enabled`"));
    let body = kind.and_then(|kind| body(sink, map, kind, action.as_ref()));

    Some(Rule {
        id: id?,
        name: name?.to_string(),
        description: description?.unwrap_or_default().to_string(),
        severity: severity?,
        tags: tags?,
        action: action?,
        mode: mode?.unwrap_or_default(),
        enabled: enabled?.unwrap_or(true),
        origin: sink.location(map.mark),
        body: body?,
    })
}

/// Reads an optional key: `Some(None)` when absent, `None` when invalid.
fn optional<'n, T>(
    map: &Map<'n>,
    key: &str,
    read: impl FnOnce(&'n Node) -> Option<T>,
) -> Option<Option<T>> {
    match map.get(key) {
        None => Some(None),
        Some(node) => read(node).map(Some),
    }
}

/// The keys a rule of `kind` may have; all kinds' keys when it is unknown, so
/// that one mistake in `kind` does not make every other key look wrong.
fn allowed_keys(kind: Option<RuleKind>) -> Vec<&'static str> {
    let mut keys = COMMON_KEYS.to_vec();
    match kind {
        Some(kind) => keys.extend_from_slice(kind_keys(kind)),
        None => RuleKind::SUPPORTED
            .iter()
            .for_each(|k| keys.extend_from_slice(kind_keys(*k))),
    }
    keys
}

fn kind_keys(kind: RuleKind) -> &'static [&'static str] {
    match kind {
        RuleKind::Signature => SIGNATURE_KEYS,
        RuleKind::RateLimit => policy::RATE_LIMIT_KEYS,
        RuleKind::Bot => policy::BOT_KEYS,
    }
}

/// Reads the part of the rule that belongs to its kind.
fn body(
    sink: &mut Sink,
    map: &Map<'_>,
    kind: RuleKind,
    action: Option<&Action>,
) -> Option<RuleBody> {
    match kind {
        RuleKind::RateLimit => policy::rate_limit(sink, map),
        RuleKind::Bot => policy::bot(sink, map, action),
        RuleKind::Signature => {
            let node = map.require(sink, "match", "a signature")?;
            let condition = condition::condition(sink, node)?;
            Some(RuleBody::Signature(Signature { condition }))
        }
    }
}

fn kind_of(sink: &mut Sink, node: &Node) -> Option<RuleKind> {
    let name = reader::string(sink, node, "`kind`")?;
    if let Some(kind) = RuleKind::from_name(name) {
        return Some(kind);
    }
    let message = if RuleKind::RESERVED.contains(&name) {
        format!("rule kind `{name}` is not supported yet")
    } else {
        let names: Vec<&str> = RuleKind::SUPPORTED.iter().map(|k| k.name()).collect();
        reader::unknown("rule kind", name, "", &names)
    };
    sink.error(node.mark, message);
    None
}

fn severity(sink: &mut Sink, node: &Node) -> Option<Severity> {
    let names: Vec<&str> = Severity::ALL.iter().map(|s| s.name()).collect();
    let name = reader::one_of(sink, node, "`severity`", "severity", &names)?;
    Severity::from_name(name)
}

fn mode(sink: &mut Sink, node: &Node) -> Option<Mode> {
    let names: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
    let name = reader::one_of(sink, node, "`mode`", "mode", &names)?;
    Mode::from_name(name)
}

/// Reads `tags`: a list of strings without spaces; `owasp-api:` tags must
/// name a Top 10 category.
fn tags(sink: &mut Sink, node: &Node) -> Option<Vec<String>> {
    let items = reader::list(sink, node, "`tags`")?;
    let before = sink.count();
    let mut tags = Vec::with_capacity(items.len());
    for item in items {
        let Some(tag) = reader::non_empty(sink, item, "a tag") else {
            continue;
        };
        if tag.chars().any(char::is_whitespace) {
            let tag = reader::excerpt(tag);
            sink.error(item.mark, format!("tag `{tag}` contains whitespace"));
        } else if let Some(category) = tag.strip_prefix("owasp-api:") {
            if !OWASP_API.contains(&category) {
                let message = reader::unknown("OWASP API Top 10 category", category, "", OWASP_API);
                sink.error(item.mark, message);
            }
        }
        tags.push(tag.to_string());
    }
    (sink.count() == before).then_some(tags)
}

/// Reads `action` and, for `block`, the optional `verdict` and `respond`.
fn action(sink: &mut Sink, map: &Map<'_>) -> Option<Action> {
    let node = map.require(sink, "action", "a rule")?;
    let name = reader::one_of(sink, node, "`action`", "action", Action::NAMES)?;
    if name != "block" {
        for key in ["verdict", "respond"] {
            if let Some(key_node) = map.key(key) {
                sink.error(
                    key_node.mark,
                    format!("`{key}` applies only to `action: block`"),
                );
                return None;
            }
        }
    }
    match name {
        "log" => Some(Action::Log),
        "alert" => Some(Action::Alert),
        _ => block(sink, map).map(Action::Block),
    }
}

/// The `verdict` and `respond` of a block; `respond` goes only with the
/// `respond` verdict (or alone, which implies it).
fn block(sink: &mut Sink, map: &Map<'_>) -> Option<Block> {
    let verdict = optional(map, "verdict", |n| {
        let name = reader::one_of(sink, n, "`verdict`", "verdict", BlockVerdict::NAMES)?;
        BlockVerdict::from_name(name)
    })?;
    let respond = optional(map, "respond", |n| respond(sink, n))?;
    if let (Some(v), Some(_), Some(key)) = (verdict, respond, map.key("respond")) {
        if v != BlockVerdict::Respond {
            let message = format!(
                "`respond` applies only to `verdict: respond`, not `{}`",
                v.name()
            );
            sink.error(key.mark, message);
            return None;
        }
    }
    let verdict = verdict.or(respond.map(|_| BlockVerdict::Respond));
    Some(Block { verdict, respond })
}

fn respond(sink: &mut Sink, node: &Node) -> Option<Respond> {
    let map = Map::read(sink, node, "`respond`", &["status", "retry-after"])?;
    let status = map.require(sink, "status", "`respond`")?;
    let status = reader::bounded(sink, status, "`status`", 100, 599)?;
    let retry_after = optional(&map, "retry-after", |n| {
        reader::bounded(sink, n, "`retry-after`", 0, 86_400)
    })?;
    Some(Respond {
        status: u16::try_from(status).ok()?,
        retry_after: retry_after.and_then(|s| u32::try_from(s).ok()),
    })
}
