//! Node.js face of `cdn-secure-token`: converts JavaScript arguments in, calls the core,
//! converts results and errors out. No signing rule lives here.

use std::ffi::CStr;
use std::str::FromStr;
use std::sync::Arc;

use cdn_secure_token::{ErrorKind, FixedClock, SignedBatch, StreamKind, TokenKind, Verdict};
use napi::bindgen_prelude::{AsyncTask, Either, Env, TypeName, Unknown};
use napi::{Status, Task, ValueType};
use napi_derive::napi;

mod fast;
mod js;
#[cfg(feature = "probes")]
pub mod probe;

use js::{guard, js_text, Fail, JsResult, Opts, StrBuf, StrList, Val};

/// The library version (one version for every face of cdn-secure-token).
#[napi]
pub const VERSION: &str = cdn_secure_token::VERSION;

/// Options of `new Signer(key, options)`.
#[napi(object, object_to_js = false)]
pub struct SignerOptions {
    /// More keys that `verify` accepts (key rotation); signing always uses `key`.
    pub verify_keys: Option<Vec<String>>,
    /// Lifetime in seconds used when a call gives neither `expires` nor `ttl`.
    pub default_ttl: Option<i64>,
    /// Accept an `expires` already in the past (off by default: such a link is born dead).
    pub allow_past_expiry: Option<bool>,
    /// Freezes this signer's clock at this instant (Unix seconds or a `Date`), for tests.
    #[napi(ts_type = "number | Date")]
    pub now: Option<i64>,
}

/// Options of `signUrl`, `signMany`, `signManyAsync`, `token` and `tokenWith`.
#[napi(object, object_to_js = false)]
pub struct SignOptions {
    /// Absolute expiry: Unix time in seconds, or a `Date`. Milliseconds are refused.
    #[napi(ts_type = "number | Date")]
    pub expires: Option<i64>,
    /// Lifetime in seconds from now (instead of `expires`).
    pub ttl: Option<i64>,
    /// Client IP to bind the link to, in any valid spelling.
    pub ip: Option<String>,
    /// Token kind (default `'file'`).
    #[napi(ts_type = "'file' | 'directory' | 'mp4'")]
    pub kind: Option<String>,
    /// MP4 only: the `speed` limit, e.g. `'1m'` or `'500k'`.
    #[napi(ts_type = "string | number")]
    pub speed: Option<String>,
    /// MP4 only: the `buffer` (seconds sent at full speed).
    #[napi(ts_type = "string | number")]
    pub buffer: Option<String>,
    /// The current time (Unix seconds or a `Date`); defaults to the signer's clock.
    #[napi(ts_type = "number | Date")]
    pub now: Option<i64>,
}

/// Options of `streamUrl`: which video or stream, and when the link expires.
#[napi(object, object_to_js = false)]
pub struct StreamUrlOptions {
    /// `''` (default) for a path, or `https://host[:port]`.
    pub base: Option<String>,
    /// The Video Streaming layout (default `'vod'`).
    #[napi(ts_type = "'vod' | 'cmaf' | 'mpegts' | 'streams'")]
    pub stream: Option<String>,
    /// The numeric account (client) id.
    #[napi(ts_type = "string | number")]
    pub account: String,
    /// The video slug or live stream id.
    pub id: String,
    /// The file after the expiry segment (default `master.m3u8`, `playlist.m3u8` for `streams`).
    pub file: Option<String>,
    /// Absolute expiry: Unix time in seconds, or a `Date`.
    #[napi(ts_type = "number | Date")]
    pub expires: Option<i64>,
    /// Lifetime in seconds from now.
    pub ttl: Option<i64>,
    /// Client IP to bind the link to.
    pub ip: Option<String>,
    /// The current time (Unix seconds or a `Date`).
    #[napi(ts_type = "number | Date")]
    pub now: Option<i64>,
}

/// Options of `streamToken`.
#[napi(object, object_to_js = false)]
pub struct StreamTokenOptions {
    /// Absolute expiry: Unix time in seconds, or a `Date`.
    #[napi(ts_type = "number | Date")]
    pub expires: Option<i64>,
    /// Lifetime in seconds from now.
    pub ttl: Option<i64>,
    /// Client IP to bind the token to.
    pub ip: Option<String>,
    /// The current time (Unix seconds or a `Date`).
    #[napi(ts_type = "number | Date")]
    pub now: Option<i64>,
}

