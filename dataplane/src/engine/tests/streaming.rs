//! Bodies scanned as they stream: patterns split across pieces, bytes
//! beyond the kept copy, end-of-body anchors, and the fallbacks.

use super::{client, ids, matcher, request, sig, REQ, RESP};
use crate::engine::{BodyStream, Hit, Inspection, Matcher, Phase};
use crate::flow::Direction;
use crate::http::{HttpConfig, HttpConnection, HttpObserver, Transaction};

fn sqli_rules() -> Vec<String> {
    vec![
        sig(
            1,
            "",
            "field: request-body\nregex: 'union\\s+select'\nnocase: true",
        ),
        sig(
            2,
            "",
            "field: request-body\ntransforms: [lowercase]\ncontains: 'union select'",
        ),
        sig(
            3,
            "",
            "field: request-body\ntransforms: [url-decode]\ncontains: 'union select'",
        ),
    ]
}

/// A POST whose kept body is `body`.
fn post(body: &[u8]) -> Transaction {
    request("POST /q HTTP/1.1\r\nHost: h", body)
}

/// Feeds `pieces` to a request body stream, then finishes it against `tx`.
fn stream_body(matcher: &mut Matcher, tx: &Transaction, pieces: &[&[u8]]) -> Vec<Hit> {
    let mut insp = matcher.start();
    let mut hits = matcher.inspect(&mut insp, tx, client(), Phase::RequestHeaders);
    let mut body = matcher.body_stream(&insp, REQ);
    for piece in pieces {
        body.feed(matcher, piece);
    }
    hits.extend(body.finish(matcher, &mut insp, tx, client()));
    hits
}

#[test]
fn a_pattern_split_across_pieces_matches() {
    let mut matcher = matcher(&sqli_rules());
    // The kept copy holds nothing: any hit comes from the stream.
    let tx = post(b"nothing");
    let hits = stream_body(&mut matcher, &tx, &[b"xxUNI", b"ON SEL", b"ECT yy"]);
    assert_eq!(ids(&hits), [1, 2]);
    let evidence = hits[0].evidence.as_ref().expect("evidence");
    assert_eq!(evidence.excerpt, b"xxUNION SELECT yy");
    assert_eq!(
        hits[1].evidence.as_ref().map(|e| e.excerpt.clone()),
        Some(b"xxunion select yy".to_vec())
    );
    assert_eq!(matcher.stats().streamed_bytes, 17);
}

#[test]
fn a_stream_without_the_pattern_does_not_match() {
    let mut matcher = matcher(&sqli_rules());
    let tx = post(b"nothing");
    let hits = stream_body(&mut matcher, &tx, &[b"union", b" ", b"selec", b"t"]);
    assert_eq!(ids(&hits), [1, 2]);
    let hits = stream_body(&mut matcher, &tx, &[b"union", b"-", b"select"]);
    assert_eq!(ids(&hits), Vec::<u64>::new());
}

#[test]
fn end_anchors_match_when_the_body_ends() {
    let rules = [sig(1, "", "field: request-body\nsuffix: '</html>'")];
    let mut matcher = matcher(&rules);
    let tx = post(b"nothing");
    let hits = stream_body(&mut matcher, &tx, &[b"<html>..</ht", b"ml>"]);
    assert_eq!(ids(&hits), [1]);
    assert_eq!(
        hits[0].evidence.as_ref().map(|e| e.excerpt.clone()),
        Some(b"<html>..</html>".to_vec())
    );
    let hits = stream_body(&mut matcher, &tx, &[b"<html>..</ht", b"ml>", b"\n"]);
    assert_eq!(ids(&hits), Vec::<u64>::new());
}

#[test]
fn without_a_stream_the_kept_body_is_scanned() {
    let mut matcher = matcher(&sqli_rules());
    let tx = post(b"1 union%20select 2");
    assert_eq!(ids(&matcher.inspect_transaction(&tx, client())), [3]);
    let tx = post(b"1 UNION SELECT 2");
    assert_eq!(ids(&matcher.inspect_transaction(&tx, client())), [1, 2]);
}

