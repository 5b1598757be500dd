//! Overhead probes for `bench/overhead.js`, built only with `--features probes`: calls that
//! do one piece of a `signUrl` call each (dispatch, string in, string out, the core alone),
//! so that the time of a call can be attributed piece by piece.

use std::ffi::{c_void, CStr};
use std::hint::black_box;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::time::Instant;

use cdn_secure_token::ErrorKind;
use napi::bindgen_prelude::{Env, FromNapiValue, Object, Unknown};
use napi::sys;
use napi_derive::napi;

use crate::js::{js_text, StrBuf, Val};
use crate::Signer;

/// A signed URL of the benchmark's shape (96 bytes).
const SIGNED: &str =
    "https://cdn.example.com/videos/123/segment-12345.ts?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=2147483647";

fn bench_urls(n: u32) -> Vec<String> {
    (0..n)
        .map(|i| format!("https://cdn.example.com/videos/{}/segment-{i}.ts", i % 997))
        .collect()
}

fn expires_only() -> cdn_secure_token::SignOptions<'static> {
    cdn_secure_token::SignOptions {
        expires: Some(2_147_483_647),
        ..Default::default()
    }
}

#[napi]
impl Signer {
    /// A napi-rs class method that does nothing.
    #[napi(js_name = "_probeNoop", catch_unwind, skip_typescript)]
    pub fn probe_noop(&self) {}

    /// A napi-rs class method taking eight arguments and doing nothing.
    #[napi(js_name = "_probeArgs", catch_unwind, skip_typescript)]
    #[allow(clippy::too_many_arguments)]
    pub fn probe_args(
        &self,
        _a: Unknown<'_>,
        _b: Unknown<'_>,
        _c: Unknown<'_>,
        _d: Unknown<'_>,
        _e: Unknown<'_>,
        _f: Unknown<'_>,
        _g: Unknown<'_>,
        _h: Unknown<'_>,
    ) {
    }

    /// ns per URL of the core's `sign_url` over `n` benchmark URLs, timed in Rust.
    #[napi(js_name = "_probeCoreSignUrl", catch_unwind, skip_typescript)]
    pub fn probe_core_sign_url(&self, n: u32) -> f64 {
        let urls = bench_urls(n);
        let opts = expires_only();
        let t = Instant::now();
        for u in &urls {
            black_box(self.inner.sign_url(u, &opts).ok());
        }
        t.elapsed().as_nanos() as f64 / f64::from(n.max(1))
    }

    /// Like `_probeCoreSignUrl` with bench.js's 5-field options (`ip`, `kind`, `now`).
    #[napi(js_name = "_probeCoreSignUrlFull", catch_unwind, skip_typescript)]
    pub fn probe_core_sign_url_full(&self, n: u32) -> f64 {
        let urls = bench_urls(n);
        let opts = cdn_secure_token::SignOptions {
            ip: Some("1.2.3.4"),
            now: Some(1_700_000_000),
            ..expires_only()
        };
        let t = Instant::now();
        for u in &urls {
            black_box(self.inner.sign_url(u, &opts).ok());
        }
        t.elapsed().as_nanos() as f64 / f64::from(n.max(1))
    }

    /// ns per URL of the core's `sign_many_joined` over `n` benchmark URLs, timed in Rust.
    #[napi(js_name = "_probeCoreSignMany", catch_unwind, skip_typescript)]
    pub fn probe_core_sign_many(&self, n: u32) -> f64 {
        let urls = bench_urls(n);
        let opts = expires_only();
        let t = Instant::now();
        black_box(self.inner.sign_many_joined(&urls, &opts).ok());
        t.elapsed().as_nanos() as f64 / f64::from(n.max(1))
    }
}

/// ns per URL of reading a batch as `main.js` passes it (`joined` and `urls`, see
/// `Val::joined_batch`), timed in Rust; `joined` not an array reads `urls` item by item.
#[napi(js_name = "_probeReadBatch", catch_unwind, skip_typescript)]
pub fn probe_read_batch(env: Env, joined: Unknown<'_>, urls: Unknown<'_>) -> f64 {
    let (joined, urls) = (Val::new(env.raw(), &joined), Val::new(env.raw(), &urls));
    let t = Instant::now();
    let list = Val::joined_batch(joined, urls).ok();
    let ns = t.elapsed().as_nanos() as f64;
    let n = list.map_or(0, |l| black_box(l).len());
    ns / n.max(1) as f64
}

