//! One datagram in progress: its buffer, the blocks it holds, and what its
//! fragments said about its length.
//!
//! The buffer holds the unfragmentable header followed by the payload at its
//! final offsets, so completion needs no copy: the header fields are
//! rewritten in place. Until the offset-0 fragment arrives, the header
//! length is guessed from the first fragment seen; if the real one differs,
//! the payload is moved once. Overlapping data keeps the bytes that came
//! first and is compared with the newcomer to count conflicts.

use super::config::{FragDrop, FragLimits};
use super::coverage::{Coverage, BLOCK};
use super::fragment::{FragKey, Fragment};
use crate::decode::{ipv4, ipv6, IpProtocol};

/// What writing one fragment found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Write {
    /// Some of its bytes were already held.
    pub overlap: bool,
    /// Some of those held bytes differ from the fragment's.
    pub conflict: bool,
}

/// State of one datagram being reassembled.
#[derive(Debug, Clone, Default)]
pub struct Datagram {
    /// The datagram's identity.
    pub key: FragKey,
    /// When its first fragment arrived, in nanoseconds.
    pub created: u64,
    buf: Vec<u8>,
    header_len: usize,
    have_first: bool,
    protocol: IpProtocol,
    next_header_at: usize,
    total: Option<usize>,
    max_end: usize,
    filled: usize,
    fragments: u16,
    coverage: Coverage,
}

impl Datagram {
    /// Starts a new datagram in this slot with an empty buffer `buf`.
    pub fn reset(&mut self, key: FragKey, now: u64, buf: Vec<u8>, first: &Fragment<'_>) {
        self.key = key;
        self.created = now;
        self.buf = buf;
        self.buf.clear();
        self.header_len = first.header.len();
        self.have_first = false;
        self.protocol = first.protocol;
        self.next_header_at = first.next_header_at;
        self.total = None;
        self.max_end = 0;
        self.filled = 0;
        self.fragments = 0;
        self.coverage.clear();
    }

