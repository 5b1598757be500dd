//! What a server received: the request target of a request line, read as nginx 1.22 reads it
//! (`ngx_http_parse_request_line`, `ngx_http_validate_host`, `ngx_http_parse_complex_uri`),
//! each rule checked against a real nginx 1.22.1 with raw request lines (scheme page §2a).
//!
//! The target is taken as the middle of the request line `GET {target} HTTP/1.1\r\n`:
//!
//! | target | nginx 1.22 |
//! |---|---|
//! | `/…` (also `//…`, `///…`) | a path; `//` is never a host |
//! | `scheme://host[:port][/path][?query]` (any scheme of letters, digits, `+ - .`) | absolute form; the path is what follows the host, `/` when none |
//! | leading spaces, trailing spaces | skipped (`GET  /x  HTTP/1.1` is `/x`) |
//! | a space inside, any byte below 0x20, DEL | 400 |
//! | bytes >= 0x80, valid UTF-8 or not, raw or escaped | kept as bytes, hashed as they are |
//! | host other than letters, digits, `.`, `-` (or `[…]` of IPv6 literal characters), empty, with `..`, only `.`; `@`, `#` after the host; port with a non-digit | 400 |
//! | `%` not followed by two hex digits in the path; `%00` in the path; `..` above the root | 400 |
//! | `%2F` | a `/` (merged, and part of dot segments) |
//! | `%2e` / `%2E` | a `.` (dot segments resolved) |
//! | `%3F`, `%23`, `%25` | a literal `?`, `#`, `%` in the path (`%2525` is `%25`) |
//! | `\`, `;`, `+` | ordinary path bytes (no `;` parameters, `+` is not a space) |
//! | raw `#` | ends the path; before the first `?`: no query at all; after it: ends the query |
//! | `%` escapes outside the path (in the query, after `#`) | not decoded, never a 400 (raw spaces and control bytes still are) |
//! | request line longer than `large_client_header_buffers` (8192 bytes by default, `\r\n` included, so a target of at most 8177 bytes) | 414, unless a space or control byte within the first 8192 bytes already made it a 400 (path escapes and `..` are read only after the whole line: 414 wins) |
//!
//! A CR or LF inside a target would end the request line early (nginx would then read an
//! HTTP/0.9 request or headers); a server cannot have received such a target, so it is a 400.
//! A target that ends in ` HTTP/2` gets 505 from nginx; here it is a 400 like the other
//! malformed request lines.

use crate::error::Error;

/// The default longest request line, `\r\n` included: nginx's default
/// `large_client_header_buffers 4 8k`.
pub const DEFAULT_MAX_REQUEST_LEN: usize = 8192;

/// What a request line adds to its target: `GET ` and ` HTTP/1.1\r\n`.
pub(crate) const LINE_OVERHEAD: usize = METHOD.len() + VERSION.len();

const METHOD: &[u8] = b"GET ";
const VERSION: &[u8] = b" HTTP/1.1\r\n";

/// The request line `GET {target} HTTP/1.1\r\n` for a target of `target_len` bytes.
pub(crate) fn line_len(target_len: usize) -> usize {
    target_len.saturating_add(LINE_OVERHEAD)
}

/// A target as nginx splits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target<'a> {
    /// The raw path, up to the first raw `?` or `#`; `/` for an absolute-form target
    /// without one.
    pub path: &'a [u8],
    /// The raw query (`$args`): after the first `?` of the path up to the next `#`; `None`
    /// when there is no `?` before the first `#`.
    pub query: Option<&'a [u8]>,
}

/// Why nginx refuses a target before looking at any token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 414: the request line does not fit in `large_client_header_buffers`.
    TooLong,
    /// 400, with what is wrong.
    Bad(Error),
}

