//! TCP sequence numbers with serial-number arithmetic (RFC 1982, as RFC 9293
//! uses it), and the TCP flag bits.
//!
//! Every comparison of sequence numbers in this module goes through
//! [`SeqNum`], so wrap-around at 2^32 is handled in one place.

/// A 32-bit TCP sequence or acknowledgment number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// The number `n` places later, wrapping.
    pub const fn add(self, n: u32) -> Self {
        Self(self.0.wrapping_add(n))
    }

    /// Signed distance from `earlier` to `self`: positive when `self` is
    /// later. Exactly 2^31 apart is ambiguous in RFC 1982 and reads as earlier.
    pub const fn since(self, earlier: Self) -> i32 {
        self.0.wrapping_sub(earlier.0) as i32
    }

    /// `self` comes strictly before `other`.
    pub const fn before(self, other: Self) -> bool {
        self.since(other) < 0
    }

    /// `self` comes strictly after `other`.
    pub const fn after(self, other: Self) -> bool {
        self.since(other) > 0
    }

    /// The later of two numbers.
    pub const fn latest(self, other: Self) -> Self {
        if other.after(self) {
            other
        } else {
            self
        }
    }
}

impl From<u32> for SeqNum {
    fn from(raw: u32) -> Self {
        Self(raw)
    }
}

/// The flag bits of a TCP header (the low byte of the flags field).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// No more data from sender.
    pub const FIN: Self = Self(0x01);
    /// Synchronize sequence numbers.
    pub const SYN: Self = Self(0x02);
    /// Reset the connection.
    pub const RST: Self = Self(0x04);
    /// Push.
    pub const PSH: Self = Self(0x08);
    /// Acknowledgment field is significant.
    pub const ACK: Self = Self(0x10);
    /// Urgent pointer is significant.
    pub const URG: Self = Self(0x20);
    /// ECN echo.
    pub const ECE: Self = Self(0x40);
    /// Congestion window reduced.
    pub const CWR: Self = Self(0x80);

    /// All bits of `other` are set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// FIN is set.
    pub const fn fin(self) -> bool {
        self.contains(Self::FIN)
    }

    /// SYN is set.
    pub const fn syn(self) -> bool {
        self.contains(Self::SYN)
    }

    /// RST is set.
    pub const fn rst(self) -> bool {
        self.contains(Self::RST)
    }

    /// ACK is set.
    pub const fn ack(self) -> bool {
        self.contains(Self::ACK)
    }
}

impl std::ops::BitOr for TcpFlags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_wrap_around() {
        let near_end = SeqNum(u32::MAX - 10);
        let wrapped = near_end.add(20);
        assert_eq!(wrapped, SeqNum(9));
        assert!(wrapped.after(near_end));
        assert!(near_end.before(wrapped));
        assert_eq!(wrapped.since(near_end), 20);
        assert_eq!(near_end.latest(wrapped), wrapped);
    }

    #[test]
    fn half_space_apart_reads_as_earlier() {
        let a = SeqNum(0);
        let b = SeqNum(1 << 31);
        assert!(b.before(a));
        assert!(a.before(b));
    }

    #[test]
    fn flags_combine() {
        let synack = TcpFlags::SYN | TcpFlags::ACK;
        assert!(synack.syn() && synack.ack() && !synack.fin() && !synack.rst());
    }
}
