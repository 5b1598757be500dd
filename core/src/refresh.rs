//! The player token-refresh endpoint (issue 16): the one place that decides its contract.
//!
//! A player asks `GET ...?video=ID&type=vod|live&expire=N` and receives
//!
//! ```json
//! {"token":"…","token_ip":"…","client_ip":"203.0.113.42","expires":1700000060,
//!  "url":"https://cdn/videos/{account}_{video}/{token}/{expires}/master.m3u8",
//!  "url_ip":"https://cdn-ip/videos/{account}_{video}/{token_ip}/{expires}/master.m3u8"}
//! ```
//!
//! (one line, no spaces, fields in this order). The web faces only translate: they hand the
//! method, the raw query, the peer address and the two proxy headers to
//! [`RefreshEndpoint::prepare`], ask their authorization hook about the [`RefreshAsk`], and
//! send what [`RefreshEndpoint::respond`] (or [`RefreshEndpoint::refuse`]) returns. Every
//! answer carries `Content-Type: application/json` and `Cache-Control: no-store`.
//!
//! ```
//! use cdn_secure_token::{RefreshConfig, RefreshEndpoint, RefreshRequest, Signer};
//!
//! let signer = Signer::new("my-cdn-key")?;
//! let endpoint = RefreshEndpoint::new(
//!     signer,
//!     RefreshConfig::new("12345", "https://cdn.example.com")?.max_lifetime(120)?,
//! );
//! let req = RefreshRequest {
//!     method: "GET",
//!     query: b"video=abc&type=vod&expire=60",
//!     peer: "203.0.113.42",
//!     now: Some(1_700_000_000),
//!     ..Default::default()
//! };
//! let ask = endpoint.prepare(&req).expect("a good query");
//! assert_eq!(ask.video(), "abc");
//! let answer = endpoint.respond(&ask); // after the authorization hook said yes
//! assert_eq!(answer.status, 200);
//! assert!(answer.body.contains(r#""expires":1700000060,"#));
//! # Ok::<(), cdn_secure_token::Error>(())
//! ```

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::error::{Error, Result};
use crate::ip::CanonicalIp;
use crate::options::{SignOptions, StreamKind};
use crate::prepared::MAX_EXPIRES;
use crate::signer::Signer;

/// An `expire` value at or above this is an absolute Unix time, below it a lifetime in seconds
/// (as Gcore's example endpoint reads it). 10^9 s is 2001-09-09: no lifetime is that long and
/// no absolute expiry that early is still in the future.
pub const REFRESH_ABSOLUTE_FROM: i64 = 1_000_000_000;

/// The headers every answer of the endpoint carries.
pub const REFRESH_HEADERS: [(&str, &str); 2] = [
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-store"),
];

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

/// How the endpoint signs: the account, the CDN hostnames and the lifetime bounds.
#[derive(Debug, Clone)]
pub struct RefreshConfig {
    account: String,
    cdn_url: String,
    cdn_ip_url: String,
    max_lifetime: i64,
    default_lifetime: i64,
    trusted: TrustedProxies,
}

impl RefreshConfig {
    /// `account`: the numeric account (client) id; `cdn_url`: `https://host` of the CDN
    /// resource (or `""` for paths without a host), also used for `url_ip` until [`RefreshConfig::cdn_ip_url`] is set. The
    /// lifetime defaults to 60 s, capped at 3600 s; no proxy is trusted.
    pub fn new(account: &str, cdn_url: &str) -> Result<Self> {
        crate::prepared::check_stream_ids(account, "x")?;
        let cdn_url = check_base(cdn_url, "cdn_url")?;
        Ok(RefreshConfig {
            account: account.to_owned(),
            cdn_ip_url: cdn_url.clone(),
            cdn_url,
            max_lifetime: 3600,
            default_lifetime: 60,
            trusted: TrustedProxies::none(),
        })
    }

    /// The hostname of the IP-bound CDN resource, for `url_ip`.
    pub fn cdn_ip_url(mut self, url: &str) -> Result<Self> {
        self.cdn_ip_url = check_base(url, "cdn_ip_url")?;
        Ok(self)
    }

    /// The longest lifetime the endpoint signs; longer asks are cut to it.
    pub fn max_lifetime(mut self, seconds: i64) -> Result<Self> {
        if seconds <= 0 || seconds >= REFRESH_ABSOLUTE_FROM {
            return Err(Error::Argument {
                name: "max_lifetime",
                reason: "must be a positive number of seconds below 10^9",
            });
        }
        self.max_lifetime = seconds;
        self.default_lifetime = self.default_lifetime.min(seconds);
        Ok(self)
    }

