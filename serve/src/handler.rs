//! One request: verify, then serve a file, a signed manifest, or the origin's answer.

use std::ffi::OsStr;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::time::Instant;

use bytes::Bytes;
use cdn_secure_token::{
    CanonicalIp, ExplainOptions, ManifestOptions, Outside, Received, Refusal, SignOptions,
    TokenKind, Verdict, VerifyOptions,
};
use http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::config::{parse_size, Backend, Config, Location};
use crate::raw::{unhex, ERROR_HEADER, TARGET_HEADER};
use crate::throttle::Throttle;

pub type Body = UnsyncBoxBody<Bytes, io::Error>;

/// Shared by every connection.
pub struct State {
    pub cfg: Config,
    client: Client<HttpConnector, Body>,
}

impl State {
    pub fn new(cfg: Config) -> State {
        let mut conn = HttpConnector::new();
        conn.set_connect_timeout(Some(cfg.limits.origin_timeout));
        conn.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(conn);
        State { cfg, client }
    }
}

fn text(status: u16, msg: &str) -> Response<Body> {
    let mut r = Response::new(
        Full::new(Bytes::from(format!("{status} {msg}\n")))
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

/// A path in a log line: escaped, and cut after 200 bytes.
struct Shown<'a>(&'a [u8]);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("-");
        }
        let cut = &self.0[..self.0.len().min(200)];
        write!(f, "{}", cut.escape_ascii())?;
        if cut.len() < self.0.len() {
            write!(f, "...({} bytes)", self.0.len())?;
        }
        Ok(())
    }
}

/// What the log line says about a request.
struct Log {
    reason: &'static str,
    path: Vec<u8>,
}

pub async fn handle(st: &State, peer: SocketAddr, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let method = req.method().clone();
    let client = client_ip(&st.cfg, peer.ip(), req.headers());
    let shown = match &client {
        Ok(ip) => *ip,
        Err(_) => CanonicalIp::from_addr(peer.ip().to_canonical()),
    };
    let (resp, log) = route(st, &client, shown, req).await;
    eprintln!(
        "{shown} {method} {} {} {} {}ms",
        resp.status().as_u16(),
        log.reason,
        Shown(&log.path),
        started.elapsed().as_millis()
    );
    resp
}

/// The client address by the core's one rule ([`TrustedProxies::client_ip`], the one the
/// token-refresh endpoints use): the peer, or what a trusted proxy's `X-Forwarded-For`
/// (every such header, joined with `,`) or `X-Real-IP` says. A malformed address where the
/// client should be is the core's refusal (400 `bad_client_ip`), never a guess.
pub fn client_ip(cfg: &Config, peer: IpAddr, headers: &HeaderMap) -> Result<CanonicalIp, Refusal> {
    let text = |v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
    let xff: Vec<String> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(text)
        .collect();
    let xff = (!xff.is_empty()).then(|| xff.join(","));
    let xri = headers.get("x-real-ip").map(text);
    cfg.trusted
        .client_ip(&peer.to_string(), xff.as_deref(), xri.as_deref())
}

