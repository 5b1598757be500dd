//! Node.js face of `cdn-secure-token`, on napi-rs: each call converts its arguments
//! (`options.rs`, `value.rs`), calls the core, and converts the result or the error back.
//! No signing or verifying rule lives here.

use std::sync::Arc;

use cdn_secure_token::{self as core, ErrorKind, FixedClock, Prepared, Verdict};
use napi::bindgen_prelude::{
    AsyncTask, ClassInstance, Env, External, FromNapiValue, FunctionCallContext, JsObjectValue,
    JsValue, Latin1String, Object, This, Unknown,
};
use napi::{Property, PropertyAttributes};
use napi_derive::napi;

mod batch;
mod options;
mod refresh;
mod value;

use batch::{BatchTask, SignBuffer, Work};
pub use options::{
    ExplainOptions, ManifestFields, SignOptions, SignerOptions, StreamFields, VerifyOptions,
};
use options::{Fields, SignOpts};
use value::{catch, guard, or_default, Class, Fail, Opts, Value};

/// The library version (one version for every face of cdn-secure-token).
#[napi]
pub const VERSION: &str = core::VERSION;

/// The edge's answer to a request: every field as the core gives it.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct VerifyResult {
    /// `'valid'` (200), `'expired'` (410) or `'invalid'` (403, or 400 / 414 for a request
    /// the edge refuses before any token check).
    #[napi(ts_type = "'valid' | 'expired' | 'invalid'")]
    pub status: &'static str,
    /// The HTTP status the edge answers.
    #[napi(ts_type = "200 | 400 | 403 | 410 | 414")]
    pub http_status: u32,
    /// `null` when valid, `'expired'` when expired, else why the link is refused.
    #[napi(
        ts_type = "'expired' | 'missing_token' | 'malformed_token' | 'missing_expires' | 'malformed_expires' | 'bad_request' | 'uri_too_long' | 'bad_client_ip' | 'not_a_stream_path' | 'mismatch' | null"
    )]
    pub reason: Option<&'static str>,
    /// A sentence for logs, `null` when valid.
    pub message: Option<String>,
    /// The link's expiry (Unix seconds) when its token matches.
    pub expires: Option<i64>,
    /// Which key matched (0 = the signing key, 1.. = `verifyKeys`) when the token matches.
    pub key_index: Option<u32>,
}

impl From<Verdict> for VerifyResult {
    fn from(v: Verdict) -> Self {
        VerifyResult {
            status: v.as_str(),
            http_status: u32::from(v.status()),
            reason: v.reason_code(),
            message: v.message(),
            expires: v.expires(),
            key_index: v.key_index().map(|i| i as u32),
        }
    }
}

/// A token with the expiry it was made for.
#[napi(object, object_from_js = false)]
pub struct SignedToken {
    /// The 22-character token.
    pub token: String,
    /// The expiry it covers, Unix seconds.
    pub expires: i64,
}

impl From<core::SignedToken> for SignedToken {
    fn from(t: core::SignedToken) -> Self {
        let core::SignedToken { token, expires } = t;
        SignedToken { token, expires }
    }
}

/// What the edge hashes for a link; the key is shown as `***`.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Explanation {
    /// The token kind explained.
    #[napi(ts_type = "'file' | 'directory' | 'mp4' | 'stream'")]
    pub kind: &'static str,
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

impl From<core::Explanation> for Explanation {
    fn from(e: core::Explanation) -> Self {
        Explanation {
            kind: e.kind.as_str(),
            hashed_path: e.hashed_path,
            expires: e.expires,
            ip: e.ip,
            string_to_sign: e.string_to_sign,
            expected_token: e.expected_token,
            found_token: e.found_token,
            matches: e.matches,
        }
    }
}

/// What `signer.prepare(options)` returns (as an External): the options checked once, as
/// the core's `Prepared` (for `signUrl` and the batches) and as checked fields (for the
/// calls the core takes plain options for: `token`, `tokenWith`).
pub struct PreparedOptions {
    fields: Fields,
    prepared: Prepared,
}

/// Signs and verifies Secure Token links. Holds its keys out of JavaScript's reach: no
/// property, message or `util.inspect` output shows them.
#[napi]
pub struct Signer {
    pub(crate) inner: Arc<core::Signer>,
}

