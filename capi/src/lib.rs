//! The C ABI of `cdn-secure-token` (`libcdn_secure_token.so` / `libcdn_secure_token.a`, header
//! `include/cdn_secure_token.h` generated from this file by cbindgen).
//!
//! Conventions (modelled on rustls-ffi):
//! - Every fallible function returns an [`st_status`]; `ST_OK` is 0 and the other values
//!   are never renumbered. Out-parameters are written only when the call succeeds (the one
//!   exception: a too-small buffer reports the size it needs in `*out_len`).
//! - Strings in are `(const char *ptr, size_t len)`, UTF-8, no NUL needed. An optional string
//!   is absent when its pointer is NULL.
//! - Strings out go to `(char *buf, size_t cap, size_t *out_len)`. `*out_len` receives the
//!   length without NUL; a NUL is appended when `cap > *out_len`. `buf = NULL, cap = 0` asks for
//!   the size (`ST_ERR_BUFFER_TOO_SMALL` with the size in `*out_len`, or `ST_OK` when the
//!   output is empty).
//! - Every pointer is checked for NULL, every body runs inside `catch_unwind`.
//! - An `st_signer` is immutable after construction and may be used from any number of
//!   threads at once.
//!
//! This crate only translates: every check on keys, URLs, IPs, expiries and arguments is the
//! core's.
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_camel_case_types)]

use std::cell::RefCell;
use std::ffi::{c_char, c_int};
use std::panic::{catch_unwind, AssertUnwindSafe};

use cdn_secure_token::{
    Error, ErrorKind, ExplainOptions, Explanation, InvalidReason, SignOptions, Signer,
    SignerBuilder, StreamKind, TokenKind, Verdict, VerifyOptions,
};

/// Major version of the library this header belongs to.
pub const ST_VERSION_MAJOR: u32 = 0;
/// Minor version of the library this header belongs to.
pub const ST_VERSION_MINOR: u32 = 1;
/// Patch version of the library this header belongs to.
pub const ST_VERSION_PATCH: u32 = 0;
/// Length of every token (`md5` value): 22 base64url characters.
pub const ST_TOKEN_LEN: usize = 22;

// cbindgen copies only literals into the header, so the literals above are checked here
// against the workspace version: a version bump that forgets them does not compile.
const fn parse_u32(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut v = 0u32;
    while i < b.len() {
        v = v * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    v
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const _: () = {
    assert!(
        ST_VERSION_MAJOR == parse_u32(env!("CARGO_PKG_VERSION_MAJOR")),
        "update ST_VERSION_MAJOR to the workspace version"
    );
    assert!(
        ST_VERSION_MINOR == parse_u32(env!("CARGO_PKG_VERSION_MINOR")),
        "update ST_VERSION_MINOR to the workspace version"
    );
    assert!(
        ST_VERSION_PATCH == parse_u32(env!("CARGO_PKG_VERSION_PATCH")),
        "update ST_VERSION_PATCH to the workspace version"
    );
    // The header spells ST_VERSION from the three numbers, so there is no pre-release part.
    assert!(
        str_eq(
            cdn_secure_token::VERSION,
            concat!(
                env!("CARGO_PKG_VERSION_MAJOR"),
                ".",
                env!("CARGO_PKG_VERSION_MINOR"),
                ".",
                env!("CARGO_PKG_VERSION_PATCH")
            )
        ),
        "the C header's ST_VERSION cannot spell a pre-release version"
    );
    assert!(ST_TOKEN_LEN == cdn_secure_token::TOKEN_LEN);
};

/// The result of every fallible call. Values are stable and never renumbered.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum st_status {
    /// Success.
    ST_OK = 0,
    /// A required pointer argument was NULL.
    ST_ERR_NULL_POINTER = 1,
    /// The output buffer is too small; `*out_len` holds the length needed (without NUL).
    ST_ERR_BUFFER_TOO_SMALL = 2,
    /// A string argument is not valid UTF-8.
    ST_ERR_INVALID_UTF8 = 3,
    /// An internal error (a Rust panic) was caught; the library is still usable.
    ST_ERR_PANIC = 4,
    /// The key is unusable (empty, shorter than 6 or longer than 255 bytes, control
    /// characters, not UTF-8).
    ST_ERR_INVALID_KEY = 10,
    /// The URL path cannot be hashed as the edge would (bad `%` escape, `%00`, `..` above the
    /// root, too long).
    ST_ERR_INVALID_PATH = 11,
    /// The client IP is not a valid IPv4 or IPv6 address.
    ST_ERR_INVALID_IP = 12,
    /// The expiry or lifetime is unusable (missing, not positive, milliseconds, in the past,
    /// both given).
    ST_ERR_INVALID_EXPIRY = 13,
    /// The URL as a whole is malformed.
    ST_ERR_INVALID_URL = 14,
    /// Another argument (token kind, stream kind, account, id, speed, buffer, file, size) is
    /// unusable.
    ST_ERR_INVALID_ARGUMENT = 15,
}

/// The token kinds of `st_sign_options.kind`, `st_verify_options.kind` and
/// `st_explain_options.kind` (fields of type `uint32_t`, so that any value a caller puts
/// there is checked, not undefined behaviour).
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

/// The edge's answer to a request.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum st_verdict {
    /// The token matches and has not expired (HTTP 200).
    ST_VERDICT_VALID = 0,
    /// The token matches but the link has expired (HTTP 410).
    ST_VERDICT_EXPIRED = 1,
    /// The token is missing, malformed or wrong (HTTP 403).
    ST_VERDICT_INVALID = 2,
}

/// Why a request is refused with 403; `st_reason_str` gives the stable snake_case code.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum st_reason {
    /// Not refused (valid or expired).
    ST_REASON_NONE = 0,
    /// No `md5` parameter (or no token segment in a stream path).
    ST_REASON_MISSING_TOKEN = 1,
    /// The token is not 22 base64url characters.
    ST_REASON_MALFORMED_TOKEN = 2,
    /// No `expires` parameter.
    ST_REASON_MISSING_EXPIRES = 3,
    /// `expires` is not a positive decimal number.
    ST_REASON_MALFORMED_EXPIRES = 4,
    /// The URL or its path is one the edge refuses with 400.
    ST_REASON_BAD_REQUEST = 5,
    /// The path is not a Video Streaming path token layout.
    ST_REASON_NOT_A_STREAM_PATH = 6,
    /// The token does not match (wrong key, path, expiry, IP or token kind).
    ST_REASON_MISMATCH = 7,
    /// A reason added by a newer core than this header knows.
    ST_REASON_OTHER = 255,
}

