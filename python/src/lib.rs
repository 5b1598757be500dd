//! The Python face of `cdn-secure-token`: converts Python arguments in, calls the core,
//! converts results and errors out. Every decision about tokens lives in the core; only
//! Python-specific conversions (datetime, timedelta, `ipaddress` objects) are made here.
//!
//! Everything goes through pyo3's own methods: built for the abi3-py310 floor, pyo3 calls
//! them with METH_FASTCALL and borrows a `str`'s UTF-8 in place, so there is no second path.

use std::str::FromStr;

use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyList, PyString, PyType};
use pyo3::PyTraverseError;

use cdn_secure_token as st;

create_exception!(
    cdn_secure_token,
    SecureTokenError,
    PyValueError,
    "Base class of every cdn_secure_token error. Messages never contain the key.\n\n\
     ``code`` is the stable identifier of the subclass (``\"INVALID_PATH\"``, ...); ``index``\n\
     is the position of the failing URL for a ``sign_many`` failure, else ``None``; ``line``\n\
     is the manifest line of a ``sign_manifest`` failure (0: the manifest as a whole, its URL\n\
     or the options), else ``None``."
);
/// The subclasses of `SecureTokenError`, one per core error kind.
macro_rules! subclasses {
    ($($name:ident: $doc:literal,)*) => {
        $(create_exception!(cdn_secure_token, $name, SecureTokenError, $doc);)*
    };
}

subclasses! {
    InvalidKeyError: "The signing or a verification key is unusable (length, control characters, not text).",
    InvalidPathError: "The URL path cannot be hashed the way the edge would (bad escape, NUL, '..' above root).",
    InvalidIpError: "The client IP is not a valid address.",
    InvalidExpiryError: "The expiry time or lifetime is unusable (missing, past, not positive, milliseconds).",
    InvalidUrlError: "The URL as a whole is malformed, or too long for the edge's request line.",
    InvalidArgumentError: "Another argument (token kind, stream ids, speed, buffer, ...) is unusable.",
}

/// Every failure of a method: a core error (with the batch index for `sign_many`), a
/// manifest error (with its line), or a Python error from a conversion. Turned into a Python
/// exception in one place, below.
enum Fail {
    Core(st::Error, Option<usize>),
    Manifest(st::ManifestError),
    Py(PyErr),
}

impl From<st::ManifestError> for Fail {
    fn from(e: st::ManifestError) -> Self {
        Fail::Manifest(e)
    }
}

impl From<st::Error> for Fail {
    fn from(e: st::Error) -> Self {
        Fail::Core(e, None)
    }
}

impl From<st::BatchError> for Fail {
    fn from(e: st::BatchError) -> Self {
        Fail::Core(e.error, Some(e.index))
    }
}

impl From<PyErr> for Fail {
    fn from(e: PyErr) -> Self {
        Fail::Py(e)
    }
}

impl From<Fail> for PyErr {
    fn from(f: Fail) -> PyErr {
        // (kind, message, attribute set on the exception)
        let (kind, msg, attr) = match f {
            Fail::Py(e) => return e,
            Fail::Core(e, None) => (e.kind(), e.to_string(), None),
            Fail::Core(error, Some(index)) => (
                error.kind(),
                st::BatchError { index, error }.to_string(),
                Some(("index", index)),
            ),
            Fail::Manifest(e) => (e.kind(), e.to_string(), Some(("line", e.line))),
        };
        let err = match kind {
            st::ErrorKind::Key => InvalidKeyError::new_err(msg),
            st::ErrorKind::Path => InvalidPathError::new_err(msg),
            st::ErrorKind::Ip => InvalidIpError::new_err(msg),
            st::ErrorKind::Expiry => InvalidExpiryError::new_err(msg),
            st::ErrorKind::Url => InvalidUrlError::new_err(msg),
            st::ErrorKind::Argument => InvalidArgumentError::new_err(msg),
        };
        if let Some((name, value)) = attr {
            // Fails only when memory runs out; the exception is still the right one then.
            let _ = Python::attach(|py| err.value(py).setattr(name, value));
        }
        err
    }
}

