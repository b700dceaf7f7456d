//! Keyed hash of a [`FlowKey`] for the flow index.
//!
//! A few folded 64x64->128 multiplications over the key words, each mixed
//! with a per-table seed the caller draws at start (from the OS RNG or the
//! TSC). Fast enough for one call per packet; the seed keeps an off-path
//! attacker from precomputing tuples that collide in one bucket chain. It is
//! not a cryptographic MAC.
//!
//! [`HashedKey`] carries a packet's key, side and hash from the stage of a
//! burst that computes them to the stage that looks the flow up.

use super::key::{FlowKey, Side};

/// Secret seed of one flow table's hash.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct HashSeed {
    k0: u64,
    k1: u64,
}

impl HashSeed {
    /// A seed from two random words.
    pub const fn new(k0: u64, k1: u64) -> Self {
        Self { k0, k1 }
    }
}

/// A packet's normalized key, the side that sent it and the key's hash under
/// its table's seed. Made by [`FlowTable::hash`](super::FlowTable::hash); valid
/// only for that table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HashedKey {
    pub(crate) key: FlowKey,
    pub(crate) side: Side,
    pub(crate) hash: u64,
}

impl HashedKey {
    /// The normalized key.
    pub fn key(&self) -> &FlowKey {
        &self.key
    }

    /// Which endpoint of the key sent the packet.
    pub fn side(&self) -> Side {
        self.side
    }
}

/// Odd constants (digits of pi and e) that keep a zero word from zeroing a product.
const C0: u64 = 0x243f_6a88_85a3_08d3;
const C1: u64 = 0xb7e1_5162_8aed_2a6b;

/// Multiplies into 128 bits and folds the halves together.
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    // Truncation is the point: low and high halves are combined.
    (product as u64) ^ ((product >> 64) as u64)
}

/// Hashes a key under a seed. The index uses the high 32 bits.
pub(crate) fn hash_key(seed: &HashSeed, key: &FlowKey) -> u64 {
    let (a0, a1) = key.low().0.halves();
    let (b0, b1) = key.high().0.halves();

    let mut h = fold(a0 ^ seed.k0, a1 ^ seed.k1 ^ C0);
    h = fold(h ^ b0 ^ seed.k1, b1 ^ seed.k0 ^ C1);
    h = fold(h ^ key.tail_word(), seed.k0.rotate_left(32) ^ C0);
    fold(h ^ seed.k1, C1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::key::FlowTuple;
    use std::net::Ipv4Addr;

    fn key(port: u16) -> FlowKey {
        let tuple = FlowTuple {
            proto: 17,
            src: Ipv4Addr::new(10, 0, 0, 1).into(),
            src_port: port,
            dst: Ipv4Addr::new(10, 0, 0, 2).into(),
            dst_port: 53,
        };
        FlowKey::from_tuple(&tuple).0
    }

    #[test]
    fn seed_changes_hash() {
        let k = key(1000);
        let a = hash_key(&HashSeed::new(1, 2), &k);
        let b = hash_key(&HashSeed::new(3, 4), &k);
        assert_ne!(a, b);
    }

    #[test]
    fn neighbouring_ports_spread_over_high_bits() {
        let seed = HashSeed::new(0x1234, 0x5678);
        let mut buckets = [0u32; 64];
        for port in 0..6400u16 {
            let h = hash_key(&seed, &key(port));
            buckets[(h >> 58) as usize] += 1;
        }
        assert!(
            buckets.iter().all(|&n| (50..150).contains(&n)),
            "{buckets:?}"
        );
    }
}