/// `client` is the rule's answer; `shown` is that address, or the peer's when the rule
/// refused (for the log and the `X-Forwarded-For` sent to an origin).
async fn route(
    st: &State,
    client: &Result<CanonicalIp, Refusal>,
    shown: CanonicalIp,
    req: Request<Incoming>,
) -> (Response<Body>, Log) {
    let cfg = &st.cfg;
    let deny = |status: u16, reason: &'static str, path: Vec<u8>| {
        let msg = StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        (text(status, msg), Log { reason, path })
    };
    if let Some(e) = req.headers().get(ERROR_HEADER) {
        let status = e.to_str().ok().and_then(|s| s.parse().ok()).unwrap_or(400);
        let reason = if status == 413 {
            "body_too_large"
        } else {
            "bad_request"
        };
        return deny(status, reason, Vec::new());
    }
    let Some(target) = req
        .headers()
        .get(TARGET_HEADER)
        .and_then(|v| unhex(v.as_bytes()))
    else {
        return deny(400, "bad_request", Vec::new());
    };
    let received = Received::read(&target);
    let loc = match &received {
        Some(r) => cfg
            .locations
            .iter()
            .filter(|l| r.uri.starts_with(&l.prefix))
            .max_by_key(|l| l.prefix.len()),
        None => cfg.locations.first(),
    };
    let Some(loc) = loc else {
        let path = received.map(|r| r.uri).unwrap_or_default();
        return deny(404, "no_location", path);
    };
    let ip_text = match (loc.ip, client) {
        (false, _) => None,
        (true, Ok(ip)) => Some(ip),
        (true, Err(refusal)) => {
            let path = received.map(|r| r.uri).unwrap_or_default();
            return deny(refusal.status, refusal.code, path);
        }
    };
    let opts = VerifyOptions {
        ip: ip_text.map(CanonicalIp::as_str),
        kind: loc.kind,
        now: None,
    };
    let verdict = if loc.verify {
        cfg.signer.verify_request(&target, &opts)
    } else {
        match &received {
            Some(_) => Verdict::Valid {
                expires: i64::MAX,
                key_index: 0,
            },
            None => cfg.signer.verify_request(&target, &opts),
        }
    };
    let log_path = |r: &Option<Received>| match r {
        Some(r) if loc.kind == TokenKind::Stream => r
            .stream_content_path()
            .unwrap_or_else(|| b"(not a stream path)".to_vec()),
        Some(r) => r.uri.clone(),
        None => Vec::new(),
    };
    if !verdict.is_valid() {
        if cfg.debug {
            explain(cfg, loc, &target, opts.ip);
        }
        let reason = verdict.reason_code().unwrap_or("invalid");
        return deny(verdict.status(), reason, log_path(&received));
    }
    let (Some(received), Some(expires)) = (received, verdict.expires()) else {
        return deny(400, "bad_request", Vec::new());
    };
    let path = match loc.kind {
        TokenKind::Stream => match received.stream_content_path() {
            Some(p) => p,
            None => return deny(404, "not_found", received.uri),
        },
        _ => received.uri.clone(),
    };
    let limit = if loc.kind == TokenKind::Mp4 && loc.mp4_limits {
        let speed = received.arg("speed").and_then(parse_size).unwrap_or(0);
        let buffer = received.arg("buffer").and_then(parse_size).unwrap_or(0);
        (speed > 0).then_some((speed, buffer))
    } else {
        None
    };
    let resp = match &loc.backend {
        Backend::Root(root) => {
            match serve_file(st, loc, root, &path, expires, opts.ip, req).await {
                Ok(r) => r,
                Err((status, reason)) => return deny(status, reason, path),
            }
        }
        Backend::Origin(origin) => match proxy(st, origin, &received, shown, req).await {
            Ok(r) => r,
            Err((status, reason)) => return deny(status, reason, path),
        },
    };
    let resp = match limit {
        Some((speed, buffer)) => {
            let (parts, body) = resp.into_parts();
            Response::from_parts(parts, Throttle::new(body, speed, buffer).boxed_unsync())
        }
        None => resp,
    };
    (resp, Log { reason: "-", path })
}

fn explain(cfg: &Config, loc: &Location, target: &[u8], ip: Option<&str>) {
    let t = String::from_utf8_lossy(target);
    let url = if t.starts_with('/') {
        format!("http://edge{t}")
    } else {
        t.into_owned()
    };
    let opts = ExplainOptions {
        ip,
        kind: loc.kind,
        expires: None,
    };
    match cfg.signer.explain(&url, &opts) {
        // The expected token is a valid token for this request: never logged.
        Ok(x) => eprintln!(
            "debug: kind={} hashed_path={:?} expires={:?} ip={:?} string_to_sign={:?} token_matches={:?}",
            x.kind, x.hashed_path, x.expires, x.ip, x.string_to_sign, x.matches
        ),
        Err(e) => eprintln!("debug: explain: {e}"),
    }
}

/// Percent-encodes a path for a URL (everything but unreserved characters and `/`).
fn encode_path(p: &[u8]) -> String {
    let mut s = String::with_capacity(p.len());
    for &c in p {
        if c.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&c) {
            s.push(c as char);
        } else {
            s.push_str(&format!("%{c:02X}"));
        }
    }
    s
}

/// Percent-encodes what `http::Uri` refuses in a query, keeping everything else as received.
fn encode_query(q: &[u8]) -> String {
    let mut s = String::with_capacity(q.len());
    for &c in q {
        if c > 0x20 && c < 0x7f && !b"\"#<>\\^`{|}".contains(&c) {
            s.push(c as char);
        } else {
            s.push_str(&format!("%{c:02X}"));
        }
    }
    s
}

