//! The Python face of `cdn-secure-token`: converts Python arguments in (`convert`), calls
//! the core (`signer`), converts results (`types`) and errors (here) out. Every decision
//! about tokens, options, error kinds and verdicts is the core's.
//!
//! Everything goes through pyo3's own methods: built for the abi3-py310 floor, pyo3 calls
//! them with METH_FASTCALL and borrows a `str`'s UTF-8 in place, so there is no second path.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

use cdn_secure_token as st;

mod convert;
mod refresh;
mod signer;
mod types;

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
/// One exception class per core error kind, and the one mapping of a kind to its class.
macro_rules! error_classes {
    ($($kind:ident => $class:ident: $doc:literal,)*) => {
        $(create_exception!(cdn_secure_token, $class, SecureTokenError, $doc);)*

        fn class(py: Python<'_>, kind: st::ErrorKind) -> Bound<'_, PyType> {
            match kind {
                $(st::ErrorKind::$kind => py.get_type::<$class>(),)*
            }
        }
    };
}

error_classes! {
    Key => InvalidKeyError:
        "The signing or a verification key is unusable (length, control characters, not text).",
    Path => InvalidPathError:
        "The URL path cannot be hashed the way the edge would (bad escape, NUL, '..' above root).",
    Ip => InvalidIpError: "The client IP is not a valid address.",
    Expiry => InvalidExpiryError:
        "The expiry time or lifetime is unusable (missing, past, not positive, milliseconds).",
    Url => InvalidUrlError:
        "The URL as a whole is malformed, or too long for the edge's request line.",
    Argument => InvalidArgumentError:
        "Another argument (token kind, stream ids, speed, buffer, ...) is unusable.",
}

/// Every failure of a method, as the Python exception it raises: a core error, a batch error
/// (with its `index`), a manifest error (with its `line`), or a Python error from a
/// conversion. The messages are core's `Display`.
struct Fail(PyErr);

impl Fail {
    fn raise(kind: st::ErrorKind, msg: String, attr: Option<(&str, usize)>) -> Fail {
        Python::attach(|py| {
            let err = PyErr::from_type(class(py, kind), msg);
            if let Some((name, value)) = attr {
                // Fails only when memory runs out; the exception is still the right one then.
                let _ = err.value(py).setattr(name, value);
            }
            Fail(err)
        })
    }
}

impl From<st::Error> for Fail {
    fn from(e: st::Error) -> Self {
        Fail::raise(e.kind(), e.to_string(), None)
    }
}

impl From<st::BatchError> for Fail {
    fn from(e: st::BatchError) -> Self {
        Fail::raise(e.error.kind(), e.to_string(), Some(("index", e.index)))
    }
}

impl From<st::ManifestError> for Fail {
    fn from(e: st::ManifestError) -> Self {
        Fail::raise(e.kind(), e.to_string(), Some(("line", e.line)))
    }
}

impl From<PyErr> for Fail {
    fn from(e: PyErr) -> Self {
        Fail(e)
    }
}

impl From<Fail> for PyErr {
    fn from(f: Fail) -> PyErr {
        f.0
    }
}

type Res<T> = Result<T, Fail>;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<signer::Signer>()?;
    m.add_class::<types::Verdict>()?;
    m.add_class::<types::Explanation>()?;
    m.add_class::<types::SignedToken>()?;
    m.add_class::<refresh::RefreshEndpoint>()?;
    m.add_class::<refresh::RefreshAsk>()?;
    let base = py.get_type::<SecureTokenError>();
    for attr in ["code", "index", "line"] {
        base.setattr(attr, py.None())?;
    }
    m.add("SecureTokenError", base)?;
    for kind in st::ErrorKind::ALL {
        let cls = class(py, kind);
        cls.setattr("code", kind.code())?;
        m.add(cls.name()?.to_string().as_str(), cls)?;
    }
    // Core's option names, which the stub's keyword arguments are checked against.
    m.add(
        "SIGN_OPTIONS",
        PyTuple::new(py, st::SIGN_OPTIONS.iter().map(|o| o.name))?,
    )?;
    m.add(
        "VERIFY_OPTIONS",
        PyTuple::new(py, st::VERIFY_OPTIONS.iter().map(|o| o.name))?,
    )?;
    m.add("__version__", st::VERSION)?;
    m.add("TOKEN_LEN", st::TOKEN_LEN)?;
    m.add("MAX_EXPIRES", st::MAX_EXPIRES)?;
    m.add("MIN_KEY_LEN", st::MIN_KEY_LEN)?;
    m.add("MAX_KEY_LEN", st::MAX_KEY_LEN)?;
    m.add("MAX_KEYS", st::MAX_KEYS)?;
    Ok(())
}
