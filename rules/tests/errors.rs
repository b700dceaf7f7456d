//! Every kind of error the rule parser reports, each at its exact line and
//! column (counted by hand from the YAML in the test).

use palisade_rules::parse_str;

/// A valid rule up to `match:`; the match body starts on line 8, indented by
/// six spaces.
const HEAD: &str = "\
rules:
  - id: 1
    kind: signature
    name: t
    severity: low
    action: alert
    match:
";

/// The diagnostics for `text`, one display line each.
fn errors(text: &str) -> Vec<String> {
    match parse_str("t.yaml", text) {
        Ok(rules) => panic!("accepted {} rules from:\n{text}", rules.len()),
        Err(found) => found.iter().map(ToString::to_string).collect(),
    }
}

fn in_match(body: &str) -> Vec<String> {
    errors(&format!("{HEAD}{body}"))
}

#[test]
fn yaml_syntax_error_is_positioned() {
    assert_eq!(
        errors("rules: [1, 2\n"),
        ["t.yaml:2:1: invalid YAML: while parsing a flow sequence, expected ',' or ']'"]
    );
}

#[test]
fn unknown_rule_key_suggests_the_closest() {
    let text = "\
rules:
  - id: 1
    kind: signature
    name: t
    severty: low
    action: alert
    match: {field: path, prefix: /}
";
    assert_eq!(
        errors(text),
        [
            "t.yaml:2:5: rule 1: missing required key `severity` in a rule",
            "t.yaml:5:5: rule 1: unknown key `severty` in a rule (did you mean `severity`?)",
        ]
    );
}

#[test]
fn unknown_top_level_key() {
    assert_eq!(
        errors("version: 1\nrule: []\n"),
        [
            "t.yaml:1:1: missing required key `rules` in a rule file",
            "t.yaml:2:1: unknown key `rule` in the top level of a rule file \
             (did you mean `rules`?)",
        ]
    );
}

#[test]
fn unsupported_version() {
    assert_eq!(
        errors("version: 2\nrules: []\n"),
        ["t.yaml:1:10: unsupported format version 2; this parser reads 1"]
    );
}

#[test]
fn unknown_field_name() {
    assert_eq!(
        in_match("      field: hedaer\n      regex: a\n"),
        ["t.yaml:8:14: rule 1: unknown transaction field `hedaer` (did you mean `header`?)"]
    );
}

#[test]
fn unknown_operator() {
    assert_eq!(
        in_match("      field: path\n      rgex: a\n"),
        ["t.yaml:9:7: rule 1: unknown key `rgex` in a condition (did you mean `regex`?)"]
    );
    let far = in_match("      field: path\n      startswith: /a\n");
    assert_eq!(far.len(), 1);
    assert!(
        far[0].starts_with(
            "t.yaml:9:7: rule 1: unknown key `startswith` in a condition; expected one of: all, any"
        ),
        "{far:?}"
    );
}

#[test]
fn unknown_transform() {
    assert_eq!(
        in_match("      field: path\n      transforms: [lowercase, url-decod]\n      prefix: /\n"),
        ["t.yaml:9:31: rule 1: unknown transform `url-decod` (did you mean `url-decode`?)"]
    );
}

#[test]
fn wrong_types() {
    let text = "\
rules:
  - id: one
    kind: signature
    name: [t]
    severity: low
    tags: owasp-api:API1
    enabled: yes
    action: alert
    match: {field: response-status, ge: '500'}
";
    assert_eq!(
        errors(text),
        [
            "t.yaml:2:9: `id` must be an integer at least 1, found the string `one`",
            "t.yaml:4:11: `name` must be a string, found a list",
            "t.yaml:6:11: `tags` must be a list, found the string `owasp-api:API1`",
            "t.yaml:7:14: `enabled` must be `true` or `false`, found the string `yes`",
            "t.yaml:9:41: the value of `ge` must be an integer, found a string",
        ]
    );
}

/// One valid rule whose `id` is written `id` (at line 2, column 9).
fn with_id(id: &str) -> String {
    format!(
        "rules:\n  - id: {id}\n    kind: signature\n    name: t\n    severity: low\n    action: log\n    match: {{field: path, prefix: /}}\n"
    )
}

#[test]
fn id_out_of_range() {
    assert_eq!(
        errors(&with_id("0")),
        ["t.yaml:2:9: `id` must be at least 1, found `0`"]
    );
}

