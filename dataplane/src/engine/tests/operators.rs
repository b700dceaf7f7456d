//! Every operator, matched and not matched, with and without `nocase`.

use super::{get, hit_ids, sig};

#[test]
fn regex_matches_anywhere_in_the_value() {
    let rules = [
        sig(1, "", "field: path\nregex: 'adm[io]n/\\d+'"),
        sig(2, "", "field: path\nregex: '^/admin$'"),
        sig(3, "", "field: path\nregex: 'ADMIN'"),
        sig(4, "", "field: path\nregex: 'ADMIN'\nnocase: true"),
    ];
    assert_eq!(hit_ids(&rules, &get("/v1/admin/42", "")), [1, 4]);
    assert_eq!(hit_ids(&rules, &get("/admin", "")), [2, 4]);
}

#[test]
fn regex_flags_dotall_and_multiline() {
    let rules = [
        sig(1, "", "field: request-body\nregex: 'a.b'"),
        sig(2, "", "field: request-body\nregex: 'a.b'\ndotall: true"),
        sig(3, "", "field: request-body\nregex: '^two$'"),
        sig(
            4,
            "",
            "field: request-body\nregex: '^two$'\nmultiline: true",
        ),
    ];
    let post = |body: &[u8]| super::request("POST / HTTP/1.1\r\nHost: h", body);
    assert_eq!(hit_ids(&rules, &post(b"one\ntwo\na\nb")), [2, 4]);
    assert_eq!(hit_ids(&rules, &post(b"two")), [3, 4]);
    assert_eq!(hit_ids(&rules, &post(b"axb")), [1, 2]);
}

#[test]
fn contains_is_a_literal_not_a_pattern() {
    let rules = [
        sig(1, "", "field: query\ncontains: 'a.c'"),
        sig(2, "", "field: query\ncontains: '(x|y)*'"),
        sig(3, "", "field: query\ncontains: 'ABC'"),
        sig(4, "", "field: query\ncontains: 'ABC'\nnocase: true"),
    ];
    assert_eq!(hit_ids(&rules, &get("/?q=abc", "")), [4]);
    assert_eq!(hit_ids(&rules, &get("/?q=a.c(x|y)*", "")), [1, 2]);
}

#[test]
fn equals_prefix_and_suffix_are_anchored() {
    let rules = [
        sig(1, "", "field: path\nequals: /api/v1/users"),
        sig(2, "", "field: path\nprefix: /api/"),
        sig(3, "", "field: path\nsuffix: /users"),
        sig(4, "", "field: path\nequals: /API/V1/USERS\nnocase: true"),
        sig(5, "", "field: path\nprefix: /API\nnocase: true"),
    ];
    assert_eq!(hit_ids(&rules, &get("/api/v1/users", "")), [1, 2, 3, 4, 5]);
    assert_eq!(hit_ids(&rules, &get("/api/v1/users/7", "")), [2, 5]);
    assert_eq!(hit_ids(&rules, &get("/x/api/v1/users", "")), [3]);
}

#[test]
fn anchors_do_not_accept_a_trailing_newline() {
    // `$` in Vectorscan also matches before a final newline; `equals` and
    // `suffix` must not.
    let rules = [
        sig(1, "", "field: query-param\nname: q\nequals: abc"),
        sig(2, "", "field: query-param\nname: q\nsuffix: abc"),
    ];
    assert_eq!(hit_ids(&rules, &get("/?q=abc%0a", "")), Vec::<u64>::new());
    assert_eq!(hit_ids(&rules, &get("/?q=abc", "")), [1, 2]);
}

#[test]
fn in_matches_whole_values_only() {
    let rules = [
        sig(1, "", "field: method\nin: [PUT, DELETE]"),
        sig(2, "", "field: method\nin: [put, delete]\nnocase: true"),
        sig(3, "", "field: method\nin: [DEL]"),
        sig(4, "", "field: query-param\nname: e\nin: ['', none]"),
    ];
    let delete = super::request("DELETE /x HTTP/1.1\r\nHost: h", b"");
    assert_eq!(hit_ids(&rules, &delete), [1, 2]);
    assert_eq!(hit_ids(&rules, &get("/?e=", "")), [4]);
    assert_eq!(hit_ids(&rules, &get("/?e=nonE", "")), Vec::<u64>::new());
}

#[test]
fn comparisons_read_decimal_integers() {
    let rules = [
        sig(1, "", "field: query-param\nname: n\neq: 10"),
        sig(2, "", "field: query-param\nname: n\nne: 10"),
        sig(3, "", "field: query-param\nname: n\nlt: 10"),
        sig(4, "", "field: query-param\nname: n\nle: 10"),
        sig(5, "", "field: query-param\nname: n\ngt: 10"),
        sig(6, "", "field: query-param\nname: n\nge: 10"),
    ];
    assert_eq!(hit_ids(&rules, &get("/?n=10", "")), [1, 4, 6]);
    assert_eq!(hit_ids(&rules, &get("/?n=-3", "")), [2, 3, 4]);
    assert_eq!(hit_ids(&rules, &get("/?n=11", "")), [2, 5, 6]);
    // Not integers: no comparison holds, not even `ne`.
    assert_eq!(hit_ids(&rules, &get("/?n=10.5", "")), Vec::<u64>::new());
    assert_eq!(
        hit_ids(&rules, &get("/?n=99999999999999999999", "")),
        Vec::<u64>::new()
    );
}

#[test]
fn cidr_reads_addresses_of_both_families() {
    let rules = [
        sig(1, "", "field: client-address\ncidr: 192.0.2.0/24"),
        sig(
            2,
            "",
            "field: client-address\ncidr: [10.0.0.0/8, '2001:db8::/32']",
        ),
        sig(
            3,
            "",
            "field: header\nname: x-forwarded-for\ncidr: '2001:db8::/32'",
        ),
        sig(
            4,
            "",
            "field: header\nname: x-forwarded-for\ncidr: 0.0.0.0/0",
        ),
    ];
    let tx = get("/", "\r\nX-Forwarded-For: 2001:db8::7");
    assert_eq!(hit_ids(&rules, &tx), [1, 3]);
    let tx = get("/", "\r\nX-Forwarded-For: not-an-address");
    assert_eq!(hit_ids(&rules, &tx), [1]);
}

#[test]
fn literals_with_pattern_syntax_and_bytes_are_escaped() {
    let rules = [
        sig(
            1,
            "",
            "field: header\nname: x-t\nequals: '^$.*+?()[]{}|\\/'",
        ),
        sig(2, "", "field: header\nname: x-t\ncontains: 'é'"),
    ];
    let tx = get("/", "\r\nX-T: ^$.*+?()[]{}|\\/");
    assert_eq!(hit_ids(&rules, &tx), [1]);
    let tx = get("/", "\r\nX-T: caf\u{e9}");
    assert_eq!(hit_ids(&rules, &tx), [2]);
}
