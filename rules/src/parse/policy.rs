//! The bodies of `rate-limit` and `bot` rules: their `limit`, `scope`,
//! `fingerprint` and `client` keys, each error at its own line and column.

use crate::diag::Sink;
use crate::model::{Action, RuleBody};
use crate::policy::{BotRule, ClientClass, LimitKey, PathMatch, RateLimit, Scope};
use crate::reader::{self, Map};
use crate::yaml::{Node, Value};

pub(super) const RATE_LIMIT_KEYS: &[&str] = &["limit", "scope"];
pub(super) const BOT_KEYS: &[&str] = &["fingerprint", "client", "allow"];

const LIMIT_KEYS: &[&str] = &["key", "requests", "period", "burst"];
const SCOPE_KEYS: &[&str] = &["methods", "path", "host"];
const FINGERPRINT_KEYS: &[&str] = &["ja4", "http"];
const CLIENT_KEYS: &[&str] = &["name", "class"];

/// Longest period a limit may have: one day.
const MAX_PERIOD_SECS: u64 = 86_400;

/// Reads a `rate-limit` rule's `limit` and optional `scope`.
pub(super) fn rate_limit(sink: &mut Sink, map: &Map<'_>) -> Option<RuleBody> {
    let node = map.require(sink, "limit", "a rate-limit rule")?;
    let limit = Map::read(sink, node, "`limit`", LIMIT_KEYS)?;
    let key = limit
        .require(sink, "key", "`limit`")
        .and_then(|n| keys(sink, n));
    let requests = limit
        .require(sink, "requests", "`limit`")
        .and_then(|n| reader::bounded(sink, n, "`requests`", 1, u64::from(u32::MAX)));
    let period = limit
        .require(sink, "period", "`limit`")
        .and_then(|n| period(sink, n));
    let burst = match limit.get("burst") {
        None => requests,
        Some(n) => reader::bounded(sink, n, "`burst`", 1, u64::from(u32::MAX)),
    };
    let scope = match map.get("scope") {
        None => Some(Scope::default()),
        Some(n) => scope(sink, n),
    };
    Some(RuleBody::RateLimit(RateLimit {
        key: key?,
        requests: requests?,
        period_secs: period?,
        burst: burst?,
        scope: scope?,
    }))
}

/// A key: one string or a non-empty list of them.
fn keys(sink: &mut Sink, node: &Node) -> Option<Vec<LimitKey>> {
    let items = match &node.value {
        Value::List(items) => {
            if items.is_empty() {
                sink.error(node.mark, "`key` must not be an empty list");
                return None;
            }
            items.as_slice()
        }
        _ => std::slice::from_ref(node),
    };
    let before = sink.count();
    let parsed: Vec<LimitKey> = items.iter().filter_map(|n| key(sink, n)).collect();
    (sink.count() == before).then_some(parsed)
}

/// One key part: `client-address`, `endpoint`, `tls-fingerprint`,
/// `header:<name>` or `jwt-claim:<claim>`.
fn key(sink: &mut Sink, node: &Node) -> Option<LimitKey> {
    let text = reader::non_empty(sink, node, "a key")?;
    let (kind, argument) = match text.split_once(':') {
        Some((kind, arg)) => (kind, Some(arg)),
        None => (text, None),
    };
    let key = match (kind, argument) {
        ("client-address", None) => Some(LimitKey::ClientAddress),
        ("endpoint", None) => Some(LimitKey::Endpoint),
        ("tls-fingerprint", None) => Some(LimitKey::TlsFingerprint),
        ("header", Some(h)) if valid_token(h) => Some(LimitKey::Header(h.to_ascii_lowercase())),
        ("jwt-claim", Some(c)) if !c.is_empty() => Some(LimitKey::JwtClaim(c.to_owned())),
        _ => None,
    };
    if key.is_none() {
        sink.error(node.mark, key_error(kind, argument));
    }
    key
}

fn key_error(kind: &str, argument: Option<&str>) -> String {
    let mut all: Vec<&str> = LimitKey::PLAIN.to_vec();
    all.extend_from_slice(LimitKey::WITH_ARGUMENT);
    match (LimitKey::WITH_ARGUMENT.contains(&kind), argument) {
        (true, _) => format!("key `{kind}` needs a name after `:`, as in `{kind}:x-api-key`"),
        (false, Some(_)) if LimitKey::PLAIN.contains(&kind) => {
            format!("key `{kind}` takes no name after `:`")
        }
        _ => reader::unknown("rate-limit key", kind, "", &all),
    }
}

/// A header name: an RFC 9110 token.
fn valid_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A period: seconds as an integer, or a number with `s`, `m`, `h` or `d`.
fn period(sink: &mut Sink, node: &Node) -> Option<u64> {
    let text = reader::non_empty(sink, node, "`period`")?;
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3_600),
        "d" => Some(86_400),
        _ => None,
    };
    let secs = digits
        .parse::<u64>()
        .ok()
        .zip(scale)
        .and_then(|(n, s)| n.checked_mul(s))
        .filter(|s| (1..=MAX_PERIOD_SECS).contains(s));
    if secs.is_none() {
        let message = format!(
            "`period` must be 1 second to 1 day, written as seconds or with a unit \
             (`30s`, `5m`, `1h`, `1d`), found `{}`",
            reader::excerpt(text)
        );
        sink.error(node.mark, message);
    }
    secs
}

