//! One packet buffer (`rte_mbuf`), owned: dropping it returns it to its pool.
//!
//! Data access covers the first segment only; [`Mbuf::segments`] tells when
//! a packet is chained (jumbo frames read from captures).

use std::ptr::NonNull;

use crate::ffi;
use crate::Mempool;

/// An owned mbuf. `repr(transparent)` over a non-null pointer, so a slice of
/// raw mbuf pointers filled by DPDK can be viewed as a slice of `Mbuf`.
#[derive(Debug)]
#[repr(transparent)]
pub struct Mbuf {
    raw: NonNull<ffi::rte_mbuf>,
}

// SAFETY: an Mbuf is exclusively owned; moving it to another core moves the
// ownership with it (DPDK mbufs carry no thread affinity).
unsafe impl Send for Mbuf {}

impl Mbuf {
    /// Takes ownership of a raw mbuf.
    ///
    /// # Safety
    /// `raw` must be a valid mbuf that nothing else owns or frees.
    pub(crate) unsafe fn from_raw(raw: NonNull<ffi::rte_mbuf>) -> Mbuf {
        Mbuf { raw }
    }

    /// Gives up ownership without freeing.
    pub(crate) fn into_raw(self) -> *mut ffi::rte_mbuf {
        let raw = self.raw.as_ptr();
        std::mem::forget(self);
        raw
    }

    /// Allocates an empty mbuf from `pool` to craft a packet; `None` when the
    /// pool is exhausted.
    pub fn alloc(pool: &Mempool) -> Option<Mbuf> {
        // SAFETY: the pool is valid for the life of the EAL.
        let raw = unsafe { ffi::pal_pktmbuf_alloc(pool.as_ptr()) };
        NonNull::new(raw).map(|raw| Mbuf { raw })
    }

    fn head(&self) -> &ffi::rte_mbuf {
        // SAFETY: `raw` is a valid mbuf owned by self (type invariant).
        unsafe { self.raw.as_ref() }
    }

    /// Bytes in the first segment.
    #[inline]
    pub fn data(&self) -> &[u8] {
        let m = self.head();
        // SAFETY: buf_addr + data_off .. + data_len lies inside the mbuf's
        // buffer (DPDK invariant for a valid mbuf) and self owns it, so no one
        // writes it while this shared borrow lives.
        unsafe {
            let start = m.buf_addr.cast::<u8>().add(usize::from(m.data_off));
            std::slice::from_raw_parts(start, usize::from(m.data_len))
        }
    }

    /// Mutable bytes of the first segment.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `data`, and `&mut self` makes the borrow exclusive.
        unsafe {
            let m = self.raw.as_mut();
            let start = m.buf_addr.cast::<u8>().add(usize::from(m.data_off));
            std::slice::from_raw_parts_mut(start, usize::from(m.data_len))
        }
    }

    /// Total packet length over all segments.
    #[inline]
    pub fn pkt_len(&self) -> u32 {
        self.head().pkt_len
    }

    /// Number of chained segments (1 for a plain packet).
    #[inline]
    pub fn segments(&self) -> u16 {
        self.head().nb_segs
    }

    /// The port the packet arrived on.
    #[inline]
    pub fn port(&self) -> u16 {
        self.head().port
    }

    /// The RSS hash the device computed (0 when it computed none).
    #[inline]
    pub fn rss_hash(&self) -> u32 {
        // SAFETY: reading a plain u32 out of a union of plain integers.
        unsafe { self.head().__bindgen_anon_2.hash.rss }
    }

    /// Reads a u64 dynamic field (for example the rx timestamp) at `offset`
    /// as returned by DPDK's dynfield registration.
    #[inline]
    pub fn dynfield_u64(&self, offset: usize) -> u64 {
        let size = std::mem::size_of::<ffi::rte_mbuf>();
        if offset.checked_add(8).is_none_or(|end| end > size) {
            return 0;
        }
        // SAFETY: offset..offset+8 lies inside the mbuf header (checked
        // above); read_unaligned copes with any alignment.
        unsafe {
            self.raw
                .as_ptr()
                .cast::<u8>()
                .add(offset)
                .cast::<u64>()
                .read_unaligned()
        }
    }

    /// Tail room left in the first segment.
    pub fn tailroom(&self) -> usize {
        let m = self.head();
        usize::from(m.buf_len)
            .saturating_sub(usize::from(m.data_off))
            .saturating_sub(usize::from(m.data_len))
    }

    /// Grows a single-segment packet by `len` bytes and returns them;
    /// `None` when the tail room is too small or the packet is chained.
    pub fn append(&mut self, len: u16) -> Option<&mut [u8]> {
        if self.segments() != 1 || usize::from(len) > self.tailroom() {
            return None;
        }
        // SAFETY: the new bytes lie inside the buffer (tail room checked) and
        // the mbuf is owned exclusively through `&mut self`.
        unsafe {
            let m = self.raw.as_mut();
            let old = usize::from(m.data_len);
            m.data_len += len;
            m.pkt_len += u32::from(len);
            let start = m.buf_addr.cast::<u8>().add(usize::from(m.data_off) + old);
            Some(std::slice::from_raw_parts_mut(start, usize::from(len)))
        }
    }
}

impl Drop for Mbuf {
    fn drop(&mut self) {
        // SAFETY: self owns the mbuf (type invariant) and is being dropped,
        // so the pointer is never used again.
        unsafe { ffi::pal_pktmbuf_free(self.raw.as_ptr()) }
    }
}