/// A napi-rs plain function taking eight arguments and doing nothing.
#[napi(js_name = "_probeFnArgs", catch_unwind, skip_typescript)]
#[allow(clippy::too_many_arguments)]
pub fn probe_fn_args(
    _a: Unknown<'_>,
    _b: Unknown<'_>,
    _c: Unknown<'_>,
    _d: Unknown<'_>,
    _e: Unknown<'_>,
    _f: Unknown<'_>,
    _g: Unknown<'_>,
    _h: Unknown<'_>,
) {
}

type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Puts the `napi_create_function` probes on `target`, the signing ones bound to `signer`'s
/// core signer as the fast paths are.
#[napi(js_name = "_probeInstall", catch_unwind, skip_typescript)]
pub fn probe_install(env: Env, target: Object<'_>, signer: &Signer) {
    const PROBES: [(&CStr, Callback); 7] = [
        (c"noop", noop),
        (c"strInNapiRs", str_in_napi_rs),
        (c"strInOnePass", str_in_one_pass),
        (c"outUtf8", out_utf8),
        (c"outLatin1", out_latin1),
        (c"outText", out_text),
        (c"signFloor", sign_floor),
    ];
    let env = env.raw();
    let target = napi::JsValue::raw(&target);
    // Leaked on purpose: probes live as long as the process.
    let data = std::sync::Arc::into_raw(std::sync::Arc::clone(&signer.inner)) as *mut c_void;
    for (name, cb) in PROBES {
        let mut f = ptr::null_mut();
        unsafe {
            sys::napi_create_function(
                env,
                name.as_ptr(),
                name.count_bytes() as isize,
                Some(cb),
                data,
                &mut f,
            );
            sys::napi_set_named_property(env, target, name.as_ptr(), f);
        }
    }
}

/// Runs a probe body with its eight arguments and its signer, under `catch_unwind`.
unsafe fn probe(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: impl FnOnce([sys::napi_value; 8], &cdn_secure_token::Signer) -> sys::napi_value,
) -> sys::napi_value {
    catch_unwind(AssertUnwindSafe(|| {
        let mut argv = [ptr::null_mut(); 8];
        let mut argc = 8;
        let mut data = ptr::null_mut();
        unsafe {
            sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                &mut data,
            );
            body(argv, &*(data as *const cdn_secure_token::Signer))
        }
    }))
    .unwrap_or(ptr::null_mut())
}

unsafe fn string(env: sys::napi_env, s: &str, latin1: bool) -> sys::napi_value {
    let mut v = ptr::null_mut();
    unsafe {
        if latin1 {
            sys::napi_create_string_latin1(env, s.as_ptr().cast(), s.len() as isize, &mut v);
        } else {
            sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut v);
        }
    }
    v
}

/// Reads its eight arguments, nothing else.
unsafe extern "C" fn noop(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe { probe(env, info, |_, _| ptr::null_mut()) }
}

/// Converts its first argument as napi-rs's `String` does (measure, allocate, copy).
unsafe extern "C" fn str_in_napi_rs(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        probe(env, info, |a, _| {
            black_box(String::from_napi_value(env, a[0]).ok());
            ptr::null_mut()
        })
    }
}

/// Converts its first argument as the fast paths do (one pass, on the stack).
unsafe extern "C" fn str_in_one_pass(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        probe(env, info, |a, _| {
            let mut buf = StrBuf::new();
            black_box(
                Val::from_raw(env, a[0])
                    .str_in(ErrorKind::Url, "url", &mut buf)
                    .ok(),
            );
            ptr::null_mut()
        })
    }
}

/// Returns a 96-byte signed URL made with `napi_create_string_utf8`.
unsafe extern "C" fn out_utf8(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe { probe(env, info, |_, _| string(env, SIGNED, false)) }
}

/// Returns a 96-byte signed URL made with `napi_create_string_latin1`.
unsafe extern "C" fn out_latin1(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe { probe(env, info, |_, _| string(env, SIGNED, true)) }
}

/// Returns a 96-byte signed URL made as the fast paths make theirs (`js_text`).
unsafe extern "C" fn out_text(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        probe(env, info, |_, _| {
            js_text(env, SIGNED).unwrap_or(ptr::null_mut())
        })
    }
}

/// The least a signUrl call can do: URL in (one pass), the core with `expires` fixed in
/// Rust (no options read), the result out as Latin-1.
unsafe extern "C" fn sign_floor(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        probe(env, info, |a, signer| {
            let mut buf = StrBuf::new();
            match Val::from_raw(env, a[0]).str_in(ErrorKind::Url, "url", &mut buf) {
                Ok(url) => match signer.sign_url(url, &expires_only()) {
                    Ok(signed) => string(env, &signed, true),
                    Err(_) => ptr::null_mut(),
                },
                Err(_) => ptr::null_mut(),
            }
        })
    }
}
