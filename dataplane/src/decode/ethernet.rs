//! Ethernet II frames and their 802.1Q / 802.1ad (QinQ) VLAN tags.
//!
//! [`Frame`] is a checked view of the 14-byte header; [`parse_link`] walks
//! up to [`MAX_VLAN_TAGS`] stacked tags and reports where the network layer
//! starts. A third tag is refused ([`DecodeError::TooManyVlanTags`]); any
//! other EtherType, known or not, is carried on as an [`EtherType`] value.

use core::fmt;

use super::wire::{array, be16};
use super::DecodeError;

/// Most stacked VLAN tags decoded (one service tag plus one customer tag).
pub const MAX_VLAN_TAGS: usize = 2;

mod field {
    use core::ops::Range;

    pub const DESTINATION: Range<usize> = 0..6;
    pub const SOURCE: Range<usize> = 6..12;
    pub const ETHERTYPE: Range<usize> = 12..14;
    pub const HEADER_LEN: usize = 14;
    /// A VLAN tag after its TPID: TCI then the encapsulated EtherType.
    pub const TAG_LEN: usize = 4;
    /// [`HEADER_LEN`] as a `u16` offset.
    pub const HEADER_AT: u16 = HEADER_LEN as u16;
    /// [`TAG_LEN`] as a `u16` offset.
    pub const TAG_AT: u16 = TAG_LEN as u16;
}

/// The 16-bit type field of an Ethernet II header or VLAN tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct EtherType(pub u16);

impl EtherType {
    /// Internet Protocol version 4.
    pub const IPV4: Self = Self(0x0800);
    /// Address resolution protocol.
    pub const ARP: Self = Self(0x0806);
    /// 802.1Q customer VLAN tag.
    pub const VLAN: Self = Self(0x8100);
    /// Internet Protocol version 6.
    pub const IPV6: Self = Self(0x86dd);
    /// 802.1ad service VLAN tag (QinQ).
    pub const QINQ: Self = Self(0x88a8);
    /// Pre-standard QinQ tag still sent by some switches.
    pub const QINQ_LEGACY: Self = Self(0x9100);
    /// Link layer discovery protocol.
    pub const LLDP: Self = Self(0x88cc);
    /// Transparent Ethernet bridging: an Ethernet frame inside GRE.
    pub const TRANSPARENT_BRIDGING: Self = Self(0x6558);

    /// True for the tag protocol identifiers that start a VLAN tag.
    pub const fn is_vlan_tag(self) -> bool {
        matches!(self.0, 0x8100 | 0x88a8 | 0x9100)
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:04x}", self.0)
    }
}

/// A 48-bit MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// A checked view of an Ethernet II header.
#[derive(Debug, Clone, Copy)]
pub struct Frame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Wraps `buffer` after checking it holds a whole header.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, DecodeError> {
        if buffer.as_ref().len() < field::HEADER_LEN {
            return Err(DecodeError::EthernetTruncated);
        }
        Ok(Self { buffer })
    }

    /// Destination MAC address.
    pub fn dst_addr(&self) -> MacAddr {
        MacAddr(mac(&self.buffer.as_ref()[field::DESTINATION]))
    }

    /// Source MAC address.
    pub fn src_addr(&self) -> MacAddr {
        MacAddr(mac(&self.buffer.as_ref()[field::SOURCE]))
    }

    /// The EtherType (or the outer tag's TPID on a tagged frame).
    pub fn ethertype(&self) -> EtherType {
        EtherType(be16(&self.buffer.as_ref()[field::ETHERTYPE]))
    }

    /// Everything after the 14-byte header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::HEADER_LEN..]
    }
}

/// One VLAN tag: its tag protocol identifier and tag control information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VlanTag {
    /// 0x8100, 0x88a8 or 0x9100.
    pub tpid: EtherType,
    /// Priority (3 bits), drop eligible (1 bit), VLAN id (12 bits).
    pub tci: u16,
}

impl VlanTag {
    /// The 12-bit VLAN identifier.
    pub const fn vid(self) -> u16 {
        self.tci & 0x0fff
    }

    /// The 3-bit priority code point.
    pub const fn pcp(self) -> u8 {
        (self.tci >> 13) as u8
    }

    /// The drop eligible indicator.
    pub const fn dei(self) -> bool {
        self.tci & 0x1000 != 0
    }
}

/// Up to two VLAN tags, outermost first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VlanTags {
    tags: [VlanTag; MAX_VLAN_TAGS],
    len: u8,
}

impl VlanTags {
    /// The tags present, outermost first.
    pub fn as_slice(&self) -> &[VlanTag] {
        self.tags.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The outermost tag.
    pub fn outer(&self) -> Option<VlanTag> {
        self.as_slice().first().copied()
    }

    /// The innermost tag (the same as the outer one on a single-tagged frame).
    pub fn inner(&self) -> Option<VlanTag> {
        self.as_slice().last().copied()
    }

    /// The number of tags present.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True on an untagged frame.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, tag: VlanTag) -> Result<(), DecodeError> {
        let slot = self
            .tags
            .get_mut(usize::from(self.len))
            .ok_or(DecodeError::TooManyVlanTags)?;
        *slot = tag;
        self.len += 1;
        Ok(())
    }
}

/// The link layer of a frame: addresses, tags and where L3 starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Link {
    /// Destination MAC address.
    pub dst: MacAddr,
    /// Source MAC address.
    pub src: MacAddr,
    /// VLAN tags, outermost first.
    pub vlans: VlanTags,
    /// The EtherType after the tags.
    pub ethertype: EtherType,
    /// Offset of the network layer in the frame.
    pub l3_offset: u16,
}

/// Parses the Ethernet header and up to two VLAN tags of `frame`.
#[inline]
pub fn parse_link(frame: &[u8]) -> Result<Link, DecodeError> {
    let eth = Frame::new_checked(frame)?;
    let mut link = Link {
        dst: eth.dst_addr(),
        src: eth.src_addr(),
        vlans: VlanTags::default(),
        ethertype: eth.ethertype(),
        l3_offset: field::HEADER_AT,
    };

    // Each tag is its TPID (already read as the EtherType) then TCI and type.
    let mut rest = eth.payload();
    while link.ethertype.is_vlan_tag() {
        if link.vlans.len() == MAX_VLAN_TAGS {
            return Err(DecodeError::TooManyVlanTags);
        }
        let tag = rest
            .get(..field::TAG_LEN)
            .ok_or(DecodeError::VlanTruncated)?;
        link.vlans.push(VlanTag {
            tpid: link.ethertype,
            tci: be16(&tag[0..2]),
        })?;
        link.ethertype = EtherType(be16(&tag[2..4]));
        link.l3_offset += field::TAG_AT;
        rest = &rest[field::TAG_LEN..];
    }
    Ok(link)
}

fn mac(bytes: &[u8]) -> [u8; 6] {
    array(bytes)
}
