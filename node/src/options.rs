//! The option objects of the API, read by napi-rs (`#[napi(object)]`: a field is the one
//! line an option takes here, its doc comment the `.d.ts` documentation) and converted
//! with `TryFrom` into the core's options: each field checked for its JavaScript type
//! ([`Js`]), then set by name through the core's schema (`SignOptions::set`), which checks
//! the rest.

use std::sync::Arc;

use cdn_secure_token::{self as core, ErrorKind, Outside, StreamKind};
use napi::bindgen_prelude::{
    External, FromNapiRef, FromNapiValue, TypeName, Unknown, ValidateNapiValue,
};
use napi::{sys, ValueType};
use napi_derive::napi;

use crate::value::{given, Fail, Js, Opts, Value};
use crate::PreparedOptions;

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

/// Options of the sign calls (`signUrl`, `signMany`, `token`, `signManifest`, the stream
/// calls take the expiry and IP fields).
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
    /// Token kind (default `'file'`); for `signManifest`, `'directory'` puts the manifest
    /// directory's token on every URI inside it (needed for DASH `$Number$` templates).
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

/// What `signManifest` takes besides the sign options: what to do with URIs the token does
/// not cover.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct ManifestFields {
    /// With `kind: 'directory'`: `'error'` (default) or `'keep'` a URI outside the manifest's
    /// directory.
    #[napi(ts_type = "'error' | 'keep'")]
    pub outside: Option<Value>,
    /// Sign http(s) URIs on other hosts too (same key); default `false`.
    #[napi(ts_type = "boolean")]
    pub other_hosts: Option<Value>,
}

/// Which video or stream `streamUrl` links to (with the expiry and IP sign options).
#[napi(object, object_to_js = false)]
pub struct StreamFields {
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
}

/// Options of `verify` and `verifyRequest`.
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

/// Option fields checked for their JavaScript types, by name, for the core's `set`.
#[derive(Default)]
pub struct Fields(Vec<(&'static str, Value)>);

impl Fields {
    fn check<const N: usize>(fields: [(&'static str, Option<Value>, Js); N]) -> Result<Self, Fail> {
        let checked = fields
            .into_iter()
            .map(|(name, v, js)| Ok((name, v.unwrap_or_default().check(js, name)?)));
        Ok(Fields(checked.collect::<Result<_, Fail>>()?))
    }

    pub fn sign(&self) -> Result<core::SignOptions<'_>, Fail> {
        let mut o = core::SignOptions::default();
        for (name, v) in &self.0 {
            o.set(name, v.core())?;
        }
        Ok(o)
    }

    pub fn verify(&self) -> Result<core::VerifyOptions<'_>, Fail> {
        let mut o = core::VerifyOptions::default();
        for (name, v) in &self.0 {
            o.set(name, v.core())?;
        }
        Ok(o)
    }
}

impl TryFrom<SignOptions> for Fields {
    type Error = Fail;
    fn try_from(o: SignOptions) -> Result<Self, Fail> {
        Fields::check([
            ("expires", o.expires, Js::Seconds),
            ("ttl", o.ttl, Js::Count),
            ("ip", o.ip, Js::Text(ErrorKind::Ip)),
            ("kind", o.kind, Js::Text(ErrorKind::Argument)),
            ("speed", o.speed, Js::Size),
            ("buffer", o.buffer, Js::Size),
            ("now", o.now, Js::Seconds),
        ])
    }
}

impl TryFrom<VerifyOptions> for Fields {
    type Error = Fail;
    fn try_from(o: VerifyOptions) -> Result<Self, Fail> {
        Fields::check([
            ("ip", o.ip, Js::Text(ErrorKind::Ip)),
            ("now", o.now, Js::Seconds),
            ("kind", o.kind, Js::Text(ErrorKind::Argument)),
        ])
    }
}

/// Explain options: the sign schema's `ip`, `kind` and `expires` (`kind` may be `'stream'`).
impl TryFrom<ExplainOptions> for Fields {
    type Error = Fail;
    fn try_from(o: ExplainOptions) -> Result<Self, Fail> {
        Fields::check([
            ("ip", o.ip, Js::Text(ErrorKind::Ip)),
            ("kind", o.kind, Js::Text(ErrorKind::Argument)),
            ("expires", o.expires, Js::Seconds),
        ])
    }
}

/// The manifest-only fields, checked: what to do outside the directory, other hosts.
pub fn manifest(o: ManifestFields) -> Result<(Outside, bool), Fail> {
    let outside = match o
        .outside
        .unwrap_or_default()
        .check(Js::Text(ErrorKind::Argument), "outside")?
    {
        Value::Str(s) => s.parse()?,
        _ => Outside::default(),
    };
    let other = o
        .other_hosts
        .unwrap_or_default()
        .check(Js::Flag, "otherHosts")?;
    Ok((outside, matches!(other, Value::Bool(true))))
}

/// A stream link's identity, checked.
pub struct Stream {
    pub base: String,
    pub stream: StreamKind,
    pub account: String,
    pub id: String,
    pub file: Option<String>,
}

impl TryFrom<StreamFields> for Stream {
    type Error = Fail;
    fn try_from(o: StreamFields) -> Result<Self, Fail> {
        let text = |v: Option<Value>, kind, name| match given(v, Js::Text(kind), name)? {
            Some(v) => v.string(kind, name).map(Some),
            None => Ok(None),
        };
        let stream = text(o.stream, ErrorKind::Argument, "stream")?;
        Ok(Stream {
            base: text(o.base, ErrorKind::Url, "base")?.unwrap_or_default(),
            stream: stream
                .map(|s| s.parse::<StreamKind>())
                .transpose()?
                .unwrap_or_default(),
            account: account(o.account)?,
            id: o.id.string(ErrorKind::Argument, "id")?,
            file: text(o.file, ErrorKind::Argument, "file")?,
        })
    }
}

/// A stream account id: a string, or a number as its decimal text.
pub fn account(v: Value) -> Result<String, Fail> {
    v.check(Js::Size, "account")?
        .string(ErrorKind::Argument, "account")
}

/// The options argument of the sign calls: a `PreparedOptions` (an External holding the
/// checked options, nothing read: ~430 instructions against ~1,050 to unwrap a class
/// instance, callgrind), or an options object read now.
pub enum SignOpts {
    Prepared(Arc<PreparedOptions>),
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
        // conversion checks (its payload registry) that the external holds a `Prepared`, and
        // any other value goes on to the options object reading.
        unsafe {
            if Unknown::from_napi_value(env, raw)?.get_type()? == ValueType::External {
                if let Ok(p) = External::<Arc<PreparedOptions>>::from_napi_ref(env, raw) {
                    return Ok(SignOpts::Prepared(Arc::clone(p)));
                }
            }
            Ok(SignOpts::Plain(Box::new(Opts::from_napi_value(env, raw)?)))
        }
    }
}

/// The sign options object of a call (or none given), checked.
pub fn sign_fields(o: Option<Opts<SignOptions>>) -> Result<Fields, Fail> {
    Fields::try_from(crate::value::or_default(o)?)
}
