//! The signer: its keys, clock and limits, and signing one link.

use std::fmt;
use std::sync::Arc;

use crate::ascii::AsciiWriter;
use crate::codec::{encode_token, token_str, TOKEN_LEN};
use crate::error::{Error, Result};
use crate::key::Key;
use crate::options::{Clock, SignOptions, SystemClock, TokenKind};
use crate::path::{self, PathBytes, PathInput};
use crate::prepared::{check_ttl, Prepared, Resolved};
use crate::request;
use crate::url::{self, UrlParts};

/// How many rotation keys a signer holds at most.
pub const MAX_KEYS: usize = 16;

/// Signs and verifies Secure Token links. Immutable, `Send + Sync`, cheap to share.
#[derive(Clone)]
pub struct Signer {
    pub(crate) keys: Arc<[Key]>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) default_ttl: Option<i64>,
    pub(crate) allow_past: bool,
    pub(crate) max_request_len: usize,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("keys", &self.keys.len())
            .field("default_ttl", &self.default_ttl)
            .field("allow_past", &self.allow_past)
            .field("max_request_len", &self.max_request_len)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Signer`]: rotation keys, clock, default lifetime.
pub struct SignerBuilder {
    keys: Vec<Key>,
    error: Option<Error>,
    clock: Arc<dyn Clock>,
    default_ttl: Option<i64>,
    allow_past: bool,
    max_request_len: usize,
}

impl fmt::Debug for SignerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerBuilder")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl SignerBuilder {
    /// Adds a key that `verify` also accepts (key rotation). Signing always uses the first.
    pub fn verify_key(mut self, key: impl AsRef<[u8]>) -> Self {
        match Key::new(key) {
            Ok(k) => self.keys.push(k),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Replaces the system clock (tests, simulations).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The lifetime used when a call gives neither `expires` nor `ttl`.
    pub fn default_ttl(mut self, seconds: i64) -> Self {
        self.default_ttl = Some(seconds);
        self
    }

    /// Accepts expiries already in the past (off by default: such a link is born dead).
    pub fn allow_past_expiry(mut self, allow: bool) -> Self {
        self.allow_past = allow;
        self
    }

    /// The longest request line the edge reads, `\r\n` included (nginx's
    /// `large_client_header_buffers` size; default [`crate::DEFAULT_MAX_REQUEST_LEN`], 8192).
    /// Signing refuses links whose request line `GET {target} HTTP/1.1\r\n` is longer (the
    /// edge would answer 414); verifying answers [`InvalidReason::UriTooLong`] for them.
    pub fn max_request_len(mut self, bytes: usize) -> Self {
        self.max_request_len = bytes;
        self
    }

    /// Validates everything and builds the signer.
    pub fn build(self) -> Result<Signer> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.keys.len() > MAX_KEYS {
            return Err(Error::Argument {
                name: "keys",
                reason: "at most 16 keys can be held for rotation",
            });
        }
        if let Some(t) = self.default_ttl {
            check_ttl(t, 0)?;
        }
        // The shortest request line is `GET / HTTP/1.1\r\n`.
        if self.max_request_len < request::line_len(1) {
            return Err(Error::Argument {
                name: "max_request_len",
                reason: "must be at least 16 bytes (GET / HTTP/1.1 and CRLF)",
            });
        }
        Ok(Signer {
            keys: self.keys.into(),
            clock: self.clock,
            default_ttl: self.default_ttl,
            allow_past: self.allow_past,
            max_request_len: self.max_request_len,
        })
    }
}

/// A token with the expiry it was made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedToken {
    /// The 22-character token.
    pub token: String,
    /// The expiry it covers, Unix seconds.
    pub expires: i64,
}

impl Signer {
    /// A signer with one key, the system clock and no default lifetime.
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self> {
        Self::builder(key).build()
    }

    /// Starts a builder whose signing key is `key`.
    pub fn builder(key: impl AsRef<[u8]>) -> SignerBuilder {
        let mut b = SignerBuilder {
            keys: Vec::new(),
            error: None,
            clock: Arc::new(SystemClock),
            default_ttl: None,
            allow_past: false,
            max_request_len: request::DEFAULT_MAX_REQUEST_LEN,
        };
        b = b.verify_key(key);
        b
    }

    /// Number of keys held (signing key + rotation keys).
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// The default lifetime, if one was set.
    pub fn default_ttl(&self) -> Option<i64> {
        self.default_ttl
    }

    /// The current time by this signer's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub(crate) fn signing_key(&self) -> &[u8] {
        self.keys[0].expose()
    }

    /// The low-level call: the file token for an already decoded path, e.g.
    /// `token("/photo.jpeg", 2147483647, None)`. The path is normalized (`//`, `.`, `..`)
    /// as the edge would, but `%` is taken literally.
    pub fn token(&self, path: &str, expires: i64, ip: Option<&str>) -> Result<String> {
        let opts = SignOptions {
            expires: Some(expires),
            ip,
            ..Default::default()
        };
        Ok(self.token_with(path, &opts)?.token)
    }

    /// The token of any query-token kind (`File`, `Directory`, `Mp4`) for a decoded path.
    pub fn token_with(&self, path: &str, opts: &SignOptions<'_>) -> Result<SignedToken> {
        let p = self.resolve_now(opts)?;
        let mut buf = PathBytes::new();
        let (canon, _) = path::canonical(path.as_bytes(), PathInput::Decoded, &mut buf)?;
        let digest = p.layout(canon).digest(self.signing_key());
        Ok(SignedToken {
            token: token_str(&encode_token(&digest)).to_owned(),
            expires: p.expires,
        })
    }

    /// Signs a URL (absolute, scheme-relative or path-and-query). Scheme, host, port, other
    /// query parameters and fragment are kept; old `md5`/`expires` (and for MP4
    /// `speed`/`buffer`) parameters are removed in any case; the path is emitted
    /// percent-encoded so that the edge decodes it back to exactly the bytes hashed.
    pub fn sign_url(&self, url: &str, opts: &SignOptions<'_>) -> Result<String> {
        self.sign_resolved(url, &self.resolve_now(opts)?)
    }

    /// [`Signer::sign_url`] with options checked once by [`Signer::prepare`].
    #[inline]
    pub fn sign_prepared(&self, url: &str, p: &Prepared) -> Result<String> {
        self.sign_resolved(url, &p.resolve(&*self.clock)?)
    }

    /// One link with the expiry resolved: what `sign_url` and a batch of a few links (as
    /// one `String` each) both run, the same code for both.
    pub(crate) fn sign_resolved(&self, url: &str, p: &Resolved<'_>) -> Result<String> {
        let parts = url::split(url)?;
        let mut buf = PathBytes::new();
        let (canon, verbatim, digest) = self.link_digest(&parts, &mut buf, p)?;
        assemble(&parts, canon, verbatim, &digest, p, self.max_request_len)
    }

    /// The canonical path of one link and its digest, one message at a time: what
    /// `sign_url` hashes, and what a batch hashes for groups too small for the lanes.
    #[inline]
    pub(crate) fn link_digest<'a>(
        &self,
        parts: &UrlParts<'a>,
        buf: &'a mut PathBytes,
        p: &Resolved<'_>,
    ) -> Result<(&'a [u8], bool, [u8; 16])> {
        let (canon, verbatim) = url_path(parts, buf)?;
        let digest = p.layout(canon).digest(self.signing_key());
        Ok((canon, verbatim, digest))
    }
}