/// The fields of an `st_explanation`, for `st_explanation_get`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum st_explain_field {
    /// The decoded, normalized path the edge hashes (for stream tokens `{account}_{id}`).
    ST_EXPLAIN_HASHED_PATH = 0,
    /// The expires text that is hashed.
    ST_EXPLAIN_EXPIRES = 1,
    /// The canonical client IP that is hashed (empty when none).
    ST_EXPLAIN_IP = 2,
    /// The exact string-to-sign, with the key shown as `***`.
    ST_EXPLAIN_STRING_TO_SIGN = 3,
    /// The token the signing key gives.
    ST_EXPLAIN_EXPECTED_TOKEN = 4,
    /// The token found in the link (empty when none).
    ST_EXPLAIN_FOUND_TOKEN = 5,
}

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

/// What to sign with. Zero-initialize it (`st_sign_options o = {0};`) for the defaults:
/// no expiry (the signer's default lifetime applies), no IP, file token, system clock.
/// A NULL `const st_sign_options *` means the same defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
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
#[derive(Debug, Clone, Copy)]
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
#[derive(Debug, Clone, Copy)]
pub struct st_explain_options {
    /// Client IP; `ptr = NULL` = none.
    pub ip: st_str,
    /// An `st_token_kind` value (0 = file).
    pub kind: u32,
    /// Expiry to use when the link has none; 0 = not given.
    pub expires: i64,
}

/// The verdict of `st_signer_verify`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct st_verify_result {
    /// Valid, expired or invalid.
    pub verdict: st_verdict,
    /// The HTTP status the edge answers: 200, 410 or 403.
    pub http_status: u16,
    /// The link's expiry when the token matched (valid or expired), else 0.
    pub expires: i64,
    /// Which key matched (0 = the signing key) when valid or expired, else -1.
    pub key_index: i32,
    /// Why the link is refused (`ST_REASON_NONE` unless invalid).
    pub reason: st_reason,
}

/// Summary of an `st_explanation`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct st_explain_info {
    /// The token kind explained.
    pub kind: st_token_kind,
    /// Whether a client IP is part of the hash.
    pub has_ip: bool,
    /// Whether the link carries a token.
    pub has_found_token: bool,
    /// 1 when the found token matches the expected one, 0 when not, -1 when there is none.
    pub matches: i8,
}

/// A signer: the key (and rotation keys), default lifetime and expiry policy. Immutable
/// after construction and safe to share between threads. Created by `st_signer_new` or
/// `st_signer_builder_build`, released by `st_signer_free`.
pub struct st_signer {
    inner: Signer,
}

/// Collects the settings of a signer (rotation keys, default lifetime). Not thread-safe;
/// consumed by `st_signer_builder_build` or released by `st_signer_builder_free`.
pub struct st_signer_builder {
    inner: Option<SignerBuilder>,
}

/// What the edge hashes for a link (key shown as `***`), from `st_signer_explain`;
/// released by `st_explanation_free`.
pub struct st_explanation {
    inner: Explanation,
}

// ---------------------------------------------------------------------------------------
// The boundary: panics, last error, strings in and out.

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn set_last_error(msg: impl Into<String>) {
    let msg = msg.into();
    // A thread being torn down has no slot left; the status alone still tells the caller.
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = msg);
}

type Outcome = Result<(), st_status>;

/// Runs an exported body: a panic becomes `ST_ERR_PANIC`, never an unwind into C.
fn boundary(body: impl FnOnce() -> Outcome) -> st_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => st_status::ST_OK,
        Ok(Err(status)) => status,
        Err(_) => {
            set_last_error("internal error: a panic was caught at the C boundary");
            st_status::ST_ERR_PANIC
        }
    }
}

fn null(name: &str) -> st_status {
    set_last_error(format!("{name} is NULL"));
    st_status::ST_ERR_NULL_POINTER
}

fn argument(msg: String) -> st_status {
    set_last_error(msg);
    st_status::ST_ERR_INVALID_ARGUMENT
}

fn core_error(e: &Error) -> st_status {
    set_last_error(e.to_string());
    status_of(e.kind())
}

fn status_of(kind: ErrorKind) -> st_status {
    match kind {
        ErrorKind::Key => st_status::ST_ERR_INVALID_KEY,
        ErrorKind::Path => st_status::ST_ERR_INVALID_PATH,
        ErrorKind::Ip => st_status::ST_ERR_INVALID_IP,
        ErrorKind::Expiry => st_status::ST_ERR_INVALID_EXPIRY,
        ErrorKind::Url => st_status::ST_ERR_INVALID_URL,
        ErrorKind::Argument => st_status::ST_ERR_INVALID_ARGUMENT,
    }
}

/// Borrows `len` bytes at `ptr`.
///
/// # Safety
/// `ptr`, when not NULL, points to `len` readable bytes that stay valid and unmodified for
/// `'a`.
unsafe fn bytes_in<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<&'a [u8], st_status> {
    if ptr.is_null() {
        return Err(null(name));
    }
    if len > isize::MAX as usize {
        return Err(argument(format!("{name} length is larger than any object")));
    }
    // SAFETY: non-NULL, length bounded by isize::MAX, and the caller guarantees `len`
    // readable bytes for 'a.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// Borrows a required UTF-8 string.
