//! Memory hints for large, long-lived tables.
//!
//! The flow table of a worker spans hundreds of megabytes at a million flows,
//! and a random lookup into 4 KiB pages misses the TLB almost every time.
//! Asking the kernel for transparent huge pages on such a region (before it
//! is first written) puts it in 2 MiB pages instead. It is a hint: when the
//! kernel has THP disabled or has no huge page to give, nothing changes.

/// Granule that `madvise` needs for the start of a range.
const PAGE: usize = 4096;

/// Asks for transparent huge pages behind the memory of `region` (any slice,
/// including a vector's spare capacity). Returns whether the kernel took the
/// hint. The region's contents are not changed.
pub fn advise_huge_pages<T>(region: &[T]) -> bool {
    let start = region.as_ptr() as usize;
    let end = start.saturating_add(std::mem::size_of_val(region));
    let aligned = start.next_multiple_of(PAGE);
    if end <= aligned + PAGE {
        return false;
    }
    let len = (end - aligned) / PAGE * PAGE;
    // SAFETY: [aligned, aligned + len) lies inside `region`, memory this
    // process owns for the duration of the call. MADV_HUGEPAGE only changes
    // how the kernel backs those pages, never their contents or mapping, so
    // no reference into the region is invalidated.
    let rc = unsafe { libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
    rc == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_regions_are_left_alone() {
        assert!(!advise_huge_pages(&[0u8; 100]));
        assert!(!advise_huge_pages::<u64>(&[]));
    }

    #[test]
    fn a_large_region_keeps_its_contents() {
        let mut v: Vec<u64> = Vec::with_capacity(1 << 20);
        let _ = advise_huge_pages(v.spare_capacity_mut());
        v.resize(1 << 20, 7);
        assert!(advise_huge_pages(&v) || !thp_possible());
        assert!(v.iter().all(|&x| x == 7));
    }

    fn thp_possible() -> bool {
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
            .is_ok_and(|s| !s.contains("[never]"))
    }
}