/// Options of `verify`.
#[napi(object, object_to_js = false)]
pub struct VerifyOptions {
    /// The client address the edge would see, in any valid spelling.
    pub ip: Option<String>,
    /// The current time (Unix seconds or a `Date`); defaults to the signer's clock.
    #[napi(ts_type = "number | Date")]
    pub now: Option<i64>,
    /// The token kind the location expects (default `'file'`).
    #[napi(ts_type = "'file' | 'directory' | 'mp4' | 'stream'")]
    pub kind: Option<String>,
}

/// Options of `explain`.
#[napi(object, object_to_js = false)]
pub struct ExplainOptions {
    /// Client IP, in any valid spelling.
    pub ip: Option<String>,
    /// Token kind (default `'file'`).
    #[napi(ts_type = "'file' | 'directory' | 'mp4' | 'stream'")]
    pub kind: Option<String>,
    /// Expiry to use when the link has none (Unix seconds or a `Date`).
    #[napi(ts_type = "number | Date")]
    pub expires: Option<i64>,
}

/// The edge's answer to a request.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct VerifyResult {
    /// `'valid'` (200), `'expired'` (410) or `'invalid'` (403).
    #[napi(ts_type = "'valid' | 'expired' | 'invalid'")]
    pub status: String,
    /// The HTTP status the edge answers.
    #[napi(ts_type = "200 | 410 | 403")]
    pub http_status: u32,
    /// `null` when valid, `'expired'`, or why the link is refused: `'missing_token'`,
    /// `'malformed_token'`, `'missing_expires'`, `'malformed_expires'`, `'bad_request'`,
    /// `'not_a_stream_path'`, `'mismatch'`.
    pub reason: Option<String>,
    /// A sentence for logs, `null` when valid.
    pub message: Option<String>,
    /// The link's expiry (Unix seconds) when its token matches.
    pub expires: Option<i64>,
    /// Which key matched (0 = the signing key, 1.. = `verifyKeys`) when the token matches.
    pub key_index: Option<u32>,
}

/// A token with the expiry it was made for.
#[napi(object, object_from_js = false)]
pub struct SignedToken {
    /// The 22-character token.
    pub token: String,
    /// The expiry it covers, Unix seconds.
    pub expires: i64,
}

/// What the edge hashes for a link; the key is shown as `***`.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Explanation {
    /// The token kind explained.
    #[napi(ts_type = "'file' | 'directory' | 'mp4' | 'stream'")]
    pub kind: String,
    /// The decoded, normalized path that is hashed (the directory for directory tokens,
    /// `{account}_{id}` for stream tokens).
    pub hashed_path: String,
    /// The expires text that is hashed.
    pub expires: String,
    /// The canonical client IP that is hashed, if any.
    pub ip: Option<String>,
    /// The string-to-sign with the key replaced by `***`.
    pub string_to_sign: String,
    /// The token the signing key gives.
    pub expected_token: String,
    /// The token found in the link, if any.
    pub found_token: Option<String>,
    /// Whether the found token matches, if a token was found.
    pub matches: Option<bool>,
}

/// Sign options read from JavaScript, owned so that they can cross to a worker thread.
#[derive(Default)]
struct SignArgs {
    expires: Option<i64>,
    ttl: Option<i64>,
    ip: Option<String>,
    kind: TokenKind,
    speed: Option<String>,
    buffer: Option<String>,
    now: Option<i64>,
}

impl SignArgs {
    fn read(o: &Opts<'_>) -> JsResult<Self> {
        Self::read_fields(|_, name| o.get(name))
    }

    /// From the fields' values given in order (expires, ttl, ip, kind, speed, buffer, now),
    /// as `main.js` passes them: no lookup by name.
    fn positional(values: [Val; 7]) -> JsResult<Self> {
        Self::read_fields(|i, _| Ok(values[i].given()))
    }