#[napi]
impl Signer {
    /// A signer for `key` (the CDN resource's secret, 6 to 255 bytes), with
    /// `{ verifyKeys, defaultTtl, allowPastExpiry, now, maxRequestLen }`.
    #[napi(constructor, ts_args_type = "key: string, options?: SignerOptions")]
    pub fn new(env: Env, mut this: This, key: Value, options: Option<Opts>) -> napi::Result<Self> {
        let inner = guard(&env, || {
            let mut b = core::Signer::builder(&key.string(ErrorKind::Key, "key")?);
            let mut o = or_default(options)?;
            let keys = o
                .field("verifyKeys")?
                .strings(ErrorKind::Key, "verifyKeys")?;
            b = keys.iter().fold(b, |b, k| b.verify_key(k));
            if let Value::Num(t) = o.field("defaultTtl")? {
                b = b.default_ttl(t as i64);
            }
            if let Value::Bool(a) = o.field("allowPastExpiry")? {
                b = b.allow_past_expiry(a);
            }
            if let Value::Num(now) = o.field("now")? {
                b = b.clock(Arc::new(FixedClock(now as i64)));
            }
            if let Value::Num(n) = o.field("maxRequestLen")? {
                if n < 0.0 {
                    let m = format!("maxRequestLen must not be negative, got {n}");
                    return Err(Fail::new(Class::Range, ErrorKind::Argument, m));
                }
                b = b.max_request_len(n as usize);
            }
            Ok(Arc::new(b.build()?))
        })?;
        bind_calls(&env, &mut this, &inner)?;
        Ok(Signer { inner })
    }

    fn task(&self, work: Result<(Work, Arc<PreparedOptions>), Fail>) -> AsyncTask<BatchTask> {
        let signer = Arc::clone(&self.inner);
        AsyncTask::new(BatchTask {
            signer,
            work: Some(work),
        })
    }

    /// How many keys this signer holds (the signing key and the `verifyKeys`).
    #[napi(getter)]
    pub fn key_count(&self) -> u32 {
        self.inner.key_count() as u32
    }

    /// The default lifetime in seconds, or `null`.
    #[napi(getter)]
    pub fn default_ttl(&self) -> Option<i64> {
        self.inner.default_ttl()
    }

    /// The current Unix time by this signer's clock.
    #[napi]
    pub fn now(&self) -> i64 {
        self.inner.now()
    }

