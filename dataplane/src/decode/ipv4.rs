//! IPv4 headers (RFC 791): a checked view, its options and fragment fields.
//!
//! [`Packet::new_checked`] validates version, header length, total length
//! and the option list once; afterwards every getter reads within bounds.
//! The payload stops at the total length, so Ethernet padding is ignored.
//! Setters exist for the fields the fragment reassembler rewrites.

use core::net::Ipv4Addr;

use super::checksum;
use super::ip::IpProtocol;
use super::wire::{array, be16};
use super::DecodeError;

/// The largest IPv4 datagram, header included.
pub const MAX_DATAGRAM_LEN: usize = 65_535;

mod field {
    use core::ops::Range;

    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    pub const FLAGS_OFFSET: Range<usize> = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SRC: Range<usize> = 12..16;
    pub const DST: Range<usize> = 16..20;
    pub const MIN_HEADER_LEN: usize = 20;
}

/// The "don't fragment" flag in the flags/offset word.
const FLAG_DF: u16 = 0x4000;
/// The "more fragments" flag in the flags/offset word.
const FLAG_MF: u16 = 0x2000;
/// The fragment offset, in 8-byte units, in the flags/offset word.
const OFFSET_MASK: u16 = 0x1fff;

/// A checked view of an IPv4 header and its payload.
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` after validating the header fields that bound it.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        let packet = Self { buffer };
        packet.check()?;
        Ok(packet)
    }

    /// Wraps `buffer` after checking only that the fixed header is there:
    /// for rewriting a header whose length fields are about to change.
    /// Getters stay in bounds; `options`, `header` and `payload` may be empty.
    pub fn new_header(buffer: T) -> Result<Self, DecodeError> {
        if buffer.as_ref().len() < field::MIN_HEADER_LEN {
            return Err(DecodeError::Ipv4Truncated);
        }
        Ok(Self { buffer })
    }

    #[inline(always)]
    fn check(&self) -> Result<(), DecodeError> {
        let data = self.buffer.as_ref();
        if data.len() < field::MIN_HEADER_LEN {
            return Err(DecodeError::Ipv4Truncated);
        }
        if self.version() != 4 {
            return Err(DecodeError::Ipv4BadVersion);
        }

        let header_len = self.header_len();
        if header_len < field::MIN_HEADER_LEN || header_len > data.len() {
            return Err(DecodeError::Ipv4BadHeaderLength);
        }
        let total_len = usize::from(self.total_len());
        if total_len < header_len || total_len > data.len() {
            return Err(DecodeError::Ipv4BadTotalLength);
        }

        // Rejects ping-of-death fragments whose end passes 65535 bytes.
        let end = usize::from(self.frag_offset()) + total_len;
        if end > MAX_DATAGRAM_LEN {
            return Err(DecodeError::Ipv4FragmentTooLarge);
        }
        let options = self.options();
        if options.is_empty() {
            return Ok(());
        }
        check_options(options)
    }

    /// The version field (4 once checked).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in bytes, options included.
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// Differentiated services code point.
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] >> 2
    }

    /// Explicit congestion notification bits.
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] & 0x03
    }

    /// Total length of the datagram (or fragment), header included.
    pub fn total_len(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::LENGTH])
    }

    /// Identification, shared by the fragments of one datagram.
    pub fn ident(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::IDENT])
    }

    fn flags_offset(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::FLAGS_OFFSET])
    }

    /// The reserved ("evil") bit of the flags.
    pub fn reserved_flag(&self) -> bool {
        self.flags_offset() & 0x8000 != 0
    }

    /// The "don't fragment" flag.
    pub fn dont_frag(&self) -> bool {
        self.flags_offset() & FLAG_DF != 0
    }

    /// The "more fragments" flag.
    pub fn more_frags(&self) -> bool {
        self.flags_offset() & FLAG_MF != 0
    }

    /// Fragment offset in bytes (the field counts 8-byte units).
    pub fn frag_offset(&self) -> u16 {
        (self.flags_offset() & OFFSET_MASK) << 3
    }

    /// True when this is a fragment rather than a whole datagram.
    pub fn is_fragment(&self) -> bool {
        self.more_frags() || self.frag_offset() != 0
    }

    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// The protocol of the payload.
    pub fn protocol(&self) -> IpProtocol {
        IpProtocol(self.buffer.as_ref()[field::PROTOCOL])
    }

    /// The header checksum field.
    pub fn checksum(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(array::<4>(&self.buffer.as_ref()[field::SRC]))
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(array::<4>(&self.buffer.as_ref()[field::DST]))
    }

    /// The raw option bytes between the fixed header and the payload.
    pub fn options(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        data.get(field::MIN_HEADER_LEN..self.header_len())
            .unwrap_or(&[])
    }

    /// The options, one by one; the list was validated by `new_checked`.
    pub fn option_iter(&self) -> Options<'_> {
        Options {
            rest: self.options(),
        }
    }

    /// The header bytes, options included.
    pub fn header(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        data.get(..self.header_len()).unwrap_or(&[])
    }

    /// The payload, up to the total length.
    pub fn payload(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        let end = usize::from(self.total_len());
        data.get(self.header_len()..end).unwrap_or(&[])
    }

    /// True when the header checksum verifies.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::verify(self.header())
    }
}

impl<'a> Packet<&'a [u8]> {
    /// Wraps a fixed 20-byte header whose fields are read directly (the
    /// caller checked the rest); `options` and `payload` are empty.
    #[inline]
    pub fn from_fixed_header(header: &'a [u8; field::MIN_HEADER_LEN]) -> Self {
        Self { buffer: header }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the total length field.
    pub fn set_total_len(&mut self, len: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&len.to_be_bytes());
    }

    /// Clears "more fragments" and the offset, keeping the other flags.
    pub fn clear_fragment(&mut self) {
        let kept = self.flags_offset() & !(FLAG_MF | OFFSET_MASK);
        self.buffer.as_mut()[field::FLAGS_OFFSET].copy_from_slice(&kept.to_be_bytes());
    }

    /// Recomputes and stores the header checksum.
    pub fn fill_checksum(&mut self) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&[0, 0]);
        let sum = checksum::checksum(self.header());
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&sum.to_be_bytes());
    }
}

/// An IPv4 option type byte (copied flag, class and number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OptionKind(pub u8);

impl OptionKind {
    /// End of option list.
    pub const END: Self = Self(0);
    /// No operation (padding).
    pub const NOP: Self = Self(1);
    /// Record route.
    pub const RECORD_ROUTE: Self = Self(7);
    /// Internet timestamp.
    pub const TIMESTAMP: Self = Self(68);
    /// Security (RFC 1108).
    pub const SECURITY: Self = Self(130);
    /// Loose source and record route.
    pub const LOOSE_SOURCE_ROUTE: Self = Self(131);
    /// Strict source and record route.
    pub const STRICT_SOURCE_ROUTE: Self = Self(137);
    /// Router alert (RFC 2113).
    pub const ROUTER_ALERT: Self = Self(148);

    /// True when routers copy this option into every fragment.
    pub const fn is_copied(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// One IPv4 option: its kind and the bytes after the length byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Option<'a> {
    /// The option type byte.
    pub kind: OptionKind,
    /// The option data, without kind and length bytes.
    pub data: &'a [u8],
}

/// Iterator over a validated IPv4 option list; stops at "end of list".
#[derive(Debug, Clone)]
pub struct Options<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Options<'a> {
    type Item = Ipv4Option<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let (len, data) = split_option(self.rest).ok()??;
        let kind = OptionKind(*self.rest.first()?);
        self.rest = self.rest.get(len..).unwrap_or(&[]);
        Some(Ipv4Option { kind, data })
    }
}

fn check_options(mut rest: &[u8]) -> Result<(), DecodeError> {
    while let Some((len, _)) = split_option(rest)? {
        rest = rest.get(len..).unwrap_or(&[]);
    }
    Ok(())
}

/// The length of the first option of `rest` and its data; `None` at the end
/// of the list.
fn split_option(rest: &[u8]) -> Result<Option<(usize, &[u8])>, DecodeError> {
    match rest {
        [] | [0, ..] => Ok(None),
        [1, ..] => Ok(Some((1, &[]))),
        [_, len, ..] => {
            let len = usize::from(*len);
            let data = rest.get(2..len).ok_or(DecodeError::Ipv4BadOption)?;
            Ok(Some((len, data)))
        }
        [_] => Err(DecodeError::Ipv4BadOption),
    }
}