///
/// # Safety
/// As [`bytes_in`].
unsafe fn str_in<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<&'a str, st_status> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { bytes_in(ptr, len, name) }?;
    std::str::from_utf8(bytes).map_err(|e| {
        set_last_error(format!(
            "{name} is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ));
        st_status::ST_ERR_INVALID_UTF8
    })
}

/// Borrows an optional UTF-8 string (`ptr = NULL` = absent).
///
/// # Safety
/// As [`bytes_in`].
unsafe fn opt_str_in<'a>(s: st_str, name: &str) -> Result<Option<&'a str>, st_status> {
    if s.ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { str_in(s.ptr, s.len, name) }.map(Some)
}

fn nonzero(v: i64) -> Option<i64> {
    (v != 0).then_some(v)
}

fn token_kind(v: u32) -> Result<TokenKind, st_status> {
    match v {
        0 => Ok(TokenKind::File),
        1 => Ok(TokenKind::Directory),
        2 => Ok(TokenKind::Mp4),
        3 => Ok(TokenKind::Stream),
        _ => Err(argument(format!(
            "kind is invalid: {v} is not an st_token_kind value"
        ))),
    }
}

fn token_kind_out(k: TokenKind) -> st_token_kind {
    match k {
        TokenKind::File => st_token_kind::ST_TOKEN_KIND_FILE,
        TokenKind::Directory => st_token_kind::ST_TOKEN_KIND_DIRECTORY,
        TokenKind::Mp4 => st_token_kind::ST_TOKEN_KIND_MP4,
        TokenKind::Stream => st_token_kind::ST_TOKEN_KIND_STREAM,
    }
}

fn stream_kind(v: u32) -> Result<StreamKind, st_status> {
    match v {
        0 => Ok(StreamKind::Vod),
        1 => Ok(StreamKind::Cmaf),
        2 => Ok(StreamKind::Mpegts),
        3 => Ok(StreamKind::Streams),
        _ => Err(argument(format!(
            "stream kind is invalid: {v} is not an st_stream_kind value"
        ))),
    }
}

/// # Safety
/// `opts` is NULL or points to a valid `st_sign_options` whose strings satisfy
/// [`bytes_in`] for `'a`.
unsafe fn sign_options<'a>(opts: *const st_sign_options) -> Result<SignOptions<'a>, st_status> {
    // SAFETY: NULL or a valid, aligned st_sign_options (caller contract).
    let Some(o) = (unsafe { opts.as_ref() }) else {
        return Ok(SignOptions::default());
    };
    // SAFETY (three calls): the option strings follow the caller contract.
    Ok(SignOptions {
        expires: nonzero(o.expires),
        ttl: nonzero(o.ttl),
        ip: unsafe { opt_str_in(o.ip, "ip") }?,
        kind: token_kind(o.kind)?,
        speed: unsafe { opt_str_in(o.speed, "speed") }?,
        buffer: unsafe { opt_str_in(o.buffer, "buffer") }?,
        now: nonzero(o.now),
    })
}

/// A checked output buffer; nothing is written until [`OutBuf::write`].
struct OutBuf {
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
}

impl OutBuf {
    /// Checks the pointers up front, so that no work is done for a call that cannot succeed.
    fn new(
        buf: *mut c_char,
        cap: usize,
        out_len: *mut usize,
        name: &str,
    ) -> Result<Self, st_status> {
        if out_len.is_null() {
            return Err(null(&format!("{name}_len")));
        }
        if buf.is_null() && cap != 0 {
            return Err(null(name));
        }
        Ok(OutBuf { buf, cap, out_len })
    }

    /// Checks that `len` bytes fit, or reports the size needed.
    ///
    /// # Safety
    /// `out_len` is valid for a write (checked non-NULL in [`OutBuf::new`]).
    unsafe fn reserve(&self, len: usize) -> Outcome {
        if len > self.cap {
            // SAFETY: out_len is non-NULL and the caller guarantees it is writable.
            unsafe { self.out_len.write(len) };
            set_last_error(format!(
                "output buffer too small: {len} bytes needed, capacity {}",
                self.cap
            ));
            return Err(st_status::ST_ERR_BUFFER_TOO_SMALL);
        }
        Ok(())
    }

    /// Writes the pieces one after the other, NUL-terminated when room allows.
    ///
    /// # Safety
    /// `buf` is valid for `cap` bytes of writes, `out_len` for one write, and neither overlaps
    /// the pieces.
    unsafe fn write_parts(&self, parts: &[&[u8]]) -> Outcome {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        // SAFETY: forwarded contract.
        unsafe { self.reserve(len) }?;
        let mut at = 0;
        for p in parts {
            // SAFETY: at + p.len() <= len <= cap, so the destination lies inside the
            // caller's buffer (non-NULL whenever len > 0, as cap >= len > 0 and NULL is
            // allowed only with cap == 0); the source is a Rust slice that cannot overlap it.
            unsafe {
                std::ptr::copy_nonoverlapping(p.as_ptr(), self.buf.cast::<u8>().add(at), p.len())
            };
            at += p.len();
        }
        if len < self.cap {
            // SAFETY: len < cap, inside the buffer.
            unsafe { self.buf.add(len).write(0) };
        }
        // SAFETY: out_len is non-NULL and writable.
        unsafe { self.out_len.write(len) };
        Ok(())
    }

    /// Writes `items` separated by `sep` (no trailing separator), NUL-terminated when room
    /// allows; nothing is written when they do not fit.
    ///
    /// # Safety
    /// As [`OutBuf::write_parts`].
    unsafe fn write_joined<S: AsRef<[u8]>>(&self, items: &[S], sep: u8) -> Outcome {
        let len = items
            .iter()
            .map(|s| s.as_ref().len())
            .sum::<usize>()
            .saturating_add(items.len().saturating_sub(1));
        // SAFETY: forwarded contract.
        unsafe { self.reserve(len) }?;
        let base = self.buf.cast::<u8>();
        let mut at = 0;
        for (i, s) in items.iter().enumerate() {
            let s = s.as_ref();
            // SAFETY: the pieces and separators written add up to exactly `len <= cap` bytes,
            // so every destination lies inside the caller's buffer (non-NULL whenever
            // len > 0); the sources are Rust memory that cannot overlap it.
            unsafe {
                if i > 0 {
                    base.add(at).write(sep);
                    at += 1;
                }
                std::ptr::copy_nonoverlapping(s.as_ptr(), base.add(at), s.len());
            }
            at += s.len();
        }
        if len < self.cap {
            // SAFETY: len < cap, inside the buffer.
            unsafe { base.add(len).write(0) };
        }
        // SAFETY: out_len is non-NULL and writable.
        unsafe { self.out_len.write(len) };
        Ok(())
    }

    /// # Safety
    /// As [`OutBuf::write_parts`].
    unsafe fn write(&self, s: &str) -> Outcome {
        // SAFETY: forwarded contract.
        unsafe { self.write_parts(&[s.as_bytes()]) }
    }
}

/// Splits `s` at every `sep` byte (an ASCII byte, so every piece is valid UTF-8), like
/// `s.split(char::from(sep))`, with the core's batch-separator search (sixteen bytes at a
/// time, several times faster than `str::split` on URL-sized pieces).
fn split_at_byte(s: &str, sep: u8) -> Vec<&str> {
    debug_assert!(sep.is_ascii());
    let mut out = Vec::new();
    let mut start = 0;
    cdn_secure_token::scan::each_position(s.as_bytes(), sep, |at| {
        out.push(&s[start..at]);
        start = at + 1;
        true
    });
    out.push(&s[start..]);
    out
}

/// # Safety
/// `signer` is NULL or a live pointer from this library.
unsafe fn signer_ref<'a>(signer: *const st_signer) -> Result<&'a Signer, st_status> {
    // SAFETY: NULL or a live st_signer (caller contract); shared access only.
    unsafe { signer.as_ref() }
        .map(|s| &s.inner)
        .ok_or_else(|| null("signer"))
}

// ---------------------------------------------------------------------------------------
// Version and status text.

/// The version of the loaded library, e.g. `"0.1.0"` (static, NUL-terminated).
#[no_mangle]
pub extern "C" fn st_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// A static, NUL-terminated description of a status value (any integer is accepted).
#[no_mangle]
pub extern "C" fn st_status_str(status: c_int) -> *const c_char {
    let s: &'static str = match status {
        0 => "ok\0",
        1 => "a required pointer argument is NULL\0",
        2 => "the output buffer is too small\0",
        3 => "a string argument is not valid UTF-8\0",
        4 => "internal error (a panic was caught)\0",
        10 => "invalid key\0",
        11 => "invalid path\0",
        12 => "invalid client IP\0",
        13 => "invalid expiry or lifetime\0",
        14 => "invalid URL\0",
        15 => "invalid argument\0",
        _ => "unknown status\0",
    };
    s.as_ptr().cast()
}

