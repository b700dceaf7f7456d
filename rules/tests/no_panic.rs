//! Property tests: no input text makes the parser panic.

use proptest::prelude::*;

/// Fragments of rule files, so that generated text often gets past the YAML
/// layer and into the rule and condition readers.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("rules:".to_string()),
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just("- ".to_string()),
        Just("id: 1".to_string()),
        Just("kind: signature".to_string()),
        Just("name: x".to_string()),
        Just("severity: high".to_string()),
        Just("action: block".to_string()),
        Just("respond: {status: 403}".to_string()),
        Just("match:".to_string()),
        Just("all:".to_string()),
        Just("any: [".to_string()),
        Just("not:".to_string()),
        Just("field: header".to_string()),
        Just("field: request-json".to_string()),
        Just("name: $.a[*]".to_string()),
        Just("regex: '(a|b)+'".to_string()),
        Just("cidr: [10.0.0.0/8]".to_string()),
        Just("in: [a, b]".to_string()),
        Just("lt: -3".to_string()),
        Just("transforms: [url-decode]".to_string()),
        Just("nocase: true".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("]".to_string()),
        Just(", ".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("---".to_string()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = palisade_rules::parse_str("p.yaml", &text);
    }

    #[test]
    fn rule_shaped_text_never_panics(parts in proptest::collection::vec(fragment(), 0..60)) {
        let text = parts.concat();
        if let Err(found) = palisade_rules::parse_str("p.yaml", &text) {
            prop_assert!(!found.is_empty());
            for diagnostic in &found {
                prop_assert!(!diagnostic.message.contains('\n'));
            }
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let text = format!("rules: {}", "[".repeat(70));
    let found = palisade_rules::parse_str("deep.yaml", &text).unwrap_err();
    assert_eq!(
        found.to_string(),
        "deep.yaml:1:71: nesting deeper than 64 levels"
    );

    // Far deeper input stops in the YAML scanner's own limit.
    let text = format!("rules: {}", "[".repeat(100_000));
    let found = palisade_rules::parse_str("deep.yaml", &text).unwrap_err();
    assert_eq!(found.len(), 1);
}
