//! Splitting a URL (or a path-and-query) into the parts the signer keeps, rewrites or reads,
//! and reading query parameters the way nginx's `$arg_NAME` does (scheme page §3).

use crate::ascii::AsciiWriter;
use crate::error::{Error, Result};

/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 32 * 1024;

/// The parts of a URL, as slices of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    /// `scheme://authority` or `//authority`, or empty for a path-and-query.
    pub origin: &'a str,
    /// The raw path (may be empty when the URL is `https://host` or `https://host?q`).
    pub path: &'a str,
    /// `origin` and `path` together, as one slice of the input.
    pub head: &'a str,
    /// The raw query without the `?`, if there is a `?`.
    pub query: Option<&'a str>,
    /// The fragment with its `#`, or empty.
    pub fragment: &'a str,
    /// The path is already what the edge hashes and what a signed URL carries: only bytes
    /// emitted unescaped, no `%`, no `//`, `/.` or `/..`. Found during the split, so the
    /// signer need not look at the path again.
    pub path_clean: bool,
}

impl<'a> UrlParts<'a> {
    /// The path, or `/` when the URL has none.
    pub fn path_or_root(&self) -> &'a str {
        if self.path.is_empty() {
            "/"
        } else {
            self.path
        }
    }
}

fn url_err(reason: &'static str) -> Error {
    Error::Url { reason }
}

/// Splits `input`, an absolute URL (`scheme://host[:port]/path?query#fragment`) or a
/// path-and-query (`/path?query`). A leading `//` is part of the path, as the edge reads a
/// request target (`//cdn/x` is the path `/cdn/x`), never a scheme-relative URL.
#[inline]
pub(crate) fn split(input: &str) -> Result<UrlParts<'_>> {
    let b = input.as_bytes();
    if b.len() > MAX_URL_LEN {
        return Err(Error::UrlTooLong {
            len: b.len(),
            max: MAX_URL_LEN,
        });
    }
    if b.is_empty() {
        return Err(url_err("is empty"));
    }
    let authority_start = if b.starts_with(b"https://") {
        8
    } else if b.starts_with(b"http://") {
        7
    } else if b[0] == b'/' {
        0
    } else {
        // Not a common shape: say "control character" before any other complaint.
        if has_control(b) {
            return Err(control_err());
        }
        let colon = memchr::memchr(b':', b).filter(|&c| b[c..].starts_with(b"://"));
        let Some(colon) = colon else {
            return Err(url_err(
                "must be an absolute URL (https://host/path) or a path starting with '/'",
            ));
        };
        let scheme = &b[..colon];
        if scheme.is_empty()
            || !scheme[0].is_ascii_alphabetic()
            || !scheme
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        {
            return Err(url_err("has an invalid scheme"));
        }
        colon + 3
    };

    // All split points are ASCII bytes, so every slice below is on a char boundary.
    let mut path_start = 0;
    if authority_start > 0 {
        // The skip passes host-name bytes only: when it reaches the end of the authority,
        // the authority is a plain host name and needs no other check.
        let skipped = crate::scan::skip_host(b, authority_start);
        let mut end = skipped;
        while let Some(&c) = b.get(end) {
            match c {
                b'/' | b'?' | b'#' => break,
                b' ' | b'\\' => return Err(url_err("has a space or backslash in the host")),
                c if c < 0x20 || c == 0x7f => return Err(control_err()),
                _ => end += 1,
            }
        }
        if end == authority_start {
            return Err(url_err("has no host"));
        }
        if skipped != end {
            check_authority(&b[authority_start..end])?;
        }
        path_start = end;
    }
    // One pass over the path finds where it ends and whether it is clean.
    let mut clean = true;
    let mut path_end = b.len();
    let from = crate::scan::skip_path(b, path_start);
    for (k, &c) in b[from..].iter().enumerate() {
        let class = PATH_CLASS[c as usize];
        if class == P_SAFE {
            continue;
        }
        match class {
            P_SLASH => {
                if let Some(b'/' | b'.') = b.get(from + k + 1) {
                    clean = false;
                }
            }
            P_END => {
                path_end = from + k;
                break;
            }
            P_CONTROL => return Err(control_err()),
            _ => clean = false,
        }
    }
    // (Most links end with their path: nothing left, and no constants set up to scan it.)
    if path_end < b.len() && has_control(&b[path_end..]) {
        return Err(control_err());
    }
    let (query, fragment_start) = if b.get(path_end) == Some(&b'?') {
        let q_end = memchr::memchr(b'#', &b[path_end..]).map_or(b.len(), |p| path_end + p);
        (Some(&input[path_end + 1..q_end]), q_end)
    } else {
        (None, path_end)
    };
    let path = &input[path_start..path_end];
    Ok(UrlParts {
        origin: &input[..path_start],
        path,
        head: &input[..path_end],
        query,
        fragment: &input[fragment_start..],
        path_clean: clean && path.len() <= crate::path::MAX_PATH_LEN,
    })
}

/// Bytes allowed in a host name (RFC 3986 `reg-name`: unreserved, sub-delims, `%` of an
/// escape; and bytes >= 0x80 of an internationalized name written in UTF-8).
pub(crate) static HOST_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || b >= 0x80
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'%'
            );
        i += 1;
    }
    t
};

