//! The server-to-client reader of [`HttpConnection`]: status lines, header
//! fields and response bodies, matched to requests in order.
//!
//! Reads responses the way browsers do: up to four junk bytes may precede
//! `HTTP` (and whole junk lines a line starting with `HTTP/`), a response
//! without a status line is an HTTP/0.9 body running to
//! the close, interim 1xx responses are skipped, and CONNECT 2xx or 101 after
//! an Upgrade request turn the connection into a tunnel.

use super::anomaly::Anomaly;
use super::body::BodyReader;
use super::connection::{find_in, HttpConnection, HttpObserver, Phase};
use super::head::{self, LineEnd};
use super::message::{Framing, Method, Version};
use super::{framing, parse};
use crate::flow::Direction;

const DIR: Direction = Direction::ToInitiator;

/// Interim (1xx) statuses kept per transaction; more are counted as an
/// anomaly.
const MAX_INTERIM: usize = 16;

/// Junk bytes allowed before `HTTP` at the start of a response.
const STATUS_SLOP: usize = 4;

/// Bytes of junk lines searched for a line that starts with `HTTP/` before
/// the response is taken to have no status line.
const JUNK_LIMIT: usize = 256;

impl HttpConnection {
    /// Response stream bytes, in order.
    pub(crate) fn response_data(
        &mut self,
        mut input: &[u8],
        now: u64,
        obs: &mut impl HttpObserver,
    ) {
        while !input.is_empty() {
            let phase = self.resp.phase;
            let used = match phase {
                Phase::Tunnel | Phase::Held => input.len(),
                Phase::Resync => self.response_resync(input),
                Phase::Idle => self.response_idle(input, now, obs),
                Phase::Head => self.response_head(input, now, obs),
                Phase::Body => self.response_body(input, now, obs),
                Phase::Peek => self.response_peek(input, now, obs),
            };
            // Every step consumes input or moves to another phase.
            let stuck = used == 0 && self.resp.phase == phase;
            input = if stuck {
                &[]
            } else {
                input.get(used..).unwrap_or_default()
            };
        }
    }

    /// `len` response bytes are missing.
    pub(crate) fn response_gap(&mut self, len: u64, now: u64, obs: &mut impl HttpObserver) {
        self.end_peek(now, obs);
        let cfg = self.cfg;
        let Some(open) = find_in(&mut self.open, self.resp.tx) else {
            if matches!(self.resp.phase, Phase::Idle | Phase::Head) {
                self.resp.phase = Phase::Resync;
                self.resp.head.clear();
            }
            return;
        };
        open.tx.note(Anomaly::Gap);
        open.tx.response_wire_len += len;
        let kept = match (&mut self.resp.body, self.resp.phase) {
            (Some(body), Phase::Body) => body.gap(len, &mut open.tx),
            _ => None,
        };
        match kept {
            Some(false) => {}
            Some(true) => self.end_response_body(now, &cfg, obs),
            None => {
                open.spoiled = true;
                self.response_done(now, obs);
                self.resp.phase = Phase::Resync;
            }
        }
    }

    /// The response stream ended: a close-delimited body is complete.
    pub(crate) fn response_close(&mut self, now: u64, obs: &mut impl HttpObserver) {
        self.end_peek(now, obs);
        if self.resp.phase == Phase::Head {
            if self.resp.status_at.is_none() {
                self.sniff(true);
            }
            if self.resp.status_at.is_none() {
                self.start_http09(obs);
            } else {
                self.end_response_head(now, obs);
                if let Some(open) = find_in(&mut self.open, self.resp.tx) {
                    open.spoiled = true;
                }
            }
        }
        if self.resp.phase != Phase::Body {
            return;
        }
        let close_delimited = self
            .resp
            .body
            .as_ref()
            .is_some_and(|b| b.is_close_delimited());
        if let Some(open) = find_in(&mut self.open, self.resp.tx) {
            if !close_delimited {
                open.tx.note(Anomaly::BodyTruncated);
                open.spoiled = true;
            }
        }
        let cfg = self.cfg;
        self.end_response_body(now, &cfg, obs);
    }