/// The stable upper-case identifier of a status (`"INVALID_KEY"`, ..., the codes shared by
/// every face of cdn-secure-token), static and NUL-terminated; `"UNKNOWN"` for other values.
#[no_mangle]
pub extern "C" fn st_status_code(status: c_int) -> *const c_char {
    let s: &'static str = match status {
        0 => "OK\0",
        1 => "NULL_POINTER\0",
        2 => "BUFFER_TOO_SMALL\0",
        3 => "INVALID_UTF8\0",
        4 => "PANIC\0",
        10 => "INVALID_KEY\0",
        11 => "INVALID_PATH\0",
        12 => "INVALID_IP\0",
        13 => "INVALID_EXPIRY\0",
        14 => "INVALID_URL\0",
        15 => "INVALID_ARGUMENT\0",
        _ => "UNKNOWN\0",
    };
    s.as_ptr().cast()
}

/// The stable snake_case code of a refusal reason (`"mismatch"`, ...; `""` for
/// `ST_REASON_NONE`), static and NUL-terminated.
#[no_mangle]
pub extern "C" fn st_reason_str(reason: c_int) -> *const c_char {
    let s: &'static str = match reason {
        0 => "\0",
        1 => "missing_token\0",
        2 => "malformed_token\0",
        3 => "missing_expires\0",
        4 => "malformed_expires\0",
        5 => "bad_request\0",
        6 => "not_a_stream_path\0",
        7 => "mismatch\0",
        _ => "other\0",
    };
    s.as_ptr().cast()
}

/// Copies the message of the last failing call on this thread (never containing the key)
/// into `buf`. Meaningful right after a call returned a status other than `ST_OK`.
///
/// # Safety
/// `buf` is NULL (with `cap == 0`) or valid for `cap` bytes; `out_len` is valid for a write.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_last_error(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> st_status {
    // Not through `boundary`'s error paths: reading the message must not replace it.
    match catch_unwind(AssertUnwindSafe(|| {
        if out_len.is_null() || (buf.is_null() && cap != 0) {
            return st_status::ST_ERR_NULL_POINTER;
        }
        let msg = LAST_ERROR
            .try_with(|e| e.borrow().clone())
            .unwrap_or_default();
        if msg.len() > cap {
            // SAFETY: out_len checked non-NULL, writable per the contract.
            unsafe { out_len.write(msg.len()) };
            return st_status::ST_ERR_BUFFER_TOO_SMALL;
        }
        // SAFETY: msg.len() <= cap and buf is valid for cap bytes (non-NULL when cap > 0).
        unsafe {
            std::ptr::copy_nonoverlapping(msg.as_ptr(), buf.cast::<u8>(), msg.len());
            if msg.len() < cap {
                buf.add(msg.len()).write(0);
            }
            out_len.write(msg.len());
        }
        st_status::ST_OK
    })) {
        Ok(s) => s,
        Err(_) => st_status::ST_ERR_PANIC,
    }
}

/// Parses a token kind name (`file`, `directory` or `dir`, `mp4`, `stream`; any case).
///
/// # Safety
/// `name` points to `name_len` readable bytes; `out` is valid for a write.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_token_kind_parse(
    name: *const c_char,
    name_len: usize,
    out: *mut st_token_kind,
) -> st_status {
    boundary(|| {
        if out.is_null() {
            return Err(null("out"));
        }
        // SAFETY: caller contract on name.
        let name = unsafe { str_in(name, name_len, "kind") }?;
        let kind: TokenKind = name.parse().map_err(|e| core_error(&e))?;
        // SAFETY: out is non-NULL and writable.
        unsafe { out.write(token_kind_out(kind)) };
        Ok(())
    })
}

/// Parses a stream kind name (`vod`, `cmaf`, `mpegts`, `streams`; any case).
///
/// # Safety
/// `name` points to `name_len` readable bytes; `out` is valid for a write.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_stream_kind_parse(
    name: *const c_char,
    name_len: usize,
    out: *mut st_stream_kind,
) -> st_status {
    boundary(|| {
        if out.is_null() {
            return Err(null("out"));
        }
        // SAFETY: caller contract on name.
        let name = unsafe { str_in(name, name_len, "stream kind") }?;
        let kind: StreamKind = name.parse().map_err(|e| core_error(&e))?;
        let v = match kind {
            StreamKind::Vod => st_stream_kind::ST_STREAM_KIND_VOD,
            StreamKind::Cmaf => st_stream_kind::ST_STREAM_KIND_CMAF,
            StreamKind::Mpegts => st_stream_kind::ST_STREAM_KIND_MPEGTS,
            StreamKind::Streams => st_stream_kind::ST_STREAM_KIND_STREAMS,
        };
        // SAFETY: out is non-NULL and writable.
        unsafe { out.write(v) };
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------
// Signers.

/// Creates a signer with one key (bytes, not NUL-terminated), the system clock and no
/// default lifetime. On success `*out` owns a signer to release with `st_signer_free`.
///
/// # Safety
/// `key` points to `key_len` readable bytes; `out` is valid for a write.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_new(
    key: *const c_char,
    key_len: usize,
    out: *mut *mut st_signer,
) -> st_status {
    boundary(|| {
        if out.is_null() {
            return Err(null("out"));
        }
        // SAFETY: caller contract on key.
        let key = unsafe { bytes_in(key, key_len, "key") }?;
        let inner = Signer::new(key).map_err(|e| core_error(&e))?;
        // SAFETY: out is non-NULL and writable.
        unsafe { out.write(Box::into_raw(Box::new(st_signer { inner }))) };
        Ok(())
    })
}

/// Releases a signer. NULL is a no-op. The signer must not be in use by another thread.
///
/// # Safety
/// `signer` is NULL or a pointer from `st_signer_new` / `st_signer_builder_build` not yet
/// freed.
#[no_mangle]
pub unsafe extern "C" fn st_signer_free(signer: *mut st_signer) {
    let _ = boundary(|| {
        if !signer.is_null() {
            // SAFETY: created by Box::into_raw in this library and not freed before.
            drop(unsafe { Box::from_raw(signer) });
        }
        Ok(())
    });
}

/// The number of keys a signer holds (signing key + rotation keys); 0 for NULL.
///
/// # Safety
/// `signer` is NULL or a live signer.
#[no_mangle]
pub unsafe extern "C" fn st_signer_key_count(signer: *const st_signer) -> usize {
    // SAFETY: caller contract.
    catch_unwind(AssertUnwindSafe(|| {
        unsafe { signer.as_ref() }.map_or(0, |s| s.inner.key_count())
    }))
    .unwrap_or(0)
}

/// Starts a builder whose signing key is `key`. Key errors are reported by
/// `st_signer_builder_build`. On success `*out` owns a builder, consumed by
/// `st_signer_builder_build` or released by `st_signer_builder_free`.
///
/// # Safety
/// `key` points to `key_len` readable bytes; `out` is valid for a write.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_builder_new(
    key: *const c_char,
    key_len: usize,
    out: *mut *mut st_signer_builder,
) -> st_status {
    boundary(|| {
        if out.is_null() {
            return Err(null("out"));
        }
        // SAFETY: caller contract on key.
        let key = unsafe { bytes_in(key, key_len, "key") }?;
        let b = st_signer_builder {
            inner: Some(Signer::builder(key)),
        };
        // SAFETY: out is non-NULL and writable.
        unsafe { out.write(Box::into_raw(Box::new(b))) };
        Ok(())
    })
}

/// Applies `f` to a live builder.
///
/// # Safety
/// `builder` is NULL or a live builder not used by another thread.
unsafe fn with_builder(
    builder: *mut st_signer_builder,
    f: impl FnOnce(SignerBuilder) -> SignerBuilder,
) -> Outcome {
    // SAFETY: caller contract; exclusive access.
    let b = unsafe { builder.as_mut() }.ok_or_else(|| null("builder"))?;
    let inner = b.inner.take().ok_or_else(|| null("builder"))?;
    b.inner = Some(f(inner));
    Ok(())
}

/// Adds a key that verification also accepts (key rotation); signing always uses the first
/// key. Key errors are reported by `st_signer_builder_build`.
///
/// # Safety
/// `builder` is a live builder; `key` points to `key_len` readable bytes.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_builder_add_verify_key(
    builder: *mut st_signer_builder,
    key: *const c_char,
    key_len: usize,
) -> st_status {
    boundary(|| {
        // SAFETY: caller contract on key.
        let key = unsafe { bytes_in(key, key_len, "key") }?;
        // SAFETY: caller contract on builder.
        unsafe { with_builder(builder, |b| b.verify_key(key)) }
    })
}

