//! The source ACL: allow and deny lists of CIDR prefixes; the longest
//! prefix that holds a source decides, and the default decides for sources
//! in neither list. Addresses are IPv6, IPv4 mapped (`::ffff:0:0/96`).

use std::net::IpAddr;

use super::peek::mapped;

/// What the ACL says of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclVerdict {
    /// In the allow list: passes the ACL and no per-source limit applies.
    Trusted,
    /// In neither list, default allow.
    Allowed,
    Denied,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Prefix {
    net: u128,
    mask: u128,
    len: u8,
    allow: bool,
}

/// The ACL, longest prefixes first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    prefixes: Vec<Prefix>,
    default_deny: bool,
}

impl Acl {
    /// An ACL from prefixes as written (`10.0.0.0/8`, `2001:db8::/32`, or
    /// a bare address); errors name the bad entry.
    pub fn new(allow: &[String], deny: &[String], default_deny: bool) -> Result<Acl, String> {
        let mut prefixes = Vec::new();
        for (list, is_allow) in [(allow, true), (deny, false)] {
            for text in list {
                let (net, len) = parse(text)?;
                let mask = if len == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(len))
                };
                prefixes.push(Prefix {
                    net: net & mask,
                    mask,
                    len,
                    allow: is_allow,
                });
            }
        }
        // Longest first; at equal length deny wins.
        prefixes.sort_by_key(|p| (std::cmp::Reverse(p.len), p.allow));
        Ok(Acl {
            prefixes,
            default_deny,
        })
    }

    /// True when the ACL can deny or trust anything.
    pub fn is_on(&self) -> bool {
        self.default_deny || !self.prefixes.is_empty()
    }

    #[inline]
    pub fn check(&self, src: u128) -> AclVerdict {
        for p in &self.prefixes {
            if src & p.mask == p.net {
                return if p.allow {
                    AclVerdict::Trusted
                } else {
                    AclVerdict::Denied
                };
            }
        }
        if self.default_deny {
            AclVerdict::Denied
        } else {
            AclVerdict::Allowed
        }
    }
}

/// `(address, prefix length)` in the IPv6 space.
fn parse(text: &str) -> Result<(u128, u8), String> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let addr: IpAddr = addr
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not an address or CIDR prefix"))?;
    let (value, max, offset) = match addr {
        IpAddr::V4(a) => (mapped(u32::from(a)), 32u8, 96u8),
        IpAddr::V6(a) => (u128::from(a), 128, 0),
    };
    let len = match len {
        None => max,
        Some(l) => l
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|l| *l <= max)
            .ok_or_else(|| format!("{text:?}: prefix length must be 0 to {max}"))?,
    };
    Ok((value, len + offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: [u8; 4]) -> u128 {
        mapped(u32::from_be_bytes(a))
    }

    #[test]
    fn longest_prefix_decides() {
        let acl = Acl::new(
            &["10.1.0.0/16".into(), "2001:db8::/32".into()],
            &["10.0.0.0/8".into(), "10.1.2.3".into()],
            false,
        )
        .unwrap();
        assert_eq!(acl.check(v4([10, 9, 0, 1])), AclVerdict::Denied);
        assert_eq!(acl.check(v4([10, 1, 0, 1])), AclVerdict::Trusted);
        assert_eq!(acl.check(v4([10, 1, 2, 3])), AclVerdict::Denied);
        assert_eq!(acl.check(v4([192, 0, 2, 1])), AclVerdict::Allowed);
        let v6: std::net::Ipv6Addr = "2001:db8::5".parse().unwrap();
        assert_eq!(acl.check(u128::from(v6)), AclVerdict::Trusted);
    }

    #[test]
    fn default_deny_and_ipv4_zero_prefix_stays_ipv4() {
        let acl = Acl::new(&["0.0.0.0/0".into()], &[], true).unwrap();
        assert_eq!(acl.check(v4([1, 2, 3, 4])), AclVerdict::Trusted);
        let v6: std::net::Ipv6Addr = "2001:db8::5".parse().unwrap();
        assert_eq!(acl.check(u128::from(v6)), AclVerdict::Denied);
    }

    #[test]
    fn bad_entries_are_named() {
        let e = Acl::new(&["10.0.0.0/33".into()], &[], false).unwrap_err();
        assert_eq!(e, "\"10.0.0.0/33\": prefix length must be 0 to 32");
        let e = Acl::new(&[], &["ten/8".into()], false).unwrap_err();
        assert_eq!(e, "\"ten/8\" is not an address or CIDR prefix");
    }
}
