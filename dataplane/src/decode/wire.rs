//! Big-endian readers for byte slices whose length a view already checked.
//!
//! They never panic: a slice shorter than the value reads as zero bytes for
//! the missing part, which only a view bug (not wire input) could cause.

/// The first two bytes as a big-endian `u16`.
pub fn be16(bytes: &[u8]) -> u16 {
    u16::from_be_bytes(array(bytes))
}

/// The first four bytes as a big-endian `u32`.
pub fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes(array(bytes))
}

/// The first `N` bytes, zero-padded if `bytes` is shorter.
pub fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    let len = bytes.len().min(N);
    out[..len].copy_from_slice(&bytes[..len]);
    out
}
