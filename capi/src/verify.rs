//! Verification (of a link held, and of a request received) and explanation.

use cdn_secure_token::{Verdict, REASONS};

use crate::prelude::*;

/// Capacity of `st_verdict.message`, NUL included.
pub const ST_MESSAGE_CAP: usize = 256;
const _: () = assert!(ST_MESSAGE_CAP == 256); // st_verdict.message is written [c_char; 256]

/// Valid, expired or invalid (`st_verdict.status`, `st_verify_result.verdict`).
#[repr(C)]
pub enum st_verdict_status {
    /// The token matches and has not expired (HTTP 200).
    ST_VERDICT_VALID = 0,
    /// The token matches but the link has expired (HTTP 410).
    ST_VERDICT_EXPIRED = 1,
    /// The request is refused (HTTP 403, or 400 / 414 where the edge answers so).
    ST_VERDICT_INVALID = 2,
}

/// Why a request is refused (`st_verify_result.reason`); `st_reason_str` gives the stable
/// snake_case code. Values are never renumbered.
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
    /// The request line is longer than the edge accepts (HTTP 414).
    ST_REASON_URI_TOO_LONG = 8,
    /// The client IP given in the options is not an address.
    ST_REASON_BAD_CLIENT_IP = 9,
    /// Not refused, but expired (HTTP 410): `st_reason_str` gives `"expired"`, the code every
    /// face reports for an expired link.
    ST_REASON_EXPIRED = 10,
    /// A reason added by a newer core than this header knows.
    ST_REASON_OTHER = 255,
}

use st_reason::*;
/// Every value but `ST_REASON_OTHER`, each at the index of its value, which is the core's
/// number of its code (`REASONS`; checked by a test).
#[rustfmt::skip]
pub(crate) const ALL_REASONS: [st_reason; 11] = [
    ST_REASON_NONE, ST_REASON_MISSING_TOKEN, ST_REASON_MALFORMED_TOKEN,
    ST_REASON_MISSING_EXPIRES, ST_REASON_MALFORMED_EXPIRES, ST_REASON_BAD_REQUEST,
    ST_REASON_NOT_A_STREAM_PATH, ST_REASON_MISMATCH, ST_REASON_URI_TOO_LONG,
    ST_REASON_BAD_CLIENT_IP, ST_REASON_EXPIRED,
];

/// The C reason of a verdict: the one at the number the core's `REASONS` gives its code.
fn reason_of(v: &Verdict) -> st_reason {
    let Some(code) = v.reason_code() else {
        return ST_REASON_NONE;
    };
    let number = REASONS.iter().find(|r| r.1 == code).map(|r| r.0);
    let at = |n: i32| ALL_REASONS.get(usize::try_from(n).ok()?).copied();
    number.and_then(at).unwrap_or(ST_REASON_OTHER)
}

/// The stable snake_case code of a refusal reason (`"mismatch"`, ...; `""` for
/// `ST_REASON_NONE`, `"other"` for values this library does not know), static and
/// NUL-terminated. The codes are the core's.
#[no_mangle]
pub extern "C" fn st_reason_str(reason: c_int) -> *const c_char {
    ffi_panic_boundary! { -> *const c_char;
        let code = REASONS.iter().find(|r| r.0 == reason).map_or("other", |r| r.1);
        c_static(if reason == 0 { "" } else { code })
    }
}

/// The verdict of `st_signer_verify_request`: the same fields as every other face of
/// cdn-secure-token, read from the core.
#[repr(C)]
pub struct st_verdict {
    /// Valid, expired or invalid.
    pub status: st_verdict_status,
    /// The HTTP status the edge answers: 200, 410, 403, or 400 / 414.
    pub http_status: u16,
    /// The stable code of the verdict (`"expired"`, `"mismatch"`, `"uri_too_long"`, ...):
    /// static and NUL-terminated; NULL when valid.
    pub reason: *const c_char,
    /// Human-readable text of the reason, NUL-terminated; empty when valid. (The length is
    /// written out, as ST_MESSAGE_CAP, so that PHP's FFI parser reads the struct.)
    pub message: [c_char; 256],
    /// The link's expiry when the token matched (valid or expired), else 0.
    pub expires: i64,
    /// Which key matched (0 = the signing key) when valid or expired, else -1.
    pub key_index: i32,
}

/// The verdict of `st_signer_verify`.
#[repr(C)]
pub struct st_verify_result {
    /// Valid, expired or invalid.
    pub verdict: st_verdict_status,
    /// The HTTP status the edge answers: 200, 410 or 403.
    pub http_status: u16,
    /// The link's expiry when the token matched (valid or expired), else 0.
    pub expires: i64,
    /// Which key matched (0 = the signing key) when valid or expired, else -1.
    pub key_index: i32,
    /// Why the link is refused (`ST_REASON_NONE` when valid, `ST_REASON_EXPIRED` when expired).
    pub reason: st_reason,
}

fn status_of(v: &Verdict) -> st_verdict_status {
    match v {
        Verdict::Valid { .. } => st_verdict_status::ST_VERDICT_VALID,
        Verdict::Expired { .. } => st_verdict_status::ST_VERDICT_EXPIRED,
        Verdict::Invalid(_) => st_verdict_status::ST_VERDICT_INVALID,
    }
}

fn key_index(v: &Verdict) -> i32 {
    v.key_index()
        .map_or(-1, |i| i32::try_from(i).unwrap_or(i32::MAX))
}

