//! Rule files that parse, into exactly the expected model; refusal of whole
//! files; loading several files into one ruleset.

use std::path::PathBuf;
use std::sync::Arc;

use palisade_rules::{
    load_files, parse_str, Action, Block, BlockVerdict, Cidr, Comparison, Condition, Field, InList,
    JsonPath, Literal, Location, Mode, Operator, Pattern, PatternFlags, Respond, Rule, RuleBody,
    RuleKind, Ruleset, Severity, Signature, Test, Transform,
};

const FULL: &str = "\
version: 1
rules:
  - id: 42
    kind: signature
    name: Token theft
    description: Stolen token replayed from outside.
    severity: critical
    tags: [owasp-api:API2, auth]
    action: block
    respond: {status: 403}
    mode: shadow
    enabled: false
    match:
      all:
        - field: header
          name: Authorization
          transforms: [compress-whitespace, lowercase]
          regex: '^bearer\\s+ey'
          nocase: true
          multiline: true
        - any:
            - field: request-json
              name: $.user.roles[*]
              in: [admin, root]
            - field: response-status
              ge: 500
        - not:
            field: client-address
            cidr: [10.0.0.0/8, '::1']
  - id: 43
    kind: signature
    name: Probe
    severity: info
    action: log
    match: {field: path, prefix: /.git, nocase: true}
";

fn at(line: u32, column: u32) -> Location {
    Location {
        file: Arc::from("full.yaml"),
        line,
        column,
    }
}

fn test(
    field: Field,
    transforms: Vec<Transform>,
    operator: Operator,
    (origin, value_origin): (Location, Location),
) -> Condition {
    Condition::Test(Test {
        field,
        transforms,
        operator,
        origin,
        value_origin,
    })
}

fn expected_42() -> Rule {
    let header = test(
        Field::Header("authorization".into()),
        vec![Transform::CompressWhitespace, Transform::Lowercase],
        Operator::Regex(Pattern {
            source: "^bearer\\s+ey".into(),
            flags: PatternFlags {
                caseless: true,
                dotall: false,
                multiline: true,
            },
        }),
        (at(15, 11), at(18, 18)),
    );
    let roles = test(
        Field::RequestJson(JsonPath::parse("$.user.roles[*]").unwrap()),
        vec![],
        Operator::In(InList {
            values: vec!["admin".into(), "root".into()],
            nocase: false,
        }),
        (at(22, 15), at(24, 19)),
    );
    let status = test(
        Field::ResponseStatus,
        vec![],
        Operator::Compare {
            op: Comparison::Ge,
            value: 500,
        },
        (at(25, 15), at(26, 19)),
    );
    let networks = vec![
        Cidr::parse("10.0.0.0/8").unwrap(),
        Cidr::parse("::1").unwrap(),
    ];
    let outside = test(
        Field::ClientAddress,
        vec![],
        Operator::Cidr(networks),
        (at(28, 13), at(29, 19)),
    );
    Rule {
        id: 42,
        name: "Token theft".into(),
        description: "Stolen token replayed from outside.".into(),
        severity: Severity::Critical,
        tags: vec!["owasp-api:API2".into(), "auth".into()],
        action: Action::Block(Block {
            verdict: Some(BlockVerdict::Respond),
            respond: Some(Respond {
                status: 403,
                retry_after: None,
            }),
        }),
        mode: Mode::Shadow,
        enabled: false,
        origin: at(3, 5),
        body: RuleBody::Signature(Signature {
            condition: Condition::All(vec![
                header,
                Condition::Any(vec![roles, status]),
                Condition::Not(Box::new(outside)),
            ]),
        }),
    }
}

fn expected_43() -> Rule {
    let probe = test(
        Field::Path,
        vec![],
        Operator::Prefix(Literal {
            text: "/.git".into(),
            nocase: true,
        }),
        (at(35, 12), at(35, 34)),
    );
    Rule {
        id: 43,
        name: "Probe".into(),
        description: String::new(),
        severity: Severity::Info,
        tags: vec![],
        action: Action::Log,
        mode: Mode::Enforce,
        enabled: true,
        origin: at(30, 5),
        body: RuleBody::Signature(Signature { condition: probe }),
    }
}

#[test]
fn full_file_parses_into_the_expected_tree() {
    let rules = parse_str("full.yaml", FULL).unwrap();
    assert_eq!(rules, [expected_42(), expected_43()]);
    assert_eq!(rules[0].kind(), RuleKind::Signature);
    assert!(!rules[0].is_enforced());
    assert!(rules[1].is_enforced());
}

#[test]
fn example_file_parses() {
    let ruleset = load_files(&[manifest("examples/signatures.yaml")]).unwrap();
    assert_eq!(ruleset.len(), 6);
    assert_eq!(ruleset.enabled().count(), 5);
    let traversal = ruleset.get(1002).unwrap();
    assert_eq!(traversal.severity, Severity::Critical);
    let mut fields = Vec::new();
    let RuleBody::Signature(signature) = &traversal.body else {
        panic!("a signature");
    };
    signature
        .condition
        .for_each_test(&mut |t| fields.push(t.field.to_string()));
    assert_eq!(fields, ["path", "query"]);
    assert!(ruleset.get(7).is_none());
}

#[test]
fn empty_rules_list_is_valid() {
    assert_eq!(parse_str("e.yaml", "rules: []\n").unwrap(), []);
    assert_eq!(parse_str("e.yaml", "").unwrap(), []);
}