/// The canonical path of a URL being signed: the URL's own path when the split found it
/// clean, else decoded and normalized into `buf`. The flag says the path is used verbatim.
pub(crate) fn url_path<'a>(
    parts: &UrlParts<'a>,
    buf: &'a mut PathBytes,
) -> Result<(&'a [u8], bool)> {
    if parts.path_clean {
        Ok((parts.path_or_root().as_bytes(), true))
    } else {
        path::canonical(parts.path_or_root().as_bytes(), PathInput::Encoded, buf)
    }
}

pub(crate) fn stream_kind_error() -> Error {
    Error::Argument {
        name: "kind",
        reason: "stream tokens go in the path: use stream_url",
    }
}

/// The query parameters of the input that the signed URL keeps.
fn kept_params<'a>(parts: &UrlParts<'a>, kind: TokenKind) -> impl Iterator<Item = &'a str> + Clone {
    let strip: &'static [&'static str] = if kind == TokenKind::Mp4 {
        &["md5", "expires", "speed", "buffer"]
    } else {
        &["md5", "expires"]
    };
    parts
        .query
        .unwrap_or("")
        .split('&')
        .filter(move |q| !q.is_empty() && !url::is_named(q, strip))
}

/// The signed URL as one `String`, allocated once: the capacity is an upper bound found
/// from lengths alone (escaping at most triples a byte), without a pass over the text.
/// Inlined into its two callers, as are `Digits::new` and `Layout::write_short` (callgrind:
/// 65 instructions less per `sign_url`, of calls' register saves and argument moves).
#[inline(always)]
pub(crate) fn assemble(
    parts: &UrlParts<'_>,
    canon: &[u8],
    verbatim: bool,
    digest: &[u8; 16],
    p: &Resolved<'_>,
    max_request_len: usize,
) -> Result<String> {
    let cap = parts.origin.len()
        + canon.len() * if verbatim { 1 } else { 3 }
        + 1
        + parts.query.map_or(0, |q| q.len() * 3 + 1)
        + "md5=".len()
        + TOKEN_LEN
        + p.expires_text.param().len()
        + "&speed=".len()
        + p.speed.len()
        + "&buffer=".len()
        + p.buffer.len()
        + parts.fragment.len() * 3;
    let mut out = AsciiWriter::with_capacity(cap);
    let target = write_signed(parts, canon, verbatim, digest, p, &mut out);
    debug_assert!(out.len() <= cap);
    check_request_len(target, max_request_len)?;
    Ok(out.into_string())
}