fn bad(reason: &'static str) -> Refusal {
    Refusal::Bad(Error::Url { reason })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum S {
    SpacesBeforeUri,
    Schema,
    SchemaSlash,
    SchemaSlashSlash,
    Host,
    HostIpLiteral,
    HostEnd,
    Port,
    Uri,
    Http09,
    H,
    Ht,
    Htt,
    Http,
    FirstMajor,
    Major,
    FirstMinor,
    Minor,
    SpacesAfterDigit,
    AlmostDone,
}

fn control(ch: u8) -> bool {
    ch < 0x20 || ch == 0x7f
}

/// Reads `target` as nginx reads the request line `GET {target} HTTP/1.1\r\n` whose length
/// limit is `max_line` bytes. Never panics; every target gets a split or a refusal.
pub(crate) fn read(target: &[u8], max_line: usize) -> Result<Target<'_>, Refusal> {
    let n = target.len();
    let mut state = S::SpacesBeforeUri;
    let mut uri_start = 0usize;
    let mut uri_end: Option<usize> = None;
    let mut host: Option<(usize, usize)> = None;
    let mut host_start = 0usize;
    // `http://host?q`: the path is "/" and the query starts at the `?`.
    let mut empty_path_query: Option<usize> = None;
    // `http://host` followed by the space: the path is "/", no query.
    let mut root_only = false;
    let mut done = false;
    let mut minor = 0u32;
    let total = n + VERSION.len();
    for k in 0..total {
        if METHOD.len() + k >= max_line {
            return Err(Refusal::TooLong);
        }
        let (ch, in_target) = if k < n {
            (target[k], true)
        } else {
            (VERSION[k - n], false)
        };
        if in_target && (ch == b'\r' || ch == b'\n') {
            return Err(bad("contains a CR or LF byte"));
        }
        match state {
            S::SpacesBeforeUri => {
                if ch == b'/' {
                    uri_start = k;
                    state = S::Uri;
                } else if ch.is_ascii_alphabetic() {
                    state = S::Schema;
                } else if ch != b' ' {
                    return Err(bad("must start with '/' or scheme://"));
                }
            }
            S::Schema => {
                if ch == b':' {
                    state = S::SchemaSlash;
                } else if !(ch.is_ascii_alphanumeric() || matches!(ch, b'+' | b'-' | b'.')) {
                    return Err(bad("has an invalid scheme"));
                }
            }
            S::SchemaSlash | S::SchemaSlashSlash => {
                if ch != b'/' {
                    return Err(bad("has a scheme not followed by //"));
                }
                if state == S::SchemaSlash {
                    state = S::SchemaSlashSlash;
                } else {
                    host_start = k + 1;
                    state = S::Host;
                    if target.get(k + 1) == Some(&b'[') {
                        state = S::HostIpLiteral;
                    }
                }
            }
            S::HostIpLiteral => {
                if k == host_start {
                    // the '['
                } else if ch == b']' {
                    state = S::HostEnd;
                } else if !(ch.is_ascii_alphanumeric()
                    || matches!(
                        ch,
                        b':' | b'-'
                            | b'.'
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
                    ))
                {
                    return Err(bad("has an invalid IPv6 literal host"));
                }
            }
            S::Host | S::HostEnd => {
                if state == S::Host && (ch.is_ascii_alphanumeric() || matches!(ch, b'.' | b'-')) {
                    continue;
                }
                if ch == b':' {
                    host = Some((host_start, k));
                    state = S::Port;
                    continue;
                }
                host = Some((host_start, k));
                match ch {
                    b'/' => {
                        uri_start = k;
                        state = S::Uri;
                    }
                    b'?' => {
                        empty_path_query = Some(k);
                        uri_start = k;
                        state = S::Uri;
                    }
                    b' ' => {
                        root_only = true;
                        uri_end = Some(k);
                        state = S::Http09;
                    }
                    _ => return Err(bad("has an invalid host")),
                }
            }
            S::Port => {
                if ch.is_ascii_digit() {
                    continue;
                }
                match ch {
                    b'/' => {
                        uri_start = k;
                        state = S::Uri;
                    }
                    b'?' => {
                        empty_path_query = Some(k);
                        uri_start = k;
                        state = S::Uri;
                    }
                    b' ' => {
                        root_only = true;
                        uri_end = Some(k);
                        state = S::Http09;
                    }
                    _ => return Err(bad("has an invalid port")),
                }
            }
            S::Uri => {
                // nginx's three URI states (after a slash, checking, complex) differ only in
                // what they note for later; they end the URI at a space and refuse the same
                // bytes.
                if ch == b' ' {
                    uri_end = Some(k);
                    state = S::Http09;
                } else if control(ch) {
                    return Err(bad("contains a control character"));
                }
            }
            S::Http09 => match ch {
                b' ' => {}
                b'\r' => state = S::AlmostDone,
                b'\n' => {
                    done = true;
                    break;
                }
                b'H' => state = S::H,
                _ => return Err(bad("contains a space")),
            },
            S::H | S::Ht | S::Htt | S::Http => {
                let (want, next) = match state {
                    S::H => (b'T', S::Ht),
                    S::Ht => (b'T', S::Htt),
                    S::Htt => (b'P', S::Http),
                    _ => (b'/', S::FirstMajor),
                };
                if ch != want {
                    return Err(bad("contains a space"));
                }
                state = next;
            }
            S::FirstMajor => {
                // nginx: 505 for a major version above 1, 400 for the rest.
                if ch != b'1' {
                    return Err(bad("contains a space"));
                }
                state = S::Major;
            }
            S::Major => match ch {
                b'.' => state = S::FirstMinor,
                _ => return Err(bad("contains a space")),
            },
            S::FirstMinor => {
                if !ch.is_ascii_digit() {
                    return Err(bad("contains a space"));
                }
                minor = u32::from(ch - b'0');
                state = S::Minor;
            }
            S::Minor => match ch {
                b'\r' => state = S::AlmostDone,
                b'\n' => {
                    done = true;
                    break;
                }
                b' ' => state = S::SpacesAfterDigit,
                // nginx refuses another digit once the minor version is above 99.
                c if c.is_ascii_digit() && minor <= 99 => minor = minor * 10 + u32::from(c - b'0'),
                _ => return Err(bad("contains a space")),
            },
            S::SpacesAfterDigit => match ch {
                b' ' => {}
                b'\r' => state = S::AlmostDone,
                b'\n' => {
                    done = true;
                    break;
                }
                _ => return Err(bad("contains a space")),
            },
            S::AlmostDone => {
                if ch != b'\n' {
                    return Err(bad("contains a space"));
                }
                done = true;
                break;
            }
        }
    }
    if !done {
        // Unreachable with the fixed version suffix; refuse rather than guess.
        return Err(bad("is not a complete request line"));
    }
    if let Some((s, e)) = host {
        if !valid_host(&target[s..e]) {
            return Err(bad("has an invalid host"));
        }
    }
    let uri_end = uri_end.unwrap_or(n).min(n);
    if root_only {
        return Ok(Target {
            path: b"/",
            query: None,
        });
    }
    if let Some(q) = empty_path_query {
        let rest = &target[q + 1..uri_end];
        let query = memchr::memchr(b'#', rest).map_or(rest, |h| &rest[..h]);
        return Ok(Target {
            path: b"/",
            query: Some(query),
        });
    }
    let uri = &target[uri_start..uri_end];
    Ok(split_uri(uri))
}

