//! The `guard` section of the dataplane configuration: the source ACL,
//! per-source rate limits and SYN flood protection, as written and as each
//! worker's [`GuardConfig`].

use anyhow::{bail, Result};
use serde::Deserialize;

use super::acl::Acl;
use super::limit::Limit;

/// What a worker's guards enforce (limits are per worker).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardConfig {
    pub acl: Acl,
    /// Per-source packets, bytes, SYNs and new flows.
    pub packets: Limit,
    pub bytes: Limit,
    pub syns: Limit,
    pub connections: Limit,
    /// Sources whose state is kept per worker.
    pub sources: usize,
    /// All SYNs of the worker.
    pub syn_global: Limit,
    /// Authenticate sources with SYN cookies while the global SYN rate is
    /// exceeded (inline only); otherwise SYNs over it are dropped.
    pub cookies: bool,
    /// Cookie challenges (SYN-ACKs) sent at most.
    pub challenges: Limit,
    /// How long the worker stays in flood mode after the global SYN rate was
    /// last exceeded (ns).
    pub hold_ns: u64,
    /// How long a source stays authenticated (ns).
    pub auth_ttl_ns: u64,
    /// Authenticated sources kept per worker.
    pub auth_sources: usize,
}

/// The `guard` section as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuardSettings {
    pub acl: AclSettings,
    pub source: SourceSettings,
    pub syn: SynSettings,
}

/// `guard.acl`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AclSettings {
    /// `allow` (default) or `deny` for sources in neither list.
    pub default: AclDefault,
    /// CIDR prefixes whose sources pass and skip per-source limits.
    pub allow: Vec<String>,
    /// CIDR prefixes whose packets are dropped.
    pub deny: Vec<String>,
}

/// `guard.acl.default`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AclDefault {
    #[default]
    Allow,
    Deny,
}

/// `guard.source`: limits per source address, per worker; 0 is no limit,
/// a burst of 0 is one second's worth.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceSettings {
    pub packets_per_sec: u64,
    pub packet_burst: u64,
    pub bytes_per_sec: u64,
    pub byte_burst: u64,
    pub syns_per_sec: u64,
    pub syn_burst: u64,
    /// New flows (TCP, UDP, other) a source may open.
    pub connections_per_sec: u64,
    pub connection_burst: u64,
    /// Sources tracked per worker (64 bytes each).
    pub table_size: usize,
}

impl Default for SourceSettings {
    fn default() -> Self {
        SourceSettings {
            packets_per_sec: 0,
            packet_burst: 0,
            bytes_per_sec: 0,
            byte_burst: 0,
            syns_per_sec: 0,
            syn_burst: 0,
            connections_per_sec: 0,
            connection_burst: 0,
            table_size: 65_536,
        }
    }
}

/// `guard.syn`: the worker-wide SYN limit and what happens beyond it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SynSettings {
    /// SYNs per second the worker lets through before flood mode; 0: none.
    pub global_per_sec: u64,
    pub global_burst: u64,
    /// Inline mode: in flood mode, authenticate sources with SYN cookies
    /// (unknown sources' SYNs get a challenge instead of reaching servers).
    pub cookies: bool,
    /// Challenges sent per second at most.
    pub challenges_per_sec: u64,
    /// Seconds flood mode lasts after the limit was last exceeded.
    pub hold_secs: u64,
    /// Seconds a source that answered a challenge stays authenticated.
    pub auth_secs: u64,
    /// Authenticated sources kept per worker.
    pub auth_table_size: usize,
}

impl Default for SynSettings {
    fn default() -> Self {
        SynSettings {
            global_per_sec: 0,
            global_burst: 0,
            cookies: true,
            challenges_per_sec: 100_000,
            hold_secs: 10,
            auth_secs: 300,
            auth_table_size: 65_536,
        }
    }
}

const SEC: u64 = 1_000_000_000;

impl GuardSettings {
    /// Checks the values (the ACL's prefixes, the table sizes).
    pub fn validate(&self) -> Result<()> {
        if let Err(e) = self.acl() {
            bail!("guard.acl: {e}");
        }
        for (key, v) in [
            ("guard.source.table_size", self.source.table_size),
            ("guard.syn.auth_table_size", self.syn.auth_table_size),
        ] {
            if !(4..=1 << 26).contains(&v) {
                bail!("{key}: {v} is out of range (4 to 2^26)");
            }
        }
        if self.syn.hold_secs > 86_400 || self.syn.auth_secs > 86_400 * 7 {
            bail!("guard.syn: hold_secs is at most 86400 and auth_secs at most 604800");
        }
        Ok(())
    }

    fn acl(&self) -> Result<Acl, String> {
        let deny = self.acl.default == AclDefault::Deny;
        Acl::new(&self.acl.allow, &self.acl.deny, deny)
    }

    /// The per-worker settings; cookies only inline.
    pub fn config(&self, inline: bool) -> GuardConfig {
        let s = &self.source;
        let y = &self.syn;
        GuardConfig {
            acl: self.acl().unwrap_or_default(),
            packets: Limit::new(s.packets_per_sec, s.packet_burst),
            bytes: Limit::new(s.bytes_per_sec, s.byte_burst),
            syns: Limit::new(s.syns_per_sec, s.syn_burst),
            connections: Limit::new(s.connections_per_sec, s.connection_burst),
            sources: s.table_size,
            syn_global: Limit::new(y.global_per_sec, y.global_burst),
            cookies: inline && y.cookies,
            challenges: Limit::new(y.challenges_per_sec, 0),
            hold_ns: y.hold_secs.saturating_mul(SEC),
            auth_ttl_ns: y.auth_secs.saturating_mul(SEC),
            auth_sources: y.auth_table_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(yaml: &str) -> Result<GuardSettings, String> {
        serde_yaml::from_str::<GuardSettings>(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn bad_values_name_their_key() {
        let s = settings("acl: {deny: [10.0.0.0/40]}").unwrap();
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "guard.acl: \"10.0.0.0/40\": prefix length must be 0 to 32"
        );
        let s = settings("source: {table_size: 2}").unwrap();
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "guard.source.table_size: 2 is out of range (4 to 2^26)"
        );
        let e = settings("syn: {cookie: true}").unwrap_err();
        assert!(e.starts_with("syn: unknown field `cookie`"), "{e}");
    }

    #[test]
    fn defaults_are_off_and_cookies_are_inline_only() {
        let off = GuardSettings::default().config(true);
        assert!(!off.syn_global.is_on() && !off.packets.is_on() && !off.acl.is_on());
        let s = settings("syn: {global_per_sec: 1000}").unwrap();
        assert!(s.config(true).cookies);
        assert!(!s.config(false).cookies);
    }
}
