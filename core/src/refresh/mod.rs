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

mod contract;
mod proxies;
mod response;
#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use crate::signer::Signer;

pub use contract::{RefreshAsk, RefreshRequest};
pub use proxies::TrustedProxies;
pub use response::{RefreshResponse, RefreshToken, Refusal};

/// An `expire` value at or above this is an absolute Unix time, below it a lifetime in seconds
/// (as Gcore's example endpoint reads it). 10^9 s is 2001-09-09: no lifetime is that long and
/// no absolute expiry that early is still in the future.
pub const REFRESH_ABSOLUTE_FROM: i64 = 1_000_000_000;

/// The headers every answer of the endpoint carries.
pub const REFRESH_HEADERS: [(&str, &str); 2] = [
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-store"),
];

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
}