    /// Skips empty lines between responses, then attaches the next response
    /// to the oldest request without one.
    fn response_idle(&mut self, input: &[u8], now: u64, obs: &mut impl HttpObserver) -> usize {
        let blank = input
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        if blank == input.len() {
            return blank;
        }
        if self.resp.tx.is_none() {
            let waiting = self.open.iter().find(|o| !o.resp_done).map(|o| o.tx.index);
            let index = match waiting {
                Some(index) => index,
                None => self.orphan_tx(now, obs),
            };
            self.resp.tx = Some(index);
        }
        if let Some(open) = find_in(&mut self.open, self.resp.tx) {
            open.tx.response_started_ns.get_or_insert(now);
        }
        self.resp.phase = Phase::Head;
        self.resp.status_at = None;
        blank
    }

    /// A transaction for a response that no request asked for.
    fn orphan_tx(&mut self, now: u64, obs: &mut impl HttpObserver) -> u32 {
        let index = self.start_tx(now, obs);
        if let Some(open) = self.find(Some(index)) {
            open.req_done = true;
            open.tx.method = Method::Unknown(Vec::new());
            open.tx.request_version = Version::Http09;
            open.tx.note(Anomaly::ResponseWithoutRequest);
        }
        index
    }

    /// Collects the response head, first deciding whether there is one.
    fn response_head(&mut self, input: &[u8], now: u64, obs: &mut impl HttpObserver) -> usize {
        let Some(open) = find_in(&mut self.open, self.resp.tx) else {
            self.resp.phase = Phase::Idle;
            self.resp.head.clear();
            return 0;
        };
        if self.resp.status_at.is_none() && starts_ci(input, 0, b"HTTP") {
            if let Some(used) = self.resp.head.take_block(input, &self.cfg) {
                open.tx.response_wire_len += used as u64;
                self.resp.status_at = Some(0);
                self.end_response_head(now, obs);
                return used;
            }
        }
        // While looking for the status line take no more than can be kept
        // whole, so that an HTTP/0.9 body loses nothing.
        let input = match self.resp.status_at {
            None => {
                let room = sniff_cap(&self.cfg).saturating_sub(self.resp.head.buf.len());
                input.get(..room).unwrap_or(input)
            }
            Some(_) => input,
        };
        let (used, end) = self
            .resp
            .head
            .push(input, &self.cfg, &mut open.tx.anomalies);
        open.tx.response_wire_len += used as u64;
        if self.resp.status_at.is_none() {
            let decided = self.sniff(end == LineEnd::Empty);
            if self.resp.status_at.is_none() {
                if decided {
                    self.start_http09(obs);
                }
                return used;
            }
        }
        if end == LineEnd::Empty {
            self.end_response_head(now, obs);
        }
        used
    }

    /// Looks for `HTTP` near the start of the head, or `HTTP/` at the start
    /// of a line within the first [`JUNK_LIMIT`] bytes. Returns true once
    /// decided (sets `status_at` when found); `force` decides on what there
    /// is.
    fn sniff(&mut self, force: bool) -> bool {
        let buf = &self.resp.head.buf;
        let window = buf.get(..JUNK_LIMIT).unwrap_or(buf);
        let near = (0..=STATUS_SLOP).find(|&at| starts_ci(window, at, b"HTTP"));
        let found = near.or_else(|| {
            (1..window.len()).find(|&at| {
                matches!(window[at - 1], b'\n' | b'\r') && starts_ci(window, at, b"HTTP/")
            })
        });
        if let Some(at) = found {
            self.resp.status_at = Some(at);
            if at > 0 {
                if let Some(open) = find_in(&mut self.open, self.resp.tx) {
                    open.tx.note(Anomaly::JunkBeforeStatusLine);
                }
            }
            return true;
        }
        force || buf.len() >= sniff_cap(&self.cfg)
    }

    /// No status line: the bytes so far and all that follows until the close
    /// are the body, as browsers read HTTP/0.9 responses.
    fn start_http09(&mut self, obs: &mut impl HttpObserver) {
        let cfg = self.cfg;
        let start = std::mem::take(&mut self.resp.head.buf);
        self.resp.head.clear();
        let Some(open) = find_in(&mut self.open, self.resp.tx) else {
            return;
        };
        let tx = &mut open.tx;
        tx.note(Anomaly::Http09Response);
        tx.response_version = Some(Version::Http09);
        tx.response_body.framing = Framing::Close;
        obs.response_headers(tx);
        let mut body = BodyReader::new(tx, DIR, &cfg);
        if let Some(body) = &mut body {
            body.push(&start, tx, &cfg, &mut |tx, d| obs.body_data(tx, DIR, d));
        }
        self.resp.body = body;
        self.resp.phase = Phase::Body;
    }