/// Checks `[userinfo@]host[:port]`: a host name of [`HOST_BYTE`]s or a bracketed IPv6
/// address, a port of at most five digits (up to 65535), so that a browser reads the same
/// host and path as the signer (`http://[::1/x` is refused, not signed as it is).
fn check_authority(a: &[u8]) -> Result<()> {
    // The usual case in one pass without calls: a host name, then nothing or `:port`.
    let plain = a.iter().position(|&c| !HOST_BYTE[c as usize]);
    match plain {
        None if !a.is_empty() => return Ok(()),
        Some(i) if i > 0 && a[i] == b':' && a[i + 1..].iter().all(u8::is_ascii_digit) => {
            return check_port(&a[i + 1..])
        }
        _ => {}
    }
    let host_start = a.iter().rposition(|&c| c == b'@').map_or(0, |p| p + 1);
    let (userinfo, hostport) = a.split_at(host_start);
    let userinfo = userinfo.strip_suffix(b"@").unwrap_or(userinfo);
    if !userinfo.iter().all(|&c| HOST_BYTE[c as usize] || c == b':') {
        return Err(url_err("has an invalid user name in the authority"));
    }
    let (host, port) = if hostport.first() == Some(&b'[') {
        let Some(close) = hostport.iter().position(|&c| c == b']') else {
            return Err(url_err("has an IPv6 host without its closing ']'"));
        };
        let inner = &hostport[1..close];
        let ok = std::str::from_utf8(inner)
            .ok()
            .is_some_and(|s| s.parse::<std::net::Ipv6Addr>().is_ok());
        if !ok {
            return Err(url_err("has a bracketed host that is not an IPv6 address"));
        }
        let rest = &hostport[close + 1..];
        match rest.split_first() {
            None => (&hostport[..=close], None),
            Some((b':', port)) => (&hostport[..=close], Some(port)),
            Some(_) => return Err(url_err("has text after the IPv6 host's ']'")),
        }
    } else {
        match hostport.iter().position(|&c| c == b':') {
            Some(c) => (&hostport[..c], Some(&hostport[c + 1..])),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(url_err("has no host"));
    }
    if host[0] != b'[' && !host.iter().all(|&c| HOST_BYTE[c as usize]) {
        return Err(url_err(
            "has a character that is not allowed in a host name",
        ));
    }
    port.map_or(Ok(()), check_port)
}

/// A port: at most five digits, up to 65535; empty is the default port (RFC 3986 §3.2.3).
fn check_port(port: &[u8]) -> Result<()> {
    let digits_ok = port.len() <= 5 && port.iter().all(u8::is_ascii_digit);
    if !digits_ok || port.iter().fold(0u32, |v, &d| v * 10 + u32::from(d - b'0')) > 65535 {
        return Err(url_err("has a port that is not a number from 0 to 65535"));
    }
    Ok(())
}

/// The length of `s` as a browser sends it: bytes it percent-encodes (space, `"`, `<`,
/// `>`, `` ` ``, `{`, `}`, `|`, `\`, `^`, control bytes, bytes >= 0x80) count three.
pub(crate) fn sent_len(s: &str) -> usize {
    s.len()
        + 2 * s
            .bytes()
            .filter(|&b| query_byte_needs_escape(b) || b < 0x20 || b == 0x7f)
            .count()
}

fn control_err() -> Error {
    url_err("contains a control character")
}

const P_SAFE: u8 = 0;
const P_SLASH: u8 = 1;
const P_END: u8 = 2;
const P_CONTROL: u8 = 3;
const P_OTHER: u8 = 4;

/// The class of each byte for the path pass of [`split`].
static PATH_CLASS: [u8; 256] = {
    let safe = crate::path::path_safe_table();
    let mut t = [P_OTHER; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if i < 0x20 || i == 0x7f {
            P_CONTROL
        } else if i == b'/' as usize {
            P_SLASH
        } else if i == b'?' as usize || i == b'#' as usize {
            P_END
        } else if safe[i] {
            P_SAFE
        } else {
            P_OTHER
        };
        i += 1;
    }
    t
};

/// True if `b` has a byte below 0x20 or 0x7f. Eight bytes at a time: a byte below 0x20
/// borrows into its top bit when 0x20 is subtracted; 0x7f becomes zero when xored with 0x7f.
fn has_control(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = b.chunks_exact(8);
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let y = x ^ (ONES * 0x7f);
        let del = y.wrapping_sub(ONES) & !y & HIGH;
        if below_space | del != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&c| c < 0x20 || c == 0x7f)
}

/// The value of the first parameter called `name` (ASCII case-insensitive), exactly as
/// nginx's `$arg_NAME` finds it: `&`-separated, name followed by `=`, value not decoded.
#[cfg(test)]
pub(crate) fn arg<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|param| {
        let (n, v) = param.split_at_checked(name.len())?;
        if n.eq_ignore_ascii_case(name) {
            v.strip_prefix('=')
        } else {
            None
        }
    })
}

