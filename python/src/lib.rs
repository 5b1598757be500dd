//! The Python face of `cdn-secure-token`: converts Python arguments in, calls the core, converts
//! results and errors out. Validation lives in the core; only Python-specific conversions
//! (datetime, timedelta, `ipaddress` objects) are done here.

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
    "Base class of every cdn_secure_token error. Messages never contain the key."
);
create_exception!(
    cdn_secure_token,
    InvalidKeyError,
    SecureTokenError,
    "The signing or verification key is unusable."
);
create_exception!(
    cdn_secure_token,
    InvalidPathError,
    SecureTokenError,
    "The URL path cannot be hashed the way the edge would."
);
create_exception!(
    cdn_secure_token,
    InvalidIpError,
    SecureTokenError,
    "The client IP is not a valid address."
);
create_exception!(
    cdn_secure_token,
    InvalidExpiryError,
    SecureTokenError,
    "The expiry time or lifetime is unusable."
);
create_exception!(
    cdn_secure_token,
    InvalidUrlError,
    SecureTokenError,
    "The URL as a whole is malformed."
);
create_exception!(
    cdn_secure_token,
    InvalidArgumentError,
    SecureTokenError,
    "Another argument (token kind, stream ids, speed, buffer, ...) is unusable."
);

/// Maps a core error to its exception class; `index` is set for batch failures.
fn error_to_py(py: Python<'_>, e: &st::Error, index: Option<usize>) -> PyErr {
    let msg = match index {
        Some(i) => format!("item {i}: {e}"),
        None => e.to_string(),
    };
    let err = match e.kind() {
        st::ErrorKind::Key => InvalidKeyError::new_err(msg),
        st::ErrorKind::Path => InvalidPathError::new_err(msg),
        st::ErrorKind::Ip => InvalidIpError::new_err(msg),
        st::ErrorKind::Expiry => InvalidExpiryError::new_err(msg),
        st::ErrorKind::Url => InvalidUrlError::new_err(msg),
        st::ErrorKind::Argument => InvalidArgumentError::new_err(msg),
    };
    if let Some(i) = index {
        // Only fails on memory exhaustion; the exception is still the right one without it.
        let _ = err.value(py).setattr("index", i);
    }
    err
}

trait IntoPy<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, st::Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| error_to_py(py, &e, None))
    }
}

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static IPV4: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static IPV6: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// The error for a `sign_many` item that is not a `str` (or a `str` that is not valid UTF-8).
fn not_str(i: usize, item: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("item {i}: expected str, not {}", type_name(item)))
}

/// Unix seconds from an `int` or an aware `datetime` (`float` too when `float_ok`, for clocks).
fn unix_seconds(obj: &Bound<'_, PyAny>, what: &str, float_ok: bool) -> PyResult<i64> {
    let py = obj.py();
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return obj
            .extract::<i64>()
            .map_err(|_| InvalidExpiryError::new_err(format!("{what} does not fit in 64 bits")));
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
    Err(PyTypeError::new_err(format!(
        "{what} must be {expected}, not {}",
        type_name(obj)
    )))
}

/// Whole seconds from an `int` or a `timedelta` (fractions of a second are dropped).
fn seconds(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    let py = obj.py();
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return obj
            .extract::<i64>()
            .map_err(|_| InvalidExpiryError::new_err(format!("{what} does not fit in 64 bits")));
    }
    if obj.is_instance(TIMEDELTA.import(py, "datetime", "timedelta")?)? {
        let days: i64 = obj.getattr("days")?.extract()?;
        let secs: i64 = obj.getattr("seconds")?.extract()?;
        return days
            .checked_mul(86_400)
            .and_then(|d| d.checked_add(secs))
            .ok_or_else(|| InvalidExpiryError::new_err(format!("{what} is too large")));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be int seconds or a timedelta, not {}",
        type_name(obj)
    )))
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
    Err(PyTypeError::new_err(format!(
        "ip must be a str, IPv4Address or IPv6Address, not {}",
        type_name(obj)
    )))
}

/// Text of a `str`, or the decimal text of an `int` (MP4 `speed` / `buffer`).
fn str_or_int(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<PyBackedStr> {
    if obj.is_instance_of::<PyString>() {
        return obj.extract();
    }
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return obj.str()?.extract();
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be a str or an int, not {}",
        type_name(obj)
    )))
}

fn key_bytes(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.extract::<PyBackedStr>()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be str or bytes, not {}",
        type_name(obj)
    )))
}

fn token_kind(py: Python<'_>, kind: Option<&str>) -> PyResult<st::TokenKind> {
    kind.map_or(Ok(st::TokenKind::File), |k| {
        st::TokenKind::from_str(k).py_err(py)
    })
}

/// The keyword arguments shared by the signing calls, converted once.
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

/// Signs and verifies CDN Secure Token links. Immutable and safe to share between threads.
#[pyclass(frozen, module = "cdn_secure_token", name = "Signer")]
struct Signer {
    inner: st::Signer,
    clock: Option<Py<PyAny>>,
}