/// `scope`: `methods`, `path` (a trailing `*` makes it a prefix), `host`.
fn scope(sink: &mut Sink, node: &Node) -> Option<Scope> {
    let map = Map::read(sink, node, "`scope`", SCOPE_KEYS)?;
    let before = sink.count();
    let mut scope = Scope::default();
    if let Some(list) = map.get("methods") {
        scope.methods = strings(sink, list, "`methods`")?
            .into_iter()
            .map(|m| m.to_ascii_uppercase())
            .collect();
    }
    if let Some(n) = map.get("path") {
        let path = reader::non_empty(sink, n, "`path`")?;
        if !path.starts_with('/') {
            sink.error(
                n.mark,
                format!("`path` must start with `/`, found `{path}`"),
            );
        }
        scope.path = Some(match path.strip_suffix('*') {
            Some(prefix) => PathMatch::Prefix(prefix.to_owned()),
            None => PathMatch::Exact(path.to_owned()),
        });
    }
    if let Some(n) = map.get("host") {
        scope.host = Some(reader::non_empty(sink, n, "`host`")?.to_ascii_lowercase());
    }
    (sink.count() == before).then_some(scope)
}

/// A non-empty list of non-empty strings.
fn strings(sink: &mut Sink, node: &Node, what: &str) -> Option<Vec<String>> {
    let items = reader::list(sink, node, what)?;
    if items.is_empty() {
        sink.error(node.mark, format!("{what} must not be an empty list"));
        return None;
    }
    let before = sink.count();
    let out: Vec<String> = items
        .iter()
        .filter_map(|n| reader::non_empty(sink, n, "a list item"))
        .map(str::to_owned)
        .collect();
    (sink.count() == before).then_some(out)
}

/// Reads a `bot` rule's `fingerprint`, `client` and `allow`.
pub(super) fn bot(sink: &mut Sink, map: &Map<'_>, action: Option<&Action>) -> Option<RuleBody> {
    let node = map.require(sink, "fingerprint", "a bot rule")?;
    let prints = Map::read(sink, node, "`fingerprint`", FINGERPRINT_KEYS)?;
    let ja4 = prints.get("ja4").map_or(Some(Vec::new()), |n| {
        strings(sink, n, "`ja4`").filter(|list| ja4_list(sink, n, list))
    });
    let http = prints
        .get("http")
        .map_or(Some(Vec::new()), |n| strings(sink, n, "`http`"));
    if prints.get("ja4").is_none() && prints.get("http").is_none() {
        sink.error(node.mark, "`fingerprint` needs `ja4` or `http`");
        return None;
    }
    let label = match map.get("client") {
        None => Some((None, None)),
        Some(n) => client(sink, n),
    };
    let allow = match map.get("allow") {
        None => Some(false),
        Some(n) => allow(sink, n, action),
    };
    let (client, class) = label?;
    Some(RuleBody::Bot(BotRule {
        ja4: ja4?,
        http: http?,
        client,
        class,
        allow: allow?,
    }))
}

/// JA4 values have three `_`-separated parts, the first ten characters.
fn ja4_list(sink: &mut Sink, node: &Node, list: &[String]) -> bool {
    let bad = list.iter().find(|v| {
        let parts: Vec<&str> = v.split('_').collect();
        parts.len() != 3 || parts[0].len() != 10 || !v.is_ascii()
    });
    if let Some(v) = bad {
        let message =
            format!("`{v}` is not a JA4 fingerprint (like `t13d1516h2_8daaf6152771_e5627efa2ab1`)");
        sink.error(node.mark, message);
    }
    bad.is_none()
}

type ClientLabel = (Option<String>, Option<ClientClass>);

/// `client: {name: curl, class: library}`.
fn client(sink: &mut Sink, node: &Node) -> Option<ClientLabel> {
    let map = Map::read(sink, node, "`client`", CLIENT_KEYS)?;
    let name = match map.get("name") {
        None => None,
        Some(n) => Some(reader::non_empty(sink, n, "`name`")?.to_owned()),
    };
    let class = match map.get("class") {
        None => None,
        Some(n) => {
            let names: Vec<&str> = ClientClass::ALL.iter().map(|c| c.name()).collect();
            let name = reader::one_of(sink, n, "`class`", "client class", &names)?;
            ClientClass::from_name(name)
        }
    };
    Some((name, class))
}

/// `allow: true` makes the rule an allow list; it cannot also block.
fn allow(sink: &mut Sink, node: &Node, action: Option<&Action>) -> Option<bool> {
    let allow = reader::boolean(sink, node, "`allow`")?;
    if allow && matches!(action, Some(Action::Block(_))) {
        sink.error(node.mark, "`allow: true` cannot go with `action: block`");
        return None;
    }
    Some(allow)
}
