//! Packet buffer pools (`rte_pktmbuf_pool_create`).

use std::ffi::CString;
use std::ptr::NonNull;

use crate::error::{last_errno, strerror, HwError};
use crate::ffi;
use crate::Eal;

/// A pool of mbufs. Pools live until the EAL is cleaned up (DPDK has no safe
/// way to free a pool that ports still reference), so this handle is a plain
/// pointer that may be shared between cores.
#[derive(Debug, Clone, Copy)]
pub struct Mempool {
    raw: NonNull<ffi::rte_mempool>,
}

// SAFETY: DPDK mempools are multi-producer/multi-consumer safe; the per-lcore
// cache is selected by the calling lcore id inside DPDK.
unsafe impl Send for Mempool {}
// SAFETY: as above; the handle itself is immutable.
unsafe impl Sync for Mempool {}

impl Mempool {
    /// Creates a pool of `mbufs` buffers with `data_room` bytes each
    /// (headroom included) on NUMA `socket` (-1: any).
    pub fn new(
        _eal: &Eal,
        name: &str,
        mbufs: u32,
        cache: u32,
        data_room: u16,
        socket: i32,
    ) -> Result<Mempool, HwError> {
        let cname = CString::new(name).map_err(|_| HwError::Nul(name.to_owned()))?;
        // SAFETY: EAL is running (`_eal`), the name is a valid C string, and
        // the numbers are plain values DPDK validates itself.
        let raw = unsafe {
            ffi::rte_pktmbuf_pool_create(cname.as_ptr(), mbufs, cache, 0, data_room, socket)
        };
        NonNull::new(raw)
            .map(|raw| Mempool { raw })
            .ok_or_else(|| HwError::Mempool {
                name: name.to_owned(),
                mbufs,
                data_room,
                reason: strerror(last_errno()),
            })
    }

    /// Buffers currently free in the pool (approximate while cores work).
    pub fn available(&self) -> u32 {
        // SAFETY: the pool pointer is valid for the life of the EAL.
        unsafe { ffi::pal_mempool_avail(self.raw.as_ptr()) }
    }

    pub(crate) fn as_ptr(&self) -> *mut ffi::rte_mempool {
        self.raw.as_ptr()
    }
}