#[test]
fn one_error_among_valid_rules_refuses_the_file() {
    let text = FULL.replace("ge: 500", "ge: five");
    let found = parse_str("full.yaml", &text).unwrap_err();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found.to_string(),
        "full.yaml:26:19: rule 42: the value of `ge` must be an integer, found the string `five`"
    );
}

#[test]
fn every_error_is_reported_in_line_order() {
    let text = FULL
        .replace("severity: critical", "severity: severe")
        .replace("prefix: /.git", "prefx: /.git")
        .replace("cidr: [10.0.0.0/8", "cidr: [10.0.0.0/88");
    let found = parse_str("full.yaml", &text).unwrap_err();
    let lines: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "full.yaml:7:15: rule 42: unknown severity `severe`; expected one of: \
             info, low, medium, high, critical",
            "full.yaml:29:20: rule 42: invalid CIDR `10.0.0.0/88`: prefix length must be 0 to 32",
            "full.yaml:35:26: rule 43: unknown key `prefx` in a condition (did you mean `prefix`?)",
        ]
    );
    assert_eq!(found.to_string().lines().count(), 3);
    assert_eq!(found.as_slice()[2].rule_id, Some(43));
    assert_eq!(
        (found.as_slice()[2].line, found.as_slice()[2].column),
        (35, 26)
    );
}

#[test]
fn duplicate_ids_across_files_are_refused() {
    let dir = scratch_dir("dup");
    let first = dir.join("a.yaml");
    let second = dir.join("b.yaml");
    std::fs::write(&first, FULL).unwrap();
    let other = "\
rules:
  - id: 7
    kind: signature
    name: x
    severity: low
    action: log
    match: {field: path, prefix: /}
  - id: 43
    kind: signature
    name: y
    severity: low
    action: log
    match: {field: path, prefix: /}
";
    std::fs::write(&second, other).unwrap();

    let found = load_files(&[&first, &second]).unwrap_err();
    let expected = format!(
        "{}:8:5: rule 43: duplicate rule id 43 (first defined at {}:30:5)",
        second.display(),
        first.display()
    );
    assert_eq!(found.to_string(), expected);

    std::fs::write(&second, other.replace("id: 43", "id: 44")).unwrap();
    let ruleset = load_files(&[&first, &second]).unwrap();
    let ids: Vec<u64> = ruleset.iter().map(|r| r.id).collect();
    assert_eq!(ids, [42, 43, 7, 44]);
    assert_eq!(
        ruleset.get(44).unwrap().origin.file.as_ref(),
        second.display().to_string()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn errors_in_several_files_are_all_reported() {
    let dir = scratch_dir("many");
    let first = dir.join("a.yaml");
    let missing = dir.join("missing.yaml");
    let third = dir.join("c.yaml");
    std::fs::write(&first, "rules: {}\n").unwrap();
    std::fs::write(&third, "version: one\nrules: []\n").unwrap();

    let found = load_files(&[&first, &missing, &third]).unwrap_err();
    let lines: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        format!(
            "{}:1:8: `rules` must be a list, found a mapping",
            first.display()
        )
    );
    assert!(lines[1].starts_with(&format!("{}: cannot read:", missing.display())));
    assert_eq!(found.as_slice()[1].line, 0);
    assert!(lines[2].starts_with(&format!("{}:1:10: `version` must be", third.display())));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn ruleset_new_checks_ids_of_built_rules() {
    let rules = parse_str("full.yaml", FULL).unwrap();
    let mut twice = rules.clone();
    twice.extend(rules);
    let found = Ruleset::new(twice).unwrap_err();
    assert_eq!(found.len(), 2);
    assert_eq!(
        found.as_slice()[0].message,
        "duplicate rule id 42 (first defined at full.yaml:3:5)"
    );
}

#[test]
fn ruleset_is_shareable_plain_data() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Ruleset>();
    shareable::<palisade_rules::Diagnostics>();
    let ruleset = Arc::new(Ruleset::new(parse_str("full.yaml", FULL).unwrap()).unwrap());
    let worker = Arc::clone(&ruleset);
    let ids = std::thread::spawn(move || worker.iter().map(|r| r.id).sum::<u64>())
        .join()
        .unwrap();
    assert_eq!(ids, 85);
}

fn manifest(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A fresh directory for one test's files.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("palisade-rules-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn sources_in_memory_load_like_files() {
    let rule = |id: u64| {
        format!(
            "rules:\n  - id: {id}\n    kind: signature\n    name: x\n    severity: low\n    \
             action: log\n    match: {{field: path, prefix: /}}\n"
        )
    };
    let sources = vec![
        ("a.yaml".to_string(), rule(1)),
        ("b.yaml".to_string(), rule(2)),
    ];
    let set = palisade_rules::parse_sources(&sources).unwrap();
    let ids: Vec<u64> = set.iter().map(|r| r.id).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(set.get(2).unwrap().origin.file.as_ref(), "b.yaml");

    // The same id in both: refused at the second, naming the first.
    let twice = vec![
        ("a.yaml".to_string(), rule(1)),
        ("b.yaml".to_string(), rule(1)),
    ];
    let found = palisade_rules::parse_sources(&twice).unwrap_err();
    assert_eq!(
        found.to_string(),
        "b.yaml:2:5: rule 1: duplicate rule id 1 (first defined at a.yaml:2:5)"
    );
}
