//! Which client address a request comes from, behind trusted proxies.

use std::net::IpAddr;

use crate::error::{Error, Result};
use crate::ip::CanonicalIp;

use super::Refusal;

/// A network of trusted proxies (`10.0.0.0/8`, `::1`, `192.0.2.7/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    fn parse(text: &str) -> Result<Self> {
        let bad = Error::Argument {
            name: "trusted_proxies",
            reason: "each entry must be an address or a network such as 10.0.0.0/8 or ::1/128",
        };
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr = map_v4(addr.parse::<IpAddr>().map_err(|_| bad.clone())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3 => {
                p.parse::<u8>().map_err(|_| bad.clone())?
            }
            Some(_) => return Err(bad),
        };
        if prefix > max {
            return Err(bad);
        }
        Ok(Net { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let p = u32::from(self.prefix);
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - p).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - p).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 client reaching a dual-stack socket shows up as `::ffff:a.b.c.d`; the CDN sees it
/// as the IPv4 address it is, so that is the address a token is bound to.
fn map_v4(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Where the player's client IP comes from: the peer address of the connection, or the
/// `X-Forwarded-For` / `X-Real-IP` headers only when that peer is a trusted proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<Net>,
}

impl TrustedProxies {
    /// No proxy is trusted: the client is always the peer.
    pub fn none() -> Self {
        Self::default()
    }

    /// Addresses or networks (`10.0.0.0/8`, `127.0.0.1`, `::1/128`).
    pub fn new<I, S>(entries: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let nets = entries
            .into_iter()
            .map(|s| Net::parse(s.as_ref().trim()))
            .collect::<Result<Vec<_>>>()?;
        Ok(TrustedProxies { nets })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(ip))
    }

    /// The client address, as nginx's realip module with `real_ip_recursive on` finds it:
    /// the peer when it is not trusted; else the rightmost `X-Forwarded-For` entry that is not
    /// a trusted proxy (the leftmost when all are), else `X-Real-IP`, else the peer.
    /// `forwarded_for` is every `X-Forwarded-For` header joined with `,`. A malformed entry
    /// where the client should be is an error (400), never a silent fallback.
    pub fn client_ip(
        &self,
        peer: &str,
        forwarded_for: Option<&str>,
        real_ip: Option<&str>,
    ) -> std::result::Result<CanonicalIp, Refusal> {
        let peer_ip = parse_peer(peer).ok_or_else(|| Refusal {
            status: 500,
            code: "bad_peer_address",
            message: "the server handed over a peer address that is not an IP address".into(),
        })?;
        if !self.trusts(peer_ip) {
            return Ok(CanonicalIp::from_addr(peer_ip));
        }
        let bad_header = |name: &str| Refusal {
            status: 400,
            code: "bad_client_ip",
            message: format!("the {name} header does not hold a valid client address"),
        };
        if let Some(xff) = forwarded_for.filter(|h| !h.trim().is_empty()) {
            let mut last = None;
            for entry in xff.rsplit(',') {
                let entry = entry.trim();
                let ip = parse_peer(entry).ok_or_else(|| bad_header("X-Forwarded-For"))?;
                if !self.trusts(ip) {
                    return Ok(CanonicalIp::from_addr(ip));
                }
                last = Some(ip);
            }
            if let Some(ip) = last {
                return Ok(CanonicalIp::from_addr(ip));
            }
        }
        if let Some(xri) = real_ip.filter(|h| !h.trim().is_empty()) {
            let ip = parse_peer(xri.trim()).ok_or_else(|| bad_header("X-Real-IP"))?;
            return Ok(CanonicalIp::from_addr(ip));
        }
        Ok(CanonicalIp::from_addr(peer_ip))
    }
}

/// An address as servers and proxies write it: plain, `[v6]`, or with a port.
fn parse_peer(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(map_v4(ip));
    }
    if let Ok(sa) = text.parse::<std::net::SocketAddr>() {
        return Some(map_v4(sa.ip()));
    }
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    inner.parse::<IpAddr>().ok().map(map_v4)
}
