//! TCP segments (RFC 9293, options from RFC 7323 and RFC 2018).
//!
//! [`Packet::new_checked`] validates the data offset and the option list
//! once: every option must have a length that stays inside the header, and
//! the options we interpret (MSS, window scale, SACK-permitted, SACK,
//! timestamps) must have their defined length. Other kinds are kept as
//! [`TcpOption::Unknown`]. [`OptionSummary`] is the Copy digest the
//! pipeline keeps per segment; SACK blocks stay in the segment and are read
//! on demand through [`SackBlocks`].

use super::wire::{be16, be32};
use super::DecodeError;

mod field {
    use core::ops::Range;

    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ: Range<usize> = 4..8;
    pub const ACK: Range<usize> = 8..12;
    pub const OFFSET_FLAGS: Range<usize> = 12..14;
    pub const WINDOW: Range<usize> = 14..16;
    pub const CHECKSUM: Range<usize> = 16..18;
    pub const URGENT: Range<usize> = 18..20;
    pub const MIN_HEADER_LEN: usize = 20;
}

/// The most SACK blocks that fit in 40 bytes of options.
pub const MAX_SACK_BLOCKS: usize = 4;

/// Bytes of one SACK block: left and right edge.
pub const SACK_BLOCK_LEN: usize = 8;

/// The nine TCP control bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(pub u16);

impl Flags {
    /// No more data from sender.
    pub const FIN: Self = Self(0x001);
    /// Synchronize sequence numbers.
    pub const SYN: Self = Self(0x002);
    /// Reset the connection.
    pub const RST: Self = Self(0x004);
    /// Push function.
    pub const PSH: Self = Self(0x008);
    /// Acknowledgment field significant.
    pub const ACK: Self = Self(0x010);
    /// Urgent pointer field significant.
    pub const URG: Self = Self(0x020);
    /// ECN echo.
    pub const ECE: Self = Self(0x040);
    /// Congestion window reduced.
    pub const CWR: Self = Self(0x080);
    /// ECN nonce (historic, RFC 3540).
    pub const NS: Self = Self(0x100);

