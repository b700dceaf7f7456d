//! SYN authentication while a SYN flood runs.
//!
//! A SYN from a source not yet seen to answer is not forwarded: the guard
//! answers it with a SYN-ACK whose acknowledgment number is a cookie, a
//! keyed hash of the connection's addresses, ports and the current time
//! slot, which is never the SYN's sequence number plus one. A real TCP
//! stack in SYN-SENT finds that acknowledgment unacceptable and answers
//! with a reset whose sequence number is the cookie (RFC 9293 section
//! 3.10.7.3: `<SEQ=SEG.ACK><CTL=RST>`), then sends its SYN again after its
//! retransmission timeout. A reset that carries a valid cookie marks its
//! source as authenticated for a while, and its later SYNs pass. Spoofed
//! sources never see the SYN-ACK, never answer, and their SYNs are
//! dropped; the protected servers see none of them. The cost for a real
//! client is one retransmission timeout (1 s on Linux) on its first
//! connection during a flood.
//!
//! The cookie is the first 32 bits of a keyed mix, not a cryptographic
//! MAC: guessing one takes 2^32 tries per connection tuple and slot.

/// Length of a cookie's time slot, in nanoseconds (64 s); a cookie of the
/// slot before is accepted too.
pub const SLOT_NS: u64 = 64_000_000_000;

/// The connection a cookie is for, as the client's packets carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuple {
    pub src: u128,
    pub dst: u128,
    pub src_port: u16,
    pub dst_port: u16,
}

/// Makes and checks cookies under one secret.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    k0: u64,
    k1: u64,
}

impl Cookies {
    pub fn new(k0: u64, k1: u64) -> Self {
        Cookies { k0, k1 }
    }

    fn mix(&self, t: &Tuple, slot: u64) -> u32 {
        let ports = (u64::from(t.src_port) << 16) | u64::from(t.dst_port);
        let mut h = self.k0;
        for word in [
            t.src as u64,
            (t.src >> 64) as u64,
            t.dst as u64,
            (t.dst >> 64) as u64,
            ports ^ (slot << 32),
        ] {
            h = (h ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            h ^= h >> 32;
            h = h.wrapping_add(self.k1);
        }
        h = (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        (h >> 32) as u32
    }

    /// The cookie for a SYN with sequence number `syn_seq` at `now`: never
    /// `syn_seq + 1`, so the client's stack always refuses it.
    pub fn make(&self, t: &Tuple, syn_seq: u32, now: u64) -> u32 {
        let c = self.mix(t, now / SLOT_NS);
        if c == syn_seq.wrapping_add(1) {
            // Flip to a value the check also accepts: see `check`.
            return c ^ 0x8000_0000;
        }
        c
    }

    /// True when `seq` (a reset's sequence number) is a cookie made for
    /// `t` in this slot or the one before.
    pub fn check(&self, t: &Tuple, seq: u32, now: u64) -> bool {
        let slot = now / SLOT_NS;
        [slot, slot.saturating_sub(1)].iter().any(|s| {
            let c = self.mix(t, *s);
            seq == c || seq == c ^ 0x8000_0000
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Tuple = Tuple {
        src: 0xffff_0a00_0001,
        dst: 0xffff_0a00_0002,
        src_port: 40000,
        dst_port: 80,
    };

    #[test]
    fn a_cookie_checks_in_its_slot_and_the_next_only() {
        let c = Cookies::new(1, 2);
        let cookie = c.make(&T, 1000, 5 * SLOT_NS + 3);
        assert!(c.check(&T, cookie, 5 * SLOT_NS + 9));
        assert!(c.check(&T, cookie, 6 * SLOT_NS + 1));
        assert!(!c.check(&T, cookie, 7 * SLOT_NS + 1));
        assert!(!c.check(&T, cookie.wrapping_add(1), 5 * SLOT_NS));
    }

    #[test]
    fn cookies_differ_by_tuple_and_secret() {
        let c = Cookies::new(1, 2);
        let other = Tuple {
            src_port: 40001,
            ..T
        };
        assert_ne!(c.make(&T, 0, 0), c.make(&other, 0, 0));
        assert_ne!(c.make(&T, 0, 0), Cookies::new(3, 2).make(&T, 0, 0));
        assert!(!Cookies::new(3, 2).check(&T, c.make(&T, 0, 0), 0));
    }

    #[test]
    fn never_acknowledges_the_syn() {
        let c = Cookies::new(1, 2);
        let plain = c.make(&T, 0, 0);
        let seq = plain.wrapping_sub(1);
        let made = c.make(&T, seq, 0);
        assert_ne!(made, seq.wrapping_add(1));
        assert!(c.check(&T, made, 0));
    }
}
