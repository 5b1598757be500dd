//! The player token-refresh endpoint (issue 16): the core's `RefreshEndpoint`, translated.

use std::sync::Arc;

use cdn_secure_token as core;
use napi::bindgen_prelude::{Either, Env};
use napi_derive::napi;

use crate::value::guard;
use crate::Signer;

/// Options of `new RefreshEndpoint(signer, options)`.
#[napi(object, object_to_js = false)]
pub struct RefreshEndpointOptions {
    /// Numeric account (client) id.
    pub account: String,
    /// `https://host` of the CDN resource (`url`).
    pub cdn_url: String,
    /// `https://host` of the IP-bound CDN resource (`url_ip`); default `cdnUrl`.
    pub cdn_ip_url: Option<String>,
    /// Longest lifetime signed, seconds (default 3600); longer asks are cut to it.
    pub max_lifetime: Option<i64>,
    /// Lifetime when the query has no `expire` (default 60).
    pub default_lifetime: Option<i64>,
    /// Proxies (addresses or networks) whose `X-Forwarded-For` / `X-Real-IP` are believed.
    pub trusted_proxies: Option<Vec<String>>,
}

/// An answer to send: status, headers (name/value pairs) and the JSON body.
#[napi(object)]
pub struct RefreshAnswer {
    pub status: u32,
    pub headers: Vec<Vec<String>>,
    pub body: String,
}

fn refresh_answer(r: core::RefreshResponse) -> RefreshAnswer {
    RefreshAnswer {
        status: u32::from(r.status),
        headers: r
            .headers()
            .into_iter()
            .map(|(n, v)| vec![n.to_owned(), v.to_owned()])
            .collect(),
        body: r.body,
    }
}

/// The token-refresh endpoint over a signer. Its `prepare` reads a request; the web helpers
/// (`cdn-secure-token/refresh`) call it, ask the authorization hook, then `respond`.
#[napi]
pub struct RefreshEndpoint {
    inner: Arc<core::RefreshEndpoint>,
}

#[napi]
impl RefreshEndpoint {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, signer: &Signer, options: RefreshEndpointOptions) -> napi::Result<Self> {
        guard(&env, || {
            let mut c = core::RefreshConfig::new(&options.account, &options.cdn_url)?;
            if let Some(u) = &options.cdn_ip_url {
                c = c.cdn_ip_url(u)?;
            }
            if let Some(s) = options.max_lifetime {
                c = c.max_lifetime(s)?;
            }
            if let Some(s) = options.default_lifetime {
                c = c.default_lifetime(s)?;
            }
            if let Some(p) = &options.trusted_proxies {
                c = c.trusted_proxies(core::TrustedProxies::new(p)?);
            }
            Ok(RefreshEndpoint {
                inner: Arc::new(core::RefreshEndpoint::new((*signer.inner).clone(), c)),
            })
        })
    }

    /// Reads a request: a `RefreshAsk` for the authorization hook, or the refusal to send.
    #[napi(catch_unwind)]
    pub fn prepare(
        &self,
        method: String,
        query: String,
        peer: String,
        forwarded_for: Option<String>,
        real_ip: Option<String>,
        now: Option<i64>,
    ) -> Either<RefreshAsk, RefreshAnswer> {
        let req = core::RefreshRequest {
            method: &method,
            query: query.as_bytes(),
            peer: &peer,
            forwarded_for: forwarded_for.as_deref(),
            real_ip: real_ip.as_deref(),
            now,
        };
        match self.inner.prepare(&req) {
            Ok(ask) => Either::A(RefreshAsk {
                endpoint: Arc::clone(&self.inner),
                ask,
            }),
            Err(r) => Either::B(refresh_answer(r.to_response())),
        }
    }
}

/// A well-formed ask, for the authorization hook to judge.
#[napi]
pub struct RefreshAsk {
    endpoint: Arc<core::RefreshEndpoint>,
    ask: core::RefreshAsk,
}

#[napi]
impl RefreshAsk {
    /// The video slug or live stream id asked for.
    #[napi(getter)]
    pub fn video(&self) -> String {
        self.ask.video().to_owned()
    }
    /// `'vod'` or `'live'`.
    #[napi(getter, js_name = "type")]
    pub fn type_name(&self) -> String {
        self.ask.type_name().to_owned()
    }
    /// The expiry that will be signed, Unix seconds.
    #[napi(getter)]
    pub fn expires(&self) -> i64 {
        self.ask.expires()
    }
    /// The client address `token_ip` is bound to.
    #[napi(getter)]
    pub fn client_ip(&self) -> String {
        self.ask.client_ip().to_owned()
    }
    /// The answer: the signed contract when `allowed`, else 403.
    #[napi(catch_unwind)]
    pub fn respond(&self, allowed: bool) -> RefreshAnswer {
        refresh_answer(if allowed {
            self.endpoint.respond(&self.ask)
        } else {
            self.endpoint.refuse()
        })
    }
}
