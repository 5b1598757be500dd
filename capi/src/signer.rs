//! Signers and builders, and the kind-name parsers.

use cdn_secure_token::{Signer, SignerBuilder};

use crate::prelude::*;

/// The body of a `_parse` export: the core's parser, its value turned into C's by `$table`.
macro_rules! parse_name {
    ($name:ident, $len:ident, $field:expr, $out:ident, $table:expr) => {{
        let out = $crate::ffi::try_out!($out);
        let name = $crate::ffi::try_str!($name, $len, $field);
        out.put($crate::types::to_c(&$table, name.parse()?))
    }};
}
pub(crate) use parse_name;

/// The version of the loaded library, e.g. `"0.1.0"` (static, NUL-terminated).
#[no_mangle]
pub extern "C" fn st_version() -> *const c_char {
    ffi_panic_boundary! { -> *const c_char; concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast() }
}

/// Parses a token kind name (`file`, `directory` or `dir`, `mp4`, `stream`; any case).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_token_kind_parse(
    name: *const c_char, name_len: usize, out: *mut st_token_kind,
) -> st_status {
    ffi_panic_boundary! { parse_name!(name, name_len, "kind", out, TOKEN_KINDS) }
}

/// The name of a token kind value (`"file"`, `"directory"`, `"mp4"`, `"stream"`: the core's),
/// static and NUL-terminated; `"unknown"` for other values.
#[no_mangle]
pub extern "C" fn st_token_kind_str(kind: u32) -> *const c_char {
    ffi_panic_boundary! { -> *const c_char;
        c_static(TOKEN_KINDS.get(kind as usize).map_or("unknown", |k| k.1.as_str()))
    }
}

/// Parses a stream kind name (`vod`, `cmaf`, `mpegts`, `streams`; any case).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_stream_kind_parse(
    name: *const c_char, name_len: usize, out: *mut st_stream_kind,
) -> st_status {
    ffi_panic_boundary! { parse_name!(name, name_len, "stream kind", out, STREAM_KINDS) }
}

/// Creates a signer with one key (bytes, not NUL-terminated), the system clock and no
/// default lifetime. On success `*out` owns a signer to release with `st_signer_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_new(
    key: *const c_char, key_len: usize, out: *mut *mut st_signer,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let key = try_bytes!(key, key_len);
        out.put(to_boxed_ptr::<st_signer>(Signer::new(key)?))
    }
}

/// Releases a signer. NULL is a no-op. The signer must not be in use by another thread.
#[no_mangle]
pub unsafe extern "C" fn st_signer_free(signer: *mut st_signer) {
    ffi_panic_boundary! { -> (); drop(opt_box_from_ptr!(signer)) }
}

/// The number of keys a signer holds (signing key + rotation keys); 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn st_signer_key_count(signer: *const st_signer) -> usize {
    ffi_panic_boundary! { -> usize;
        opt_in!(rust_ptr(signer).cast_const()).map_or(0, Signer::key_count)
    }
}

/// Starts a builder whose signing key is `key`. Key errors are reported by
/// `st_signer_builder_build`. On success `*out` owns a builder, consumed by
/// `st_signer_builder_build` or released by `st_signer_builder_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_builder_new(
    key: *const c_char, key_len: usize, out: *mut *mut st_signer_builder,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let key = try_bytes!(key, key_len);
        out.put(to_boxed_ptr::<st_signer_builder>(Some(Signer::builder(key))))
    }
}

/// Applies a setter to a builder (the core's setters take the builder by value).
fn set(
    slot: &mut Option<SignerBuilder>, f: impl FnOnce(SignerBuilder) -> SignerBuilder,
) -> Outcome {
    *slot = Some(f(slot.take().ok_or_else(|| null("builder"))?));
    Ok(())
}

/// Adds a key that verification also accepts (key rotation); signing always uses the first
/// key. Key errors are reported by `st_signer_builder_build`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_builder_add_verify_key(
    builder: *mut st_signer_builder, key: *const c_char, key_len: usize,
) -> st_status {
    ffi_panic_boundary! {
        let key = try_bytes!(key, key_len);
        set(try_mut_from_ptr!(builder), |b| b.verify_key(key))
    }
}

/// Sets the lifetime (seconds) used when a call gives neither `expires` nor `ttl`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_builder_set_default_ttl(
    builder: *mut st_signer_builder, seconds: i64,
) -> st_status {
    ffi_panic_boundary! { set(try_mut_from_ptr!(builder), |b| b.default_ttl(seconds)) }
}

/// Accepts expiries already in the past (off by default: such a link is born dead).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_builder_set_allow_past_expiry(
    builder: *mut st_signer_builder, allow: bool,
) -> st_status {
    ffi_panic_boundary! { set(try_mut_from_ptr!(builder), |b| b.allow_past_expiry(allow)) }
}

/// Validates the settings and builds the signer. When `out` is not NULL the builder is
/// consumed, whatever the result: do not use or free it afterwards.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_builder_build(
    builder: *mut st_signer_builder, out: *mut *mut st_signer,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let b = opt_box_from_ptr!(builder).and_then(|b| *b).ok_or_else(|| null("builder"))?;
        out.put(to_boxed_ptr::<st_signer>(b.build()?))
    }
}

/// Releases a builder that was not built. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn st_signer_builder_free(builder: *mut st_signer_builder) {
    ffi_panic_boundary! { -> (); drop(opt_box_from_ptr!(builder)) }
}