/// Splits an origin-form URI (`/path?query#...`) at its first raw `?` or `#`, as
/// `ngx_http_parse_complex_uri` does.
pub(crate) fn split_uri(uri: &[u8]) -> Target<'_> {
    match memchr::memchr2(b'?', b'#', uri) {
        None => Target {
            path: uri,
            query: None,
        },
        Some(p) if uri[p] == b'#' => Target {
            path: &uri[..p],
            query: None,
        },
        Some(p) => {
            let rest = &uri[p + 1..];
            let query = memchr::memchr(b'#', rest).map_or(rest, |h| &rest[..h]);
            Target {
                path: &uri[..p],
                query: Some(query),
            }
        }
    }
}

/// `ngx_http_validate_host` on a host from the request line (without its port).
fn valid_host(h: &[u8]) -> bool {
    let mut dot_pos: Option<usize> = None;
    let mut host_len = h.len();
    let mut literal = false;
    let mut rest = false;
    for (i, &ch) in h.iter().enumerate() {
        match ch {
            b'.' => {
                if i > 0 && dot_pos == Some(i - 1) {
                    return false;
                }
                dot_pos = Some(i);
            }
            b':' if !literal && !rest => {
                host_len = i;
                rest = true;
            }
            b'[' if i == 0 => literal = true,
            b']' if literal && !rest => {
                host_len = i + 1;
                literal = false;
                rest = true;
            }
            b':' | b'[' | b']' => {}
            0 | b'/' => return false,
            c if c <= 0x20 || c == 0x7f => return false,
            _ => {}
        }
    }
    if host_len > 0 && dot_pos == Some(host_len - 1) {
        host_len -= 1;
    }
    host_len > 0
}

/// Checks a raw query as the request line carries it: nginx refuses control bytes and
/// spaces anywhere in the line (for [`crate::Signer::verify_decoded`], whose query did not
/// go through [`read`]).
pub(crate) fn check_raw_query(q: &[u8]) -> Result<(), Refusal> {
    if q.iter().any(|&c| c <= 0x20 || c == 0x7f) {
        return Err(bad("has a space or control character in the query"));
    }
    Ok(())
}

