//! The client-to-server reader of [`HttpConnection`]: request lines, header
//! fields and request bodies, one transaction per request.
//!
//! Input: the ToResponder stream, its gaps and its end. Output: fields of
//! the transaction the request starts, and observer callbacks.

use super::anomaly::Anomaly;
use super::body::BodyReader;
use super::connection::{find_in, HttpConnection, HttpObserver, Phase};
use super::head::{self, LineEnd};
use super::message::{Method, Version};
use super::{framing, parse};
use crate::flow::Direction;

const DIR: Direction = Direction::ToResponder;

/// Method tokens that mark where a request may start after lost bytes.
const METHODS: [&[u8]; 9] = [
    b"GET ",
    b"POST ",
    b"HEAD ",
    b"PUT ",
    b"DELETE ",
    b"OPTIONS ",
    b"CONNECT ",
    b"TRACE ",
    b"PATCH ",
];

impl HttpConnection {
    /// Request stream bytes, in order.
    pub(crate) fn request_data(&mut self, mut input: &[u8], now: u64, obs: &mut impl HttpObserver) {
        while !input.is_empty() {
            let phase = self.req.phase;
            let used = match phase {
                // Peek belongs to the response reader.
                Phase::Tunnel | Phase::Peek => input.len(),
                Phase::Held => self.hold(input),
                Phase::Resync => self.request_resync(input),
                Phase::Idle => self.request_idle(input, now, obs),
                Phase::Head => self.request_head(input, now, obs),
                Phase::Body => self.request_body(input, now, obs),
            };
            // Every step consumes input or moves to another phase.
            let stuck = used == 0 && self.req.phase == phase;
            input = if stuck {
                &[]
            } else {
                input.get(used..).unwrap_or_default()
            };
        }
    }

    /// `len` request bytes are missing.
    pub(crate) fn request_gap(&mut self, len: u64, now: u64, obs: &mut impl HttpObserver) {
        let cfg = self.cfg;
        let Some(open) = find_in(&mut self.open, self.req.tx) else {
            if matches!(self.req.phase, Phase::Idle | Phase::Head) {
                self.req.phase = Phase::Resync;
            }
            self.req.held.clear();
            return;
        };
        open.tx.note(Anomaly::Gap);
        open.tx.request_wire_len += len;
        let kept = match (&mut self.req.body, self.req.phase) {
            (Some(body), Phase::Body) => body.gap(len, &mut open.tx),
            _ => None,
        };
        match kept {
            Some(false) => {}
            Some(true) => self.end_request_body(now, &cfg, obs),
            None => {
                open.spoiled = true;
                self.request_done(now, obs);
                self.req.phase = Phase::Resync;
            }
        }
    }

    /// The request stream ended.
    pub(crate) fn request_close(&mut self, now: u64, obs: &mut impl HttpObserver) {
        let cfg = self.cfg;
        match self.req.phase {
            Phase::Head => self.apply_request_head(),
            Phase::Body => {
                let Some(open) = find_in(&mut self.open, self.req.tx) else {
                    return;
                };
                open.tx.note(Anomaly::BodyTruncated);
                if let Some(body) = &mut self.req.body {
                    body.finish(&mut open.tx, &cfg, &mut |tx, d| obs.body_data(tx, DIR, d));
                }
            }
            _ => return,
        }
        if let Some(open) = self.find(self.req.tx) {
            open.spoiled = true;
            open.req_done = true;
        }
        let _ = now;
    }

    /// Skips empty lines between requests, then starts a transaction.
    fn request_idle(&mut self, input: &[u8], now: u64, obs: &mut impl HttpObserver) -> usize {
        let blank = input
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        if blank > 0 {
            self.req.leading_lines = true;
        }
        if blank < input.len() {
            let index = self.start_tx(now, obs);
            self.req.tx = Some(index);
            self.req.phase = Phase::Head;
        }
        blank
    }

    /// Collects the request head; an HTTP/0.9 request ends at its line.
    fn request_head(&mut self, input: &[u8], now: u64, obs: &mut impl HttpObserver) -> usize {
        let index = self.req.tx;
        let Some(open) = self.open.iter_mut().find(|o| Some(o.tx.index) == index) else {
            self.req.phase = Phase::Idle;
            self.req.head.clear();
            return 0;
        };
        let whole = !is_http09(input);
        if let Some(used) = whole
            .then(|| self.req.head.take_block(input, &self.cfg))
            .flatten()
        {
            open.tx.request_wire_len += used as u64;
            self.end_request_head(now, obs);
            return used;
        }
        let (used, end) = self.req.head.push(input, &self.cfg, &mut open.tx.anomalies);
        open.tx.request_wire_len += used as u64;
        let complete = match end {
            LineEnd::Partial => false,
            LineEnd::Empty => true,
            LineEnd::Line => self.req.head.lines == 1 && is_http09(&self.req.head.buf),
        };
        if complete {
            self.end_request_head(now, obs);
        }
        used
    }

