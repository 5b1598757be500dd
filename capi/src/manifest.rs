//! Signing HLS playlists and DASH MPDs (`Signer::sign_manifest`).

use cdn_secure_token::{ManifestError, ManifestOptions, Outside};

use crate::prelude::*;
use crate::signer::parse_name;

/// What `st_signer_sign_manifest` does with a URI the directory token does not cover (the
/// `outside` field of `st_manifest_options`, a `uint32_t`, so any value is checked).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum st_outside {
    /// Fail, naming the URI (the zero-initialized default).
    ST_OUTSIDE_ERROR = 0,
    /// Leave it unsigned.
    ST_OUTSIDE_KEEP = 1,
}

/// How to sign a manifest. Zero-initialized (or NULL): the sign defaults, `ST_OUTSIDE_ERROR`,
/// URIs on other hosts left alone.
#[repr(C)]
pub struct st_manifest_options {
    /// Expiry, client IP, token kind (file, directory or MP4), MP4 limits, clock; one expiry
    /// is resolved for the whole manifest.
    pub sign: st_sign_options,
    /// An `st_outside` value: with a directory token, what to do with a URI outside the
    /// manifest's directory.
    pub outside: u32,
    /// Sign http(s) URIs on other hosts too (same key). Non-http URIs (`skd://`, `data:`) are
    /// never signed.
    pub other_hosts: bool,
}

/// The C values in order and the core's.
const OUTSIDES: [(st_outside, Outside); 2] = [
    (st_outside::ST_OUTSIDE_ERROR, Outside::Error),
    (st_outside::ST_OUTSIDE_KEEP, Outside::Keep),
];

impl st_manifest_options {
    /// # Safety
    /// As [`st_sign_options::to_core`].
    pub(crate) unsafe fn to_core<'a>(&self) -> Result<ManifestOptions<'a>, st_status> {
        Ok(ManifestOptions {
            // SAFETY: the same contract, for the embedded struct.
            sign: unsafe { self.sign.to_core() }?,
            outside: from_c(&OUTSIDES, self.outside, "outside", "st_outside")?,
            other_hosts: self.other_hosts,
        })
    }
}

/// Parses an `outside` name (`error`, `keep`; any case).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_outside_parse(
    name: *const c_char, name_len: usize, out: *mut st_outside,
) -> st_status {
    ffi_panic_boundary! { parse_name!(name, name_len, "outside", out, OUTSIDES) }
}

/// Signs an HLS playlist or DASH MPD served from `manifest_url`: every URI a player fetches
/// gets a token, everything else is kept byte for byte. The signed manifest goes to `buf`
/// (NUL-terminated when room allows). `*err_line` (when not NULL) is always written: on a
/// manifest error the 1-based line of the problem, else 0 (success, a problem of the
/// manifest as a whole, its URL or the options, or a too-small buffer). The message
/// (`st_last_error`) names the line and what is there, e.g.
/// `manifest line 7, URI line "a%zz.ts": ...`. Nothing is written to `buf` on failure.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_sign_manifest(
    signer: *const st_signer, text: *const c_char, text_len: usize, manifest_url: *const c_char,
    manifest_url_len: usize, opts: *const st_manifest_options, buf: *mut c_char, cap: usize,
    out_len: *mut usize, err_line: *mut usize,
) -> st_status {
    ffi_panic_boundary! {
        let err_line = opt_out!(err_line);
        err_line.write(0);
        let out = try_out_buf!(buf, cap, out_len);
        let signer = try_ref_from_ptr!(signer);
        let text = try_str!(text, text_len);
        let url = try_str!(manifest_url, manifest_url_len, "manifest_url");
        let opts = try_options!(opts);
        let signed = signer.sign_manifest(text, url, &opts).map_err(|e: ManifestError| {
            err_line.write(e.line);
            fail(status_of(e.kind()), e.to_string())
        })?;
        out.write(&signed)
    }
}