#[test]
fn a_stream_finished_too_late_is_counted_and_the_copy_used() {
    let mut matcher = matcher(&sqli_rules());
    let tx = post(b"UNION SELECT");
    let mut insp = matcher.start();
    let mut body = matcher.body_stream(&insp, REQ);
    body.feed(&mut matcher, b"nothing");
    let early = matcher.inspect(&mut insp, &tx, client(), Phase::RequestBody);
    assert_eq!(ids(&early), [1, 2]);
    let late = body.finish(&mut matcher, &mut insp, &tx, client());
    assert!(late.is_empty());
    assert_eq!(matcher.stats().stale_streams, 1);
}

#[test]
fn an_abandoned_stream_is_released() {
    let mut matcher = matcher(&sqli_rules());
    let insp = matcher.start();
    for _ in 0..100 {
        let mut body: BodyStream = matcher.body_stream(&insp, REQ);
        body.feed(&mut matcher, b"union sel");
        assert_eq!(body.offset(), 9);
    }
    assert_eq!(matcher.stats().scan_errors, 0);
}

#[test]
fn large_bodies_stream_in_pieces() {
    let mut matcher = matcher(&sqli_rules());
    let tx = post(b"");
    let mut big = vec![b'a'; 1 << 20];
    big.extend_from_slice(b" union select 1");
    let pieces: Vec<&[u8]> = big.chunks(4096).collect();
    let hits = stream_body(&mut matcher, &tx, &pieces);
    assert_eq!(ids(&hits), [1, 2]);
}

/// An observer that inspects as the parser goes, as the worker does.
struct Inline<'m> {
    matcher: &'m mut Matcher,
    insp: Option<Inspection>,
    body: Option<BodyStream>,
    pieces: usize,
    hits: Vec<(Phase, u64)>,
}

impl Inline<'_> {
    fn inspect(&mut self, tx: &Transaction, phase: Phase) {
        if let Some(insp) = self.insp.as_mut() {
            let hits = self.matcher.inspect(insp, tx, client(), phase);
            self.hits.extend(hits.iter().map(|h| (phase, h.rule_id)));
        }
    }
}

impl HttpObserver for Inline<'_> {
    fn request_headers(&mut self, tx: &Transaction) {
        let insp = self.matcher.start();
        self.body = Some(self.matcher.body_stream(&insp, REQ));
        self.insp = Some(insp);
        self.inspect(tx, Phase::RequestHeaders);
    }

    fn body_data(&mut self, _tx: &Transaction, dir: Direction, decoded: &[u8]) {
        if let (Direction::ToResponder, Some(body)) = (dir, self.body.as_mut()) {
            body.feed(self.matcher, decoded);
            self.pieces += 1;
        }
    }

    fn response_headers(&mut self, tx: &Transaction) {
        if let (Some(body), Some(insp)) = (self.body.take(), self.insp.as_mut()) {
            let hits = body.finish(self.matcher, insp, tx, client());
            self.hits
                .extend(hits.iter().map(|h| (Phase::RequestBody, h.rule_id)));
        }
        self.inspect(tx, Phase::ResponseHeaders);
    }

    fn transaction(&mut self, tx: Transaction) {
        self.inspect(&tx, Phase::ResponseBody);
    }
}

#[test]
fn the_parser_streams_bodies_beyond_the_kept_copy() {
    let mut rules = sqli_rules();
    rules.push(sig(4, "", "field: path\nprefix: /q"));
    let mut matcher = matcher(&rules);
    let mut inline = Inline {
        matcher: &mut matcher,
        insp: None,
        body: None,
        pieces: 0,
        hits: Vec::new(),
    };
    let config = HttpConfig {
        body_limit: 8,
        ..HttpConfig::default()
    };
    let mut conn = HttpConnection::new(&config);
    let body = b"id=1&x=aaaa%20UNION%20SELECT+password+FROM+users--&pad=UNION   SELECT";
    let head = format!(
        "POST /q HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let wire = [head.as_bytes(), body].concat();
    for segment in wire.chunks(5) {
        conn.data(REQ, segment, 1, &mut inline);
    }
    conn.data(
        RESP,
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        2,
        &mut inline,
    );
    conn.close(3, &mut inline);

    assert!(inline.pieces > 10, "{} pieces", inline.pieces);
    // Rule 3 needs url-decode, so it runs on the 8 bytes kept: no match.
    assert_eq!(
        inline.hits,
        [(Phase::RequestHeaders, 4), (Phase::RequestBody, 1)]
    );
}
