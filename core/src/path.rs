//! The path the edge hashes is nginx's `$uri`: percent-decoded, `//` merged, `.`/`..`
//! resolved (scheme page §2). This module turns what a caller gives into those bytes, and
//! those bytes back into a percent-encoded path that decodes to exactly them.

use smallvec::SmallVec;

use crate::ascii::AsciiWriter;
use crate::error::{Error, Result};

/// Longest decoded path accepted (nginx's default request line buffer is 8 KiB).
pub const MAX_PATH_LEN: usize = 8192;

/// Decoded path bytes; inline for typical paths so signing does not allocate.
pub(crate) type PathBytes = SmallVec<[u8; 256]>;

/// How the input path is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathInput {
    /// As in a URL: `%XX` escapes are decoded.
    Encoded,
    /// Already decoded: `%` is an ordinary character.
    Decoded,
    /// A request as the edge receives it, for verification: `%XX` escapes are decoded and
    /// an escaped control byte (`%01`..`%1F`, `%7F`) is kept, as nginx keeps it in `$uri`
    /// and serves the link. Only `%00` and raw control bytes are refused.
    Request,
    /// A received path already decoded by a server (WSGI `PATH_INFO`): `%` is ordinary,
    /// control bytes (which came from escapes) are kept, a NUL byte (from `%00`) is refused.
    DecodedRequest,
}

impl PathInput {
    /// A path a server received: its length is bounded by the request line limit instead.
    fn received(self) -> bool {
        matches!(self, PathInput::Request | PathInput::DecodedRequest)
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The canonical bytes of `raw`: `raw` itself when it is already canonical and needs no
/// escaping on output (the common case, found in one pass without copying), else the bytes
/// [`canonicalize`] writes into `buf`. The flag says which.
pub(crate) fn canonical<'a>(
    raw: &'a [u8],
    input: PathInput,
    buf: &'a mut PathBytes,
) -> Result<(&'a [u8], bool)> {
    if is_verbatim(raw) {
        Ok((raw, true))
    } else {
        canonicalize(raw, input, buf)?;
        Ok((&buf[..], false))
    }
}

/// True when `raw` starts with `/`, has only bytes that are emitted unescaped (so no `%` and
/// no control characters) and no `//`, `/.` or `/..` to resolve.
fn is_verbatim(raw: &[u8]) -> bool {
    if raw.first() != Some(&b'/') || raw.len() > MAX_PATH_LEN {
        return false;
    }
    // Whole blocks of plain bytes are skipped with SIMD; the loop decides the rest.
    let from = crate::scan::skip_path(raw, 0);
    // `/` is the one safe byte that needs a second look (at the byte after it).
    for (i, &c) in raw.iter().enumerate().skip(from) {
        if c == b'/' {
            if let Some(b'/' | b'.') = raw.get(i + 1) {
                return false;
            }
        } else if !PATH_SAFE[c as usize] {
            return false;
        }
    }
    true
}

/// Decodes (when `input` is `Encoded`) and normalizes `raw` into `out`, which is cleared
/// first. `raw` is the path only: no query, no fragment.
pub(crate) fn canonicalize(raw: &[u8], input: PathInput, out: &mut PathBytes) -> Result<()> {
    out.clear();
    if raw.is_empty() {
        return Err(Error::PathEmpty);
    }
    if raw[0] != b'/' {
        return Err(Error::PathNotAbsolute);
    }
    if raw.len() > MAX_PATH_LEN * 3 && !input.received() {
        return Err(Error::PathTooLong {
            len: raw.len(),
            max: MAX_PATH_LEN,
        });
    }

    // Pass 1: decode into `out`, checking every byte the edge would refuse.
    out.reserve(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let mut b = raw[i];
        let mut escaped = false;
        if b == b'%' && matches!(input, PathInput::Encoded | PathInput::Request) {
            let hi = raw.get(i + 1).copied().and_then(hex_val);
            let lo = raw.get(i + 2).copied().and_then(hex_val);
            match (hi, lo) {
                (Some(h), Some(l)) => {
                    b = (h << 4) | l;
                    escaped = true;
                }
                _ => return Err(Error::PathInvalidEscape { position: i }),
            }
            i += 3;
        } else {
            i += 1;
        }
        if b == 0 {
            return Err(Error::PathNul);
        }
        let kept = match input {
            PathInput::Request => escaped,
            PathInput::DecodedRequest => true,
            _ => false,
        };
        if (b < 0x20 || b == 0x7f) && !kept {
            return Err(Error::PathControlChar {
                byte: b,
                position: out.len(),
            });
        }
        out.push(b);
    }
    if out.len() > MAX_PATH_LEN && !input.received() {
        return Err(Error::PathTooLong {
            len: out.len(),
            max: MAX_PATH_LEN,
        });
    }

    // Pass 2, in place: merge slashes and resolve dot segments. The write position never
    // passes the read position, because every output byte comes from an input byte at or
    // after it.
    let n = out.len();
    let mut w = 1; // out[0] == b'/'
    let mut r = 1;
    while r <= n {
        let end = out[r..n]
            .iter()
            .position(|&c| c == b'/')
            .map_or(n, |p| r + p);
        let seg_len = end - r;
        let is_last = end == n;
        match (seg_len, &out[r..end]) {
            (0, _) | (1, [b'.']) => {}
            (2, [b'.', b'.']) => {
                if w == 1 {
                    return Err(Error::PathAboveRoot);
                }
                // Drop the trailing '/', then the previous segment.
                w -= 1;
                while out[w - 1] != b'/' {
                    w -= 1;
                }
            }
            _ => {
                out.copy_within(r..end, w);
                w += seg_len;
                if !is_last {
                    out[w] = b'/';
                    w += 1;
                }
            }
        }
        r = end + 1;
    }
    out.truncate(w);
    Ok(())
}

/// Bytes that may appear unescaped in a path segment (RFC 3986 `pchar` minus `%`), plus `/`.
pub(crate) const fn path_safe_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
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
                    | b':'
                    | b'@'
                    | b'/'
            );
        c += 1;
    }
    t
}