/// `text` as a NUL-terminated array, cut at a character boundary when it does not fit.
pub(crate) fn message(text: &str) -> [c_char; ST_MESSAGE_CAP] {
    let mut out = [0 as c_char; ST_MESSAGE_CAP];
    let mut end = text.len().min(ST_MESSAGE_CAP - 1);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    for (o, b) in out.iter_mut().zip(&text.as_bytes()[..end]) {
        *o = *b as c_char;
    }
    out
}

pub(crate) fn verdict_out(v: &Verdict) -> st_verdict {
    st_verdict {
        status: status_of(v),
        http_status: v.status(),
        reason: v.reason_code().map_or(std::ptr::null(), c_static),
        message: message(&v.message().unwrap_or_default()),
        expires: v.expires().unwrap_or(0),
        key_index: key_index(v),
    }
}

/// Checks a link you hold (URL or path-and-query) as the edge would and writes the verdict
/// to `*out`; for what a server received, use `st_signer_verify_request`. A problem with the
/// link itself is a verdict, not an error status; errors are for bad arguments (a malformed
/// client IP in `opts`).
///
/// The human-readable reason (empty when valid) goes to `reason_buf`; pass
/// `reason_buf = NULL, reason_cap = 0, reason_len = NULL` to skip it. A too-small reason
/// buffer fails the whole call with `ST_ERR_BUFFER_TOO_SMALL` (and `*out` is not written).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_verify(
    signer: *const st_signer, url: *const c_char, url_len: usize, opts: *const st_verify_options,
    out: *mut st_verify_result, reason_buf: *mut c_char, reason_cap: usize, reason_len: *mut usize,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let skip = reason_buf.is_null() && reason_cap == 0 && reason_len.is_null();
        let reason_out =
            if skip { None } else { Some(try_out_buf!(reason_buf, reason_cap, reason_len)) };
        let signer = try_ref_from_ptr!(signer);
        let url = try_str!(url, url_len);
        let opts = try_options!(opts);
        let verdict = signer.verify(url, &opts)?;
        if let Some(r) = &reason_out {
            r.write(&verdict.message().unwrap_or_default())?;
        }
        out.put(st_verify_result {
            verdict: status_of(&verdict),
            http_status: verdict.status(),
            expires: verdict.expires().unwrap_or(0),
            key_index: key_index(&verdict),
            reason: reason_of(&verdict),
        })
    }
}

/// Judges what a server received: `target_len` bytes of the request line's target, as
/// bytes (origin form `/path?query`, where a leading `//` is part of the path, or absolute
/// form `http://host/path?query`), exactly as the edge (nginx) reads them. Writes the
/// verdict to `*out` and returns `ST_OK` for anything a client can send: a target nginx
/// answers 400 or 414 to is an invalid verdict with that `http_status`, and so is a malformed
/// `opts->ip` (403, `"bad_client_ip"`). Errors are only for NULL pointers and a bad
/// `opts->kind`. (`target` is `const char *` so that a PHP string passes as is; the bytes
/// need not be UTF-8.)
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_verify_request(
    signer: *const st_signer, target: *const c_char, target_len: usize,
    opts: *const st_verify_options, out: *mut st_verdict,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let signer = try_ref_from_ptr!(signer);
        let target = try_bytes!(target, target_len);
        let opts = try_options!(opts);
        out.put(verdict_out(&signer.verify_request(target, &opts)))
    }
}

/// Summary of an `st_explanation`.
#[repr(C)]
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

/// The fields of an `st_explanation`, for `st_explanation_get`.
#[repr(C)]
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

/// Shows what the edge hashes for `url` and the token the signing key gives (the key appears
/// as `***`). The expiry is the link's own, else `opts->expires`. On success `*out` owns an
/// explanation to release with `st_explanation_free`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_signer_explain(
    signer: *const st_signer, url: *const c_char, url_len: usize, opts: *const st_explain_options,
    out: *mut *mut st_explanation,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let signer = try_ref_from_ptr!(signer);
        let url = try_str!(url, url_len);
        let opts = try_options!(opts);
        out.put(to_boxed_ptr::<st_explanation>(signer.explain(url, &opts)?))
    }
}

/// Writes the summary of an explanation to `*out`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_explanation_info(
    explanation: *const st_explanation, out: *mut st_explain_info,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out!(out);
        let e = try_ref_from_ptr!(explanation);
        out.put(st_explain_info {
            kind: to_c(&TOKEN_KINDS, e.kind),
            has_ip: e.ip.is_some(),
            has_found_token: e.found_token.is_some(),
            matches: e.matches.map_or(-1, i8::from),
        })
    }
}

/// Copies one text field of an explanation (`field` is an `st_explain_field` value). Absent
/// fields (no IP, no token in the link) are empty strings.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn st_explanation_get(
    explanation: *const st_explanation, field: u32, buf: *mut c_char, cap: usize,
    out_len: *mut usize,
) -> st_status {
    ffi_panic_boundary! {
        let out = try_out_buf!(buf, cap, out_len);
        let e = try_ref_from_ptr!(explanation);
        let (ip, found) = (e.ip.as_deref().unwrap_or(""), e.found_token.as_deref().unwrap_or(""));
        let fields: [&str; 6] = [
            &e.hashed_path, &e.expires, ip, &e.string_to_sign, &e.expected_token, found,
        ];
        let bad = || argument(format!("field is invalid: {field} is not an st_explain_field value"));
        out.write(fields.get(field as usize).ok_or_else(bad)?)
    }
}

/// Releases an explanation. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn st_explanation_free(explanation: *mut st_explanation) {
    ffi_panic_boundary! { -> (); drop(opt_box_from_ptr!(explanation)) }
}