    /// True when every bit of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

/// A checked view of a TCP header and its payload.
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` (the whole segment) after checking offset and options.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        let packet = Self { buffer };
        let len = packet.buffer.as_ref().len();
        if len < field::MIN_HEADER_LEN {
            return Err(DecodeError::TcpTruncated);
        }
        let header_len = packet.header_len();
        if header_len < field::MIN_HEADER_LEN || header_len > len {
            return Err(DecodeError::TcpBadDataOffset);
        }
        let options = packet.options();
        if !options.is_empty() {
            check_options(options)?;
        }
        Ok(packet)
    }

    fn read16(&self, range: core::ops::Range<usize>) -> u16 {
        be16(&self.buffer.as_ref()[range])
    }

    fn read32(&self, range: core::ops::Range<usize>) -> u32 {
        be32(&self.buffer.as_ref()[range])
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        self.read16(field::SRC_PORT)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        self.read16(field::DST_PORT)
    }

    /// Sequence number.
    pub fn seq_number(&self) -> u32 {
        self.read32(field::SEQ)
    }

    /// Acknowledgment number.
    pub fn ack_number(&self) -> u32 {
        self.read32(field::ACK)
    }

    /// Header length in bytes (data offset times four).
    pub fn header_len(&self) -> usize {
        usize::from(self.read16(field::OFFSET_FLAGS) >> 12) * 4
    }

    /// The control bits.
    pub fn flags(&self) -> Flags {
        Flags(self.read16(field::OFFSET_FLAGS) & 0x01ff)
    }

    /// The raw (unscaled) window.
    pub fn window_len(&self) -> u16 {
        self.read16(field::WINDOW)
    }

    /// The checksum field.
    pub fn checksum(&self) -> u16 {
        self.read16(field::CHECKSUM)
    }

    /// The urgent pointer.
    pub fn urgent_at(&self) -> u16 {
        self.read16(field::URGENT)
    }

    /// The raw option bytes.
    pub fn options(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        data.get(field::MIN_HEADER_LEN..self.header_len())
            .unwrap_or(&[])
    }

    /// The options one by one; the list was validated by `new_checked`.
    pub fn option_iter(&self) -> Options<'_> {
        Options {
            rest: self.options(),
            at: field::MIN_HEADER_LEN,
        }
    }

    /// The segment data after the header.
    pub fn payload(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        data.get(self.header_len()..).unwrap_or(&[])
    }
}

/// One TCP option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// Kind 0: end of the option list.
    EndOfList,
    /// Kind 1: padding.
    NoOp,
    /// Kind 2: maximum segment size.
    Mss(u16),
    /// Kind 3: window scale shift count (as sent, possibly above 14).
    WindowScale(u8),
    /// Kind 4: SACK permitted.
    SackPermitted,
    /// Kind 5: SACK blocks, 8 bytes each (left edge, right edge).
    Sack(&'a [u8]),
    /// Kind 8: timestamp value and echo reply.
    Timestamps { tsval: u32, tsecr: u32 },
    /// Any other kind, with the bytes after its length byte.
    Unknown { kind: u8, data: &'a [u8] },
}

/// Iterator over a validated TCP option list; stops after "end of list".
#[derive(Debug, Clone)]
pub struct Options<'a> {
    rest: &'a [u8],
    /// Offset of `rest` from the start of the TCP header.
    at: usize,
}

impl Options<'_> {
    /// Offset from the start of the TCP header of the next option.
    pub fn position(&self) -> usize {
        self.at
    }

    /// True when no option is left.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = TcpOption<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let (len, option) = parse_option(self.rest).ok()??;
        self.rest = match option {
            TcpOption::EndOfList => &[],
            _ => self.rest.get(len..).unwrap_or(&[]),
        };
        self.at += len;
        Some(option)
    }
}

fn check_options(mut rest: &[u8]) -> Result<(), DecodeError> {
    while let Some((len, option)) = parse_option(rest)? {
        if option == TcpOption::EndOfList {
            break;
        }
        rest = rest.get(len..).unwrap_or(&[]);
    }
    Ok(())
}

/// The first option of `rest` and its length; `None` when `rest` is empty.
fn parse_option(rest: &[u8]) -> Result<Option<(usize, TcpOption<'_>)>, DecodeError> {
    let (kind, len) = match rest {
        [] => return Ok(None),
        [0, ..] => return Ok(Some((1, TcpOption::EndOfList))),
        [1, ..] => return Ok(Some((1, TcpOption::NoOp))),
        [kind, len, ..] => (*kind, usize::from(*len)),
        [_] => return Err(DecodeError::TcpOptionTruncated),
    };
    let data = rest.get(2..len).ok_or(DecodeError::TcpOptionTruncated)?;
    Ok(Some((len, known_option(kind, data)?)))
}

fn known_option(kind: u8, data: &[u8]) -> Result<TcpOption<'_>, DecodeError> {
    let option = match (kind, data.len()) {
        (2, 2) => TcpOption::Mss(be16(data)),
        (3, 1) => TcpOption::WindowScale(data.first().copied().unwrap_or(0)),
        (4, 0) => TcpOption::SackPermitted,
        (5, n) if n > 0 && n % 8 == 0 && n / 8 <= MAX_SACK_BLOCKS => TcpOption::Sack(data),
        (8, 8) => TcpOption::Timestamps {
            tsval: be32(data),
            tsecr: be32(data.get(4..).unwrap_or(&[])),
        },
        (2..=5 | 8, _) => return Err(DecodeError::TcpOptionBadLength),
        _ => TcpOption::Unknown { kind, data },
    };
    Ok(option)
}

/// The options the pipeline needs, digested from one segment.
///
/// Laid out without padding (16 bytes, all fields plain integers), so that
/// writing a summary is a couple of full-width stores: the decoder writes one
/// for every segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct OptionSummary {
    tsval: u32,
    tsecr: u32,
    mss: u16,
    window_scale: u8,
    /// Which of the options above were present (`HAS_*` bits).
    present: u8,
    /// Number of SACK blocks (read them with
    /// [`Decoded::sack_blocks`](super::Decoded::sack_blocks)).
    pub sack_len: u8,
    /// Offset of the first SACK block from the start of the TCP header.
    pub sack_at: u8,
    /// Options of kinds we do not interpret.
    pub unknown: u8,
    /// Keeps the layout free of padding.
    reserved: u8,
}

const HAS_MSS: u8 = 1;
const HAS_WINDOW_SCALE: u8 = 2;
const HAS_SACK_PERMITTED: u8 = 4;
const HAS_TIMESTAMPS: u8 = 8;

impl OptionSummary {
    /// Maximum segment size.
    pub fn mss(&self) -> Option<u16> {
        (self.present & HAS_MSS != 0).then_some(self.mss)
    }

    /// Window scale shift count as sent (a receiver caps it at 14).
    pub fn window_scale(&self) -> Option<u8> {
        (self.present & HAS_WINDOW_SCALE != 0).then_some(self.window_scale)
    }

    /// SACK permitted.
    pub fn sack_permitted(&self) -> bool {
        self.present & HAS_SACK_PERMITTED != 0
    }

    /// Timestamp value and echo reply.
    pub fn timestamps(&self) -> Option<(u32, u32)> {
        (self.present & HAS_TIMESTAMPS != 0).then_some((self.tsval, self.tsecr))
    }

    /// Digests the options of a checked segment.
    #[inline]
    pub fn from_options(options: Options<'_>) -> Self {
        // Most segments carry no option: nothing to walk.
        if options.is_empty() {
            return Self::default();
        }
        Self::digest(options)
    }

    #[inline(never)]
    fn digest(mut options: Options<'_>) -> Self {
        let mut summary = Self::default();
        loop {
            let at = options.position();
            let Some(option) = options.next() else {
                return summary;
            };
            summary.add(option, at);
        }
    }

    fn add(&mut self, option: TcpOption<'_>, at: usize) {
        match option {
            TcpOption::Mss(mss) => {
                self.mss = mss;
                self.present |= HAS_MSS;
            }
            TcpOption::WindowScale(shift) => {
                self.window_scale = shift;
                self.present |= HAS_WINDOW_SCALE;
            }
            TcpOption::SackPermitted => self.present |= HAS_SACK_PERMITTED,
            TcpOption::Timestamps { tsval, tsecr } => {
                (self.tsval, self.tsecr) = (tsval, tsecr);
                self.present |= HAS_TIMESTAMPS;
            }
            TcpOption::Sack(blocks) => {
                // At most four blocks in a header of at most 60 bytes.
                self.sack_len = u8::try_from(blocks.len() / SACK_BLOCK_LEN).unwrap_or(0);
                self.sack_at = u8::try_from(at + 2).unwrap_or(0);
            }
            TcpOption::Unknown { .. } => self.unknown = self.unknown.saturating_add(1),
            TcpOption::EndOfList | TcpOption::NoOp => {}
        }
    }
}

/// SACK blocks as (left, right) edges, read from the option's bytes.
#[derive(Debug, Clone, Default)]
pub struct SackBlocks<'a> {
    rest: &'a [u8],
}

impl<'a> SackBlocks<'a> {
    /// The blocks of a SACK option's data (a multiple of eight bytes).
    pub fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }
}

impl Iterator for SackBlocks<'_> {
    type Item = (u32, u32);

    fn next(&mut self) -> Option<Self::Item> {
        let (block, rest) = self.rest.split_first_chunk::<SACK_BLOCK_LEN>()?;
        self.rest = rest;
        Some((be32(block), be32(&block[4..])))
    }
}
