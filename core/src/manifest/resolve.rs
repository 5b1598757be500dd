//! RFC 3986 §5 reference resolution, on the text as written: the path that comes out is the
//! one a player requests (before the edge decodes it), so the core's canonicalization then
//! finds exactly what the edge hashes. One difference from the RFC, on purpose: a `..` that
//! climbs above the root is an error, not clamped (players differ there, and the edge answers
//! 400 to a path that still has it).

/// An absolute base: where the manifest (or a DASH `BaseURL`) lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Base {
    /// `scheme://authority` as written, or empty when only a path is known.
    pub origin: String,
    /// `origin` with scheme and host in lower case and a default port dropped: equal keys
    /// are the same server.
    pub origin_key: String,
    /// Starts with `/`, dot segments removed.
    pub path: String,
    /// Not an http(s) base (a DASH `BaseURL` such as `data:`): nothing under it is signed.
    pub foreign: bool,
}

/// A reference split into its RFC 3986 parts (slices of the reference).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RefParts<'r> {
    pub scheme: Option<&'r str>,
    pub authority: Option<&'r str>,
    pub path: &'r str,
    pub query: Option<&'r str>,
    /// With its `#`, or empty.
    pub fragment: &'r str,
    /// Length of scheme + authority + path: the part of the reference kept as written.
    pub head_len: usize,
}

pub(crate) fn split_ref(r: &str) -> RefParts<'_> {
    let b = r.as_bytes();
    // The path (or the authority) ends at the first `?` or `#`; a scheme is letters,
    // digits, `+ - .` before a `:` that comes ahead of any `/ ? #`.
    let end_of_path = memchr::memchr2(b'?', b'#', b).unwrap_or(b.len());
    let mut i = 0;
    let mut scheme = None;
    if let Some(colon) = memchr::memchr(b':', &b[..end_of_path]) {
        let s = &b[..colon];
        if s.first().is_some_and(u8::is_ascii_alphabetic)
            && s.iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        {
            scheme = Some(&r[..colon]);
            i = colon + 1;
        }
    }
    let mut authority = None;
    if b[i..end_of_path].starts_with(b"//") {
        let start = i + 2;
        let end = memchr::memchr(b'/', &b[start..end_of_path]).map_or(end_of_path, |p| start + p);
        authority = Some(&r[start..end]);
        i = end;
    }
    let path_end = end_of_path;
    let path = &r[i..path_end];
    let (query, frag_start) = if b.get(path_end) == Some(&b'?') {
        let q_end = memchr::memchr(b'#', &b[path_end..]).map_or(b.len(), |p| path_end + p);
        (Some(&r[path_end + 1..q_end]), q_end)
    } else {
        (None, path_end)
    };
    RefParts {
        scheme,
        authority,
        path,
        query,
        fragment: &r[frag_start..],
        head_len: path_end,
    }
}

/// True when `path` may have a `.` or `..` segment (a `.` right after a `/`).
fn may_have_dot_segment(path: &[u8]) -> bool {
    memchr::memchr_iter(b'.', path).any(|i| i > 0 && path[i - 1] == b'/')
}

/// Why a reference cannot be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResolveError {
    AboveRoot,
}

/// Where a reference points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target<'r> {
    /// Not an http(s) URL (`skd://`, `data:`, `blob:`, ...): never signed.
    Foreign,
    /// An http(s) resource.
    Http {
        /// The target's server as [`origin_key`] writes it (empty for a path under a
        /// path-only base): equal keys are the same server.
        origin_key: String,
        /// `scheme://authority` of the target (the base's when the reference has none).
        origin: String,
        /// Dot segments removed, starts with `/`.
        path: String,
        query: Option<&'r str>,
    },
}

/// `scheme://authority` in a form where equal means the same server.
pub(crate) fn origin_key(scheme: &str, authority: &str) -> String {
    let scheme = scheme.to_ascii_lowercase();
    let mut auth = authority.to_ascii_lowercase();
    let default = match scheme.as_str() {
        "http" => Some(":80"),
        "https" => Some(":443"),
        _ => None,
    };
    if let Some(d) = default {
        if auth.ends_with(d) && !auth.ends_with(']') {
            auth.truncate(auth.len() - d.len());
        }
    }
    format!("{scheme}://{auth}")
}

