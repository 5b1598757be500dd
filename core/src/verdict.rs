//! What verifying answers: the verdict, the refusal reasons with their stable numbers and
//! codes, and the explanation of a link.

use std::fmt;

use crate::error::Error;
use crate::options::TokenKind;

/// Why a request is refused: 403 for the token, 400 / 414 ([`InvalidReason::status`]) for a
/// request the edge refuses before looking at any token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidReason {
    /// No `md5` parameter (or no token segment in a stream path).
    MissingToken,
    /// The token is not 22 base64url characters.
    MalformedToken,
    /// No `expires` parameter.
    MissingExpires,
    /// `expires` is not a positive decimal number that fits in 64 bits.
    MalformedExpires,
    /// The request (or the link's path) is one the edge answers 400 to: a malformed request
    /// line (spaces, control bytes, a bad host), an invalid `%` escape, `%00`, `..` above the
    /// root. The error says which.
    BadRequest(Error),
    /// The path is not a Video Streaming path token layout.
    NotAStreamPath,
    /// The token does not match: wrong key, path, expiry, IP or token kind.
    Mismatch,
    /// The request line is longer than the edge reads (`large_client_header_buffers`, 8 KiB
    /// by default): the edge answers 414 before looking at any token.
    UriTooLong,
    /// The client IP given to verify (`VerifyOptions::ip`) is not a valid address: 403.
    BadClientIp,
}

impl InvalidReason {
    /// A stable snake_case identifier.
    pub fn code(&self) -> &'static str {
        match self {
            InvalidReason::MissingToken => "missing_token",
            InvalidReason::MalformedToken => "malformed_token",
            InvalidReason::MissingExpires => "missing_expires",
            InvalidReason::MalformedExpires => "malformed_expires",
            InvalidReason::BadRequest(_) => "bad_request",
            InvalidReason::NotAStreamPath => "not_a_stream_path",
            InvalidReason::Mismatch => "mismatch",
            InvalidReason::UriTooLong => "uri_too_long",
            InvalidReason::BadClientIp => "bad_client_ip",
        }
    }

    /// The stable number of the reason: the C `ST_REASON_*` value. Never renumbered; see
    /// [`REASONS`].
    pub fn number(&self) -> i32 {
        match self {
            InvalidReason::MissingToken => 1,
            InvalidReason::MalformedToken => 2,
            InvalidReason::MissingExpires => 3,
            InvalidReason::MalformedExpires => 4,
            InvalidReason::BadRequest(_) => 5,
            InvalidReason::NotAStreamPath => 6,
            InvalidReason::Mismatch => 7,
            InvalidReason::UriTooLong => 8,
            InvalidReason::BadClientIp => 9,
        }
    }

    /// The HTTP status the edge answers: 400 for [`InvalidReason::BadRequest`], 414 for
    /// [`InvalidReason::UriTooLong`], 403 for the others.
    pub fn status(&self) -> u16 {
        match self {
            InvalidReason::BadRequest(_) => 400,
            InvalidReason::UriTooLong => 414,
            _ => 403,
        }
    }
}

impl fmt::Display for InvalidReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidReason::MissingToken => f.write_str("no md5 token in the link"),
            InvalidReason::MalformedToken => {
                f.write_str("md5 token is not 22 base64url characters")
            }
            InvalidReason::MissingExpires => f.write_str("no expires parameter in the link"),
            InvalidReason::MalformedExpires => {
                f.write_str("expires is not a positive decimal Unix time")
            }
            InvalidReason::BadRequest(e) => write!(f, "the edge refuses this request: {e}"),
            InvalidReason::NotAStreamPath => f.write_str(
                "path is not /{videos|cmaf|mpegts|streams}/{account}_{id}/{token}/{expires}/...",
            ),
            InvalidReason::Mismatch => f.write_str(
                "md5 does not match this link (wrong key, path, expires, client IP or token kind)",
            ),
            InvalidReason::UriTooLong => f.write_str(
                "the request line is longer than the edge reads (large_client_header_buffers): 414",
            ),
            InvalidReason::BadClientIp => {
                f.write_str("the client IP given to verify is not a valid IPv4 or IPv6 address")
            }
        }
    }
}