    /// Hands the buffer back, leaving an empty one.
    pub fn take_buffer(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.buf)
    }

    /// Bytes of memory the buffer holds.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Records `frag`'s length claims, refusing what contradicts earlier
    /// fragments or the limits.
    pub fn admit(&mut self, frag: &Fragment<'_>, limits: &FragLimits) -> Result<(), FragDrop> {
        self.fragments = self.fragments.saturating_add(1);
        if self.fragments > limits.max_fragments {
            return Err(FragDrop::TooManyFragments);
        }

        let end = frag.end();
        if frag.more {
            if self.total.is_some_and(|total| end > total) {
                return Err(FragDrop::Inconsistent);
            }
        } else {
            if self.total.is_some_and(|total| total != end) || end < self.max_end {
                return Err(FragDrop::Inconsistent);
            }
            self.total = Some(end);
        }
        self.max_end = self.max_end.max(end);

        if self.ip_len(self.next_header_len(frag)) > limits.max_datagram_len.min(65_535) {
            return Err(FragDrop::TooLarge);
        }
        Ok(())
    }

    /// The header length once `frag` is written.
    fn next_header_len(&self, frag: &Fragment<'_>) -> usize {
        if frag.offset == 0 && !self.have_first {
            frag.header.len()
        } else {
            self.header_len
        }
    }

    /// The datagram's IP length field for a header of `header_len` bytes.
    fn ip_len(&self, header_len: usize) -> usize {
        let payload = self.total.unwrap_or(self.max_end);
        match self.key {
            FragKey::V4 { .. } => header_len + payload,
            FragKey::V6 { .. } => header_len.saturating_sub(ipv6::HEADER_LEN) + payload,
        }
    }

    /// Buffer bytes needed once the admitted `frag` is written.
    pub fn needed_len(&self, frag: &Fragment<'_>) -> usize {
        self.next_header_len(frag) + self.max_end
    }

    /// Grows the buffer's capacity to at least `capacity` bytes.
    pub fn reserve(&mut self, capacity: usize) {
        let extra = capacity.saturating_sub(self.buf.len());
        self.buf.reserve_exact(extra);
    }

    /// Writes the admitted `frag` into the buffer.
    pub fn insert(&mut self, frag: &Fragment<'_>) -> Write {
        self.buf.resize(self.header_len + self.max_end, 0);
        if frag.offset == 0 && !self.have_first {
            self.set_header(frag);
        }
        self.write(usize::from(frag.offset), frag.data)
    }

    /// Takes the header of the offset-0 fragment, moving the payload if
    /// the guessed header length was wrong.
    fn set_header(&mut self, frag: &Fragment<'_>) {
        let old = self.header_len;
        let new = frag.header.len();
        let payload = self.buf.len().saturating_sub(old);
        if old != new {
            // Sized to hold both layouts, so both ranges are in bounds.
            self.buf.resize(old.max(new) + payload, 0);
            self.buf.copy_within(old..old + payload, new);
            self.buf.truncate(new + payload);
        }
        if let Some(header) = self.buf.get_mut(..new) {
            header.copy_from_slice(frag.header);
        }
        self.header_len = new;
        self.have_first = true;
        self.protocol = frag.protocol;
        self.next_header_at = frag.next_header_at;
    }

    /// Copies `data` at payload `offset` into blocks not yet held and
    /// compares it with the blocks already held.
    fn write(&mut self, offset: usize, data: &[u8]) -> Write {
        let mut result = Write::default();
        let mut done = 0;
        let last_block = (offset + data.len()).div_ceil(BLOCK);
        while done < data.len() {
            let block = (offset + done) / BLOCK;
            let blocks = self.coverage.run(block, last_block).max(1);
            let len = (blocks * BLOCK).min(data.len() - done);
            let chunk = data.get(done..done + len).unwrap_or(&[]);
            let at = self.header_len + offset + done;
            let Some(held) = self.buf.get_mut(at..at + len) else {
                break;
            };

            if self.coverage.is_set(block) {
                result.overlap = true;
                result.conflict |= held != chunk;
            } else {
                held.copy_from_slice(chunk);
                (block..block + blocks).for_each(|b| self.coverage.set(b));
                self.filled += len;
            }
            done += len;
        }
        result
    }

    /// True once the offset-0 and last fragments arrived and every byte
    /// in between.
    pub fn is_complete(&self) -> bool {
        self.have_first && self.total == Some(self.filled)
    }

    /// Rewrites the header of a complete datagram and cuts the buffer to
    /// its length.
    pub fn finish(&mut self) -> Result<(), FragDrop> {
        let total = self.total.unwrap_or(0);
        let len = self.header_len + total;
        let ip_len = u16::try_from(self.ip_len(self.header_len)).map_err(|_| FragDrop::TooLarge)?;
        self.buf.truncate(len);
        match self.key {
            FragKey::V4 { .. } => self.finish_v4(ip_len),
            FragKey::V6 { .. } => self.finish_v6(ip_len),
        }
    }

    fn finish_v4(&mut self, total_len: u16) -> Result<(), FragDrop> {
        let mut packet =
            ipv4::Packet::new_header(&mut self.buf[..]).map_err(|_| FragDrop::Malformed)?;
        packet.set_total_len(total_len);
        packet.clear_fragment();
        packet.fill_checksum();
        Ok(())
    }

    fn finish_v6(&mut self, payload_len: u16) -> Result<(), FragDrop> {
        let mut packet =
            ipv6::Packet::new_header(&mut self.buf[..]).map_err(|_| FragDrop::Malformed)?;
        packet.set_payload_len(payload_len);
        let next = self
            .buf
            .get_mut(self.next_header_at)
            .ok_or(FragDrop::Malformed)?;
        *next = self.protocol.0;
        Ok(())
    }
}
