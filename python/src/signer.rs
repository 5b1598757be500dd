//! The `Signer` class: each method converts its arguments (`convert`), calls the core once
//! and converts the result; the options go to core's `SignOptions::set` / `VerifyOptions::set`.

use std::str::FromStr;

use pyo3::exceptions::PyTypeError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBytes, PyList, PyString};
use pyo3::PyTraverseError;

use cdn_secure_token as st;

use crate::convert::{self, Arg, Given};
use crate::given;
use crate::types::{Explanation, SignedToken, Verdict};
use crate::Res;

/// Batches at least this large are signed with the GIL released.
const GIL_FREE_BATCH: usize = 64;

/// Signs and verifies CDN Secure Token links (Gcore CDN, nginx ``secure_link``).
///
/// ``Signer(key, *, verify_keys=None, default_ttl=None, allow_past_expiry=False, clock=None)``
///
/// ``key`` is the CDN resource's Secure Token key (``str`` or ``bytes``, 6 to 255 bytes);
/// ``verify_keys`` are older keys that verification still accepts (key rotation);
/// ``default_ttl`` (``int`` seconds or ``timedelta``) is the lifetime used when a call gives
/// neither ``expires`` nor ``ttl``; ``allow_past_expiry`` lets ``expires`` be in the past
/// (tests); ``clock`` is a callable returning the current Unix time.
///
/// Immutable and safe to share between threads. Its ``repr`` never shows a key, and it cannot
/// be pickled (the key would be in the pickle).
#[pyclass(frozen, module = "cdn_secure_token", name = "Signer")]
pub struct Signer {
    pub inner: st::Signer,
    clock: Option<Py<PyAny>>,
}

impl Signer {
    /// Core's options (`SignOptions` or `VerifyOptions`, filled by their `set`) from what a
    /// call was given, `now` from the clock if not given.
    fn options<'a, O: Default, const N: usize>(
        &self,
        py: Python,
        g: &'a mut Given<'_, '_, N>,
        set: fn(&mut O, &str, st::Value<'a>) -> st::Result<()>,
    ) -> Res<O> {
        let (mut opts, now_given) = (O::default(), g.has("now"));
        g.apply(|name, v| set(&mut opts, name, v))?;
        if let (false, Some(now)) = (now_given, self.clock_now(py, None)?) {
            set(&mut opts, "now", st::Value::Int(now))?;
        }
        Ok(opts)
    }

    /// `now` as given, else the clock's time (`None` without a clock: core's system clock).
    fn clock_now(&self, py: Python, now: Option<i64>) -> PyResult<Option<i64>> {
        match (now, &self.clock) {
            (None, Some(c)) => Ok(Some(convert::clock_seconds(&c.bind(py).call0()?)?)),
            _ => Ok(now),
        }
    }
}

/// A signed URL as a `str`. It is ASCII (core writes every link through its ASCII writer), so
/// its Latin-1 decoding is the same `str`, and CPython makes that with one scan and a `memcpy`
/// instead of UTF-8 decoding text that is seldom 8-byte aligned (callgrind, instructions per
/// URL of the method on the calling thread: `sign_many` of 100,000 URLs 1,085 -> 1,043, of 1
/// URL 4,725 -> 4,690; `sign_url` 3,246 -> 3,203). pyo3 has no safe call for it.
fn ascii_str<'py>(py: Python<'py>, url: &str) -> Bound<'py, PyString> {
    let (text, len) = (url.as_ptr().cast(), url.len() as pyo3::ffi::Py_ssize_t);
    // SAFETY: `text` points to `len` initialized bytes; the call returns a new `str`
    // reference, or NULL with the exception set (only when memory runs out), which
    // `from_owned_ptr` turns into a panic as `PyString::new` does.
    unsafe {
        let obj = pyo3::ffi::PyUnicode_DecodeLatin1(text, len, std::ptr::null());
        Bound::from_owned_ptr(py, obj).cast_into_unchecked()
    }
}

