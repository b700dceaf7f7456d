//! One content-coding layer: gzip, deflate (zlib-wrapped or raw) or brotli,
//! decompressed incrementally into a small fixed buffer whose contents are
//! handed on block by block, so no layer ever holds a whole body.
//!
//! The compression itself is done by `flate2` and `brotli-decompressor`;
//! this file owns header sniffing and the streaming loop around them.

use brotli_decompressor::{BrotliDecompressStream, BrotliResult, BrotliState, StandardAlloc};
use flate2::{Decompress, FlushDecompress, Status};

/// Bytes produced per call into a decompressor.
const BLOCK: usize = 8 << 10;

/// Why a layer stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Halt {
    /// The data is not valid for this coding.
    Corrupt,
    /// The receiver of the output wants no more (a limit was reached).
    Refused,
}

/// What the caller learns about the data's shape while decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Sniffed {
    /// `gzip` data had no gzip header.
    pub(crate) gzip_headerless: bool,
    /// `deflate` data had no zlib wrapper.
    pub(crate) raw_deflate: bool,
}

/// Output receiver: gets each decoded block; an error stops the layer.
pub(crate) type Out<'a> = dyn FnMut(&[u8]) -> Result<(), Halt> + 'a;

/// Where in a gzip member header (RFC 1952 §2.3) the next byte falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// The fixed ten bytes: how many seen.
    Fixed(u8),
    /// FEXTRA length: bytes of it seen, value so far.
    ExtraLen(u8, u16),
    /// FEXTRA data left.
    Extra(u16),
    /// Inside the zero-terminated file name.
    Name,
    /// Inside the zero-terminated comment.
    Comment,
    /// Header CRC bytes left.
    Crc(u8),
}

/// A gzip header being read, with its flags byte once seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct GzipHeader {
    part: Part,
    flags: u8,
}

const FHCRC: u8 = 2;
const FEXTRA: u8 = 4;
const FNAME: u8 = 8;
const FCOMMENT: u8 = 16;

/// Where a layer stands.
enum Stage {
    /// gzip: reading the member header.
    Gzip(GzipHeader),
    /// deflate or headerless gzip: waiting for two bytes to tell zlib from raw.
    Sniff(Option<u8>),
    /// Inflating.
    Inflate(Box<Decompress>),
    /// Decoding brotli.
    Brotli(Box<BrotliState<StandardAlloc, StandardAlloc, StandardAlloc>>),
    /// The compressed stream ended; later bytes are ignored.
    Finished,
}

/// One decoding layer.
pub(crate) struct Layer {
    stage: Stage,
    pub(crate) sniffed: Sniffed,
}

impl std::fmt::Debug for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stage = match self.stage {
            Stage::Gzip(h) => return write!(f, "Layer(gzip header {h:?})"),
            Stage::Sniff(_) => "sniff",
            Stage::Inflate(_) => "inflate",
            Stage::Brotli(_) => "brotli",
            Stage::Finished => "finished",
        };
        write!(f, "Layer({stage})")
    }
}

impl Layer {
    pub(crate) fn gzip() -> Self {
        Self::with(Stage::Gzip(GzipHeader {
            part: Part::Fixed(0),
            flags: 0,
        }))
    }

    pub(crate) fn deflate() -> Self {
        Self::with(Stage::Sniff(None))
    }

    pub(crate) fn brotli() -> Self {
        let alloc = || StandardAlloc::default();
        Self::with(Stage::Brotli(Box::new(BrotliState::new(
            alloc(),
            alloc(),
            alloc(),
        ))))
    }

    fn with(stage: Stage) -> Self {
        Self {
            stage,
            sniffed: Sniffed::default(),
        }
    }

    /// Decodes `input`, handing every produced block to `out`.
    pub(crate) fn push(&mut self, mut input: &[u8], out: &mut Out<'_>) -> Result<(), Halt> {
        while !input.is_empty() {
            let (used, ended) = match &mut self.stage {
                Stage::Gzip(_) => (self.gzip_header(input)?, false),
                Stage::Sniff(_) => (self.sniff(input, out)?, false),
                Stage::Inflate(inflate) => inflate_some(inflate, input, out)?,
                Stage::Brotli(state) => brotli_some(state, input, out)?,
                Stage::Finished => (input.len(), false),
            };
            if ended {
                // Anything after the compressed stream is ignored, as
                // browsers do.
                self.stage = Stage::Finished;
            }
            input = input.get(used..).unwrap_or_default();
        }
        Ok(())
    }

