//! `rate-limit` and `bot` rules: what a valid file becomes, and every error
//! at the line and column counted by hand from the YAML in the test.

use palisade_rules::{
    parse_str, Action, BotRule, ClientClass, LimitKey, PathMatch, RateLimit, RuleBody, Scope,
};

fn errors(text: &str) -> Vec<String> {
    match parse_str("t.yaml", text) {
        Ok(rules) => panic!("accepted {} rules from:\n{text}", rules.len()),
        Err(found) => found.iter().map(ToString::to_string).collect(),
    }
}

/// A rate-limit rule whose `limit` body starts on line 8, six spaces in.
fn limit(body: &str) -> Vec<String> {
    errors(&format!(
        "rules:\n  - id: 7\n    kind: rate-limit\n    name: t\n    severity: low\n    \
         action: block\n    limit:\n{body}"
    ))
}

#[test]
fn a_rate_limit_and_a_bot_rule_read_into_the_model() {
    let text = "\
rules:
  - id: 1
    kind: rate-limit
    name: API key quota on orders
    severity: medium
    action: block
    respond: {status: 429}
    limit:
      key: [header:X-Api-Key, endpoint]
      requests: 100
      period: 1m
      burst: 20
    scope:
      methods: [post, GET]
      path: /api/orders/*
      host: API.example.com
  - id: 2
    kind: bot
    name: curl
    severity: info
    action: log
    fingerprint:
      ja4: [t13d3112h2_e8f1e7e78f70_6bebaf5329ac]
    client: {name: curl, class: library}
    allow: true
";
    let rules = parse_str("t.yaml", text).expect("valid");
    assert_eq!(
        rules[0].body,
        RuleBody::RateLimit(RateLimit {
            key: vec![LimitKey::Header("x-api-key".into()), LimitKey::Endpoint],
            requests: 100,
            period_secs: 60,
            burst: 20,
            scope: Scope {
                methods: vec!["POST".into(), "GET".into()],
                path: Some(PathMatch::Prefix("/api/orders/".into())),
                host: Some("api.example.com".into()),
            },
        })
    );
    assert_eq!(
        rules[1].body,
        RuleBody::Bot(BotRule {
            ja4: vec!["t13d3112h2_e8f1e7e78f70_6bebaf5329ac".into()],
            http: vec![],
            client: Some("curl".into()),
            class: Some(ClientClass::Library),
            allow: true,
        })
    );
    assert_eq!(rules[1].action, Action::Log);
}

#[test]
fn burst_defaults_to_the_rate_and_a_jwt_claim_is_a_key() {
    let text = "\
rules:
  - id: 3
    kind: rate-limit
    name: per user
    severity: low
    action: alert
    limit: {key: 'jwt-claim:sub', requests: 5, period: 10}
";
    let rules = parse_str("t.yaml", text).expect("valid");
    let RuleBody::RateLimit(l) = &rules[0].body else {
        panic!("a rate limit");
    };
    assert_eq!(l.key, [LimitKey::JwtClaim("sub".into())]);
    assert_eq!((l.requests, l.period_secs, l.burst), (5, 10, 5));
}

#[test]
fn limit_errors_are_placed() {
    assert_eq!(
        limit("      key: header\n      requests: 1\n      period: 1s\n"),
        ["t.yaml:8:12: rule 7: key `header` needs a name after `:`, as in `header:x-api-key`"]
    );
    assert_eq!(
        limit("      key: client-adress\n      requests: 1\n      period: 1s\n"),
        [
            "t.yaml:8:12: rule 7: unknown rate-limit key `client-adress` \
          (did you mean `client-address`?)"
        ]
    );
    assert_eq!(
        limit("      key: endpoint\n      requests: 0\n      period: 2w\n"),
        [
            "t.yaml:9:17: rule 7: `requests` must be from 1 to 4294967295, found `0`",
            "t.yaml:10:15: rule 7: `period` must be 1 second to 1 day, written as seconds \
             or with a unit (`30s`, `5m`, `1h`, `1d`), found `2w`",
        ]
    );
    assert_eq!(
        limit("      key: []\n      requests: 1\n      period: 1\n      brust: 2\n"),
        [
            "t.yaml:8:12: rule 7: `key` must not be an empty list",
            "t.yaml:11:7: rule 7: unknown key `brust` in `limit` (did you mean `burst`?)",
        ]
    );
}

#[test]
fn bot_errors_are_placed() {
    let text = "\
rules:
  - id: 9
    kind: bot
    name: t
    severity: low
    action: block
    fingerprint:
      ja4: [t13d_abc]
    client: {class: robot}
    allow: true
";
    assert_eq!(
        errors(text),
        [
            "t.yaml:8:12: rule 9: `t13d_abc` is not a JA4 fingerprint \
             (like `t13d1516h2_8daaf6152771_e5627efa2ab1`)",
            "t.yaml:9:21: rule 9: unknown client class `robot`; expected one of: browser, library, crawler",
            "t.yaml:10:12: rule 9: `allow: true` cannot go with `action: block`",
        ]
    );
}