    /// The lifetime when the query has no `expire` (cut to the maximum).
    pub fn default_lifetime(mut self, seconds: i64) -> Result<Self> {
        if seconds <= 0 || seconds >= REFRESH_ABSOLUTE_FROM {
            return Err(Error::Argument {
                name: "default_lifetime",
                reason: "must be a positive number of seconds below 10^9",
            });
        }
        self.default_lifetime = seconds.min(self.max_lifetime);
        Ok(self)
    }

    /// The proxies whose `X-Forwarded-For` / `X-Real-IP` are believed.
    pub fn trusted_proxies(mut self, trusted: TrustedProxies) -> Self {
        self.trusted = trusted;
        self
    }

    /// The maximum lifetime in seconds.
    pub fn max_lifetime_seconds(&self) -> i64 {
        self.max_lifetime
    }

    /// The proxies trusted for the client IP.
    pub fn trusted(&self) -> &TrustedProxies {
        &self.trusted
    }
}

fn check_base(url: &str, name: &'static str) -> Result<String> {
    let bad = Error::Argument {
        name,
        reason: "must be http(s)://host[:port] without a path, query or credentials",
    };
    let url = url.trim_end_matches('/');
    if url.is_empty() {
        // Paths only (`/videos/...`), for a page served from the CDN hostname itself.
        return Ok(String::new());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad.clone())?;
    if rest.is_empty()
        || rest
            .bytes()
            .any(|b| !(b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)))
    {
        return Err(bad);
    }
    Ok(url.to_owned())
}

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
    video: String,
    stream: StreamKind,
    expires: i64,
    now: i64,
    client_ip: CanonicalIp,
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

/// A refusal: its HTTP status, a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 400, 403, 405 (or 500 when the server handed over a bad peer address).
    pub status: u16,
    /// `bad_query`, `missing_video`, `bad_video`, `bad_type`, `bad_expire`,
    /// `expire_milliseconds`, `expire_in_past`, `bad_client_ip`, `forbidden`,
    /// `method_not_allowed`, `bad_peer_address`.
    pub code: &'static str,
    /// Human text; never holds the key.
    pub message: String,
}

impl Refusal {
    fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status: 400,
            code,
            message: message.into(),
        }
    }

    /// The answer for it.
    pub fn to_response(&self) -> RefreshResponse {
        let mut body = String::with_capacity(48 + self.message.len());
        body.push_str("{\"error\":");
        json_str(&mut body, self.code);
        body.push_str(",\"message\":");
        json_str(&mut body, &self.message);
        body.push('}');
        RefreshResponse {
            status: self.status,
            body,
            allow_get: self.status == 405,
        }
    }
}

/// What the face sends: the status, [`REFRESH_HEADERS`] (plus `Allow: GET, HEAD` on 405) and
/// the JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshResponse {
    /// 200, 400, 403, 405 or 500.
    pub status: u16,
    /// The JSON text.
    pub body: String,
    allow_get: bool,
}

impl RefreshResponse {
    /// Every header to send, in order.
    pub fn headers(&self) -> Vec<(&'static str, &'static str)> {
        let mut h = REFRESH_HEADERS.to_vec();
        if self.allow_get {
            h.push(("Allow", "GET, HEAD"));
        }
        h
    }
}

/// The signed answer: both path tokens, the common expiry, and both master playlist URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// Path token without IP.
    pub token: String,
    /// Path token bound to `client_ip` (`None` only from [`RefreshToken::sign`] without an IP,
    /// as the CLI signs; the endpoint always binds one).
    pub token_ip: Option<String>,
    /// The client address as the edge writes it.
    pub client_ip: Option<String>,
    /// The common expiry, Unix seconds.
    pub expires: i64,
    /// The master playlist on the plain hostname.
    pub url: String,
    /// The master playlist on the IP-bound hostname.
    pub url_ip: Option<String>,
}