type Res<T> = Result<T, Fail>;

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static IPV4: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static IPV6: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// `TypeError: {what} must be {expected}, not {type}`.
fn wrong_type(what: &str, expected: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("{what} must be {expected}, not {}", type_name(obj)))
}

/// An `int` (not a `bool`) as `i64`; `None` for any other type.
fn int64(obj: &Bound<'_, PyAny>, what: &str) -> Option<PyResult<i64>> {
    let int = obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>();
    int.then(|| {
        obj.extract::<i64>()
            .map_err(|_| InvalidExpiryError::new_err(format!("{what} does not fit in 64 bits")))
    })
}

/// Unix seconds from an `int` or an aware `datetime` (`float` too when `float_ok`, for clocks).
fn unix_seconds(obj: &Bound<'_, PyAny>, what: &str, float_ok: bool) -> PyResult<i64> {
    let py = obj.py();
    if let Some(n) = int64(obj, what) {
        return n;
    }
    if float_ok && obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj.extract()?;
        if !f.is_finite() {
            return Err(InvalidExpiryError::new_err(format!("{what} is not finite")));
        }
        return Ok(f.floor() as i64);
    }
    if obj.is_instance(DATETIME.import(py, "datetime", "datetime")?)? {
        if obj.call_method0("utcoffset")?.is_none() {
            return Err(InvalidExpiryError::new_err(format!(
                "{what} is a naive datetime (no tzinfo), which would be read as local time; \
                 pass an aware datetime such as datetime.now(timezone.utc) + timedelta(hours=1), \
                 or Unix seconds"
            )));
        }
        let ts: f64 = obj.call_method0("timestamp")?.extract()?;
        return Ok(ts.floor() as i64);
    }
    let expected = if float_ok {
        "int or float Unix seconds or an aware datetime"
    } else {
        "int Unix seconds or an aware datetime"
    };
    Err(wrong_type(what, expected, obj))
}

/// Whole seconds from an `int` or a `timedelta` (fractions of a second are dropped).
fn seconds(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    if let Some(n) = int64(obj, what) {
        return n;
    }
    if obj.is_instance(TIMEDELTA.import(obj.py(), "datetime", "timedelta")?)? {
        let days: i64 = obj.getattr("days")?.extract()?;
        let secs: i64 = obj.getattr("seconds")?.extract()?;
        return days
            .checked_mul(86_400)
            .and_then(|d| d.checked_add(secs))
            .ok_or_else(|| InvalidExpiryError::new_err(format!("{what} is too large")));
    }
    Err(wrong_type(what, "int seconds or a timedelta", obj))
}

/// Text of a `str`, `ipaddress.IPv4Address` or `ipaddress.IPv6Address`.
fn ip_text(obj: &Bound<'_, PyAny>) -> PyResult<PyBackedStr> {
    let py = obj.py();
    if obj.is_instance_of::<PyString>() {
        return obj.extract();
    }
    if obj.is_instance(IPV4.import(py, "ipaddress", "IPv4Address")?)?
        || obj.is_instance(IPV6.import(py, "ipaddress", "IPv6Address")?)?
    {
        return obj.str()?.extract();
    }
    Err(wrong_type("ip", "a str, IPv4Address or IPv6Address", obj))
}

