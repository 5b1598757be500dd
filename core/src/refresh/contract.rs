//! Reading a refresh request: method, query (`video`, `type`, `expire`), client IP.

use crate::ip::CanonicalIp;
use crate::options::StreamKind;
use crate::prepared::MAX_EXPIRES;

use super::{RefreshEndpoint, Refusal, REFRESH_ABSOLUTE_FROM};

/// What a web face received, as plain values.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefreshRequest<'a> {
    /// The HTTP method (`GET`; `HEAD` is answered like `GET`).
    pub method: &'a str,
    /// The raw query string, without `?`, undecoded.
    pub query: &'a [u8],
    /// The peer address of the connection (`203.0.113.42`, `::ffff:127.0.0.1`, `[::1]:5000`).
    pub peer: &'a str,
    /// Every `X-Forwarded-For` header, joined with `,`.
    pub forwarded_for: Option<&'a str>,
    /// The `X-Real-IP` header.
    pub real_ip: Option<&'a str>,
    /// The current Unix time; defaults to the signer's clock.
    pub now: Option<i64>,
}

/// A well-formed ask, before the authorization hook has judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshAsk {
    pub(super) video: String,
    pub(super) stream: StreamKind,
    pub(super) expires: i64,
    pub(super) now: i64,
    pub(super) client_ip: CanonicalIp,
}

impl RefreshAsk {
    /// The video slug or live stream id asked for.
    pub fn video(&self) -> &str {
        &self.video
    }
    /// The layout: [`StreamKind::Vod`] or [`StreamKind::Cmaf`] (live).
    pub fn stream(&self) -> StreamKind {
        self.stream
    }
    /// The query's `type` as the hook sees it: `vod` or `live`.
    pub fn type_name(&self) -> &'static str {
        match self.stream {
            StreamKind::Vod => "vod",
            _ => "live",
        }
    }
    /// The absolute expiry that will be signed.
    pub fn expires(&self) -> i64 {
        self.expires
    }
    /// The client address `token_ip` is bound to.
    pub fn client_ip(&self) -> &str {
        self.client_ip.as_str()
    }
}

impl RefreshEndpoint {
    /// Reads the request: method, query (`video`, `type`, `expire`), client IP. Every client
    /// input ends in an ask or a refusal, never an error or a panic.
    pub fn prepare(&self, req: &RefreshRequest<'_>) -> std::result::Result<RefreshAsk, Refusal> {
        if !(req.method.eq_ignore_ascii_case("GET") || req.method.eq_ignore_ascii_case("HEAD")) {
            return Err(Refusal {
                status: 405,
                code: "method_not_allowed",
                message: "use GET".into(),
            });
        }
        let q = Query::parse(req.query)?;
        let video = q.video.ok_or_else(|| {
            Refusal::bad(
                "missing_video",
                "the query needs video=<video slug or stream id>",
            )
        })?;
        crate::prepared::check_stream_ids(&self.config.account, &video).map_err(|_| {
            Refusal::bad(
                "bad_video",
                "video must be 1 to 128 letters, digits, '-' or '_'",
            )
        })?;
        let stream = match q.kind.as_deref() {
            None | Some("vod") => StreamKind::Vod,
            Some("live") => StreamKind::Cmaf,
            Some(_) => return Err(Refusal::bad("bad_type", "type must be vod or live")),
        };
        let now = req.now.unwrap_or_else(|| self.signer.now());
        let lifetime = match q.expire.as_deref() {
            None => self.config.default_lifetime,
            Some(text) => self.lifetime(text, now)?,
        };
        let client_ip = self
            .config
            .trusted
            .client_ip(req.peer, req.forwarded_for, req.real_ip)?;
        Ok(RefreshAsk {
            video,
            stream,
            expires: now + lifetime,
            now,
            client_ip,
        })
    }

    /// `expire`: a lifetime in seconds, or an absolute Unix time from 10^9 on; cut to the
    /// maximum lifetime.
    fn lifetime(&self, text: &str, now: i64) -> std::result::Result<i64, Refusal> {
        if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Refusal::bad(
                "bad_expire",
                "expire must be a lifetime in seconds or an absolute Unix time in seconds",
            ));
        }
        let v: i64 = text.parse().unwrap_or(i64::MAX);
        let lifetime = if v > MAX_EXPIRES {
            return Err(Refusal::bad(
                "expire_milliseconds",
                "expire looks like milliseconds; give Unix seconds",
            ));
        } else if v >= REFRESH_ABSOLUTE_FROM {
            if v <= now {
                return Err(Refusal::bad(
                    "expire_in_past",
                    "expire is an absolute time that has already passed",
                ));
            }
            v - now
        } else if v == 0 {
            return Err(Refusal::bad(
                "bad_expire",
                "expire must be at least 1 second",
            ));
        } else {
            v
        };
        Ok(lifetime.min(self.config.max_lifetime))
    }
}

struct Query {
    video: Option<String>,
    kind: Option<String>,
    expire: Option<String>,
}

impl Query {
    /// `application/x-www-form-urlencoded` as browsers write it; the first occurrence of a
    /// name wins (as the edge reads `md5`/`expires`); names are case-sensitive.
    fn parse(q: &[u8]) -> std::result::Result<Self, Refusal> {
        let bad = || {
            Refusal::bad(
                "bad_query",
                "the query string is not valid percent-encoded UTF-8",
            )
        };
        if q.len() > 4096 {
            return Err(Refusal::bad("bad_query", "the query string is too long"));
        }
        let mut out = Query {
            video: None,
            kind: None,
            expire: None,
        };
        for pair in q.split(|&b| b == b'&') {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let slot = match name {
                b"video" => &mut out.video,
                b"type" => &mut out.kind,
                b"expire" => &mut out.expire,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(form_decode(value).ok_or_else(bad)?);
            }
        }
        Ok(out)
    }
}

fn form_decode(v: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = |b: u8| (b as char).to_digit(16);
                let hi = h(*v.get(i + 1)?)?;
                let lo = h(*v.get(i + 2)?)?;
                out.push((hi * 16 + lo) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}
