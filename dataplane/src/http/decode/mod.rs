//! Undoes a body's content codings (RFC 9110 §8.4) as the body arrives:
//! gzip, deflate and brotli, in several layers, within limits against
//! decompression bombs.
//!
//! Input: de-framed body bytes from [`super::body`]. Output: decoded bytes
//! handed to a callback block by block. A limit or a decoding error stops
//! decoding for the rest of the body; what was decoded before stays.

mod layer;

use self::layer::{Halt, Layer};
use super::anomaly::{self, Anomaly};
use super::config::HttpConfig;
use super::message::Encoding;

/// Input kept per layer from its start, so that data which was never
/// compressed (the layer fails within this many bytes) can be passed on as
/// it is.
const PROBE: usize = 4 << 10;

/// Output held per layer while its input is still within [`PROBE`]: if the
/// layer then fails, what it made was garbage and is dropped. Past this
/// much output the layer counts as working.
const HOLD: usize = 16 << 10;

/// A layer with its byte counts.
#[derive(Debug)]
struct Slot {
    layer: Layer,
    consumed: u64,
    produced: u64,
    /// The first input bytes (up to [`PROBE`]).
    probe: Vec<u8>,
    /// The layer turned out not to apply; input passes through.
    passthrough: bool,
    /// Output not yet handed on (see [`HOLD`]).
    held: Vec<u8>,
    /// The layer's output is handed on as it is made.
    committed: bool,
}

/// Whether decoding still runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    Active,
    /// Bytes went missing: held output is handed on at the next call, then
    /// decoding stops.
    Gapped,
    Stopped,
}

/// The decoder of one body.
#[derive(Debug)]
pub(crate) struct Decoder {
    /// Layers in the order they are undone (outermost coding first).
    slots: Vec<Slot>,
    run: Run,
    max_bytes: u64,
    max_ratio: u64,
    ratio_floor: u64,
}

/// The limit that stopped a layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    Layer(Halt),
    Limit(Anomaly),
}

impl Decoder {
    /// A decoder for `encodings` (in the order applied), or `None` when
    /// there is nothing to undo. Unknown codings are skipped (flagged): a
    /// layer whose data turns out not to be encoded passes it on as it is.
    pub(crate) fn new(
        encodings: &[Encoding],
        cfg: &HttpConfig,
        anomalies: &mut Vec<Anomaly>,
    ) -> Option<Box<Self>> {
        if encodings.iter().any(|e| matches!(e, Encoding::Unknown(_))) {
            anomaly::note(anomalies, Anomaly::UnknownContentEncoding);
        }
        let known =
            |e: &&Encoding| matches!(e, Encoding::Gzip | Encoding::Deflate | Encoding::Brotli);
        let layers: Vec<&Encoding> = encodings.iter().filter(known).collect();
        if layers.len() > cfg.max_layers {
            anomaly::note(anomalies, Anomaly::TooManyLayers);
        }
        let slots: Vec<Slot> = layers
            .iter()
            .rev()
            .take(cfg.max_layers)
            .map(|e| slot(e))
            .collect();
        if slots.is_empty() {
            return None;
        }
        Some(Box::new(Self {
            slots,
            run: Run::Active,
            max_bytes: cfg.max_decoded_bytes,
            max_ratio: cfg.max_ratio.max(1),
            ratio_floor: cfg.ratio_floor,
        }))
    }

    /// Decodes `input`, handing decoded blocks to `sink`.
    pub(crate) fn push(
        &mut self,
        input: &[u8],
        sink: &mut dyn FnMut(&[u8]),
        anomalies: &mut Vec<Anomaly>,
    ) {
        if self.run != Run::Active || input.is_empty() {
            self.flush_gapped(sink, anomalies);
            return;
        }
        let limits = (self.max_bytes, self.max_ratio, self.ratio_floor);
        if let Err(stop) = feed(&mut self.slots, input, limits, sink, anomalies) {
            self.stop(stop, anomalies);
        }
    }

    /// Bytes are missing from the body: compressed data cannot continue.
    pub(crate) fn gap(&mut self, anomalies: &mut Vec<Anomaly>) {
        if self.run == Run::Active {
            self.run = Run::Gapped;
            anomaly::note(anomalies, Anomaly::DecodeError);
        }
    }

    /// The body ended: held output is handed on, and a layer that never
    /// produced output from input it kept whole was not applied; its input
    /// is passed on as it is.
    pub(crate) fn finish(&mut self, sink: &mut dyn FnMut(&[u8]), anomalies: &mut Vec<Anomaly>) {
        self.flush_gapped(sink, anomalies);
        let limits = (self.max_bytes, self.max_ratio, self.ratio_floor);
        for at in 0..self.slots.len() {
            if self.run == Run::Stopped {
                return;
            }
            let (done, rest) = self.slots.split_at_mut(at + 1);
            let Some(slot) = done.last_mut() else {
                return;
            };
            if slot.passthrough || slot.committed {
                continue;
            }
            if slot.produced > 0 || slot.consumed > slot.probe.len() as u64 {
                if let Err(stop) = commit(slot, rest, limits, sink, anomalies) {
                    self.stop(stop, anomalies);
                }
                continue;
            }
            slot.passthrough = true;
            let probe = std::mem::take(&mut slot.probe);
            if probe.is_empty() {
                continue;
            }
            anomaly::note(anomalies, Anomaly::EncodingNotApplied);
            if let Err(stop) = feed(rest, &probe, limits, sink, anomalies) {
                self.stop(stop, anomalies);
            }
        }
    }