/// Text of a `str`, or the decimal text of an `int` (MP4 `speed` / `buffer`, account ids).
fn str_or_int(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<PyBackedStr> {
    if obj.is_instance_of::<PyString>() {
        return obj.extract();
    }
    if int64(obj, what).is_some() {
        return obj.str()?.extract();
    }
    Err(wrong_type(what, "a str or an int", obj))
}

/// A key's bytes. A `str` with lone surrogates (what `os.environ` makes of undecodable bytes)
/// has no UTF-8 form: CPython's UnicodeEncodeError would hold the whole key in its `object`
/// and `args`, so it is dropped here and replaced by an error that names only the field.
fn key_bytes(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return match s.to_str() {
            Ok(text) => Ok(text.as_bytes().to_vec()),
            Err(_) => Err(InvalidKeyError::new_err(format!(
                "{what} is a str with lone surrogates (undecodable bytes, as os.environ \
                 gives them), which has no UTF-8 form; pass the key as bytes \
                 (e.g. os.environb[...]) or fix its encoding"
            ))),
        };
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(wrong_type(what, "str or bytes", obj))
}

/// The UTF-8 text of a URL argument, borrowed from the `str`.
fn url_text<'a>(s: &'a Bound<'_, PyString>, index: Option<usize>) -> Res<&'a str> {
    s.to_str().map_err(|_| {
        Fail::Core(
            st::Error::Url {
                reason: "it is a str with lone surrogates, which has no UTF-8 form",
            },
            index,
        )
    })
}

fn token_kind(kind: Option<&str>) -> Res<st::TokenKind> {
    Ok(kind
        .map(st::TokenKind::from_str)
        .transpose()?
        .unwrap_or_default())
}

/// The keyword arguments shared by the signing calls, converted once per call.
struct SignArgs {
    expires: Option<i64>,
    ttl: Option<i64>,
    ip: Option<PyBackedStr>,
    kind: st::TokenKind,
    speed: Option<PyBackedStr>,
    buffer: Option<PyBackedStr>,
    now: Option<i64>,
}

impl SignArgs {
    fn options(&self) -> st::SignOptions<'_> {
        st::SignOptions {
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

type Arg<'a, 'py> = Option<&'a Bound<'py, PyAny>>;

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
struct Signer {
    inner: st::Signer,
    clock: Option<Py<PyAny>>,
}

impl Signer {
    /// `now` if given, else the custom clock's time, else `None` (the core's system clock).
    fn now_arg(&self, py: Python<'_>, now: Arg<'_, '_>) -> PyResult<Option<i64>> {
        if let Some(n) = now {
            return unix_seconds(n, "now", false).map(Some);
        }
        match &self.clock {
            Some(c) => unix_seconds(&c.bind(py).call0()?, "clock()", true).map(Some),
            None => Ok(None),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn sign_args(
        &self,
        py: Python<'_>,
        expires: Arg<'_, '_>,
        ttl: Arg<'_, '_>,
        ip: Arg<'_, '_>,
        kind: Option<&str>,
        speed: Arg<'_, '_>,
        buffer: Arg<'_, '_>,
        now: Arg<'_, '_>,
    ) -> Res<SignArgs> {
        Ok(SignArgs {
            expires: expires
                .map(|e| unix_seconds(e, "expires", false))
                .transpose()?,
            ttl: ttl.map(|t| seconds(t, "ttl")).transpose()?,
            ip: ip.map(ip_text).transpose()?,
            kind: token_kind(kind)?,
            speed: speed.map(|s| str_or_int(s, "speed")).transpose()?,
            buffer: buffer.map(|b| str_or_int(b, "buffer")).transpose()?,
            now: self.now_arg(py, now)?,
        })
    }

    fn verify_options<'a>(
        &self,
        py: Python<'_>,
        ip: &'a Option<PyBackedStr>,
        now: Arg<'_, '_>,
        kind: Option<&str>,
    ) -> Res<st::VerifyOptions<'a>> {
        Ok(st::VerifyOptions {
            ip: ip.as_deref(),
            now: self.now_arg(py, now)?,
            kind: token_kind(kind)?,
        })
    }
}

#[pymethods]
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
        let mut b = st::Signer::builder(key_bytes(key, "key")?);
        if let Some(keys) = verify_keys {
            if keys.is_instance_of::<PyString>() || keys.is_instance_of::<PyBytes>() {
                return Err(PyTypeError::new_err(
                    "verify_keys must be a list of keys, not a single key",
                ))?;
            }
            for (i, k) in keys.try_iter()?.enumerate() {
                b = b.verify_key(key_bytes(&k?, &format!("verify_keys[{i}]"))?);
            }
        }
        if let Some(t) = default_ttl {
            b = b.default_ttl(seconds(t, "default_ttl")?);
        }
        if clock.as_ref().is_some_and(|c| !c.is_callable()) {
            return Err(PyTypeError::new_err(
                "clock must be a callable returning Unix seconds",
            ))?;
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
        let ttl = self
            .inner
            .default_ttl()
            .map_or_else(|| "None".to_owned(), |t| t.to_string());
        format!(
            "<cdn_secure_token.Signer keys={} default_ttl={ttl}>",
            self.inner.key_count()
        )
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
        Ok(self.now_arg(py, None)?.unwrap_or_else(|| self.inner.now()))
    }

    /// The absolute expiry (Unix seconds) that these arguments give, checked as signing
    /// checks it: ``expires`` or ``ttl`` (or the default lifetime), from ``now`` or the clock.
    #[pyo3(signature = (*, expires=None, ttl=None, now=None))]
    fn resolve_expires(
        &self,
        py: Python<'_>,
        expires: Arg<'_, '_>,
        ttl: Arg<'_, '_>,
        now: Arg<'_, '_>,
    ) -> Res<i64> {
        let a = self.sign_args(py, expires, ttl, None, None, None, None, now)?;
        Ok(self.inner.resolve_expires(&a.options())?)
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
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (url, *, expires=None, ttl=None, ip=None, kind=None, speed=None, buffer=None, now=None))]
    fn sign_url(
        &self,
        py: Python<'_>,
        url: &Bound<'_, PyString>,
        expires: Arg<'_, '_>,
        ttl: Arg<'_, '_>,
        ip: Arg<'_, '_>,
        kind: Option<&str>,
        speed: Arg<'_, '_>,
        buffer: Arg<'_, '_>,
        now: Arg<'_, '_>,
    ) -> Res<String> {
        let url = url_text(url, None)?;
        let a = self.sign_args(py, expires, ttl, ip, kind, speed, buffer, now)?;
        Ok(self.inner.sign_url(url, &a.options())?)
    }

    /// Signs many URLs with the same options (those of ``sign_url``): a ``list[str]`` in the
    /// order given, all with one expiry. Any iterable of ``str`` works.
    ///
    /// The signing runs without the GIL (other Python threads go on meanwhile), several
    /// URLs at a time and, for large batches, on several cores. On the first bad URL nothing
    /// is returned and the exception's ``index`` says which URL it was.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (urls, *, expires=None, ttl=None, ip=None, kind=None, speed=None, buffer=None, now=None))]
    fn sign_many<'py>(
        &self,
        py: Python<'py>,
        urls: &Bound<'py, PyAny>,
        expires: Arg<'_, 'py>,
        ttl: Arg<'_, 'py>,
        ip: Arg<'_, 'py>,
        kind: Option<&str>,
        speed: Arg<'_, 'py>,
        buffer: Arg<'_, 'py>,
        now: Arg<'_, 'py>,
    ) -> Res<Bound<'py, PyList>> {
        if urls.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "urls must be an iterable of str, not a single str",
            ))?;
        }
        // The str objects are held here, so their UTF-8 (borrowed, not copied) stays valid
        // while the GIL is released.
        let mut items: Vec<Bound<'py, PyString>> = Vec::with_capacity(urls.len().unwrap_or(0));
        for (i, u) in urls.try_iter()?.enumerate() {
            items.push(u?.cast_into::<PyString>().map_err(|e| {
                let name = type_name(&e.into_inner());
                PyTypeError::new_err(format!("item {i}: expected str, not {name}"))
            })?);
        }
        let texts = items
            .iter()
            .enumerate()
            .map(|(i, s)| url_text(s, Some(i)))
            .collect::<Res<Vec<&str>>>()?;
        let a = self.sign_args(py, expires, ttl, ip, kind, speed, buffer, now)?;
        let (inner, opts) = (&self.inner, a.options());
        let batch = py.detach(|| inner.sign_many_joined(&texts, &opts))?;
        Ok(PyList::new(py, batch.iter())?)
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
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (text, url, *, expires=None, ttl=None, ip=None, kind=None, speed=None, buffer=None, now=None, outside=None, other_hosts=false))]
    fn sign_manifest(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyString>,
        url: &Bound<'_, PyString>,
        expires: Arg<'_, '_>,
        ttl: Arg<'_, '_>,
        ip: Arg<'_, '_>,
        kind: Option<&str>,
        speed: Arg<'_, '_>,
        buffer: Arg<'_, '_>,
        now: Arg<'_, '_>,
        outside: Option<&str>,
        other_hosts: bool,
    ) -> Res<String> {
        let text = text.to_str().map_err(|_| st::Error::Argument {
            name: "text",
            reason: "is a str with lone surrogates, which has no UTF-8 form",
        })?;
        let url = url_text(url, None)?;
        let a = self.sign_args(py, expires, ttl, ip, kind, speed, buffer, now)?;
        let opts = st::ManifestOptions {
            sign: a.options(),
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
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (path, *, expires=None, ttl=None, ip=None, kind=None, speed=None, buffer=None, now=None))]
    fn token(
        &self,
        py: Python<'_>,
        path: &str,
        expires: Arg<'_, '_>,
        ttl: Arg<'_, '_>,
        ip: Arg<'_, '_>,
        kind: Option<&str>,
        speed: Arg<'_, '_>,
        buffer: Arg<'_, '_>,
        now: Arg<'_, '_>,
    ) -> Res<String> {
        let a = self.sign_args(py, expires, ttl, ip, kind, speed, buffer, now)?;
        Ok(self.inner.token_with(path, &a.options())?.token)
    }

    /// Like ``token``, returning a ``SignedToken`` with the expiry it covers.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (path, *, expires=None, ttl=None, ip=None, kind=None, speed=None, buffer=None, now=None))]
    fn signed_token(
        &self,
        py: Python<'_>,
        path: &str,
        expires: Arg<'_, '_>,
        ttl: Arg<'_, '_>,
        ip: Arg<'_, '_>,
        kind: Option<&str>,
        speed: Arg<'_, '_>,
        buffer: Arg<'_, '_>,
        now: Arg<'_, '_>,
    ) -> Res<SignedToken> {
        let a = self.sign_args(py, expires, ttl, ip, kind, speed, buffer, now)?;
        Ok(self.inner.token_with(path, &a.options())?.into())
    }

    /// A Video Streaming link ``{base}/{prefix}/{account}_{id}/{token}/{expires}/{file}``.
    ///
    /// ``stream`` is ``"vod"`` (default, ``/videos/``), ``"cmaf"`` (live), ``"mpegts"`` or
    /// ``"streams"``; ``file`` defaults to the playlist of that layout.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (account, id, *, stream=None, base=None, file=None, expires=None, ttl=None, ip=None, now=None))]
    fn stream_url(
        &self,
        py: Python<'_>,
        account: &Bound<'_, PyAny>,
        id: &str,
        stream: Option<&str>,
        base: Option<&str>,
        file: Option<&str>,
        expires: Arg<'_, '_>,
        ttl: Arg<'_, '_>,
        ip: Arg<'_, '_>,
        now: Arg<'_, '_>,
    ) -> Res<String> {
        let account = str_or_int(account, "account")?;
        let stream = stream.map(st::StreamKind::from_str).transpose()?;
        let a = self.sign_args(py, expires, ttl, ip, None, None, None, now)?;
        Ok(self.inner.stream_url(
            base.unwrap_or(""),
            stream.unwrap_or(st::StreamKind::Vod),
            &account,
            id,
            file,
            &a.options(),
        )?)
    }

    /// A Video Streaming path token and its expiry, as a ``SignedToken``.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (account, id, *, expires=None, ttl=None, ip=None, now=None))]
    fn stream_token(
        &self,
        py: Python<'_>,
        account: &Bound<'_, PyAny>,
        id: &str,
        expires: Arg<'_, '_>,
        ttl: Arg<'_, '_>,
        ip: Arg<'_, '_>,
        now: Arg<'_, '_>,
    ) -> Res<SignedToken> {
        let account = str_or_int(account, "account")?;
        let a = self.sign_args(py, expires, ttl, ip, None, None, None, now)?;
        Ok(self.inner.stream_token(&account, id, &a.options())?.into())
    }

    /// Checks a link you hold (a full URL, or a path and query) as the edge would.
    ///
    /// For what a web server received, use ``verify_request`` (the raw request target) or
    /// ``verify_decoded`` (a decoded path and the raw query, as WSGI gives them): those read
    /// the target exactly as nginx does (``//a/b`` is a path) and never raise for anything
    /// a client can send. Returns a ``Verdict``.
    #[pyo3(signature = (url, *, ip=None, now=None, kind=None))]
    fn verify(
        &self,
        py: Python<'_>,
        url: &Bound<'_, PyString>,
        ip: Arg<'_, '_>,
        now: Arg<'_, '_>,
        kind: Option<&str>,
    ) -> Res<Verdict> {
        let ip = ip.map(ip_text).transpose()?;
        let opts = self.verify_options(py, &ip, now, kind)?;
        Ok(self.inner.verify(url_text(url, None)?, &opts)?.into())
    }

    /// Checks what a web server received: the request target of the request line, as bytes
    /// (``/path?query``, where ``//a/b`` is a path as nginx reads it, or
    /// ``http://host/path?query``), e.g. gunicorn's ``RAW_URI`` or uWSGI's ``REQUEST_URI``
    /// encoded as latin-1. Never raises for anything a client can send: a target nginx
    /// answers 400 or 414 to gets a verdict with that ``http_status``. Returns a ``Verdict``.
    #[pyo3(signature = (target, *, ip=None, now=None, kind=None))]
    fn verify_request(
        &self,
        py: Python<'_>,
        target: &[u8],
        ip: Arg<'_, '_>,
        now: Arg<'_, '_>,
        kind: Option<&str>,
    ) -> Res<Verdict> {
        let ip = ip.map(ip_text).transpose()?;
        let opts = self.verify_options(py, &ip, now, kind)?;
        Ok(self.inner.verify_request(target, &opts).into())
    }

    /// Like ``verify_request``, for servers that hand over only the percent-decoded path
    /// (WSGI ``PATH_INFO``, as bytes: ``environ["PATH_INFO"].encode("latin-1")``) and the raw
    /// query string (``QUERY_STRING``, undecoded). Same verdicts; never raises for client data.
    #[pyo3(signature = (path, query, *, ip=None, now=None, kind=None))]
    fn verify_decoded(
        &self,
        py: Python<'_>,
        path: &[u8],
        query: &[u8],
        ip: Arg<'_, '_>,
        now: Arg<'_, '_>,
        kind: Option<&str>,
    ) -> Res<Verdict> {
        let ip = ip.map(ip_text).transpose()?;
        let opts = self.verify_options(py, &ip, now, kind)?;
        Ok(self.inner.verify_decoded(path, query, &opts).into())
    }

    /// Shows what the edge hashes for a link, to debug a 403; the key appears as ``***``.
    #[pyo3(signature = (url, *, ip=None, kind=None, expires=None))]
    fn explain(
        &self,
        url: &Bound<'_, PyString>,
        ip: Arg<'_, '_>,
        kind: Option<&str>,
        expires: Arg<'_, '_>,
    ) -> Res<Explanation> {
        let ip = ip.map(ip_text).transpose()?;
        let opts = st::ExplainOptions {
            ip: ip.as_deref(),
            kind: token_kind(kind)?,
            expires: expires
                .map(|e| unix_seconds(e, "expires", false))
                .transpose()?,
        };
        Ok(self.inner.explain(url_text(url, None)?, &opts)?.into())
    }
}

