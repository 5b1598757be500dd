//! Plain N-API functions bound to one signer, behind `main.js`'s hot paths.
//!
//! A napi-rs class method costs ~190 ns per call before its body runs (receiver unwrap,
//! class identity check under a mutex, borrow-tracking scope), a napi-rs plain function
//! ~75 ns; a function made with `napi_create_function` ~10 ns. These carry their signer
//! as the callback data: one strong reference, released by a finalizer when the function
//! is collected. No receiver is read, so no object can pass for a signer.
//!
//! `Signer#_bind()` returns them (`main.js` keeps them per signer in a `WeakMap`). Their
//! arguments are the options object's fields, positionally; they check them exactly as
//! the options-object paths do (same order, same errors, same codes), and every call runs
//! under `catch_unwind`.

use std::ffi::{c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

use cdn_secure_token::{ErrorKind, Signer, Verdict};
use napi::bindgen_prelude::ToNapiValue;
use napi::sys;

use crate::js::{self, js_text, Fail, JsResult, Opts, StrBuf, Val};
use crate::{sign_joined, verify_result, Chunks, SignArgs, PACKED_EXPIRES_LIMIT};

type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// The functions `_bind` returns, by name.
const FUNCTIONS: [(&CStr, Callback); 4] = [
    (c"signUrl", sign_url),
    (c"token", token),
    (c"verify", verify),
    (c"signMany", sign_many),
];

/// An object holding this signer's bound functions.
pub(crate) fn bind(env: sys::napi_env, signer: &Arc<Signer>) -> JsResult<sys::napi_value> {
    let failed = |what: &str| Fail::internal(format!("could not create {what}"));
    let mut obj = ptr::null_mut();
    if unsafe { sys::napi_create_object(env, &mut obj) } != sys::Status::napi_ok {
        return Err(failed("an object"));
    }
    for (name, cb) in FUNCTIONS {
        let data = Arc::into_raw(Arc::clone(signer)) as *mut c_void;
        let mut f = ptr::null_mut();
        let ok = unsafe {
            sys::napi_create_function(
                env,
                name.as_ptr(),
                name.count_bytes() as isize,
                Some(cb),
                data,
                &mut f,
            ) == sys::Status::napi_ok
                && sys::napi_add_finalizer(
                    env,
                    f,
                    data,
                    Some(release),
                    ptr::null_mut(),
                    ptr::null_mut(),
                ) == sys::Status::napi_ok
        };
        if !ok {
            // The function, if made, is unreachable: nothing can call it with `data`.
            unsafe { release(env, data, ptr::null_mut()) };
            return Err(failed("a function"));
        }
        if unsafe { sys::napi_set_named_property(env, obj, name.as_ptr(), f) }
            != sys::Status::napi_ok
        {
            return Err(failed("a property"));
        }
    }
    Ok(obj)
}

/// Drops the reference a bound function held.
unsafe extern "C" fn release(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    if !data.is_null() {
        drop(unsafe { Arc::from_raw(data as *const Signer) });
    }
}

/// Runs one bound function: reads its `N` arguments and its signer, runs `body`, and turns
/// a failure or a panic into a thrown error. Arguments not passed are `undefined` and
/// known to be, at no cost: `main.js` passes option fields only up to the last one given.
unsafe fn call<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: impl FnOnce(&Signer, [Val; N]) -> JsResult<sys::napi_value>,
) -> sys::napi_value {
    let run = AssertUnwindSafe(|| {
        let result = js::catch(|| {
            let mut argv = [ptr::null_mut(); N];
            let mut argc = N;
            let mut data = ptr::null_mut();
            let status = unsafe {
                sys::napi_get_cb_info(
                    env,
                    info,
                    &mut argc,
                    argv.as_mut_ptr(),
                    ptr::null_mut(),
                    &mut data,
                )
            };
            if status != sys::Status::napi_ok || data.is_null() {
                return Err(Fail::internal(
                    "could not read the call's arguments".to_owned(),
                ));
            }
            // SAFETY: `data` is the strong reference `bind` gave this function; it lives
            // until the function is collected, and the function is running.
            let signer = unsafe { &*(data as *const Signer) };
            let mut i = 0;
            let args = argv.map(|raw| {
                i += 1;
                if i > argc {
                    Val::not_passed(env, raw)
                } else {
                    Val::from_raw(env, raw)
                }
            });
            body(signer, args)
        });
        match result {
            Ok(v) => v,
            Err(fail) => {
                unsafe { napi::JsError::from(fail.into_napi(env)).throw_into(env) };
                ptr::null_mut()
            }
        }
    });
    catch_unwind(run).unwrap_or(ptr::null_mut())
}

/// `signUrl(url, expires, ttl, ip, kind, speed, buffer, now)`.
unsafe extern "C" fn sign_url(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        call::<8>(env, info, |signer, [url, f @ ..]| {
            let mut buf = StrBuf::new();
            let url = url.str_in(ErrorKind::Url, "url", &mut buf)?;
            let args = SignArgs::positional(f)?;
            js_text(env, &signer.sign_url(url, &args.core())?)
        })
    }
}

/// `token(path, expires, ttl, ip, kind, speed, buffer, now)`.
unsafe extern "C" fn token(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        call::<8>(env, info, |signer, [path, f @ ..]| {
            let mut buf = StrBuf::new();
            let path = path.str_in(ErrorKind::Path, "path", &mut buf)?;
            let args = SignArgs::positional(f)?;
            js_text(env, &signer.token_with(path, &args.core())?.token)
        })
    }
}

/// `verify(url, ip, now, kind)`: a valid verdict comes back packed in one number,
/// `expires * 16 + keyIndex`, which `main.js` unpacks into the result object (building
/// it in JavaScript costs a fraction of setting six properties through N-API); other
/// verdicts come back as the object.
unsafe extern "C" fn verify(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        call::<4>(env, info, |signer, [url, ip, now, kind]| {
            let mut buf = StrBuf::new();
            let url = url.str_in(ErrorKind::Url, "url", &mut buf)?;
            let fields = [(c"ip", ip), (c"now", now), (c"kind", kind)];
            let v = crate::verdict(signer, url, &Opts::fields(env, &fields))?;
            let out = match v {
                Verdict::Valid { expires, key_index }
                    if (0..PACKED_EXPIRES_LIMIT).contains(&expires) && key_index < 16 =>
                {
                    let mut n = ptr::null_mut();
                    let packed = (expires * 16 + key_index as i64) as f64;
                    (sys::napi_create_double(env, packed, &mut n) == sys::Status::napi_ok)
                        .then_some(n)
                }
                v => ToNapiValue::to_napi_value(env, verify_result(v)).ok(),
            };
            out.ok_or_else(|| Fail::internal("could not create the result".to_owned()))
        })
    }
}

/// `signMany(joined, urls, expires, ttl, ip, kind, speed, buffer, now)`: `joined` holds the
/// URLs of `urls` joined with `'\n'` by `main.js` (see `Val::joined_batch`); the signed
/// URLs come back as `Chunks`, which `main.js` splits.
unsafe extern "C" fn sign_many(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        call::<9>(env, info, |signer, [joined, urls, f @ ..]| {
            let urls = Val::joined_batch(joined, urls)?;
            let args = SignArgs::positional(f)?;
            Chunks(sign_joined(signer, &urls, &args)?).to_js(env)
        })
    }
}
