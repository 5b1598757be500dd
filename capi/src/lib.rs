//! The C ABI of `cdn-secure-token` (`libcdn_secure_token.so` / `libcdn_secure_token.a`, header
//! `include/cdn_secure_token.h` generated from these files by cbindgen).
//!
//! Conventions (modelled on rustls-ffi):
//! - Every fallible function returns an `st_status`; `ST_OK` is 0 and the other values are
//!   never renumbered. Out-parameters are written only when the call succeeds (the one
//!   exception: a too-small buffer reports the size it needs in `*out_len`).
//! - Strings in are `(const char *ptr, size_t len)`, UTF-8, no NUL needed; an optional string
//!   is absent when its pointer is NULL. A received request target is bytes.
//! - Strings out go to `(char *buf, size_t cap, size_t *out_len)`. `*out_len` receives the
//!   length without NUL; a NUL is appended when `cap > *out_len`. `buf = NULL, cap = 0` asks for
//!   the size (`ST_ERR_BUFFER_TOO_SMALL` with the size in `*out_len`, or `ST_OK` when the
//!   output is empty).
//! - Every body runs inside `ffi_panic_boundary!` ([`panic`]); every pointer goes through the
//!   helpers of [`ffi`], which return `ST_ERR_NULL_POINTER` naming the argument.
//! - An `st_signer` is immutable after construction and may be used from any number of
//!   threads at once.
//!
//! This crate only translates: every check on keys, URLs, IPs, expiries and arguments is the
//! core's, and so are the error and reason codes.
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_camel_case_types)]

mod ffi;
mod panic;
mod sign;
mod signer;
mod status;
mod types;
mod verify;

pub use sign::*;
pub use signer::*;
pub use status::*;
pub use types::*;
pub use verify::*;

/// Major version of the library this header belongs to.
pub const ST_VERSION_MAJOR: u32 = 0;
/// Minor version of the library this header belongs to.
pub const ST_VERSION_MINOR: u32 = 1;
/// Patch version of the library this header belongs to.
pub const ST_VERSION_PATCH: u32 = 0;
/// Length of every token (`md5` value): 22 base64url characters.
pub const ST_TOKEN_LEN: usize = 22;

// cbindgen copies only literals into the header, so the literals above are checked against
// the workspace version here: a version bump that forgets them does not compile.
const fn number(s: &str) -> u32 {
    let (b, mut i, mut v) = (s.as_bytes(), 0, 0u32);
    while i < b.len() {
        assert!(b[i].is_ascii_digit(), "ST_VERSION cannot spell a pre-release version");
        v = v * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    v
}

const _: () = {
    assert!(ST_VERSION_MAJOR == number(env!("CARGO_PKG_VERSION_MAJOR")));
    assert!(ST_VERSION_MINOR == number(env!("CARGO_PKG_VERSION_MINOR")));
    assert!(ST_VERSION_PATCH == number(env!("CARGO_PKG_VERSION_PATCH")));
    assert!(env!("CARGO_PKG_VERSION_PRE").is_empty());
    assert!(ST_TOKEN_LEN == cdn_secure_token::TOKEN_LEN);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_workspace() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(st_version()) };
        assert_eq!(v.to_str().unwrap(), cdn_secure_token::VERSION);
        assert_eq!(
            format!("{ST_VERSION_MAJOR}.{ST_VERSION_MINOR}.{ST_VERSION_PATCH}"),
            cdn_secure_token::VERSION
        );
    }

    #[test]
    fn a_panic_becomes_a_status() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let status = crate::panic::ffi_panic_boundary! { panic!("boom") };
        std::panic::set_hook(prev);
        assert_eq!(status, st_status::ST_ERR_PANIC);
        let mut buf = [0 as std::ffi::c_char; 128];
        let mut len = 0usize;
        // SAFETY: a live local buffer of the stated capacity and a live out_len.
        let s = unsafe { st_last_error(buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(s, st_status::ST_OK);
        assert!(len > 0);
    }
}