impl Signer {
    /// `now` if given, else the custom clock's time, else `None` (the core's system clock).
    fn now_arg(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<Option<i64>> {
        if let Some(n) = now {
            return unix_seconds(n, "now", false).map(Some);
        }
        match &self.clock {
            Some(c) => unix_seconds(&c.bind(py).call0()?, "clock()", true).map(Some),
            None => Ok(None),
        }
    }

    /// Signs the batch and makes the list of signed URLs: small batches in one core call
    /// with the GIL detached, large ones through `pipeline::sign`.
    fn sign_batch<'py, S: AsRef<str> + Sync>(
        &self,
        py: Python<'py>,
        urls: &[S],
        a: &SignArgs,
    ) -> PyResult<Bound<'py, PyList>> {
        let inner = &self.inner;
        let opts = a.options();
        if urls.len() >= pipeline::MIN_BATCH {
            // Asked only for large batches: it reads cgroup files and costs tens of µs.
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            if cores > 1 {
                return pipeline::sign(py, inner, urls, &opts, cores - 1);
            }
        }
        // One output buffer for the whole batch: each Python str is made straight from its
        // slice, with no Rust String per URL.
        match py.detach(|| inner.sign_many_joined(urls, &opts)) {
            Ok(out) => PyList::new(py, out.iter()),
            Err(e) => Err(error_to_py(py, &e.error, Some(e.index))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn sign_args(
        &self,
        py: Python<'_>,
        expires: Option<&Bound<'_, PyAny>>,
        ttl: Option<&Bound<'_, PyAny>>,
        ip: Option<&Bound<'_, PyAny>>,
        kind: Option<&str>,
        speed: Option<&Bound<'_, PyAny>>,
        buffer: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SignArgs> {
        Ok(SignArgs {
            expires: expires
                .map(|e| unix_seconds(e, "expires", false))
                .transpose()?,
            ttl: ttl.map(|t| seconds(t, "ttl")).transpose()?,
            ip: ip.map(ip_text).transpose()?,
            kind: token_kind(py, kind)?,
            speed: speed.map(|s| str_or_int(s, "speed")).transpose()?,
            buffer: buffer.map(|b| str_or_int(b, "buffer")).transpose()?,
            now: self.now_arg(py, now)?,
        })
    }
}

#[pymethods]
impl Signer {
    #[new]
    #[pyo3(signature = (key, *, verify_keys=None, default_ttl=None, allow_past_expiry=false, clock=None))]
    fn new(
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        verify_keys: Option<&Bound<'_, PyAny>>,
        default_ttl: Option<&Bound<'_, PyAny>>,
        allow_past_expiry: bool,
        clock: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut b = st::Signer::builder(key_bytes(key, "key")?);
        if let Some(keys) = verify_keys {
            if keys.is_instance_of::<PyString>() || keys.is_instance_of::<PyBytes>() {
                return Err(PyTypeError::new_err(
                    "verify_keys must be a list of keys, not a single key",
                ));
            }
            for k in keys.try_iter()? {
                b = b.verify_key(key_bytes(&k?, "each verify key")?);
            }
        }
        if let Some(t) = default_ttl {
            b = b.default_ttl(seconds(t, "default_ttl")?);
        }
        if let Some(c) = &clock {
            if !c.is_callable() {
                return Err(PyTypeError::new_err(
                    "clock must be a callable returning Unix seconds",
                ));
            }
        }
        let inner = b.allow_past_expiry(allow_past_expiry).build().py_err(py)?;
        Ok(Signer {
            inner,
            clock: clock.map(Bound::unbind),
        })
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(c) = &self.clock {
            visit.call(c)?;
        }
        Ok(())
    }

    fn __repr__(&self) -> String {
        let ttl = self
            .inner
            .default_ttl()
            .map_or_else(|| "None".to_owned(), |t| t.to_string());
        format!(
            "<cdn_secure_token.Signer keys={} default_ttl={}>",
            self.inner.key_count(),
            ttl
        )
    }

    /// Immutable: a copy is the same object.
    fn __copy__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> {
        slf
    }

    /// Number of keys held: the signing key plus the rotation keys.
    #[getter]
    fn key_count(&self) -> usize {
        self.inner.key_count()
    }

    /// The default lifetime in seconds, if one was set.
    #[getter]
    fn default_ttl(&self) -> Option<i64> {
        self.inner.default_ttl()
    }

    /// The current Unix time by this signer's clock.
    fn now(&self, py: Python<'_>) -> PyResult<i64> {
        Ok(self.now_arg(py, None)?.unwrap_or_else(|| self.inner.now()))
    }

    /// The absolute expiry that these arguments give, checked as signing would check it.
    #[pyo3(signature = (*, expires=None, ttl=None, now=None))]
    fn resolve_expires(
        &self,
        py: Python<'_>,
        expires: Option<&Bound<'_, PyAny>>,
        ttl: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<i64> {
        let a = self.sign_args(py, expires, ttl, None, None, None, None, now)?;
        self.inner.resolve_expires(&a.options()).py_err(py)
    }

    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (url, *, expires=None, ttl=None, ip=None, kind=None, speed=None, buffer=None, now=None))]
    fn sign_url(
        &self,
        py: Python<'_>,
        url: PyBackedStr,
        expires: Option<&Bound<'_, PyAny>>,
        ttl: Option<&Bound<'_, PyAny>>,
        ip: Option<&Bound<'_, PyAny>>,
        kind: Option<PyBackedStr>,
        speed: Option<&Bound<'_, PyAny>>,
        buffer: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let a = self.sign_args(py, expires, ttl, ip, kind.as_deref(), speed, buffer, now)?;
        self.inner.sign_url(&url, &a.options()).py_err(py)
    }

    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (urls, *, expires=None, ttl=None, ip=None, kind=None, speed=None, buffer=None, now=None))]
    fn sign_many<'py>(
        &self,
        py: Python<'py>,
        urls: &Bound<'py, PyAny>,
        expires: Option<&Bound<'py, PyAny>>,
        ttl: Option<&Bound<'py, PyAny>>,
        ip: Option<&Bound<'py, PyAny>>,
        kind: Option<PyBackedStr>,
        speed: Option<&Bound<'py, PyAny>>,
        buffer: Option<&Bound<'py, PyAny>>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        if urls.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "urls must be an iterable of str, not a single str",
            ));
        }
        // 3.10+, a list or tuple: the URLs' UTF-8 is borrowed from the str objects (held by
        // `items`, our own tuple) instead of being copied into a bytes object per URL.
        if let Some(items) = fast::snapshot(urls) {
            let input = fast::borrow_items(&items)?;
            let a = self.sign_args(py, expires, ttl, ip, kind.as_deref(), speed, buffer, now)?;
            return self.sign_batch(py, &input, &a);
        }
        let mut input: Vec<PyBackedStr> = Vec::with_capacity(urls.len().unwrap_or(0));
        for (i, u) in urls.try_iter()?.enumerate() {
            let u = u?;
            input.push(u.extract().map_err(|_| not_str(i, &u))?);
        }
        let a = self.sign_args(py, expires, ttl, ip, kind.as_deref(), speed, buffer, now)?;
        self.sign_batch(py, &input, &a)
    }

    /// The token for an already decoded path (`%` is literal), as a string.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (path, *, expires=None, ttl=None, ip=None, kind=None, speed=None, buffer=None, now=None))]
    fn token(
        &self,
        py: Python<'_>,
        path: PyBackedStr,
        expires: Option<&Bound<'_, PyAny>>,
        ttl: Option<&Bound<'_, PyAny>>,
        ip: Option<&Bound<'_, PyAny>>,
        kind: Option<PyBackedStr>,
        speed: Option<&Bound<'_, PyAny>>,
        buffer: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let a = self.sign_args(py, expires, ttl, ip, kind.as_deref(), speed, buffer, now)?;
        Ok(self.inner.token_with(&path, &a.options()).py_err(py)?.token)
    }

    /// Like `token`, also returning the expiry it covers.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (path, *, expires=None, ttl=None, ip=None, kind=None, speed=None, buffer=None, now=None))]
    fn signed_token(
        &self,
        py: Python<'_>,
        path: PyBackedStr,
        expires: Option<&Bound<'_, PyAny>>,
        ttl: Option<&Bound<'_, PyAny>>,
        ip: Option<&Bound<'_, PyAny>>,
        kind: Option<PyBackedStr>,
        speed: Option<&Bound<'_, PyAny>>,
        buffer: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SignedToken> {
        let a = self.sign_args(py, expires, ttl, ip, kind.as_deref(), speed, buffer, now)?;
        let t = self.inner.token_with(&path, &a.options()).py_err(py)?;
        Ok(SignedToken {
            token: t.token,
            expires: t.expires,
        })
    }

    /// A Video Streaming link: `{base}/{prefix}/{account}_{id}/{token}/{expires}/{file}`.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (account, id, *, stream=None, base=None, file=None, expires=None, ttl=None, ip=None, now=None))]
    fn stream_url(
        &self,
        py: Python<'_>,
        account: &Bound<'_, PyAny>,
        id: PyBackedStr,
        stream: Option<PyBackedStr>,
        base: Option<PyBackedStr>,
        file: Option<PyBackedStr>,
        expires: Option<&Bound<'_, PyAny>>,
        ttl: Option<&Bound<'_, PyAny>>,
        ip: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let account = str_or_int(account, "account")?;
        let stream = stream.map_or(Ok(st::StreamKind::Vod), |s| {
            st::StreamKind::from_str(&s).py_err(py)
        })?;
        let a = self.sign_args(py, expires, ttl, ip, None, None, None, now)?;
        self.inner
            .stream_url(
                base.as_deref().unwrap_or(""),
                stream,
                &account,
                &id,
                file.as_deref(),
                &a.options(),
            )
            .py_err(py)
    }

    /// A Video Streaming path token and its expiry.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (account, id, *, expires=None, ttl=None, ip=None, now=None))]
    fn stream_token(
        &self,
        py: Python<'_>,
        account: &Bound<'_, PyAny>,
        id: PyBackedStr,
        expires: Option<&Bound<'_, PyAny>>,
        ttl: Option<&Bound<'_, PyAny>>,
        ip: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SignedToken> {
        let account = str_or_int(account, "account")?;
        let a = self.sign_args(py, expires, ttl, ip, None, None, None, now)?;
        let t = self
            .inner
            .stream_token(&account, &id, &a.options())
            .py_err(py)?;
        Ok(SignedToken {
            token: t.token,
            expires: t.expires,
        })
    }

    /// Checks a request (URL or path-and-query) as the edge would.
    #[pyo3(signature = (url, *, ip=None, now=None, kind=None))]
    fn verify(
        &self,
        py: Python<'_>,
        url: PyBackedStr,
        ip: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
        kind: Option<PyBackedStr>,
    ) -> PyResult<Verdict> {
        let ip = ip.map(ip_text).transpose()?;
        let opts = st::VerifyOptions {
            ip: ip.as_deref(),
            now: self.now_arg(py, now)?,
            kind: token_kind(py, kind.as_deref())?,
        };
        let inner = self.inner.verify(&url, &opts).py_err(py)?;
        Ok(Verdict { inner })
    }

    /// Shows what the edge hashes for a link; the key appears as `***`.
    #[pyo3(signature = (url, *, ip=None, kind=None, expires=None))]
    fn explain(
        &self,
        py: Python<'_>,
        url: PyBackedStr,
        ip: Option<&Bound<'_, PyAny>>,
        kind: Option<PyBackedStr>,
        expires: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Explanation> {
        let ip = ip.map(ip_text).transpose()?;
        let opts = st::ExplainOptions {
            ip: ip.as_deref(),
            kind: token_kind(py, kind.as_deref())?,
            expires: expires
                .map(|e| unix_seconds(e, "expires", false))
                .transpose()?,
        };
        let inner = self.inner.explain(&url, &opts).py_err(py)?;
        Ok(Explanation { inner })
    }
}

/// The edge's answer to a request: 200 (valid), 410 (expired) or 403 (invalid).
#[pyclass(frozen, module = "cdn_secure_token", name = "Verdict")]
struct Verdict {
    inner: st::Verdict,
}

#[pymethods]
impl Verdict {
    /// The token matches and has not expired.
    #[getter]
    fn valid(&self) -> bool {
        self.inner.is_valid()
    }

    /// The token matches but the link has expired.
    #[getter]
    fn expired(&self) -> bool {
        self.inner.is_expired()
    }

    /// The HTTP status the edge answers: 200, 410 or 403.
    #[getter]
    fn status(&self) -> u16 {
        self.inner.status()
    }

    /// `"valid"`, `"expired"` or `"invalid"`.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.as_str()
    }

    /// Why the request is refused, for people; `None` when valid.
    #[getter]
    fn reason(&self) -> Option<String> {
        self.inner.reason()
    }

    /// A stable snake_case code for an invalid token (`"mismatch"`, ...); `None` otherwise.
    #[getter]
    fn reason_code(&self) -> Option<&'static str> {
        match &self.inner {
            st::Verdict::Invalid(r) => Some(r.code()),
            _ => None,
        }
    }

    /// The link's expiry when the token matches.
    #[getter]
    fn expires(&self) -> Option<i64> {
        self.inner.expires()
    }

    /// Which key matched (0 = the signing key) when the token matches.
    #[getter]
    fn key_index(&self) -> Option<usize> {
        self.inner.key_index()
    }

    fn __bool__(&self) -> bool {
        self.inner.is_valid()
    }

    fn __repr__(&self) -> String {
        match &self.inner {
            st::Verdict::Invalid(r) => {
                format!("<Verdict invalid status=403 reason_code='{}'>", r.code())
            }
            v => format!(
                "<Verdict {} status={} expires={} key_index={}>",
                v.as_str(),
                v.status(),
                v.expires().unwrap_or_default(),
                v.key_index().unwrap_or_default()
            ),
        }
    }
}

