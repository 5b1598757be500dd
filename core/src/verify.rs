//! Verifying (a link held, a request received) and explaining: the one place a token is
//! checked.

use subtle::ConstantTimeEq;

use crate::codec::{decode_token, encode_token, parse_expires, token_str};
use crate::error::{Error, Result};
use crate::ip::CanonicalIp;
use crate::layout::Layout;
use crate::options::{StreamKind, TokenKind, VerifyOptions};
use crate::path::{self, PathBytes, PathInput};
use crate::request::{self, Refusal};
use crate::signer::Signer;
use crate::url;
use crate::verdict::{ExplainOptions, Explanation, InvalidReason, Verdict};

impl Signer {
    /// Checks a link I hold (an absolute URL or a path-and-query, as [`Signer::sign_url`]
    /// takes it) as the edge would judge the request a browser makes for it. A link that starts
    /// with `//` is a path, as the edge reads such a request target (`//private/x.jpg` is
    /// `/private/x.jpg`), never a scheme-relative URL with a host. A fragment is not sent, so
    /// it is ignored. Errors are for bad arguments (a malformed client IP); everything about the
    /// link itself is a [`Verdict`].
    ///
    /// For what a server received, use [`Signer::verify_request`].
    pub fn verify(&self, url: &str, opts: &VerifyOptions<'_>) -> Result<Verdict> {
        let ip = opts.ip.map(CanonicalIp::parse).transpose()?;
        let ip = ip.as_ref().map_or(&b""[..], |i| i.as_bytes());
        let parts = match url::split(url) {
            Ok(p) => p,
            // Longer than any URL taken (32 KiB): far over any request line limit too.
            Err(Error::UrlTooLong { .. }) => {
                return Ok(Verdict::Invalid(InvalidReason::UriTooLong))
            }
            Err(e) => return Ok(Verdict::Invalid(InvalidReason::BadRequest(e))),
        };
        // The target a browser sends: path and query, with what it escapes (spaces, bytes
        // >= 0x80, ...) counted as escapes.
        let target_len =
            url::sent_len(parts.path_or_root()) + parts.query.map_or(0, |q| 1 + url::sent_len(q));
        if request::line_len(target_len) > self.max_request_len {
            return Ok(Verdict::Invalid(InvalidReason::UriTooLong));
        }
        let mut canon = PathBytes::new();
        if let Err(e) = path::canonicalize(
            parts.path_or_root().as_bytes(),
            PathInput::Request,
            &mut canon,
        ) {
            return Ok(Verdict::Invalid(InvalidReason::BadRequest(e)));
        }
        let query = parts.query.unwrap_or("").as_bytes();
        Ok(self.judge(&canon, query, ip, opts))
    }

    /// Judges what a server received: the request target of the request line, as bytes,
    /// exactly as nginx 1.22 reads it (see the table in the crate's `request` module docs):
    /// origin form (`/path?query`; a leading `//` is part of the path) or absolute form
    /// (`http://host/path?query`). Raw bytes >= 0x80 are hashed as they are, valid UTF-8 or
    /// not. Never fails and never panics: a target nginx answers 400 to is
    /// `Invalid(BadRequest)`, one whose request line `GET {target} HTTP/1.1\r\n` is longer
    /// than [`SignerBuilder::max_request_len`] is `Invalid(UriTooLong)` (414), a malformed
    /// `opts.ip` is `Invalid(BadClientIp)`.
    pub fn verify_request(&self, target: &[u8], opts: &VerifyOptions<'_>) -> Verdict {
        let t = match request::read(target, self.max_request_len) {
            Ok(t) => t,
            Err(Refusal::TooLong) => return Verdict::Invalid(InvalidReason::UriTooLong),
            Err(Refusal::Bad(e)) => return Verdict::Invalid(InvalidReason::BadRequest(e)),
        };
        let mut canon = PathBytes::new();
        if let Err(e) = path::canonicalize(t.path, PathInput::Request, &mut canon) {
            return Verdict::Invalid(InvalidReason::BadRequest(e));
        }
        self.judge_with_ip(&canon, t.query.unwrap_or(b""), opts)
    }