#[test]
fn missing_required_keys() {
    let text = "\
rules:
  - id: 4
    kind: signature
    name: t
    action: block
";
    assert_eq!(
        errors(text),
        [
            "t.yaml:2:5: rule 4: missing required key `severity` in a rule",
            "t.yaml:2:5: rule 4: missing required key `match` in a signature",
        ]
    );
}

#[test]
fn invalid_severity_action_and_mode() {
    let text = "\
rules:
  - id: 2
    kind: signature
    name: t
    severity: hgh
    action: drop
    mode: shade
    match: {field: path, prefix: /}
";
    let found = errors(text);
    assert_eq!(
        found[0],
        "t.yaml:5:15: rule 2: unknown severity `hgh` (did you mean `high`?)"
    );
    assert_eq!(
        found[1],
        "t.yaml:6:13: rule 2: unknown action `drop`; expected one of: log, alert, block"
    );
    assert_eq!(
        found[2],
        "t.yaml:7:11: rule 2: unknown mode `shade` (did you mean `shadow`?)"
    );
    assert_eq!(found.len(), 3);
}

#[test]
fn unknown_and_reserved_kinds() {
    let text = "\
rules:
  - id: 1
    kind: signatur
    name: t
    severity: low
    action: log
    match: {field: path, prefix: /}
  - id: 2
    kind: acl
    name: t
    severity: low
    action: log
";
    assert_eq!(
        errors(text),
        [
            "t.yaml:3:11: rule 1: unknown rule kind `signatur` (did you mean `signature`?)",
            "t.yaml:9:11: rule 2: rule kind `acl` is not supported yet",
        ]
    );
}

#[test]
fn regex_that_does_not_compile() {
    assert_eq!(
        in_match("      field: query\n      regex: \"union(select\"\n"),
        ["t.yaml:9:14: rule 1: regex does not compile: \
          unclosed group at character 6 of the pattern"]
    );
}

#[test]
fn regex_with_huge_bounded_repeats_is_refused_with_the_limit() {
    // 2000 copies of the class `[ab]` and 3000 of `x`.
    assert_eq!(
        in_match("      field: query\n      regex: '(?:a|b){2000}x{3000}'\n"),
        [
            "t.yaml:9:14: rule 1: regex is too large: with its repeats written out it comes \
          to 5000 characters and classes, more than the limit of 1000 (`x{n}` counts n)"
        ]
    );
    for fine in ["\\d{1,5}", "[a-f0-9]{32}", ".{0,200}"] {
        let text = format!("{HEAD}      field: query\n      regex: '{fine}'\n");
        assert!(parse_str("t.yaml", &text).is_ok(), "{fine}");
    }
}

#[test]
fn regex_with_a_nul_character_is_refused_at_the_regex() {
    // YAML's "\0" escape (YAML 1.2 §5.7) puts a NUL in the pattern.
    assert_eq!(
        in_match("      field: query\n      regex: \"ab\\0c\"\n"),
        [
            "t.yaml:9:14: rule 1: regex holds a NUL character (at character 3), which \
             Vectorscan cannot take; write it as `\\x00`"
        ]
    );
    let text = format!("{HEAD}      field: query\n      regex: 'ab\\x00c'\n");
    assert!(parse_str("t.yaml", &text).is_ok());
}

#[test]
fn invalid_cidr() {
    assert_eq!(
        in_match(
            "      field: client-address\n      cidr: [10.0.0.0/8, 192.168.1.1/16, 10.0.0.0/40]\n"
        ),
        [
            "t.yaml:9:26: rule 1: invalid CIDR `192.168.1.1/16`: host bits are set \
             (the network is `192.168.0.0/16`)",
            "t.yaml:9:42: rule 1: invalid CIDR `10.0.0.0/40`: prefix length must be 0 to 32",
        ]
    );
}

#[test]
fn empty_lists_and_literals() {
    let body = "      all:
        - any: []
        - field: method
          in: []
        - field: path
          contains: ''
        - field: client-address
          cidr: []
";
    assert_eq!(
        in_match(body),
        [
            "t.yaml:9:16: rule 1: `any` must list at least one condition",
            "t.yaml:11:15: rule 1: `in` must list at least one value",
            "t.yaml:13:21: rule 1: the value of `contains` must not be empty",
            "t.yaml:15:17: rule 1: `cidr` must list at least one network",
        ]
    );
}

#[test]
fn empty_all_written_without_a_value() {
    assert_eq!(
        in_match("      all:\n"),
        ["t.yaml:8:7: rule 1: `all` must be a list, found nothing"]
    );
}

