//! The C types shared by several calls (strings, kinds, options, handles) and their
//! conversion into the core's.

use cdn_secure_token::{
    ExplainOptions, Explanation, SignOptions, Signer, SignerBuilder, StreamKind, TokenKind,
    VerifyOptions,
};

use crate::prelude::*;

/// A borrowed string: `len` bytes at `ptr`, UTF-8, no NUL needed. `ptr = NULL` means
/// "absent" where a string is optional.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct st_str {
    /// First byte (or NULL).
    pub ptr: *const c_char,
    /// Number of bytes.
    pub len: usize,
}

/// The token kinds of the options' `kind` fields (`uint32_t`, so any value is checked).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum st_token_kind {
    /// `{expires}{path}{ip} {key}`, token in `?md5=&expires=` (the zero-initialized default).
    ST_TOKEN_KIND_FILE = 0,
    /// Like a file token, over the directory of the path (HLS / DASH).
    ST_TOKEN_KIND_DIRECTORY = 1,
    /// `{path}_{key}_{expires}_{speed}_{buffer}_{ip}`, with `&speed=` / `&buffer=`.
    ST_TOKEN_KIND_MP4 = 2,
    /// Video Streaming path token (verify and explain only; sign with
    /// `st_signer_stream_url`).
    ST_TOKEN_KIND_STREAM = 3,
}

/// The Video Streaming layouts of `st_signer_stream_url` (a `uint32_t` argument).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum st_stream_kind {
    /// `/videos/{account}_{slug}/{token}/{expires}/master.m3u8`.
    ST_STREAM_KIND_VOD = 0,
    /// `/cmaf/{account}_{stream}/{token}/{expires}/master.m3u8`.
    ST_STREAM_KIND_CMAF = 1,
    /// `/mpegts/{account}_{stream}/{token}/{expires}/master.m3u8`.
    ST_STREAM_KIND_MPEGTS = 2,
    /// `/streams/{account}_{stream}/{token}/{expires}/playlist.m3u8`.
    ST_STREAM_KIND_STREAMS = 3,
}

use st_stream_kind::*;
use st_token_kind::*;
/// The C values in order (each at the index of its value) and the core's kinds.
#[rustfmt::skip]
pub(crate) const TOKEN_KINDS: [(st_token_kind, TokenKind); 4] = [
    (ST_TOKEN_KIND_FILE, TokenKind::File), (ST_TOKEN_KIND_DIRECTORY, TokenKind::Directory),
    (ST_TOKEN_KIND_MP4, TokenKind::Mp4), (ST_TOKEN_KIND_STREAM, TokenKind::Stream),
];
#[rustfmt::skip]
pub(crate) const STREAM_KINDS: [(st_stream_kind, StreamKind); 4] = [
    (ST_STREAM_KIND_VOD, StreamKind::Vod), (ST_STREAM_KIND_CMAF, StreamKind::Cmaf),
    (ST_STREAM_KIND_MPEGTS, StreamKind::Mpegts), (ST_STREAM_KIND_STREAMS, StreamKind::Streams),
];

/// The core value of the C value `v` in `table` (C values at their index); an error names
/// `field` and the C type `ty`.
pub(crate) fn from_c<C, K: Copy>(
    table: &[(C, K)], v: u32, field: &str, ty: &str,
) -> Result<K, st_status> {
    let k = table.get(v as usize).map(|k| k.1);
    k.ok_or_else(|| argument(format!("{field} is invalid: {v} is not an {ty} value")))
}

/// The C value of the core value `k` (the first of `table`, which is 0, if absent).
pub(crate) fn to_c<C: Copy, K: PartialEq>(table: &[(C, K)], k: K) -> C {
    table.iter().find(|p| p.1 == k).unwrap_or(&table[0]).0
}

fn token_kind(v: u32) -> Result<TokenKind, st_status> {
    from_c(&TOKEN_KINDS, v, "kind", "st_token_kind")
}