fn is_http(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

impl Base {
    /// The path up to and including its last `/`: what a relative path is appended to.
    fn dir(&self) -> &str {
        let b = self.path.as_bytes();
        &self.path[..memchr::memrchr(b'/', b).map_or(0, |i| i + 1)]
    }

    /// The base of a manifest served from `url`: an absolute http(s) URL or a path starting
    /// with `/`. `None` when it is neither.
    pub fn from_url(url: &str) -> Option<Result<Base, ResolveError>> {
        let p = split_ref(url);
        match (p.scheme, p.authority) {
            (Some(s), Some(a)) if is_http(s) && !a.is_empty() => Some(
                remove_dot_segments(if p.path.is_empty() { "/" } else { p.path }).map(|path| {
                    Base {
                        origin: url[..url.len() - p.path.len() - rest_len(&p)].to_owned(),
                        origin_key: origin_key(s, a),
                        path,
                        foreign: false,
                    }
                }),
            ),
            (None, None) if p.path.starts_with('/') => {
                Some(remove_dot_segments(p.path).map(|path| Base {
                    origin: String::new(),
                    origin_key: String::new(),
                    path,
                    foreign: false,
                }))
            }
            _ => None,
        }
    }

    /// Resolves `reference` against this base (RFC 3986 §5.2.2, strict).
    pub fn resolve<'r>(&self, reference: &'r str) -> Result<Target<'r>, ResolveError> {
        let mut path = String::new();
        Ok(match self.resolve_into(reference, &mut path)? {
            Resolved::Foreign => Target::Foreign,
            Resolved::Http { other, query, .. } => {
                let (origin, origin_key) =
                    other.unwrap_or_else(|| (self.origin.clone(), self.origin_key.clone()));
                Target::Http {
                    origin_key,
                    origin,
                    path,
                    query,
                }
            }
        })
    }

    /// Like [`Base::resolve`], appending the target's path to `out` (no allocation when
    /// the reference is on this base's server and has no dot segments: the usual segment).
    pub fn resolve_into<'r>(
        &self,
        reference: &'r str,
        out: &mut String,
    ) -> Result<Resolved<'r>, ResolveError> {
        let r = split_ref(reference);
        let start = out.len();
        let abs_path = |out: &mut String| {
            out.push_str(if r.path.is_empty() { "/" } else { r.path });
            remove_dots_in(out, start)
        };
        if let Some(s) = r.scheme {
            if !is_http(s) {
                return Ok(Resolved::Foreign);
            }
            let Some(a) = r.authority else {
                return Ok(Resolved::Foreign);
            };
            abs_path(out)?;
            let origin = reference[..s.len() + 3 + a.len()].to_owned();
            return Ok(Resolved::Http {
                other: Some((origin, origin_key(s, a))),
                query: r.query,
                head_len: r.head_len,
            });
        }
        if self.foreign {
            return Ok(Resolved::Foreign);
        }
        if let Some(a) = r.authority {
            // With only a path known for the manifest, a scheme-relative URL is some other
            // server as far as we can tell.
            let scheme = if self.origin.is_empty() {
                "https"
            } else {
                self.origin.split("://").next().unwrap_or("https")
            };
            abs_path(out)?;
            return Ok(Resolved::Http {
                other: Some((format!("{scheme}://{a}"), origin_key(scheme, a))),
                query: r.query,
                head_len: r.head_len,
            });
        }
        if r.path.is_empty() {
            out.push_str(&self.path);
        } else if r.path.starts_with('/') {
            out.push_str(r.path);
            remove_dots_in(out, start)?;
        } else {
            out.push_str(self.dir());
            out.push_str(r.path);
            remove_dots_in(out, start)?;
        }
        Ok(Resolved::Http {
            other: None,
            query: r.query,
            head_len: r.head_len,
        })
    }
}

/// What [`Base::resolve_into`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved<'r> {
    /// Not an http(s) URL: never signed.
    Foreign,
    /// An http(s) resource whose path was appended.
    Http {
        /// Its `(origin, origin key)` when it names a server itself; `None`: the base's.
        other: Option<(String, String)>,
        query: Option<&'r str>,
        /// Where the reference's query (or fragment) starts: the part before is written
        /// back as it is.
        head_len: usize,
    },
}

/// Removes the dot segments of `out[start..]` in place.
fn remove_dots_in(out: &mut String, start: usize) -> Result<(), ResolveError> {
    if may_have_dot_segment(&out.as_bytes()[start..]) {
        let p = remove_dot_segments(&out[start..])?;
        out.truncate(start);
        out.push_str(&p);
    }
    Ok(())
}

fn rest_len(p: &RefParts<'_>) -> usize {
    p.query.map_or(0, |q| q.len() + 1) + p.fragment.len()
}

