//! A byte-at-a-time model of one direction's reassembly, slow and obvious,
//! that the property tests compare the real buffer against.

use std::collections::BTreeMap;

use super::super::policy::Origin;
use super::*;

/// Held bytes with the origin of each; delivered bytes in `out`.
#[derive(Debug)]
pub(super) struct Model {
    policy: OverlapPolicy,
    base: u64,
    held: BTreeMap<u64, (u8, Origin)>,
    pub(super) out: Vec<u8>,
    pub(super) gaps: Vec<Gap>,
    pub(super) conflicts: u64,
}

impl Model {
    pub(super) fn new(policy: OverlapPolicy) -> Self {
        Self {
            policy,
            base: 0,
            held: BTreeMap::new(),
            out: Vec::new(),
            gaps: Vec::new(),
            conflicts: 0,
        }
    }

    /// `data` at stream offset `start`.
    pub(super) fn segment(&mut self, start: u64, data: &[u8]) {
        let end = start + data.len() as u64;
        let origin = Origin {
            start: start.max(self.base),
            end,
        };
        let mut conflict = false;
        for (off, &byte) in (start..end).zip(data) {
            if off < self.base {
                continue;
            }
            match self.held.get_mut(&off) {
                Some((old, from)) => {
                    conflict |= *old != byte;
                    if self.policy.new_wins(origin, *from) {
                        (*old, *from) = (byte, origin);
                    }
                }
                None => {
                    self.held.insert(off, (byte, origin));
                }
            }
        }
        self.conflicts += u64::from(conflict);
        self.deliver();
    }

    fn deliver(&mut self) {
        while let Some((byte, _)) = self.held.remove(&self.base) {
            self.out.push(byte);
            self.base += 1;
        }
    }

    /// Delivers everything held, holes becoming gaps.
    pub(super) fn finish(&mut self) {
        while let Some((&off, _)) = self.held.first_key_value() {
            if off > self.base {
                self.gaps.push(Gap {
                    offset: self.base,
                    len: off - self.base,
                });
                self.base = off;
            }
            self.deliver();
        }
    }
}