    /// Like [`Signer::verify_request`], for frameworks that hand over only the
    /// percent-decoded path (WSGI `PATH_INFO` as its raw bytes:
    /// `environ["PATH_INFO"].encode("latin-1")`) and the raw, undecoded query string. The
    /// path is normalized as the edge does (`//` merged, dot segments resolved; `%` is an
    /// ordinary byte here); `%00` (a NUL byte), `..` above the root, a path not starting with
    /// `/` and spaces or control bytes in the query are 400s; an empty path is `/`. The 414
    /// check uses the shortest target a client can have sent for them (bytes that must be
    /// escaped counted as `%XX`). Same verdicts as [`Signer::verify_request`].
    pub fn verify_decoded(&self, path: &[u8], query: &[u8], opts: &VerifyOptions<'_>) -> Verdict {
        if request::line_len(request::min_target_len(path, query)) > self.max_request_len {
            return Verdict::Invalid(InvalidReason::UriTooLong);
        }
        if let Err(Refusal::Bad(e)) = request::check_raw_query(query) {
            return Verdict::Invalid(InvalidReason::BadRequest(e));
        }
        let path = if path.is_empty() { &b"/"[..] } else { path };
        let mut canon = PathBytes::new();
        if let Err(e) = path::canonicalize(path, PathInput::DecodedRequest, &mut canon) {
            return Verdict::Invalid(InvalidReason::BadRequest(e));
        }
        let query = memchr::memchr(b'#', query).map_or(query, |h| &query[..h]);
        self.judge_with_ip(&canon, query, opts)
    }

    /// [`Signer::judge`] with `opts.ip` parsed; a malformed one is a verdict.
    fn judge_with_ip(&self, canon: &[u8], query: &[u8], opts: &VerifyOptions<'_>) -> Verdict {
        let ip = match opts.ip.map(CanonicalIp::parse).transpose() {
            Ok(ip) => ip,
            Err(_) => return Verdict::Invalid(InvalidReason::BadClientIp),
        };
        let ip = ip.as_ref().map_or(&b""[..], |i| i.as_bytes());
        self.judge(canon, query, ip, opts)
    }

    /// The verdict for the canonical path `canon` and the raw query `query` (`$args`):
    /// the one place where a token is checked.
    fn judge(&self, canon: &[u8], query: &[u8], ip: &[u8], opts: &VerifyOptions<'_>) -> Verdict {
        let now = opts.now.unwrap_or_else(|| self.clock.now());
        let found = match opts.kind {
            TokenKind::Stream => match stream_fields(canon) {
                Some(f) => f,
                None => return Verdict::Invalid(InvalidReason::NotAStreamPath),
            },
            _ => {
                let token = url::arg_bytes(query, b"md5").ok_or(InvalidReason::MissingToken);
                let expires =
                    url::arg_bytes(query, b"expires").ok_or(InvalidReason::MissingExpires);
                match (token, expires) {
                    (Ok(t), Ok(e)) => Found::Query {
                        token: t,
                        expires: e,
                        speed: url::arg_bytes(query, b"speed").unwrap_or(b""),
                        buffer: url::arg_bytes(query, b"buffer").unwrap_or(b""),
                    },
                    (Err(r), _) | (_, Err(r)) => return Verdict::Invalid(r),
                }
            }
        };
        let (token_text, expires_text) = found.token_and_expires();
        let Some(expires) = parse_expires(expires_text) else {
            return Verdict::Invalid(InvalidReason::MalformedExpires);
        };
        let Some(wanted) = decode_token(token_text) else {
            return Verdict::Invalid(InvalidReason::MalformedToken);
        };
        let layout = found.layout(opts.kind, canon, ip);
        let mut matched = None;
        for (i, key) in self.keys.iter().enumerate() {
            let d = layout.digest(key.expose());
            // Every key is tried, so the time taken does not say which one matched.
            if bool::from(d.ct_eq(&wanted)) && matched.is_none() {
                matched = Some(i);
            }
        }
        match matched {
            None => Verdict::Invalid(InvalidReason::Mismatch),
            Some(key_index) if expires < now => Verdict::Expired { expires, key_index },
            Some(key_index) => Verdict::Valid { expires, key_index },
        }
    }

    /// Shows what the edge hashes for `url` and the token the signing key gives. The
    /// expiry is the link's own `expires` if it has one, else `opts.expires`.
    pub fn explain(&self, url: &str, opts: &ExplainOptions<'_>) -> Result<Explanation> {
        let parts = url::split(url)?;
        let mut canon = PathBytes::new();
        path::canonicalize(
            parts.path_or_root().as_bytes(),
            PathInput::Encoded,
            &mut canon,
        )?;
        self.explain_canon(&canon, parts.query.unwrap_or("").as_bytes(), opts)
    }

    /// [`Signer::explain`] for what a server received: the request target bytes read
    /// exactly as [`Signer::verify_request`] reads them (`//private/x.jpg` is the path
    /// `/private/x.jpg`, absolute form carries a host). A target the edge answers 400 or 414
    /// to is an error ([`Error::RequestTooLong`] for 414) saying why.
    pub fn explain_request(&self, target: &[u8], opts: &ExplainOptions<'_>) -> Result<Explanation> {
        let t = match request::read(target, self.max_request_len) {
            Ok(t) => t,
            Err(Refusal::TooLong) => {
                return Err(Error::RequestTooLong {
                    len: request::line_len(target.len()),
                    max: self.max_request_len,
                })
            }
            Err(Refusal::Bad(e)) => return Err(e),
        };
        let mut canon = PathBytes::new();
        path::canonicalize(t.path, PathInput::Request, &mut canon)?;
        self.explain_canon(&canon, t.query.unwrap_or(b""), opts)
    }

