//! Player token refresh (issue 16): the core's RefreshEndpoint, translated.

use std::sync::Arc;

use pyo3::prelude::*;

use cdn_secure_token as st;

use crate::signer::Signer;
use crate::Res;

/// An answer to send: `(status, [(header, value), ...], json_body)`.
type RefreshAnswer = (u16, Vec<(&'static str, &'static str)>, String);

fn refresh_answer(r: st::RefreshResponse) -> RefreshAnswer {
    (r.status, r.headers(), r.body)
}

#[pyclass(frozen, module = "cdn_secure_token", name = "RefreshEndpoint")]
pub struct RefreshEndpoint {
    inner: Arc<st::RefreshEndpoint>,
}

#[pymethods]
impl RefreshEndpoint {
    #[new]
    #[pyo3(signature = (signer, account, cdn_url, *, cdn_ip_url=None, max_lifetime=None, default_lifetime=None, trusted_proxies=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        signer: &Signer,
        account: &str,
        cdn_url: &str,
        cdn_ip_url: Option<&str>,
        max_lifetime: Option<i64>,
        default_lifetime: Option<i64>,
        trusted_proxies: Option<Vec<String>>,
    ) -> Res<Self> {
        let mut c = st::RefreshConfig::new(account, cdn_url)?;
        if let Some(u) = cdn_ip_url {
            c = c.cdn_ip_url(u)?;
        }
        if let Some(s) = max_lifetime {
            c = c.max_lifetime(s)?;
        }
        if let Some(s) = default_lifetime {
            c = c.default_lifetime(s)?;
        }
        if let Some(p) = trusted_proxies {
            c = c.trusted_proxies(st::TrustedProxies::new(p)?);
        }
        Ok(RefreshEndpoint {
            inner: Arc::new(st::RefreshEndpoint::new(signer.inner.clone(), c)),
        })
    }

    /// Reads a request: a `RefreshAsk` for the authorization hook, or the refusal to send.
    #[pyo3(signature = (method, query, peer, forwarded_for=None, real_ip=None, now=None))]
    #[allow(clippy::too_many_arguments)]
    fn prepare(
        &self,
        method: &str,
        query: &[u8],
        peer: &str,
        forwarded_for: Option<&str>,
        real_ip: Option<&str>,
        now: Option<i64>,
    ) -> Prepared {
        let req = st::RefreshRequest {
            method,
            query,
            peer,
            forwarded_for,
            real_ip,
            now,
        };
        match self.inner.prepare(&req) {
            Ok(ask) => Prepared::Ask(RefreshAsk {
                endpoint: Arc::clone(&self.inner),
                video: ask.video().to_owned(),
                kind: ask.type_name(),
                expires: ask.expires(),
                client_ip: ask.client_ip().to_owned(),
                ask,
            }),
            Err(r) => Prepared::Refused(refresh_answer(r.to_response())),
        }
    }
}

/// What `prepare` gives: the question for the hook, or the answer to send at once.
#[derive(IntoPyObject)]
enum Prepared {
    Ask(RefreshAsk),
    Refused(RefreshAnswer),
}

#[pyclass(frozen, module = "cdn_secure_token", name = "RefreshAsk")]
pub struct RefreshAsk {
    endpoint: Arc<st::RefreshEndpoint>,
    ask: st::RefreshAsk,
    #[pyo3(get)]
    video: String,
    #[pyo3(get, name = "type")]
    kind: &'static str,
    #[pyo3(get)]
    expires: i64,
    #[pyo3(get)]
    client_ip: String,
}

#[pymethods]
impl RefreshAsk {
    /// The answer: the signed contract when `allowed`, else 403.
    fn respond(&self, allowed: bool) -> RefreshAnswer {
        refresh_answer(if allowed {
            self.endpoint.respond(&self.ask)
        } else {
            self.endpoint.refuse()
        })
    }
    fn __repr__(&self) -> String {
        format!(
            "RefreshAsk(video={:?}, type={:?}, expires={}, client_ip={:?})",
            self.video, self.kind, self.expires, self.client_ip
        )
    }
}
