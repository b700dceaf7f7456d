//! Rule logic (`all`, `any`, `not`), which rules are evaluated without a
//! pattern hit, phases, and `mode`/`enabled`.

use super::{client, compile, exchange, get, hit_ids, ids, matcher, request, sig, with_body};
use crate::engine::{Matcher, Phase};

#[test]
fn all_any_and_not_nest() {
    let condition = "all:
  - field: path
    prefix: /api/
  - any:
      - field: method
        in: [POST, PUT]
      - not:
          field: header
          name: x-token
          regex: '^[a-f0-9]{8}$'
  - not:
      any:
        - field: client-address
          cidr: 10.0.0.0/8
        - field: query-param
          name: debug
          equals: '1'";
    let rules = [sig(1, "", condition)];
    let token = "\r\nX-Token: 0123abcd";
    // GET with a valid token: the `any` fails.
    assert_eq!(hit_ids(&rules, &get("/api/x", token)), Vec::<u64>::new());
    // GET without a token: `not` holds.
    assert_eq!(hit_ids(&rules, &get("/api/x", "")), [1]);
    // Debug flag: the outer `not` fails.
    assert_eq!(
        hit_ids(&rules, &get("/api/x?debug=1", "")),
        Vec::<u64>::new()
    );
    // POST with a valid token: the method holds.
    let post = request(&format!("POST /api/x HTTP/1.1\r\nHost: h{token}"), b"");
    assert_eq!(hit_ids(&rules, &post), [1]);
    // Not under /api/.
    assert_eq!(hit_ids(&rules, &get("/web", "")), Vec::<u64>::new());
}

#[test]
fn only_rules_that_can_hold_without_a_pattern_are_always_evaluated() {
    let rules = [
        sig(1, "", "field: path\nprefix: /a"),
        sig(2, "", "not:\n  field: header\n  name: x-key\n  prefix: k"),
        sig(3, "", "field: client-address\ncidr: 192.0.2.0/24"),
        sig(4, "", "all:\n  - field: path\n    prefix: /a\n  - not:\n      field: method\n      equals: GET"),
        sig(5, "", "any:\n  - field: path\n    prefix: /a\n  - field: response-status\n    ge: 500"),
        sig(6, "", "all:\n  - field: query-param\n    name: n\n    gt: 3\n  - field: path\n    prefix: /a"),
    ];
    let snapshot = compile(&rules);
    let always = |phase| snapshot.always_evaluated(phase).collect::<Vec<_>>();
    assert_eq!(always(Phase::RequestHeaders), [2, 3]);
    assert_eq!(always(Phase::ResponseHeaders), [5]);
    assert_eq!(always(Phase::RequestBody), Vec::<u64>::new());
    assert_eq!(snapshot.stats().always_evaluated, 3);

    let tx = get("/b?n=9", "");
    assert_eq!(hit_ids(&rules, &tx), [2, 3]);
    let tx = get("/a?n=9", "\r\nX-Key: k1");
    assert_eq!(hit_ids(&rules, &tx), [1, 3, 5, 6]);
}

#[test]
fn rules_run_at_the_phase_of_their_latest_field() {
    let rules = [
        sig(1, "", "field: path\nprefix: /upload"),
        sig(
            2,
            "",
            "all:\n  - field: path\n    prefix: /upload\n  - field: request-body\n    contains: MZ",
        ),
        sig(
            3,
            "",
            "all:\n  - field: path\n    prefix: /upload\n  - field: response-status\n    eq: 201",
        ),
        sig(4, "", "field: response-body\ncontains: created"),
    ];
    let tx = exchange(
        &with_body("POST /upload HTTP/1.1\r\nHost: h", b"MZ\x90\x00"),
        &with_body("HTTP/1.1 201 Created", b"created"),
    );
    let mut matcher = matcher(&rules);
    let mut insp = matcher.start();
    let by_phase: Vec<Vec<u64>> = Phase::ALL
        .iter()
        .map(|p| ids(&matcher.inspect(&mut insp, &tx, client(), *p)))
        .collect();
    assert_eq!(by_phase, [vec![1], vec![2], vec![3], vec![4]]);
    assert_eq!(insp.last_phase(), Some(Phase::ResponseBody));
    // A phase already run reports nothing again.
    assert!(matcher
        .inspect(&mut insp, &tx, client(), Phase::ResponseBody)
        .is_empty());

    // Asking for a later phase runs the earlier ones too.
    let mut insp = matcher.start();
    let hits = matcher.inspect(&mut insp, &tx, client(), Phase::RequestBody);
    assert_eq!(ids(&hits), [1, 2]);
}

