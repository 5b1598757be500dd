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
//! - Pointers: every pointer argument is NULL or valid for what its function says (handles
//!   live and from this library, inputs readable for their length, outputs writable); a NULL
//!   where a value is needed is `ST_ERR_NULL_POINTER` naming the argument, never a crash.
//!   This is the `# Safety` contract of every exported function.
//! - Every body runs inside `ffi_panic_boundary!` ([`panic`]); every pointer goes through the
//!   helpers of [`ffi`].
//! - An `st_signer` is immutable after construction and may be used from any number of
//!   threads at once.
//!
//! This crate only translates: every check on keys, URLs, IPs, expiries and arguments is the
//! core's, and so are the error and reason codes.
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_camel_case_types)]
// The one contract is in the crate docs above (and the header), not repeated per function.
#![allow(clippy::missing_safety_doc)]

mod ffi;
mod manifest;
mod panic;
mod refresh;
mod sign;
mod signer;
mod status;
mod types;
mod verify;

pub use manifest::*;
pub use refresh::*;
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

#[cfg(test)]
mod tests;