    /// Consumes one gzip header byte; switches to inflating after the
    /// header.
    fn gzip_header(&mut self, input: &[u8]) -> Result<usize, Halt> {
        let (Stage::Gzip(header), Some(&byte)) = (&self.stage, input.first()) else {
            return Ok(0);
        };
        let flags = header.flags;
        let next = match header.part {
            Part::Fixed(0) if byte != 0x1f => return Ok(self.headerless()),
            Part::Fixed(1) if byte != 0x8b => return Err(Halt::Corrupt),
            Part::Fixed(2) if byte != 8 => return Err(Halt::Corrupt),
            Part::Fixed(9) => following(flags, 0),
            Part::Fixed(n) => Some(Part::Fixed(n + 1)),
            Part::ExtraLen(0, _) => Some(Part::ExtraLen(1, u16::from(byte))),
            Part::ExtraLen(_, low) => match low | u16::from(byte) << 8 {
                0 => following(flags, FEXTRA),
                len => Some(Part::Extra(len)),
            },
            Part::Extra(1) => following(flags, FEXTRA),
            Part::Extra(n) => Some(Part::Extra(n - 1)),
            Part::Name if byte == 0 => following(flags, FNAME),
            Part::Comment if byte == 0 => following(flags, FCOMMENT),
            part @ (Part::Name | Part::Comment) => Some(part),
            Part::Crc(1) => None,
            Part::Crc(n) => Some(Part::Crc(n - 1)),
        };
        let flags = if header.part == Part::Fixed(3) {
            byte
        } else {
            flags
        };
        self.stage = match next {
            Some(part) => Stage::Gzip(GzipHeader { part, flags }),
            None => Stage::Inflate(Box::new(Decompress::new(false))),
        };
        Ok(1)
    }

    /// `gzip` data that does not start with the gzip magic: browsers fall
    /// back to treating it as deflate.
    fn headerless(&mut self) -> usize {
        self.sniffed.gzip_headerless = true;
        self.stage = Stage::Sniff(None);
        0
    }

    /// Tells a zlib header (RFC 1950 §2.2) from raw deflate by the first two
    /// bytes, then starts inflating with them.
    fn sniff(&mut self, input: &[u8], out: &mut Out<'_>) -> Result<usize, Halt> {
        let (Stage::Sniff(first), Some(&byte)) = (&self.stage, input.first()) else {
            return Ok(0);
        };
        let Some(cmf) = *first else {
            self.stage = Stage::Sniff(Some(byte));
            return Ok(1);
        };
        let check = (u16::from(cmf) << 8 | u16::from(byte)) % 31 == 0;
        let zlib = cmf & 0x0f == 8 && cmf >> 4 <= 7 && check;
        self.sniffed.raw_deflate = !zlib;
        let mut inflate = Box::new(Decompress::new(zlib));
        let mut pair: &[u8] = &[cmf, byte];
        let mut ended = false;
        while !pair.is_empty() && !ended {
            let (used, end) = inflate_some(&mut inflate, pair, out)?;
            pair = pair.get(used..).unwrap_or_default();
            ended = end;
        }
        self.stage = if ended {
            Stage::Finished
        } else {
            Stage::Inflate(inflate)
        };
        Ok(1)
    }
}

/// The optional header parts in wire order, by flag bit.
const OPTIONAL: [u8; 4] = [FEXTRA, FNAME, FCOMMENT, FHCRC];

/// The part after the one for flag `done` (0: after the fixed bytes), or
/// `None` when the compressed data starts.
fn following(flags: u8, done: u8) -> Option<Part> {
    let from = OPTIONAL
        .iter()
        .position(|&f| f == done)
        .map_or(0, |at| at + 1);
    let next = OPTIONAL.iter().skip(from).find(|&&f| flags & f != 0)?;
    Some(match *next {
        FEXTRA => Part::ExtraLen(0, 0),
        FNAME => Part::Name,
        FCOMMENT => Part::Comment,
        _ => Part::Crc(2),
    })
}

/// Inflates what one block of output allows; returns input bytes used and
/// whether the compressed stream ended.
fn inflate_some(
    inflate: &mut Decompress,
    input: &[u8],
    out: &mut Out<'_>,
) -> Result<(usize, bool), Halt> {
    let mut block = [0u8; BLOCK];
    let (in_before, out_before) = (inflate.total_in(), inflate.total_out());
    let result = inflate.decompress(input, &mut block, FlushDecompress::None);
    let used = usize::try_from(inflate.total_in() - in_before).unwrap_or(input.len());
    let made = usize::try_from(inflate.total_out() - out_before).unwrap_or(0);
    // Output made before an error is handed on too, so that where the data
    // breaks does not depend on how it was cut.
    if made > 0 {
        out(block.get(..made).unwrap_or_default())?;
    }
    let status = result.map_err(|_| Halt::Corrupt)?;
    if status == Status::StreamEnd {
        return Ok((input.len(), true));
    }
    if used == 0 && made == 0 {
        return Err(Halt::Corrupt);
    }
    Ok((used, false))
}

/// Decodes what one block of brotli output allows; returns input bytes used
/// and whether the compressed stream ended.
fn brotli_some(
    state: &mut BrotliState<StandardAlloc, StandardAlloc, StandardAlloc>,
    input: &[u8],
    out: &mut Out<'_>,
) -> Result<(usize, bool), Halt> {
    let mut block = [0u8; BLOCK];
    let (mut avail_in, mut in_off) = (input.len(), 0usize);
    let (mut avail_out, mut out_off, mut total) = (BLOCK, 0usize, 0usize);
    let result = BrotliDecompressStream(
        &mut avail_in,
        &mut in_off,
        input,
        &mut avail_out,
        &mut out_off,
        &mut block,
        &mut total,
        state,
    );
    if out_off > 0 {
        out(block.get(..out_off).unwrap_or_default())?;
    }
    match result {
        BrotliResult::ResultSuccess => Ok((input.len(), true)),
        BrotliResult::ResultFailure => Err(Halt::Corrupt),
        _ if in_off == 0 && out_off == 0 => Err(Halt::Corrupt),
        _ => Ok((in_off, false)),
    }
}
