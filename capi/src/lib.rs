//! The C ABI of `cdn-secure-token` (`libcdn_secure_token.so` / `libcdn_secure_token.a`, header
//! `include/cdn_secure_token.h` generated from these files by cbindgen).
//!
//! The conventions (statuses, strings in and out, the size query, options structs) are those
//! of rustls-ffi, written down once in capi/README.md ("Conventions"). The `# Safety` contract
//! of every exported function: each pointer argument is NULL or valid for what its function
//! says (handles live and from this library, inputs readable for their length and unmodified
//! during the call, outputs writable and overlapping no input); a NULL where a value is needed
//! is `ST_ERR_NULL_POINTER`. Every body runs inside `ffi_panic_boundary!` ([`panic`]); every
//! pointer goes through the helpers of [`ffi`]. An `st_signer` is immutable and may be used
//! from any number of threads at once. Every check is the core's, and so are the codes.
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_camel_case_types)]
// The one contract is in the crate docs above (and the header), not repeated per function.
#![allow(clippy::missing_safety_doc)]
// A C signature carries its strings and buffers as (pointer, length) pairs.
#![allow(clippy::too_many_arguments)]

mod ffi;
mod manifest;
mod panic;
mod refresh;
mod sign;
mod signer;
mod status;
mod types;
mod verify;

/// What every file of the face uses: the pointer helpers, the panic boundary, the statuses
/// and the shared C types.
mod prelude {
    pub(crate) use std::ffi::{c_char, c_int};

    pub(crate) use crate::ffi::*;
    pub(crate) use crate::panic::ffi_panic_boundary;
    pub(crate) use crate::status::*;
    pub(crate) use crate::types::*;
}

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
