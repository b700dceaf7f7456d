//! Every field of the rule language, read from transactions the HTTP
//! parser produced, with the evidence each reports.

use super::{client, exchange, get, hit_ids, matcher, request, sig, with_body};

#[test]
fn request_line_fields() {
    let rules = [
        sig(1, "", "field: method\nequals: PATCH"),
        sig(2, "", "field: host\nequals: 'api.example.com:8443'"),
        sig(3, "", "field: path\nequals: '/a%20b/c'"),
        sig(4, "", "field: query\nequals: 'x=1&y=%41'"),
        sig(5, "", "field: query-param\nname: y\nequals: A"),
        sig(6, "", "field: query-param\nname: Y\nequals: A"),
    ];
    let head = "PATCH /a%20b/c?x=1&y=%41 HTTP/1.1\r\nHost: api.example.com:8443";
    assert_eq!(hit_ids(&rules, &request(head, b"")), [1, 2, 3, 4, 5]);
    // An absolute target's authority wins over the Host field.
    let head = "PATCH http://api.example.com:8443/ HTTP/1.1\r\nHost: other";
    assert_eq!(hit_ids(&rules, &request(head, b"")), [1, 2]);
}

#[test]
fn headers_cookies_and_user_agent() {
    let rules = [
        sig(1, "", "field: header\nname: X-Api-Key\nprefix: k-"),
        sig(2, "", "field: headers\ncontains: secret"),
        sig(3, "", "field: cookie\nname: session\nequals: 'a b'"),
        sig(4, "", "field: cookies\nequals: admin"),
        sig(5, "", "field: user-agent\nprefix: curl/"),
        sig(6, "", "field: header\nname: user-agent\nprefix: curl/"),
        sig(7, "", "field: cookie\nname: SESSION\nequals: 'a b'"),
    ];
    let fields =
        "\r\nx-api-KEY: k-1\r\nUser-Agent: curl/8.0\r\nCookie: session=a%20b\r\nCookie: role=admin";
    assert_eq!(hit_ids(&rules, &get("/", fields)), [1, 3, 4, 5, 6]);
    assert_eq!(hit_ids(&rules, &get("/", "\r\nX-Other: top-secret")), [2]);
}

