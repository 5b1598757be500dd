//! Signing: URLs, batches, bare tokens, Video Streaming links.

use cdn_secure_token::BatchError;

use crate::prelude::*;

/// Signs a URL (absolute, scheme-relative or path-and-query): the path is normalized and
/// percent-encoded as the edge decodes it, old `md5`/`expires` parameters are replaced, the
/// rest of the URL is kept.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_sign_url(
    signer: *const st_signer, url: *const c_char, url_len: usize, opts: *const st_sign_options,
    buf: *mut c_char, cap: usize, out_len: *mut usize,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out_buf!(buf, cap, out_len);
        let signer = try_ref_from_ptr!(signer);
        let url = try_str!(url, url_len);
        let opts = try_options!(opts);
        out.write(&signer.sign_url(url, &opts)?)
    }
}

/// Runs one step of a batch call; a failure is reported at `index` through `failed`.
fn at<T>(
    failed: OutPtr<usize>, index: usize, step: impl FnOnce() -> Result<T, st_status>,
) -> Result<T, st_status> {
    step().inspect_err(|_| failed.write(index))
}

/// A failed batch: its status, and its index through `failed`.
fn batch_error(failed: OutPtr<usize>) -> impl Fn(BatchError) -> st_status {
    move |BatchError { index, error }| {
        failed.write(index);
        error.into()
    }
}

/// Signs `count` URLs with the same options in one call, writing the signed URLs to `buf`
/// separated by `'\n'` (no trailing separator; NUL-terminated when room allows). On a bad
/// URL the status names the problem and `*failed_index` (when not NULL) receives the
/// zero-based index of the first failing URL; options errors report index 0.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_sign_many(
    signer: *const st_signer, urls: *const st_str, count: usize, opts: *const st_sign_options,
    buf: *mut c_char, cap: usize, out_len: *mut usize, failed_index: *mut usize,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out_buf!(buf, cap, out_len);
        let signer = try_ref_from_ptr!(signer);
        let items: &[st_str] = try_slice!(urls, count, "urls");
        let failed = opt_out!(failed_index);
        let p = at(failed, 0, || Ok(signer.prepare(&try_options!(opts))?))?;
        let str_at = |(i, s): (usize, &st_str)| at(failed, i, || Ok(try_str!(s.ptr, s.len, "url")));
        let strs = items.iter().enumerate().map(str_at).collect::<Result<Vec<_>, _>>()?;
        let signed = signer.sign_many_prepared(&strs, &p).map_err(batch_error(failed))?;
        out.write_batch(&signed, b'\n')
    }
}

/// `st_signer_sign_many` for URLs given as ONE buffer of `urls_len` bytes, separated by the
/// byte `sep` (an ASCII control byte such as `'\n'`, which no signable URL contains; the
/// caller must not join a URL that holds it), in the core's one joined-text protocol: an
/// empty buffer is no URLs (`urls` may then be NULL), a trailing separator is not an extra
/// URL, `"a\n\nb"` has an empty one (which fails). The signed URLs go to `buf` in the same
/// order, separated by `sep`, NUL-terminated when room allows. The whole buffer must be
/// UTF-8. `*failed_index` (when not NULL) receives the index of the first failing URL, 0
/// for an options or `sep` error. The cheap batch call for PHP.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_sign_joined(
    signer: *const st_signer, urls: *const c_char, urls_len: usize, sep: c_char,
    opts: *const st_sign_options, buf: *mut c_char, cap: usize, out_len: *mut usize,
    failed_index: *mut usize,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out_buf!(buf, cap, out_len);
        let signer = try_ref_from_ptr!(signer);
        let failed = opt_out!(failed_index);
        let p = at(failed, 0, || Ok(signer.prepare(&try_options!(opts))?))?;
        let urls = try_slice!(urls.cast::<u8>(), urls_len, "urls");
        let signed = signer.sign_joined(urls, sep as u8, &p).map_err(batch_error(failed))?;
        out.write_batch(&signed, sep as u8)
    }
}

/// The file token for an already decoded path (`%` taken literally), e.g.
/// `"/photo.jpeg"`, expiry `expires`, optional client IP (`ip = NULL` for none).
/// Writes the 22-character token.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_token(
    signer: *const st_signer, path: *const c_char, path_len: usize, expires: i64,
    ip: *const c_char, ip_len: usize, buf: *mut c_char, cap: usize, out_len: *mut usize,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out_buf!(buf, cap, out_len);
        let signer = try_ref_from_ptr!(signer);
        let path = try_str!(path, path_len);
        let ip = try_opt_str!(st_str { ptr: ip, len: ip_len }, "ip");
        out.write(&signer.token(path, expires, ip)?)
    }
}

/// The token of a query-token kind (file, directory, MP4) for an already decoded path, with
/// all the options; `*out_expires` (when not NULL) receives the expiry it covers.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_token_with(
    signer: *const st_signer, path: *const c_char, path_len: usize, opts: *const st_sign_options,
    buf: *mut c_char, cap: usize, out_len: *mut usize, out_expires: *mut i64,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out_buf!(buf, cap, out_len);
        let signer = try_ref_from_ptr!(signer);
        let path = try_str!(path, path_len);
        let opts = try_options!(opts);
        let t = signer.token_with(path, &opts)?;
        out.write(&t.token)?;
        opt_out!(out_expires).put(t.expires)
    }
}

/// A Video Streaming path token: `{account}_{id}_{key}_{expires}_{ip}`. `opts->kind` is
/// ignored; `*out_expires` (when not NULL) receives the expiry.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_stream_token(
    signer: *const st_signer, account: *const c_char, account_len: usize, id: *const c_char,
    id_len: usize, opts: *const st_sign_options, buf: *mut c_char, cap: usize, out_len: *mut usize,
    out_expires: *mut i64,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out_buf!(buf, cap, out_len);
        let signer = try_ref_from_ptr!(signer);
        let account = try_str!(account, account_len);
        let id = try_str!(id, id_len);
        let opts = try_options!(opts);
        let t = signer.stream_token(account, id, &opts)?;
        out.write(&t.token)?;
        opt_out!(out_expires).put(t.expires)
    }
}

/// A Video Streaming link `{base}/{prefix}/{account}_{id}/{token}/{expires}/{file}`.
/// `base` is empty for a path or `https://host`; `stream` is an `st_stream_kind` value;
/// `file = NULL` picks the layout's manifest (`master.m3u8` / `playlist.m3u8`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_stream_url(
    signer: *const st_signer, base: *const c_char, base_len: usize, stream: u32,
    account: *const c_char, account_len: usize, id: *const c_char, id_len: usize,
    file: *const c_char, file_len: usize, opts: *const st_sign_options, buf: *mut c_char,
    cap: usize, out_len: *mut usize,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out_buf!(buf, cap, out_len);
        let signer = try_ref_from_ptr!(signer);
        let base = try_str!(base, base_len);
        let account = try_str!(account, account_len);
        let id = try_str!(id, id_len);
        let file = try_opt_str!(st_str { ptr: file, len: file_len }, "file");
        let opts = try_options!(opts);
        let stream = from_c(&STREAM_KINDS, stream, "stream kind", "st_stream_kind")?;
        out.write(&signer.stream_url(base, stream, account, id, file, &opts)?)
    }
}