    /// Sign options checked once, to pass to the sign calls in a hot loop instead of an
    /// options object (which is read field by field on every call). Throws what a sign call
    /// with these options would throw (the URL aside).
    #[napi(
        ts_args_type = "options?: SignOptions",
        ts_return_type = "PreparedOptions"
    )]
    pub fn prepare(
        &self,
        env: Env,
        options: Option<Opts>,
    ) -> napi::Result<External<Arc<PreparedOptions>>> {
        let options = options.map(SignOpts::Plain);
        guard(&env, || Ok(External::new(prepared(&self.inner, options)?)))
    }

    /// Like `signJoined`, but hashes on a libuv worker thread so that the event loop stays
    /// free. Every failure, bad arguments included, rejects the promise (only an exception
    /// thrown by a getter of the options object propagates as it is thrown).
    #[napi(
        ts_args_type = "text: string, options?: SignOptions | PreparedOptions",
        ts_return_type = "Promise<string>"
    )]
    pub fn sign_joined_async(
        &self,
        text: Value,
        options: Option<SignOpts>,
    ) -> AsyncTask<BatchTask> {
        let work = catch(|| {
            let text = text.string(ErrorKind::Url, "text")?;
            Ok((Work::Text(text), prepared(&self.inner, options)?))
        });
        self.task(work)
    }

    /// What `signManyAsync` (main.js) calls: `signMany`'s pieces, hashed on a libuv worker.
    #[napi(skip_typescript)]
    pub fn sign_pieces_async(
        &self,
        urls: Unknown,
        options: Option<SignOpts>,
    ) -> AsyncTask<BatchTask> {
        let work = catch(|| {
            let mut buf = Box::<SignBuffer>::default();
            buf.read(&urls)?;
            let p = prepared(&self.inner, options)?;
            Ok((Work::List(buf), p))
        });
        self.task(work)
    }

    /// Signs an HLS playlist or DASH MPD served from `url`: every URI a player fetches gets a
    /// token (relative URIs resolved against `url` and kept relative), everything else stays
    /// byte for byte. A failure names the manifest line (`err.line`, 0 for the manifest as a
    /// whole, its URL or the options); nothing is returned partially signed.
    #[napi(ts_args_type = "text: string, url: string, options?: ManifestOptions")]
    pub fn sign_manifest(
        &self,
        env: Env,
        text: Value,
        url: Value,
        options: Option<Opts>,
    ) -> napi::Result<String> {
        guard(&env, || {
            let text = text.string(ErrorKind::Argument, "text")?;
            let url = url.string(ErrorKind::Url, "url")?;
            let mut o = or_default(options)?;
            let sign = Fields::signing(&mut o)?;
            let o = core::ManifestOptions {
                outside: o.parsed("outside")?,
                other_hosts: matches!(o.field("otherHosts")?, Value::Bool(true)),
                sign: sign.sign()?,
            };
            Ok(self.inner.sign_manifest(&text, &url, &o)?)
        })
    }

    /// The bare 22-character token of a file, directory or MP4 link for an already
    /// decoded path (`%` is taken literally).
    #[napi(ts_args_type = "path: string, options?: SignOptions | PreparedOptions")]
    pub fn token(&self, env: Env, path: Value, options: Option<SignOpts>) -> napi::Result<String> {
        self.token_with(env, path, options).map(|t| t.token)
    }

    /// Like `token`, with the expiry it covers: `{ token, expires }`.
    #[napi(ts_args_type = "path: string, options?: SignOptions | PreparedOptions")]
    pub fn token_with(
        &self,
        env: Env,
        path: Value,
        options: Option<SignOpts>,
    ) -> napi::Result<SignedToken> {
        guard(&env, || {
            let path = path.string(ErrorKind::Path, "path")?;
            let token = |f: &Fields| Ok(self.inner.token_with(&path, &f.sign()?)?.into());
            match options {
                Some(SignOpts::Prepared(p)) => token(&p.fields),
                Some(SignOpts::Plain(o)) => token(&Fields::signing(&mut or_default(Some(o))?)?),
                None => token(&Fields::default()),
            }
        })
    }

    /// A Video Streaming link:
    /// `{base}/{videos|cmaf|mpegts|streams}/{account}_{id}/{token}/{expires}/{file}`.
    #[napi(ts_args_type = "options: StreamUrlOptions")]
    pub fn stream_url(&self, env: Env, options: Opts) -> napi::Result<String> {
        guard(&env, || {
            let mut o = options.required("options")?;
            let stream = o.parsed("stream")?;
            let base = o.text("base")?.unwrap_or_default();
            let account = options::account(o.field("account")?)?;
            let id = o.field("id")?.string(ErrorKind::Argument, "id")?;
            let file = o.text("file")?;
            let sign = Fields::signing(&mut o)?;
            let (file, o) = (file.as_deref(), sign.sign()?);
            Ok(self
                .inner
                .stream_url(&base, stream, &account, &id, file, &o)?)
        })
    }

    /// A Video Streaming path token for `{account}_{id}`: `{ token, expires }`.
    #[napi(ts_args_type = "account: string | number, id: string, options?: StreamTokenOptions")]
    pub fn stream_token(
        &self,
        env: Env,
        account: Value,
        id: Value,
        options: Option<Opts>,
    ) -> napi::Result<SignedToken> {
        guard(&env, || {
            let account = options::account(account)?;
            let id = id.string(ErrorKind::Argument, "id")?;
            let o = Fields::signing(&mut or_default(options)?)?;
            Ok(self.inner.stream_token(&account, &id, &o.sign()?)?.into())
        })
    }

    /// Checks a link you hold (a full URL, or a path and query) as the edge would. For
    /// what a server received, use `verifyRequest`. Only bad arguments throw (a malformed
    /// `ip`); everything about the link is in the result.
    #[napi(ts_args_type = "url: string, options?: VerifyOptions")]
    pub fn verify(
        &self,
        env: Env,
        url: Value,
        options: Option<Opts>,
    ) -> napi::Result<VerifyResult> {
        guard(&env, || {
            let url = url.string(ErrorKind::Url, "url")?;
            let o = Fields::verifying(&mut or_default(options)?)?;
            Ok(self.inner.verify(&url, &o.verify()?)?.into())
        })
    }

    /// Checks what a server received: the request target exactly as it came in the request
    /// line (`/path?query`, where a leading `//` is part of the path, or
    /// `http://host/path?query`), as bytes or as a string of one character per byte (latin1:
    /// how Node's `http` module gives `req.url`). Never throws on the target: everything a
    /// client sends gets a verdict (400 / 414 where the edge answers so).
    #[napi(ts_args_type = "target: string | Uint8Array, options?: VerifyOptions")]
    pub fn verify_request(
        &self,
        env: Env,
        target: Value,
        options: Option<Opts>,
    ) -> napi::Result<VerifyResult> {
        guard(&env, || {
            let target = target.target_bytes("target")?;
            let o = Fields::verifying(&mut or_default(options)?)?;
            Ok(self.inner.verify_request(&target, &o.verify()?).into())
        })
    }

    /// What the edge hashes for `url`, to debug a 403 (the key shows as `***`).
    #[napi(ts_args_type = "url: string, options?: ExplainOptions")]
    pub fn explain(
        &self,
        env: Env,
        url: Value,
        options: Option<Opts>,
    ) -> napi::Result<Explanation> {
        guard(&env, || {
            let url = url.string(ErrorKind::Url, "url")?;
            let f = Fields::explaining(&mut or_default(options)?)?;
            let s = f.sign()?;
            let o = core::ExplainOptions {
                ip: s.ip,
                kind: s.kind,
                expires: s.expires,
            };
            Ok(self.inner.explain(&url, &o)?.into())
        })
    }
}