/// RFC 3986 §5.2.4 on a path starting with `/`, except that a `..` at the root is an error.
pub(crate) fn remove_dot_segments(path: &str) -> Result<String, ResolveError> {
    debug_assert!(path.starts_with('/'));
    if !may_have_dot_segment(path.as_bytes()) {
        return Ok(path.to_owned());
    }
    let mut out: Vec<&str> = Vec::new();
    let mut segs = path[1..].split('/').peekable();
    while let Some(s) = segs.next() {
        let last = segs.peek().is_none();
        match s {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                if out.pop().is_none() {
                    return Err(ResolveError::AboveRoot);
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut p = String::with_capacity(path.len());
    for s in out {
        p.push('/');
        p.push_str(s);
    }
    if p.is_empty() {
        p.push('/');
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(u: &str) -> Base {
        Base::from_url(u).unwrap().unwrap()
    }

    fn http(b: &Base, r: &str) -> (bool, String, String, Option<String>) {
        match b.resolve(r).unwrap() {
            Target::Http {
                origin_key,
                origin,
                path,
                query,
            } => (
                origin_key == b.origin_key,
                origin,
                path,
                query.map(str::to_owned),
            ),
            Target::Foreign => panic!("{r} is foreign"),
        }
    }

    /// The normal examples of RFC 3986 §5.4.1 (base `http://a/b/c/d;p?q`), minus the ones
    /// that climb above the root, which are errors here (see `above_root_is_an_error`).
    #[test]
    fn rfc3986_normal_examples() {
        let b = base("http://a/b/c/d;p?q");
        let cases = [
            ("g", "/b/c/g", None),
            ("./g", "/b/c/g", None),
            ("g/", "/b/c/g/", None),
            ("/g", "/g", None),
            ("?y", "/b/c/d;p", Some("y")),
            ("g?y", "/b/c/g", Some("y")),
            ("g#s", "/b/c/g", None),
            ("g?y#s", "/b/c/g", Some("y")),
            (";x", "/b/c/;x", None),
            ("g;x", "/b/c/g;x", None),
            ("g;x?y#s", "/b/c/g;x", Some("y")),
            ("", "/b/c/d;p", None),
            (".", "/b/c/", None),
            ("./", "/b/c/", None),
            ("..", "/b/", None),
            ("../", "/b/", None),
            ("../g", "/b/g", None),
            ("../..", "/", None),
            ("../../", "/", None),
            ("../../g", "/g", None),
            ("g.", "/b/c/g.", None),
            (".g", "/b/c/.g", None),
            ("g..", "/b/c/g..", None),
            ("..g", "/b/c/..g", None),
            ("./../g", "/b/g", None),
            ("./g/.", "/b/c/g/", None),
            ("g/./h", "/b/c/g/h", None),
            ("g/../h", "/b/c/h", None),
            ("g;x=1/./y", "/b/c/g;x=1/y", None),
            ("g;x=1/../y", "/b/c/y", None),
        ];
        for (r, path, q) in cases {
            let (same, origin, p, query) = http(&b, r);
            assert!(same, "{r}");
            assert_eq!(origin, "http://a", "{r}");
            assert_eq!(p, path, "{r}");
            assert_eq!(query.as_deref(), q, "{r}");
        }
        let (same, origin, p, _) = http(&b, "//g");
        assert!(!same);
        assert_eq!((origin.as_str(), p.as_str()), ("http://g", "/"));
        assert_eq!(b.resolve("g:h").unwrap(), Target::Foreign);
    }

    #[test]
    fn above_root_is_an_error() {
        let b = base("http://a/b/c/d;p?q");
        for r in ["../../../g", "../../../../g", "/./../g", "/../g"] {
            assert_eq!(b.resolve(r), Err(ResolveError::AboveRoot), "{r}");
        }
    }

    #[test]
    fn origins_compare_like_servers() {
        let b = base("https://CDN.example.com:443/v/master.m3u8");
        assert!(http(&b, "https://cdn.example.com/v/a.ts").0);
        assert!(http(&b, "HTTPS://cdn.EXAMPLE.com:443/v/a.ts").0);
        assert!(!http(&b, "http://cdn.example.com/v/a.ts").0);
        assert!(!http(&b, "https://cdn.example.com:8443/v/a.ts").0);
        assert!(!http(&b, "https://other.example.com/v/a.ts").0);
        assert!(http(&b, "//cdn.example.com/x.ts").0);
        assert_eq!(b.resolve("skd://key-id").unwrap(), Target::Foreign);
        assert_eq!(b.resolve("data:text/plain,hi").unwrap(), Target::Foreign);
        let p = base("/v/master.m3u8");
        assert!(!http(&p, "https://cdn.example.com/v/a.ts").0);
        assert_eq!(http(&p, "a.ts").2, "/v/a.ts");
    }
}
