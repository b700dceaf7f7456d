//! What the tracker knows about one endpoint as a sender: its initial
//! sequence number, how far it has sent, what it last acknowledged, its
//! advertised window and window scale, and its FIN.
//!
//! The connection ([`super::TcpConnection`]) keeps one per direction and
//! uses them for handshake checks, RST acceptance and the receive window.

use super::seq::SeqNum;

const SYN_SEEN: u8 = 1;
const SENT: u8 = 1 << 1;
const ACKED: u8 = 1 << 2;
const FIN_SEEN: u8 = 1 << 3;
const FIN_ACKED: u8 = 1 << 4;
const WSCALE: u8 = 1 << 5;
const WINDOW_SEEN: u8 = 1 << 6;
const WINDOW_IN_SYN: u8 = 1 << 7;

/// Largest window scale shift (RFC 7323).
const MAX_SHIFT: u8 = 14;

/// Whether window scaling is in effect on the connection.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Scaling {
    /// Both SYNs carried the option.
    On,
    /// A SYN without the option was seen.
    Off,
    /// The handshake was not seen (mid-stream pickup).
    Unknown,
}

/// One endpoint, as a sender.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Peer {
    isn: SeqNum,
    next: SeqNum,
    ack: SeqNum,
    fin: SeqNum,
    window: u16,
    wscale: u8,
    bits: u8,
}

impl Peer {
    /// A peer that has sent nothing.
    pub(crate) const EMPTY: Self = Self {
        isn: SeqNum(0),
        next: SeqNum(0),
        ack: SeqNum(0),
        fin: SeqNum(0),
        window: 0,
        wscale: 0,
        bits: 0,
    };

    fn has(&self, bit: u8) -> bool {
        self.bits & bit != 0
    }

    /// Records this side's SYN (and its window scale option, if any).
    pub(crate) fn on_syn(&mut self, isn: SeqNum, wscale: Option<u8>) {
        self.isn = isn;
        self.bits |= SYN_SEEN;
        if let Some(shift) = wscale {
            self.wscale = shift.min(MAX_SHIFT);
            self.bits |= WSCALE;
        }
        self.note_sent(isn.add(1));
    }

    /// This side has sent sequence space up to `end` (exclusive).
    pub(crate) fn note_sent(&mut self, end: SeqNum) {
        self.next = if self.has(SENT) {
            self.next.latest(end)
        } else {
            end
        };
        self.bits |= SENT;
    }

    /// Records an acknowledgment sent by this side.
    pub(crate) fn on_ack(&mut self, ack: SeqNum) {
        self.ack = if self.has(ACKED) {
            self.ack.latest(ack)
        } else {
            ack
        };
        self.bits |= ACKED;
    }

    /// Records the window this side advertised.
    pub(crate) fn on_window(&mut self, window: u16, syn: bool) {
        self.window = window;
        self.bits |= WINDOW_SEEN;
        self.bits = if syn {
            self.bits | WINDOW_IN_SYN
        } else {
            self.bits & !WINDOW_IN_SYN
        };
    }

    /// Records this side's FIN at sequence number `fin`.
    pub(crate) fn on_fin(&mut self, fin: SeqNum) {
        if !self.has(FIN_SEEN) {
            self.fin = fin;
            self.bits |= FIN_SEEN;
        }
        self.note_sent(fin.add(1));
    }

    /// The other side acknowledged up to `ack`; returns true if that covers
    /// this side's FIN.
    pub(crate) fn check_fin_acked(&mut self, ack: SeqNum) -> bool {
        if self.has(FIN_SEEN) && ack.after(self.fin) {
            self.bits |= FIN_ACKED;
        }
        self.has(FIN_ACKED)
    }

    pub(crate) fn isn(&self) -> Option<SeqNum> {
        self.has(SYN_SEEN).then_some(self.isn)
    }

    pub(crate) fn next(&self) -> Option<SeqNum> {
        self.has(SENT).then_some(self.next)
    }

    pub(crate) fn ack(&self) -> Option<SeqNum> {
        self.has(ACKED).then_some(self.ack)
    }

    pub(crate) fn fin_seen(&self) -> bool {
        self.has(FIN_SEEN)
    }

    pub(crate) fn fin_acked(&self) -> bool {
        self.has(FIN_ACKED)
    }

    /// Scaling in effect between the initiator and the responder.
    pub(crate) fn scaling(initiator: &Self, responder: &Self) -> Scaling {
        let refused = |p: &Self| p.has(SYN_SEEN) && !p.has(WSCALE);
        if refused(initiator) || refused(responder) {
            Scaling::Off
        } else if responder.has(SYN_SEEN) {
            // A responder only sends the option when the SYN carried it.
            Scaling::On
        } else {
            Scaling::Unknown
        }
    }

    /// The window this side advertised, in bytes; `unknown_shift` stands in
    /// for the scale when the handshake was not seen. `None` before any.
    pub(crate) fn window(&self, scaling: Scaling, unknown_shift: u8) -> Option<u32> {
        if !self.has(WINDOW_SEEN) {
            return None;
        }
        let shift = match scaling {
            _ if self.has(WINDOW_IN_SYN) => 0,
            Scaling::On => self.wscale,
            Scaling::Off => 0,
            Scaling::Unknown => unknown_shift.min(MAX_SHIFT),
        };
        Some(u32::from(self.window) << shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_scale_applies_only_after_the_syn() {
        let mut client = Peer::default();
        let mut server = Peer::default();
        client.on_syn(SeqNum(1), Some(7));
        server.on_syn(SeqNum(9), Some(20));
        server.on_window(1000, true);
        let scaling = Peer::scaling(&client, &server);
        assert_eq!(scaling, Scaling::On);
        assert_eq!(server.window(scaling, 0), Some(1000));
        server.on_window(1000, false);
        assert_eq!(server.window(scaling, 0), Some(1000 << 14));
    }

    #[test]
    fn one_syn_without_option_turns_scaling_off() {
        let mut client = Peer::default();
        client.on_syn(SeqNum(1), None);
        assert_eq!(Peer::scaling(&client, &Peer::default()), Scaling::Off);
        assert_eq!(
            Peer::scaling(&Peer::default(), &Peer::default()),
            Scaling::Unknown
        );
    }

    #[test]
    fn fin_is_acked_by_the_next_number() {
        let mut p = Peer::default();
        p.on_fin(SeqNum(u32::MAX));
        assert!(!p.check_fin_acked(SeqNum(u32::MAX)));
        assert!(p.check_fin_acked(SeqNum(0)));
        assert_eq!(p.next(), Some(SeqNum(0)));
    }
}