/// Every reason a verdict can give, as `(number, code, HTTP status)`: the refusals
/// ([`InvalidReason::number`], [`InvalidReason::code`], [`InvalidReason::status`]) and, last,
/// `(10, "expired", 410)`, the code [`Verdict::reason_code`] gives an expired link. Number 0
/// (no reason: valid) is not listed. Faces generate their enums and string tables from it.
pub const REASONS: &[(i32, &str, u16)] = &[
    (1, "missing_token", 403),
    (2, "malformed_token", 403),
    (3, "missing_expires", 403),
    (4, "malformed_expires", 403),
    (5, "bad_request", 400),
    (6, "not_a_stream_path", 403),
    (7, "mismatch", 403),
    (8, "uri_too_long", 414),
    (9, "bad_client_ip", 403),
    (10, "expired", 410),
];

/// The edge's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The token matches and has not expired (200).
    Valid {
        /// The link's expiry.
        expires: i64,
        /// Which of the signer's keys matched (0 = the signing key).
        key_index: usize,
    },
    /// The token matches but `expires < now` (410).
    Expired {
        /// The link's expiry.
        expires: i64,
        /// Which of the signer's keys matched.
        key_index: usize,
    },
    /// The token is missing, malformed or wrong (403), or the request is one the edge
    /// refuses before any token check (400, 414): see [`InvalidReason::status`].
    Invalid(InvalidReason),
}

impl Verdict {
    /// The HTTP status the edge answers: 200, 410, or [`InvalidReason::status`] (403, or
    /// 400 / 414 for a request the edge refuses before any token check).
    pub fn status(&self) -> u16 {
        match self {
            Verdict::Valid { .. } => 200,
            Verdict::Expired { .. } => 410,
            Verdict::Invalid(r) => r.status(),
        }
    }

    /// A stable code: `None` when valid, `"expired"` when expired, else
    /// [`InvalidReason::code`].
    pub fn reason_code(&self) -> Option<&'static str> {
        match self {
            Verdict::Valid { .. } => None,
            Verdict::Expired { .. } => Some("expired"),
            Verdict::Invalid(r) => Some(r.code()),
        }
    }

    /// Human-readable text for a refusal (`None` when valid).
    pub fn message(&self) -> Option<String> {
        match self {
            Verdict::Valid { .. } => None,
            Verdict::Expired { expires, .. } => Some(format!("link expired at {expires}")),
            Verdict::Invalid(r) => Some(r.to_string()),
        }
    }

    /// `valid`, `expired` or `invalid`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::Expired { .. } => "expired",
            Verdict::Invalid(_) => "invalid",
        }
    }

    /// True for [`Verdict::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }

    /// True for [`Verdict::Expired`].
    pub fn is_expired(&self) -> bool {
        matches!(self, Verdict::Expired { .. })
    }

    /// The expiry of a correctly signed link.
    pub fn expires(&self) -> Option<i64> {
        match self {
            Verdict::Valid { expires, .. } | Verdict::Expired { expires, .. } => Some(*expires),
            Verdict::Invalid(_) => None,
        }
    }

    /// Which key matched, for a correctly signed link.
    pub fn key_index(&self) -> Option<usize> {
        match self {
            Verdict::Valid { key_index, .. } | Verdict::Expired { key_index, .. } => {
                Some(*key_index)
            }
            Verdict::Invalid(_) => None,
        }
    }

    /// The same text as [`Verdict::message`] (kept for the faces that call it).
    pub fn reason(&self) -> Option<String> {
        self.message()
    }
}

/// What the edge hashes for a link, for debugging 403s. The key is shown as `***`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The token kind explained.
    pub kind: TokenKind,
    /// The decoded, normalized path the edge hashes (for directory tokens: the directory);
    /// for stream tokens, `{account}_{id}`.
    pub hashed_path: String,
    /// The expires text that is hashed.
    pub expires: String,
    /// The canonical client IP that is hashed, if any.
    pub ip: Option<String>,
    /// The exact string-to-sign with the key replaced by `***`.
    pub string_to_sign: String,
    /// The token the signing key gives for it.
    pub expected_token: String,
    /// The token found in the link, if any.
    pub found_token: Option<String>,
    /// Whether the found token decodes to the expected digest.
    pub matches: Option<bool>,
}

/// Options for [`Signer::explain`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ExplainOptions<'a> {
    /// Client IP, any valid spelling.
    pub ip: Option<&'a str>,
    /// Token kind.
    pub kind: TokenKind,
    /// Expiry to use when the link has none.
    pub expires: Option<i64>,
}
