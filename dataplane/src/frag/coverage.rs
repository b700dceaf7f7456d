//! Which 8-byte blocks of a datagram's payload have arrived: a fixed bitmap.
//!
//! Fragment offsets count 8-byte units and a payload never passes 65535
//! bytes, so 8192 bits (1 KiB, inline, no allocation) cover any datagram.
//! Only the last fragment may end inside a block; the reassembler refuses
//! fragments that disagree about that end, so a set block always holds
//! bytes up to the block's end or the datagram's end.

/// Bytes per block: the unit of fragment offsets.
pub const BLOCK: usize = 8;

const WORDS: usize = 65_536 / BLOCK / 64;

/// A bitmap of received blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    words: [u64; WORDS],
}

impl Default for Coverage {
    fn default() -> Self {
        Self { words: [0; WORDS] }
    }
}

impl Coverage {
    /// Forgets every block.
    pub fn clear(&mut self) {
        self.words = [0; WORDS];
    }

    /// True when `block` has arrived; blocks past the map never have.
    pub fn is_set(&self, block: usize) -> bool {
        self.words
            .get(block / 64)
            .is_some_and(|word| word & (1 << (block % 64)) != 0)
    }

    /// Marks `block` as arrived; blocks past the map are ignored.
    pub fn set(&mut self, block: usize) {
        if let Some(word) = self.words.get_mut(block / 64) {
            *word |= 1 << (block % 64);
        }
    }

    /// The number of blocks after `block`, up to `limit`, whose state equals
    /// that of `block`: the length of the run `block` starts.
    pub fn run(&self, block: usize, limit: usize) -> usize {
        let state = self.is_set(block);
        (block..limit)
            .take_while(|b| self.is_set(*b) == state)
            .count()
    }
}