    /// Reads and checks each field in turn: `get(index, name)` gives its value, `None`
    /// when it is absent, `undefined` or `null`.
    #[inline(always)]
    fn read_fields(get: impl Fn(usize, &'static CStr) -> JsResult<Option<Val>>) -> JsResult<Self> {
        let expires = get(0, c"expires")?
            .map(|v| v.seconds_or_date(ErrorKind::Expiry, "expires"))
            .transpose()?;
        let ttl = get(1, c"ttl")?
            .map(|v| v.integer(ErrorKind::Expiry, "ttl"))
            .transpose()?;
        let ip = get(2, c"ip")?
            .map(|v| v.string(ErrorKind::Ip, "ip"))
            .transpose()?;
        let kind = match get(3, c"kind")? {
            Some(v) => {
                let mut buf = StrBuf::new();
                TokenKind::from_str(v.str_in(ErrorKind::Argument, "kind", &mut buf)?)?
            }
            None => TokenKind::File,
        };
        let speed = get(4, c"speed")?
            .map(|v| v.string_or_integer(ErrorKind::Argument, "speed"))
            .transpose()?;
        let buffer = get(5, c"buffer")?
            .map(|v| v.string_or_integer(ErrorKind::Argument, "buffer"))
            .transpose()?;
        let now = get(6, c"now")?
            .map(|v| v.seconds_or_date(ErrorKind::Expiry, "now"))
            .transpose()?;
        Ok(SignArgs {
            expires,
            ttl,
            ip,
            kind,
            speed,
            buffer,
            now,
        })
    }

    /// Only the fields a stream token uses.
    fn read_stream(o: &Opts<'_>) -> JsResult<Self> {
        Ok(SignArgs {
            expires: o.seconds_or_date(c"expires")?,
            ttl: o.integer(c"ttl", ErrorKind::Expiry)?,
            ip: o.string(c"ip", ErrorKind::Ip)?,
            now: o.seconds_or_date(c"now")?,
            ..Default::default()
        })
    }

    fn core(&self) -> cdn_secure_token::SignOptions<'_> {
        cdn_secure_token::SignOptions {
            expires: self.expires,
            ttl: self.ttl,
            ip: self.ip.as_deref(),
            kind: self.kind,
            speed: self.speed.as_deref(),
            buffer: self.buffer.as_deref(),
            now: self.now,
        }
    }
}

fn read_kind(o: &Opts<'_>) -> JsResult<TokenKind> {
    let mut buf = StrBuf::new();
    match o.str_in(c"kind", ErrorKind::Argument, &mut buf)? {
        Some(k) => Ok(TokenKind::from_str(k)?),
        None => Ok(TokenKind::File),
    }
}

