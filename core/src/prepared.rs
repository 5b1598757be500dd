//! Sign options checked once into a [`Prepared`] request, and the expiry rules.

use crate::codec::Digits;
use crate::error::{Error, Result};
use crate::ip::CanonicalIp;
use crate::layout::Layout;
use crate::options::{Clock, SignOptions, TokenKind};
use crate::signer::{stream_kind_error, Signer};

/// Expiry values above this are taken for milliseconds (10^11 s is the year 5138).
pub const MAX_EXPIRES: i64 = 100_000_000_000;

pub(crate) fn check_ttl(ttl: i64, now: i64) -> Result<i64> {
    if ttl <= 0 {
        return Err(Error::TtlNotPositive { value: ttl });
    }
    match now.checked_add(ttl) {
        // A `now` far in the past (negative) gives an expiry the edge reads as malformed.
        Some(e) if e <= 0 => Err(Error::ExpiresNotPositive { value: e }),
        Some(e) if e <= MAX_EXPIRES && ttl <= MAX_EXPIRES => Ok(e),
        _ => Err(Error::TtlTooLarge { value: ttl }),
    }
}

pub(crate) fn check_speed_buffer<'a>(name: &'static str, v: Option<&'a str>) -> Result<&'a str> {
    match v {
        None => Ok(""),
        Some(s) if s.is_empty() || s.len() > 32 => Err(Error::Argument {
            name,
            reason: "must be 1 to 32 characters",
        }),
        Some(s) if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') => {
            Err(Error::Argument {
                name,
                reason: "may contain only letters, digits and '.' (for example 1m or 500k)",
            })
        }
        Some(s) => Ok(s),
    }
}

pub(crate) fn check_stream_ids<'a>(account: &'a str, id: &'a str) -> Result<()> {
    if account.is_empty() || account.len() > 20 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Argument {
            name: "account",
            reason: "must be the numeric account (client) id",
        });
    }
    if id.is_empty()
        || id.len() > 128
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::Argument {
            name: "video or stream id",
            reason: "must be 1 to 128 letters, digits, '-' or '_'",
        });
    }
    Ok(())
}

/// The expiry of a prepared request.
#[derive(Clone, Copy, Debug)]
enum Expiry {
    /// Checked when prepared (an absolute `expires`, or a `ttl` from a given `now`).
    Fixed(Digits),
    /// A lifetime from the signer's clock, resolved at every call (or batch); with the
    /// digits of the expiry it gave when prepared, reused while the clock gives the same
    /// expiry (`sign_url` with a lifetime then formats them once, not twice).
    Ttl(i64, Digits),
}

/// Sign options checked once, owned, for any number of calls: the canonical client IP, the
/// token kind, MP4 speed / buffer, and the expiry (fixed, with its digits, or a lifetime
/// resolved per call from the signer's clock). Made by [`Signer::prepare`]; a face makes one
/// per options object and reuses it.
#[derive(Clone, Debug)]
pub struct Prepared {
    kind: TokenKind,
    expiry: Expiry,
    /// [`CanonicalIp::NONE`] when the links are not bound to a client address.
    ip: CanonicalIp,
    /// MP4 speed and buffer (either may be empty); `None` for the other kinds, so that
    /// preparing them builds and drops no text.
    mp4: Option<(Box<str>, Box<str>)>,
}

impl Prepared {
    /// The token kind.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The options as one call uses them: the expiry resolved now.
    #[inline]
    pub(crate) fn resolve(&self, clock: &dyn Clock) -> Result<Resolved<'_>> {
        let expires_text = match self.expiry {
            Expiry::Fixed(d) => d,
            Expiry::Ttl(t, d) => match check_ttl(t, clock.now())? {
                e if e == d.value => d,
                e => Digits::new(e),
            },
        };
        Ok(Resolved {
            expires: expires_text.value,
            expires_text,
            ip: self.ip,
            kind: self.kind,
            speed: self.mp4.as_ref().map_or("", |m| &m.0),
            buffer: self.mp4.as_ref().map_or("", |m| &m.1),
        })
    }
}

/// Sign options as one call (or one batch) uses them: checked, the expiry resolved, the
/// MP4 text borrowed from the options or from a [`Prepared`].
#[derive(Clone, Copy)]
pub(crate) struct Resolved<'o> {
    pub(crate) expires: i64,
    pub(crate) expires_text: Digits,
    /// The canonical client IP, held inline (no allocation for a one-off call);
    /// [`CanonicalIp::NONE`] for none.
    pub(crate) ip: CanonicalIp,
    pub(crate) kind: TokenKind,
    pub(crate) speed: &'o str,
    pub(crate) buffer: &'o str,
}

