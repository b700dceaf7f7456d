//! Start lines, header fields, interim responses, tunnels, gaps and the
//! tolerance rules for malformed heads.

use super::*;
use crate::http::{Anomaly, Method, TxEnd, Version};

#[test]
fn request_fields_and_hostname() {
    let req = b"GET http://user@example.org:8080/x?y HTTP/1.1\r\nHost: other\r\nX-A:  v  \r\n\r\n";
    let txs = run(req, &response_with("", b""));
    let tx = &txs[0];
    assert_eq!(tx.method, Method::Get);
    assert_eq!(tx.request_version, Version::Http11);
    assert_eq!(tx.request_header("x-a"), Some(&b"v"[..]));
    // RFC 9112 §3.2.2: the authority of an absolute target wins over Host.
    assert_eq!(tx.hostname(), Some(&b"example.org:8080"[..]));
    assert_eq!(tx.status, Some(200));
    assert_eq!(tx.reason, b"OK");
}

#[test]
fn a_url_in_the_query_is_not_the_authority() {
    // RFC 9112 §3.2.1: an origin-form target names no host; Host does.
    let req = b"GET /fetch?url=http://169.254.169.254/latest HTTP/1.1\r\nHost: api.example\r\n\r\n";
    let txs = run(req, &response_with("", b""));
    assert_eq!(txs[0].hostname(), Some(&b"api.example"[..]));
    let req = b"GET /a/http://b.example/ HTTP/1.1\r\nHost: api.example\r\n\r\n";
    let txs = run(req, &response_with("", b""));
    assert_eq!(txs[0].hostname(), Some(&b"api.example"[..]));
}

#[test]
fn unknown_method_keeps_its_bytes() {
    let txs = run(
        b"BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n",
        &response_with("", b""),
    );
    assert_eq!(txs[0].method, Method::Unknown(b"BREW".to_vec()));
    assert_eq!(txs[0].method.as_bytes(), b"BREW");
}

#[test]
fn missing_host_obs_fold_and_bare_lf_are_flagged() {
    let req = b"GET / HTTP/1.1\nX-Long: one\n  two\n\n";
    let txs = run(req, &response_with("", b""));
    let tx = &txs[0];
    assert!(tx.has_anomaly(Anomaly::MissingHost));
    assert!(tx.has_anomaly(Anomaly::ObsFold));
    assert!(tx.has_anomaly(Anomaly::BareLf));
    assert_eq!(tx.request_header("x-long"), Some(&b"one two"[..]));
    assert_eq!(Anomaly::MissingHost.name(), "missing_host");
}

#[test]
fn interim_responses_precede_the_final_one() {
    let req = b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi";
    let resp = [
        &b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"[..],
        &response_with("", b"done"),
    ]
    .concat();
    let txs = run(req, &resp);
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0].interim_statuses, [100, 102]);
    assert_eq!(txs[0].status, Some(200));
    assert_eq!(txs[0].response_body.data, b"done");
}

#[test]
fn connect_2xx_makes_a_tunnel() {
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut out = Collect::default();
    conn.data(
        REQ,
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01",
        1,
        &mut out,
    );
    conn.data(
        RESP,
        b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03",
        2,
        &mut out,
    );
    conn.data(REQ, b"GET / HTTP/1.1\r\n\r\n", 3, &mut out);
    assert!(conn.is_tunnel());
    assert_eq!(out.txs.len(), 1);
    assert_eq!(out.txs[0].end, TxEnd::Tunnel);
    assert_eq!(out.txs[0].hostname(), Some(&b"example.com:443"[..]));
}

#[test]
fn refused_connect_parses_what_followed() {
    let req = b"CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n";
    let resp = [
        &b"HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n"[..],
        &response_with("", b"x"),
    ]
    .concat();
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut out = Collect::default();
    conn.data(REQ, req, 1, &mut out);
    conn.data(RESP, &resp, 2, &mut out);
    assert!(!conn.is_tunnel());
    assert_eq!(out.txs.len(), 2);
    assert_eq!(out.txs[1].uri, b"/next");
}

#[test]
fn upgrade_101_makes_a_tunnel_only_when_asked() {
    let req = b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut out = Collect::default();
    conn.data(REQ, req, 1, &mut out);
    conn.data(
        RESP,
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
        2,
        &mut out,
    );
    assert!(conn.is_tunnel());
    assert_eq!(out.txs[0].end, TxEnd::Tunnel);
    assert_eq!(out.txs[0].status, Some(101));

    // Without an Upgrade request a 101 is only an interim response.
    let txs = run(
        GET,
        &[
            &b"HTTP/1.1 101 Nope\r\n\r\n"[..],
            &response_with("", b"body"),
        ]
        .concat(),
    );
    assert_eq!(txs[0].interim_statuses, [101]);
    assert_eq!(txs[0].response_body.data, b"body");
}

#[test]
fn response_without_status_line_is_http09_body() {
    let txs = run(b"GET /\r\n", b"<html>plain</html>");
    assert_eq!(txs[0].request_version, Version::Http09);
    assert_eq!(txs[0].response_version, Some(Version::Http09));
    assert_eq!(txs[0].response_body.data, b"<html>plain</html>");
    assert!(txs[0].has_anomaly(Anomaly::Http09Response));
}