/// What the edge hashes for a link, for debugging 403s. The key is shown as `***`.
#[pyclass(frozen, module = "cdn_secure_token", name = "Explanation")]
struct Explanation {
    inner: st::Explanation,
}

#[pymethods]
impl Explanation {
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.as_str()
    }
    #[getter]
    fn hashed_path(&self) -> &str {
        &self.inner.hashed_path
    }
    #[getter]
    fn expires(&self) -> &str {
        &self.inner.expires
    }
    #[getter]
    fn ip(&self) -> Option<&str> {
        self.inner.ip.as_deref()
    }
    #[getter]
    fn string_to_sign(&self) -> &str {
        &self.inner.string_to_sign
    }
    #[getter]
    fn expected_token(&self) -> &str {
        &self.inner.expected_token
    }
    #[getter]
    fn found_token(&self) -> Option<&str> {
        self.inner.found_token.as_deref()
    }
    #[getter]
    fn matches(&self) -> Option<bool> {
        self.inner.matches
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let e = &slf.get().inner;
        let r = |v: Bound<'_, PyAny>| -> PyResult<String> { Ok(v.repr()?.to_string()) };
        let py = slf.py();
        Ok(format!(
            "<Explanation kind={} string_to_sign={} expected_token={} found_token={} matches={}>",
            r(e.kind.as_str().into_pyobject(py)?.into_any())?,
            r(e.string_to_sign.as_str().into_pyobject(py)?.into_any())?,
            r(e.expected_token.as_str().into_pyobject(py)?.into_any())?,
            r(e.found_token.as_deref().into_pyobject(py)?)?,
            r(e.matches.into_pyobject(py)?)?,
        ))
    }
}