/// [`arg`] on the raw bytes of a received query (which need not be UTF-8).
pub(crate) fn arg_bytes<'a>(query: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    query.split(|&b| b == b'&').find_map(|param| {
        let (n, v) = param.split_at_checked(name.len())?;
        if n.eq_ignore_ascii_case(name) {
            v.strip_prefix(b"=")
        } else {
            None
        }
    })
}

/// Whether a `name[=value]` parameter is one of `names` (ASCII case-insensitive).
pub(crate) fn is_named(param: &str, names: &[&str]) -> bool {
    let name = param.split_once('=').map_or(param, |(n, _)| n);
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Bytes that are copied as they are into a query or fragment; others are percent-encoded.
pub(crate) fn query_byte_needs_escape(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^'
    ) || b >= 0x80
}

/// Appends `s` with the bytes of [`query_byte_needs_escape`] percent-encoded.
#[inline]
pub(crate) fn push_query_text(s: &str, out: &mut AsciiWriter) {
    out.push_escaped(s.as_bytes(), query_byte_needs_escape);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        let p = split("https://cdn.example.com:8443/a/b.jpg?x=1&y#frag").unwrap();
        assert_eq!(p.origin, "https://cdn.example.com:8443");
        assert_eq!(p.path, "/a/b.jpg");
        assert_eq!(p.query, Some("x=1&y"));
        assert_eq!(p.fragment, "#frag");
        assert_eq!(p.head, "https://cdn.example.com:8443/a/b.jpg");

        let p = split("/a?b?c").unwrap();
        assert_eq!((p.origin, p.path, p.query), ("", "/a", Some("b?c")));

        // A leading "//" is a path, as the edge reads it.
        let p = split("//cdn/x").unwrap();
        assert_eq!((p.origin, p.path), ("", "//cdn/x"));

        let p = split("http://h?q").unwrap();
        assert_eq!(
            (p.origin, p.path_or_root(), p.query),
            ("http://h", "/", Some("q"))
        );
        assert_eq!(p.head, "http://h");
    }

    #[test]
    fn a_clean_path_is_its_own_canonical_and_encoded_form() {
        use crate::path::{canonicalize, encode_into, PathBytes, PathInput};
        let alphabet = [
            "/", "a", ".", "%", "%2F", "%41", " ", "é", "+", "~", "//", "..", "-",
        ];
        let mut x: u32 = 12345;
        let mut clean = 0;
        for _ in 0..20_000 {
            let mut path = String::from("/");
            for _ in 0..(x % 9) {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                path.push_str(alphabet[(x >> 16) as usize % alphabet.len()]);
            }
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let Ok(parts) = split(&path) else {
                continue;
            };
            let path = parts.path_or_root();
            if parts.path_clean {
                clean += 1;
                let mut out = PathBytes::new();
                canonicalize(path.as_bytes(), PathInput::Encoded, &mut out)
                    .unwrap_or_else(|e| panic!("{path:?}: {e}"));
                assert_eq!(&out[..], path.as_bytes(), "{path}");
                let mut enc = crate::ascii::AsciiWriter::default();
                encode_into(&out, &mut enc);
                assert_eq!(enc.into_string(), path, "{path}");
            }
        }
        assert!(clean > 1000, "only {clean} clean paths generated");
    }

    #[test]
    fn rejects_malformed() {
        assert!(split("").is_err());
        assert!(split("photo.jpeg").is_err());
        assert!(split("https:///x").is_err());
        assert!(split("1ttp://h/x").is_err());
        assert!(split("http://h/x\n").is_err());
        assert!(split("http://h o/x").is_err());
        let control = Error::Url {
            reason: "contains a control character",
        };
        for bad in [
            "\n",
            "\n/a",
            "a\tb://h/x",
            "/a\n",
            "https://h\r/x",
            "/a?b\x7f",
            "/a#\x01",
        ] {
            assert_eq!(split(bad).unwrap_err(), control, "{bad:?}");
        }
    }

    #[test]
    fn control_scan_finds_every_control_byte_anywhere() {
        for len in 0..40 {
            for pos in 0..len {
                for bad in (0u8..0x20).chain([0x7f]) {
                    let mut v = vec![b'a'; len];
                    v[pos] = bad;
                    assert!(has_control(&v), "len {len} pos {pos} byte {bad}");
                }
                let mut v = vec![b'a'; len];
                for ok in [0x20u8, 0x7e, 0x80, 0xff, 0x9f] {
                    v[pos] = ok;
                    assert!(!has_control(&v), "len {len} pos {pos} byte {ok}");
                }
            }
        }
    }

    #[test]
    fn reads_args_like_nginx() {
        assert_eq!(arg("a=1&MD5=x&md5=y", "md5"), Some("x"));
        assert_eq!(arg("xmd5=1&md5=2", "md5"), Some("2"));
        assert_eq!(arg("md5&md5=", "md5"), Some(""));
        assert_eq!(arg("md5=a%3D", "md5"), Some("a%3D"));
        assert_eq!(arg("a=1", "md5"), None);
        assert_eq!(arg("é=1&md5=z", "md5"), Some("z"));
    }
}