/// `signUrl`, `signJoined` and `signPieces` (the call under `signMany`), the hot calls, are functions
/// made for each signer (napi-rs's `create_function_from_closure`, holding the signer) and
/// set on the instance, instead of `#[napi]` methods: a method call unwraps `this` and opens
/// napi-rs's native-borrow scope with a guard in a global map (~2,900 of ~8,400
/// instructions per prepared `signUrl`, callgrind), which a signer that is never mutated
/// does not need. One run of a bench.js loop, load 4.7: 826 -> 450 ns per prepared
/// `signUrl` (the snippet: 1,615). Their types are in dts-header.d.ts. Signed links go back
/// as latin1 (`Latin1String`): they are ASCII, so it is exact and spares V8 the UTF-8
/// decoding (~120 instructions of a prepared `signUrl`, callgrind).
fn bind_calls(env: &Env, this: &mut This, signer: &Arc<core::Signer>) -> napi::Result<()> {
    let sign_url = bound(env, signer, "signUrl", |s, ctx| {
        let (url, options) = args::<Value>(&ctx)?;
        let link = guard(ctx.env, || {
            let url = url.string(ErrorKind::Url, "url")?;
            Ok(s.sign_prepared(&url, &prepared(s, options)?.prepared)?)
        });
        link.map(Latin1String::from)
    })?;
    let sign_joined = bound(env, signer, "signJoined", |s, ctx| {
        let (text, options) = args::<Value>(&ctx)?;
        let joined = guard(ctx.env, || {
            let text = text.string(ErrorKind::Url, "text")?;
            let batch = s.sign_joined(&text, b'\n', &prepared(s, options)?.prepared)?;
            Ok(batch.into_joined())
        });
        joined.map(Latin1String::from)
    })?;
    let sign_pieces = bound(env, signer, "signPieces", |s, ctx| {
        let (urls, options) = args::<Unknown>(&ctx)?;
        let mut given: Option<ClassInstance<SignBuffer>> =
            if ctx.length() > 2 { ctx.get(2)? } else { None };
        // Taken out for the call, so that JavaScript run meanwhile (a getter of the array
        // calling signMany with the same buffer) finds it empty rather than borrowed.
        let mut buf = given.as_deref_mut().map(std::mem::take).unwrap_or_default();
        let pieces = guard(ctx.env, || {
            buf.read(&urls)?;
            buf.sign(s, &prepared(s, options)?.prepared)?;
            buf.pieces(ctx.env)
        });
        if let Some(given) = given.as_deref_mut() {
            *given = buf;
        }
        pieces
    })?;
    this.define_properties(&[sign_url, sign_joined, sign_pieces])
}

/// A function holding the signer, as a writable, configurable property of the instance.
fn bound<R, F>(env: &Env, signer: &Arc<core::Signer>, name: &str, call: F) -> napi::Result<Property>
where
    R: napi::bindgen_prelude::ToNapiValue,
    F: 'static + Fn(&core::Signer, FunctionCallContext) -> napi::Result<R>,
{
    let s = Arc::clone(signer);
    let call = move |ctx: FunctionCallContext<'_>| call(&s, ctx);
    let f = env.create_function_from_closure::<(Unknown, Object), _, _>(name, call)?;
    let attributes = PropertyAttributes::Writable | PropertyAttributes::Configurable;
    let p = Property::new().with_utf8_name(name)?;
    Ok(p.with_napi_value(env, f.raw())?
        .with_property_attributes(attributes))
}

/// A bound call's first argument and its options (`None` when not passed).
fn args<'a, T: FromNapiValue>(
    ctx: &FunctionCallContext<'a>,
) -> napi::Result<(T, Option<SignOpts>)> {
    let first = ctx.get(0)?;
    Ok((first, if ctx.length() > 1 { ctx.get(1)? } else { None }))
}

/// A sign call's options argument checked: the caller's `PreparedOptions`, or one made now.
fn prepared(
    signer: &core::Signer,
    options: Option<SignOpts>,
) -> Result<Arc<PreparedOptions>, Fail> {
    let fields = match options {
        Some(SignOpts::Prepared(p)) => return Ok(p),
        Some(SignOpts::Plain(o)) => Fields::signing(&mut or_default(Some(o))?)?,
        None => Fields::default(),
    };
    let prepared = signer.prepare(&fields.sign()?)?;
    Ok(Arc::new(PreparedOptions { fields, prepared }))
}

/// Panics on purpose, so that the tests can check that no panic reaches JavaScript.
#[doc(hidden)]
#[napi(js_name = "__panicForTesting", skip_typescript)]
pub fn panic_for_testing(env: Env) -> napi::Result<()> {
    guard(&env, || -> Result<(), Fail> {
        panic!("deliberate panic for the test suite")
    })
}