/// Sets the lifetime (seconds) used when a call gives neither `expires` nor `ttl`.
///
/// # Safety
/// `builder` is a live builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_builder_set_default_ttl(
    builder: *mut st_signer_builder,
    seconds: i64,
) -> st_status {
    // SAFETY: caller contract on builder.
    boundary(|| unsafe { with_builder(builder, |b| b.default_ttl(seconds)) })
}

/// Accepts expiries already in the past (off by default: such a link is born dead).
///
/// # Safety
/// `builder` is a live builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_builder_set_allow_past_expiry(
    builder: *mut st_signer_builder,
    allow: bool,
) -> st_status {
    // SAFETY: caller contract on builder.
    boundary(|| unsafe { with_builder(builder, |b| b.allow_past_expiry(allow)) })
}

/// Validates the settings and builds the signer. When `out` is not NULL the builder is
/// consumed, whatever the result: do not use or free it afterwards.
///
/// # Safety
/// `builder` is NULL or a live builder; `out` is valid for a write.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_builder_build(
    builder: *mut st_signer_builder,
    out: *mut *mut st_signer,
) -> st_status {
    boundary(|| {
        if out.is_null() {
            return Err(null("out"));
        }
        if builder.is_null() {
            return Err(null("builder"));
        }
        // SAFETY: a live builder from Box::into_raw; ownership comes back here.
        let b = unsafe { Box::from_raw(builder) };
        let inner = b.inner.ok_or_else(|| null("builder"))?;
        let inner = inner.build().map_err(|e| core_error(&e))?;
        // SAFETY: out is non-NULL and writable.
        unsafe { out.write(Box::into_raw(Box::new(st_signer { inner }))) };
        Ok(())
    })
}

