//! The one error type of the core. Every variant names what is wrong and why; none carries
//! the key or any part of it.

use thiserror::Error;

/// The kind of problem, for faces that map errors to their own classes or codes
/// (Python exception subclasses, Node `code`s, C status values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The signing key is unusable.
    Key,
    /// The URL path cannot be hashed the way the edge would.
    Path,
    /// The client IP is not a valid address.
    Ip,
    /// The expiry time or lifetime is unusable.
    Expiry,
    /// The URL as a whole is malformed.
    Url,
    /// Another argument (variant name, account id, speed, buffer, ...) is unusable.
    Argument,
}

impl ErrorKind {
    /// Every kind, in the order of their numbers.
    pub const ALL: [ErrorKind; 6] = [
        ErrorKind::Key,
        ErrorKind::Path,
        ErrorKind::Ip,
        ErrorKind::Expiry,
        ErrorKind::Url,
        ErrorKind::Argument,
    ];

    /// The stable number of the kind: the C `st_status` value (`ST_ERR_INVALID_KEY = 10`,
    /// ...). Never renumbered; 0 to 9 are the C boundary's own statuses.
    pub fn number(self) -> i32 {
        match self {
            ErrorKind::Key => 10,
            ErrorKind::Path => 11,
            ErrorKind::Ip => 12,
            ErrorKind::Expiry => 13,
            ErrorKind::Url => 14,
            ErrorKind::Argument => 15,
        }
    }

    /// A stable snake_case name (`"key"`, `"path"`, ...), for class and constant names.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Key => "key",
            ErrorKind::Path => "path",
            ErrorKind::Ip => "ip",
            ErrorKind::Expiry => "expiry",
            ErrorKind::Url => "url",
            ErrorKind::Argument => "argument",
        }
    }

    /// A stable upper-case identifier (`INVALID_KEY`, ...), used for Node error codes and
    /// the CLI's JSON output.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Key => "INVALID_KEY",
            ErrorKind::Path => "INVALID_PATH",
            ErrorKind::Ip => "INVALID_IP",
            ErrorKind::Expiry => "INVALID_EXPIRY",
            ErrorKind::Url => "INVALID_URL",
            ErrorKind::Argument => "INVALID_ARGUMENT",
        }
    }
}

/// Everything that can go wrong when building a signer or signing a link.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    #[error("key is empty")]
    KeyEmpty,
    #[error("key is too short: {len} bytes, the CDN requires at least 6")]
    KeyTooShort { len: usize },
    #[error("key is too long: {len} bytes, the CDN accepts at most 255")]
    KeyTooLong { len: usize },
    #[error("key contains a control character at byte {position}")]
    KeyControlChar { position: usize },
    #[error("key is not valid UTF-8")]
    KeyNotUtf8,

    #[error("path is empty")]
    PathEmpty,
    #[error("path must start with '/'")]
    PathNotAbsolute,
    #[error(
        "path has an invalid percent escape at byte {position} (a literal '%' must be written %25)"
    )]
    PathInvalidEscape { position: usize },
    #[error("path contains a NUL byte (%00), which the edge rejects with 400")]
    PathNul,
    #[error("path contains a control character (byte 0x{byte:02x}) at decoded byte {position}")]
    PathControlChar { byte: u8, position: usize },
    #[error("path has a '..' segment that climbs above the root, which the edge rejects with 400")]
    PathAboveRoot,
    #[error("path is too long: {len} bytes (at most {max})")]
    PathTooLong { len: usize, max: usize },

    #[error("client IP {reason}")]
    Ip { reason: &'static str },

    #[error("expires must be a positive Unix time in seconds, got {value}")]
    ExpiresNotPositive { value: i64 },
    #[error(
        "expires {value} looks like milliseconds; the CDN wants Unix seconds (divide by 1000)"
    )]
    ExpiresMilliseconds { value: i64 },
    #[error(
        "expires {expires} is already in the past (now is {now}); the link would be born dead"
    )]
    ExpiresInPast { expires: i64, now: i64 },
    #[error("lifetime must be a positive number of seconds, got {value}")]
    TtlNotPositive { value: i64 },
    #[error("lifetime {value} s gives an expiry that looks like milliseconds; pass seconds")]
    TtlTooLarge { value: i64 },
    #[error("give either an absolute expiry or a lifetime, not both")]
    ExpiresAndTtl,
    #[error("no expiry given: pass an absolute expiry or a lifetime")]
    ExpiresMissing,

    #[error("URL is malformed: {reason}")]
    Url { reason: &'static str },
    #[error("URL is too long: {len} bytes (at most {max})")]
    UrlTooLong { len: usize, max: usize },
    #[error(
        "link is too long for the edge: its request line is {len} bytes, over the limit of {max} \
         (nginx large_client_header_buffers; the edge would answer 414)"
    )]
    RequestTooLong { len: usize, max: usize },

    #[error("{name} is invalid: {reason}")]
    Argument {
        name: &'static str,
        reason: &'static str,
    },
    /// An option given with a value of the wrong type (see [`crate::Value`]).
    #[error("{name} must be {expected}, got {got}")]
    OptionType {
        name: &'static str,
        expected: &'static str,
        got: &'static str,
    },
    /// An option name that is not in the schema ([`crate::SIGN_OPTIONS`]).
    #[error("unknown option '{name}'")]
    UnknownOption { name: String },
    /// Bytes given as text that are not UTF-8 (a joined batch's, a C caller's argument);
    /// `position` is the first bad byte's offset in the named value.
    #[error("{name} is not valid UTF-8 (at byte {position})")]
    NotUtf8 { name: &'static str, position: usize },
}