/// The shortest target a client can have sent for the decoded path `path` and raw query
/// `query` (bytes nginx takes raw are counted once, the others as `%XX`).
pub(crate) fn min_target_len(path: &[u8], query: &[u8]) -> usize {
    let path_len: usize = path
        .iter()
        .map(|&c| {
            if control(c) || matches!(c, b' ' | b'?' | b'#' | b'%') {
                3
            } else {
                1
            }
        })
        .sum();
    path_len + if query.is_empty() { 0 } else { 1 + query.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(t: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), Refusal> {
        read(t, DEFAULT_MAX_REQUEST_LEN).map(|t| (t.path.to_vec(), t.query.map(<[u8]>::to_vec)))
    }

    fn ok(t: &[u8], path: &[u8], query: Option<&[u8]>) {
        assert_eq!(
            r(t),
            Ok((path.to_vec(), query.map(<[u8]>::to_vec))),
            "{}",
            String::from_utf8_lossy(t)
        );
    }

    fn is_bad(t: &[u8]) {
        assert!(
            matches!(r(t), Err(Refusal::Bad(_))),
            "{:?} gives {:?}",
            String::from_utf8_lossy(t),
            r(t)
        );
    }

    #[test]
    fn double_slash_is_a_path() {
        ok(b"//private/x.jpg?a=1", b"//private/x.jpg", Some(b"a=1"));
        ok(b"///a", b"///a", None);
        ok(b"//?x", b"//", Some(b"x"));
    }

    #[test]
    fn absolute_form() {
        ok(b"http://edge/x?q", b"/x", Some(b"q"));
        ok(b"HTTP://edge:80/x", b"/x", None);
        ok(b"ftp://edge/x", b"/x", None);
        ok(b"h1+.-://edge/x", b"/x", None);
        ok(b"http://edge", b"/", None);
        ok(b"http://edge?q#f", b"/", Some(b"q"));
        ok(b"http://edge:", b"/", None);
        ok(b"http://edge:/x", b"/x", None);
        ok(b"http://[::1]/x", b"/x", None);
        ok(b"http://[]/x", b"/x", None);
        ok(b"http://edge.//x", b"//x", None);
        ok(b"http://.edge/x", b"/x", None);
        ok(b"http://-/x", b"/x", None);
        for t in [
            &b"http:///x"[..],
            b"http://a_b/x",
            b"http://a..b/x",
            b"http://./x",
            b"http://../x",
            b"http://[::1/x",
            b"http://[::1]x/",
            b"http://u@edge/x",
            b"http://edge#x",
            b"http://edge%41/",
            b"http://edge:8x/",
            b"http:/edge/x",
            b"http:",
            b"http://",
            b"1http://edge/",
            b"h@://edge/",
            b"*",
            b"",
            b"x",
        ] {
            is_bad(t);
        }
    }

    #[test]
    fn spaces_and_control_bytes() {
        ok(b"  /x?q", b"/x", Some(b"q"));
        ok(b"/x?q   ", b"/x", Some(b"q"));
        for t in [
            &b"/a b"[..],
            b"/a?b c",
            b"/x HTTP/1.1",
            b"/x H",
            b"/a\tb",
            b"/a\x7f",
            b"/a\x00",
            b"/a?\x01",
            b"/a#\x1f",
            b"/a\r\n",
            b"/a\n",
        ] {
            is_bad(t);
        }
    }

    #[test]
    fn raw_bytes_and_hash() {
        ok(
            b"/\xff\xc0\xaf?\x80=\xfe",
            b"/\xff\xc0\xaf",
            Some(b"\x80=\xfe"),
        );
        ok(b"/a#b?md5=x", b"/a", None);
        ok(b"/a?md5=x#y&z", b"/a", Some(b"md5=x"));
        ok(b"/a?b?c", b"/a", Some(b"b?c"));
        ok(b"/a%zz?q", b"/a%zz", Some(b"q")); // the 400 comes from the path parse
        ok(b"/a\\b;c=d+e", b"/a\\b;c=d+e", None);
    }

    #[test]
    fn length_limit_is_the_request_line() {
        // Measured on nginx 1.22.1: a target of 8177 bytes is read, 8178 gets 414.
        let t = |n: usize| {
            let mut v = b"/file/".to_vec();
            v.resize(n, b'a');
            v
        };
        assert!(r(&t(8177)).is_ok());
        assert_eq!(r(&t(8178)), Err(Refusal::TooLong));
        assert_eq!(r(&t(100_000)), Err(Refusal::TooLong));
        // A bad byte within the first 8192 bytes of the line is a 400, later ones a 414.
        let with = |i: usize, c: u8| {
            let mut v = t(i + 100);
            v[i] = c;
            v
        };
        is_bad(&with(8187, 1));
        assert_eq!(r(&with(8188, 1)), Err(Refusal::TooLong));
        is_bad(&with(8186, b' '));
        assert_eq!(r(&with(8187, b' ')), Err(Refusal::TooLong));
        assert!(read(&t(200), 215).is_ok());
        assert_eq!(read(&t(200), 214), Err(Refusal::TooLong));
    }

    #[test]
    fn hosts_like_ngx_http_validate_host() {
        assert!(valid_host(b"edge"));
        assert!(valid_host(b"edge."));
        assert!(valid_host(b".edge"));
        assert!(valid_host(b"[::1]"));
        assert!(valid_host(b"[]"));
        assert!(!valid_host(b""));
        assert!(!valid_host(b"."));
        assert!(!valid_host(b"a..b"));
        assert!(!valid_host(b"[a..b]"));
    }
}