fn options(env: &Env, v: Option<Unknown<'_>>, name: &str) -> JsResult<Opts<'static>> {
    match v {
        Some(v) => Val::new(env.raw(), &v).options(name),
        None => Ok(Opts::empty(env.raw())),
    }
}

fn arg_string(env: &Env, v: Unknown<'_>, kind: ErrorKind, name: &str) -> JsResult<String> {
    Val::new(env.raw(), &v).string(kind, name)
}

/// Expiries below this pack with a key index into a number JavaScript holds exactly
/// (`2^49 * 16 = 2^53`); `MAX_EXPIRES` is far below it.
const PACKED_EXPIRES_LIMIT: i64 = 1 << 49;

fn verify_result(v: Verdict) -> VerifyResult {
    let reason = match &v {
        Verdict::Valid { .. } => None,
        Verdict::Expired { .. } => Some("expired".to_owned()),
        Verdict::Invalid(r) => Some(r.code().to_owned()),
    };
    VerifyResult {
        status: v.as_str().to_owned(),
        http_status: u32::from(v.status()),
        reason,
        message: v.reason(),
        expires: v.expires(),
        key_index: v.key_index().map(|i| i as u32),
    }
}

/// Signs and verifies Secure Token links. Holds its keys out of JavaScript's reach: no
/// property, message or `util.inspect` output shows them.
#[napi]
pub struct Signer {
    inner: Arc<cdn_secure_token::Signer>,
}

#[napi]
impl Signer {
    /// `new Signer(key, { verifyKeys, defaultTtl, allowPastExpiry, now })`.
    #[napi(
        constructor,
        catch_unwind,
        ts_args_type = "key: string, options?: SignerOptions"
    )]
    pub fn new(env: Env, key: Unknown<'_>, options_: Option<Unknown<'_>>) -> napi::Result<Self> {
        guard(env.raw(), || {
            let key = arg_string(&env, key, ErrorKind::Key, "key")?;
            let o = options(&env, options_, "options")?;
            let mut b = cdn_secure_token::Signer::builder(&key);
            if let Some(keys) = o.strings(c"verifyKeys", ErrorKind::Key)? {
                for k in keys {
                    b = b.verify_key(k);
                }
            }
            if let Some(t) = o.integer(c"defaultTtl", ErrorKind::Expiry)? {
                b = b.default_ttl(t);
            }
            if let Some(a) = o.boolean(c"allowPastExpiry", ErrorKind::Argument)? {
                b = b.allow_past_expiry(a);
            }
            if let Some(now) = o.seconds_or_date(c"now")? {
                b = b.clock(Arc::new(FixedClock(now)));
            }
            Ok(Signer {
                inner: Arc::new(b.build()?),
            })
        })
    }

    /// How many keys this signer holds (the signing key and the `verifyKeys`).
    #[napi(getter, catch_unwind)]
    pub fn key_count(&self) -> u32 {
        self.inner.key_count() as u32
    }

    /// The default lifetime in seconds, or `null`.
    #[napi(getter, catch_unwind)]
    pub fn default_ttl(&self) -> Option<i64> {
        self.inner.default_ttl()
    }

    /// The current Unix time by this signer's clock.
    #[napi(catch_unwind)]
    pub fn now(&self) -> i64 {
        self.inner.now()
    }

    /// Signs a URL (absolute, scheme-relative or path-and-query) and returns it with
    /// `md5` and `expires` (and for MP4 `speed` / `buffer`) in its query.
    #[napi(catch_unwind, ts_args_type = "url: string, options?: SignOptions")]
    pub fn sign_url(
        &self,
        env: Env,
        url: Unknown<'_>,
        options_: Option<Unknown<'_>>,
    ) -> napi::Result<String> {
        guard(env.raw(), || {
            let url = arg_string(&env, url, ErrorKind::Url, "url")?;
            let args = SignArgs::read(&options(&env, options_, "options")?)?;
            Ok(self.inner.sign_url(&url, &args.core())?)
        })
    }

    /// The plain N-API functions behind `main.js`'s fast paths, bound to this signer (see
    /// `fast.rs`): a call skips the ~180 ns a class method costs in napi-rs.
    #[doc(hidden)]
    #[napi(js_name = "_bind", catch_unwind, skip_typescript)]
    pub fn bind(&self, env: Env) -> napi::Result<Unknown<'_>> {
        guard(env.raw(), || {
            let obj = fast::bind(env.raw(), &self.inner)?;
            // SAFETY: a value just created in this environment.
            Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), obj) })
        })
    }

    /// Signs many URLs with the same options. A failure names the item (`err.index`).
    #[napi(
        catch_unwind,
        ts_args_type = "urls: readonly string[], options?: SignOptions"
    )]
    pub fn sign_many(
        &self,
        env: Env,
        urls: Unknown<'_>,
        options_: Option<Unknown<'_>>,
    ) -> napi::Result<Vec<String>> {
        guard(env.raw(), || {
            let urls = Val::new(env.raw(), &urls).string_list(ErrorKind::Url, "urls")?;
            let args = SignArgs::read(&options(&env, options_, "options")?)?;
            let urls: Vec<&str> = urls.iter().collect();
            Ok(self.inner.sign_many(&urls, &args.core())?)
        })
    }

    /// Like `signMany`, but hashes on a worker thread so the event loop stays free.
    /// Every failure, bad arguments included, rejects the promise.
    #[napi(
        catch_unwind,
        ts_args_type = "urls: readonly string[], options?: SignOptions",
        ts_return_type = "Promise<string[]>"
    )]
    pub fn sign_many_async(
        &self,
        env: Env,
        urls: Unknown<'_>,
        options_: Option<Unknown<'_>>,
    ) -> AsyncTask<SignManyTask> {
        let read = js::catch(|| {
            let urls = Val::new(env.raw(), &urls).string_list(ErrorKind::Url, "urls")?;
            let args = SignArgs::read(&options(&env, options_, "options")?)?;
            Ok((urls, args))
        })
        .map_err(|f| f.capture(env.raw()));
        AsyncTask::new(SignManyTask {
            signer: Arc::clone(&self.inner),
            input: Some(read),
            joined: false,
        })
    }

    /// `signManyAsync` for `main.js`: the URLs also joined (see `Val::joined_batch`), the
    /// options as fields, the signed URLs back as `Chunks`.
    #[doc(hidden)]
    #[napi(js_name = "_signManyAsync", catch_unwind, skip_typescript)]
    #[allow(clippy::too_many_arguments)]
    pub fn sign_many_fields_async(
        &self,
        env: Env,
        joined: Unknown<'_>,
        urls: Unknown<'_>,
        expires: Unknown<'_>,
        ttl: Unknown<'_>,
        ip: Unknown<'_>,
        kind: Unknown<'_>,
        speed: Unknown<'_>,
        buffer: Unknown<'_>,
        now: Unknown<'_>,
    ) -> AsyncTask<SignManyTask> {
        let read = js::catch(|| {
            let urls = Val::joined_batch(Val::new(env.raw(), &joined), Val::new(env.raw(), &urls))?;
            let fields = [expires, ttl, ip, kind, speed, buffer, now];
            let args = SignArgs::positional(fields.map(|v| Val::new(env.raw(), &v)))?;
            Ok((urls, args))
        })
        .map_err(|f| f.capture(env.raw()));
        AsyncTask::new(SignManyTask {
            signer: Arc::clone(&self.inner),
            input: Some(read),
            joined: true,
        })
    }

    /// The token of a file, directory or MP4 link for an already decoded path
    /// (`%` is taken literally).
    #[napi(catch_unwind, ts_args_type = "path: string, options?: SignOptions")]
    pub fn token(
        &self,
        env: Env,
        path: Unknown<'_>,
        options_: Option<Unknown<'_>>,
    ) -> napi::Result<String> {
        self.token_with(env, path, options_).map(|t| t.token)
    }

    /// Like `token`, with the expiry it covers: `{ token, expires }`.
    #[napi(catch_unwind, ts_args_type = "path: string, options?: SignOptions")]
    pub fn token_with(
        &self,
        env: Env,
        path: Unknown<'_>,
        options_: Option<Unknown<'_>>,
    ) -> napi::Result<SignedToken> {
        guard(env.raw(), || {
            let path = arg_string(&env, path, ErrorKind::Path, "path")?;
            let args = SignArgs::read(&options(&env, options_, "options")?)?;
            let t = self.inner.token_with(&path, &args.core())?;
            Ok(SignedToken {
                token: t.token,
                expires: t.expires,
            })
        })
    }

    /// A Video Streaming link:
    /// `{base}/{videos|cmaf|mpegts|streams}/{account}_{id}/{token}/{expires}/{file}`.
    #[napi(catch_unwind, ts_args_type = "options: StreamUrlOptions")]
    pub fn stream_url(&self, env: Env, options_: Unknown<'_>) -> napi::Result<String> {
        guard(env.raw(), || {
            let o = Val::new(env.raw(), &options_).options("options")?;
            let base = o.string(c"base", ErrorKind::Url)?.unwrap_or_default();
            let stream = match o.string(c"stream", ErrorKind::Argument)? {
                Some(s) => StreamKind::from_str(&s)?,
                None => StreamKind::Vod,
            };
            let account = required(
                o.string_or_integer(c"account", ErrorKind::Argument)?,
                "account",
            )?;
            let id = required(o.string(c"id", ErrorKind::Argument)?, "id")?;
            let file = o.string(c"file", ErrorKind::Argument)?;
            let args = SignArgs::read_stream(&o)?;
            Ok(self.inner.stream_url(
                &base,
                stream,
                &account,
                &id,
                file.as_deref(),
                &args.core(),
            )?)
        })
    }

    /// A Video Streaming path token: `{ token, expires }`.
    #[napi(
        catch_unwind,
        ts_args_type = "account: string | number, id: string, options?: StreamTokenOptions"
    )]
    pub fn stream_token(
        &self,
        env: Env,
        account: Unknown<'_>,
        id: Unknown<'_>,
        options_: Option<Unknown<'_>>,
    ) -> napi::Result<SignedToken> {
        guard(env.raw(), || {
            let account =
                Val::new(env.raw(), &account).string_or_integer(ErrorKind::Argument, "account")?;
            let id = arg_string(&env, id, ErrorKind::Argument, "id")?;
            let args = SignArgs::read_stream(&options(&env, options_, "options")?)?;
            let t = self.inner.stream_token(&account, &id, &args.core())?;
            Ok(SignedToken {
                token: t.token,
                expires: t.expires,
            })
        })
    }

    /// Checks a request URL (or path-and-query) as the edge would. Only bad arguments
    /// throw; everything about the link itself is in the result.
    #[napi(catch_unwind, ts_args_type = "url: string, options?: VerifyOptions")]
    pub fn verify(
        &self,
        env: Env,
        url: Unknown<'_>,
        options_: Option<Unknown<'_>>,
    ) -> napi::Result<VerifyResult> {
        guard(env.raw(), || {
            let url = arg_string(&env, url, ErrorKind::Url, "url")?;
            self.verify_with(&url, &options(&env, options_, "options")?)
        })
    }

    fn verify_with(&self, url: &str, o: &Opts<'_>) -> JsResult<VerifyResult> {
        Ok(verify_result(verdict(&self.inner, url, o)?))
    }

    /// What the edge hashes for `url`, to debug a 403 (the key shows as `***`).
    #[napi(catch_unwind, ts_args_type = "url: string, options?: ExplainOptions")]
    pub fn explain(
        &self,
        env: Env,
        url: Unknown<'_>,
        options_: Option<Unknown<'_>>,
    ) -> napi::Result<Explanation> {
        guard(env.raw(), || {
            let url = arg_string(&env, url, ErrorKind::Url, "url")?;
            let o = options(&env, options_, "options")?;
            let ip = o.string(c"ip", ErrorKind::Ip)?;
            let kind = read_kind(&o)?;
            let expires = o.seconds_or_date(c"expires")?;
            let e = self.inner.explain(
                &url,
                &cdn_secure_token::ExplainOptions {
                    ip: ip.as_deref(),
                    kind,
                    expires,
                },
            )?;
            Ok(Explanation {
                kind: e.kind.as_str().to_owned(),
                hashed_path: e.hashed_path,
                expires: e.expires,
                ip: e.ip,
                string_to_sign: e.string_to_sign,
                expected_token: e.expected_token,
                found_token: e.found_token,
                matches: e.matches,
            })
        })
    }
}

