//! Big-endian readers for byte slices whose length a view already checked.
//!
//! They never panic and never copy through a variable-length buffer: a
//! slice shorter than the value reads as zero, which only a view bug (not
//! wire input) could cause.

/// The first two bytes as a big-endian `u16`.
#[inline]
pub fn be16(bytes: &[u8]) -> u16 {
    u16::from_be_bytes(array(bytes))
}

/// The first four bytes as a big-endian `u32`.
#[inline]
pub fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes(array(bytes))
}

/// The first `N` bytes, or all zeros if `bytes` is shorter.
#[inline]
pub fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    bytes.first_chunk::<N>().copied().unwrap_or([0; N])
}
