//! The fast paths against the tolerant reader: whenever a fast path takes a
//! header block, the line-by-line reader takes the same bytes, finds the
//! same fields and notes no anomaly. Blocks are generated with the odd
//! bytes the tolerant reader exists for: bare CR and LF, obs-fold, NUL,
//! control bytes, spaces around names, duplicate and conflicting lengths.

use proptest::prelude::*;

use super::*;
use crate::http::head::{self, HeadBuf, LineEnd};
use crate::http::{fast, parse, Anomaly, Header};

fn pick(items: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    proptest::sample::select(items).prop_map(<[u8]>::to_vec)
}

/// Bytes that make a line odd, mixed with plain ones.
fn odd_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let byte = proptest::sample::select(&b"aZ9-: \t\r\n\0\x7f\x01\x80,;"[..]);
    proptest::collection::vec(byte, 0..max)
}

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => pick(&[b"Host", b"Content-Length", b"content-length", b"Transfer-Encoding",
            b"Content-Encoding", b"X-Id", b"Upgrade"]),
        1 => pick(&[b"", b" Host", b"Host ", b"Ho st", b"Ho\0st", b"Content-Length\0",
            b"\tX", b"X\x7f", b"X(y)"]),
        1 => odd_bytes(6),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => pick(&[b"a", b" 5", b"5 ", b"5, 5", b"5, 6", b"chunked", b"gzip", b"\t v \t",
            b"", b"caf\xc3\xa9", b"x y"]),
        1 => pick(&[b"a\0b", b"a\rb", b"x\x01y", b"\x7f", b" \0"]),
        1 => odd_bytes(10),
    ]
}

fn line_end() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        12 => Just(&b"\r\n"[..]),
        1 => Just(&b"\n"[..]),
        1 => Just(&b"\r"[..]),
        1 => Just(&b"\r\r\n"[..]),
    ]
}

/// One field line, a continuation line or a line without a colon.
fn field_line() -> impl Strategy<Value = Vec<u8>> {
    let field = (name(), value()).prop_map(|(n, v)| [n, b": ".to_vec(), v].concat());
    let fold = (pick(&[b" ", b"\t", b"\0"]), value()).prop_map(|(w, v)| [w, v].concat());
    prop_oneof![10 => field, 1 => fold, 1 => odd_bytes(8)]
}

fn start_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => pick(&[b"GET / HTTP/1.1", b"POST /a?b=c HTTP/1.0", b"HTTP/1.1 200 OK",
            b"HTTP/1.0 204 No Content"]),
        1 => pick(&[b"GET /", b"GET  /x  HTTP/1.1", b"get / http/1.1", b"HTTP/1.1 20 OK",
            b"GET /\0 HTTP/1.1", b"GET / HTTP/1.1\rX: y", b"HTTP/2.0 200"]),
    ]
}

/// A header block: start line, field lines, the empty line, each with its
/// own line end, and sometimes bytes after it.
fn block() -> impl Strategy<Value = Vec<u8>> {
    let lines = proptest::collection::vec((field_line(), line_end()), 0..8);
    let tail = prop_oneof![4 => Just(Vec::new()), 1 => odd_bytes(6)];
    (start_line(), line_end(), lines, line_end(), tail).prop_map(
        |(start, end, lines, last, tail)| {
            let mut out = [start, end.to_vec()].concat();
            for (line, end) in lines {
                out.extend_from_slice(&line);
                out.extend_from_slice(end);
            }
            out.extend_from_slice(last);
            out.extend_from_slice(&tail);
            out
        },
    )
}

/// What the tolerant reader finds in the fields of `block`.
fn tolerant(block: &[u8], max_headers: usize) -> (Vec<Header>, Vec<Anomaly>) {
    let (_, from) = head::start_line(block);
    let (mut headers, mut anomalies) = (Vec::new(), Vec::new());
    let lines = head::lines(block.get(from..).unwrap_or_default());
    parse::fields(lines, max_headers, &mut headers, &mut anomalies);
    (headers, anomalies)
}