    /// Response body bytes.
    fn response_body(&mut self, input: &[u8], now: u64, obs: &mut impl HttpObserver) -> usize {
        let cfg = self.cfg;
        let open = find_in(&mut self.open, self.resp.tx);
        let (Some(open), Some(body)) = (open, &mut self.resp.body) else {
            self.resp.phase = Phase::Idle;
            return 0;
        };
        let (used, done) = body.push(input, &mut open.tx, &cfg, &mut |tx, d| {
            obs.body_data(tx, DIR, d)
        });
        open.tx.response_wire_len += used as u64;
        if done {
            self.end_response_body(now, &cfg, obs);
        }
        used
    }

    /// A complete head: interim, tunnel, or the final response.
    fn end_response_head(&mut self, now: u64, obs: &mut impl HttpObserver) {
        let cfg = self.cfg;
        let block = std::mem::take(&mut self.resp.head.buf);
        let at = self.resp.status_at.take().unwrap_or(0);
        self.resp.head.clear();
        let Some(open) = find_in(&mut self.open, self.resp.tx) else {
            return;
        };
        let tx = &mut open.tx;
        let (line, from) = head::start_line(block.get(at..).unwrap_or_default());
        let line = parse::status_line(line, &mut tx.anomalies);
        let headers = parse::block_fields(&block, at + from, cfg.max_headers, &mut tx.anomalies);
        self.resp.head.recycle(block);

        let upgrade = tx.request_header("upgrade").is_some();
        let interim = (100..200).contains(&line.status) && !(line.status == 101 && upgrade);
        if interim {
            // Kept up to a bound: a flood of 1xx must not grow memory.
            if tx.interim_statuses.len() < MAX_INTERIM {
                tx.interim_statuses.push(line.status);
            } else {
                tx.note(Anomaly::TooManyInterim);
            }
            self.resp.phase = Phase::Idle;
            return;
        }
        let connect = tx.method == Method::Connect;
        let tunnel = line.status == 101 || connect && (200..300).contains(&line.status);
        tx.response_version = Some(line.version);
        tx.status = Some(line.status);
        tx.reason = line.reason;
        let scan = framing::Scan::new(&headers);
        let (version, status) = (line.version, line.status);
        let framing = framing::response(&scan, version, status, &tx.method, &mut tx.anomalies);
        tx.response_body.framing = framing;
        tx.response_body.encodings = framing::encodings(&scan);
        self.resp.declared = declared_body(&scan, version, status, &tx.method);
        tx.response_headers = headers;
        obs.response_headers(tx);
        if tunnel {
            tx.end = super::TxEnd::Tunnel;
            open.req_done = true;
            open.resp_done = true;
            tx.response_done_ns = Some(now);
            self.enter_tunnel(obs);
            return;
        }
        self.start_response_body(now, connect || upgrade, obs);
    }

    /// Starts reading the final response's body, if it has one; `held`:
    /// the request side holds bytes for this response (CONNECT, Upgrade).
    fn start_response_body(&mut self, now: u64, held: bool, obs: &mut impl HttpObserver) {
        let cfg = self.cfg;
        let body = find_in(&mut self.open, self.resp.tx)
            .and_then(|o| BodyReader::new(&mut o.tx, DIR, &cfg));
        match body {
            Some(body) => {
                self.resp.body = Some(body);
                self.resp.phase = Phase::Body;
            }
            None if self.resp.declared.is_some() => self.resp.phase = Phase::Peek,
            None => self.response_done(now, obs),
        }
        if held {
            self.release_held(now, obs);
        }
    }

    /// The response body ended (or the stream closed inside it).
    fn end_response_body(
        &mut self,
        now: u64,
        cfg: &super::HttpConfig,
        obs: &mut impl HttpObserver,
    ) {
        let open = find_in(&mut self.open, self.resp.tx);
        if let (Some(open), Some(body)) = (open, &mut self.resp.body) {
            body.finish(&mut open.tx, cfg, &mut |tx, d| obs.body_data(tx, DIR, d));
        }
        self.response_done(now, obs);
    }

