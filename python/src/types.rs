//! The result types: core's verdict, explanation and token, read field by field.

use pyo3::prelude::*;

use cdn_secure_token as st;

/// The edge's answer to a request.
///
/// ``status`` is ``"valid"``, ``"expired"`` or ``"invalid"``; ``http_status`` what the edge
/// answers (200, 410, 403, or 400/414 for a request nginx refuses before any token check);
/// ``reason`` a stable code (``"mismatch"``, ``"expired"``, ...; ``None`` when valid) and
/// ``message`` the same for people. A verdict is true only when valid.
#[pyclass(frozen, get_all, module = "cdn_secure_token", name = "Verdict")]
pub struct Verdict {
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
pub struct Explanation {
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
#[pyclass(frozen, eq, str = "{token}", module = "cdn_secure_token")]
#[derive(PartialEq)]
pub struct SignedToken {
    /// The 22-character token.
    #[pyo3(get)]
    pub token: String,
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
}