/// Pushes `input` line by line as the stream readers do until the block
/// ends; returns the buffer, bytes used and anomalies.
fn pushed(input: &[u8], cfg: &HttpConfig) -> (HeadBuf, usize, Vec<Anomaly>) {
    let (mut buf, mut used, mut anomalies) = (HeadBuf::default(), 0, Vec::new());
    while used < input.len() {
        let (n, end) = buf.push(&input[used..], cfg, &mut anomalies);
        used += n;
        if end == LineEnd::Empty {
            break;
        }
    }
    (buf, used, anomalies)
}

fn small_limits() -> impl Strategy<Value = HttpConfig> {
    (
        prop_oneof![Just(16usize), Just(64), Just(16 << 10)],
        8usize..200,
        0usize..6,
    )
        .prop_map(|(max_line, max_header_bytes, max_headers)| HttpConfig {
            max_line,
            max_header_bytes,
            max_headers,
            ..HttpConfig::default()
        })
}

#[test]
fn plain_blocks_take_the_fast_paths() {
    let block = b"GET / HTTP/1.1\r\nHost: a\r\nX-Id:  7 \r\n\r\n";
    let (_, from) = head::start_line(block);
    let fields = fast::fields(block, from, 8).expect("fast path");
    assert_eq!(fields, tolerant(block, 8).0);
    assert_eq!(fields[1].value, b"7");
    let mut buf = HeadBuf::default();
    assert_eq!(
        buf.take_block(block, &HttpConfig::default()),
        Some(block.len())
    );
}

/// The generated blocks reach both paths often, so that the properties
/// below say something.
#[test]
fn generated_blocks_take_both_paths() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut fast, mut whole, total) = (0, 0, 2000);
    for _ in 0..total {
        let block = block().new_tree(&mut runner).expect("a block").current();
        let (_, from) = head::start_line(&block);
        fast += usize::from(fast::fields(&block, from, 8).is_some());
        let taken = HeadBuf::default().take_block(&block, &HttpConfig::default());
        whole += usize::from(taken.is_some());
    }
    for taken in [fast, whole] {
        assert!(
            taken > total / 10 && taken < total * 9 / 10,
            "{fast} {whole}"
        );
    }
}

#[test]
fn token_table_matches_rfc_9110() {
    for b in 0..=255u8 {
        let rfc = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        assert_eq!(parse::is_tchar(b), rfc, "byte {b:#04x}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn fast_fields_only_where_tolerant_reader_notes_nothing(
        block in block(),
        max_headers in 0usize..10,
    ) {
        let (_, from) = head::start_line(&block);
        if let Some(fast) = fast::fields(&block, from, max_headers) {
            let (headers, anomalies) = tolerant(&block, max_headers);
            prop_assert_eq!(anomalies, vec![]);
            prop_assert_eq!(fast, headers);
        }
    }

    #[test]
    fn whole_blocks_only_where_line_pushes_note_nothing(
        block in block(),
        cfg in prop_oneof![Just(HttpConfig::default()), small_limits()],
    ) {
        let mut fast = HeadBuf::default();
        if let Some(used) = fast.take_block(&block, &cfg) {
            let (slow, slow_used, anomalies) = pushed(&block, &cfg);
            prop_assert_eq!(anomalies, vec![]);
            prop_assert_eq!(used, slow_used);
            prop_assert_eq!(&fast.buf, &slow.buf);
            prop_assert_eq!((fast.lines, fast.wire_len), (slow.lines, slow.wire_len));
        }
    }

    /// Whole heads take the fast paths; one byte at a time they cannot.
    #[test]
    fn odd_heads_read_alike_whole_and_byte_by_byte(
        req in block(),
        resp in block(),
        body in odd_bytes(12),
    ) {
        let (req, resp) = ([req, body.clone()].concat(), [resp, body].concat());
        prop_assert_eq!(feed(&req, &resp, 1), feed(&req, &resp, usize::MAX));
    }
}

/// Both streams in pieces of `piece` bytes, all at time 0.
fn feed(request: &[u8], response: &[u8], piece: usize) -> Vec<Transaction> {
    let mut conn = HttpConnection::new(&HttpConfig::default());
    let mut out = Collect::default();
    for (dir, stream) in [(REQ, request), (RESP, response)] {
        for part in stream.chunks(piece) {
            conn.data(dir, part, 0, &mut out);
        }
    }
    conn.close(0, &mut out);
    out.txs
}