/// The edge's answer to a request.
///
/// ``status`` is ``"valid"``, ``"expired"`` or ``"invalid"``; ``http_status`` what the edge
/// answers (200, 410, 403, or 400/414 for a request nginx refuses before any token check);
/// ``reason`` a stable code (``"mismatch"``, ``"expired"``, ...; ``None`` when valid) and
/// ``message`` the same for people. A verdict is true only when valid.
#[pyclass(frozen, get_all, module = "cdn_secure_token", name = "Verdict")]
struct Verdict {
    /// ``True`` when the token matches and the link has not expired.
    valid: bool,
    /// ``True`` when the token matches but the link has expired (410).
    expired: bool,
    /// ``"valid"``, ``"expired"`` or ``"invalid"``.
    status: &'static str,
    /// The HTTP status the edge answers: 200, 410, 403, or 400 / 414.
    http_status: u16,
    /// The stable reason code (``"expired"``, ``"mismatch"``, ...); ``None`` when valid.
    reason: Option<&'static str>,
    /// Why the request is refused, for people; ``None`` when valid.
    message: Option<String>,
    /// The link's expiry (Unix seconds) when the token matches, else ``None``.
    expires: Option<i64>,
    /// Which key matched (0 = the signing key) when the token matches, else ``None``.
    key_index: Option<usize>,
}