fn verdict(signer: &cdn_secure_token::Signer, url: &str, o: &Opts<'_>) -> JsResult<Verdict> {
    let ip = o.string(c"ip", ErrorKind::Ip)?;
    let now = o.seconds_or_date(c"now")?;
    let kind = read_kind(o)?;
    Ok(signer.verify(
        url,
        &cdn_secure_token::VerifyOptions {
            ip: ip.as_deref(),
            now,
            kind,
        },
    )?)
}

fn required<T>(v: Option<T>, name: &str) -> JsResult<T> {
    v.ok_or_else(|| Fail::type_error(ErrorKind::Argument, format!("{name} is required")))
}

/// A signed batch: an array, or strings of signed URLs joined with `'\n'` (see `Chunks`).
type BatchOut = Either<Vec<String>, Chunks>;

/// Signs a batch into one buffer of the signed URLs joined with `'\n'` (the core never
/// puts one in a signed URL): no string per URL.
fn sign_joined(
    signer: &cdn_secure_token::Signer,
    urls: &StrList,
    args: &SignArgs,
) -> JsResult<SignedBatch> {
    let urls: Vec<&str> = urls.iter().collect();
    Ok(signer.sign_many_joined(&urls, &args.core())?)
}

/// Signed URLs per string of `Chunks`. 64 keeps what a kept URL keeps alive at ~6 KB (for
/// ~96-byte URLs). Measured on 100,000 URLs (bench/batch.js): 256 and 1024 (~25 / ~100 KB
/// kept alive) made no difference beyond the noise, the JavaScript split costing ~19 ns a
/// URL at any of these sizes; 2048 (~200 KB strings, in V8's large-object space) cost ~35
/// ns a URL more.
const CHUNK_URLS: usize = 64;