/// Releases a builder that was not built. NULL is a no-op.
///
/// # Safety
/// `builder` is NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn st_signer_builder_free(builder: *mut st_signer_builder) {
    let _ = boundary(|| {
        if !builder.is_null() {
            // SAFETY: created by Box::into_raw in this library and not freed or built.
            drop(unsafe { Box::from_raw(builder) });
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// Signing.

/// Signs a URL (absolute, scheme-relative or path-and-query): the path is normalized and
/// percent-encoded as the edge decodes it, old `md5`/`expires` parameters are replaced, the
/// rest of the URL is kept.
///
/// # Safety
/// `signer` is a live signer; `url` points to `url_len` readable bytes; `opts` is NULL or
/// valid; `buf` is NULL (with `cap == 0`) or valid for `cap` bytes; `out_len` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_sign_url(
    signer: *const st_signer,
    url: *const c_char,
    url_len: usize,
    opts: *const st_sign_options,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> st_status {
    boundary(|| {
        let out = OutBuf::new(buf, cap, out_len, "buf")?;
        // SAFETY (three calls): caller contract on signer, url and opts.
        let signer = unsafe { signer_ref(signer) }?;
        let url = unsafe { str_in(url, url_len, "url") }?;
        let opts = unsafe { sign_options(opts) }?;
        let signed = signer.sign_url(url, &opts).map_err(|e| core_error(&e))?;
        // SAFETY: caller contract on buf / out_len.
        unsafe { out.write(&signed) }
    })
}

/// Signs `count` URLs with the same options in one call, writing the signed URLs to `buf`
/// separated by `'\n'` (no trailing separator; NUL-terminated when room allows). On a bad
/// URL the status names the problem and `*failed_index` (when not NULL) receives the
/// zero-based index of the first failing URL; options errors report index 0.
///
/// # Safety
/// `signer` is a live signer; `urls` points to `count` `st_str` (may be NULL when
/// `count == 0`), each valid as a string argument; `opts` is NULL or valid; `buf` is NULL
/// (with `cap == 0`) or valid for `cap` bytes; `out_len` is writable; `failed_index` is NULL
/// or writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_sign_many(
    signer: *const st_signer,
    urls: *const st_str,
    count: usize,
    opts: *const st_sign_options,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    failed_index: *mut usize,
) -> st_status {
    boundary(|| {
        let out = OutBuf::new(buf, cap, out_len, "buf")?;
        // SAFETY: caller contract on signer.
        let signer = unsafe { signer_ref(signer) }?;
        let fail_at = |index: usize, status: st_status| {
            if !failed_index.is_null() {
                // SAFETY: failed_index is non-NULL and writable (caller contract).
                unsafe { failed_index.write(index) };
            }
            status
        };
        let items: &[st_str] = if count == 0 {
            &[]
        } else {
            if urls.is_null() {
                return Err(null("urls"));
            }
            if count > isize::MAX as usize / std::mem::size_of::<st_str>() {
                return Err(argument("count is larger than any array".into()));
            }
            // SAFETY: non-NULL, size bounded, and the caller guarantees `count` elements.
            unsafe { std::slice::from_raw_parts(urls, count) }
        };
        // SAFETY: caller contract on opts.
        let opts = unsafe { sign_options(opts) }.map_err(|s| fail_at(0, s))?;
        let mut strs = Vec::with_capacity(items.len());
        for (i, s) in items.iter().enumerate() {
            // SAFETY: each element follows the string contract.
            strs.push(unsafe { str_in(s.ptr, s.len, "url") }.map_err(|st| fail_at(i, st))?);
        }
        let signed = signer
            .sign_many_joined(&strs, &opts)
            .map_err(|e| fail_at(e.index, core_error(&e.error)))?;
        // SAFETY: caller contract on buf / out_len.
        unsafe { out.write(signed.as_joined()) }
    })
}

/// Signs many URLs given as ONE buffer: `urls_len` bytes at `urls` holding the URLs one after
/// the other, separated by the byte `sep` (no trailing separator). The signed URLs are
/// written to `buf` in the same order, separated by the same byte (no trailing separator;
/// NUL-terminated when room allows). This is `st_signer_sign_many` without an `st_str` array:
/// the cheapest form for callers that hold their URLs in one string (PHP, shell, files).
///
/// `sep` must be an ASCII control byte (0x00 to 0x1F or 0x7F, e.g. `'\n'`), which no signable
/// URL contains; any other byte is `ST_ERR_INVALID_ARGUMENT`. The caller must make sure no
/// URL contains `sep`: such a URL would be taken for two URLs (it could not be signed as one
/// anyway, since the core refuses control characters in URLs).
///
/// `urls_len == 0` means no URLs (`ST_OK`, empty output; `urls` may then be NULL); otherwise
/// the buffer holds one URL more than it has separators, and an empty piece (`"a\n\nb"`) is
/// an empty URL for the core to judge. The whole buffer must be UTF-8. On a bad URL the status
/// names the problem and `*failed_index` (when not NULL) receives the zero-based index of the
/// first failing URL (the number of separators before it); options errors report index 0.
///
/// # Safety
/// `signer` is a live signer; `urls` points to `urls_len` readable bytes (may be NULL when
/// `urls_len == 0`) and does not overlap `buf`; `opts` is NULL or valid; `buf` is NULL (with
/// `cap == 0`) or valid for `cap` bytes; `out_len` is writable; `failed_index` is NULL or
/// writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_sign_joined(
    signer: *const st_signer,
    urls: *const c_char,
    urls_len: usize,
    sep: c_char,
    opts: *const st_sign_options,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    failed_index: *mut usize,
) -> st_status {
    boundary(|| {
        let out = OutBuf::new(buf, cap, out_len, "buf")?;
        // SAFETY: caller contract on signer.
        let signer = unsafe { signer_ref(signer) }?;
        let fail_at = |index: usize, status: st_status| {
            if !failed_index.is_null() {
                // SAFETY: failed_index is non-NULL and writable (caller contract).
                unsafe { failed_index.write(index) };
            }
            status
        };
        let sep = sep as u8;
        if !sep.is_ascii_control() {
            return Err(fail_at(
                0,
                argument(format!(
                    "sep is invalid: {sep:#04x} is not an ASCII control byte (use '\\n')"
                )),
            ));
        }
        // SAFETY: caller contract on opts.
        let opts = unsafe { sign_options(opts) }.map_err(|s| fail_at(0, s))?;
        if urls_len == 0 {
            // SAFETY: caller contract on buf / out_len.
            return unsafe { out.write_joined::<&str>(&[], sep) };
        }
        // SAFETY: caller contract on urls.
        let bytes = unsafe { bytes_in(urls, urls_len, "urls") }?;
        // One UTF-8 check for the whole buffer; splitting valid UTF-8 at an ASCII byte gives
        // valid UTF-8 pieces.
        let joined = std::str::from_utf8(bytes).map_err(|e| {
            let before = &bytes[..e.valid_up_to()];
            let index = before.iter().filter(|&&b| b == sep).count();
            // The offset inside the failing URL, as st_signer_sign_many reports it.
            let start = before.iter().rposition(|&b| b == sep).map_or(0, |p| p + 1);
            set_last_error(format!(
                "url is not valid UTF-8 (at byte {})",
                before.len() - start
            ));
            fail_at(index, st_status::ST_ERR_INVALID_UTF8)
        })?;
        let strs = split_at_byte(joined, sep);
        let signed = signer
            .sign_many_joined(&strs, &opts)
            .map_err(|e| fail_at(e.index, core_error(&e.error)))?;
        if sep == b'\n' {
            // The core's own separator: the batch is already the output.
            // SAFETY: caller contract on buf / out_len.
            return unsafe { out.write(signed.as_joined()) };
        }
        let items: Vec<&str> = signed.iter().collect();
        // SAFETY: caller contract on buf / out_len.
        unsafe { out.write_joined(&items, sep) }
    })
}

/// The file token for an already decoded path (`%` taken literally), e.g.
/// `"/photo.jpeg"`, expiry `expires`, optional client IP (`ip = NULL` for none).
/// Writes the 22-character token.
///
/// # Safety
/// `signer` is a live signer; `path` points to `path_len` readable bytes; `ip` is NULL or
/// points to `ip_len` readable bytes; `buf` / `out_len` as for `st_signer_sign_url`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_token(
    signer: *const st_signer,
    path: *const c_char,
    path_len: usize,
    expires: i64,
    ip: *const c_char,
    ip_len: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> st_status {
    boundary(|| {
        let out = OutBuf::new(buf, cap, out_len, "buf")?;
        // SAFETY (three calls): caller contract on signer, path and ip.
        let signer = unsafe { signer_ref(signer) }?;
        let path = unsafe { str_in(path, path_len, "path") }?;
        let ip = unsafe {
            opt_str_in(
                st_str {
                    ptr: ip,
                    len: ip_len,
                },
                "ip",
            )
        }?;
        let token = signer
            .token(path, expires, ip)
            .map_err(|e| core_error(&e))?;
        // SAFETY: caller contract on buf / out_len.
        unsafe { out.write(&token) }
    })
}

/// The token of a query-token kind (file, directory, MP4) for an already decoded path, with
/// all the options; `*out_expires` (when not NULL) receives the expiry it covers.
///
/// # Safety
/// As `st_signer_token`, with `opts` NULL or valid and `out_expires` NULL or writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_token_with(
    signer: *const st_signer,
    path: *const c_char,
    path_len: usize,
    opts: *const st_sign_options,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    out_expires: *mut i64,
) -> st_status {
    boundary(|| {
        let out = OutBuf::new(buf, cap, out_len, "buf")?;
        // SAFETY (three calls): caller contract on signer, path and opts.
        let signer = unsafe { signer_ref(signer) }?;
        let path = unsafe { str_in(path, path_len, "path") }?;
        let opts = unsafe { sign_options(opts) }?;
        let t = signer.token_with(path, &opts).map_err(|e| core_error(&e))?;
        // SAFETY: caller contract on buf / out_len.
        unsafe { out.write(&t.token) }?;
        if !out_expires.is_null() {
            // SAFETY: non-NULL and writable (caller contract).
            unsafe { out_expires.write(t.expires) };
        }
        Ok(())
    })
}

