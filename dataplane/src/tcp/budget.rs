//! The per-worker memory budget for reassembly buffers.
//!
//! Each worker owns one [`Budget`] and lends it (`&mut`) to every stream
//! operation that may grow or free a buffer. A stream that cannot get memory
//! switches its flow to bypass instead of growing. Streams return what they
//! hold through their `release` method when the flow ends: the flow table
//! hands the removed state back to the caller for that purpose.

/// Bytes of reassembly memory a worker may hold across all its flows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Budget {
    limit: usize,
    used: usize,
    peak: usize,
    refused: u64,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub const fn new(limit: usize) -> Self {
        Self {
            limit,
            used: 0,
            peak: 0,
            refused: 0,
        }
    }

    /// Takes `bytes` if they fit; counts a refusal otherwise.
    pub fn try_take(&mut self, bytes: usize) -> bool {
        match self.used.checked_add(bytes) {
            Some(total) if total <= self.limit => {
                self.used = total;
                self.peak = self.peak.max(total);
                true
            }
            _ => {
                self.refused += 1;
                false
            }
        }
    }

    /// Gives `bytes` back.
    pub fn give_back(&mut self, bytes: usize) {
        self.used = self.used.saturating_sub(bytes);
    }

    /// Bytes free.
    pub fn available(&self) -> usize {
        self.limit - self.used
    }

    /// Bytes in use.
    pub fn used(&self) -> usize {
        self.used
    }

    /// Highest use seen.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Requests refused.
    pub fn refused(&self) -> u64 {
        self.refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_up_to_the_limit() {
        let mut b = Budget::new(100);
        assert!(b.try_take(60));
        assert!(!b.try_take(41));
        assert!(b.try_take(40));
        b.give_back(70);
        assert_eq!(
            (b.used(), b.available(), b.peak(), b.refused()),
            (30, 70, 100, 1)
        );
        assert!(!b.try_take(usize::MAX));
    }
}