static PATH_SAFE: [bool; 256] = path_safe_table();

/// Appends `path` percent-encoded so that nginx decodes it back to exactly `path`.
#[inline]
pub(crate) fn encode_into(path: &[u8], out: &mut AsciiWriter) {
    out.push_escaped(path, |b| !PATH_SAFE[b as usize]);
}

/// The directory part of a canonical path: everything up to and including the last `/`.
pub(crate) fn directory_of(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        Some(p) => &path[..=p],
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> Result<String> {
        let mut out = PathBytes::new();
        canonicalize(s.as_bytes(), PathInput::Encoded, &mut out)?;
        Ok(String::from_utf8(out.to_vec()).unwrap())
    }

    #[test]
    fn decodes_and_normalizes_like_nginx() {
        assert_eq!(canon("/a%20b.jpg").unwrap(), "/a b.jpg");
        assert_eq!(canon("/a//b").unwrap(), "/a/b");
        assert_eq!(canon("/a%2F%2Fb").unwrap(), "/a/b");
        assert_eq!(canon("/a/./b/../c").unwrap(), "/a/c");
        assert_eq!(canon("/a/b/..").unwrap(), "/a/");
        assert_eq!(canon("/a/b/.").unwrap(), "/a/b/");
        assert_eq!(canon("/a/%2e%2E/c").unwrap(), "/c");
        assert_eq!(canon("/").unwrap(), "/");
        assert_eq!(canon("//").unwrap(), "/");
        assert_eq!(canon("/a+b").unwrap(), "/a+b");
        assert_eq!(canon("/.../x").unwrap(), "/.../x");
        assert_eq!(canon("/a/..b").unwrap(), "/a/..b");
        assert_eq!(canon("/%25").unwrap(), "/%");
        assert_eq!(canon("/caf%C3%A9").unwrap(), "/café");
        assert_eq!(canon("/café").unwrap(), "/café");
    }

    #[test]
    fn rejects_what_nginx_rejects() {
        assert_eq!(
            canon("/a%2").unwrap_err(),
            Error::PathInvalidEscape { position: 2 }
        );
        assert_eq!(
            canon("/a%zz").unwrap_err(),
            Error::PathInvalidEscape { position: 2 }
        );
        assert_eq!(canon("/a%00").unwrap_err(), Error::PathNul);
        assert_eq!(canon("/..").unwrap_err(), Error::PathAboveRoot);
        assert_eq!(canon("/a/../..").unwrap_err(), Error::PathAboveRoot);
        assert_eq!(canon("a").unwrap_err(), Error::PathNotAbsolute);
        assert_eq!(canon("").unwrap_err(), Error::PathEmpty);
        assert!(matches!(
            canon("/a%0a").unwrap_err(),
            Error::PathControlChar { byte: 0x0a, .. }
        ));
    }

    #[test]
    fn requests_keep_escaped_control_bytes_like_nginx() {
        let mut out = PathBytes::new();
        canonicalize(b"/a%0a%7F%1fb", PathInput::Request, &mut out).unwrap();
        assert_eq!(&out[..], b"/a\n\x7f\x1fb");
        assert_eq!(
            canonicalize(b"/a%00", PathInput::Request, &mut out).unwrap_err(),
            Error::PathNul
        );
        assert!(canonicalize(b"/a\tb", PathInput::Request, &mut out).is_err());
    }

    #[test]
    fn verbatim_fast_path_agrees_with_the_full_path() {
        for raw in [
            "/a/b.jpg",
            "/a//b",
            "/a/.b",
            "/a/./b",
            "/a/..",
            "/a b",
            "/a%20b",
            "/",
            "/.x",
            "/a/b/",
            "/~user/x+y.jpg",
            "/é",
            "/a/b.",
            "a/b",
            "",
        ] {
            let mut buf = PathBytes::new();
            let fast = canonical(raw.as_bytes(), PathInput::Encoded, &mut buf)
                .map(|(b, v)| (b.to_vec(), v));
            let mut full = PathBytes::new();
            let slow =
                canonicalize(raw.as_bytes(), PathInput::Encoded, &mut full).map(|()| full.to_vec());
            assert_eq!(fast.clone().map(|f| f.0), slow, "{raw}");
            if let Ok((bytes, true)) = fast {
                let mut s = AsciiWriter::default();
                encode_into(&bytes, &mut s);
                assert_eq!(s.into_string(), raw, "verbatim path must need no escaping");
            }
        }
    }

    #[test]
    fn encodes_reversibly() {
        let mut s = AsciiWriter::default();
        encode_into("/a b/é?#%+".as_bytes(), &mut s);
        let s = s.into_string();
        assert_eq!(s, "/a%20b/%C3%A9%3F%23%25+");
        assert_eq!(canon(&s).unwrap(), "/a b/é?#%+");
    }
}
