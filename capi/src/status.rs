//! Status values and their text. The numbers and identifiers of the core's error kinds are
//! the core's own (`ErrorKind::number` / `code`, checked against this enum by a test).
//! Descriptions are the identifiers in words.

use std::ffi::{CStr, CString};
use std::sync::{PoisonError, RwLock};

use cdn_secure_token::ErrorKind;

use crate::prelude::*;

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

use st_status::*;
/// Every value, to find one by number (the core's error kinds carry theirs:
/// `ErrorKind::number`).
#[rustfmt::skip]
const ALL: [st_status; 11] = [
    ST_OK, ST_ERR_NULL_POINTER, ST_ERR_BUFFER_TOO_SMALL, ST_ERR_INVALID_UTF8, ST_ERR_PANIC,
    ST_ERR_INVALID_KEY, ST_ERR_INVALID_PATH, ST_ERR_INVALID_IP, ST_ERR_INVALID_EXPIRY,
    ST_ERR_INVALID_URL, ST_ERR_INVALID_ARGUMENT,
];
pub(crate) fn status_of(kind: ErrorKind) -> st_status {
    ALL.into_iter()
        .find(|s| *s as c_int == kind.number())
        .unwrap_or(ST_ERR_INVALID_ARGUMENT)
}

/// The identifier of a status value: the core's code for core errors, the name of the
/// enum value without `ST_` / `ST_ERR_` for the statuses of the C boundary alone.
pub(crate) fn code_of(status: c_int) -> Option<String> {
    if let Some(kind) = ErrorKind::ALL.into_iter().find(|k| k.number() == status) {
        return Some(kind.code().to_owned());
    }
    let name = format!("{:?}", ALL.iter().find(|s| **s as c_int == status)?);
    let code = name.trim_start_matches("ST_ERR_");
    Some(code.trim_start_matches("ST_").to_owned())
}

/// A static NUL-terminated copy of `s`. Each text (a code, a fixed set of literals: a few
/// hundred bytes in all) is copied once, on first use, and kept for the life of the process.
pub(crate) fn c_static(s: &str) -> *const c_char {
    static COPIES: RwLock<Vec<&'static CStr>> = RwLock::new(Vec::new());
    let find = |v: &[&'static CStr]| v.iter().find(|c| c.to_bytes() == s.as_bytes()).copied();
    let found = find(&COPIES.read().unwrap_or_else(PoisonError::into_inner)); // lock released
    let copy = found.unwrap_or_else(|| {
        let mut copies = COPIES.write().unwrap_or_else(PoisonError::into_inner);
        find(&copies).unwrap_or_else(|| {
            // Codes never contain NUL; if one did, the text would be empty.
            let copy = Box::leak(CString::new(s).unwrap_or_default().into_boxed_c_str());
            copies.push(copy);
            copy
        })
    });
    copy.as_ptr()
}

/// A static, NUL-terminated description of a status value (any integer is accepted):
/// `"ok"`, `"invalid key"`, ..., `"unknown status"`.
#[no_mangle]
pub extern "C" fn st_status_str(status: c_int) -> *const c_char {
    ffi_panic_boundary! { -> *const c_char;
        let text = code_of(status).map(|c| c.to_ascii_lowercase().replace('_', " "));
        c_static(text.as_deref().unwrap_or("unknown status"))
    }
}

/// The stable upper-case identifier of a status (`"INVALID_KEY"`, ..., the codes shared by
/// every face of cdn-secure-token), static and NUL-terminated; `"UNKNOWN"` for other values.
#[no_mangle]
pub extern "C" fn st_status_code(status: c_int) -> *const c_char {
    ffi_panic_boundary! { -> *const c_char; c_static(&code_of(status).unwrap_or("UNKNOWN".into())) }
}

/// Copies the message of the last failing call on this thread (never containing the key)
/// into `buf`. Meaningful right after a call returned a status other than `ST_OK`; reading
/// it does not replace it, also when `buf` is too small.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_last_error(
    buf: *mut c_char, cap: usize, out_len: *mut usize,
) -> st_status {
    ffi_panic_boundary! {
        let msg = take_last_error();
        let status = (|| try_out_buf!(buf, cap, out_len).write(&msg))();
        set_last_error(msg); // reading the message never replaces it
        status
    }
}