impl RefreshToken {
    /// Signs the contract for one video or stream of `config`'s account: `opts` gives the
    /// expiry (and `now`), `client_ip` the address `token_ip` is bound to (none: the IP-bound
    /// fields are `null`), `file` the file after the expiry (default the master playlist).
    /// The building block of [`RefreshEndpoint::respond`] and of the CLI's `stream --json`.
    pub fn sign(
        signer: &Signer,
        config: &RefreshConfig,
        stream: StreamKind,
        video: &str,
        file: Option<&str>,
        client_ip: Option<&str>,
        opts: &SignOptions<'_>,
    ) -> Result<Self> {
        let client_ip = client_ip.map(CanonicalIp::parse).transpose()?;
        // One expiry for both tokens, resolved once.
        let expires = signer.resolve_expires(opts)?;
        let plain = SignOptions {
            expires: Some(expires),
            ttl: None,
            ip: None,
            ..*opts
        };
        let account = config.account.as_str();
        let token = signer.stream_token(account, video, &plain)?;
        let url = signer.stream_url(&config.cdn_url, stream, account, video, file, &plain)?;
        let (mut token_ip, mut url_ip) = (None, None);
        if let Some(ip) = &client_ip {
            let bound = SignOptions {
                ip: Some(ip.as_str()),
                ..plain
            };
            token_ip = Some(signer.stream_token(account, video, &bound)?.token);
            url_ip = Some(signer.stream_url(
                &config.cdn_ip_url,
                stream,
                account,
                video,
                file,
                &bound,
            )?);
        }
        Ok(RefreshToken {
            token: token.token,
            token_ip,
            client_ip: client_ip.map(|ip| ip.as_str().to_owned()),
            expires,
            url,
            url_ip,
        })
    }

    /// The contract's JSON: one line, no spaces, `token, token_ip, client_ip, expires, url,
    /// url_ip` in this order.
    pub fn to_json(&self) -> String {
        let mut s = String::with_capacity(96 + 2 * self.url.len());
        s.push_str("{\"token\":");
        json_str(&mut s, &self.token);
        s.push_str(",\"token_ip\":");
        json_opt(&mut s, self.token_ip.as_deref());
        s.push_str(",\"client_ip\":");
        json_opt(&mut s, self.client_ip.as_deref());
        let _ = write!(s, ",\"expires\":{}", self.expires);
        s.push_str(",\"url\":");
        json_str(&mut s, &self.url);
        s.push_str(",\"url_ip\":");
        json_opt(&mut s, self.url_ip.as_deref());
        s.push('}');
        s
    }
}

fn json_opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => json_str(out, s),
        None => out.push_str("null"),
    }
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The endpoint: a signer and its configuration. Cheap to clone, `Send + Sync`.
#[derive(Debug, Clone)]
pub struct RefreshEndpoint {
    signer: Signer,
    config: RefreshConfig,
}

impl RefreshEndpoint {
    /// The endpoint over `signer` (its first key signs).
    pub fn new(signer: Signer, config: RefreshConfig) -> Self {
        RefreshEndpoint { signer, config }
    }

    /// The configuration.
    pub fn config(&self) -> &RefreshConfig {
        &self.config
    }

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

    /// The signed answer for an ask the authorization hook allowed.
    pub fn respond(&self, ask: &RefreshAsk) -> RefreshResponse {
        match self.sign(ask) {
            Ok(t) => RefreshResponse {
                status: 200,
                body: t.to_json(),
                allow_get: false,
            },
            // `prepare` checked every input, so this is a configuration the signer refuses
            // (e.g. a link over the request-line limit): no token, a plain error.
            Err(e) => Refusal {
                status: 500,
                code: "cannot_sign",
                message: e.to_string(),
            }
            .to_response(),
        }
    }

    /// The contract for an allowed ask, as a value.
    pub fn sign(&self, ask: &RefreshAsk) -> Result<RefreshToken> {
        RefreshToken::sign(
            &self.signer,
            &self.config,
            ask.stream,
            &ask.video,
            None,
            Some(ask.client_ip.as_str()),
            &SignOptions {
                expires: Some(ask.expires),
                now: Some(ask.now),
                ..Default::default()
            },
        )
    }

    /// The answer for an ask the authorization hook denied (403).
    pub fn refuse(&self) -> RefreshResponse {
        Refusal {
            status: 403,
            code: "forbidden",
            message: "not authorized for this video".into(),
        }
        .to_response()
    }

