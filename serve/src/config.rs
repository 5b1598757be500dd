//! The configuration file (TOML) and its validation. Errors name the field; a key is never
//! part of any message.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use cdn_secure_token::{Signer, TokenKind, TrustedProxies};
use serde::Deserialize;
use zeroize::Zeroizing;

/// The file as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Addresses to listen on, e.g. `["127.0.0.1:8080"]`.
    #[serde(default)]
    pub listen: Vec<String>,
    /// Where the keys come from.
    #[serde(default)]
    pub key: KeySource,
    /// Peers whose `X-Forwarded-For` / `X-Real-IP` are believed (addresses or CIDR blocks).
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Print the core's `explain` (key redacted) for every denied request.
    #[serde(default)]
    pub debug: bool,
    /// Resource limits.
    #[serde(default)]
    pub limits: LimitsFile,
    /// The guarded locations, matched by longest prefix of the request's path.
    #[serde(default, rename = "location")]
    pub locations: Vec<LocationFile>,
}

/// Keys: the signing key and the old keys still accepted (rotation), each from a file or
/// an environment variable. Never inline.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct KeySource {
    /// File holding the key (one line; a final newline is dropped).
    pub file: Option<PathBuf>,
    /// Environment variable holding the key (default `CDN_SECURE_TOKEN_KEY`).
    pub env: Option<String>,
    /// Files of old keys still accepted.
    #[serde(default)]
    pub old_files: Vec<PathBuf>,
    /// Environment variables of old keys still accepted.
    #[serde(default)]
    pub old_env: Vec<String>,
}

/// `[limits]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    pub max_connections: Option<usize>,
    pub header_timeout_secs: Option<u64>,
    pub max_body: Option<String>,
    pub origin_timeout_secs: Option<u64>,
    pub shutdown_grace_secs: Option<u64>,
}

/// One `[[location]]`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct LocationFile {
    /// Path prefix, e.g. `/` or `/videos/`.
    pub prefix: Option<String>,
    /// Token kind: `file`, `directory`, `mp4`, `stream`.
    pub kind: Option<String>,
    /// Bind tokens to the client IP.
    #[serde(default)]
    pub ip: bool,
    /// Directory served.
    pub root: Option<PathBuf>,
    /// Origin proxied to (`http://host:port`).
    pub origin: Option<String>,
    /// Query String Forwarding: sign `.m3u8`/`.mpd` served under a directory token.
    #[serde(default)]
    pub qsf: bool,
    /// Apply the link's MP4 `speed` / `buffer` (the resource's MP4 speed limit is on).
    #[serde(default)]
    pub mp4_limits: bool,
    /// Verify tokens (default true; off only to measure what verification costs).
    pub verify: Option<bool>,
}

/// A configuration error: names the field, never shows a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub field: String,
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// Where a location's content comes from.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A directory served as files.
    Root(PathBuf),
    /// An origin proxied to: scheme `http`, authority, and a path prefix.
    Origin(http::Uri),
}

/// A validated location.
#[derive(Debug, Clone)]
pub struct Location {
    pub prefix: Vec<u8>,
    pub kind: TokenKind,
    pub ip: bool,
    pub backend: Backend,
    pub qsf: bool,
    pub mp4_limits: bool,
    pub verify: bool,
}

/// Validated limits.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: std::time::Duration,
    pub max_body: u64,
    pub origin_timeout: std::time::Duration,
    pub shutdown_grace: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            header_timeout: std::time::Duration::from_secs(10),
            max_body: 1024 * 1024,
            origin_timeout: std::time::Duration::from_secs(30),
            shutdown_grace: std::time::Duration::from_secs(30),
        }
    }
}

/// Everything `serve` runs with.
pub struct Config {
    pub listen: Vec<SocketAddr>,
    pub signer: Signer,
    /// The one client-IP rule of the core (the refresh endpoints use it too).
    pub trusted: TrustedProxies,
    pub debug: bool,
    pub limits: Limits,
    pub locations: Vec<Location>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("keys", &self.signer.key_count())
            .field("trusted", &self.trusted)
            .field("locations", &self.locations)
            .finish()
    }
}