/// Refuses a signed link whose request line the edge would answer 414 to.
#[inline]
pub(crate) fn check_request_len(target_len: usize, max: usize) -> Result<()> {
    let len = request::line_len(target_len);
    if len > max {
        return Err(Error::RequestTooLong { len, max });
    }
    Ok(())
}

/// Appends the signed URL: origin, encoded path, kept query, new parameters, fragment.
/// `verbatim` says the canonical path is the URL's own path text and needs no escaping.
/// Returns the length of the request target (path and query) it wrote.
pub(crate) fn write_signed(
    parts: &UrlParts<'_>,
    canon: &[u8],
    verbatim: bool,
    digest: &[u8; 16],
    p: &Resolved<'_>,
    out: &mut AsciiWriter,
) -> usize {
    let target_start = out.len() + parts.origin.len();
    if verbatim {
        // The URL's own origin and path in one copy (one `memcpy` call less per link).
        out.push_str(parts.head);
        if parts.path.is_empty() {
            out.push(b'/');
        }
    } else {
        out.push_str(parts.origin);
        path::encode_into(canon, out);
    }
    if parts.query.is_some_and(|q| !q.is_empty()) {
        out.push(b'?');
        for q in kept_params(parts, p.kind) {
            url::push_query_text(q, out);
            out.push(b'&');
        }
        out.push_str("md5=");
    } else {
        out.push_str("?md5=");
    }
    out.push_token(digest);
    out.push_ascii(p.expires_text.param());
    if !p.speed.is_empty() {
        out.push_str("&speed=");
        out.push_str(p.speed);
    }
    if !p.buffer.is_empty() {
        out.push_str("&buffer=");
        out.push_str(p.buffer);
    }
    let target_len = out.len() - target_start;
    if !parts.fragment.is_empty() {
        url::push_query_text(parts.fragment, out);
    }
    target_len
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `into_string` trusts the writers to produce UTF-8: non-ASCII in every part of a URL,
    /// signed one by one and in a batch, must come out valid (debug builds also assert it
    /// inside `into_string`) and decode back to the input's text.
    #[test]
    fn signed_urls_are_utf8_whatever_the_input() {
        let signer = Signer::new("utf8-test-key").unwrap();
        let urls = [
            "https://bücher.example/straße/ä ö.jpg?q=ü&x=€&md5=old#frag-ß",
            "//ホスト.example/パス/ファイル.mp4?名前=値#断片",
            "/a/é/../ü%20b/😀.png?😀=😀",
            "/plain/path.ts",
            "https://h.example/x?%C3%A9=%FF#%zz é",
        ];
        for kind in [TokenKind::File, TokenKind::Directory, TokenKind::Mp4] {
            let opts = SignOptions {
                expires: Some(2_000_000_000),
                now: Some(1_700_000_000),
                kind,
                speed: (kind == TokenKind::Mp4).then_some("1m"),
                ..Default::default()
            };
            let batch = signer.sign_many_joined(&urls, &opts).unwrap();
            for (u, b) in urls.iter().zip(batch.iter()) {
                let one = signer.sign_url(u, &opts).unwrap();
                assert!(std::str::from_utf8(one.as_bytes()).is_ok(), "{u}");
                assert_eq!(one, b, "{u}");
                // Host (origin) text is kept as it was; everything else non-ASCII is escaped.
                let origin_end = one.find("//").map_or(0, |i| {
                    i + 2 + one[i + 2..].find('/').unwrap_or(one.len() - i - 2)
                });
                assert!(one[origin_end..].is_ascii(), "{one}");
            }
        }
    }
}