    /// The explanation for the canonical path `canon` and the raw query `q`.
    fn explain_canon(
        &self,
        canon: &[u8],
        q: &[u8],
        opts: &ExplainOptions<'_>,
    ) -> Result<Explanation> {
        if let Some(e) = opts.expires.filter(|&e| e <= 0) {
            return Err(Error::ExpiresNotPositive { value: e });
        }
        let ip_c = opts.ip.map(CanonicalIp::parse).transpose()?;
        let ip = ip_c.as_ref().map_or(&b""[..], |i| i.as_bytes());
        let mut given = itoa::Buffer::new();
        let given_expires = opts.expires.map(|e| given.format(e).as_bytes());
        let found = match opts.kind {
            TokenKind::Stream => stream_fields(canon).ok_or(Error::Url {
                reason: "is not a Video Streaming path (/{videos|cmaf|mpegts|streams}/{account}_{id}/{token}/{expires}/...)",
            })?,
            _ => Found::Query {
                token: url::arg_bytes(q, b"md5").unwrap_or(b""),
                expires: match url::arg_bytes(q, b"expires") {
                    Some(e) => e,
                    None => given_expires.ok_or(Error::ExpiresMissing)?,
                },
                speed: url::arg_bytes(q, b"speed").unwrap_or(b""),
                buffer: url::arg_bytes(q, b"buffer").unwrap_or(b""),
            },
        };
        let (token_text, expires_text) = found.token_and_expires();
        let layout = found.layout(opts.kind, canon, ip);
        let mut shown = Vec::with_capacity(layout.len(b"***"));
        layout.write(b"***", &mut shown);
        let digest = layout.digest(self.signing_key());
        let expected = encode_token(&digest);
        let found_token =
            (!token_text.is_empty()).then(|| String::from_utf8_lossy(token_text).into_owned());
        let matches = found_token
            .as_ref()
            .map(|t| decode_token(t).is_some_and(|d| bool::from(d.ct_eq(&digest))));
        let hashed_path = match layout {
            Layout::File { path, .. } | Layout::Mp4 { path, .. } => {
                String::from_utf8_lossy(path).into_owned()
            }
            Layout::Stream { account, id, .. } => format!(
                "{}_{}",
                String::from_utf8_lossy(account),
                String::from_utf8_lossy(id)
            ),
        };
        Ok(Explanation {
            kind: opts.kind,
            hashed_path,
            expires: String::from_utf8_lossy(expires_text).into_owned(),
            ip: ip_c.map(|i| i.as_str().to_owned()),
            string_to_sign: String::from_utf8_lossy(&shown).into_owned(),
            expected_token: token_str(&expected).to_owned(),
            found_token,
            matches,
        })
    }
}

/// Token and expiry found in a request, and the fields they are hashed with.
enum Found<'a> {
    Query {
        token: &'a [u8],
        expires: &'a [u8],
        speed: &'a [u8],
        buffer: &'a [u8],
    },
    Stream {
        account: &'a [u8],
        id: &'a [u8],
        token: &'a [u8],
        expires: &'a [u8],
    },
}

impl<'a> Found<'a> {
    fn token_and_expires(&self) -> (&'a [u8], &'a [u8]) {
        match *self {
            Found::Query { token, expires, .. } | Found::Stream { token, expires, .. } => {
                (token, expires)
            }
        }
    }

    fn layout(&self, kind: TokenKind, path: &'a [u8], ip: &'a [u8]) -> Layout<'a> {
        match *self {
            Found::Query {
                expires,
                speed,
                buffer,
                ..
            } => Layout::query(kind, path, expires, ip, speed, buffer),
            Found::Stream {
                account,
                id,
                expires,
                ..
            } => Layout::Stream {
                account,
                id,
                expires,
                ip,
            },
        }
    }
}

/// Splits `/{prefix}/{account}_{id}/{token}/{expires}/...` (at least one segment after the
/// expiry, as the edge serves files there).
fn stream_fields(path: &[u8]) -> Option<Found<'_>> {
    let mut segs = path[1..].split(|&b| b == b'/');
    let prefix = segs.next()?;
    StreamKind::from_prefix(prefix)?;
    let name = segs.next()?;
    let token = segs.next()?;
    let expires = segs.next()?;
    segs.next()?;
    let us = name.iter().position(|&b| b == b'_')?;
    let (account, id) = (&name[..us], &name[us + 1..]);
    if account.is_empty() || id.is_empty() || !account.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(Found::Stream {
        account,
        id,
        token,
        expires,
    })
}