/// Parses a size as nginx writes it: digits, then optional `k`/`K` (x1024) or `m`/`M`
/// (x1024x1024).
pub fn parse_size(s: &[u8]) -> Option<u64> {
    let (digits, mul) = match s.last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 1024u64),
        b'm' | b'M' => (&s[..s.len() - 1], 1024 * 1024),
        _ => (s, 1),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) || digits.len() > 18 {
        return None;
    }
    let n: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    n.checked_mul(mul)
}

fn read_key_file(field: &str, p: &PathBuf) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    let mut v = Zeroizing::new(
        std::fs::read(p)
            .map_err(|e| ConfigError::new(field, format!("cannot read {}: {e}", p.display())))?,
    );
    while matches!(v.last(), Some(b'\n' | b'\r')) {
        v.pop();
    }
    Ok(v)
}

fn read_key_env(field: &str, name: &str) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    match std::env::var_os(name) {
        Some(v) if !v.is_empty() => {
            use std::os::unix::ffi::OsStringExt;
            Ok(Zeroizing::new(v.into_vec()))
        }
        _ => Err(ConfigError::new(
            field,
            format!("environment variable {name} is not set or empty"),
        )),
    }
}

impl File {
    /// Reads and parses a TOML file.
    pub fn load(path: &std::path::Path) -> Result<File, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::new("config", format!("cannot read {}: {e}", path.display()))
        })?;
        toml::from_str(&text).map_err(|e| {
            // toml's message quotes the offending line, which may hold a key written inline
            // by mistake: keep only the first line of the message.
            let msg = e.message().to_owned();
            let field = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!("config line {line}")
                })
                .unwrap_or_else(|| "config".to_owned());
            ConfigError::new(field, msg)
        })
    }

    /// Validates everything and builds the signer.
    pub fn validate(self) -> Result<Config, ConfigError> {
        let mut listen = Vec::new();
        if self.listen.is_empty() {
            return Err(ConfigError::new(
                "listen",
                "give at least one address, e.g. \"127.0.0.1:8080\"",
            ));
        }
        for (i, l) in self.listen.iter().enumerate() {
            listen.push(l.parse::<SocketAddr>().map_err(|_| {
                ConfigError::new(
                    format!("listen[{i}]"),
                    format!("{l:?} is not an address:port"),
                )
            })?);
        }
        let key = match (&self.key.file, &self.key.env) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "key",
                    "give key.file or key.env, not both",
                ))
            }
            (Some(p), None) => read_key_file("key.file", p)?,
            (None, env) => {
                read_key_env("key.env", env.as_deref().unwrap_or("CDN_SECURE_TOKEN_KEY"))?
            }
        };
        let mut b = Signer::builder(&*key);
        for (i, p) in self.key.old_files.iter().enumerate() {
            b = b.verify_key(&*read_key_file(&format!("key.old_files[{i}]"), p)?);
        }
        for (i, n) in self.key.old_env.iter().enumerate() {
            b = b.verify_key(&*read_key_env(&format!("key.old_env[{i}]"), n)?);
        }
        let signer = b
            .build()
            .map_err(|e| ConfigError::new("key", e.to_string()))?;
        for (i, t) in self.trusted_proxies.iter().enumerate() {
            TrustedProxies::new([t]).map_err(|_| {
                ConfigError::new(
                    format!("trusted_proxies[{i}]"),
                    format!("{t:?} is not an IP address or CIDR block"),
                )
            })?;
        }
        let trusted = TrustedProxies::new(&self.trusted_proxies)
            .map_err(|e| ConfigError::new("trusted_proxies", e.to_string()))?;
        let d = Limits::default();
        let l = &self.limits;
        let limits = Limits {
            max_connections: match l.max_connections {
                Some(0) => {
                    return Err(ConfigError::new(
                        "limits.max_connections",
                        "must be at least 1",
                    ))
                }
                Some(n) => n,
                None => d.max_connections,
            },
            header_timeout: secs(
                "limits.header_timeout_secs",
                l.header_timeout_secs,
                d.header_timeout,
            )?,
            max_body: match &l.max_body {
                Some(s) => parse_size(s.as_bytes()).ok_or_else(|| {
                    ConfigError::new("limits.max_body", "must be a size such as 1M, 500K or 1024")
                })?,
                None => d.max_body,
            },
            origin_timeout: secs(
                "limits.origin_timeout_secs",
                l.origin_timeout_secs,
                d.origin_timeout,
            )?,
            shutdown_grace: match l.shutdown_grace_secs {
                Some(n) => std::time::Duration::from_secs(n),
                None => d.shutdown_grace,
            },
        };
        if self.locations.is_empty() {
            return Err(ConfigError::new(
                "location",
                "give at least one [[location]]",
            ));
        }
        let mut locations = Vec::new();
        for (i, loc) in self.locations.into_iter().enumerate() {
            locations.push(validate_location(i, loc)?);
        }
        for (i, a) in locations.iter().enumerate() {
            if locations[..i].iter().any(|b| b.prefix == a.prefix) {
                return Err(ConfigError::new(
                    format!("location[{i}].prefix"),
                    "is given twice",
                ));
            }
        }
        Ok(Config {
            listen,
            signer,
            trusted,
            debug: self.debug,
            limits,
            locations,
        })
    }
}

