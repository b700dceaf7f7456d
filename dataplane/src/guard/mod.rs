//! Volumetric L3/L4 protection, before decoding and flow tracking: the
//! source ACL, per-source packet, byte, SYN and new-flow rate limits, and
//! SYN flood protection (a worker-wide SYN limit past which unknown sources
//! are authenticated with SYN cookies in inline mode, see [`cookie`], or
//! their SYNs dropped).
//!
//! Input: each frame's bytes and `now`; output: pass or drop, counted by
//! reason, and cookie challenges (SYN-ACKs) written to the verdicts'
//! [`Outbox`] for the worker to send back. State per worker, all bounded
//! and allocated once: one table of per-source limit states, one of
//! authenticated sources, a few worker-wide timestamps. A frame the guards
//! cannot read (not IP over Ethernet) passes them to the pipeline.

mod acl;
mod config;
pub mod cookie;
mod limit;
mod peek;
mod stats;
mod table;
#[cfg(test)]
mod tests;

use std::hash::{BuildHasher, Hasher};

pub use acl::{Acl, AclVerdict};
pub use config::{
    AclDefault, AclSettings, GuardConfig, GuardSettings, SourceSettings, SynSettings,
};
pub use limit::{Limit, Tat};
pub use peek::{mapped, peek, Peek, TcpBits};
use stats::snapshot;
pub use stats::{GuardCounters, GuardStats};

use crate::enforce::craft::{flags, Offender, TcpOut, Toward};
use crate::enforce::Outbox;
use cookie::{Cookies, Tuple};
use table::SourceTable;

/// Limit states of one source.
#[derive(Debug, Clone, Copy, Default)]
struct Source {
    packets: Tat,
    bytes: Tat,
    syns: Tat,
    connections: Tat,
}

/// One worker's guards.
#[derive(Debug)]
pub struct Guard {
    cfg: GuardConfig,
    /// Anything to do at all.
    on: bool,
    per_source: bool,
    sources: SourceTable<Source>,
    /// Authenticated sources: until when (ns).
    auth: SourceTable<u64>,
    cookies: Cookies,
    global_syns: Tat,
    challenges: Tat,
    /// Flood mode lasts until then (ns).
    flood_until: u64,
    counters: GuardCounters,
}

impl Guard {
    /// Guards under `cfg`, with a cookie secret of this process.
    pub fn new(cfg: GuardConfig) -> Self {
        let word = || {
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        };
        Self::with_secret(cfg, [word(), word()])
    }

    /// Guards whose cookies and table hashing use `secret`.
    pub fn with_secret(cfg: GuardConfig, secret: [u64; 2]) -> Self {
        let per_source =
            cfg.packets.is_on() || cfg.bytes.is_on() || cfg.syns.is_on() || cfg.connections.is_on();
        let on = per_source || cfg.acl.is_on() || cfg.syn_global.is_on();
        let sources = if per_source { cfg.sources } else { 0 };
        let auth = if cfg.syn_global.is_on() && cfg.cookies {
            cfg.auth_sources
        } else {
            0
        };
        Guard {
            on,
            per_source,
            sources: SourceTable::new(sources, secret[0]),
            auth: SourceTable::new(auth, secret[1]),
            cookies: Cookies::new(secret[0], secret[1]),
            global_syns: Tat::default(),
            challenges: Tat::default(),
            flood_until: 0,
            counters: GuardCounters::default(),
            cfg,
        }
    }

    /// True when any guard is configured.
    #[inline]
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Judges one frame at `now`: true when it passes. Challenges go to
    /// `outbox`.
    #[inline]
    pub fn check(&mut self, frame: &[u8], now: u64, outbox: &mut Outbox) -> bool {
        let Some(p) = peek(frame) else {
            return true;
        };
        match self.cfg.acl.check(p.src) {
            AclVerdict::Denied => return self.drop(|c| &mut c.acl_denied),
            AclVerdict::Trusted => return true,
            AclVerdict::Allowed => {}
        }
        if let Some(tcp) = p.tcp {
            if tcp.is_syn() && !self.syn(frame, &p, &tcp, now, outbox) {
                return false;
            }
            if tcp.is_rst() && self.is_answer(&p, &tcp, now) {
                return false;
            }
        }
        !self.per_source || self.limit_source(&p, frame.len(), now)
    }

