//! Cache prefetch hints for the packet path.
//!
//! A worker that knows which memory the next packets of a burst will touch
//! (flow index words, flow entries) asks for it early, so the misses of many
//! packets overlap instead of following one another. A prefetch is only a
//! hint: it never faults, never changes memory and may be ignored.

/// Bytes in one cache line on the CPUs the dataplane runs on.
const LINE: usize = 64;

/// Starts loading every cache line that `*r` spans into all cache levels
/// (`prefetcht0` on x86_64; nothing elsewhere). Meant for values of a few
/// lines, such as one hash-table word or one flow entry.
#[inline(always)]
pub fn prefetch<T>(r: &T) {
    let start = (r as *const T).cast::<u8>();
    let misalign = start as usize % LINE;
    let lines = (misalign + std::mem::size_of::<T>().max(1)).div_ceil(LINE);
    // The pointers are only handed to the hint, never dereferenced.
    let first_line = start.wrapping_sub(misalign);
    for i in 0..lines {
        prefetch_line(first_line.wrapping_add(i * LINE));
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn prefetch_line(p: *const u8) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: prefetcht0 does not access memory architecturally: it cannot
    // fault or change data for any address, and SSE is part of the x86_64
    // baseline. `p` points into (or to the cache line of) a live reference.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn prefetch_line(p: *const u8) {
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefetch_accepts_any_value() {
        #[repr(C, align(64))]
        struct Wide([u8; 200]);
        let wide = Wide([7; 200]);
        prefetch(&wide);
        prefetch(&wide.0[63]);
        prefetch(&());
        prefetch(&[1u64, 2, 3]);
        assert_eq!(wide.0[199], 7);
    }
}
