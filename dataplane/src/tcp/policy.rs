//! Overlap policies: which copy of a byte reassembly keeps when two segments
//! carry the same sequence range.
//!
//! A passive device must rebuild the stream the way the receiving host will,
//! or an attacker can send one version to the inspector and another to the
//! host (Ptacek and Newsham, 1998). Policies apply to bytes still buffered
//! out of order; bytes already delivered never change, whatever the policy.
//!
//! Each buffered byte remembers the range of the segment that supplied it
//! (its *origin*). When a new segment `new` covers a held byte from segment
//! `old`, the policy decides per held run:
//!
//! | policy | the new bytes win when |
//! |--------|------------------------|
//! | `First` | never (the default) |
//! | `Last` | always |
//! | `Bsd` | `new` starts before `old` |
//! | `Linux` | `new` starts before `old`, or at the same place and ends after it |
//! | `Windows` | `new` starts before `old` and ends at or after its end |
//!
//! The three target-based rules are models of the published descriptions of
//! those stacks' out-of-order queues, not verified against every kernel
//! version; pick the one that matches the protected servers by testing them.

/// The sequence range (as stream offsets) of the segment that supplied
/// some held bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Origin {
    pub(crate) start: u64,
    pub(crate) end: u64,
}

/// Which bytes win when segments overlap with different content.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum OverlapPolicy {
    /// The first copy seen wins.
    #[default]
    First,
    /// The latest copy wins.
    Last,
    /// BSD-like: the new copy wins when its segment starts earlier.
    Bsd,
    /// Linux-like: as `Bsd`, and also when both start together and the new
    /// segment is longer.
    Linux,
    /// Windows-like: the new copy wins when its segment starts earlier and
    /// covers the old one to its end.
    Windows,
}

impl OverlapPolicy {
    /// Whether bytes of `new` replace held bytes that came from `old`.
    pub(crate) fn new_wins(self, new: Origin, old: Origin) -> bool {
        match self {
            Self::First => false,
            Self::Last => true,
            Self::Bsd => new.start < old.start,
            Self::Linux => new.start < old.start || (new.start == old.start && new.end > old.end),
            Self::Windows => new.start < old.start && new.end >= old.end,
        }
    }

    /// Whether decisions depend on origins, so runs from different segments
    /// must stay apart in the buffer.
    pub(crate) fn uses_origin(self) -> bool {
        matches!(self, Self::Bsd | Self::Linux | Self::Windows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(start: u64, end: u64) -> Origin {
        Origin { start, end }
    }

    #[test]
    fn rules_as_documented() {
        let old = o(10, 20);
        let cases = [
            (o(5, 15), [false, true, true, true, false]),
            (o(5, 25), [false, true, true, true, true]),
            (o(10, 25), [false, true, false, true, false]),
            (o(10, 20), [false, true, false, false, false]),
            (o(12, 30), [false, true, false, false, false]),
        ];
        let policies = [
            OverlapPolicy::First,
            OverlapPolicy::Last,
            OverlapPolicy::Bsd,
            OverlapPolicy::Linux,
            OverlapPolicy::Windows,
        ];
        for (new, expected) in cases {
            for (policy, want) in policies.iter().zip(expected) {
                assert_eq!(policy.new_wins(new, old), want, "{policy:?} {new:?}");
            }
        }
    }
}