#[test]
fn junk_before_status_line_is_skipped() {
    let resp = [&b"junk\r\n"[..], &response_with("", b"abc")].concat();
    let txs = run(GET, &resp);
    assert_eq!(txs[0].status, Some(200));
    assert_eq!(txs[0].response_body.data, b"abc");
    assert!(txs[0].has_anomaly(Anomaly::JunkBeforeStatusLine));
}

#[test]
fn gap_inside_length_body_keeps_framing() {
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut out = Collect::default();
    conn.data(REQ, &[GET, GET].concat(), 1, &mut out);
    conn.data(
        RESP,
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        2,
        &mut out,
    );
    conn.gap(RESP, 4, 3, &mut out);
    conn.data(RESP, b"xyz", 4, &mut out);
    conn.data(RESP, &response_with("", b"next"), 5, &mut out);
    assert_eq!(out.txs.len(), 2);
    assert!(out.txs[0].response_body.gaps);
    assert_eq!(out.txs[0].response_body.data, b"abcxyz");
    assert_eq!(out.txs[1].response_body.data, b"next");
}

#[test]
fn gap_in_head_resyncs_at_next_message() {
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut out = Collect::default();
    conn.data(REQ, b"GET /a HTTP/1.1\r\nHo", 1, &mut out);
    conn.gap(REQ, 10, 2, &mut out);
    conn.data(
        REQ,
        b"garbage\r\nGET /b HTTP/1.1\r\nHost: b\r\n\r\n",
        3,
        &mut out,
    );
    conn.close(4, &mut out);
    assert_eq!(out.txs.len(), 2);
    assert!(out.txs[0].has_anomaly(Anomaly::Gap));
    assert_eq!(out.txs[1].uri, b"/b");
}

#[test]
fn header_limits_bound_memory() {
    let cfg = HttpConfig {
        max_headers: 3,
        max_line: 64,
        max_header_bytes: 256,
        ..HttpConfig::default()
    };
    let mut req = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..50 {
        req.extend_from_slice(format!("X-{i}: {}\r\n", "v".repeat(100)).as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    let txs = exchange(&cfg, &req, &response_with("", b"")).txs;
    let tx = &txs[0];
    assert!(tx.request_headers.len() <= 3);
    assert!(tx.has_anomaly(Anomaly::LineTooLong));
    assert!(tx.has_anomaly(Anomaly::HeaderBlockTooLong));
    assert_eq!(tx.status, Some(200));
}

#[test]
fn body_limit_truncates_kept_bytes_only() {
    let cfg = HttpConfig {
        body_limit: 4,
        ..HttpConfig::default()
    };
    let out = exchange(&cfg, GET, &response_with("", b"0123456789"));
    let body = &out.txs[0].response_body;
    assert_eq!(body.data, b"0123");
    assert!(body.truncated);
    assert_eq!(body.decoded_len, 10);
    assert_eq!(out.streamed[RESP.index()], b"0123456789");
}

#[test]
fn a_304_with_a_length_then_a_new_response_has_no_body() {
    // RFC 9110 section 15.4.5: a 304 has no content, though it may carry
    // the Content-Length of the representation it stands for.
    let request = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    let response = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n\
                     HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let txs = run(request, response);
    assert_eq!(txs.len(), 2);
    assert_eq!(
        (txs[0].status, txs[0].response_body.decoded_len),
        (Some(304), 0)
    );
    assert!(!txs[0].has_anomaly(Anomaly::BodyOnBodilessStatus));
    assert_eq!(
        (txs[1].status, txs[1].response_body.data.as_slice()),
        (Some(200), &b"ok"[..])
    );
}

#[test]
fn data_after_a_304_that_is_no_response_is_read_as_its_declared_body() {
    let request = b"GET /f HTTP/1.1\r\nHost: h\r\n\r\n";
    let response = b"HTTP/1.1 304 ok\r\nContent-Length: 5\r\n\r\nhello";
    let txs = run(request, response);
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0].response_body.data, b"hello");
    assert!(txs[0].has_anomaly(Anomaly::BodyOnBodilessStatus));
    assert!(!txs[0].has_anomaly(Anomaly::ResponseWithoutRequest));
}

#[test]
fn bytes_after_an_upgrade_request_wait_for_the_answer() {
    // RFC 9110 section 7.8: after 101 the connection speaks the new protocol;
    // a refused upgrade leaves it HTTP.
    let request =
        b"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\
                    \x81\x85binary-frame";
    let switched = run(
        request,
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    );
    assert_eq!(switched.len(), 1, "the frame bytes make no transaction");
    assert_eq!(switched[0].end, TxEnd::Tunnel);

    let request = b"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    let response =
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let refused = run(request, response);
    assert_eq!(
        refused.len(),
        2,
        "the held request is parsed once the upgrade is refused"
    );
    assert_eq!(refused[1].uri, b"/next");
}

#[test]
fn a_flood_of_interim_responses_is_bounded() {
    let request = b"POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n";
    let mut response = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(1000);
    response.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let txs = run(request, &response);
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0].status, Some(200));
    assert_eq!(txs[0].interim_statuses.len(), 16);
    assert!(txs[0].has_anomaly(Anomaly::TooManyInterim));
}