    /// The whole exchange with the hook's verdict given as a function: what faces whose hook
    /// is a plain callable can use in one call.
    pub fn handle(
        &self,
        req: &RefreshRequest<'_>,
        allow: impl FnOnce(&RefreshAsk) -> bool,
    ) -> RefreshResponse {
        match self.prepare(req) {
            Err(r) => r.to_response(),
            Ok(ask) if allow(&ask) => self.respond(&ask),
            Ok(_) => self.refuse(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> RefreshEndpoint {
        RefreshEndpoint::new(
            Signer::new("my-cdn-key").unwrap(),
            RefreshConfig::new("12345", "https://cdn.example.com")
                .unwrap()
                .cdn_ip_url("https://cdn-ip.example.com/")
                .unwrap()
                .max_lifetime(120)
                .unwrap()
                .trusted_proxies(TrustedProxies::new(["10.0.0.0/8", "::1"]).unwrap()),
        )
    }

    fn req(query: &'static str) -> RefreshRequest<'static> {
        RefreshRequest {
            method: "GET",
            query: query.as_bytes(),
            peer: "203.0.113.42",
            now: Some(1_700_000_000),
            ..Default::default()
        }
    }

    /// Expected tokens: the hash strings of scheme.md's table written out by hand, hashed with
    /// Python's hashlib (`12345_abc_my-cdn-key_1700000060_` and the same with the IP).
    #[test]
    fn contract_json_field_for_field() {
        let e = endpoint();
        let ask = e.prepare(&req("video=abc&type=vod&expire=60")).unwrap();
        let r = e.respond(&ask);
        assert_eq!(r.status, 200);
        let t = "DeQNSTY6SsSWbCkrvYGxpQ";
        let ti = "xnuFG_ooYVHwranuP1EzSg";
        assert_eq!(
            r.body,
            format!(
                "{{\"token\":\"{t}\",\"token_ip\":\"{ti}\",\"client_ip\":\"203.0.113.42\",\
                 \"expires\":1700000060,\
                 \"url\":\"https://cdn.example.com/videos/12345_abc/{t}/1700000060/master.m3u8\",\
                 \"url_ip\":\"https://cdn-ip.example.com/videos/12345_abc/{ti}/1700000060/master.m3u8\"}}"
            )
        );
        assert_eq!(
            r.headers(),
            vec![
                ("Content-Type", "application/json"),
                ("Cache-Control", "no-store")
            ]
        );
    }

    #[test]
    fn live_goes_to_cmaf() {
        let e = endpoint();
        let ask = e.prepare(&req("video=s1&type=live")).unwrap();
        assert_eq!(ask.type_name(), "live");
        assert!(e.respond(&ask).body.contains("/cmaf/12345_s1/"));
    }

    #[test]
    fn expire_is_lifetime_or_absolute_and_capped() {
        let e = endpoint();
        let exp = |q| e.prepare(&req(q)).map(|a| a.expires());
        assert_eq!(exp("video=a"), Ok(1_700_000_060)); // default 60
        assert_eq!(exp("video=a&expire=30"), Ok(1_700_000_030));
        assert_eq!(exp("video=a&expire=100000"), Ok(1_700_000_120)); // cap
        assert_eq!(exp("video=a&expire=1700000090"), Ok(1_700_000_090)); // absolute
        assert_eq!(exp("video=a&expire=1800000000"), Ok(1_700_000_120)); // absolute, capped
        assert_eq!(exp("video=a&expire=30&expire=90"), Ok(1_700_000_030)); // first wins
        let code = |q| e.prepare(&req(q)).unwrap_err().code;
        assert_eq!(code("video=a&expire=1700000000000"), "expire_milliseconds");
        assert_eq!(code("video=a&expire=1600000000"), "expire_in_past");
        assert_eq!(code("video=a&expire=1700000000"), "expire_in_past");
        assert_eq!(code("video=a&expire=0"), "bad_expire");
        assert_eq!(code("video=a&expire=-5"), "bad_expire");
        assert_eq!(code("video=a&expire=1e3"), "bad_expire");
        assert_eq!(code("video=a&expire=99999999999999999999"), "bad_expire");
        assert_eq!(code("video=a&expire="), "bad_expire");
    }

    #[test]
    fn bad_queries_are_400_json() {
        let e = endpoint();
        for (q, code) in [
            ("", "missing_video"),
            ("type=vod", "missing_video"),
            ("video=", "bad_video"),
            ("video=../x", "bad_video"),
            ("video=a%2Fb", "bad_video"),
            ("video=a&type=mp4", "bad_type"),
            ("video=%ff", "bad_query"),
            ("video=%zz", "bad_query"),
            ("video=%4", "bad_query"),
        ] {
            let r = e.handle(&req(q), |_| true);
            assert_eq!(r.status, 400, "{q}");
            assert!(
                r.body.starts_with(&format!("{{\"error\":\"{code}\",")),
                "{q}: {}",
                r.body
            );
            assert!(!r.body.contains("my-cdn-key"));
        }
        let post = RefreshRequest {
            method: "POST",
            ..req("video=a")
        };
        let r = e.handle(&post, |_| true);
        assert_eq!(r.status, 405);
        assert!(r.headers().contains(&("Allow", "GET, HEAD")));
    }

    #[test]
    fn denied_is_403_and_signs_nothing() {
        let e = endpoint();
        let mut seen = None;
        let r = e.handle(&req("video=secret&type=live"), |a| {
            seen = Some((a.video().to_owned(), a.type_name()));
            false
        });
        assert_eq!(seen, Some(("secret".to_owned(), "live")));
        assert_eq!(r.status, 403);
        assert_eq!(
            r.body,
            r#"{"error":"forbidden","message":"not authorized for this video"}"#
        );
    }

    #[test]
    fn client_ip_rule() {
        let t = TrustedProxies::new(["10.0.0.0/8", "::1", "192.0.2.0/24"]).unwrap();
        let ip = |peer, xff, xri| t.client_ip(peer, xff, xri).map(|c| c.as_str().to_owned());
        // Untrusted peer: headers ignored.
        assert_eq!(
            ip("203.0.113.9", Some("1.2.3.4"), Some("5.6.7.8")).unwrap(),
            "203.0.113.9"
        );
        // Trusted peer: rightmost untrusted XFF entry.
        assert_eq!(
            ip("10.1.2.3", Some("6.6.6.6, 198.51.100.7, 10.9.9.9"), None).unwrap(),
            "198.51.100.7"
        );
        // All XFF entries trusted: the leftmost.
        assert_eq!(
            ip("::1", Some("10.0.0.2,192.0.2.5"), None).unwrap(),
            "10.0.0.2"
        );
        // XFF with ports and brackets, and IPv6 canonicalized.
        assert_eq!(
            ip("::1", Some("[2001:DB8:0:0::1]:443"), None).unwrap(),
            "2001:db8::1"
        );
        // No XFF: X-Real-IP.
        assert_eq!(
            ip("10.0.0.1", None, Some(" 198.51.100.8 ")).unwrap(),
            "198.51.100.8"
        );
        assert_eq!(ip("10.0.0.1", Some(" "), None).unwrap(), "10.0.0.1");
        // A dual-stack socket's IPv4-mapped peer is the IPv4 address.
        assert_eq!(ip("::ffff:203.0.113.9", None, None).unwrap(), "203.0.113.9");
        assert_eq!(
            ip("::ffff:10.0.0.1", Some("1.1.1.1"), None).unwrap(),
            "1.1.1.1"
        );
        assert_eq!(ip("[::1]:5000", Some("1.1.1.1"), None).unwrap(), "1.1.1.1");
        // Malformed where the client should be: 400.
        let e = ip("10.0.0.1", Some("evil, 10.0.0.3"), None).unwrap_err();
        assert_eq!((e.status, e.code), (400, "bad_client_ip"));
        assert_eq!(ip("10.0.0.1", None, Some("x")).unwrap_err().status, 400);
        // A garbage peer is the server's fault.
        assert_eq!(ip("nope", None, None).unwrap_err().status, 500);
        // Network edges.
        assert_eq!(ip("11.0.0.1", Some("1.1.1.1"), None).unwrap(), "11.0.0.1");
        assert_eq!(ip("192.0.2.255", Some("1.1.1.1"), None).unwrap(), "1.1.1.1");
        assert_eq!(ip("192.0.3.0", Some("1.1.1.1"), None).unwrap(), "192.0.3.0");
        assert_eq!(ip("::2", Some("1.1.1.1"), None).unwrap(), "::2");
        let all = TrustedProxies::new(["0.0.0.0/0"]).unwrap();
        assert_eq!(
            all.client_ip("8.8.8.8", Some("1.1.1.1"), None)
                .unwrap()
                .as_str(),
            "1.1.1.1"
        );
        assert!(TrustedProxies::new(["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::new(["10.0.0.0/"]).is_err());
        assert!(TrustedProxies::new(["nope"]).is_err());
        let v6 = TrustedProxies::new(["2001:db8::/32"]).unwrap();
        assert_eq!(
            v6.client_ip("2001:db8:ffff::1", Some("1.1.1.1"), None)
                .unwrap()
                .as_str(),
            "1.1.1.1"
        );
        assert_eq!(
            v6.client_ip("2001:db9::1", Some("1.1.1.1"), None)
                .unwrap()
                .as_str(),
            "2001:db9::1"
        );
    }

    #[test]
    fn config_is_checked() {
        assert!(RefreshConfig::new("abc", "https://cdn").is_err());
        assert!(RefreshConfig::new("1", "cdn.example.com").is_err());
        assert!(RefreshConfig::new("1", "https://cdn/x").is_err());
        assert!(RefreshConfig::new("1", "https://u:p@cdn").is_err());
        assert!(RefreshConfig::new("1", "https://cdn")
            .unwrap()
            .max_lifetime(0)
            .is_err());
        assert!(RefreshConfig::new("1", "http://127.0.0.1:8080").is_ok());
        assert!(RefreshConfig::new("1", "").is_ok());
    }
}