impl From<st::Verdict> for Verdict {
    fn from(v: st::Verdict) -> Self {
        Verdict {
            valid: v.is_valid(),
            expired: v.is_expired(),
            status: v.as_str(),
            http_status: v.status(),
            reason: v.reason_code(),
            message: v.message(),
            expires: v.expires(),
            key_index: v.key_index(),
        }
    }
}

#[pymethods]
impl Verdict {
    fn __bool__(&self) -> bool {
        self.valid
    }

    fn __repr__(&self) -> String {
        let mut s = format!("<Verdict {} http_status={}", self.status, self.http_status);
        if let Some(r) = self.reason {
            s += &format!(" reason='{r}'");
        }
        if let (Some(e), Some(k)) = (self.expires, self.key_index) {
            s += &format!(" expires={e} key_index={k}");
        }
        s + ">"
    }
}

/// What the edge hashes for a link, to debug a 403. The key is shown as ``***``.
#[pyclass(frozen, get_all, module = "cdn_secure_token", name = "Explanation")]
struct Explanation {
    /// The token kind explained: ``"file"``, ``"directory"``, ``"mp4"`` or ``"stream"``.
    kind: &'static str,
    /// The decoded, normalized path that is hashed (for a directory token: the directory).
    hashed_path: String,
    /// The expires text that is hashed, exactly as in the link.
    expires: String,
    /// The canonical client IP that is hashed, if any.
    ip: Option<String>,
    /// The exact string-to-sign, with the key replaced by ``***``.
    string_to_sign: String,
    /// The token the signing key gives for it.
    expected_token: String,
    /// The token found in the link, if any.
    found_token: Option<String>,
    /// Whether the found token matches the expected one (``None`` without a token).
    matches: Option<bool>,
}

