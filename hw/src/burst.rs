//! A fixed-size array of owned mbufs: what one rx call fills and one tx call
//! drains. No allocation; dropping a burst frees what is left in it.

use std::ptr::NonNull;

use crate::ffi;
use crate::Mbuf;

/// The most packets a burst holds.
pub const BURST_MAX: usize = 32;

/// Up to [`BURST_MAX`] owned mbufs, in arrival order.
#[derive(Debug)]
pub struct Burst {
    // Invariant: slots[..len] are valid, owned, non-null mbufs.
    slots: [*mut ffi::rte_mbuf; BURST_MAX],
    len: usize,
}

// SAFETY: the burst exclusively owns its mbufs; see Mbuf's Send.
unsafe impl Send for Burst {}

impl Default for Burst {
    fn default() -> Self {
        Burst::new()
    }
}

impl Burst {
    /// An empty burst.
    pub const fn new() -> Burst {
        Burst {
            slots: [std::ptr::null_mut(); BURST_MAX],
            len: 0,
        }
    }

    /// Packets held.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no packet is held.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when no more packet fits.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.len == BURST_MAX
    }

    /// The packets, in order.
    #[inline]
    pub fn as_slice(&self) -> &[Mbuf] {
        // SAFETY: Mbuf is repr(transparent) over NonNull<rte_mbuf>, which has
        // the layout of *mut rte_mbuf, and slots[..len] are non-null owned
        // mbufs (type invariant).
        unsafe { std::slice::from_raw_parts(self.slots.as_ptr().cast::<Mbuf>(), self.len) }
    }

    /// The packets, in order, mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [Mbuf] {
        // SAFETY: as in as_slice; &mut self makes the borrow exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.slots.as_mut_ptr().cast::<Mbuf>(), self.len) }
    }

    /// Adds a packet at the end; gives it back when the burst is full.
    pub fn push(&mut self, mbuf: Mbuf) -> Result<(), Mbuf> {
        if self.is_full() {
            return Err(mbuf);
        }
        self.slots[self.len] = mbuf.into_raw();
        self.len += 1;
        Ok(())
    }

    /// Keeps the packets for which `keep` is true, in order, and frees the
    /// others. Returns how many were freed.
    pub fn retain(&mut self, mut keep: impl FnMut(&mut Mbuf) -> bool) -> usize {
        let mut kept = 0;
        for i in 0..self.len {
            let raw = self.slots[i];
            // SAFETY: slots[i] (i < len) is a valid owned mbuf; it is moved
            // into `mbuf` and its slot is rewritten or dropped below, so it is
            // owned exactly once.
            let mut mbuf = unsafe { Mbuf::from_raw(NonNull::new_unchecked(raw)) };
            if keep(&mut mbuf) {
                self.slots[kept] = mbuf.into_raw();
                kept += 1;
            }
        }
        let freed = self.len - kept;
        self.len = kept;
        freed
    }

    /// Moves every packet of `self` to the end of `dst` while it has room;
    /// returns how many moved.
    pub fn move_into(&mut self, dst: &mut Burst) -> usize {
        let n = self.len.min(BURST_MAX - dst.len);
        dst.slots[dst.len..dst.len + n].copy_from_slice(&self.slots[..n]);
        dst.len += n;
        self.consume_front(n);
        n
    }

    /// Frees every packet held.
    pub fn clear(&mut self) {
        if self.len > 0 {
            // SAFETY: slots[..len] are owned valid mbufs, freed once here and
            // forgotten by setting len to 0.
            unsafe { ffi::pal_pktmbuf_free_bulk(self.slots.as_mut_ptr(), self.len as u32) };
            self.len = 0;
        }
    }

    /// Raw pointer to the first empty slot and how many slots are free, for
    /// rx to fill.
    pub(crate) fn spare_raw(&mut self) -> (*mut *mut ffi::rte_mbuf, usize) {
        // SAFETY: len <= BURST_MAX so the offset stays within the array.
        let ptr = unsafe { self.slots.as_mut_ptr().add(self.len) };
        (ptr, BURST_MAX - self.len)
    }

    /// Records that rx wrote `n` valid mbufs after the current end.
    ///
    /// # Safety
    /// The `n` slots after `len` must hold valid mbufs now owned by the burst.
    pub(crate) unsafe fn commit_filled(&mut self, n: usize) {
        self.len = (self.len + n).min(BURST_MAX);
    }

    /// Raw pointer to the packets, for tx.
    pub(crate) fn filled_raw(&mut self) -> (*mut *mut ffi::rte_mbuf, usize) {
        (self.slots.as_mut_ptr(), self.len)
    }

    /// Forgets the first `n` packets (tx took them) and shifts the rest down.
    pub(crate) fn consume_front(&mut self, n: usize) {
        let n = n.min(self.len);
        self.slots.copy_within(n..self.len, 0);
        self.len -= n;
    }
}

impl Drop for Burst {
    fn drop(&mut self) {
        self.clear();
    }
}
