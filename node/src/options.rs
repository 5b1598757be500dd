//! The option objects of the API, read by napi-rs (`#[napi(object)]`) and converted with
//! `TryFrom` into the core's options; their doc comments are the `.d.ts` documentation.

use cdn_secure_token::{self as core, ErrorKind, Outside, StreamKind, TokenKind};
use napi_derive::napi;

use std::sync::Arc;

use napi::bindgen_prelude::{
    External, FromNapiRef, FromNapiValue, TypeName, Unknown, ValidateNapiValue,
};
use napi::{sys, ValueType};

use crate::value::{Fail, Opts, Value};

/// Options of `new Signer(key, options)`.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct SignerOptions {
    /// More keys that `verify` accepts (key rotation); signing always uses `key`.
    #[napi(ts_type = "readonly string[]")]
    pub verify_keys: Option<Value>,
    /// Lifetime in seconds used when a call gives neither `expires` nor `ttl`.
    #[napi(ts_type = "number")]
    pub default_ttl: Option<Value>,
    /// Accept an `expires` already in the past (off by default: such a link is born dead).
    #[napi(ts_type = "boolean")]
    pub allow_past_expiry: Option<Value>,
    /// Freezes this signer's clock at this instant (Unix seconds or a `Date`), for tests.
    #[napi(ts_type = "number | Date")]
    pub now: Option<Value>,
    /// The longest request line (`GET {target} HTTP/1.1`) the edge accepts, in bytes
    /// (default: nginx's 8 KiB): longer links are not signed, and verify as 414.
    #[napi(ts_type = "number")]
    pub max_request_len: Option<Value>,
}

/// Options of `signUrl`, `signMany`, `signManyAsync`, `token` and `tokenWith`.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct SignOptions {
    /// Absolute expiry: Unix time in seconds, or a `Date`. Milliseconds are refused.
    #[napi(ts_type = "number | Date")]
    pub expires: Option<Value>,
    /// Lifetime in seconds from now (instead of `expires`).
    #[napi(ts_type = "number")]
    pub ttl: Option<Value>,
    /// Client IP to bind the link to, in any valid spelling.
    #[napi(ts_type = "string")]
    pub ip: Option<Value>,
    /// Token kind (default `'file'`).
    #[napi(ts_type = "'file' | 'directory' | 'mp4'")]
    pub kind: Option<Value>,
    /// MP4 only: the `speed` limit as written in the link, e.g. `'1m'` or `'500k'`.
    #[napi(ts_type = "string | number")]
    pub speed: Option<Value>,
    /// MP4 only: the `buffer` size as written in the link, e.g. `'10m'`.
    #[napi(ts_type = "string | number")]
    pub buffer: Option<Value>,
    /// The current time (Unix seconds or a `Date`); defaults to the signer's clock.
    #[napi(ts_type = "number | Date")]
    pub now: Option<Value>,
}

/// Options of `signManifest`: those of `signUrl`, and what to do with URIs the token does
/// not cover.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct ManifestOptions {
    /// Absolute expiry: Unix time in seconds, or a `Date`; one expiry for the whole manifest.
    #[napi(ts_type = "number | Date")]
    pub expires: Option<Value>,
    /// Lifetime in seconds from now (instead of `expires`).
    #[napi(ts_type = "number")]
    pub ttl: Option<Value>,
    /// Client IP to bind every URI to, in any valid spelling.
    #[napi(ts_type = "string")]
    pub ip: Option<Value>,
    /// `'file'` (default) or `'mp4'`: a token per URI; `'directory'`: the manifest
    /// directory's token on every URI inside it (needed for DASH `$Number$` templates).
    #[napi(ts_type = "'file' | 'directory' | 'mp4'")]
    pub kind: Option<Value>,
    /// MP4 only: the `speed` limit, e.g. `'1m'`.
    #[napi(ts_type = "string | number")]
    pub speed: Option<Value>,
    /// MP4 only: the `buffer` size, e.g. `'10m'`.
    #[napi(ts_type = "string | number")]
    pub buffer: Option<Value>,
    /// The current time (Unix seconds or a `Date`); defaults to the signer's clock.
    #[napi(ts_type = "number | Date")]
    pub now: Option<Value>,
    /// With `kind: 'directory'`: `'error'` (default) or `'keep'` a URI outside the manifest's
    /// directory.
    #[napi(ts_type = "'error' | 'keep'")]
    pub outside: Option<Value>,
    /// Sign http(s) URIs on other hosts too (same key); default `false`.
    #[napi(ts_type = "boolean")]
    pub other_hosts: Option<Value>,
}