    /// The response is over.
    fn response_done(&mut self, now: u64, obs: &mut impl HttpObserver) {
        self.resp.body = None;
        self.resp.head.clear();
        self.resp.phase = Phase::Idle;
        if let Some(open) = find_in(&mut self.open, self.resp.tx.take()) {
            open.resp_done = true;
            open.tx.response_done_ns = Some(now);
        }
        self.emit_done(obs);
    }

    /// After a 204/304 that declared a body: a new response (`HTTP/` after
    /// any blank lines) ends this one; anything else is read as the declared
    /// body, as the client may well read it. Bytes are held until that is
    /// clear, then read again in the new phase.
    fn response_peek(&mut self, input: &[u8], now: u64, obs: &mut impl HttpObserver) -> usize {
        const NEXT: &[u8] = b"HTTP/";
        let mut held = std::mem::take(&mut self.resp.held);
        held.extend_from_slice(input);
        let start = held.iter().position(|&b| b != b'\r' && b != b'\n');
        let seen = start.map_or(&[][..], |at| &held[at..]);
        let n = seen.len().min(NEXT.len());
        let is_next = seen[..n].eq_ignore_ascii_case(&NEXT[..n]);
        if is_next && n < NEXT.len() {
            self.resp.held = held;
            return input.len();
        }
        let declared = self.resp.declared.take();
        if is_next {
            self.response_done(now, obs);
        } else {
            self.start_declared_body(declared, now, obs);
        }
        self.response_data(&held, now, obs);
        input.len()
    }

    /// Reads what follows a 204/304 as the body it declared.
    fn start_declared_body(
        &mut self,
        declared: Option<Framing>,
        now: u64,
        obs: &mut impl HttpObserver,
    ) {
        let cfg = self.cfg;
        let body = find_in(&mut self.open, self.resp.tx).and_then(|o| {
            o.tx.note(Anomaly::BodyOnBodilessStatus);
            o.tx.response_body.framing = declared.unwrap_or(Framing::Close);
            BodyReader::new(&mut o.tx, DIR, &cfg)
        });
        match body {
            Some(body) => {
                self.resp.body = Some(body);
                self.resp.phase = Phase::Body;
            }
            None => self.response_done(now, obs),
        }
    }

    /// Ends a 204/304 still waiting to see what follows it.
    fn end_peek(&mut self, now: u64, obs: &mut impl HttpObserver) {
        if self.resp.phase == Phase::Peek {
            self.resp.declared = None;
            self.resp.held.clear();
            self.response_done(now, obs);
        }
    }

    /// After lost bytes: skip to the next `HTTP/`.
    fn response_resync(&mut self, input: &[u8]) -> usize {
        let found = input
            .windows(5)
            .position(|w| w.eq_ignore_ascii_case(b"HTTP/"));
        match found {
            Some(at) => {
                self.resp.phase = Phase::Idle;
                at
            }
            None => input.len(),
        }
    }
}

/// The body framing a 204 or 304 response (to anything but HEAD) declares
/// with a non-zero length or chunking, though it may not have a body.
fn declared_body(
    headers: &framing::Scan<'_>,
    version: Version,
    status: u16,
    method: &Method,
) -> Option<Framing> {
    if !matches!(status, 204 | 304) || *method == Method::Head {
        return None;
    }
    let mut ignored = Vec::new();
    match framing::response(headers, version, 200, method, &mut ignored) {
        Framing::Length(n) if n > 0 => Some(Framing::Length(n)),
        Framing::Chunked => Some(Framing::Chunked),
        _ => None,
    }
}

/// Bytes examined for a status line: the junk limit, or less when a line or
/// the head may not be that long.
fn sniff_cap(cfg: &super::HttpConfig) -> usize {
    JUNK_LIMIT
        .min(cfg.max_line)
        .min(cfg.max_header_bytes.saturating_sub(1))
        .max(1)
}

/// True when `buf` has `word` (ASCII case-insensitive) at `at`.
fn starts_ci(buf: &[u8], at: usize, word: &[u8]) -> bool {
    buf.get(at..at + word.len())
        .is_some_and(|w| w.eq_ignore_ascii_case(word))
}