    /// Request body bytes.
    fn request_body(&mut self, input: &[u8], now: u64, obs: &mut impl HttpObserver) -> usize {
        let cfg = self.cfg;
        let index = self.req.tx;
        let open = self.open.iter_mut().find(|o| Some(o.tx.index) == index);
        let (Some(open), Some(body)) = (open, &mut self.req.body) else {
            self.req.phase = Phase::Idle;
            return 0;
        };
        let (used, done) = body.push(input, &mut open.tx, &cfg, &mut |tx, d| {
            obs.body_data(tx, DIR, d)
        });
        open.tx.request_wire_len += used as u64;
        if done {
            self.end_request_body(now, &cfg, obs);
        }
        used
    }

    /// The head is complete: fill the transaction and find the body.
    fn end_request_head(&mut self, now: u64, obs: &mut impl HttpObserver) {
        self.apply_request_head();
        let cfg = self.cfg;
        let Some(open) = self.find(self.req.tx) else {
            return;
        };
        obs.request_headers(&open.tx);
        match BodyReader::new(&mut open.tx, DIR, &cfg) {
            Some(body) => {
                self.req.body = Some(body);
                self.req.phase = Phase::Body;
            }
            None => self.request_done(now, obs),
        }
    }

    /// Parses the collected head into the transaction (also for a head cut
    /// short by the end of the stream).
    fn apply_request_head(&mut self) {
        let cfg = self.cfg;
        let leading = std::mem::take(&mut self.req.leading_lines);
        let block = std::mem::take(&mut self.req.head.buf);
        self.req.head.clear();
        let Some(open) = find_in(&mut self.open, self.req.tx) else {
            return;
        };
        let tx = &mut open.tx;
        let (line, from) = head::start_line(&block);
        let line = parse::request_line(line, &mut tx.anomalies);
        tx.request_headers = parse::block_fields(&block, from, cfg.max_headers, &mut tx.anomalies);
        (tx.method, tx.uri, tx.request_version) = (line.method, line.uri, line.version);
        self.req.head.recycle(block);
        let Some(open) = find_in(&mut self.open, self.req.tx) else {
            return;
        };
        let tx = &mut open.tx;
        if leading {
            tx.note(Anomaly::LeadingEmptyLines);
        }

        let hosts = tx
            .request_headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(b"host"));
        match hosts.count() {
            0 if tx.request_version == Version::Http11 => tx.note(Anomaly::MissingHost),
            0 | 1 => {}
            _ => tx.note(Anomaly::DuplicateHost),
        }
        let scan = framing::Scan::new(&tx.request_headers);
        tx.request_body.framing = framing::request(&scan, tx.request_version, &mut tx.anomalies);
        tx.request_body.encodings = framing::encodings(&scan);
    }

    /// The request body ended normally.
    fn end_request_body(&mut self, now: u64, cfg: &super::HttpConfig, obs: &mut impl HttpObserver) {
        let index = self.req.tx;
        let open = self.open.iter_mut().find(|o| Some(o.tx.index) == index);
        if let (Some(open), Some(body)) = (open, &mut self.req.body) {
            body.finish(&mut open.tx, cfg, &mut |tx, d| obs.body_data(tx, DIR, d));
        }
        self.request_done(now, obs);
    }

    /// The request is over; a CONNECT or Upgrade request holds what follows
    /// for its response.
    fn request_done(&mut self, now: u64, obs: &mut impl HttpObserver) {
        self.req.body = None;
        self.req.head.clear();
        self.req.phase = Phase::Idle;
        let index = self.req.tx.take();
        let resp_index = self.resp.tx;
        let Some(open) = self.find(index) else {
            return;
        };
        open.req_done = true;
        open.tx.request_done_ns = Some(now);
        obs.request_complete(&open.tx);
        let waiting = !open.resp_done || Some(open.tx.index) == resp_index;
        // What follows a CONNECT or an Upgrade request is HTTP only if the
        // server refuses: hold it until the response says.
        let may_switch =
            open.tx.method == Method::Connect || open.tx.request_header("upgrade").is_some();
        if may_switch && waiting {
            self.req.phase = Phase::Held;
        }
        self.emit_done(obs);
    }

    /// Holds bytes after a CONNECT request, within the limit.
    fn hold(&mut self, input: &[u8]) -> usize {
        let room = self.cfg.max_held.saturating_sub(self.req.held.len());
        if input.len() > room {
            if let Some(open) = self.open.back_mut() {
                open.tx.note(Anomaly::HeldDataDropped);
            }
        }
        self.req
            .held
            .extend_from_slice(&input[..input.len().min(room)]);
        input.len()
    }

    /// The CONNECT was refused: parse the held bytes as requests.
    pub(crate) fn release_held(&mut self, now: u64, obs: &mut impl HttpObserver) {
        if self.req.phase != Phase::Held {
            return;
        }
        self.req.phase = Phase::Idle;
        let held = std::mem::take(&mut self.req.held);
        self.request_data(&held, now, obs);
    }

    /// After lost bytes: skip to a line that starts with a known method.
    fn request_resync(&mut self, input: &[u8]) -> usize {
        let starts = std::iter::once(0).chain(
            input
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(at, _)| at + 1),
        );
        for at in starts {
            let rest = input.get(at..).unwrap_or_default();
            if METHODS.iter().any(|m| rest.starts_with(m)) {
                self.req.phase = Phase::Idle;
                return at;
            }
        }
        input.len()
    }
}

/// True when the first line of `block` is a request line without version.
fn is_http09(block: &[u8]) -> bool {
    parse::is_http09(head::start_line(block).0)
}