/// Options of `streamUrl`: which video or stream, and when the link expires.
#[napi(object, object_to_js = false)]
pub struct StreamUrlOptions {
    /// `''` (default) for a path, or `https://host[:port]`.
    #[napi(ts_type = "string")]
    pub base: Option<Value>,
    /// The Video Streaming layout (default `'vod'`).
    #[napi(ts_type = "'vod' | 'cmaf' | 'mpegts' | 'streams'")]
    pub stream: Option<Value>,
    /// The numeric account (client) id.
    #[napi(ts_type = "string | number")]
    pub account: Value,
    /// The video slug or live stream id.
    #[napi(ts_type = "string")]
    pub id: Value,
    /// The file after the expiry segment (default `master.m3u8`, `playlist.m3u8` for `streams`).
    #[napi(ts_type = "string")]
    pub file: Option<Value>,
    /// Absolute expiry: Unix time in seconds, or a `Date`.
    #[napi(ts_type = "number | Date")]
    pub expires: Option<Value>,
    /// Lifetime in seconds from now.
    #[napi(ts_type = "number")]
    pub ttl: Option<Value>,
    /// Client IP to bind the link to.
    #[napi(ts_type = "string")]
    pub ip: Option<Value>,
    /// The current time (Unix seconds or a `Date`).
    #[napi(ts_type = "number | Date")]
    pub now: Option<Value>,
}

/// Options of `streamToken`.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct StreamTokenOptions {
    /// Absolute expiry: Unix time in seconds, or a `Date`.
    #[napi(ts_type = "number | Date")]
    pub expires: Option<Value>,
    /// Lifetime in seconds from now.
    #[napi(ts_type = "number")]
    pub ttl: Option<Value>,
    /// Client IP to bind the token to.
    #[napi(ts_type = "string")]
    pub ip: Option<Value>,
    /// The current time (Unix seconds or a `Date`).
    #[napi(ts_type = "number | Date")]
    pub now: Option<Value>,
}

/// Options of `verify`, `verifyRequest` and `explain`.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct VerifyOptions {
    /// The client address the edge would see, in any valid spelling.
    #[napi(ts_type = "string")]
    pub ip: Option<Value>,
    /// The current time (Unix seconds or a `Date`); defaults to the signer's clock.
    #[napi(ts_type = "number | Date")]
    pub now: Option<Value>,
    /// The token kind the location expects (default `'file'`).
    #[napi(ts_type = "'file' | 'directory' | 'mp4' | 'stream'")]
    pub kind: Option<Value>,
}

/// Options of `explain`.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct ExplainOptions {
    /// Client IP, in any valid spelling.
    #[napi(ts_type = "string")]
    pub ip: Option<Value>,
    /// Token kind (default `'file'`).
    #[napi(ts_type = "'file' | 'directory' | 'mp4' | 'stream'")]
    pub kind: Option<Value>,
    /// Expiry to use when the link has none (Unix seconds or a `Date`).
    #[napi(ts_type = "number | Date")]
    pub expires: Option<Value>,
}

/// Applies `f` to an option that was given (not `undefined` or `null`).
fn opt<T>(v: Option<Value>, f: impl FnOnce(Value) -> Result<T, Fail>) -> Result<Option<T>, Fail> {
    v.and_then(Value::given).map(f).transpose()
}

fn kind(v: Option<Value>) -> Result<TokenKind, Fail> {
    Ok(opt(v, |v| {
        Ok(v.string(ErrorKind::Argument, "kind")?
            .parse::<TokenKind>()?)
    })?
    .unwrap_or_default())
}

fn ip(v: Option<Value>) -> Result<Option<String>, Fail> {
    opt(v, |v| v.string(ErrorKind::Ip, "ip"))
}