async fn serve_file(
    st: &State,
    loc: &Location,
    root: &std::path::Path,
    path: &[u8],
    expires: i64,
    ip: Option<&str>,
    req: Request<Incoming>,
) -> Result<Response<Body>, (u16, &'static str)> {
    if path.ends_with(b"/") {
        return Err((404, "not_found"));
    }
    let rel = path.strip_prefix(b"/").unwrap_or(path);
    let fs: PathBuf = root.join(OsStr::from_bytes(rel));
    let meta = match tokio::fs::metadata(&fs).await {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Err((403, "forbidden")),
        Err(_) => return Err((404, "not_found")),
    };
    if meta.is_dir() {
        let mut r = text(301, "Moved Permanently");
        *r.status_mut() = StatusCode::MOVED_PERMANENTLY;
        if let Ok(v) = HeaderValue::from_str(&format!("{}/", encode_path(path))) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return Ok(r);
    }
    let ext = rel.rsplit(|&c| c == b'.').next().unwrap_or(b"");
    let manifest = ext.eq_ignore_ascii_case(b"m3u8") || ext.eq_ignore_ascii_case(b"mpd");
    if loc.qsf && manifest && (req.method() == Method::GET || req.method() == Method::HEAD) {
        return qsf_manifest(
            st,
            &fs,
            path,
            ext,
            expires,
            ip,
            req.method() == Method::HEAD,
        )
        .await;
    }
    let resp = ServeFile::new(&fs)
        .oneshot(req)
        .await
        .map_err(|_| (500, "internal"))?;
    let (parts, body) = resp.into_parts();
    Ok(Response::from_parts(parts, body.boxed_unsync()))
}

/// Query String Forwarding: the manifest with the directory token on every URI inside its
/// directory (core `sign_manifest`, directory mode), other URIs kept.
async fn qsf_manifest(
    st: &State,
    fs: &std::path::Path,
    path: &[u8],
    ext: &[u8],
    expires: i64,
    ip: Option<&str>,
    head: bool,
) -> Result<Response<Body>, (u16, &'static str)> {
    let meta = tokio::fs::metadata(fs)
        .await
        .map_err(|_| (404, "not_found"))?;
    if meta.len() > cdn_secure_token::MAX_MANIFEST_LEN as u64 {
        return Err((500, "manifest_too_large"));
    }
    let bytes = tokio::fs::read(fs).await.map_err(|_| (404, "not_found"))?;
    let text = String::from_utf8(bytes).map_err(|_| (500, "manifest_not_utf8"))?;
    let opts = ManifestOptions {
        sign: SignOptions {
            kind: TokenKind::Directory,
            expires: Some(expires),
            ip,
            ..Default::default()
        },
        outside: Outside::Keep,
        other_hosts: false,
    };
    let signed = match st
        .cfg
        .signer
        .sign_manifest(&text, &encode_path(path), &opts)
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("serve: qsf: {}: {e}", path.escape_ascii());
            return Err((500, "manifest_error"));
        }
    };
    let ctype = if ext.eq_ignore_ascii_case(b"mpd") {
        "application/dash+xml"
    } else {
        "application/vnd.apple.mpegurl"
    };
    let len = signed.len();
    let body = if head {
        Bytes::new()
    } else {
        Bytes::from(signed)
    };
    let mut r = Response::new(
        Full::new(body)
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

const HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

async fn proxy(
    st: &State,
    origin: &http::Uri,
    received: &Received,
    client: CanonicalIp,
    req: Request<Incoming>,
) -> Result<Response<Body>, (u16, &'static str)> {
    let base = origin.path().trim_end_matches('/');
    let mut target = format!("{base}{}", encode_path(&received.uri));
    if !received.query.is_empty() {
        target.push('?');
        target.push_str(&encode_query(&received.query));
    }
    let authority = origin.authority().map(|a| a.as_str()).unwrap_or("");
    let uri: http::Uri = format!("http://{authority}{target}")
        .parse()
        .map_err(|_| (400, "bad_request"))?;
    let (parts, body) = req.into_parts();
    let mut out = Request::builder().method(parts.method).uri(uri);
    let max_body = st.cfg.limits.max_body;
    if let Some(h) = out.headers_mut() {
        for (n, v) in parts.headers.iter() {
            let name = n.as_str();
            if HOP.contains(&name) || name == TARGET_HEADER || name == ERROR_HEADER {
                continue;
            }
            h.append(n.clone(), v.clone());
        }
        if let Ok(v) = HeaderValue::from_str(authority) {
            h.insert(header::HOST, v);
        }
        let xff = match parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        {
            Some(prev) => format!("{prev}, {client}"),
            None => client.to_string(),
        };
        if let Ok(v) = HeaderValue::from_str(&xff) {
            h.insert("x-forwarded-for", v);
        }
    }
    let body = Limited::new(body, max_body as usize)
        .map_err(io::Error::other)
        .boxed_unsync();
    let out = out.body(body).map_err(|_| (400, "bad_request"))?;
    let resp =
        match tokio::time::timeout(st.cfg.limits.origin_timeout, st.client.request(out)).await {
            Err(_) => return Err((504, "origin_timeout")),
            Ok(Err(_)) => return Err((502, "origin_error")),
            Ok(Ok(r)) => r,
        };
    let (mut parts, body) = resp.into_parts();
    for h in HOP {
        if *h != "host" {
            parts.headers.remove(*h);
        }
    }
    Ok(Response::from_parts(
        parts,
        body.map_err(io::Error::other).boxed_unsync(),
    ))
}
