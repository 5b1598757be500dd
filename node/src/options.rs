//! The option objects of the API. The `#[napi(object)]` structs are their TypeScript types
//! (a field is the one line an option takes here, its doc comment the `.d.ts`
//! documentation). An options object itself is read once, as its own properties ([`Obj`]);
//! each field is checked for its JavaScript type ([`Js`]), and the sign and verify options
//! are set by name through the core's schema (`SignOptions::set`), which checks the rest.
//! This reader stays hand-written: reading the whole struct through napi-rs
//! (`#[napi(object)]`) looked every field up by name (`napi_get_named_property`, a V8 string
//! made per field) and doubled the call: per `signUrl(url, {expires})` 21,166 instructions
//! against 11,280 when this reader came in (10,212 now; 4,243 with `PreparedOptions`;
//! callgrind, `node --single-threaded`, the difference of two call counts).

use std::sync::Arc;

use cdn_secure_token::{self as core, ErrorKind};
use napi::bindgen_prelude::{Either, External, FromNapiRef, FromNapiValue, Unknown};
use napi::{sys, ValueType};
use napi_derive::napi;

use crate::value::{Fail, Js, Opts, Value};
use crate::PreparedOptions;

/// The type of a `Date` field (napi-rs's typegen writes `Date` for it).
type Date = napi::JsDate<'static>;

/// Options of `new Signer(key, options)`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct SignerOptions {
    /// More keys that `verify` accepts (key rotation); signing always uses `key`.
    #[napi(ts_type = "readonly string[]")]
    pub verify_keys: Option<Value>,
    /// Lifetime in seconds used when a call gives neither `expires` nor `ttl`.
    pub default_ttl: Option<f64>,
    /// Accept an `expires` already in the past (off by default: such a link is born dead).
    pub allow_past_expiry: Option<bool>,
    /// Freezes this signer's clock at this instant (Unix seconds or a `Date`), for tests.
    pub now: Option<Either<f64, Date>>,
    /// The longest request line (`GET {target} HTTP/1.1`) the edge accepts, in bytes
    /// (default: nginx's 8 KiB): longer links are not signed, and verify as 414.
    pub max_request_len: Option<f64>,
}

/// Options of the sign calls (`signUrl`, `signMany`, `token`, `signManifest`, the stream
/// calls take the expiry and IP fields).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct SignOptions {
    /// Absolute expiry: Unix time in seconds, or a `Date`. Milliseconds are refused.
    pub expires: Option<Either<f64, Date>>,
    /// Lifetime in seconds from now (instead of `expires`).
    pub ttl: Option<f64>,
    /// Client IP to bind the link to, in any valid spelling.
    pub ip: Option<String>,
    /// Token kind (default `'file'`); for `signManifest`, `'directory'` puts the manifest
    /// directory's token on every URI inside it (needed for DASH `$Number$` templates).
    #[napi(ts_type = "'file' | 'directory' | 'mp4'")]
    pub kind: Option<Value>,
    /// MP4 only: the `speed` limit as written in the link, e.g. `'1m'` or `'500k'`.
    pub speed: Option<Either<String, f64>>,
    /// MP4 only: the `buffer` size as written in the link, e.g. `'10m'`.
    pub buffer: Option<Either<String, f64>>,
    /// The current time (Unix seconds or a `Date`); defaults to the signer's clock.
    pub now: Option<Either<f64, Date>>,
}

/// What `signManifest` takes besides the sign options: what to do with URIs the token does
/// not cover.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct ManifestFields {
    /// With `kind: 'directory'`: `'error'` (default) or `'keep'` a URI outside the manifest's
    /// directory.
    #[napi(ts_type = "'error' | 'keep'")]
    pub outside: Option<Value>,
    /// Sign http(s) URIs on other hosts too (same key); default `false`.
    pub other_hosts: Option<bool>,
}

/// Which video or stream `streamUrl` links to (with the expiry and IP sign options).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct StreamFields {
    /// `''` (default) for a path, or `https://host[:port]`.
    pub base: Option<String>,
    /// The Video Streaming layout (default `'vod'`).
    #[napi(ts_type = "'vod' | 'cmaf' | 'mpegts' | 'streams'")]
    pub stream: Option<Value>,
    /// The numeric account (client) id.
    pub account: Either<String, f64>,
    /// The video slug or live stream id.
    pub id: String,
    /// The file after the expiry segment (default `master.m3u8`, `playlist.m3u8` for `streams`).
    pub file: Option<String>,
}

