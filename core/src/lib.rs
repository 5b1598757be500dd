//! Secure Token links for CDNs (Gcore CDN, nginx `secure_link`): sign and verify exactly as
//! the edge does.
//!
//! ```
//! use cdn_secure_token::{Signer, SignOptions, VerifyOptions, Verdict};
//!
//! let signer = Signer::new("my-cdn-key")?;
//! let url = signer.sign_url(
//!     "https://cdn.example.com/photos/summer trip.jpeg",
//!     &SignOptions { expires: Some(2147483647), ..Default::default() },
//! )?;
//! assert!(url.starts_with("https://cdn.example.com/photos/summer%20trip.jpeg?md5="));
//! let verdict = signer.verify(&url, &VerifyOptions { now: Some(1_700_000_000), ..Default::default() })?;
//! assert!(matches!(verdict, Verdict::Valid { expires: 2147483647, key_index: 0 }));
//! # Ok::<(), cdn_secure_token::Error>(())
//! ```
//!
//! Which entry is for what:
//! - [`Signer::sign_url`] (and `sign_many`, `token`, `stream_url`) make links. They refuse
//!   links the edge would answer 414 to ([`SignerBuilder::max_request_len`], 8192 bytes of
//!   request line by default), expiries that are not positive, malformed hosts.
//! - [`Signer::verify_request`] judges what a server received: the request target bytes of the
//!   request line, read exactly as nginx reads them (`//x` is a path; raw bytes are hashed as
//!   bytes). [`Signer::verify_decoded`] does the same for frameworks that only give the
//!   decoded path and the raw query (WSGI). Neither ever fails: a request nginx answers
//!   400/414 to is an `Invalid` verdict with that status.
//! - [`Signer::verify`] checks a link you hold (a URL or path-and-query string, as you would
//!   sign it); a leading `//` is a path there too.
//!
//! The string that is hashed, per token kind (the key never leaves this crate):
//! - file / directory: `{expires}{path}{ip} {key}`
//! - MP4: `{path}_{key}_{expires}_{speed}_{buffer}_{ip}`
//! - Video Streaming path tokens: `{account}_{id}_{key}_{expires}_{ip}`
//!
//! `{path}` is nginx's `$uri` (decoded, `//` merged, dot segments resolved) and `{ip}` is
//! nginx's `$remote_addr` text.
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_debug_implementations)]

mod ascii;
mod batch;
mod codec;
mod error;
mod ip;
mod key;
mod layout;
pub mod manifest;
// Reachable only with the unstable `internals` feature (core's own tests and benches, and
// fuzz/), never from a face; not part of the API.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod multi_md5;
// (What only the tests, benches and fuzz/ call is unused without the feature.)
#[cfg(not(feature = "internals"))]
#[allow(dead_code)]
mod multi_md5;
mod options;
mod path;
mod prepared;
mod refresh;
mod request;
// As `multi_md5`: for fuzz/ (skip_host, skip_path) with `internals` only.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod scan;
#[cfg(not(feature = "internals"))]
#[allow(dead_code)]
mod scan;
mod schema;
mod served;
mod signer;
mod stream;
mod url;
mod verdict;
mod verify;

pub use batch::SignedBatch;
pub use codec::TOKEN_LEN;
pub use error::{BatchError, Error, ErrorKind, Result};
pub use ip::CanonicalIp;
pub use key::{Key, MAX_KEY_LEN, MIN_KEY_LEN};
pub use manifest::{ManifestError, ManifestFormat, ManifestOptions, Outside, MAX_MANIFEST_LEN};
pub use options::{
    Clock, FixedClock, SignOptions, StreamKind, SystemClock, TokenKind, VerifyOptions,
};
pub use path::MAX_PATH_LEN;
pub use prepared::{Prepared, MAX_EXPIRES};
pub use refresh::{
    RefreshAsk, RefreshConfig, RefreshEndpoint, RefreshRequest, RefreshResponse, RefreshToken,
    Refusal, TrustedProxies, REFRESH_ABSOLUTE_FROM, REFRESH_HEADERS,
};
pub use request::DEFAULT_MAX_REQUEST_LEN;
pub use schema::{OptionSpec, Value, ValueKind, SIGN_OPTIONS, VERIFY_OPTIONS};
pub use served::Received;
pub use signer::{SignedToken, Signer, SignerBuilder, MAX_KEYS};
pub use url::MAX_URL_LEN;
pub use verdict::{ExplainOptions, Explanation, InvalidReason, Verdict, REASONS};

/// The crate version (one version for every face).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn signer_is_send_sync() {
        assert_send_sync::<super::Signer>();
        assert_send_sync::<super::Key>();
    }
}