/// A signed batch on its way to `main.js`: an array of strings, each holding up to
/// `CHUNK_URLS` signed URLs joined with `'\n'`, which `main.js` splits. A few thousand
/// N-API calls for 100,000 URLs instead of one string per URL; and not one string for the
/// whole batch, because the URLs `split` returns are slices of their string: a signed URL
/// kept for later keeps only its chunk (~6 KB) alive, not the batch.
pub struct Chunks(SignedBatch);

impl Chunks {
    fn to_js(&self, env: napi::sys::napi_env) -> JsResult<napi::sys::napi_value> {
        let batch = &self.0;
        let text = batch.as_joined();
        let offset = |i: usize| -> JsResult<usize> {
            match batch.get(i) {
                Some(url) => Ok(url.as_ptr() as usize - text.as_ptr() as usize),
                None => Err(Fail::internal(format!("signed URL {i} is missing"))),
            }
        };
        let count = batch.len().div_ceil(CHUNK_URLS);
        let failed = |what: &str| Fail::internal(format!("could not {what}"));
        let mut array = std::ptr::null_mut();
        if unsafe { napi::sys::napi_create_array_with_length(env, count, &mut array) }
            != napi::sys::Status::napi_ok
        {
            return Err(failed("create an array"));
        }
        for c in 0..count {
            let start = offset(c * CHUNK_URLS)?;
            let end = if c + 1 < count {
                offset((c + 1) * CHUNK_URLS)? - 1
            } else {
                text.len()
            };
            let chunk = text
                .get(start..end)
                .ok_or_else(|| failed("cut the signed batch"))?;
            // One handle per chunk: a scope per chunk keeps their number bounded.
            let mut scope = std::ptr::null_mut();
            if unsafe { napi::sys::napi_open_handle_scope(env, &mut scope) }
                != napi::sys::Status::napi_ok
            {
                return Err(failed("open a handle scope"));
            }
            let set = js_text(env, chunk).and_then(|s| {
                let status = unsafe { napi::sys::napi_set_element(env, array, c as u32, s) };
                if status == napi::sys::Status::napi_ok {
                    Ok(())
                } else {
                    Err(failed("fill the array"))
                }
            });
            unsafe { napi::sys::napi_close_handle_scope(env, scope) };
            set?;
        }
        Ok(array)
    }
}