fn seconds(v: Option<Value>, name: &str) -> Result<Option<i64>, Fail> {
    opt(v, |v| v.seconds(ErrorKind::Expiry, name))
}

fn ttl(v: Option<Value>) -> Result<Option<i64>, Fail> {
    opt(v, |v| v.integer(ErrorKind::Expiry, "ttl", " of seconds"))
}

/// The signer's settings, checked.
pub struct SignerSettings {
    pub verify_keys: Vec<String>,
    pub default_ttl: Option<i64>,
    pub allow_past_expiry: Option<bool>,
    pub now: Option<i64>,
    pub max_request_len: Option<usize>,
}

impl TryFrom<SignerOptions> for SignerSettings {
    type Error = Fail;
    fn try_from(o: SignerOptions) -> Result<Self, Fail> {
        Ok(SignerSettings {
            verify_keys: opt(o.verify_keys, |v| v.strings(ErrorKind::Key, "verifyKeys"))?
                .unwrap_or_default(),
            default_ttl: opt(o.default_ttl, |v| {
                v.integer(ErrorKind::Expiry, "defaultTtl", " of seconds")
            })?,
            allow_past_expiry: opt(o.allow_past_expiry, |v| {
                v.boolean(ErrorKind::Argument, "allowPastExpiry")
            })?,
            now: seconds(o.now, "now")?,
            max_request_len: opt(o.max_request_len, |v| {
                let n = v.integer(ErrorKind::Argument, "maxRequestLen", "")?;
                usize::try_from(n).map_err(|_| {
                    Fail::new(
                        crate::value::Class::Range,
                        ErrorKind::Argument,
                        format!("maxRequestLen must not be negative, got {n}"),
                    )
                })
            })?,
        })
    }
}

/// Sign options, checked and owned (so that they can go to a worker thread); `core()`
/// lends them to the core.
#[derive(Default)]
pub struct SignArgs {
    expires: Option<i64>,
    ttl: Option<i64>,
    ip: Option<String>,
    kind: TokenKind,
    speed: Option<String>,
    buffer: Option<String>,
    now: Option<i64>,
}

impl SignArgs {
    pub fn core(&self) -> core::SignOptions<'_> {
        core::SignOptions {
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

impl TryFrom<SignOptions> for SignArgs {
    type Error = Fail;
    fn try_from(o: SignOptions) -> Result<Self, Fail> {
        Ok(SignArgs {
            expires: seconds(o.expires, "expires")?,
            ttl: ttl(o.ttl)?,
            ip: ip(o.ip)?,
            kind: kind(o.kind)?,
            speed: opt(o.speed, |v| v.text(ErrorKind::Argument, "speed"))?,
            buffer: opt(o.buffer, |v| v.text(ErrorKind::Argument, "buffer"))?,
            now: seconds(o.now, "now")?,
        })
    }
}

/// Manifest options, checked and owned.
pub struct ManifestArgs {
    sign: SignArgs,
    outside: Outside,
    other_hosts: bool,
}

impl ManifestArgs {
    pub fn core(&self) -> core::ManifestOptions<'_> {
        core::ManifestOptions {
            sign: self.sign.core(),
            outside: self.outside,
            other_hosts: self.other_hosts,
        }
    }
}

impl TryFrom<ManifestOptions> for ManifestArgs {
    type Error = Fail;
    fn try_from(o: ManifestOptions) -> Result<Self, Fail> {
        Ok(ManifestArgs {
            sign: SignArgs::try_from(SignOptions {
                expires: o.expires,
                ttl: o.ttl,
                ip: o.ip,
                kind: o.kind,
                speed: o.speed,
                buffer: o.buffer,
                now: o.now,
            })?,
            outside: opt(o.outside, |v| {
                Ok(v.string(ErrorKind::Argument, "outside")?
                    .parse::<Outside>()?)
            })?
            .unwrap_or_default(),
            other_hosts: opt(o.other_hosts, |v| {
                v.boolean(ErrorKind::Argument, "otherHosts")
            })?
            .unwrap_or(false),
        })
    }
}

impl TryFrom<StreamTokenOptions> for SignArgs {
    type Error = Fail;
    fn try_from(o: StreamTokenOptions) -> Result<Self, Fail> {
        Ok(SignArgs {
            expires: seconds(o.expires, "expires")?,
            ttl: ttl(o.ttl)?,
            ip: ip(o.ip)?,
            now: seconds(o.now, "now")?,
            ..SignArgs::default()
        })
    }
}

/// A stream link's identity and its sign options, checked.
pub struct StreamArgs {
    pub base: String,
    pub stream: StreamKind,
    pub account: String,
    pub id: String,
    pub file: Option<String>,
    pub sign: SignArgs,
}

impl TryFrom<StreamUrlOptions> for StreamArgs {
    type Error = Fail;
    fn try_from(o: StreamUrlOptions) -> Result<Self, Fail> {
        Ok(StreamArgs {
            base: opt(o.base, |v| v.string(ErrorKind::Url, "base"))?.unwrap_or_default(),
            stream: opt(o.stream, |v| {
                Ok(v.string(ErrorKind::Argument, "stream")?
                    .parse::<StreamKind>()?)
            })?
            .unwrap_or_default(),
            account: o.account.text(ErrorKind::Argument, "account")?,
            id: o.id.string(ErrorKind::Argument, "id")?,
            file: opt(o.file, |v| v.string(ErrorKind::Argument, "file"))?,
            sign: SignArgs::try_from(StreamTokenOptions {
                expires: o.expires,
                ttl: o.ttl,
                ip: o.ip,
                now: o.now,
            })?,
        })
    }
}

/// Verify options, checked and owned.
pub struct VerifyArgs {
    ip: Option<String>,
    now: Option<i64>,
    kind: TokenKind,
}

impl VerifyArgs {
    pub fn core(&self) -> core::VerifyOptions<'_> {
        core::VerifyOptions {
            ip: self.ip.as_deref(),
            now: self.now,
            kind: self.kind,
        }
    }
}