/// A token with the expiry it was made for.
#[pyclass(frozen, eq, module = "cdn_secure_token", name = "SignedToken")]
#[derive(PartialEq)]
struct SignedToken {
    #[pyo3(get)]
    token: String,
    #[pyo3(get)]
    expires: i64,
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

// ---- large sign_many batches: signing overlapped with making the str objects ----
//
// Making the Python str objects needs the GIL, so it runs on one thread only, and it costs as
// much as signing (~55 ns a URL, mostly the allocator's page faults). Signed in one core call
// and then converted, a batch pays for both in turn. Here worker threads sign the batch in
// chunks, in order, while the calling thread turns each finished chunk into str objects and
// signs chunks itself (GIL released) whenever the next one is not ready yet.

mod pipeline {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex, PoisonError};

    /// URLs per core call. Below the core's own threading threshold (4096 URLs when this was
    /// written), so each call signs on the thread that makes it, and small enough that the
    /// first str objects are made early (1024 and 4000 measured no better).
    const CHUNK: usize = 2048;
    /// Smaller batches go through one core call (the thread start-up would not pay).
    pub(super) const MIN_BATCH: usize = 4 * CHUNK;
    /// Worker threads at most. The calling thread making the str objects is the bottleneck
    /// (~55 ns a URL here against ~60 ns for one thread signing); a few workers keep ahead of
    /// it even where making str objects is much cheaper, and more would only cost start-ups.
    const MAX_WORKERS: usize = 4;