impl TypeName for Chunks {
    fn type_name() -> &'static str {
        "Array"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl napi::bindgen_prelude::ToNapiValue for Chunks {
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        val.to_js(env).map_err(|f| f.into_napi(env))
    }
}

/// The work of `signManyAsync`: arguments read on the JavaScript thread, hashing on a
/// libuv worker.
pub struct SignManyTask {
    signer: Arc<cdn_secure_token::Signer>,
    input: Option<JsResult<(StrList, SignArgs)>>,
    /// Resolve with `Chunks` (for `main.js`) rather than an array.
    joined: bool,
}

impl Task for SignManyTask {
    type Output = JsResult<BatchOut>;
    type JsValue = BatchOut;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let (urls, args) = match self.input.take() {
            Some(Ok(input)) => input,
            Some(Err(fail)) => return Ok(Err(fail)),
            None => return Err(napi::Error::new(Status::GenericFailure, "task ran twice")),
        };
        let signer = &self.signer;
        Ok(js::catch(|| {
            Ok(if self.joined {
                Either::B(Chunks(sign_joined(signer, &urls, &args)?))
            } else {
                let urls: Vec<&str> = urls.iter().collect();
                Either::A(signer.sign_many(&urls, &args.core())?)
            })
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output.map_err(|f| f.into_napi(env.raw()))
    }
}

/// Panics on purpose, so that the tests can check that no panic reaches JavaScript.
#[doc(hidden)]
#[napi(js_name = "__panicForTesting", catch_unwind, skip_typescript)]
pub fn panic_for_testing(env: Env) -> napi::Result<()> {
    guard(env.raw(), || -> JsResult<()> {
        panic!("deliberate panic for the test suite")
    })
}

// ---- Player token refresh (issue 16): the core's RefreshEndpoint, translated. ----

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

fn refresh_answer(r: cdn_secure_token::RefreshResponse) -> RefreshAnswer {
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
    inner: Arc<cdn_secure_token::RefreshEndpoint>,
}

#[napi]
impl RefreshEndpoint {
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, signer: &Signer, options: RefreshEndpointOptions) -> napi::Result<Self> {
        guard(env.raw(), || {
            let mut c = cdn_secure_token::RefreshConfig::new(&options.account, &options.cdn_url)?;
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
                c = c.trusted_proxies(cdn_secure_token::TrustedProxies::new(p)?);
            }
            Ok(RefreshEndpoint {
                inner: Arc::new(cdn_secure_token::RefreshEndpoint::new(
                    (*signer.inner).clone(),
                    c,
                )),
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
        let req = cdn_secure_token::RefreshRequest {
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
    endpoint: Arc<cdn_secure_token::RefreshEndpoint>,
    ask: cdn_secure_token::RefreshAsk,
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