    /// A new flow from `src` at `now` (after [`Guard::check`] passed its
    /// first packet): true when the source may open it.
    pub fn new_flow(&mut self, src: u128, now: u64) -> bool {
        if !self.cfg.connections.is_on() || self.cfg.acl.check(src) == AclVerdict::Trusted {
            return true;
        }
        let s = self.sources.entry(src, now);
        if self.cfg.connections.take(&mut s.connections, now, 1) {
            return true;
        }
        self.drop(|c| &mut c.source_connections)
    }

    /// The worker-wide SYN limit and, in flood mode, authentication.
    fn syn(&mut self, frame: &[u8], p: &Peek, tcp: &TcpBits, now: u64, out: &mut Outbox) -> bool {
        if !self.cfg.syn_global.is_on() {
            return true;
        }
        let over = !self.cfg.syn_global.take(&mut self.global_syns, now, 1);
        if over {
            if now >= self.flood_until {
                self.counters.floods += 1;
            }
            self.flood_until = now.saturating_add(self.cfg.hold_ns);
        }
        if !self.cfg.cookies {
            return !over || self.drop(|c| &mut c.syn_global);
        }
        if now >= self.flood_until {
            return true;
        }
        // Until some source has answered, the table holds nobody.
        let any = self.counters.authenticated > 0;
        if any && self.auth.get(p.src, now).is_some_and(|until| *until > now) {
            self.counters.syn_authenticated += 1;
            return true;
        }
        if self.cfg.challenges.take(&mut self.challenges, now, 1)
            && self.challenge(frame, p, tcp, now, out)
        {
            return self.drop(|c| &mut c.syn_challenged);
        }
        self.drop(|c| &mut c.syn_unauthenticated)
    }

    /// Answers a SYN with a SYN-ACK whose acknowledgment is a cookie.
    fn challenge(
        &mut self,
        frame: &[u8],
        p: &Peek,
        tcp: &TcpBits,
        now: u64,
        out: &mut Outbox,
    ) -> bool {
        let Some(o) = Offender::parse(frame) else {
            return false;
        };
        let cookie = self.cookies.make(&tuple(p, tcp), tcp.seq, now);
        let syn_ack = TcpOut {
            seq: cookie.rotate_left(16),
            ack: cookie,
            flags: flags::SYN | flags::ACK,
            window: 1024,
        };
        out.push(&o, Toward::Sender, &syn_ack, &[])
    }

    /// A reset answering a challenge authenticates its source; true when it
    /// did (the reset is then the guard's, and dropped).
    fn is_answer(&mut self, p: &Peek, tcp: &TcpBits, now: u64) -> bool {
        let live = self.cfg.cookies
            && self.cfg.syn_global.is_on()
            && now < self.flood_until.saturating_add(cookie::SLOT_NS);
        if !live || !self.cookies.check(&tuple(p, tcp), tcp.seq, now) {
            return false;
        }
        *self.auth.entry(p.src, now) = now.saturating_add(self.cfg.auth_ttl_ns);
        self.counters.authenticated += 1;
        true
    }

    fn limit_source(&mut self, p: &Peek, len: usize, now: u64) -> bool {
        let cfg = &self.cfg;
        let s = self.sources.entry(p.src, now);
        if !cfg.packets.take(&mut s.packets, now, 1) {
            return self.drop(|c| &mut c.source_packets);
        }
        if !cfg.bytes.take(&mut s.bytes, now, len as u64) {
            return self.drop(|c| &mut c.source_bytes);
        }
        let syn = p.tcp.is_some_and(|t| t.is_syn());
        if syn && !cfg.syns.take(&mut s.syns, now, 1) {
            return self.drop(|c| &mut c.source_syns);
        }
        true
    }

    /// Counts a drop under `reason`; always false (the frame does not pass).
    #[inline]
    fn drop(&mut self, reason: impl FnOnce(&mut GuardCounters) -> &mut u64) -> bool {
        *reason(&mut self.counters) += 1;
        self.counters.dropped += 1;
        false
    }

    /// Frames dropped so far (cheap: read per burst).
    pub fn dropped(&self) -> u64 {
        self.counters.dropped
    }

    /// True while the worker is in SYN flood mode.
    pub fn in_flood(&self, now: u64) -> bool {
        now < self.flood_until
    }

    pub fn stats(&self) -> GuardStats {
        snapshot(&self.counters, self.sources.evictions)
    }
}

fn tuple(p: &Peek, tcp: &TcpBits) -> Tuple {
    Tuple {
        src: p.src,
        dst: p.dst,
        src_port: tcp.src_port,
        dst_port: tcp.dst_port,
    }
}