impl Resolved<'_> {
    /// The canonical client IP text, or empty.
    pub(crate) fn ip_bytes(&self) -> &[u8] {
        self.ip.as_bytes()
    }

    /// The query-token layout of `path` (a canonical path) with these options.
    #[inline]
    pub(crate) fn layout<'a>(&'a self, path: &'a [u8]) -> Layout<'a> {
        Layout::query(
            self.kind,
            path,
            self.expires_text.as_bytes(),
            self.ip_bytes(),
            self.speed.as_bytes(),
            self.buffer.as_bytes(),
        )
    }
}

impl Signer {
    /// Checks an absolute expiry against the CDN's rules.
    pub fn check_expires(&self, expires: i64, now: i64) -> Result<i64> {
        if expires <= 0 {
            return Err(Error::ExpiresNotPositive { value: expires });
        }
        if expires > MAX_EXPIRES {
            return Err(Error::ExpiresMilliseconds { value: expires });
        }
        if !self.allow_past && expires < now {
            return Err(Error::ExpiresInPast { expires, now });
        }
        Ok(expires)
    }

    /// The absolute expiry that `opts` asks for.
    #[inline]
    pub fn resolve_expires(&self, opts: &SignOptions<'_>) -> Result<i64> {
        let now = opts.now.unwrap_or_else(|| self.clock.now());
        match (opts.expires, opts.ttl) {
            (Some(_), Some(_)) => Err(Error::ExpiresAndTtl),
            (Some(e), None) => self.check_expires(e, now),
            (None, Some(t)) => check_ttl(t, now),
            (None, None) => match self.default_ttl {
                Some(t) => check_ttl(t, now),
                None => Err(Error::ExpiresMissing),
            },
        }
    }

    /// Checks `opts` once into a request that any number of calls can sign with
    /// ([`Signer::sign_prepared`], [`Signer::sign_many_prepared`], [`Signer::sign_joined`]).
    /// An absolute expiry is checked now (against `opts.now` or the clock); a lifetime without
    /// `now` (or the signer's default lifetime) is checked now and resolved again from the
    /// clock at every call. Stream tokens are refused: they go in the path
    /// ([`Signer::stream_url`]).
    #[inline]
    pub fn prepare(&self, opts: &SignOptions<'_>) -> Result<Prepared> {
        if opts.kind == TokenKind::Stream {
            return Err(stream_kind_error());
        }
        self.prepare_any(opts)
    }

    /// [`Signer::prepare`] for any kind (stream tokens hash the same fields).
    #[inline]
    pub(crate) fn prepare_any(&self, opts: &SignOptions<'_>) -> Result<Prepared> {
        let r = self.resolve_any(opts)?;
        let ttl = match (opts.expires, opts.ttl, opts.now) {
            (None, Some(t), None) => Some(t),
            (None, None, None) => self.default_ttl,
            _ => None,
        };
        Ok(Prepared {
            kind: r.kind,
            expiry: match ttl {
                Some(t) => Expiry::Ttl(t, r.expires_text),
                None => Expiry::Fixed(r.expires_text),
            },
            ip: r.ip,
            mp4: (r.kind == TokenKind::Mp4).then(|| (r.speed.into(), r.buffer.into())),
        })
    }

    /// The options of one call checked and resolved now, borrowing their text: what
    /// `sign_url` and `sign_many` sign with directly (no [`Prepared`] built and dropped).
    /// Stream tokens are refused, as by [`Signer::prepare`].
    #[inline(always)]
    pub(crate) fn resolve_now<'o>(&self, opts: &SignOptions<'o>) -> Result<Resolved<'o>> {
        if opts.kind == TokenKind::Stream {
            return Err(stream_kind_error());
        }
        self.resolve_any(opts)
    }

    /// The one check of sign options, for any kind ([`Signer::prepare_any`] keeps it).
    #[inline(always)]
    pub(crate) fn resolve_any<'o>(&self, opts: &SignOptions<'o>) -> Result<Resolved<'o>> {
        let expires = self.resolve_expires(opts)?;
        let ip = match opts.ip {
            Some(text) => CanonicalIp::parse(text)?,
            None => CanonicalIp::NONE,
        };
        let (speed, buffer) = if opts.kind == TokenKind::Mp4 {
            (
                check_speed_buffer("speed", opts.speed)?,
                check_speed_buffer("buffer", opts.buffer)?,
            )
        } else if opts.speed.is_some() || opts.buffer.is_some() {
            return Err(Error::Argument {
                name: "speed/buffer",
                reason: "apply to MP4 tokens only (kind mp4)",
            });
        } else {
            ("", "")
        };
        Ok(Resolved {
            expires,
            expires_text: Digits::new(expires),
            ip,
            kind: opts.kind,
            speed,
            buffer,
        })
    }
}