impl Error {
    /// The kind of problem, for mapping to a face's error classes.
    pub fn kind(&self) -> ErrorKind {
        use Error::*;
        match self {
            KeyEmpty
            | KeyTooShort { .. }
            | KeyTooLong { .. }
            | KeyControlChar { .. }
            | KeyNotUtf8 => ErrorKind::Key,
            PathEmpty
            | PathNotAbsolute
            | PathInvalidEscape { .. }
            | PathNul
            | PathControlChar { .. }
            | PathAboveRoot
            | PathTooLong { .. } => ErrorKind::Path,
            Ip { .. } => ErrorKind::Ip,
            ExpiresNotPositive { .. }
            | ExpiresMilliseconds { .. }
            | ExpiresInPast { .. }
            | TtlNotPositive { .. }
            | TtlTooLarge { .. }
            | ExpiresAndTtl
            | ExpiresMissing => ErrorKind::Expiry,
            Url { .. } | UrlTooLong { .. } | RequestTooLong { .. } => ErrorKind::Url,
            Argument { .. } | OptionType { .. } | UnknownOption { .. } | NotUtf8 { .. } => {
                ErrorKind::Argument
            }
        }
    }

    /// Shorthand for [`ErrorKind::code`].
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }
}

/// Result alias of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure inside a batch: which input failed and why. Its `Display`, `item {index}:
/// {error}`, is the one place that wording lives; faces show it as it is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("item {index}: {error}")]
pub struct BatchError {
    /// Zero-based position of the failing input.
    pub index: usize,
    /// What was wrong with it.
    pub error: Error,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_distinct_stable_numbers_names_and_codes() {
        let numbers: Vec<i32> = ErrorKind::ALL.iter().map(|k| k.number()).collect();
        assert_eq!(numbers, [10, 11, 12, 13, 14, 15]);
        let names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, ["key", "path", "ip", "expiry", "url", "argument"]);
        for k in ErrorKind::ALL {
            assert_eq!(k.code(), format!("INVALID_{}", k.name().to_uppercase()));
        }
    }

    #[test]
    fn a_batch_error_says_which_item() {
        let e = BatchError {
            index: 3,
            error: Error::PathEmpty,
        };
        assert_eq!(e.to_string(), "item 3: path is empty");
    }
}