#[test]
fn combinator_shapes() {
    let body = "      any:
        - not: [{field: path, prefix: /a}]
        - all: [{field: path, prefix: /b}]
          field: host
        - name: x
";
    assert_eq!(
        in_match(body),
        [
            "t.yaml:9:16: rule 1: a condition must be a mapping, found a list",
            "t.yaml:11:11: rule 1: a condition with `all` takes no other key, found `field`",
            "t.yaml:12:11: rule 1: a condition needs `field`, `all`, `any` or `not`",
        ]
    );
}

#[test]
fn test_shapes() {
    let body = "      all:
        - field: header
          prefix: a
        - field: path
          name: x
          prefix: /
        - field: path
        - field: path
          regex: a
          suffix: b
        - field: request-json
          name: items[0]
          eq: 1
";
    assert_eq!(
        in_match(body),
        [
            "t.yaml:9:11: rule 1: field `header` needs a `name`",
            "t.yaml:12:11: rule 1: field `path` takes no `name`",
            "t.yaml:14:11: rule 1: test on `path` has no operator; expected one of: regex, \
             contains, equals, prefix, suffix, in, eq, ne, lt, le, gt, ge, cidr",
            "t.yaml:17:11: rule 1: a test takes one operator, found `regex` and `suffix`; \
             combine tests with `all`",
            "t.yaml:19:17: rule 1: JSON path `items[0]` must start with `$`",
        ]
    );
}

#[test]
fn flags_that_do_not_apply() {
    let body = "      any:
        - field: response-status
          ge: 500
          nocase: true
        - field: path
          contains: /a
          dotall: true
";
    assert_eq!(
        in_match(body),
        [
            "t.yaml:11:11: rule 1: `nocase` does not apply to `ge`",
            "t.yaml:14:11: rule 1: `dotall` applies only to `regex`, not `contains`",
        ]
    );
}

#[test]
fn duplicate_key_names_the_first() {
    let text = "\
rules:
  - id: 1
    kind: signature
    name: t
    severity: low
    action: alert
    name: u
    match: {field: path, prefix: /}
";
    assert_eq!(
        errors(text),
        ["t.yaml:7:5: rule 1: duplicate key `name` (first at line 4, column 5)"]
    );
}

#[test]
fn duplicate_id_points_at_the_second() {
    let text = "\
rules:
  - id: 9
    kind: signature
    name: a
    severity: low
    action: alert
    match: {field: path, prefix: /}
  -   id: 9
      kind: signature
      name: b
      severity: low
      action: alert
      match: {field: path, prefix: /}
";
    assert_eq!(
        errors(text),
        ["t.yaml:8:7: rule 9: duplicate rule id 9 (first defined at t.yaml:2:5)"]
    );
}

#[test]
fn respond_rules() {
    let text = "\
rules:
  - id: 1
    kind: signature
    name: t
    severity: low
    action: alert
    respond: {status: 403}
    match: {field: path, prefix: /}
  - id: 2
    kind: signature
    name: t
    severity: low
    action: block
    respond: {status: 999, body: no}
    match: {field: path, prefix: /}
";
    assert_eq!(
        errors(text),
        [
            "t.yaml:7:5: rule 1: `respond` applies only to `action: block`",
            "t.yaml:14:23: rule 2: `status` must be from 100 to 599, found `999`",
            "t.yaml:14:28: rule 2: unknown key `body` in `respond`; expected one of: status, retry-after",
        ]
    );
}

#[test]
fn verdict_rules() {
    let text = "\
rules:
  - id: 1
    kind: signature
    name: t
    severity: low
    action: alert
    verdict: reset
    match: {field: path, prefix: /}
  - id: 2
    kind: signature
    name: t
    severity: low
    action: block
    verdict: bounce
    match: {field: path, prefix: /}
  - id: 3
    kind: signature
    name: t
    severity: low
    action: block
    verdict: reset
    respond: {status: 429}
    match: {field: path, prefix: /}
  - id: 4
    kind: signature
    name: t
    severity: low
    action: block
    verdict: respond
    respond: {status: 429, retry-after: 90000}
    match: {field: path, prefix: /}
";
    assert_eq!(
        errors(text),
        [
            "t.yaml:7:5: rule 1: `verdict` applies only to `action: block`",
            "t.yaml:14:14: rule 2: unknown verdict `bounce`; expected one of: drop, reset, \
             respond, tarpit",
            "t.yaml:22:5: rule 3: `respond` applies only to `verdict: respond`, not `reset`",
            "t.yaml:30:41: rule 4: `retry-after` must be from 0 to 86400, found `90000`",
        ]
    );
}

