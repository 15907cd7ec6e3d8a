//! Where the interface's address comes from, in this order: the command
//! line (`uk.ip=ADDR/LEN`, optionally `uk.gw=ADDR`, or `uk.ip=dhcp`), then
//! the `ip` key xl writes into the backend's xenstore directory for
//! `vif = ['ip=...']`, else DHCP.
use core::fmt;
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

/// A static address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Static {
    pub cidr: Ipv4Cidr,
    pub gateway: Option<Ipv4Address>,
}

/// The prefix given to an address xl wrote without one: the harness and
/// most bridged setups put dom0 and the guests on one /24.
pub const XL_PREFIX: u8 = 24;

/// A bad `uk.ip`/`uk.gw` value or `ip` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub what: &'static str,
    pub value: alloc::string::String,
    pub reason: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={:?}: {}", self.what, self.value, self.reason)
    }
}

fn err(what: &'static str, value: &str, reason: &'static str) -> ConfigError {
    ConfigError {
        what,
        value: value.into(),
        reason,
    }
}

fn address(what: &'static str, s: &str) -> Result<Ipv4Address, ConfigError> {
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for o in &mut octets {
        let p = parts
            .next()
            .ok_or_else(|| err(what, s, "not an IPv4 address (a.b.c.d)"))?;
        let digits_ok = !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
        *o = p
            .parse()
            .ok()
            .filter(|_| digits_ok)
            .ok_or_else(|| err(what, s, "not an IPv4 address (a.b.c.d)"))?;
    }
    if parts.next().is_some() {
        return Err(err(what, s, "not an IPv4 address (a.b.c.d)"));
    }
    Ok(Ipv4Address::from(octets))
}

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// Nothing: xl's `ip` key, else DHCP.
    Nothing,
    /// `uk.ip=ADDR/LEN` (and `uk.gw`).
    Static(Static),
    /// `uk.ip=dhcp`: DHCP even when xl names an address (which the vif
    /// script may need for its routes or firewall).
    Dhcp,
}

/// What `uk.ip` and `uk.gw` ask for.
pub fn from_options(ip: Option<&str>, gw: Option<&str>) -> Result<Asked, ConfigError> {
    let Some(ip) = ip else {
        if let Some(g) = gw {
            return Err(err("uk.gw", g, "needs uk.ip too"));
        }
        return Ok(Asked::Nothing);
    };
    if ip == "dhcp" {
        return match gw {
            Some(g) => Err(err(
                "uk.gw",
                g,
                "not with uk.ip=dhcp (DHCP gives the gateway)",
            )),
            None => Ok(Asked::Dhcp),
        };
    }
    let (addr, len) = ip
        .split_once('/')
        .ok_or_else(|| err("uk.ip", ip, "give the prefix length too: ADDR/LEN"))?;
    let prefix: u8 = len
        .parse()
        .ok()
        .filter(|&p| (1..=32).contains(&p))
        .ok_or_else(|| err("uk.ip", ip, "the prefix length must be 1 to 32"))?;
    let cidr = Ipv4Cidr::new(address("uk.ip", addr)?, prefix);
    let gateway = gw.map(|g| address("uk.gw", g)).transpose()?;
    if let Some(g) = gateway {
        if !cidr.contains_addr(&g) {
            return Err(err("uk.gw", gw.unwrap_or(""), "is not in uk.ip's subnet"));
        }
    }
    Ok(Asked::Static(Static { cidr, gateway }))
}

/// The address in the backend's `ip` key (xl may write several, separated
/// by spaces: the first is the guest's).
pub fn from_xl(value: &str) -> Result<Static, ConfigError> {
    let first = value.split_whitespace().next().unwrap_or("");
    let addr = address("ip", first)?;
    Ok(Static {
        cidr: Ipv4Cidr::new(addr, XL_PREFIX),
        gateway: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Address {
        Ipv4Address::new(a, b, c, d)
    }

    #[test]
    fn command_line_addresses() {
        let Ok(Asked::Static(s)) = from_options(Some("198.18.0.2/24"), Some("198.18.0.1")) else {
            panic!("a static address");
        };
        assert_eq!(s.cidr, Ipv4Cidr::new(ip(198, 18, 0, 2), 24));
        assert_eq!(s.gateway, Some(ip(198, 18, 0, 1)));
        assert_eq!(from_options(None, None), Ok(Asked::Nothing));
        assert_eq!(from_options(Some("dhcp"), None), Ok(Asked::Dhcp));
        let bad = |ip, gw| from_options(ip, gw).unwrap_err().to_string();
        assert_eq!(
            bad(Some("198.18.0.2"), None),
            "uk.ip=\"198.18.0.2\": give the prefix length too: ADDR/LEN"
        );
        assert_eq!(
            bad(Some("300.1.1.1/24"), None),
            "uk.ip=\"300.1.1.1\": not an IPv4 address (a.b.c.d)"
        );
        assert_eq!(
            bad(Some("1.2.3.4/33"), None),
            "uk.ip=\"1.2.3.4/33\": the prefix length must be 1 to 32"
        );
        assert_eq!(
            bad(Some("10.0.0.2/24"), Some("10.0.1.1")),
            "uk.gw=\"10.0.1.1\": is not in uk.ip's subnet"
        );
        assert_eq!(
            bad(None, Some("1.2.3.4")),
            "uk.gw=\"1.2.3.4\": needs uk.ip too"
        );
        assert_eq!(
            bad(Some("dhcp"), Some("1.2.3.4")),
            "uk.gw=\"1.2.3.4\": not with uk.ip=dhcp (DHCP gives the gateway)"
        );
        assert!(from_options(Some("1.2.3/8"), None).is_err());
        assert!(from_options(Some("1.2.3.4.5/8"), None).is_err());
        assert!(from_options(Some("1.2.+3.4/8"), None).is_err());
    }

    #[test]
    fn xl_addresses_get_a_24_bit_prefix() {
        let s = from_xl("198.18.0.7").unwrap();
        assert_eq!(s.cidr, Ipv4Cidr::new(ip(198, 18, 0, 7), 24));
        assert_eq!(
            from_xl("198.18.0.7 10.0.0.1").unwrap().cidr.address(),
            ip(198, 18, 0, 7)
        );
        assert_eq!(
            from_xl("").unwrap_err().to_string(),
            "ip=\"\": not an IPv4 address (a.b.c.d)"
        );
    }
}
