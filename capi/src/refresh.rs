//! The player token-refresh endpoint (issue 16): the core's `RefreshEndpoint`, marshalled.
//! Every decision (query, `expire`, cap, client IP, JSON, status, codes) is the core's; the
//! shape is the other faces' `prepare` → hook → `respond(allowed)`.

use cdn_secure_token::{
    RefreshAsk, RefreshConfig, RefreshEndpoint, RefreshRequest, Refusal, TrustedProxies,
};

use crate::prelude::*;

/// How `st_refresh_new` signs. Zero-initialized fields take the core's defaults.
#[repr(C)]
pub struct st_refresh_config {
    /// The numeric account (client) id. Required.
    pub account: st_str,
    /// `https://host` of the CDN resource, or empty for paths without a host. Required.
    pub cdn_url: st_str,
    /// `https://host` of the IP-bound CDN resource (`url_ip`); `ptr = NULL` = `cdn_url`.
    pub cdn_ip_url: st_str,
    /// The longest lifetime signed, seconds (longer asks are cut to it); 0 = 3600.
    pub max_lifetime: i64,
    /// The lifetime when the query has no `expire`; 0 = 60 (cut to the maximum).
    pub default_lifetime: i64,
    /// Proxies whose `X-Forwarded-For` / `X-Real-IP` are believed (`10.0.0.0/8`, `::1`).
    pub trusted_proxies: *const st_str,
    /// Number of entries at `trusted_proxies` (0: the client is always the peer).
    pub trusted_proxies_count: usize,
}

/// What the web server received. Strings with `ptr = NULL` are absent.
#[repr(C)]
pub struct st_refresh_request {
    /// The HTTP method (`GET`; `HEAD` is answered like `GET`).
    pub method: st_str,
    /// The raw query string without `?`, undecoded; bytes, need not be UTF-8.
    pub query: st_str,
    /// The peer address of the connection (`203.0.113.42`, `[::1]:5000`).
    pub peer: st_str,
    /// Every `X-Forwarded-For` header joined with `,`.
    pub forwarded_for: st_str,
    /// The `X-Real-IP` header.
    pub real_ip: st_str,
    /// The current Unix time; 0 = the signer's clock.
    pub now: i64,
}

/// An endpoint: a signer (its first key signs) and an `st_refresh_config`. Immutable and
/// safe to share between threads; released by `st_refresh_free`.
pub struct st_refresh([u8; 0]);

impl Castable for st_refresh {
    type RustType = RefreshEndpoint;
}

/// One request read by `st_refresh_prepare`: an ask for the authorization hook, or a refusal
/// already decided. Released by `st_refresh_ask_free`.
pub struct st_refresh_ask([u8; 0]);

impl Castable for st_refresh_ask {
    type RustType = Result<RefreshAsk, Refusal>;
}

/// What the authorization hook is shown (`st_refresh_ask_info`). The strings point into the
/// ask and live as long as it.
#[repr(C)]
pub struct st_refresh_info {
    /// The request was refused before any hook (bad query, method, client IP): do not ask
    /// the hook; `st_refresh_respond` sends the refusal whatever `allowed` says. The other
    /// fields are then empty / 0.
    pub refused: bool,
    /// The video slug or live stream id asked for.
    pub video: st_str,
    /// `vod` or `live`.
    pub type_: st_str,
    /// The client address the IP-bound token will be bound to.
    pub client_ip: st_str,
    /// The absolute expiry that will be signed.
    pub expires: i64,
}

/// An answer's HTTP status and headers (`st_refresh_respond`).
#[repr(C)]
pub struct st_refresh_answer {
    /// 200, 400, 403, 405 (or 500 when the signer cannot sign the configured links).
    pub http_status: u16,
    /// Every header to send, static and NUL-terminated, as `Name: value` lines separated by
    /// `\n` (`Content-Type: application/json`, `Cache-Control: no-store`, and `Allow` on 405).
    pub headers: *const c_char,
}