/// A Video Streaming path token: `{account}_{id}_{key}_{expires}_{ip}`. `opts->kind` is
/// ignored; `*out_expires` (when not NULL) receives the expiry.
///
/// # Safety
/// `signer` is a live signer; `account` / `id` point to their lengths in readable bytes;
/// `opts`, `buf`, `out_len`, `out_expires` as for `st_signer_token_with`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_stream_token(
    signer: *const st_signer,
    account: *const c_char,
    account_len: usize,
    id: *const c_char,
    id_len: usize,
    opts: *const st_sign_options,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    out_expires: *mut i64,
) -> st_status {
    boundary(|| {
        let out = OutBuf::new(buf, cap, out_len, "buf")?;
        // SAFETY (four calls): caller contract on signer, account, id and opts.
        let signer = unsafe { signer_ref(signer) }?;
        let account = unsafe { str_in(account, account_len, "account") }?;
        let id = unsafe { str_in(id, id_len, "id") }?;
        let opts = unsafe { sign_options(opts) }?;
        let t = signer
            .stream_token(account, id, &opts)
            .map_err(|e| core_error(&e))?;
        // SAFETY: caller contract on buf / out_len.
        unsafe { out.write(&t.token) }?;
        if !out_expires.is_null() {
            // SAFETY: non-NULL and writable (caller contract).
            unsafe { out_expires.write(t.expires) };
        }
        Ok(())
    })
}

/// A Video Streaming link `{base}/{prefix}/{account}_{id}/{token}/{expires}/{file}`.
/// `base` is empty for a path or `https://host`; `stream` is an `st_stream_kind` value;
/// `file = NULL` picks the layout's manifest (`master.m3u8` / `playlist.m3u8`).
///
/// # Safety
/// `signer` is a live signer; `base`, `account`, `id` point to their lengths in readable
/// bytes; `file` is NULL or points to `file_len` readable bytes; `opts`, `buf`, `out_len` as
/// for `st_signer_sign_url`.
#[no_mangle]
#[must_use]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn st_signer_stream_url(
    signer: *const st_signer,
    base: *const c_char,
    base_len: usize,
    stream: u32,
    account: *const c_char,
    account_len: usize,
    id: *const c_char,
    id_len: usize,
    file: *const c_char,
    file_len: usize,
    opts: *const st_sign_options,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> st_status {
    boundary(|| {
        let out = OutBuf::new(buf, cap, out_len, "buf")?;
        // SAFETY (six calls): caller contract on every input.
        let signer = unsafe { signer_ref(signer) }?;
        let base = unsafe { str_in(base, base_len, "base") }?;
        let account = unsafe { str_in(account, account_len, "account") }?;
        let id = unsafe { str_in(id, id_len, "id") }?;
        let file = unsafe {
            opt_str_in(
                st_str {
                    ptr: file,
                    len: file_len,
                },
                "file",
            )
        }?;
        let opts = unsafe { sign_options(opts) }?;
        let url = signer
            .stream_url(base, stream_kind(stream)?, account, id, file, &opts)
            .map_err(|e| core_error(&e))?;
        // SAFETY: caller contract on buf / out_len.
        unsafe { out.write(&url) }
    })
}

// ---------------------------------------------------------------------------------------
// Verification and explanation.

fn reason_of(r: &InvalidReason) -> st_reason {
    match r {
        InvalidReason::MissingToken => st_reason::ST_REASON_MISSING_TOKEN,
        InvalidReason::MalformedToken => st_reason::ST_REASON_MALFORMED_TOKEN,
        InvalidReason::MissingExpires => st_reason::ST_REASON_MISSING_EXPIRES,
        InvalidReason::MalformedExpires => st_reason::ST_REASON_MALFORMED_EXPIRES,
        InvalidReason::BadRequest(_) => st_reason::ST_REASON_BAD_REQUEST,
        InvalidReason::NotAStreamPath => st_reason::ST_REASON_NOT_A_STREAM_PATH,
        InvalidReason::Mismatch => st_reason::ST_REASON_MISMATCH,
        _ => st_reason::ST_REASON_OTHER,
    }
}

/// Checks a request (URL or path-and-query) as the edge would and writes the verdict to
/// `*out`. A problem with the link itself is a verdict, not an error status; errors are for
/// bad arguments (a malformed client IP in `opts`).
///
/// The human-readable reason (empty when valid) goes to `reason_buf`; pass
/// `reason_buf = NULL, reason_cap = 0, reason_len = NULL` to skip it. A too-small reason
/// buffer fails the whole call with `ST_ERR_BUFFER_TOO_SMALL` (and `*out` is not written).
///
/// # Safety
/// `signer` is a live signer; `url` points to `url_len` readable bytes; `opts` is NULL or
/// valid; `out` is writable; `reason_buf` is NULL (with `reason_cap == 0`) or valid for
/// `reason_cap` bytes; `reason_len` is NULL or writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_verify(
    signer: *const st_signer,
    url: *const c_char,
    url_len: usize,
    opts: *const st_verify_options,
    out: *mut st_verify_result,
    reason_buf: *mut c_char,
    reason_cap: usize,
    reason_len: *mut usize,
) -> st_status {
    boundary(|| {
        if out.is_null() {
            return Err(null("out"));
        }
        let reason_out = if reason_len.is_null() {
            if !reason_buf.is_null() || reason_cap != 0 {
                return Err(null("reason_len"));
            }
            None
        } else {
            Some(OutBuf::new(
                reason_buf,
                reason_cap,
                reason_len,
                "reason_buf",
            )?)
        };
        // SAFETY (two calls): caller contract on signer and url.
        let signer = unsafe { signer_ref(signer) }?;
        let url = unsafe { str_in(url, url_len, "url") }?;
        // SAFETY: NULL or a valid st_verify_options (caller contract).
        let opts = match unsafe { opts.as_ref() } {
            None => VerifyOptions::default(),
            Some(o) => VerifyOptions {
                // SAFETY: caller contract on the option strings.
                ip: unsafe { opt_str_in(o.ip, "ip") }?,
                now: nonzero(o.now),
                kind: token_kind(o.kind)?,
            },
        };
        let verdict = signer.verify(url, &opts).map_err(|e| core_error(&e))?;
        if let Some(r) = &reason_out {
            let text = verdict.reason().unwrap_or_default();
            // SAFETY: caller contract on reason_buf / reason_len.
            unsafe { r.write(&text) }?;
        }
        let result = match &verdict {
            Verdict::Valid { expires, key_index } | Verdict::Expired { expires, key_index } => {
                st_verify_result {
                    verdict: if verdict.is_valid() {
                        st_verdict::ST_VERDICT_VALID
                    } else {
                        st_verdict::ST_VERDICT_EXPIRED
                    },
                    http_status: verdict.status(),
                    expires: *expires,
                    key_index: i32::try_from(*key_index).unwrap_or(i32::MAX),
                    reason: st_reason::ST_REASON_NONE,
                }
            }
            Verdict::Invalid(r) => st_verify_result {
                verdict: st_verdict::ST_VERDICT_INVALID,
                http_status: verdict.status(),
                expires: 0,
                key_index: -1,
                reason: reason_of(r),
            },
        };
        // SAFETY: out is non-NULL and writable.
        unsafe { out.write(result) };
        Ok(())
    })
}

