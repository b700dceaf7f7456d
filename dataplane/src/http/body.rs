//! Reads one message body: finds its end from the framing, removes chunked
//! coding, undoes content codings and records the result in the
//! transaction's [`Body`], handing decoded bytes on as they appear.
//!
//! Input: stream bytes after a header block. Output: the body's fields in the
//! [`Transaction`] and decoded blocks through a callback.

use super::anomaly::{self, Anomaly};
use super::chunked::Dechunker;
use super::config::HttpConfig;
use super::decode::Decoder;
use super::message::{Body, Framing, Transaction};
use crate::flow::Direction;

/// Callback for decoded body bytes.
pub(crate) type OnData<'a> = dyn FnMut(&Transaction, &[u8]) + 'a;

/// How the end of the body is found.
#[derive(Debug)]
enum Kind {
    /// This many bytes are left.
    Length(u64),
    /// Chunked; the de-chunker knows the end.
    Chunked(Dechunker),
    /// Until the stream closes.
    Close,
}

/// The reader of the body in progress.
#[derive(Debug)]
pub(crate) struct BodyReader {
    kind: Kind,
    decoder: Option<Box<Decoder>>,
    dir: Direction,
}

/// The body of `dir` within `tx`.
pub(crate) fn body_mut(tx: &mut Transaction, dir: Direction) -> &mut Body {
    match dir {
        Direction::ToResponder => &mut tx.request_body,
        Direction::ToInitiator => &mut tx.response_body,
    }
}

impl BodyReader {
    /// A reader for the body of `dir` in `tx`, whose framing and encodings
    /// are already set; `None` when there is no body.
    pub(crate) fn new(tx: &mut Transaction, dir: Direction, cfg: &HttpConfig) -> Option<Self> {
        let body = body_mut(tx, dir);
        let kind = match body.framing {
            Framing::None | Framing::Length(0) => return None,
            Framing::Length(n) => Kind::Length(n),
            Framing::Chunked => Kind::Chunked(Dechunker::new()),
            Framing::Close => Kind::Close,
        };
        if let (Framing::Length(n), true) = (body.framing, body.encodings.is_empty()) {
            // The data is as long as the body, up to the limit: grow it once.
            body.data
                .reserve(cfg.body_limit.min(usize::try_from(n).unwrap_or(usize::MAX)));
        }
        let encodings = body.encodings.clone();
        let decoder = Decoder::new(&encodings, cfg, &mut tx.anomalies);
        Some(Self { kind, decoder, dir })
    }

    /// Consumes body bytes from `input`; returns (bytes used, body done).
    pub(crate) fn push(
        &mut self,
        input: &[u8],
        tx: &mut Transaction,
        cfg: &HttpConfig,
        on_data: &mut OnData<'_>,
    ) -> (usize, bool) {
        match &mut self.kind {
            Kind::Length(left) => {
                let take = input
                    .len()
                    .min(usize::try_from(*left).unwrap_or(usize::MAX));
                *left -= take as u64;
                let done = *left == 0;
                self.deframed(&input[..take], tx, cfg, on_data);
                (take, done)
            }
            Kind::Close => {
                self.deframed(input, tx, cfg, on_data);
                (input.len(), false)
            }
            Kind::Chunked(dechunker) => {
                let mut trailers = std::mem::take(&mut body_mut(tx, self.dir).trailers);
                let step = dechunker.push(input, cfg, &mut trailers, &mut tx.anomalies);
                body_mut(tx, self.dir).trailers = trailers;
                let data = input.get(step.data.clone()).unwrap_or_default();
                self.deframed(&step.spilled, tx, cfg, on_data);
                self.deframed(data, tx, cfg, on_data);
                (step.consumed, step.done)
            }
        }
    }

    /// `len` bytes are missing. Returns `Some(done)` when the gap fell inside
    /// data of known length (or a close-delimited body) and reading goes on,
    /// `None` when the body's framing is lost.
    pub(crate) fn gap(&mut self, len: u64, tx: &mut Transaction) -> Option<bool> {
        body_mut(tx, self.dir).gaps = true;
        tx.note(Anomaly::Gap);
        if let Some(decoder) = &mut self.decoder {
            decoder.gap(&mut tx.anomalies);
        }
        match &mut self.kind {
            Kind::Length(left) if len <= *left => {
                *left -= len;
                Some(*left == 0)
            }
            Kind::Chunked(dechunker) => dechunker.skip(len).then_some(false),
            Kind::Close => Some(false),
            Kind::Length(_) => None,
        }
    }

    /// True when the body ends only with the stream.
    pub(crate) fn is_close_delimited(&self) -> bool {
        matches!(self.kind, Kind::Close)
    }

    /// The body is over (complete or cut off): flush the decoder.
    pub(crate) fn finish(
        &mut self,
        tx: &mut Transaction,
        cfg: &HttpConfig,
        on_data: &mut OnData<'_>,
    ) {
        let Some(decoder) = &mut self.decoder else {
            return;
        };
        let mut found = Vec::new();
        let dir = self.dir;
        decoder.finish(
            &mut |block| deliver(tx, dir, block, cfg, on_data),
            &mut found,
        );
        merge(tx, &found);
    }

    /// Bytes after de-framing: decode them, or hand them on as they are.
    fn deframed(
        &mut self,
        bytes: &[u8],
        tx: &mut Transaction,
        cfg: &HttpConfig,
        on_data: &mut OnData<'_>,
    ) {
        if bytes.is_empty() {
            return;
        }
        let dir = self.dir;
        body_mut(tx, dir).wire_len += bytes.len() as u64;
        let Some(decoder) = &mut self.decoder else {
            deliver(tx, dir, bytes, cfg, on_data);
            return;
        };
        let mut found = Vec::new();
        decoder.push(
            bytes,
            &mut |block| deliver(tx, dir, block, cfg, on_data),
            &mut found,
        );
        merge(tx, &found);
    }
}

/// Records decoded bytes in the body and hands them to the callback.
fn deliver(
    tx: &mut Transaction,
    dir: Direction,
    block: &[u8],
    cfg: &HttpConfig,
    on_data: &mut OnData<'_>,
) {
    let body = body_mut(tx, dir);
    body.decoded_len += block.len() as u64;
    let room = cfg.body_limit.saturating_sub(body.data.len());
    if block.len() > room {
        body.truncated = true;
    }
    body.data.extend_from_slice(&block[..block.len().min(room)]);
    on_data(tx, block);
}

fn merge(tx: &mut Transaction, found: &[Anomaly]) {
    for &a in found {
        anomaly::note(&mut tx.anomalies, a);
    }
}