    /// After a gap: hands on what the layers still hold, then stops.
    fn flush_gapped(&mut self, sink: &mut dyn FnMut(&[u8]), anomalies: &mut Vec<Anomaly>) {
        if self.run != Run::Gapped {
            return;
        }
        self.run = Run::Stopped;
        let limits = (self.max_bytes, self.max_ratio, self.ratio_floor);
        for at in 0..self.slots.len() {
            let (done, rest) = self.slots.split_at_mut(at + 1);
            if let Some(slot) = done.last_mut() {
                // An error here only ends what is already ending.
                let _ = commit(slot, rest, limits, sink, anomalies);
            }
        }
    }

    /// Stops decoding for the rest of the body.
    fn stop(&mut self, stop: Stop, anomalies: &mut Vec<Anomaly>) {
        self.run = Run::Stopped;
        let what = match stop {
            Stop::Layer(_) => Anomaly::DecodeError,
            Stop::Limit(what) => what,
        };
        anomaly::note(anomalies, what);
    }
}

fn slot(encoding: &Encoding) -> Slot {
    let layer = match encoding {
        Encoding::Gzip => Layer::gzip(),
        Encoding::Brotli => Layer::brotli(),
        _ => Layer::deflate(),
    };
    Slot {
        layer,
        consumed: 0,
        produced: 0,
        probe: Vec::new(),
        passthrough: false,
        held: Vec::new(),
        committed: false,
    }
}

/// Runs `input` through the first slot and its output through the rest.
fn feed(
    slots: &mut [Slot],
    input: &[u8],
    limits: (u64, u64, u64),
    sink: &mut dyn FnMut(&[u8]),
    anomalies: &mut Vec<Anomaly>,
) -> Result<(), Stop> {
    let Some((first, rest)) = slots.split_first_mut() else {
        sink(input);
        return Ok(());
    };
    if first.passthrough {
        return feed(rest, input, limits, sink, anomalies);
    }
    let room = PROBE.saturating_sub(first.probe.len());
    first
        .probe
        .extend_from_slice(&input[..input.len().min(room)]);
    first.consumed += input.len() as u64;
    if first.consumed > PROBE as u64 && !first.probe.is_empty() {
        first.probe = Vec::new();
    }

    let Slot {
        layer,
        consumed,
        produced,
        held,
        committed,
        ..
    } = &mut *first;
    let mut stopped = None;
    let result = layer.push(input, &mut |block: &[u8]| {
        *produced += block.len() as u64;
        if let Some(what) = over_limit(*produced, *consumed, limits) {
            stopped = Some(Stop::Limit(what));
            return Err(Halt::Refused);
        }
        let hand_on = if *committed {
            feed(rest, block, limits, sink, anomalies)
        } else if held.len() + block.len() <= HOLD {
            held.extend_from_slice(block);
            Ok(())
        } else {
            *committed = true;
            let earlier = std::mem::take(held);
            feed(rest, &earlier, limits, sink, anomalies)
                .and_then(|()| feed(rest, block, limits, sink, anomalies))
        };
        hand_on.map_err(|stop| {
            stopped = Some(stop);
            Halt::Refused
        })
    });
    note_sniffed(first, anomalies);
    match (result, stopped) {
        (Ok(()), _) if first.consumed > PROBE as u64 => {
            commit(first, rest, limits, sink, anomalies)
        }
        (Ok(()), _) => Ok(()),
        (Err(_), Some(stop)) => Err(stop),
        (Err(halt), None) => not_applied(first, rest, limits, sink, anomalies, halt),
    }
}

/// Hands on a layer's held output; from now on output goes straight on.
fn commit(
    slot: &mut Slot,
    rest: &mut [Slot],
    limits: (u64, u64, u64),
    sink: &mut dyn FnMut(&[u8]),
    anomalies: &mut Vec<Anomaly>,
) -> Result<(), Stop> {
    if slot.committed {
        return Ok(());
    }
    slot.committed = true;
    let held = std::mem::take(&mut slot.held);
    feed(rest, &held, limits, sink, anomalies)
}

/// A layer failed. Within its first [`PROBE`] bytes the data was most
/// likely never encoded (servers do send that): its output is dropped and
/// its input passed on as it is. Later, what it decoded so far is kept.
fn not_applied(
    slot: &mut Slot,
    rest: &mut [Slot],
    limits: (u64, u64, u64),
    sink: &mut dyn FnMut(&[u8]),
    anomalies: &mut Vec<Anomaly>,
    halt: Halt,
) -> Result<(), Stop> {
    if slot.committed || slot.consumed > slot.probe.len() as u64 {
        commit(slot, rest, limits, sink, anomalies)?;
        return Err(Stop::Layer(halt));
    }
    anomaly::note(anomalies, Anomaly::EncodingNotApplied);
    slot.passthrough = true;
    slot.held = Vec::new();
    let probe = std::mem::take(&mut slot.probe);
    feed(rest, &probe, limits, sink, anomalies)
}

/// The anomaly for a layer past the size or ratio limit.
fn over_limit(
    produced: u64,
    consumed: u64,
    (max, ratio, floor): (u64, u64, u64),
) -> Option<Anomaly> {
    if produced > max {
        return Some(Anomaly::DecodedSizeLimit);
    }
    let too_dense = produced > floor && produced / consumed.max(1) > ratio;
    too_dense.then_some(Anomaly::DecodedRatioLimit)
}

fn note_sniffed(slot: &Slot, anomalies: &mut Vec<Anomaly>) {
    if slot.layer.sniffed.gzip_headerless {
        anomaly::note(anomalies, Anomaly::GzipWithoutHeader);
    }
    if slot.layer.sniffed.raw_deflate {
        anomaly::note(anomalies, Anomaly::RawDeflate);
    }
}