impl TryFrom<VerifyOptions> for VerifyArgs {
    type Error = Fail;
    fn try_from(o: VerifyOptions) -> Result<Self, Fail> {
        Ok(VerifyArgs {
            ip: ip(o.ip)?,
            now: seconds(o.now, "now")?,
            kind: kind(o.kind)?,
        })
    }
}

/// Explain options, checked and owned.
pub struct ExplainArgs {
    ip: Option<String>,
    kind: TokenKind,
    expires: Option<i64>,
}

impl ExplainArgs {
    pub fn core(&self) -> core::ExplainOptions<'_> {
        core::ExplainOptions {
            ip: self.ip.as_deref(),
            kind: self.kind,
            expires: self.expires,
        }
    }
}

impl TryFrom<ExplainOptions> for ExplainArgs {
    type Error = Fail;
    fn try_from(o: ExplainOptions) -> Result<Self, Fail> {
        Ok(ExplainArgs {
            ip: ip(o.ip)?,
            kind: kind(o.kind)?,
            expires: seconds(o.expires, "expires")?,
        })
    }
}

/// The options argument of the sign calls: a `PreparedOptions` (an External holding the
/// checked options, nothing read: ~430 instructions against ~1,050 to unwrap a class
/// instance), or an options object read now.
pub enum SignOpts {
    Prepared(Arc<SignArgs>),
    Plain(Box<Opts<SignOptions>>),
}

impl TypeName for SignOpts {
    fn type_name() -> &'static str {
        "SignOptions | PreparedOptions"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for SignOpts {}

impl FromNapiValue for SignOpts {
    unsafe fn from_napi_value(env: sys::napi_env, raw: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs passes a value of the calling environment; napi-rs's External
        // conversion checks (its payload registry) that the external holds our `SignArgs`,
        // and any other value goes on to the options object reading.
        unsafe {
            if Unknown::from_napi_value(env, raw)?.get_type()? == ValueType::External {
                if let Ok(p) = External::<Arc<SignArgs>>::from_napi_ref(env, raw) {
                    return Ok(SignOpts::Prepared(Arc::clone(p)));
                }
            }
            Ok(SignOpts::Plain(Box::new(Opts::from_napi_value(env, raw)?)))
        }
    }
}
