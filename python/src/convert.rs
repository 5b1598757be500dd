//! Python values in. Which options exist, their types and ranges are core's: every option
//! goes through `SignOptions::set` / `VerifyOptions::set` as a `cdn_secure_token::Value`.
//! What is decided here is Python's alone: which Python types stand for a time (an aware
//! `datetime`), a lifetime (a `timedelta`), an address (`ipaddress` objects) or a number
//! written as text (an `int` for MP4 `speed` / `buffer`), and the `TypeError` that names
//! them. Keys and URLs are `str` or `bytes` (keys) and `str` (URLs) here.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyString, PyType};

use cdn_secure_token as st;
use cdn_secure_token::ValueKind as Kind;

use crate::{Fail, InvalidExpiryError, InvalidKeyError, Res};

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static IPV4: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static IPV6: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// How a wrong type is named, by core's kind of the option's value (`OptionSpec::value`).
fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Time => "int Unix seconds or an aware datetime",
        Kind::Lifetime => "int seconds or a timedelta",
        Kind::Ip => "a str, IPv4Address or IPv6Address",
        Kind::NumberText => "a str or an int",
        Kind::Text => "a str",
    }
}

pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

fn wrong_type(name: &str, kind: Kind, obj: &Bound<'_, PyAny>) -> PyErr {
    let (expected, got) = (expected(kind), type_name(obj));
    PyTypeError::new_err(format!("{name} must be {expected}, not {got}"))
}

/// An `int` (not a `bool`) as `i64`.
fn int64(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    obj.extract::<i64>()
        .map_err(|_| InvalidExpiryError::new_err(format!("{name} does not fit in 64 bits")))
}

/// Floor of an aware `datetime`'s Unix time.
fn datetime_seconds(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    if obj.call_method0("utcoffset")?.is_none() {
        return Err(InvalidExpiryError::new_err(format!(
            "{name} is a naive datetime (no tzinfo), which would be read as local time; \
             pass an aware datetime such as datetime.now(timezone.utc) + timedelta(hours=1), \
             or Unix seconds"
        )));
    }
    Ok(obj.call_method0("timestamp")?.extract::<f64>()?.floor() as i64)
}

/// Whole seconds of a `timedelta` (fractions dropped).
fn timedelta_seconds(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    let days: i64 = obj.getattr("days")?.extract()?;
    let secs: i64 = obj.getattr("seconds")?.extract()?;
    days.checked_mul(86_400)
        .and_then(|d| d.checked_add(secs))
        .ok_or_else(|| InvalidExpiryError::new_err(format!("{name} is too large")))
}

fn is<'py>(
    obj: &Bound<'py, PyAny>,
    cell: &PyOnceLock<Py<PyType>>,
    m: &str,
    t: &str,
) -> PyResult<bool> {
    obj.is_instance(cell.import(obj.py(), m, t)?)
}

/// The `Value` of a given option, borrowing a `str`'s UTF-8 in place; text this makes (an
/// `int` as decimal text, an `ipaddress` object's `str`) is kept in `made` meanwhile.
fn value<'a, 'py>(
    name: &str,
    kind: Kind,
    obj: &'a Bound<'py, PyAny>,
    made: &'a mut Option<Bound<'py, PyString>>,
) -> PyResult<st::Value<'a>> {
    let int = obj.is_instance_of::<PyInt>();
    Ok(if obj.is_none() {
        st::Value::Absent
    } else if let Ok(b) = obj.cast::<PyBool>() {
        st::Value::Bool(b.is_true())
    } else if int && kind == Kind::NumberText {
        st::Value::Text(made.insert(obj.str()?).to_str()?)
    } else if int {
        st::Value::Int(int64(obj, name)?)
    } else if obj.is_instance_of::<PyFloat>() {
        st::Value::Float(obj.extract()?)
    } else if let Ok(s) = obj.cast::<PyString>() {
        st::Value::Text(s.to_str()?)
    } else if kind == Kind::Time && is(obj, &DATETIME, "datetime", "datetime")? {
        st::Value::Int(datetime_seconds(obj, name)?)
    } else if kind == Kind::Lifetime && is(obj, &TIMEDELTA, "datetime", "timedelta")? {
        st::Value::Int(timedelta_seconds(obj, name)?)
    } else if kind == Kind::Ip
        && (is(obj, &IPV4, "ipaddress", "IPv4Address")?
            || is(obj, &IPV6, "ipaddress", "IPv6Address")?)
    {
        st::Value::Text(made.insert(obj.str()?).to_str()?)
    } else {
        return Err(wrong_type(name, kind, obj));
    })
}