#[test]
fn shadow_rules_are_reported_and_disabled_rules_skipped() {
    let rules = [
        sig(1, "mode: shadow", "field: path\nprefix: /"),
        sig(2, "enabled: false", "field: path\nprefix: /"),
        sig(3, "", "field: path\nprefix: /"),
        sig(
            4,
            "enabled: false\nmode: shadow",
            "not:\n  field: path\n  prefix: /x",
        ),
    ];
    let mut matcher = matcher(&rules);
    assert_eq!(matcher.snapshot().rule_count(), 2);
    let hits = matcher.inspect_transaction(&get("/", ""), client());
    assert_eq!(ids(&hits), [1, 3]);
    assert!(hits[0].shadow && !hits[0].is_enforced());
    assert!(!hits[1].shadow && hits[1].is_enforced());
}

#[test]
fn evidence_comes_from_a_test_outside_not() {
    let rules = [
        sig(1, "", "all:\n  - not:\n      field: method\n      equals: POST\n  - field: path\n    suffix: .php"),
        sig(2, "", "not:\n  field: method\n  equals: POST"),
    ];
    let hits = matcher(&rules).inspect_transaction(&get("/x.php", ""), client());
    assert_eq!(ids(&hits), [1, 2]);
    let evidence = hits[0].evidence.as_ref().expect("the path test");
    assert_eq!(evidence.field.to_string(), "path");
    assert_eq!(hits[1].evidence, None);
}

#[test]
fn a_new_snapshot_applies_to_new_transactions_only() {
    let old = compile(&[sig(1, "", "field: path\nprefix: /")]);
    let new = compile(&[sig(2, "", "field: path\nprefix: /")]);
    let mut matcher = Matcher::new(old).expect("scratch");
    let tx = get("/", "");
    let mut started = matcher.start();
    matcher.update(new).expect("scratch");
    let hits = matcher.inspect(&mut started, &tx, client(), Phase::ResponseBody);
    assert_eq!(ids(&hits), [1]);
    assert_eq!(ids(&matcher.inspect_transaction(&tx, client())), [2]);
}

#[test]
fn a_rule_over_request_and_response_fires_as_soon_as_it_must_hold() {
    let rules = [
        // Either body: holds once the request body matched.
        sig(
            5,
            "",
            "any:\n  - field: request-body\n    contains: MZ\n  - field: response-body\n    contains: MZ",
        ),
        // Needs the response too: waits for it.
        sig(
            6,
            "",
            "all:\n  - field: request-body\n    contains: MZ\n  - field: response-status\n    eq: 201",
        ),
        // A later `not` could still undo it: waits.
        sig(
            7,
            "",
            "all:\n  - field: request-body\n    contains: MZ\n  - not:\n      field: response-body\n      contains: ok",
        ),
    ];
    let tx = exchange(
        &with_body("POST /upload HTTP/1.1\r\nHost: h", b"MZ\x90\x00"),
        &with_body("HTTP/1.1 201 Created", b"MZ too"),
    );
    let mut matcher = matcher(&rules);
    let mut insp = matcher.start();
    let by_phase: Vec<Vec<u64>> = Phase::ALL
        .iter()
        .map(|p| ids(&matcher.inspect(&mut insp, &tx, client(), *p)))
        .collect();
    // Rule 5 fires once, at the request body, not again at the response.
    assert_eq!(by_phase, [vec![], vec![5], vec![6], vec![7]]);
}