fn secs(
    field: &str,
    v: Option<u64>,
    d: std::time::Duration,
) -> Result<std::time::Duration, ConfigError> {
    match v {
        Some(0) => Err(ConfigError::new(field, "must be at least 1")),
        Some(n) => Ok(std::time::Duration::from_secs(n)),
        None => Ok(d),
    }
}

fn validate_location(i: usize, loc: LocationFile) -> Result<Location, ConfigError> {
    let f = |name: &str| format!("location[{i}].{name}");
    let prefix = loc.prefix.unwrap_or_else(|| "/".to_owned());
    if !prefix.starts_with('/') {
        return Err(ConfigError::new(f("prefix"), "must start with /"));
    }
    let kind: TokenKind = match loc.kind.as_deref() {
        None => TokenKind::File,
        Some(k) => k.parse().map_err(|_| {
            ConfigError::new(f("kind"), "must be one of file, directory, mp4, stream")
        })?,
    };
    let backend = match (loc.root, loc.origin) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::new(f("root"), "give root or origin, not both"))
        }
        (None, None) => {
            return Err(ConfigError::new(
                f("root"),
                "give root (a directory) or origin (a URL)",
            ))
        }
        (Some(r), None) => {
            if !r.is_dir() {
                return Err(ConfigError::new(
                    f("root"),
                    format!("{} is not a directory", r.display()),
                ));
            }
            Backend::Root(r)
        }
        (None, Some(o)) => {
            let uri: http::Uri = o
                .parse()
                .map_err(|_| ConfigError::new(f("origin"), format!("{o:?} is not a URL")))?;
            if uri.scheme_str() != Some("http") || uri.authority().is_none() {
                return Err(ConfigError::new(
                    f("origin"),
                    "must be an http://host[:port] URL (https is not supported)",
                ));
            }
            if uri.query().is_some() {
                return Err(ConfigError::new(f("origin"), "must not have a query"));
            }
            Backend::Origin(uri)
        }
    };
    if loc.qsf && kind != TokenKind::Directory {
        return Err(ConfigError::new(
            f("qsf"),
            "Query String Forwarding needs kind = \"directory\"",
        ));
    }
    if loc.mp4_limits && kind != TokenKind::Mp4 {
        return Err(ConfigError::new(f("mp4_limits"), "needs kind = \"mp4\""));
    }
    if loc.qsf && matches!(backend, Backend::Origin(_)) {
        return Err(ConfigError::new(
            f("qsf"),
            "is supported for root locations only",
        ));
    }
    Ok(Location {
        prefix: prefix.into_bytes(),
        kind,
        ip: loc.ip,
        backend,
        qsf: loc.qsf,
        mp4_limits: loc.mp4_limits,
        verify: loc.verify.unwrap_or(true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_nginx() {
        assert_eq!(parse_size(b"1M"), Some(1 << 20));
        assert_eq!(parse_size(b"500K"), Some(500 * 1024));
        assert_eq!(parse_size(b"1000k"), Some(1000 * 1024));
        assert_eq!(parse_size(b"77"), Some(77));
        for bad in [
            &b""[..],
            b"k",
            b"1g",
            b"-1",
            b"1.5m",
            b"99999999999999999999",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }
}