impl From<st::Explanation> for Explanation {
    fn from(e: st::Explanation) -> Self {
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

#[pymethods]
impl Explanation {
    fn __repr__(&self) -> String {
        let found = self
            .found_token
            .as_deref()
            .map_or("None".into(), |t| format!("'{t}'"));
        let matches = self
            .matches
            .map_or("None", |m| if m { "True" } else { "False" });
        format!(
            "<Explanation kind='{}' string_to_sign={:?} expected_token='{}' found_token={found} \
             matches={matches}>",
            self.kind, self.string_to_sign, self.expected_token,
        )
    }
}

/// A token with the expiry (Unix seconds) it was made for; ``str()`` gives the token.
#[pyclass(frozen, eq, module = "cdn_secure_token", name = "SignedToken")]
#[derive(PartialEq)]
struct SignedToken {
    /// The 22-character token.
    #[pyo3(get)]
    token: String,
    /// The expiry it covers, Unix seconds.
    #[pyo3(get)]
    expires: i64,
}

impl From<st::SignedToken> for SignedToken {
    fn from(t: st::SignedToken) -> Self {
        SignedToken {
            token: t.token,
            expires: t.expires,
        }
    }
}

#[pymethods]
impl SignedToken {
    fn __repr__(&self) -> String {
        format!(
            "SignedToken(token='{}', expires={})",
            self.token, self.expires
        )
    }

    fn __str__(&self) -> String {
        self.token.clone()
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Signer>()?;
    m.add_class::<Verdict>()?;
    m.add_class::<Explanation>()?;
    m.add_class::<SignedToken>()?;
    add_refresh_classes(m)?;
    let base = py.get_type::<SecureTokenError>();
    base.setattr("code", py.None())?;
    base.setattr("index", py.None())?;
    base.setattr("line", py.None())?;
    m.add("SecureTokenError", base)?;
    let classes = [
        (py.get_type::<InvalidKeyError>(), st::ErrorKind::Key),
        (py.get_type::<InvalidPathError>(), st::ErrorKind::Path),
        (py.get_type::<InvalidIpError>(), st::ErrorKind::Ip),
        (py.get_type::<InvalidExpiryError>(), st::ErrorKind::Expiry),
        (py.get_type::<InvalidUrlError>(), st::ErrorKind::Url),
        (
            py.get_type::<InvalidArgumentError>(),
            st::ErrorKind::Argument,
        ),
    ];
    for (cls, kind) in classes {
        cls.setattr("code", kind.code())?;
        m.add(cls.name()?.to_string().as_str(), cls)?;
    }
    m.add("__version__", st::VERSION)?;
    m.add("TOKEN_LEN", st::TOKEN_LEN)?;
    m.add("MAX_EXPIRES", st::MAX_EXPIRES)?;
    m.add("MIN_KEY_LEN", st::MIN_KEY_LEN)?;
    m.add("MAX_KEY_LEN", st::MAX_KEY_LEN)?;
    m.add("MAX_KEYS", st::MAX_KEYS)?;
    Ok(())
}

// ---- Player token refresh (issue 16): the core's RefreshEndpoint, translated. ----

/// An answer to send: `(status, [(header, value), ...], json_body)`.
type RefreshAnswer = (u16, Vec<(&'static str, &'static str)>, String);

fn refresh_answer(r: st::RefreshResponse) -> RefreshAnswer {
    (r.status, r.headers(), r.body)
}

#[pyclass(frozen, module = "cdn_secure_token", name = "RefreshEndpoint")]
struct RefreshEndpoint {
    inner: std::sync::Arc<st::RefreshEndpoint>,
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
            inner: std::sync::Arc::new(st::RefreshEndpoint::new(signer.inner.clone(), c)),
        })
    }

