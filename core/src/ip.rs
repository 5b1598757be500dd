//! Client IP text exactly as nginx writes `$remote_addr` (scheme page §4), from any valid
//! spelling of the address.

use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};

/// Longest text nginx writes for an address (`ffff:ffff:...:255.255.255.255` fits in 45).
const IP_TEXT_CAP: usize = 46;

/// The canonical text of a client address, held inline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CanonicalIp {
    buf: [u8; IP_TEXT_CAP],
    len: u8,
}

impl CanonicalIp {
    /// No address: the empty text, which is what the string-to-sign holds without an IP.
    /// (Held instead of `Option<CanonicalIp>` by the sign options: moving a `None` of that
    /// copied its 47 bytes one by one, ~40 instructions of every `sign_url`.)
    pub(crate) const NONE: CanonicalIp = CanonicalIp {
        buf: [0; IP_TEXT_CAP],
        len: 0,
    };

    /// Parses any valid spelling of an IPv4 or IPv6 address.
    pub fn parse(text: &str) -> Result<Self> {
        let err = |reason| Err(Error::Ip { reason });
        if text.is_empty() {
            return err("is empty");
        }
        if text.len() > 64 {
            return err("is too long to be an address");
        }
        if text.starts_with('[') {
            return err("must be written without brackets");
        }
        if text.contains('%') {
            return err("has a zone id (%...), which the edge never includes");
        }
        if text.contains('/') {
            return err("has a prefix length; give a single address");
        }
        if text
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return err("contains whitespace or control characters");
        }
        match text.parse::<IpAddr>() {
            Ok(addr) => Ok(Self::from_addr(addr)),
            Err(_) => {
                if text.contains('.') && text.matches(':').count() == 1 {
                    err("has a port; give the address alone")
                } else {
                    err("is not a valid IPv4 or IPv6 address")
                }
            }
        }
    }

    /// The nginx text of an already parsed address.
    pub fn from_addr(addr: IpAddr) -> Self {
        let mut w = Writer {
            buf: [0; IP_TEXT_CAP],
            len: 0,
        };
        match addr {
            IpAddr::V4(v4) => write_v4(&mut w, v4),
            IpAddr::V6(v6) => write_v6(&mut w, v6),
        }
        CanonicalIp {
            buf: w.buf,
            len: w.len as u8,
        }
    }

    /// The text that is hashed.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, hex, '.' and ':' are ever written.
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or_default()
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }
}

impl fmt::Debug for CanonicalIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CanonicalIp({})", self.as_str())
    }
}

impl fmt::Display for CanonicalIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

struct Writer {
    buf: [u8; IP_TEXT_CAP],
    len: usize,
}

impl fmt::Write for Writer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn write_v4(w: &mut Writer, a: Ipv4Addr) {
    let [a, b, c, d] = a.octets();
    let _ = write!(w, "{a}.{b}.{c}.{d}");
}

/// A port of nginx's `ngx_inet6_ntop`: the first longest run of two or more zero groups
/// becomes `::`; `::ffff:a.b.c.d` and `::a.b.c.d` keep a dotted quad.
fn write_v6(w: &mut Writer, addr: Ipv6Addr) {
    let p = addr.octets();
    let mut zero: Option<usize> = None;
    let mut last = 0usize;
    let mut max = 1usize;
    let mut n = 0usize;
    for i in (0..16).step_by(2) {
        if p[i] != 0 || p[i + 1] != 0 {
            if max < n {
                zero = Some(last);
                max = n;
            }
            n = 0;
            continue;
        }
        if n == 0 {
            last = i;
        }
        n += 1;
    }
    if max < n {
        zero = Some(last);
        max = n;
    }

    let mut end = 16;
    if zero == Some(0) {
        if (max == 5 && p[10] == 0xff && p[11] == 0xff)
            || max == 6
            || (max == 7 && p[14] != 0 && p[15] != 1)
        {
            end = 12;
        }
        let _ = w.write_char(':');
    }

    let mut i = 0;
    while i < end {
        if Some(i) == zero {
            let _ = w.write_char(':');
            i += max * 2;
            continue;
        }
        let _ = write!(w, "{:x}", u16::from(p[i]) << 8 | u16::from(p[i + 1]));
        if i < 14 {
            let _ = w.write_char(':');
        }
        i += 2;
    }

    if end == 12 {
        let _ = write!(w, "{}.{}.{}.{}", p[12], p[13], p[14], p[15]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> String {
        CanonicalIp::parse(s).unwrap().as_str().to_owned()
    }

    #[test]
    fn canonical_spellings() {
        assert_eq!(c("1.2.3.4"), "1.2.3.4");
        assert_eq!(c("::1"), "::1");
        assert_eq!(c("::"), "::");
        assert_eq!(c("2001:0DB8:0:0::1"), "2001:db8::1");
        assert_eq!(c("::FFFF:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(c("::ffff:0102:0304"), "::ffff:1.2.3.4");
        assert_eq!(c("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(c("1:0:0:1:0:0:0:1"), "1:0:0:1::1");
        assert_eq!(c("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
        assert_eq!(c("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(c("fe80::"), "fe80::");
        assert_eq!(c("0:0:0:0:0:0:0:2"), "::2");
        assert_eq!(c("::102"), "::0.0.1.2");
    }

    #[test]
    fn rejects_with_reasons() {
        let r = |s: &str| match CanonicalIp::parse(s).unwrap_err() {
            Error::Ip { reason } => reason,
            e => panic!("unexpected {e:?}"),
        };
        assert_eq!(r(""), "is empty");
        assert!(r("fe80::1%eth0").contains("zone id"));
        assert!(r("1.2.3.4:80").contains("port"));
        assert!(r("[::1]").contains("brackets"));
        assert!(r("10.0.0.0/8").contains("prefix"));
        assert!(r("1.2.3.256").contains("not a valid"));
        assert!(r("01.2.3.4").contains("not a valid"));
        assert!(r(" 1.2.3.4").contains("whitespace"));
    }
}