/// Shows what the edge hashes for `url` and the token the signing key gives (the key appears
/// as `***`). The expiry is the link's own, else `opts->expires`. On success `*out` owns an
/// explanation to release with `st_explanation_free`.
///
/// # Safety
/// `signer` is a live signer; `url` points to `url_len` readable bytes; `opts` is NULL or
/// valid; `out` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_explain(
    signer: *const st_signer,
    url: *const c_char,
    url_len: usize,
    opts: *const st_explain_options,
    out: *mut *mut st_explanation,
) -> st_status {
    boundary(|| {
        if out.is_null() {
            return Err(null("out"));
        }
        // SAFETY (two calls): caller contract on signer and url.
        let signer = unsafe { signer_ref(signer) }?;
        let url = unsafe { str_in(url, url_len, "url") }?;
        // SAFETY: NULL or a valid st_explain_options (caller contract).
        let opts = match unsafe { opts.as_ref() } {
            None => ExplainOptions::default(),
            Some(o) => ExplainOptions {
                // SAFETY: caller contract on the option strings.
                ip: unsafe { opt_str_in(o.ip, "ip") }?,
                kind: token_kind(o.kind)?,
                expires: nonzero(o.expires),
            },
        };
        let inner = signer.explain(url, &opts).map_err(|e| core_error(&e))?;
        // SAFETY: out is non-NULL and writable.
        unsafe { out.write(Box::into_raw(Box::new(st_explanation { inner }))) };
        Ok(())
    })
}

/// Writes the summary of an explanation to `*out`.
///
/// # Safety
/// `explanation` is a live explanation; `out` is writable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_explanation_info(
    explanation: *const st_explanation,
    out: *mut st_explain_info,
) -> st_status {
    boundary(|| {
        if out.is_null() {
            return Err(null("out"));
        }
        // SAFETY: NULL or a live explanation (caller contract).
        let e = &unsafe { explanation.as_ref() }
            .ok_or_else(|| null("explanation"))?
            .inner;
        let info = st_explain_info {
            kind: token_kind_out(e.kind),
            has_ip: e.ip.is_some(),
            has_found_token: e.found_token.is_some(),
            matches: e.matches.map_or(-1, i8::from),
        };
        // SAFETY: out is non-NULL and writable.
        unsafe { out.write(info) };
        Ok(())
    })
}

/// Copies one text field of an explanation (`field` is an `st_explain_field` value). Absent
/// fields (no IP, no token in the link) are empty strings.
///
/// # Safety
/// `explanation` is a live explanation; `buf` / `out_len` as for `st_signer_sign_url`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_explanation_get(
    explanation: *const st_explanation,
    field: u32,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> st_status {
    boundary(|| {
        let out = OutBuf::new(buf, cap, out_len, "buf")?;
        // SAFETY: NULL or a live explanation (caller contract).
        let e = &unsafe { explanation.as_ref() }
            .ok_or_else(|| null("explanation"))?
            .inner;
        let text: &str = match field {
            0 => &e.hashed_path,
            1 => &e.expires,
            2 => e.ip.as_deref().unwrap_or(""),
            3 => &e.string_to_sign,
            4 => &e.expected_token,
            5 => e.found_token.as_deref().unwrap_or(""),
            _ => {
                return Err(argument(format!(
                    "field is invalid: {field} is not an st_explain_field value"
                )))
            }
        };
        // SAFETY: caller contract on buf / out_len.
        unsafe { out.write(text) }
    })
}

/// Releases an explanation. NULL is a no-op.
///
/// # Safety
/// `explanation` is NULL or a live explanation.
#[no_mangle]
pub unsafe extern "C" fn st_explanation_free(explanation: *mut st_explanation) {
    let _ = boundary(|| {
        if !explanation.is_null() {
            // SAFETY: created by Box::into_raw in this library and not freed before.
            drop(unsafe { Box::from_raw(explanation) });
        }
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn cstr(p: *const c_char) -> &'static str {
        // SAFETY: the tested functions return static NUL-terminated strings.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    #[test]
    fn a_panic_becomes_a_status() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let status = boundary(|| panic!("boom"));
        std::panic::set_hook(prev);
        assert_eq!(status, st_status::ST_ERR_PANIC);
        let mut buf = [0 as c_char; 128];
        let mut len = 0usize;
        // SAFETY: a live local buffer of the stated capacity and a live out_len.
        let s = unsafe { st_last_error(buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(s, st_status::ST_OK);
        assert!(len > 0);
    }

    #[test]
    fn split_at_byte_is_str_split() {
        // Every separator byte at every position and alignment, next to every other byte
        // value (0x80 and up as parts of UTF-8 characters), and separators side by side.
        let mut inputs: Vec<String> = vec![String::new(), "a".into(), "\n".into(), "\n\n".into()];
        for len in 0..20 {
            for pos in 0..=len {
                let mut v: Vec<char> = (0..len).map(|i| ['a', 'é', '\u{7f}', '€'][i % 4]).collect();
                v.insert(pos, '\n');
                inputs.push(v.iter().collect());
                v.insert(pos, '\n');
                inputs.push(v.iter().collect());
            }
        }
        for c in 0u32..0x800 {
            if let Some(ch) = char::from_u32(c) {
                inputs.push(format!("{ch}\n{ch}{ch}{ch}{ch}{ch}{ch}{ch}\n{ch}"));
            }
        }
        for sep in [b'\n', 0, 0x1f, 0x7f] {
            for input in &inputs {
                let s = input.replace('\n', &char::from(sep).to_string());
                let want: Vec<&str> = s.split(char::from(sep)).collect();
                assert_eq!(split_at_byte(&s, sep), want, "{s:?} at {sep:#x}");
            }
        }
    }

    #[test]
    fn version_matches_workspace() {
        assert_eq!(cstr(st_version()), cdn_secure_token::VERSION);
        assert_eq!(
            format!("{ST_VERSION_MAJOR}.{ST_VERSION_MINOR}.{ST_VERSION_PATCH}"),
            cdn_secure_token::VERSION
        );
    }

    #[test]
    fn status_codes_match_core_codes() {
        for kind in [
            ErrorKind::Key,
            ErrorKind::Path,
            ErrorKind::Ip,
            ErrorKind::Expiry,
            ErrorKind::Url,
            ErrorKind::Argument,
        ] {
            assert_eq!(cstr(st_status_code(status_of(kind) as c_int)), kind.code());
        }
    }

    #[test]
    fn reason_codes_match_core_codes() {
        let all = [
            InvalidReason::MissingToken,
            InvalidReason::MalformedToken,
            InvalidReason::MissingExpires,
            InvalidReason::MalformedExpires,
            InvalidReason::BadRequest(Error::PathEmpty),
            InvalidReason::NotAStreamPath,
            InvalidReason::Mismatch,
        ];
        for r in all {
            assert_eq!(cstr(st_reason_str(reason_of(&r) as c_int)), r.code());
        }
    }
}
