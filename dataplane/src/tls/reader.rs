//! A bounds-checked cursor over a byte slice, for the TLS parsers.
//!
//! Every read either returns the bytes it asked for or an [`Error`] naming
//! the [`Field`] that ran short, so the parsers above it never index.

use super::{Error, Field};

/// Reads big-endian integers and length-prefixed vectors from a slice.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next `len` bytes.
    pub(crate) fn take(&mut self, len: usize, field: Field) -> Result<&'a [u8], Error> {
        if len > self.rest.len() {
            return Err(Error::Truncated(field));
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self, field: Field) -> Result<u8, Error> {
        let bytes = self.take(1, field)?;
        Ok(bytes.first().copied().unwrap_or(0))
    }

    pub(crate) fn u16(&mut self, field: Field) -> Result<u16, Error> {
        let bytes = self.take(2, field)?;
        Ok(u16::from_be_bytes([byte(bytes, 0), byte(bytes, 1)]))
    }

    /// A vector with a one-byte length prefix.
    pub(crate) fn vec8(&mut self, field: Field) -> Result<&'a [u8], Error> {
        let len = self.u8(field)?;
        self.take(usize::from(len), field)
    }

    /// A vector with a two-byte length prefix.
    pub(crate) fn vec16(&mut self, field: Field) -> Result<&'a [u8], Error> {
        let len = self.u16(field)?;
        self.take(usize::from(len), field)
    }

    /// Fails unless every byte has been read.
    pub(crate) fn finish(&self, field: Field) -> Result<(), Error> {
        match self.rest.is_empty() {
            true => Ok(()),
            false => Err(Error::TrailingBytes(field)),
        }
    }
}

/// The byte at `at`, or zero past the end (callers have checked the length).
pub(crate) fn byte(bytes: &[u8], at: usize) -> u8 {
    bytes.get(at).copied().unwrap_or(0)
}