/// Every method of `Signer`. The names of core's options are written once, in the call below
/// the macro: the keyword parameters of the signing (`$s`) and verifying (`$v`) methods (a
/// test checks them against core's `SIGN_OPTIONS` / `VERIFY_OPTIONS`); `given!` hands each
/// to core's `set`, which checks its type and range. (Keyword parameters, not `**options`:
/// pyo3 calls a `**kwargs` method with a tuple and a dict, which made `sign_url` 1.5x
/// slower, 766 against 519 ns in one bench run.)
macro_rules! signer_methods {
    (sign: ($($s:ident),*), verify: ($($v:ident),*)) => {
        #[pymethods]
        #[allow(clippy::too_many_arguments)]
        impl Signer {
            #[new]
            #[pyo3(signature = (key, *, verify_keys=None, default_ttl=None, allow_past_expiry=false, clock=None))]
            fn new(
                key: &Bound<'_, PyAny>,
                verify_keys: Arg<'_, '_>,
                default_ttl: Arg<'_, '_>,
                allow_past_expiry: bool,
                clock: Option<Bound<'_, PyAny>>,
            ) -> Res<Self> {
                let mut b = st::Signer::builder(convert::key_bytes(key, "key")?);
                if let Some(keys) = verify_keys {
                    if keys.is_instance_of::<PyString>() || keys.is_instance_of::<PyBytes>() {
                        let e = "verify_keys must be a list of keys, not a single key";
                        return Err(PyTypeError::new_err(e))?;
                    }
                    for (i, k) in keys.try_iter()?.enumerate() {
                        b = b.verify_key(convert::key_bytes(&k?, &format!("verify_keys[{i}]"))?);
                    }
                }
                if let Some(t) = default_ttl {
                    b = b.default_ttl(convert::lifetime(t, "default_ttl")?);
                }
                if clock.as_ref().is_some_and(|c| !c.is_callable()) {
                    let e = "clock must be a callable returning Unix seconds";
                    return Err(PyTypeError::new_err(e))?;
                }
                Ok(Signer {
                    inner: b.allow_past_expiry(allow_past_expiry).build()?,
                    clock: clock.map(Bound::unbind),
                })
            }

            fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
                if let Some(c) = &self.clock {
                    visit.call(c)?;
                }
                Ok(())
            }

            /// Shows how many keys are held and the default lifetime, never a key.
            fn __repr__(&self) -> String {
                let ttl = self.inner.default_ttl();
                let ttl = ttl.map_or_else(|| "None".to_owned(), |t| t.to_string());
                let keys = self.inner.key_count();
                format!("<cdn_secure_token.Signer keys={keys} default_ttl={ttl}>")
            }

            /// A signer is immutable: its copy is the same object.
            fn __copy__(slf: Py<Self>) -> Py<Self> {
                slf
            }

            /// A signer is immutable: its deep copy is the same object.
            fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> {
                slf
            }

            /// Refuses pickling: the pickle would have to hold the key.
            fn __reduce__(&self) -> PyResult<()> {
                Err(PyTypeError::new_err(
                    "a Signer cannot be pickled (the pickle would contain the key); \
                     build one from the key in each process",
                ))
            }

            /// Number of keys held: the signing key plus the verification (rotation) keys.
            #[getter]
            fn key_count(&self) -> usize {
                self.inner.key_count()
            }

            /// The default lifetime in seconds, or ``None`` when every call must give one.
            #[getter]
            fn default_ttl(&self) -> Option<i64> {
                self.inner.default_ttl()
            }

            /// The current Unix time (seconds) by this signer's clock.
            fn now(&self, py: Python<'_>) -> PyResult<i64> {
                Ok(self
                    .clock_now(py, None)?
                    .unwrap_or_else(|| self.inner.now()))
            }

            /// The absolute expiry (Unix seconds) that these arguments give, checked as signing
            /// checks it: ``expires`` or ``ttl`` (or the default lifetime), from ``now`` or the clock.
            #[pyo3(signature = (*, expires=None, ttl=None, now=None))]
            fn resolve_expires(&self, py: Python<'_>, expires: Arg, ttl: Arg, now: Arg) -> Res<i64> {
                let mut given = given!(expires, ttl, now);
                Ok(self
                    .inner
                    .resolve_expires(&self.options(py, &mut given, st::SignOptions::set)?)?)
            }

            /// Signs a URL: ``https://host/path?query``, ``//host/path`` or ``/path?query``.
            ///
            /// Returns the URL with ``md5`` and ``expires`` (and for ``kind="mp4"`` ``speed`` and
            /// ``buffer``) added, any old ones removed, and the path percent-encoded so that the edge
            /// decodes it back to exactly the bytes that were hashed.
            ///
            /// - ``expires``: ``int`` Unix seconds or an aware ``datetime``; or ``ttl``: ``int``
            ///   seconds or ``timedelta`` (one of them, or the signer's ``default_ttl``).
            /// - ``ip``: bind the link to a client address (``str`` in any spelling, or an
            ///   ``ipaddress`` object); it is hashed as nginx writes ``$remote_addr``.
            /// - ``kind``: ``"file"`` (default), ``"directory"`` (HLS/DASH: the token covers the
            ///   URL's directory) or ``"mp4"`` (with ``speed`` and ``buffer``, e.g. ``"1m"``).
            /// - ``now``: the current time to count ``ttl`` from (tests).
            ///
            /// Raises a ``SecureTokenError`` subclass naming the bad argument.
            #[pyo3(signature = (url, *, $($s = None),*))]
            fn sign_url<'py>(
                &self,
                py: Python<'py>,
                url: &Bound<'_, PyString>,
                $($s: Arg,)*
            ) -> Res<Bound<'py, PyString>> {
                let url = convert::url_text(url)?;
                let mut given = given!($($s),*);
                let signed = self.inner.sign_url(url, &self.options(py, &mut given, st::SignOptions::set)?)?;
                Ok(ascii_str(py, &signed))
            }

            /// Signs many URLs with the same options (those of ``sign_url``): a ``list[str]`` in the
            /// order given, all with one expiry. Any iterable of ``str`` works.
            ///
            /// A batch of 64 URLs or more is signed without the GIL (other Python threads go on
            /// meanwhile), several URLs at a time and, for large batches, on several cores. On the first bad URL nothing
            /// is returned and the exception's ``index`` says which URL it was.
            #[pyo3(signature = (urls, *, $($s = None),*))]
            fn sign_many<'py>(
                &self,
                py: Python<'py>,
                urls: &Bound<'py, PyAny>,
                $($s: Arg,)*
            ) -> Res<Bound<'py, PyList>> {
                if urls.is_instance_of::<PyString>() {
                    let e = "urls must be an iterable of str, not a single str";
                    return Err(PyTypeError::new_err(e))?;
                }
                // Each `PyBackedStr` holds its str and borrows its UTF-8 (no copy), so the text
                // stays valid while the GIL is released.
                let mut texts = Vec::with_capacity(urls.len().unwrap_or(0));
                for (index, u) in urls.try_iter()?.enumerate() {
                    let s = u?.cast_into::<PyString>().map_err(|e| {
                        let name = convert::type_name(&e.into_inner());
                        PyTypeError::new_err(format!("item {index}: expected str, not {name}"))
                    })?;
                    let error = st::Error::Url { reason: convert::SURROGATES };
                    texts.push(PyBackedStr::try_from(s).map_err(|_| st::BatchError { index, error })?);
                }
                let mut given = given!($($s),*);
                // Core prepares the options once for the batch (an error there is item 0's).
                let (inner, opts) = (&self.inner, self.options(py, &mut given, st::SignOptions::set)?);
                let sign = || inner.sign_many_joined(&texts, &opts);
                // Releasing the GIL costs about a single call's time: only a batch that takes
                // much longer than that (and every batch that runs threads) releases it.
                let batch = if texts.len() < GIL_FREE_BATCH { sign() } else { py.detach(sign) }?;
                Ok(PyList::new(py, batch.iter().map(|u| ascii_str(py, u)))?)
            }

            /// Signs an HLS playlist or DASH MPD served from ``url``: every URI a player fetches gets
            /// a token, everything else stays byte for byte (comments, unknown tags, attribute order,
            /// line endings). Relative URIs are resolved against ``url`` and stay relative.
            ///
            /// The options are those of ``sign_url`` (one expiry for the whole manifest), and:
            ///
            /// - ``kind="directory"``: the manifest directory's token on every URI inside it (needed
            ///   for DASH ``$Number$`` templates); ``outside``: ``"error"`` (default) or ``"keep"``
            ///   for a URI outside that directory.
            /// - ``other_hosts``: sign http(s) URIs on other hosts too (same key).
            ///
            /// The signing runs without the GIL. A ``SecureTokenError`` subclass names the problem
            /// and its ``line`` (0: the manifest as a whole, its URL or the options); nothing is
            /// returned partially signed.
            #[pyo3(signature = (text, url, *, $($s = None),*, outside=None, other_hosts=false))]
            fn sign_manifest(
                &self,
                py: Python<'_>,
                text: &Bound<'_, PyString>,
                url: &Bound<'_, PyString>,
                $($s: Arg,)*
                outside: Option<&str>,
                other_hosts: bool,
            ) -> Res<String> {
                let text = text.to_str().map_err(|_| st::Error::Argument {
                    name: "text",
                    reason: "is a str with lone surrogates, which has no UTF-8 form",
                })?;
                let url = convert::url_text(url)?;
                let mut given = given!($($s),*);
                let opts = st::ManifestOptions {
                    sign: self.options(py, &mut given, st::SignOptions::set)?,
                    outside: outside
                        .map(st::Outside::from_str)
                        .transpose()?
                        .unwrap_or_default(),
                    other_hosts,
                };
                let inner = &self.inner;
                Ok(py.detach(|| inner.sign_manifest(text, url, &opts))?)
            }

            /// The bare 22-character token for an already decoded path (``%`` is literal), with the
            /// options of ``sign_url``.
            #[pyo3(signature = (path, *, $($s = None),*))]
            fn token(
                &self,
                py: Python<'_>,
                path: &str,
                $($s: Arg,)*
            ) -> Res<String> {
                Ok(self
                    .signed_token(py, path, $($s),*)?
                    .token)
            }

            /// Like ``token``, returning a ``SignedToken`` with the expiry it covers.
            #[pyo3(signature = (path, *, $($s = None),*))]
            fn signed_token(
                &self,
                py: Python<'_>,
                path: &str,
                $($s: Arg,)*
            ) -> Res<SignedToken> {
                let mut given = given!($($s),*);
                Ok(self
                    .inner
                    .token_with(path, &self.options(py, &mut given, st::SignOptions::set)?)?
                    .into())
            }

            /// A Video Streaming link ``{base}/{prefix}/{account}_{id}/{token}/{expires}/{file}``.
            ///
            /// ``stream`` is ``"vod"`` (default, ``/videos/``), ``"cmaf"`` (live), ``"mpegts"`` or
            /// ``"streams"``; ``file`` defaults to the playlist of that layout.
            #[pyo3(signature = (account, id, *, stream=None, base=None, file=None, expires=None, ttl=None, ip=None, now=None))]
            fn stream_url(
                &self,
                py: Python<'_>,
                account: &Bound<'_, PyAny>,
                id: &str,
                stream: Option<&str>,
                base: Option<&str>,
                file: Option<&str>,
                expires: Arg,
                ttl: Arg,
                ip: Arg,
                now: Arg,
            ) -> Res<String> {
                let account = convert::str_or_int(account, "account")?;
                let stream = stream.map(st::StreamKind::from_str).transpose()?;
                let mut given = given!(expires, ttl, ip, now);
                let opts = self.options(py, &mut given, st::SignOptions::set)?;
                let (base, stream) = (base.unwrap_or(""), stream.unwrap_or(st::StreamKind::Vod));
                Ok(self
                    .inner
                    .stream_url(base, stream, &account, id, file, &opts)?)
            }

            /// A Video Streaming path token and its expiry, as a ``SignedToken``.
            #[pyo3(signature = (account, id, *, expires=None, ttl=None, ip=None, now=None))]
            fn stream_token(
                &self,
                py: Python<'_>,
                account: &Bound<'_, PyAny>,
                id: &str,
                expires: Arg,
                ttl: Arg,
                ip: Arg,
                now: Arg,
            ) -> Res<SignedToken> {
                let account = convert::str_or_int(account, "account")?;
                let mut given = given!(expires, ttl, ip, now);
                Ok(self
                    .inner
                    .stream_token(&account, id, &self.options(py, &mut given, st::SignOptions::set)?)?
                    .into())
            }

            /// Checks a link you hold (a full URL, or a path and query) as the edge would.
            ///
            /// For what a web server received, use ``verify_request`` (the raw request target) or
            /// ``verify_decoded`` (a decoded path and the raw query, as WSGI gives them): those read
            /// the target exactly as nginx does (``//a/b`` is a path) and never raise for anything
            /// a client can send. Returns a ``Verdict``.
            #[pyo3(signature = (url, *, $($v = None),*))]
            fn verify(
                &self,
                py: Python<'_>,
                url: &Bound<'_, PyString>,
                $($v: Arg,)*
            ) -> Res<Verdict> {
                let mut given = given!($($v),*);
                let opts = self.options(py, &mut given, st::VerifyOptions::set)?;
                Ok(self.inner.verify(convert::url_text(url)?, &opts)?.into())
            }

            /// Checks what a web server received: the request target of the request line, as bytes
            /// (``/path?query``, where ``//a/b`` is a path as nginx reads it, or
            /// ``http://host/path?query``), e.g. gunicorn's ``RAW_URI`` or uWSGI's ``REQUEST_URI``
            /// encoded as latin-1. Never raises for anything a client can send: a target nginx
            /// answers 400 or 414 to gets a verdict with that ``http_status``. Returns a ``Verdict``.
            #[pyo3(signature = (target, *, $($v = None),*))]
            fn verify_request(
                &self,
                py: Python<'_>,
                target: &[u8],
                $($v: Arg,)*
            ) -> Res<Verdict> {
                let mut given = given!($($v),*);
                Ok(self
                    .inner
                    .verify_request(target, &self.options(py, &mut given, st::VerifyOptions::set)?)
                    .into())
            }

            /// Like ``verify_request``, for servers that hand over only the percent-decoded path
            /// (WSGI ``PATH_INFO``, as bytes: ``environ["PATH_INFO"].encode("latin-1")``) and the raw
            /// query string (``QUERY_STRING``, undecoded). Same verdicts; never raises for client data.
            #[pyo3(signature = (path, query, *, $($v = None),*))]
            fn verify_decoded(
                &self,
                py: Python<'_>,
                path: &[u8],
                query: &[u8],
                $($v: Arg,)*
            ) -> Res<Verdict> {
                let mut given = given!($($v),*);
                let opts = self.options(py, &mut given, st::VerifyOptions::set)?;
                Ok(self.inner.verify_decoded(path, query, &opts).into())
            }

            /// Shows what the edge hashes for a link, to debug a 403; the key appears as ``***``.
            #[pyo3(signature = (url, *, ip=None, kind=None, expires=None))]
            fn explain(
                &self,
                url: &Bound<'_, PyString>,
                ip: Arg,
                kind: Arg,
                expires: Arg,
            ) -> Res<Explanation> {
                // Explaining reads the signing options ip, kind and expires, checked by the schema.
                let mut given = given!(ip, kind, expires);
                let mut sign = st::SignOptions::default();
                given.apply(|name, v| sign.set(name, v))?;
                let opts = st::ExplainOptions {
                    ip: sign.ip,
                    kind: sign.kind,
                    expires: sign.expires,
                };
                Ok(self.inner.explain(convert::url_text(url)?, &opts)?.into())
            }
        }
    };
}

signer_methods!(sign: (expires, ttl, ip, kind, speed, buffer, now), verify: (ip, now, kind));
