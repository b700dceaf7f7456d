//! IP networks for the `cidr` operator.
//!
//! [`Cidr`] is parsed from `address/prefix` (or a bare address, meaning one
//! host) and refuses prefixes that are too long or that leave host bits set,
//! since such a network is almost always a typing mistake.

use std::fmt;
use std::net::IpAddr;

use crate::reader::excerpt;

/// An IPv4 or IPv6 network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// The network address; its host bits are zero.
    pub addr: IpAddr,
    /// Prefix length: up to 32 for IPv4, 128 for IPv6.
    pub prefix_len: u8,
}

impl Cidr {
    /// Parses `10.0.0.0/8`, `2001:db8::/32` or a single address.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (addr_text, len_text) = match text.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text.parse().map_err(|_| {
            let (text, addr) = (excerpt(text), excerpt(addr_text));
            format!("invalid CIDR `{text}`: `{addr}` is not an IP address")
        })?;
        let max = max_len(addr);
        let prefix_len = match len_text {
            None => max,
            Some(l) => l.parse::<u8>().ok().filter(|n| *n <= max).ok_or_else(|| {
                format!(
                    "invalid CIDR `{}`: prefix length must be 0 to {max}",
                    excerpt(text)
                )
            })?,
        };
        let cidr = Cidr { addr, prefix_len };
        if cidr.network() != addr {
            return Err(format!(
                "invalid CIDR `{text}`: host bits are set (the network is `{}/{prefix_len}`)",
                cidr.network()
            ));
        }
        Ok(cidr)
    }

    /// True when `addr` lies in the network. IPv4 and IPv6 never mix.
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = mask_v4(self.prefix_len);
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = mask_v6(self.prefix_len);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }

    /// The address with its host bits cleared.
    fn network(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask_v4(self.prefix_len)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask_v6(self.prefix_len)).into()),
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

fn max_len(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask_v4(len: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(len.min(32)))
        .unwrap_or(0)
}

fn mask_v6(len: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(len.min(128)))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_networks_and_hosts() {
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let host = Cidr::parse("2001:db8::1").unwrap();
        assert_eq!(host.prefix_len, 128);
        assert!(host.contains("2001:db8::1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("1.2.3.4".parse().unwrap()));
    }

    #[test]
    fn refuses_bad_networks() {
        assert!(Cidr::parse("10.0.0.0/33").unwrap_err().contains("0 to 32"));
        assert!(Cidr::parse("10.0.0.1/8")
            .unwrap_err()
            .contains("`10.0.0.0/8`"));
        assert!(Cidr::parse("10.0.0/8")
            .unwrap_err()
            .contains("not an IP address"));
        assert!(Cidr::parse("::/x").unwrap_err().contains("0 to 128"));
    }
}