    type Chunk = std::thread::Result<Result<st::SignedBatch, st::BatchError>>;

    struct Shared<'a, S> {
        urls: &'a [S],
        inner: &'a st::Signer,
        opts: &'a st::SignOptions<'a>,
        chunks: usize,
        /// The next chunk nobody has taken yet.
        next: AtomicUsize,
        /// Set when a chunk failed, or the caller gave up: no more chunks are taken. The
        /// chunks before a failed one were all taken already, so the first failing URL (the
        /// one the error must name) is still found.
        stop: AtomicBool,
        done: Mutex<Vec<Option<Chunk>>>,
        ready: Condvar,
    }

    impl<S: AsRef<str> + Sync> Shared<'_, S> {
        /// Takes the next chunk and signs it; false when there is none left to take.
        fn sign_next(&self) -> bool {
            if self.stop.load(Ordering::Relaxed) {
                return false;
            }
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            if k >= self.chunks {
                return false;
            }
            let start = k * CHUNK;
            let part = &self.urls[start..self.urls.len().min(start + CHUNK)];
            // A panic (a bug) is handed to the calling thread, which re-raises it: the
            // calling thread must not wait forever for this chunk.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.inner
                    .sign_many_joined(part, self.opts)
                    .map_err(|e| st::BatchError {
                        index: start + e.index,
                        error: e.error,
                    })
            }));
            if !matches!(r, Ok(Ok(_))) {
                self.stop.store(true, Ordering::Relaxed);
            }
            self.lock()[k] = Some(r);
            self.ready.notify_all();
            true
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Option<Chunk>>> {
            // Nothing panics while holding the lock; a poisoned lock still has valid slots.
            self.done.lock().unwrap_or_else(PoisonError::into_inner)
        }

        fn take(&self, k: usize) -> Option<Chunk> {
            self.lock()[k].take()
        }

        /// Chunk `k`, signing other chunks meanwhile if there are any left to take.
        fn wait_for(&self, k: usize) -> Chunk {
            loop {
                if let Some(c) = self.take(k) {
                    return c;
                }
                if !self.sign_next() {
                    break;
                }
            }
            // Every chunk up to `k` is taken (chunks are taken in order and no more can be),
            // so whoever took `k` will fill it.
            let mut done = self.lock();
            loop {
                if let Some(c) = done[k].take() {
                    return c;
                }
                done = self
                    .ready
                    .wait(done)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    /// Signs `urls` with `workers` helper threads, making the str objects as chunks finish.
    /// Same result and same error (the first failing URL's) as one `sign_many_joined` call.
    pub(super) fn sign<'py, S: AsRef<str> + Sync>(
        py: Python<'py>,
        inner: &st::Signer,
        urls: &[S],
        opts: &st::SignOptions<'_>,
        workers: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        // One clock reading for the whole batch, as one core call would make: with `ttl`,
        // chunks signed across a second boundary would otherwise get different expiries.
        let mut opts = *opts;
        opts.now = Some(opts.now.unwrap_or_else(|| inner.now()));
        let chunks = urls.len().div_ceil(CHUNK);
        let shared = Shared {
            urls,
            inner,
            opts: &opts,
            chunks,
            next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            done: Mutex::new((0..chunks).map(|_| None).collect()),
            ready: Condvar::new(),
        };
        let shared = &shared;
        std::thread::scope(|s| {
            for _ in 0..workers.min(MAX_WORKERS).min(chunks) {
                s.spawn(move || while shared.sign_next() {});
            }
            let r = collect(py, shared);
            // On an error the workers stop after their current chunk; `scope` joins them.
            shared.stop.store(true, Ordering::Relaxed);
            r
        })
    }

    /// The calling thread's part: the chunks' str objects in order, into one list.
    fn collect<'py, S: AsRef<str> + Sync>(
        py: Python<'py>,
        shared: &Shared<'_, S>,
    ) -> PyResult<Bound<'py, PyList>> {
        // The str objects are gathered here and the list is made at the end: a list with
        // empty slots must not be reachable (gc.get_objects()) while the GIL is released.
        let mut out: Vec<Bound<'py, PyString>> = Vec::with_capacity(shared.urls.len());
        for k in 0..shared.chunks {
            // Hands the GIL to any thread waiting for it (once a chunk), then signs or waits
            // without it until chunk `k` is done.
            let chunk = match shared.take(k) {
                Some(c) => {
                    py.detach(|| ());
                    c
                }
                None => py.detach(|| shared.wait_for(k)),
            };
            match chunk {
                Ok(Ok(batch)) => out.extend(batch.iter().map(|u| PyString::new(py, u))),
                Ok(Err(e)) => return Err(error_to_py(py, &e.error, Some(e.index))),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        PyList::new(py, out)
    }
}