#[test]
fn owasp_tags_must_name_a_category() {
    let text = "\
rules:
  - id: 1
    kind: signature
    name: t
    severity: low
    tags: [owasp-api:API11, 'two words']
    action: alert
    match: {field: path, prefix: /}
";
    assert_eq!(
        errors(text),
        [
            "t.yaml:6:12: rule 1: unknown OWASP API Top 10 category `API11` (did you mean `API1`?)",
            "t.yaml:6:29: rule 1: tag `two words` contains whitespace",
        ]
    );
}

#[test]
fn aliases_and_second_documents_are_refused() {
    assert_eq!(
        errors("rules: &r []\nother: *r\n"),
        ["t.yaml:2:8: aliases (`*name`) are not supported in rule files"]
    );
    assert_eq!(
        errors("rules: []\n---\nrules: []\n"),
        ["t.yaml:2:1: a rule file holds one YAML document, found a second"]
    );
}

#[test]
fn top_level_must_be_a_mapping() {
    assert_eq!(
        errors("- id: 1\n"),
        ["t.yaml:1:1: the top level of a rule file must be a mapping, found a list"]
    );
}

#[test]
fn a_byte_order_mark_is_ignored_and_a_file_named_twice_loads_once() {
    let dir = std::env::temp_dir().join(format!("palisade-rules-bom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("bom.yaml");
    let text =
        "\u{feff}rules:\n  - id: 5\n    kind: signature\n    name: x\n    severity: low\n    \
                action: log\n    match: {field: method, equals: TRACE}\n";
    std::fs::write(&file, text).expect("write");
    let set = palisade_rules::load_files(&[&file, &file]).expect("loads");
    assert_eq!(set.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_id_past_the_largest_integer_is_too_large() {
    assert_eq!(
        errors(&with_id("99999999999999999999999")),
        ["t.yaml:2:9: `id` `99999999999999999999999` is too large (at most 18446744073709551615)"]
    );
}

#[test]
fn a_negative_id_is_below_the_range_not_too_large() {
    assert_eq!(
        errors(&with_id("-5")),
        ["t.yaml:2:9: `id` must be at least 1, found `-5`"]
    );
}

#[test]
fn a_long_scalar_is_quoted_as_a_short_excerpt_at_its_start() {
    // A plain scalar over three lines (folded to one) where a boolean goes.
    let words: Vec<String> = (0..60).map(|i| format!("word{i}")).collect();
    let body = format!(
        "      field: path\n      regex: ok\n      nocase: this is a plain\n        \
         scalar that goes on\n        {}\n",
        words.join(" ")
    );
    assert_eq!(
        in_match(&body),
        [
            "t.yaml:10:15: rule 1: `nocase` must be `true` or `false`, found the string \
          `this is a plain scalar t...`"
        ]
    );
    // A double-quoted string whose escapes make it several lines.
    let body = "      field: path\n      regex: \"a\\nb\"\n      nocase: \"one\\ntwo\"\n";
    assert_eq!(
        in_match(body),
        ["t.yaml:10:15: rule 1: `nocase` must be `true` or `false`, found a string"]
    );
    let too_long = format!("rules:\n  - id: 5{}\n", "0".repeat(300));
    let found = errors(&too_long);
    let last = found.last().expect("errors");
    assert_eq!(
        last,
        "t.yaml:2:9: `id` `500000000000000000000000...` is too large (at most \
         18446744073709551615)"
    );
}

/// A byte that is not UTF-8 is placed at its line and column, counted in
/// characters (the `é` before it is one column).
#[test]
fn a_byte_that_is_not_utf8_is_placed() {
    let path = std::env::temp_dir().join(format!("palisade-latin1-{}.yaml", std::process::id()));
    std::fs::write(
        &path,
        b"rules:\n  - id: 1\n    name: \"caf\xc3\xa9 \xe9t\xe9\"\n",
    )
    .expect("write");
    let refused = palisade_rules::load_files(&[&path]);
    std::fs::remove_file(&path).ok();
    let errors = refused.expect_err("refused").into_vec();
    let first = errors.first().expect("one error");
    assert_eq!((first.line, first.column), (3, 17), "{first:?}");
    assert!(first.message.contains("not valid UTF-8"), "{first:?}");
}

/// A NUL byte is named where it is, not read as the end of the file.
#[test]
fn a_nul_byte_is_placed() {
    let errors = parse_str("nul.yaml", "version: 1\nrules:\n  - id: 1\0\n").expect_err("refused");
    let list = errors.into_vec();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!((list[0].line, list[0].column), (3, 10), "{list:?}");
    assert!(list[0].message.contains("NUL byte"), "{list:?}");
}