/// Options of `verify` and `verifyRequest`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct VerifyOptions {
    /// The client address the edge would see, in any valid spelling.
    pub ip: Option<String>,
    /// The current time (Unix seconds or a `Date`); defaults to the signer's clock.
    pub now: Option<Either<f64, Date>>,
    /// The token kind the location expects (default `'file'`).
    #[napi(ts_type = "'file' | 'directory' | 'mp4' | 'stream'")]
    pub kind: Option<Value>,
}

/// Options of `explain`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct ExplainOptions {
    /// Client IP, in any valid spelling.
    pub ip: Option<String>,
    /// Token kind (default `'file'`).
    #[napi(ts_type = "'file' | 'directory' | 'mp4' | 'stream'")]
    pub kind: Option<Value>,
    /// Expiry to use when the link has none (Unix seconds or a `Date`).
    pub expires: Option<Either<f64, Date>>,
}

/// Every option field of the API, by its JavaScript name, with the JavaScript type it takes.
/// An options object's other properties are not read.
const FIELDS: &[(&str, Js)] = &[
    ("expires", Js::Seconds),
    ("now", Js::Seconds),
    ("ttl", Js::Count),
    ("defaultTtl", Js::Count),
    ("maxRequestLen", Js::Whole),
    ("ip", Js::Text(ErrorKind::Ip)),
    ("base", Js::Text(ErrorKind::Url)),
    ("kind", Js::Text(ErrorKind::Argument)),
    ("outside", Js::Text(ErrorKind::Argument)),
    ("stream", Js::Text(ErrorKind::Argument)),
    ("id", Js::Text(ErrorKind::Argument)),
    ("file", Js::Text(ErrorKind::Argument)),
    ("speed", Js::Size),
    ("buffer", Js::Size),
    ("account", Js::Size),
    ("allowPastExpiry", Js::Flag),
    ("otherHosts", Js::Flag),
    ("verifyKeys", Js::List),
];

/// The field named `key`, if it is one.
pub fn field(key: &[u8]) -> Option<(&'static str, Js)> {
    FIELDS.iter().copied().find(|f| f.0.as_bytes() == key)
}

/// An options object's own enumerable properties that are option fields ([`FIELDS`]), read
/// once; a field is taken out by name.
#[derive(Default)]
pub struct Obj(pub Vec<(&'static str, Js, Value)>);

impl Obj {
    /// The field `name`, checked for its JavaScript type (`Absent` when not given).
    pub fn field(&mut self, name: &str) -> Result<Value, Fail> {
        match self.0.iter().position(|f| f.0 == name) {
            Some(i) => {
                let (name, js, v) = self.0.swap_remove(i);
                v.check(js, name)
            }
            None => Ok(Value::Absent),
        }
    }

    /// A text field, `None` when not given.
    pub fn text(&mut self, name: &str) -> Result<Option<String>, Fail> {
        match self.field(name)? {
            Value::Absent => Ok(None),
            v => v.string(ErrorKind::Argument, name).map(Some),
        }
    }

    /// A text field naming one of the values of `T` (`T`'s default when not given).
    pub fn parsed<T>(&mut self, name: &str) -> Result<T, Fail>
    where
        T: std::str::FromStr<Err = core::Error> + Default,
    {
        Ok(self
            .text(name)?
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or_default())
    }
}

/// Option fields checked for their JavaScript types, by name, for the core's `set`.
#[derive(Default)]
pub struct Fields(Vec<(&'static str, Value)>);

impl Fields {
    /// The fields of `specs` (the core's schema) in `o`, in the schema's order.
    fn of<'s>(
        o: &mut Obj,
        specs: impl IntoIterator<Item = &'s core::OptionSpec>,
    ) -> Result<Self, Fail> {
        let mut fields = Vec::new();
        for spec in specs {
            match o.field(spec.camel)? {
                Value::Absent => {}
                v => fields.push((spec.name, v)),
            }
        }
        Ok(Fields(fields))
    }

    /// The sign options (`SIGN_OPTIONS`) of an options object.
    pub fn signing(o: &mut Obj) -> Result<Self, Fail> {
        Fields::of(o, core::SIGN_OPTIONS)
    }

    /// The verify options (`VERIFY_OPTIONS`) of an options object.
    pub fn verifying(o: &mut Obj) -> Result<Self, Fail> {
        Fields::of(o, core::VERIFY_OPTIONS)
    }

    /// Explain options: the sign schema's `ip`, `kind` and `expires` (`kind` may be
    /// `'stream'`).
    pub fn explaining(o: &mut Obj) -> Result<Self, Fail> {
        let spec = |n| core::SIGN_OPTIONS.iter().find(|s| s.name == n);
        Fields::of(o, ["ip", "kind", "expires"].into_iter().filter_map(spec))
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
    Plain(Opts),
}

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
            Ok(SignOpts::Plain(Opts::from_napi_value(env, raw)?))
        }
    }
}