/// The options of one call as given (each keyword parameter by its name); core reads them
/// with `apply`. Built by `given!(expires, ttl, ...)` from the parameters.
pub struct Given<'a, 'py, const N: usize> {
    items: [(&'static st::OptionSpec, Arg<'a, 'py>); N],
    made: [Option<Bound<'py, PyString>>; N],
}

pub type Arg<'a, 'py> = Option<&'a Bound<'py, PyAny>>;

/// `Given` from keyword parameters named as core's options.
#[macro_export]
macro_rules! given {
    ($($name:ident),* $(,)?) => {
        $crate::convert::Given::new([$((const { ::cdn_secure_token::OptionSpec::named(stringify!($name)).unwrap() }, $name)),*])
    };
}

impl<'a, 'py, const N: usize> Given<'a, 'py, N> {
    pub fn new(items: [(&'static st::OptionSpec, Arg<'a, 'py>); N]) -> Self {
        let made = std::array::from_fn(|_| None);
        Given { items, made }
    }

    /// Whether the option `name` was given (and not as `None`).
    pub fn has(&self, name: &str) -> bool {
        let given = |(spec, obj): &(&st::OptionSpec, Arg)| {
            obj.is_some_and(|o| !o.is_none()) && spec.name == name
        };
        self.items.iter().any(given)
    }

    /// Hands every given option to `set` (core's `SignOptions::set` / `VerifyOptions::set`),
    /// which checks its type and range. A wrong type is a `TypeError` (Python's convention),
    /// worded with the Python types the option takes.
    pub fn apply<'s>(
        &'s mut self,
        mut set: impl FnMut(&str, st::Value<'s>) -> st::Result<()>,
    ) -> Res<()> {
        for (&(spec, obj), made) in self.items.iter().zip(self.made.iter_mut()) {
            let Some(obj) = obj else { continue };
            let (name, kind) = (spec.name, spec.value);
            set(name, value(name, kind, obj, made)?).map_err(|e| match e {
                st::Error::OptionType { .. } => Fail(wrong_type(name, kind, obj)),
                e => e.into(),
            })?;
        }
        Ok(())
    }
}

/// The clock's answer in Unix seconds: an `int`, a `float` (floored) or an aware `datetime`.
pub fn clock_seconds(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    match value("clock()", Kind::Time, obj, &mut None)? {
        st::Value::Int(i) => Ok(i),
        st::Value::Float(f) if f.is_finite() => Ok(f.floor() as i64),
        st::Value::Float(_) => Err(InvalidExpiryError::new_err("clock() is not finite")),
        _ => Err(PyTypeError::new_err(format!(
            "clock() must return int or float Unix seconds or an aware datetime, not {}",
            type_name(obj)
        ))),
    }
}

/// Whole seconds of an `int` or a `timedelta` (the signer's `default_ttl`).
pub fn lifetime(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    match value(name, Kind::Lifetime, obj, &mut None)? {
        st::Value::Int(i) => Ok(i),
        _ => Err(wrong_type(name, Kind::Lifetime, obj)),
    }
}

/// A key's bytes. A `str` with lone surrogates (what `os.environ` makes of undecodable bytes)
/// has no UTF-8 form: CPython's UnicodeEncodeError would hold the whole key in its `object`
/// and `args`, so it is dropped here and replaced by an error that names only the field.
pub fn key_bytes(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
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
    Err(PyTypeError::new_err(format!(
        "{what} must be str or bytes, not {}",
        type_name(obj)
    )))
}

/// The UTF-8 text of a URL argument, borrowed from the `str`.
pub fn url_text<'a>(s: &'a Bound<'_, PyString>) -> st::Result<&'a str> {
    s.to_str()
        .map_err(|_| st::Error::Url { reason: SURROGATES })
}

/// Why a URL `str` cannot be signed.
pub const SURROGATES: &str = "it is a str with lone surrogates, which has no UTF-8 form";

/// Text of a `str`, or the decimal text of an `int` (Video Streaming account ids).
pub fn str_or_int(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<PyBackedStr> {
    if obj.is_instance_of::<PyString>() {
        return obj.extract();
    }
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return obj.str()?.extract();
    }
    Err(wrong_type(name, Kind::NumberText, obj))
}