/// What to sign with. Zero-initialize it (`st_sign_options o = {0};`) for the defaults:
/// no expiry (the signer's default lifetime applies), no IP, file token, system clock.
/// A NULL `const st_sign_options *` means the same defaults.
#[repr(C)]
pub struct st_sign_options {
    /// Absolute expiry, Unix seconds; 0 = not given.
    pub expires: i64,
    /// Lifetime in seconds from now; 0 = not given. Give `expires` or `ttl`, not both.
    pub ttl: i64,
    /// Client IP to bind the link to, any valid spelling; `ptr = NULL` = no IP binding.
    pub ip: st_str,
    /// An `st_token_kind` value (0 = file).
    pub kind: u32,
    /// MP4 only: the `speed` limit (e.g. `1m`); `ptr = NULL` = none.
    pub speed: st_str,
    /// MP4 only: the `buffer` (seconds at full speed); `ptr = NULL` = none.
    pub buffer: st_str,
    /// The current Unix time; 0 = the system clock.
    pub now: i64,
}

/// How to check a request. Zero-initialized (or NULL): no IP, system clock, file token.
#[repr(C)]
pub struct st_verify_options {
    /// The client address the edge would see; `ptr = NULL` = none.
    pub ip: st_str,
    /// The current Unix time; 0 = the system clock.
    pub now: i64,
    /// An `st_token_kind` value (0 = file).
    pub kind: u32,
}

/// Options of `st_signer_explain`. Zero-initialized (or NULL): no IP, file token, no expiry.
#[repr(C)]
pub struct st_explain_options {
    /// Client IP; `ptr = NULL` = none.
    pub ip: st_str,
    /// An `st_token_kind` value (0 = file).
    pub kind: u32,
    /// Expiry to use when the link has none; 0 = not given.
    pub expires: i64,
}

fn given(v: i64) -> Option<i64> {
    (v != 0).then_some(v)
}

/// The core options of an options pointer (NULL or valid by the exported call's contract):
/// the struct's `to_core`, or the core's defaults for NULL.
macro_rules! try_options {
    ($p:ident) => {
        match $crate::ffi::opt_in!($p) {
            None => Default::default(),
            // SAFETY: a valid struct whose strings are readable (the exported contract).
            Some(o) => unsafe { o.to_core() }?,
        }
    };
}
pub(crate) use try_options;

impl st_sign_options {
    /// # Safety
    /// The struct's strings are NULL or readable for their lengths, unmodified for `'a`.
    pub(crate) unsafe fn to_core<'a>(&self) -> Result<SignOptions<'a>, st_status> {
        Ok(SignOptions {
            expires: given(self.expires),
            ttl: given(self.ttl),
            ip: try_opt_str!(self.ip, "ip"),
            kind: token_kind(self.kind)?,
            speed: try_opt_str!(self.speed, "speed"),
            buffer: try_opt_str!(self.buffer, "buffer"),
            now: given(self.now),
        })
    }
}

impl st_verify_options {
    /// # Safety
    /// As [`st_sign_options::to_core`].
    pub(crate) unsafe fn to_core<'a>(&self) -> Result<VerifyOptions<'a>, st_status> {
        Ok(VerifyOptions {
            ip: try_opt_str!(self.ip, "ip"),
            now: given(self.now),
            kind: token_kind(self.kind)?,
        })
    }
}

impl st_explain_options {
    /// # Safety
    /// As [`st_sign_options::to_core`].
    pub(crate) unsafe fn to_core<'a>(&self) -> Result<ExplainOptions<'a>, st_status> {
        Ok(ExplainOptions {
            ip: try_opt_str!(self.ip, "ip"),
            kind: token_kind(self.kind)?,
            expires: given(self.expires),
        })
    }
}

/// A signer: the key (and rotation keys), default lifetime and expiry policy. Immutable
/// after construction and safe to share between threads. Created by `st_signer_new` or
/// `st_signer_builder_build`, released by `st_signer_free`.
pub struct st_signer([u8; 0]);

impl Castable for st_signer {
    type RustType = Signer;
}

/// Collects the settings of a signer (rotation keys, default lifetime). Not thread-safe;
/// consumed by `st_signer_builder_build` or released by `st_signer_builder_free`.
pub struct st_signer_builder([u8; 0]);

impl Castable for st_signer_builder {
    /// `None` only while a setter runs (the core's builder methods take it by value).
    type RustType = Option<SignerBuilder>;
}

/// What the edge hashes for a link (key shown as `***`), from `st_signer_explain`;
/// released by `st_explanation_free`.
pub struct st_explanation([u8; 0]);

impl Castable for st_explanation {
    type RustType = Explanation;
}
