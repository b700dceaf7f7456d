//! ClientHello extensions: the type numbers, the raw extension block and
//! views over the few extension bodies that fingerprints read.
//!
//! The views are checked once when built ([`U16List::new`],
//! [`AlpnList::new`]); after that their iterators cannot fail.

use super::reader::{byte, Reader};
use super::{is_grease, Error, Field};

/// A TLS extension type; unnamed values are kept as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExtensionType(pub u16);

impl ExtensionType {
    /// `server_name` (RFC 6066).
    pub const SERVER_NAME: Self = Self(0x0000);
    /// `supported_groups` (RFC 8422).
    pub const SUPPORTED_GROUPS: Self = Self(0x000a);
    /// `signature_algorithms` (RFC 8446).
    pub const SIGNATURE_ALGORITHMS: Self = Self(0x000d);
    /// `application_layer_protocol_negotiation` (RFC 7301).
    pub const ALPN: Self = Self(0x0010);
    /// `supported_versions` (RFC 8446).
    pub const SUPPORTED_VERSIONS: Self = Self(0x002b);

    /// True for the RFC 8701 GREASE values.
    pub fn is_grease(self) -> bool {
        is_grease(self.0)
    }
}

/// One extension as sent: its type and its undecoded body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The extension type.
    pub kind: ExtensionType,
    /// The body, without the type and length header.
    pub data: &'a [u8],
}

/// The extension block of a ClientHello, in the order the client sent it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extensions<'a> {
    block: &'a [u8],
}

impl<'a> Extensions<'a> {
    /// Checks that `block` is a sequence of whole extensions.
    pub fn new(block: &'a [u8]) -> Result<Self, Error> {
        let mut reader = Reader::new(block);
        while !reader.is_empty() {
            reader.u16(Field::Extensions)?;
            reader.vec16(Field::Extensions)?;
        }
        Ok(Self { block })
    }

    /// The extensions in wire order, GREASE included.
    pub fn iter(&self) -> impl Iterator<Item = Extension<'a>> + 'a {
        let mut reader = Reader::new(self.block);
        std::iter::from_fn(move || {
            let kind = ExtensionType(reader.u16(Field::Extensions).ok()?);
            let data = reader.vec16(Field::Extensions).ok()?;
            Some(Extension { kind, data })
        })
    }

    /// The body of the first extension of type `kind`.
    pub fn find(&self, kind: ExtensionType) -> Option<&'a [u8]> {
        self.iter().find(|ext| ext.kind == kind).map(|ext| ext.data)
    }

    /// True when no extension was sent.
    pub fn is_empty(&self) -> bool {
        self.block.is_empty()
    }
}

/// A list of 16-bit values (cipher suites, versions, signature schemes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct U16List<'a> {
    bytes: &'a [u8],
}

impl<'a> U16List<'a> {
    /// Checks that `bytes` holds whole 16-bit values.
    pub fn new(bytes: &'a [u8], field: Field) -> Result<Self, Error> {
        match bytes.len() % 2 {
            0 => Ok(Self { bytes }),
            _ => Err(Error::OddLength(field)),
        }
    }

    /// Reads a list with a `len_bytes`-byte length prefix filling `body`.
    pub(crate) fn prefixed(body: &'a [u8], len_bytes: u8, field: Field) -> Result<Self, Error> {
        let mut reader = Reader::new(body);
        let list = match len_bytes {
            1 => reader.vec8(field)?,
            _ => reader.vec16(field)?,
        };
        reader.finish(field)?;
        Self::new(list, field)
    }

    /// The values in wire order, GREASE included.
    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.bytes
            .chunks_exact(2)
            .map(|pair| u16::from_be_bytes([byte(pair, 0), byte(pair, 1)]))
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.bytes.len() / 2
    }

    /// True when the list holds no value.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// The protocol names of an ALPN extension, in the client's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlpnList<'a> {
    list: &'a [u8],
}

impl<'a> AlpnList<'a> {
    /// Checks an ALPN extension body: a 2-byte length, then names each
    /// with a 1-byte length.
    pub fn new(body: &'a [u8]) -> Result<Self, Error> {
        let mut reader = Reader::new(body);
        let list = reader.vec16(Field::Alpn)?;
        reader.finish(Field::Alpn)?;

        let mut names = Reader::new(list);
        while !names.is_empty() {
            names.vec8(Field::Alpn)?;
        }
        Ok(Self { list })
    }

    /// The protocol names, raw bytes (normally ASCII).
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut reader = Reader::new(self.list);
        std::iter::from_fn(move || reader.vec8(Field::Alpn).ok())
    }
}

/// The first `host_name` of a `server_name` extension body, if any.
///
/// An empty body (as servers echo it) names no host.
pub(crate) fn parse_server_name(body: &[u8]) -> Result<Option<&[u8]>, Error> {
    if body.is_empty() {
        return Ok(None);
    }
    let mut reader = Reader::new(body);
    let list = reader.vec16(Field::ServerName)?;
    reader.finish(Field::ServerName)?;

    let mut names = Reader::new(list);
    let mut host = None;
    while !names.is_empty() {
        let name_type = names.u8(Field::ServerName)?;
        let name = names.vec16(Field::ServerName)?;
        if name_type == 0 && host.is_none() {
            host = Some(name);
        }
    }
    Ok(host)
}