#[test]
fn form_multipart_and_json_body_parameters() {
    let rules = [
        sig(1, "", "field: body-param\nname: user\nequals: alice"),
        sig(2, "", "field: param\nname: user\nequals: alice"),
        sig(3, "", "field: param-values\nequals: alice"),
        sig(4, "", "field: param-names\nequals: user"),
        sig(5, "", "field: query-param\nname: user\nequals: alice"),
    ];
    let form = "POST /login HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded";
    assert_eq!(
        hit_ids(&rules, &request(form, b"pw=1&user=al%69ce")),
        [1, 2, 3, 4]
    );

    let multipart =
        "POST /up HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=XyZ";
    let body =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nalice\r\n--XyZ--\r\n";
    assert_eq!(hit_ids(&rules, &request(multipart, body)), [1, 2, 3, 4]);

    let json = "POST /api HTTP/1.1\r\nHost: h\r\nContent-Type: application/vnd.x+json";
    assert_eq!(
        hit_ids(&rules, &request(json, br#"{"user": "alice"}"#)),
        [1, 2, 3, 4]
    );
    // Only top-level members are body parameters.
    let nested = br#"{"data": {"user": "alice"}}"#;
    assert_eq!(hit_ids(&rules, &request(json, nested)), Vec::<u64>::new());
    // The query counts for `param` too.
    assert_eq!(hit_ids(&rules, &get("/?user=alice", "")), [2, 3, 4, 5]);
}

#[test]
fn json_paths_select_flattened_values() {
    let rules = [
        sig(1, "", "field: request-json\nname: $.items[*].price\nlt: 0"),
        sig(2, "", "field: request-json\nname: $.items[1].price\nlt: 0"),
        sig(3, "", "field: request-json\nname: $.items[0].price\nlt: 0"),
        sig(4, "", "field: request-json\nname: '$.*.a/b'\nequals: x"),
        sig(5, "", "field: request-json\nname: $.items\nlt: 0"),
    ];
    let body = br#"{"items": [{"price": 5}, {"price": -2}], "m": {"a/b": "x"}}"#;
    let tx = request(
        "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: application/json",
        body,
    );
    assert_eq!(hit_ids(&rules, &tx), [1, 2, 4]);
    // Without a Content-Type a body that starts like JSON is read as JSON.
    let tx = request("POST /p HTTP/1.1\r\nHost: h", body);
    assert_eq!(hit_ids(&rules, &tx), [1, 2, 4]);
    // With another media type it is not.
    let tx = request(
        "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain",
        body,
    );
    assert_eq!(hit_ids(&rules, &tx), Vec::<u64>::new());
}

#[test]
fn response_fields() {
    let rules = [
        sig(1, "", "field: response-status\nge: 500"),
        sig(
            2,
            "",
            "field: response-header\nname: Server\nequals: 'Apache/2.2'",
        ),
        sig(3, "", "field: response-headers\ncontains: PHP"),
        sig(4, "", "field: response-body\ncontains: 'stack trace'"),
        sig(
            5,
            "",
            "field: response-json\nname: $.card\nregex: '^\\d{16}$'",
        ),
        sig(6, "", "field: response-status\nequals: '503'"),
    ];
    let response = with_body(
        "HTTP/1.1 503 Unavailable\r\nServer: Apache/2.2\r\nX-Powered-By: PHP/5\r\nContent-Type: application/json",
        br#"{"card": "4111111111111111", "e": "stack trace"}"#,
    );
    let tx = exchange(&with_body("GET / HTTP/1.1\r\nHost: h", b""), &response);
    assert_eq!(hit_ids(&rules, &tx), [1, 2, 3, 4, 5, 6]);
}

#[test]
fn request_body_and_client_address() {
    let rules = [
        sig(1, "", "field: request-body\ncontains: '<!ENTITY'"),
        sig(2, "", "field: client-address\nequals: 192.0.2.10"),
    ];
    let tx = request(
        "POST /x HTTP/1.1\r\nHost: h",
        b"<?xml?><!DOCTYPE a [<!ENTITY b SYSTEM 'x'>]>",
    );
    assert_eq!(hit_ids(&rules, &tx), [1, 2]);
}

#[test]
fn evidence_names_the_field_the_value_and_its_excerpt() {
    let rules = [
        sig(1, "", "field: headers\ncontains: evil"),
        sig(2, "", "field: param-values\nregex: 'or\\s+1=1'"),
        sig(3, "", "field: path\nprefix: /"),
    ];
    let long = "a".repeat(300);
    let tx = get(
        &format!("/?q={long}%20or%201=1{long}"),
        "\r\nX-Thing: very-EVIL-evil-value",
    );
    let hits = matcher(&rules).inspect_transaction(&tx, client());
    let evidence: Vec<_> = hits
        .iter()
        .map(|h| h.evidence.clone().expect("evidence"))
        .collect();

    assert_eq!(evidence[0].field.to_string(), "headers");
    assert_eq!(evidence[0].name.as_deref(), Some(&b"x-thing"[..]));
    assert_eq!(evidence[0].excerpt, b"very-EVIL-evil-value");

    assert_eq!(evidence[1].name.as_deref(), Some(&b"q"[..]));
    let excerpt = &evidence[1].excerpt;
    assert_eq!(excerpt.len(), crate::engine::EXCERPT_LEN);
    let text = String::from_utf8_lossy(excerpt);
    assert!(text.contains(" or 1=1"), "{text}");
    assert!(text.ends_with(&"a".repeat(32)), "{text}");

    assert_eq!(evidence[2].name, None);
    assert_eq!(evidence[2].excerpt, b"/");
}
