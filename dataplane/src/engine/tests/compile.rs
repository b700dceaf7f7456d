//! Compilation: errors that name their rule, prefiltered patterns confirmed
//! by a regex, and snapshot sizes.

use std::sync::Arc;

use palisade_rules::{Condition, Operator, Pattern, PatternFlags, RuleBody, Ruleset};

use super::{client, get, ids, ruleset, sig};
use crate::engine::{LoadError, Matcher, Snapshot};

#[test]
fn a_pattern_vectorscan_refuses_is_an_error_naming_its_rule() {
    // The regex crate accepts a code point above 0xFF; Vectorscan, matching
    // bytes, refuses it in both modes. It refuses a pattern that can never
    // match too. (A NUL in a pattern is refused by the rule parser.)
    let rules = [
        sig(5, "", "field: path\nprefix: /ok"),
        sig(7, "", "field: path\nregex: '\\x{263a}'"),
        sig(9, "", "field: headers\nregex: 'x\\bx'"),
    ];
    let errors = Snapshot::compile(&ruleset(&rules)).expect_err("refused");
    let found: Vec<_> = errors
        .iter()
        .map(|e| (e.rule_id, e.pattern.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(7), "\\x{263a}".to_string()),
            (Some(9), "x\\bx".to_string())
        ]
    );
    let text = errors.to_string();
    assert!(text.starts_with("rule 7: pattern `\\x{263a}`: "), "{text}");
    assert!(text.contains("\\xFF"), "{text}");
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn loading_reports_rule_file_errors() {
    let missing = concat!(env!("CARGO_MANIFEST_DIR"), "/no-such-rules.yaml");
    let error = Snapshot::from_files(&[missing]).expect_err("no file");
    assert!(matches!(error, LoadError::Rules(_)), "{error}");
}

#[test]
fn disabled_rules_are_not_compiled() {
    let rules = [sig(7, "enabled: false", "field: path\nregex: '\\x{263a}'")];
    let snapshot = Snapshot::compile(&ruleset(&rules)).expect("nothing to compile");
    assert_eq!(snapshot.rule_count(), 0);
    assert_eq!(snapshot.stats().databases, 0);
}

/// A ruleset of one rule testing query parameter `q` with the pattern
/// `source`, which the rule parser would refuse (it checks patterns with
/// the `regex` crate); other producers of rules may hand such patterns in.
fn with_pattern(source: &str) -> Ruleset {
    let mut rules = ruleset(&[sig(1, "", "field: query-param\nname: q\nregex: x")])
        .rules()
        .to_vec();
    let RuleBody::Signature(signature) = &mut rules[0].body else {
        panic!("a signature");
    };
    let Condition::Test(test) = &mut signature.condition else {
        panic!("one test");
    };
    test.operator = Operator::Regex(Pattern {
        source: source.to_string(),
        flags: PatternFlags::default(),
    });
    Ruleset::new(rules).expect("one rule")
}

fn prefiltered(source: &str) -> Matcher {
    let snapshot = Snapshot::compile(&with_pattern(source)).expect("prefilter mode");
    assert_eq!(snapshot.stats().prefiltered, 1);
    Matcher::new(Arc::new(snapshot)).expect("scratch")
}

#[test]
fn back_references_run_prefiltered_and_are_confirmed() {
    let mut matcher = prefiltered(r"(\w+)=\1");
    let hits = matcher.inspect_transaction(&get("/?q=abc%3Dabc", ""), client());
    assert_eq!(ids(&hits), [1]);
    assert_eq!(
        hits[0].evidence.as_ref().map(|e| e.excerpt.clone()),
        Some(b"abc=abc".to_vec())
    );
    assert_eq!(matcher.stats().prefilter_confirmed, 1);

    // Vectorscan's approximation reports this value; the regex refuses it.
    let hits = matcher.inspect_transaction(&get("/?q=abc%3Dabd", ""), client());
    assert_eq!(ids(&hits), Vec::<u64>::new());
    assert_eq!(matcher.stats().prefilter_rejected, 1);
}

#[test]
fn look_around_runs_prefiltered_and_is_confirmed() {
    let mut matcher = prefiltered(r"admin(?!/public)");
    let hits = matcher.inspect_transaction(&get("/?q=/admin/users", ""), client());
    assert_eq!(ids(&hits), [1]);
    let hits = matcher.inspect_transaction(&get("/?q=/admin/public", ""), client());
    assert_eq!(ids(&hits), Vec::<u64>::new());
}

#[test]
fn the_example_ruleset_compiles() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rules/examples/signatures.yaml"
    );
    let snapshot = Snapshot::from_files(&[path]).expect("compiles");
    let stats = snapshot.stats();
    // Rule 1006 is disabled.
    assert_eq!(stats.rules, 5);
    assert_eq!(stats.prefiltered, 0);
    assert!(stats.databases >= 4, "{stats:?}");
    assert_eq!(
        snapshot
            .always_evaluated(crate::engine::Phase::RequestHeaders)
            .count(),
        0
    );
}

#[test]
fn an_empty_ruleset_matches_nothing() {
    let snapshot = Snapshot::compile(&Ruleset::default()).expect("nothing to compile");
    let mut matcher = Matcher::new(Arc::new(snapshot)).expect("no scratch needed");
    assert!(matcher
        .inspect_transaction(&get("/?q=union+select", ""), client())
        .is_empty());
    let mut matcher = Matcher::new(Arc::new(Snapshot::empty())).expect("no scratch needed");
    assert!(matcher
        .inspect_transaction(&get("/", ""), client())
        .is_empty());
}

#[test]
fn one_database_per_source_and_chain() {
    let rules = [
        sig(1, "", "field: header\nname: a\ncontains: x"),
        sig(2, "", "field: header\nname: b\nequals: y"),
        sig(3, "", "field: user-agent\nregex: z"),
        sig(4, "", "field: headers\ntransforms: [lowercase]\nregex: z"),
        sig(5, "", "field: param\nname: p\ncontains: x"),
        sig(6, "", "field: request-body\ncontains: x"),
    ];
    let stats = Snapshot::compile(&ruleset(&rules))
        .expect("compiles")
        .stats();
    // Headers plain, headers lowercased, query and body parameters; the
    // body streams.
    assert_eq!((stats.databases, stats.streaming_databases), (4, 1));
    assert_eq!((stats.tests, stats.patterns), (6, 6));
}