/// Creates an endpoint over `signer` (copied: the signer may be freed afterwards). On
/// success `*out` owns it.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_refresh_new(
    signer: *const st_signer, config: *const st_refresh_config, out: *mut *mut st_refresh,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let signer = try_ref_from_ptr!(signer);
        let c: &st_refresh_config = try_in!(config);
        let account = try_str!(c.account.ptr, c.account.len, "account");
        let cdn_url = try_str!(c.cdn_url.ptr, c.cdn_url.len, "cdn_url");
        let mut cfg = RefreshConfig::new(account, cdn_url)?;
        if let Some(ip_url) = try_opt_str!(c.cdn_ip_url, "cdn_ip_url") {
            cfg = cfg.cdn_ip_url(ip_url)?;
        }
        if c.max_lifetime != 0 {
            cfg = cfg.max_lifetime(c.max_lifetime)?;
        }
        if c.default_lifetime != 0 {
            cfg = cfg.default_lifetime(c.default_lifetime)?;
        }
        let entries: &[st_str] = try_slice!(c.trusted_proxies, c.trusted_proxies_count, "trusted_proxies");
        let trusted = entries.iter().map(|s| Ok(try_str!(s.ptr, s.len, "trusted_proxies")));
        let trusted = trusted.collect::<Result<Vec<_>, st_status>>()?;
        cfg = cfg.trusted_proxies(TrustedProxies::new(trusted)?);
        out.put(to_boxed_ptr::<st_refresh>(RefreshEndpoint::new(signer.clone(), cfg)))
    }
}

/// Releases an endpoint. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn st_refresh_free(endpoint: *mut st_refresh) {
    ffi_panic_boundary! { -> (); drop(opt_box_from_ptr!(endpoint)) }
}

/// A string the client sent (or the server, for the peer) as text: bytes that are not UTF-8
/// become U+FFFD, which no address or method holds, so the core refuses them as it refuses
/// any other bad value. `ptr = NULL` is absent.
macro_rules! lossy {
    ($s:expr, $name:expr) => {{
        let s: st_str = $s;
        opt_slice!(s.ptr.cast::<u8>(), s.len, $name).map(String::from_utf8_lossy)
    }};
}

/// Reads a request. Returns `ST_OK` for anything a client can send, bytes that are not
/// UTF-8 included (a bad query, method, header or client IP is a refused ask); errors are
/// only for NULL pointers (`method` and `peer` are required). On success `*out` owns an ask
/// to release with `st_refresh_ask_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_refresh_prepare(
    endpoint: *const st_refresh, request: *const st_refresh_request, out: *mut *mut st_refresh_ask,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let endpoint = try_ref_from_ptr!(endpoint);
        let r: &st_refresh_request = try_in!(request);
        let method = lossy!(r.method, "method").ok_or_else(|| null("method"))?;
        let peer = lossy!(r.peer, "peer").ok_or_else(|| null("peer"))?;
        let forwarded_for = lossy!(r.forwarded_for, "forwarded_for");
        let real_ip = lossy!(r.real_ip, "real_ip");
        let req = RefreshRequest {
            method: &method,
            query: try_slice!(r.query.ptr.cast::<u8>(), r.query.len, "query"),
            peer: &peer,
            forwarded_for: forwarded_for.as_deref(),
            real_ip: real_ip.as_deref(),
            now: (r.now != 0).then_some(r.now),
        };
        out.put(to_boxed_ptr::<st_refresh_ask>(endpoint.prepare(&req)))
    }
}

/// What the authorization hook needs to judge the ask.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_refresh_ask_info(
    ask: *const st_refresh_ask, out: *mut st_refresh_info,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let ask = try_ref_from_ptr!(ask);
        let a = ask.as_ref().ok();
        let field = |f: fn(&RefreshAsk) -> &str| {
            let s = a.map_or("", f);
            st_str { ptr: s.as_ptr().cast(), len: s.len() }
        };
        out.put(st_refresh_info {
            refused: a.is_none(),
            video: field(RefreshAsk::video),
            type_: field(RefreshAsk::type_name),
            client_ip: field(RefreshAsk::client_ip),
            expires: a.map_or(0, RefreshAsk::expires),
        })
    }
}

/// The answer to send: the status and headers to `*out`, the JSON body to `buf`. Signs only
/// when the ask was not refused and `allowed` is true (the hook's verdict); a denied ask is
/// 403 `forbidden`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_refresh_respond(
    endpoint: *const st_refresh, ask: *const st_refresh_ask, allowed: bool,
    out: *mut st_refresh_answer, buf: *mut c_char, cap: usize, out_len: *mut usize,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let body = try_out_buf!(buf, cap, out_len);
        let endpoint = try_ref_from_ptr!(endpoint);
        let ask = try_ref_from_ptr!(ask);
        let answer = match ask {
            Err(refusal) => refusal.to_response(),
            Ok(a) if allowed => endpoint.respond(a),
            Ok(_) => endpoint.refuse(),
        };
        body.write(&answer.body)?;
        let headers: Vec<String> = answer.headers().iter().map(|(n, v)| format!("{n}: {v}")).collect();
        out.put(st_refresh_answer {
            http_status: answer.status,
            headers: c_static(&headers.join("\n")),
        })
    }
}

/// Releases an ask. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn st_refresh_ask_free(ask: *mut st_refresh_ask) {
    ffi_panic_boundary! { -> (); drop(opt_box_from_ptr!(ask)) }
}