// ---- sign_url through METH_FASTCALL ----
//
// Built for abi3-py39, pyo3 registers methods as METH_VARARGS | METH_KEYWORDS (FASTCALL is
// stable ABI only from 3.10), so every `sign_url(url, expires=...)` call made CPython build an
// argument tuple and a keyword dict: ~60 ns of a ~420 ns call. On a 3.10+ interpreter the
// module replaces `Signer.sign_url` with a METH_FASTCALL | METH_KEYWORDS method that reads
// the arguments in place (and borrows the URL's UTF-8 with PyUnicode_AsUTF8AndSize, also
// stable ABI from 3.10, instead of copying it through a bytes object). Any call it does not
// recognise (wrong positional count, unknown or repeated keyword, non-str URL or kind) goes
// to the pyo3 method unchanged, so errors and signature stay exactly those of pyo3's.
//
// `sign_many` (still the pyo3 method: one call per batch) borrows its URLs' UTF-8 the same way
// on 3.10+, for a list or tuple input, through `snapshot` and `borrow_items`.

mod fast {
    use super::*;
    use pyo3::ffi;
    use pyo3::types::PyTuple;
    use std::ffi::{c_char, CString};
    use std::sync::atomic::{AtomicBool, Ordering};

    // Declared here because pyo3-ffi only exposes them when built for the 3.10 limited API;
    // both are exported by every CPython 3.x and are only called on a 3.10+ interpreter.
    extern "C" {
        fn PyUnicode_AsUTF8AndSize(
            o: *mut ffi::PyObject,
            size: *mut ffi::Py_ssize_t,
        ) -> *const c_char;
        fn PyDescr_NewMethod(
            t: *mut ffi::PyTypeObject,
            def: *mut ffi::PyMethodDef,
        ) -> *mut ffi::PyObject;
    }

    const METH_FASTCALL: std::ffi::c_int = 0x0080;

    /// The pyo3 method descriptor, for every call the fast path does not take.
    static SLOW: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

    const NAMES: [&str; 7] = ["expires", "ttl", "ip", "kind", "speed", "buffer", "now"];

    /// The keyword's slot in `NAMES`. Keyword names at call sites are interned, so a pointer
    /// comparison with the interned names usually settles it without reading any text.
    unsafe fn slot_of(py: Python<'_>, name: &Bound<'_, PyAny>) -> Option<usize> {
        let interned =
            NAMES_INTERNED.get_or_init(py, || NAMES.map(|n| PyString::intern(py, n).unbind()));
        if let Some(i) = interned.iter().position(|n| n.as_ptr() == name.as_ptr()) {
            return Some(i);
        }
        if ffi::PyUnicode_Check(name.as_ptr()) == 0 {
            return None;
        }
        let text = borrow_str(name.as_ptr())?;
        NAMES.iter().position(|n| *n == text)
    }

    /// The UTF-8 text of a `str`, borrowed from the object (which the caller keeps alive for
    /// the call); `None` for a non-`str` or a `str` with lone surrogates, which pyo3 reports.
    unsafe fn borrow_str<'a>(obj: *mut ffi::PyObject) -> Option<&'a str> {
        if ffi::PyUnicode_Check(obj) == 0 {
            return None;
        }
        let mut len: ffi::Py_ssize_t = 0;
        let ptr = PyUnicode_AsUTF8AndSize(obj, &mut len);
        if ptr.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        // CPython guarantees valid UTF-8 here.
        Some(std::str::from_utf8_unchecked(std::slice::from_raw_parts(
            ptr.cast::<u8>(),
            len as usize,
        )))
    }

    static NAMES_INTERNED: PyOnceLock<[Py<PyString>; 7]> = PyOnceLock::new();

    /// Set by `install` on a 3.10+ interpreter, where `PyUnicode_AsUTF8AndSize` may be called.
    static BORROW_UTF8: AtomicBool = AtomicBool::new(false);

