//! The endpoint's answers: the signed contract as JSON, refusals, the exchange as a whole.

use std::fmt::Write as _;

use crate::error::Result;
use crate::ip::CanonicalIp;
use crate::options::{SignOptions, StreamKind};
use crate::signer::Signer;

use super::{RefreshAsk, RefreshConfig, RefreshEndpoint, RefreshRequest, REFRESH_HEADERS};

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
    pub(super) fn bad(code: &'static str, message: impl Into<String>) -> Self {
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

impl RefreshEndpoint {
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
