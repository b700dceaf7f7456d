//! The raw-body screen and the caseless sweep: bodies the screen clears
//! match nothing, and every body that could match a rule after decoding,
//! unescaping or splitting into values still reaches the exact databases.

use super::{client, exchange, matcher, request, sig, with_body};
use crate::engine::Matcher;
use crate::http::Transaction;

const JSON: &str = "POST /api HTTP/1.1\r\nHost: h\r\nContent-Type: application/json";
const FORM: &str =
    "POST /api HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded";

/// The hit ids of `tx`, and whether the screen cleared its request body.
fn inspect(m: &mut Matcher, tx: &Transaction) -> (Vec<u64>, bool) {
    let before = m.stats().screened;
    let hits = m.inspect_transaction(tx, client());
    let ids = hits.iter().map(|h| h.rule_id).collect();
    (ids, m.stats().screened > before)
}

/// Asserts that each (head, body) request makes only rule `id` hold, and
/// was not cleared by the screen.
fn found_unscreened(m: &mut Matcher, cases: &[(&str, &[u8], u64)]) {
    for (head, body, id) in cases {
        let (ids, screened) = inspect(m, &request(head, body));
        assert_eq!(
            (ids, screened),
            (vec![*id], false),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

fn sqli_rules() -> Vec<String> {
    let chain = "transforms: [url-decode, html-entity-decode, lowercase]";
    vec![
        sig(
            1,
            "",
            &format!("field: request-json\nname: '$.*'\n{chain}\nregex: 'union\\s+select'"),
        ),
        sig(
            2,
            "",
            &format!("field: param-values\n{chain}\nregex: '^\\s*<script'"),
        ),
    ]
}

#[test]
fn a_clean_json_body_is_cleared_without_a_hit() {
    let mut m = matcher(&sqli_rules());
    let body = br#"{"name":"Union Station","note":"select a plan","n":0}"#;
    assert_eq!(inspect(&mut m, &request(JSON, body)), (vec![], true));
}

#[test]
fn attacks_in_json_values_are_found_however_written() {
    let mut m = matcher(&sqli_rules());
    let cases: [&[u8]; 5] = [
        br#"{"q":"1 UNION SELECT pw"}"#,
        // Only the flattened value has the space: the screen must not clear.
        br#"{"q":"1 union\u0020select pw"}"#,
        br#"{"q":"1 union%20select pw"}"#,
        br#"{"q":"1 union&#32;select pw"}"#,
        br#"{"q":"1 union+select pw"}"#,
    ];
    for body in cases {
        let (ids, screened) = inspect(&mut m, &request(JSON, body));
        assert_eq!(ids, [1], "{}", String::from_utf8_lossy(body));
        assert!(!screened, "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn a_value_start_anchor_holds_in_the_raw_body() {
    let mut m = matcher(&sqli_rules());
    let (ids, _) = inspect(&mut m, &request(JSON, br#"{"c":"  <SCRIPT>x"}"#));
    assert_eq!(ids, [2]);
    let (ids, _) = inspect(&mut m, &request(FORM, b"a=1&c=%3Cscript%3E"));
    assert_eq!(ids, [2]);
    // Not at a value's start: the widened anchor still rules it out, so
    // the screen clears the body.
    let (ids, screened) = inspect(&mut m, &request(JSON, br#"{"c":"a<script>"}"#));
    assert_eq!((ids, screened), (vec![], true));
}

#[test]
fn named_parameter_tests_only_stop_the_screen_when_the_name_is_there() {
    let rules = [sig(
        3,
        "",
        "field: param\nname: url\ntransforms: [lowercase]\nregex: '^\\s*0$'",
    )];
    let mut m = matcher(&rules);
    assert_eq!(
        inspect(&mut m, &request(JSON, br#"{"count":0,"id_0":1}"#)),
        (vec![], true)
    );
    let (ids, screened) = inspect(&mut m, &request(JSON, br#"{"url":"0"}"#));
    assert_eq!((ids, screened), (vec![3], false));
}

#[test]
fn base64_values_are_decoded_when_long_enough_to_match() {
    let rules = [sig(
        4,
        "",
        "field: request-json\nname: '$.*'\ntransforms: [base64-decode]\ncontains: 'evil payload here'",
    )];
    let mut m = matcher(&rules);
    // base64 of "evil payload here!"
    let attack = br#"{"file":"ZXZpbCBwYXlsb2FkIGhlcmUh"}"#;
    assert_eq!(inspect(&mut m, &request(JSON, attack)), (vec![4], false));
    assert_eq!(
        inspect(&mut m, &request(JSON, br#"{"a":"short","b":12}"#)),
        (vec![], true)
    );
}

#[test]
fn lowercased_chains_are_swept_caseless_and_others_keep_case() {
    let rules = [
        sig(
            5,
            "",
            "field: user-agent\ntransforms: [lowercase]\ncontains: sqlmap",
        ),
        sig(6, "", "field: user-agent\ncontains: Nikto"),
    ];
    let mut m = matcher(&rules);
    let tx = super::get("/", "\r\nUser-Agent: SQLMap/1.7");
    assert_eq!(inspect(&mut m, &tx).0, [5]);
    let tx = super::get("/", "\r\nUser-Agent: nikto");
    assert_eq!(inspect(&mut m, &tx).0, Vec::<u64>::new());
    let tx = super::get("/", "\r\nUser-Agent: Nikto");
    assert_eq!(inspect(&mut m, &tx).0, [6]);
}

#[test]
fn a_body_phase_without_a_body_scans_nothing_yet_its_rules_are_decided() {
    let rules = [
        sig(
            7,
            "",
            "field: request-json\nname: '$.*'\nregex: 'union\\s+select'",
        ),
        sig(8, "", "not:\n  field: request-body\n  contains: '{'"),
    ];
    let mut m = matcher(&rules);
    let before = m.stats().scans;
    let hits = m.inspect_transaction(&super::get("/api?q=1", ""), client());
    let ids: Vec<u64> = hits.iter().map(|h| h.rule_id).collect();
    assert_eq!(ids, [8], "the lone `not` holds on a body that is not there");
    assert_eq!(
        m.stats().scans,
        before,
        "no value to scan, no Vectorscan call"
    );
    // The same rules on a body still scan it, and find what is in it.
    let (ids, _) = inspect(&mut m, &request(JSON, br#"{"q":"1 union select 2"}"#));
    assert_eq!(ids, [7]);
    assert!(m.stats().scans > before);
}

/// A quote break, a scheme with tabs or line breaks allowed inside, and a
/// test limited to one parameter name: the three kinds of pattern the
/// lean database of a JSON body leaves out or narrows.
fn lean_rules() -> Vec<String> {
    let values = "field: param-values\ntransforms: [url-decode, lowercase]";
    vec![
        sig(9, "", &format!("{values}\nregex: '[''\"]\\s*--'")),
        sig(
            10,
            "",
            &format!("{values}\nregex: 'j[\\t\\n\\r]*s[\\t\\n\\r]*:\\s*alert'"),
        ),
        sig(
            11,
            "",
            "field: param\nname: url\ntransforms: [lowercase]\nregex: '^\\s*0$'",
        ),
    ]
}

#[test]
fn a_json_body_is_cleared_by_what_its_values_can_hold() {
    let mut m = matcher(&lean_rules());
    // The raw text has `"` before `--` and `js:alert` with no tab; no
    // value holds a quote, and the `url` test needs its name.
    let clean = br#"{"a":"x","b":"--y","c":"js:calert","d":"0"}"#;
    assert_eq!(inspect(&mut m, &request(JSON, clean)), (vec![], true));
    // Without a Content-Type the values are still JSON's, if any.
    let bare = "POST /api HTTP/1.1\r\nHost: h";
    assert_eq!(inspect(&mut m, &request(bare, clean)), (vec![], true));
}

#[test]
fn what_the_lean_database_leaves_out_is_still_found() {
    let mut m = matcher(&lean_rules());
    let cases: [(&str, &[u8], u64); 6] = [
        (JSON, br#"{"u":"admin'--"}"#, 9),
        // A form value may hold a raw quote.
        (FORM, b"u=admin\"--", 9),
        (JSON, br#"{"u":"js:alert(1)"}"#, 10),
        // A raw tab inside a JSON string is kept by the parser.
        (JSON, b"{\"u\":\"j\ts:alert(1)\"}", 10),
        (JSON, br#"{"u":"j\ts:alert(1)"}"#, 10),
        (JSON, br#"{"url":"0"}"#, 11),
    ];
    found_unscreened(&mut m, &cases);
}

/// A JSON-value rule, so the phase has a lean database, and raw-body rules
/// whose patterns ride in it: an ungated one and one gated on `<`.
fn riding_rules() -> Vec<String> {
    vec![
        sig(
            20,
            "",
            "field: request-json\nname: '$.*'\nregex: 'union\\s+select'",
        ),
        sig(21, "", "field: request-body\nregex: 'filename=\\S*\\.\\./'"),
        sig(22, "", "field: request-body\nregex: '<!entity\\s'"),
    ]
}

#[test]
fn raw_body_rules_riding_in_the_lean_database_still_hold() {
    let mut m = matcher(&riding_rules());
    let clean = br#"{"note":"filename of the plan","n":1}"#;
    assert_eq!(inspect(&mut m, &request(JSON, clean)), (vec![], true));
    let cases: [(&str, &[u8], u64); 4] = [
        // Only the raw body's rule reads it: the lean scan must report.
        (JSON, br#"{"note":"filename=../../x"}"#, 21),
        (FORM, b"note=filename=../../x", 21),
        (JSON, br#"{"doc":"<!entity x"}"#, 22),
        (JSON, br#"{"union":"x", "doc":"<!entity x"}"#, 22),
    ];
    found_unscreened(&mut m, &cases);
}

/// A body read as it is, through no decoding step, is screened whatever
/// backslashes it holds: the scan of the raw body is the scan its database
/// would run. A body whose sweep JSON-decodes it is not screened once it
/// holds one, since the escape may spell what the rule looks for.
#[test]
fn backslashes_stop_the_screen_only_where_they_are_decoded() {
    let answer = |body: &[u8]| {
        let response = with_body("HTTP/1.1 200 OK\r\nContent-Type: application/json", body);
        exchange(&with_body("GET /api HTTP/1.1\r\nHost: h", b""), &response)
    };
    let mut m = matcher(&[sig(
        30,
        "",
        "field: response-body\ncontains: 'goroutine 1 ['",
    )]);
    let clean = br#"{"log":"a\nb\\c \u0067oroutine 1 ["}"#;
    assert_eq!(inspect(&mut m, &answer(clean)), (vec![], true));
    let leak = br#"{"log":"panic: x\n\ngoroutine 1 [running]:\n"}"#;
    assert_eq!(inspect(&mut m, &answer(leak)), (vec![30], false));

    let decoded = "field: request-body\ntransforms: [json-decode]\ncontains: 'goroutine 1 ['";
    let mut m = matcher(&[sig(31, "", decoded)]);
    let plain = br#"{"log":"a\nb"}"#;
    assert_eq!(inspect(&mut m, &request(JSON, plain)), (vec![], false));
    let escaped = br#"{"log":"\u0067oroutine 1 ["}"#;
    assert_eq!(inspect(&mut m, &request(JSON, escaped)), (vec![31], false));
    let bare = br#"{"log":"goroutine 1 ["}"#;
    assert_eq!(inspect(&mut m, &request(JSON, bare)), (vec![31], false));
}