    /// `sign_many`'s input as a tuple that this call owns, when the input is an exact `list`
    /// or `tuple` and the interpreter is 3.10+; `None` otherwise (3.9, a generator, a
    /// subclass that may override iteration, ...), and the caller takes the generic path.
    ///
    /// Owning the tuple is what keeps every item alive until the batch is done, GIL released
    /// or not: a list can be changed by another thread meanwhile (`PyList_AsTuple` copies
    /// the item pointers and takes a reference to each), a tuple cannot be changed at all.
    /// Neither runs Python code, so the items are exactly those a `for` loop would see.
    pub(super) fn snapshot<'py>(urls: &Bound<'py, PyAny>) -> Option<Bound<'py, PyTuple>> {
        if !BORROW_UTF8.load(Ordering::Relaxed) {
            return None;
        }
        if let Ok(list) = urls.cast_exact::<PyList>() {
            return Some(list.to_tuple());
        }
        urls.cast_exact::<PyTuple>().ok().cloned()
    }

    /// The UTF-8 text of every item, borrowed from the items: no bytes object, no copy.
    /// The same `TypeError` as the generic path for the first item that is not a `str`, or
    /// that is a `str` with lone surrogates (which has no UTF-8 form).
    pub(super) fn borrow_items<'a>(items: &'a Bound<'_, PyTuple>) -> PyResult<Vec<&'a str>> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter_borrowed().enumerate() {
            // SAFETY: `items` was made by `snapshot`, which returns `None` unless `BORROW_UTF8`
            // is set, so the interpreter is 3.10+ and has PyUnicode_AsUTF8AndSize in its stable
            // ABI; `item` is a live object (the thread is attached, the tuple holds it). The
            // text is stored in the str object (or, for non-ASCII, cached on it), which is
            // immutable and frees it only when the object dies. The tuple holds a strong
            // reference to the object and tuples cannot be changed, so the object lives as
            // long as the tuple; the tuple is borrowed for 'a, so every slice stays valid for
            // 'a, whether the GIL is held or released meanwhile.
            match unsafe { borrow_str(item.as_ptr()) } {
                Some(text) => out.push(text),
                None => return Err(not_str(i, &item)),
            }
        }
        Ok(out)
    }

    unsafe extern "C" fn sign_url_fast(
        slf: *mut ffi::PyObject,
        args: *const *mut ffi::PyObject,
        nargs: ffi::Py_ssize_t,
        kwnames: *mut ffi::PyObject,
    ) -> *mut ffi::PyObject {
        // The interpreter calls a method with the thread attached.
        let py = Python::assume_attached();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match try_fast(py, slf, args, nargs, kwnames)? {
                Some(out) => Ok(out),
                None => slow(py, slf, args, nargs, kwnames),
            }
        }));
        let r = r.unwrap_or_else(|_| {
            Err(pyo3::panic::PanicException::new_err(
                "cdn_secure_token: panic in sign_url",
            ))
        });
        match r {
            Ok(out) => out,
            Err(e) => {
                e.restore(py);
                std::ptr::null_mut()
            }
        }
    }

    /// `Ok(None)`: not a call the fast path handles; the pyo3 method decides.
    unsafe fn try_fast(
        py: Python<'_>,
        slf: *mut ffi::PyObject,
        args: *const *mut ffi::PyObject,
        nargs: ffi::Py_ssize_t,
        kwnames: *mut ffi::PyObject,
    ) -> PyResult<Option<*mut ffi::PyObject>> {
        if nargs != 1 {
            return Ok(None);
        }
        let slf = Bound::from_borrowed_ptr(py, slf);
        let Ok(signer) = slf.cast::<Signer>() else {
            return Ok(None);
        };
        let url_obj = *args;
        let mut vals: [Option<Bound<'_, PyAny>>; 7] = Default::default();
        if !kwnames.is_null() {
            let names =
                Bound::from_borrowed_ptr(py, kwnames).cast_into_unchecked::<pyo3::types::PyTuple>();
            for (i, name) in names.iter().enumerate() {
                let Some(slot) = slot_of(py, &name) else {
                    return Ok(None);
                };
                if vals[slot].is_some() {
                    return Ok(None);
                }
                let v = Bound::from_borrowed_ptr(py, *args.add(1 + i));
                // pyo3 reads an explicit None as "not given".
                if !v.is_none() {
                    vals[slot] = Some(v);
                }
            }
        }
        let kind = match &vals[3] {
            None => None,
            Some(k) => match borrow_str(k.as_ptr()) {
                Some(k) => Some(k),
                None => return Ok(None),
            },
        };
        let Some(url) = borrow_str(url_obj) else {
            return Ok(None);
        };
        let s = signer.get();
        let a = s.sign_args(
            py,
            vals[0].as_ref(),
            vals[1].as_ref(),
            vals[2].as_ref(),
            kind,
            vals[4].as_ref(),
            vals[5].as_ref(),
            vals[6].as_ref(),
        )?;
        let out = s.inner.sign_url(url, &a.options()).py_err(py)?;
        Ok(Some(PyString::new(py, &out).into_ptr()))
    }

    unsafe fn slow(
        py: Python<'_>,
        slf: *mut ffi::PyObject,
        args: *const *mut ffi::PyObject,
        nargs: ffi::Py_ssize_t,
        kwnames: *mut ffi::PyObject,
    ) -> PyResult<*mut ffi::PyObject> {
        let mut pos = Vec::with_capacity(nargs as usize + 1);
        pos.push(Bound::from_borrowed_ptr(py, slf));
        for i in 0..nargs as usize {
            pos.push(Bound::from_borrowed_ptr(py, *args.add(i)));
        }
        let kw = pyo3::types::PyDict::new(py);
        if !kwnames.is_null() {
            let names =
                Bound::from_borrowed_ptr(py, kwnames).cast_into_unchecked::<pyo3::types::PyTuple>();
            for (i, name) in names.iter().enumerate() {
                kw.set_item(
                    name,
                    Bound::from_borrowed_ptr(py, *args.add(nargs as usize + i)),
                )?;
            }
        }
        let slow = SLOW
            .get(py)
            .expect("set before the fast method is installed")
            .bind(py);
        let pos = pyo3::types::PyTuple::new(py, pos)?;
        Ok(slow.call(pos, Some(&kw))?.into_ptr())
    }

    /// Installs the fast `Signer.sign_url` on a 3.10+ interpreter; on 3.9 keeps pyo3's.
    pub(super) fn install(py: Python<'_>) -> PyResult<()> {
        if py.version_info() < (3, 10) {
            return Ok(());
        }
        BORROW_UTF8.store(true, Ordering::Relaxed);
        let ty = py.get_type::<Signer>();
        let orig = ty.getattr("sign_url")?;
        let sig: String = orig.getattr("__text_signature__")?.extract()?;
        let doc: Option<String> = orig.getattr("__doc__")?.extract()?;
        // "name(sig)\n--\n\n" is how CPython finds __text_signature__ in a C method's doc.
        let full = match doc {
            Some(d) if !d.is_empty() => format!("sign_url{sig}\n--\n\n{d}"),
            _ => format!("sign_url{sig}\n--\n\n"),
        };
        let doc = CString::new(full).map_err(|e| PyValueError::new_err(e.to_string()))?;
        SLOW.set(py, orig.unbind()).ok();
        let def = Box::leak(Box::new(ffi::PyMethodDef {
            ml_name: c"sign_url".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                // SAFETY: CPython stores every method as a `PyCFunction` and calls it with the
                // signature its `ml_flags` name; METH_FASTCALL | METH_KEYWORDS (set below) is
                // exactly `sign_url_fast`'s (self, args, nargs, kwnames). Both are
                // `extern "C"` function pointers of the same size.
                PyCFunction: unsafe {
                    std::mem::transmute::<
                        unsafe extern "C" fn(
                            *mut ffi::PyObject,
                            *const *mut ffi::PyObject,
                            ffi::Py_ssize_t,
                            *mut ffi::PyObject,
                        ) -> *mut ffi::PyObject,
                        ffi::PyCFunction,
                    >(sign_url_fast)
                },
            },
            ml_flags: METH_FASTCALL | ffi::METH_KEYWORDS,
            ml_doc: doc.into_raw(),
        }));
        // SAFETY: `ty` is a live type object and `def` is leaked, so it outlives the
        // descriptor as CPython requires; the call returns a new reference or NULL with an
        // exception set, which `from_owned_ptr_or_err` takes over.
        let descr =
            unsafe { Bound::from_owned_ptr_or_err(py, PyDescr_NewMethod(ty.as_type_ptr(), def))? };
        ty.setattr("sign_url", descr)
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Signer>()?;
    fast::install(py)?;
    m.add_class::<Verdict>()?;
    m.add_class::<Explanation>()?;
    m.add_class::<SignedToken>()?;
    add_refresh_classes(m)?;
    let base = py.get_type::<SecureTokenError>();
    base.setattr("code", py.None())?;
    base.setattr("index", py.None())?;
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
        py: Python<'_>,
        signer: &Signer,
        account: &str,
        cdn_url: &str,
        cdn_ip_url: Option<&str>,
        max_lifetime: Option<i64>,
        default_lifetime: Option<i64>,
        trusted_proxies: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let mut c = st::RefreshConfig::new(account, cdn_url).py_err(py)?;
        if let Some(u) = cdn_ip_url {
            c = c.cdn_ip_url(u).py_err(py)?;
        }
        if let Some(s) = max_lifetime {
            c = c.max_lifetime(s).py_err(py)?;
        }
        if let Some(s) = default_lifetime {
            c = c.default_lifetime(s).py_err(py)?;
        }
        if let Some(p) = trusted_proxies {
            c = c.trusted_proxies(st::TrustedProxies::new(p).py_err(py)?);
        }
        Ok(RefreshEndpoint {
            inner: std::sync::Arc::new(st::RefreshEndpoint::new(signer.inner.clone(), c)),
        })
    }

    /// Reads a request: a `RefreshAsk` for the authorization hook, or the refusal to send.
    #[pyo3(signature = (method, query, peer, forwarded_for=None, real_ip=None, now=None))]
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