    /// Reads a request: a `RefreshAsk` for the authorization hook, or the refusal to send.
    #[pyo3(signature = (method, query, peer, forwarded_for=None, real_ip=None, now=None))]
    #[allow(clippy::too_many_arguments)]
    fn prepare(
        &self,
        py: Python<'_>,
        method: &str,
        query: &[u8],
        peer: &str,
        forwarded_for: Option<&str>,
        real_ip: Option<&str>,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let req = st::RefreshRequest {
            method,
            query,
            peer,
            forwarded_for,
            real_ip,
            now,
        };
        match self.inner.prepare(&req) {
            Ok(ask) => Ok(Py::new(
                py,
                RefreshAsk {
                    endpoint: std::sync::Arc::clone(&self.inner),
                    ask,
                },
            )?
            .into_any()),
            Err(r) => Ok(refresh_answer(r.to_response())
                .into_pyobject(py)?
                .into_any()
                .unbind()),
        }
    }
}

#[pyclass(frozen, module = "cdn_secure_token", name = "RefreshAsk")]
struct RefreshAsk {
    endpoint: std::sync::Arc<st::RefreshEndpoint>,
    ask: st::RefreshAsk,
}

#[pymethods]
impl RefreshAsk {
    #[getter]
    fn video(&self) -> &str {
        self.ask.video()
    }
    #[getter]
    fn r#type(&self) -> &'static str {
        self.ask.type_name()
    }
    #[getter]
    fn expires(&self) -> i64 {
        self.ask.expires()
    }
    #[getter]
    fn client_ip(&self) -> &str {
        self.ask.client_ip()
    }
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
            self.ask.video(),
            self.ask.type_name(),
            self.ask.expires(),
            self.ask.client_ip()
        )
    }
}

fn add_refresh_classes(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RefreshEndpoint>()?;
    m.add_class::<RefreshAsk>()
}
