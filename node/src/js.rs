//! Reading JavaScript arguments and building JavaScript errors.
//!
//! Arguments are taken as raw values so that a wrong type becomes a `TypeError` with a
//! stable `code` (napi's own conversion errors have neither), and so that no message ever
//! echoes a value that could be the key.

use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use cdn_secure_token::{BatchError, Error as CoreError, ErrorKind};
use napi::bindgen_prelude::{FromNapiValue, Unknown};
use napi::{sys, ValueType};

/// Which JavaScript error class to throw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Error,
    Type,
    Range,
}

/// A failure on its way to JavaScript. Boxed: results pass through every argument reader,
/// and a small `Err` keeps them small on the success path.
#[derive(Debug)]
pub struct Fail(Box<Failure>);

#[derive(Debug)]
pub struct Failure {
    class: Class,
    kind: ErrorKind,
    message: String,
    index: Option<usize>,
    internal: bool,
    /// JavaScript code we called (an options getter, a Proxy) threw: that exception is
    /// pending and is the one to propagate.
    pending: bool,
    /// That exception, taken out of the environment to reject a promise with later.
    thrown: Option<napi::Error>,
}

pub type JsResult<T> = Result<T, Fail>;

impl std::ops::Deref for Fail {
    type Target = Failure;

    fn deref(&self) -> &Failure {
        &self.0
    }
}

impl std::ops::DerefMut for Fail {
    fn deref_mut(&mut self) -> &mut Failure {
        &mut self.0
    }
}

impl Fail {
    pub(crate) fn type_error(kind: ErrorKind, message: String) -> Self {
        Fail(Box::new(Failure {
            class: Class::Type,
            kind,
            message,
            index: None,
            internal: false,
            pending: false,
            thrown: None,
        }))
    }

    pub(crate) fn range_error(kind: ErrorKind, message: String) -> Self {
        Fail(Box::new(Failure {
            class: Class::Range,
            kind,
            message,
            index: None,
            internal: false,
            pending: false,
            thrown: None,
        }))
    }

    pub(crate) fn internal(message: String) -> Self {
        Fail(Box::new(Failure {
            class: Class::Error,
            kind: ErrorKind::Argument,
            message,
            index: None,
            internal: true,
            pending: false,
            thrown: None,
        }))
    }

    /// A failed N-API read: JavaScript threw (propagated as is), or the value could not
    /// be read.
    pub(crate) fn read_failed(kind: ErrorKind, what: &str) -> Self {
        Fail(Box::new(Failure {
            class: Class::Type,
            kind,
            message: format!("{what} could not be read"),
            index: None,
            internal: false,
            pending: true,
            thrown: None,
        }))
    }

    pub(crate) fn at(mut self, index: usize) -> Self {
        self.index = Some(index);
        self.message = format!("item {index}: {}", self.message);
        self
    }

    /// `ERR_SECURE_TOKEN_INVALID_KEY`, ...; `ERR_SECURE_TOKEN_INTERNAL` for a caught panic.
    fn code(&self) -> String {
        if self.internal {
            return "ERR_SECURE_TOKEN_INTERNAL".to_owned();
        }
        format!("ERR_SECURE_TOKEN_{}", self.kind.code())
    }

    /// Builds the JavaScript error object (with `code`, and `index` for batches) and wraps
    /// it so that napi throws or rejects with exactly that object.
    /// For promise APIs: takes the pending JavaScript exception (if this failure is one) out
    /// of the environment, so that the call returns its promise and the promise rejects
    /// with that exception.
    pub(crate) fn capture(mut self, env: sys::napi_env) -> Self {
        if self.pending && self.thrown.is_none() {
            let mut pending = false;
            unsafe { sys::napi_is_exception_pending(env, &mut pending) };
            if pending {
                let mut exception = ptr::null_mut();
                let status = unsafe { sys::napi_get_and_clear_last_exception(env, &mut exception) };
                if status == sys::Status::napi_ok {
                    let thrown = Val::from_raw(env, exception);
                    self.thrown = Some(if matches!(thrown.type_of(), ValueType::Object) {
                        napi::Error::from(unsafe { Unknown::from_raw_unchecked(env, exception) })
                    } else {
                        // A thrown primitive cannot be held by reference: reject with an
                        // Error that carries its text.
                        let text = thrown.text().unwrap_or_default();
                        napi::Error::new(napi::Status::GenericFailure, text)
                    });
                }
            }
        }
        self
    }

    pub(crate) fn into_napi(self, env: sys::napi_env) -> napi::Error {
        let code = self.code();
        let this = *self.0;
        if let Some(thrown) = this.thrown {
            return thrown;
        }
        if this.pending {
            let mut pending = false;
            unsafe { sys::napi_is_exception_pending(env, &mut pending) };
            if pending {
                // napi-rs leaves a pending exception in place for this status.
                return napi::Error::new(napi::Status::PendingException, this.message);
            }
        }
        let build = || -> Option<sys::napi_value> {
            let code_v = js_string(env, &code)?;
            let msg_v = js_string(env, &this.message)?;
            let mut err = ptr::null_mut();
            let status = unsafe {
                match this.class {
                    Class::Error => sys::napi_create_error(env, code_v, msg_v, &mut err),
                    Class::Type => sys::napi_create_type_error(env, code_v, msg_v, &mut err),
                    Class::Range => sys::napi_create_range_error(env, code_v, msg_v, &mut err),
                }
            };
            if status != sys::Status::napi_ok {
                return None;
            }
            if let Some(i) = this.index {
                let mut idx = ptr::null_mut();
                unsafe {
                    if sys::napi_create_double(env, i as f64, &mut idx) == sys::Status::napi_ok {
                        sys::napi_set_named_property(env, err, c"index".as_ptr(), idx);
                    }
                }
            }
            Some(err)
        };
        match build() {
            Some(err) => napi::Error::from(unsafe { Unknown::from_raw_unchecked(env, err) }),
            None => napi::Error::new(napi::Status::GenericFailure, this.message),
        }
    }
}

impl From<CoreError> for Fail {
    fn from(e: CoreError) -> Self {
        // Node throws RangeError for numbers out of range and TypeError for missing or
        // conflicting options; everything else the core refuses is a plain Error.
        let class = match e {
            CoreError::KeyTooShort { .. }
            | CoreError::KeyTooLong { .. }
            | CoreError::ExpiresNotPositive { .. }
            | CoreError::ExpiresMilliseconds { .. }
            | CoreError::ExpiresInPast { .. }
            | CoreError::TtlNotPositive { .. }
            | CoreError::TtlTooLarge { .. } => Class::Range,
            CoreError::ExpiresAndTtl | CoreError::ExpiresMissing => Class::Type,
            _ => Class::Error,
        };
        Fail(Box::new(Failure {
            class,
            kind: e.kind(),
            message: e.to_string(),
            index: None,
            internal: false,
            pending: false,
            thrown: None,
        }))
    }
}

impl From<BatchError> for Fail {
    fn from(e: BatchError) -> Self {
        Fail::from(e.error).at(e.index)
    }
}

fn js_string(env: sys::napi_env, s: &str) -> Option<sys::napi_value> {
    let mut v = ptr::null_mut();
    let status =
        unsafe { sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut v) };
    (status == sys::Status::napi_ok).then_some(v)
}

/// Runs one export's body: a panic becomes an `ERR_SECURE_TOKEN_INTERNAL` error and any
/// failure becomes the JavaScript error it describes.
pub(crate) fn guard<T>(env: sys::napi_env, f: impl FnOnce() -> JsResult<T>) -> napi::Result<T> {
    catch(f).map_err(|fail| fail.into_napi(env))
}

/// Runs `f`, turning a panic into an `ERR_SECURE_TOKEN_INTERNAL` failure.
pub(crate) fn catch<T>(f: impl FnOnce() -> JsResult<T>) -> JsResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Err(Fail::internal(format!(
            "internal error in cdn-secure-token: {what}"
        )))
    })
}

/// At most this many items of an array are allowed for before they are read.
const PRESIZE_MAX_ITEMS: usize = 1 << 20;

/// At most this many bytes of text are allowed for before they are read (a first URL of
/// 10 MB in a batch of a million must not ask for 10 TB up front).
const PRESIZE_MAX_BYTES: usize = 1 << 26;

/// Reserves room in `text` for `rest` more strings of about `per` bytes, within bounds.
fn presize(text: &mut Vec<u8>, per: usize, rest: usize) {
    let rest = rest.min(PRESIZE_MAX_ITEMS);
    text.reserve(per.saturating_mul(rest).min(PRESIZE_MAX_BYTES));
}

/// Bytes of a string argument converted on the stack (URLs are usually far shorter).
const INLINE: usize = 512;

/// Room for one string argument's UTF-8 text: on the stack when short, else on the heap.
pub(crate) struct StrBuf {
    inline: [MaybeUninit<u8>; INLINE],
    heap: Vec<u8>,
    len: usize,
    on_heap: bool,
}

impl StrBuf {
    pub(crate) fn new() -> Self {
        StrBuf {
            inline: [MaybeUninit::uninit(); INLINE],
            heap: Vec::new(),
            len: 0,
            on_heap: false,
        }
    }

    fn as_str(&self) -> &str {
        let bytes = if self.on_heap {
            &self.heap[..self.len]
        } else {
            // SAFETY: `str_in` had N-API write `len` bytes at the start of `inline`.
            unsafe { std::slice::from_raw_parts(self.inline.as_ptr().cast::<u8>(), self.len) }
        };
        // SAFETY: N-API writes well-formed UTF-8 (invalid UTF-16 is replaced).
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// The text as an owned `String` (taking the heap buffer when there is one).
    fn take_string(&mut self) -> String {
        if self.on_heap {
            let mut heap = std::mem::take(&mut self.heap);
            heap.truncate(self.len);
            self.on_heap = false;
            self.len = 0;
            // SAFETY: as in `as_str`.
            unsafe { String::from_utf8_unchecked(heap) }
        } else {
            self.as_str().to_owned()
        }
    }
}

/// The strings of an array, converted into one buffer.
#[derive(Debug, Default)]
pub struct StrList {
    /// Their UTF-8 text, one after the other, `sep` bytes apart.
    text: Vec<u8>,
    /// Where each ends in `text`.
    ends: Vec<usize>,
    /// Bytes between one string's end and the next one's start: 0 when read item by item,
    /// 1 (the `'\n'`) when read joined (`joined_list`).
    sep: usize,
}

impl StrList {
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|i| {
            let start = if i == 0 {
                0
            } else {
                self.ends[i - 1] + self.sep
            };
            // SAFETY: `text` is well-formed UTF-8 (N-API's conversions, and '\n' bytes
            // between them), and every string starts and ends at the start or end of a
            // conversion or at a '\n', which is ASCII: never inside a multi-byte character.
            unsafe { std::str::from_utf8_unchecked(&self.text[start..self.ends[i]]) }
        })
    }

    #[cfg(feature = "probes")]
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
}

/// Pushes to `ends` the offset (plus `base`) of each `'\n'` in `bytes`; stops, with `false`,
/// once `ends` would hold more than `max`. The core's batch-separator search: ~1.3 ns a URL
/// where a byte loop takes ~6.
fn push_newlines(bytes: &[u8], base: usize, ends: &mut Vec<usize>, max: usize) -> bool {
    cdn_secure_token::scan::each_position(bytes, b'\n', |at| {
        if ends.len() >= max {
            return false;
        }
        ends.push(base + at);
        true
    })
}

/// A JavaScript string from Rust text: copied as Latin-1 when it is ASCII (no UTF-8
/// decoding on V8's side, which signed URLs nearly always are), else as UTF-8.
pub(crate) fn js_text(env: sys::napi_env, s: &str) -> JsResult<sys::napi_value> {
    let mut v = ptr::null_mut();
    let status = unsafe {
        if is_ascii(s.as_bytes()) {
            sys::napi_create_string_latin1(env, s.as_ptr().cast(), s.len() as isize, &mut v)
        } else {
            sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut v)
        }
    };
    if status != sys::Status::napi_ok {
        return Err(Fail::internal(format!(
            "could not create a string of {} bytes",
            s.len()
        )));
    }
    Ok(v)
}

/// Whether all bytes are ASCII: one OR over all of them, which vectorizes (`str::is_ascii`
/// stops early and does not: ~8 ns for a 96-byte URL against ~2).
fn is_ascii(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |acc, &b| acc | b) < 0x80
}

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// One JavaScript value and the environment it lives in.
#[derive(Clone, Copy)]
pub(crate) struct Val {
    env: sys::napi_env,
    raw: sys::napi_value,
    /// Its type, once known: `napi_typeof` tries up to ten type checks in turn (`undefined`
    /// is eighth), so the fast paths ask it once per value.
    ty: Option<ValueType>,
}

impl Val {
    pub(crate) fn new(env: sys::napi_env, v: &Unknown<'_>) -> Self {
        Val::from_raw(env, napi::JsValue::raw(v))
    }

    pub(crate) fn from_raw(env: sys::napi_env, raw: sys::napi_value) -> Self {
        Val { env, raw, ty: None }
    }

    /// An argument the caller did not pass (N-API gives `undefined` in its place).
    pub(crate) fn not_passed(env: sys::napi_env, raw: sys::napi_value) -> Self {
        Val {
            env,
            raw,
            ty: Some(ValueType::Undefined),
        }
    }

    /// This value with its type looked up.
    fn typed(self) -> Self {
        Val {
            ty: Some(self.type_of()),
            ..self
        }
    }

    fn type_of(self) -> ValueType {
        if let Some(ty) = self.ty {
            return ty;
        }
        let mut t = 0;
        let status = unsafe { sys::napi_typeof(self.env, self.raw, &mut t) };
        if status != sys::Status::napi_ok {
            return ValueType::Unknown;
        }
        ValueType::from(t)
    }

    /// `String(value)` for a primitive; `None` for a Symbol (whose conversion throws: that
    /// exception is cleared).
    fn text(self) -> Option<String> {
        let mut s = ptr::null_mut();
        if unsafe { sys::napi_coerce_to_string(self.env, self.raw, &mut s) } != sys::Status::napi_ok
        {
            let mut exception = ptr::null_mut();
            unsafe { sys::napi_get_and_clear_last_exception(self.env, &mut exception) };
            return None;
        }
        unsafe { String::from_napi_value(self.env, s) }.ok()
    }

    /// The value with its type looked up, or `None` for `undefined` and `null`.
    pub(crate) fn given(self) -> Option<Self> {
        let v = self.typed();
        (!v.is_nullish()).then_some(v)
    }

    /// `undefined` and `null` both mean "not given".
    pub(crate) fn is_nullish(self) -> bool {
        matches!(self.type_of(), ValueType::Undefined | ValueType::Null)
    }

    /// What a message says about a value of the wrong type (never the value itself).
    fn describe(self) -> &'static str {
        match self.type_of() {
            ValueType::Undefined => "undefined",
            ValueType::Null => "null",
            ValueType::Boolean => "a boolean",
            ValueType::Number => "a number",
            ValueType::String => "a string",
            ValueType::Symbol => "a symbol",
            ValueType::Function => "a function",
            ValueType::BigInt => "a bigint",
            ValueType::Object if self.is_array() => "an array",
            ValueType::Object if self.is_date() => "a Date",
            ValueType::Object => "an object",
            _ => "a value of unknown type",
        }
    }

    fn is_array(self) -> bool {
        let mut b = false;
        unsafe { sys::napi_is_array(self.env, self.raw, &mut b) };
        b
    }

    fn is_date(self) -> bool {
        let mut b = false;
        unsafe { sys::napi_is_date(self.env, self.raw, &mut b) };
        b
    }

    fn wrong_type(self, kind: ErrorKind, name: &str, expected: &str) -> Fail {
        Fail::type_error(
            kind,
            format!("{name} must be {expected}, got {}", self.describe()),
        )
    }

    pub(crate) fn string(self, kind: ErrorKind, name: &str) -> JsResult<String> {
        let mut buf = StrBuf::new();
        self.str_in(kind, name, &mut buf)?;
        Ok(buf.take_string())
    }

    /// The string's UTF-8 text in `buf`, converted in one pass (napi-rs's `String`
    /// conversion makes two, measuring first, and always allocates): short strings land on
    /// the stack, longer ones in one allocation sized from the UTF-16 length, which N-API
    /// gives without a pass. Lone surrogates become U+FFFD, as in any N-API conversion.
    pub(crate) fn str_in<'b>(
        self,
        kind: ErrorKind,
        name: &str,
        buf: &'b mut StrBuf,
    ) -> JsResult<&'b str> {
        let mut units = 0usize;
        // Fails with `napi_string_expected` for anything but a string.
        let status = unsafe {
            sys::napi_get_value_string_utf16(self.env, self.raw, ptr::null_mut(), 0, &mut units)
        };
        if status != sys::Status::napi_ok {
            return Err(self.wrong_type(kind, name, "a string"));
        }
        // A UTF-16 unit becomes at most 3 UTF-8 bytes (a surrogate pair 4 for 2 units);
        // N-API also writes a terminating NUL.
        let cap = units
            .checked_mul(3)
            .and_then(|n| n.checked_add(1))
            .ok_or_else(|| self.wrong_type(kind, name, "a string"))?;
        let dst: *mut u8 = if cap <= INLINE {
            buf.inline.as_mut_ptr().cast()
        } else {
            buf.heap = Vec::with_capacity(cap);
            buf.heap.as_mut_ptr()
        };
        let mut len = 0usize;
        let status = unsafe {
            sys::napi_get_value_string_utf8(self.env, self.raw, dst.cast(), cap, &mut len)
        };
        if status != sys::Status::napi_ok || len >= cap {
            return Err(self.wrong_type(kind, name, "a string"));
        }
        buf.len = len;
        buf.on_heap = cap > INLINE;
        if buf.on_heap {
            // SAFETY: N-API wrote `len` bytes (< capacity) into the allocation.
            unsafe { buf.heap.set_len(len) };
        }
        Ok(buf.as_str())
    }

    pub(crate) fn boolean(self, kind: ErrorKind, name: &str) -> JsResult<bool> {
        if self.type_of() != ValueType::Boolean {
            return Err(self.wrong_type(kind, name, "a boolean"));
        }
        unsafe { bool::from_napi_value(self.env, self.raw) }
            .map_err(|_| self.wrong_type(kind, name, "a boolean"))
    }

    /// A number that must be a safe integer: `1.5`, `NaN`, `Infinity` and `2 ** 60` are
    /// `RangeError`s, as Node's own integer arguments are.
    pub(crate) fn integer(self, kind: ErrorKind, name: &str) -> JsResult<i64> {
        let mut v = 0.0;
        // Fails with `napi_number_expected` for anything but a number.
        let status = unsafe { sys::napi_get_value_double(self.env, self.raw, &mut v) };
        if status != sys::Status::napi_ok {
            return Err(self.wrong_type(kind, name, "a number"));
        }
        if !v.is_finite() || v.fract() != 0.0 || v.abs() > MAX_SAFE_INTEGER {
            return Err(Fail::range_error(
                kind,
                format!("{name} must be a whole number of seconds (a safe integer), got {v}"),
            ));
        }
        Ok(v as i64)
    }

    /// Unix seconds from a number of seconds or a `Date` (rounded down to the second).
    pub(crate) fn seconds_or_date(self, kind: ErrorKind, name: &str) -> JsResult<i64> {
        let ty = self.type_of();
        if ty == ValueType::Object && self.is_date() {
            let mut ms = 0.0;
            let status = unsafe { sys::napi_get_date_value(self.env, self.raw, &mut ms) };
            if status != sys::Status::napi_ok || !ms.is_finite() {
                return Err(Fail::range_error(
                    kind,
                    format!("{name} is an invalid Date"),
                ));
            }
            return Ok((ms / 1000.0).floor() as i64);
        }
        if ty != ValueType::Number {
            return Err(self.wrong_type(kind, name, "a number of seconds or a Date"));
        }
        self.integer(kind, name)
    }

    /// The decimal text of an integer, or a string as given (MP4 `speed` / `buffer`,
    /// stream `account`).
    pub(crate) fn string_or_integer(self, kind: ErrorKind, name: &str) -> JsResult<String> {
        match self.type_of() {
            ValueType::Number => Ok(self.integer(kind, name)?.to_string()),
            ValueType::String => self.string(kind, name),
            _ => Err(self.wrong_type(kind, name, "a string or a number")),
        }
    }

    /// The elements of an array of strings.
    pub(crate) fn strings(self, kind: ErrorKind, name: &str) -> JsResult<Vec<String>> {
        let list = self.string_list(kind, name)?;
        Ok(list.iter().map(str::to_owned).collect())
    }

    /// The elements of an array of strings, converted one after the other into one
    /// buffer: one allocation for the batch rather than one per element.
    pub(crate) fn string_list(self, kind: ErrorKind, name: &str) -> JsResult<StrList> {
        if !self.is_array() {
            return Err(self.wrong_type(kind, name, "an array of strings"));
        }
        let mut len = 0u32;
        unsafe { sys::napi_get_array_length(self.env, self.raw, &mut len) };
        let mut list = StrList {
            text: Vec::new(),
            // Bounded: a sparse array can claim billions of elements before its first hole.
            ends: Vec::with_capacity((len as usize).min(PRESIZE_MAX_ITEMS)),
            sep: 0,
        };
        // Each element read is a handle in the current scope until the call returns: read
        // them in chunks, each in its own scope, so that a large batch does not pile up
        // handles for the garbage collector to scan.
        const CHUNK: u32 = 1024;
        for chunk_start in (0..len).step_by(CHUNK as usize) {
            let mut scope = ptr::null_mut();
            if unsafe { sys::napi_open_handle_scope(self.env, &mut scope) } != sys::Status::napi_ok
            {
                return Err(Fail::internal("could not open a handle scope".to_owned()));
            }
            let read = self.read_strings(
                kind,
                name,
                chunk_start..len.min(chunk_start + CHUNK),
                &mut list,
            );
            unsafe { sys::napi_close_handle_scope(self.env, scope) };
            read?;
        }
        Ok(list)
    }

    /// A batch from `main.js`: the URLs of the array `urls` as joined into the strings of
    /// `joined` (see `joined_list`), or read one by one from `urls` when they do not split
    /// back into `urls.length` URLs, which reports a bad one exactly as `string_list` does.
    pub(crate) fn joined_batch(joined: Val, urls: Val) -> JsResult<StrList> {
        if urls.is_array() {
            let mut len = 0u32;
            // SAFETY: a value of this call's environment, checked to be an array; `len` is
            // a valid place for the result.
            if unsafe { sys::napi_get_array_length(urls.env, urls.raw, &mut len) }
                == sys::Status::napi_ok
            {
                if let Some(list) = joined.joined_list(len as usize)? {
                    joined.empty_array();
                    return Ok(list);
                }
            }
        }
        urls.string_list(ErrorKind::Url, "urls")
    }

    /// Sets this array's length to 0. Used on `main.js`'s array of joined strings once they
    /// are read: they are the batch's text (~5 MB for 100,000 URLs), which would otherwise
    /// stay reachable until the call returns, so that the scavenges the signed strings set
    /// off copy it, and promote it (~40 ns a URL on bench.js's batch). A failure leaves
    /// the array as it was, which costs only that.
    fn empty_array(self) {
        let mut zero = ptr::null_mut();
        // SAFETY: values of this call's environment; `zero` is a valid place for the
        // number, and the property name a NUL-terminated C string.
        unsafe {
            if sys::napi_create_uint32(self.env, 0, &mut zero) == sys::Status::napi_ok {
                sys::napi_set_named_property(self.env, self.raw, c"length".as_ptr(), zero);
            }
        }
    }

    /// The `count` strings that `main.js` joined with `'\n'` into the strings of this array
    /// (whole strings in each, in order), read with one conversion per joined string and
    /// split on `'\n'`. `None` when they do not split into exactly `count` strings (one of
    /// them holds a `'\n'`) or this is not an array of strings: the caller then reads the
    /// strings one by one, and a bad one is reported as it always is, by its index.
    /// UTF-8 semantics are those of reading each string alone: a lone surrogate next to a
    /// `'\n'` has nothing to pair with, and becomes U+FFFD as it would on its own.
    pub(crate) fn joined_list(self, count: usize) -> JsResult<Option<StrList>> {
        if !self.is_array() {
            return Ok(None);
        }
        let mut len = 0u32;
        // SAFETY: a value of this call's environment, checked to be an array; `len` is a
        // valid place for the result.
        if unsafe { sys::napi_get_array_length(self.env, self.raw, &mut len) }
            != sys::Status::napi_ok
        {
            return Ok(None);
        }
        let mut list = StrList {
            text: Vec::new(),
            ends: Vec::with_capacity(count.min(PRESIZE_MAX_ITEMS)),
            sep: 1,
        };
        // A handle per joined string; they hold hundreds of URLs each, but a batch of
        // very long URLs has one each: a scope per group, as in `string_list`.
        const CHUNK: u32 = 1024;
        for group in (0..len).step_by(CHUNK as usize) {
            let mut scope = ptr::null_mut();
            // SAFETY: `scope` is a valid place for the new scope, closed below before any
            // other scope opened in this call.
            if unsafe { sys::napi_open_handle_scope(self.env, &mut scope) } != sys::Status::napi_ok
            {
                return Err(Fail::internal("could not open a handle scope".to_owned()));
            }
            let read = self.read_joined(group..len.min(group + CHUNK), count, &mut list);
            // SAFETY: the scope opened above, the innermost one; nothing made in it is used
            // after (the text was copied out).
            unsafe { sys::napi_close_handle_scope(self.env, scope) };
            if !read? {
                return Ok(None);
            }
        }
        Ok((list.ends.len() == count).then_some(list))
    }

    /// Appends the joined strings `range` of this array to `list` (see `joined_list`);
    /// `false` when one is no string or they hold more than `count` strings.
    fn read_joined(
        self,
        range: std::ops::Range<u32>,
        count: usize,
        list: &mut StrList,
    ) -> JsResult<bool> {
        for i in range {
            let mut el = ptr::null_mut();
            // SAFETY: an array of this call's environment; `el` is a valid place for the
            // element's handle.
            let status = unsafe { sys::napi_get_element(self.env, self.raw, i, &mut el) };
            if status != sys::Status::napi_ok {
                return Err(Fail::read_failed(ErrorKind::Url, "urls"));
            }
            if i > 0 {
                list.text.push(b'\n');
            }
            let start = list.text.len();
            if !Val::from_raw(self.env, el).append_str(&mut list.text) {
                return Ok(false);
            }
            if !push_newlines(&list.text[start..], start, &mut list.ends, count) {
                return Ok(false);
            }
            // The last string of each joined string ends where it ends.
            if list.ends.len() >= count {
                return Ok(false);
            }
            list.ends.push(list.text.len());
            if i == 0 {
                // Room for the rest at the first joined string's bytes per URL, plus some.
                let per = list.text.len() / list.ends.len() + 8;
                presize(&mut list.text, per, count.saturating_sub(list.ends.len()));
            }
        }
        Ok(true)
    }

    /// Appends the elements `range` of this array to `list`.
    fn read_strings(
        self,
        kind: ErrorKind,
        name: &str,
        range: std::ops::Range<u32>,
        list: &mut StrList,
    ) -> JsResult<()> {
        for i in range {
            let mut el = ptr::null_mut();
            let status = unsafe { sys::napi_get_element(self.env, self.raw, i, &mut el) };
            if status != sys::Status::napi_ok {
                return Err(Fail::read_failed(kind, &format!("{name}[{i}]")).at(i as usize));
            }
            let v = Val::from_raw(self.env, el);
            if !v.append_str(&mut list.text) {
                let mut f = v.wrong_type(kind, &format!("{name}[{i}]"), "a string");
                f.index = Some(i as usize);
                return Err(f);
            }
            list.ends.push(list.text.len());
            if i == 0 {
                // Room for the rest at the first element's length, plus some.
                let rest = list.ends.capacity().saturating_sub(1);
                let per = list.text.len().saturating_add(8);
                presize(&mut list.text, per, rest);
            }
        }
        Ok(())
    }

    /// Appends the string's UTF-8 text to `out` in one pass; `false` if it is no string.
    fn append_str(self, out: &mut Vec<u8>) -> bool {
        let mut units = 0usize;
        let status = unsafe {
            sys::napi_get_value_string_utf16(self.env, self.raw, ptr::null_mut(), 0, &mut units)
        };
        if status != sys::Status::napi_ok {
            return false;
        }
        // As in `str_in`: at most 3 bytes per UTF-16 unit, and room for N-API's NUL.
        let Some(cap) = units.checked_mul(3).and_then(|n| n.checked_add(1)) else {
            return false;
        };
        out.reserve(cap);
        let mut len = 0usize;
        let status = unsafe {
            let dst = out.as_mut_ptr().add(out.len());
            sys::napi_get_value_string_utf8(self.env, self.raw, dst.cast(), cap, &mut len)
        };
        if status != sys::Status::napi_ok || len >= cap {
            return false;
        }
        // SAFETY: N-API wrote `len` bytes (< the `cap` reserved) after the current end.
        unsafe { out.set_len(out.len() + len) };
        true
    }

    /// An options object (absent means empty); anything but a plain object is a TypeError.
    pub(crate) fn options(self, name: &str) -> JsResult<Opts<'static>> {
        if self.is_nullish() {
            return Ok(Opts::empty(self.env));
        }
        if self.type_of() != ValueType::Object || self.is_array() || self.is_date() {
            return Err(self.wrong_type(ErrorKind::Argument, name, "an object"));
        }
        Ok(Opts {
            env: self.env,
            src: Src::Object(self.raw),
        })
    }
}

/// Options, read field by field: from an options object, or from values the JavaScript
/// layer already took out of one (see `fast.js`).
#[derive(Clone, Copy)]
pub(crate) struct Opts<'a> {
    env: sys::napi_env,
    src: Src<'a>,
}

#[derive(Clone, Copy)]
enum Src<'a> {
    Empty,
    Object(sys::napi_value),
    Fields(&'a [(&'static CStr, Val)]),
}

impl<'a> Opts<'a> {
    pub(crate) fn empty(env: sys::napi_env) -> Self {
        Opts {
            env,
            src: Src::Empty,
        }
    }

    /// Options given as `(name, value)` pairs.
    pub(crate) fn fields(env: sys::napi_env, fields: &'a [(&'static CStr, Val)]) -> Self {
        Opts {
            env,
            src: Src::Fields(fields),
        }
    }

    /// The field's value, `None` when absent, `undefined` or `null`; an error when reading
    /// it ran JavaScript that threw (a getter, a Proxy trap).
    pub(crate) fn get(&self, field: &CStr) -> JsResult<Option<Val>> {
        let v = match self.src {
            Src::Empty => return Ok(None),
            // The same name is usually the same constant: compare addresses first.
            Src::Fields(fields) => match fields
                .iter()
                .find(|(name, _)| ptr::eq(*name, field) || *name == field)
            {
                Some(&(_, v)) => v,
                None => return Ok(None),
            },
            Src::Object(obj) => {
                let mut v = ptr::null_mut();
                let status =
                    unsafe { sys::napi_get_named_property(self.env, obj, field.as_ptr(), &mut v) };
                if status != sys::Status::napi_ok {
                    return Err(Fail::read_failed(ErrorKind::Argument, field_name(field)));
                }
                Val::from_raw(self.env, v)
            }
        };
        Ok(v.given())
    }

    pub(crate) fn string(&self, field: &CStr, kind: ErrorKind) -> JsResult<Option<String>> {
        self.get(field)?
            .map(|v| v.string(kind, field_name(field)))
            .transpose()
    }

    /// Like `string`, with the text in `buf` (no allocation for a short string).
    pub(crate) fn str_in<'b>(
        &self,
        field: &CStr,
        kind: ErrorKind,
        buf: &'b mut StrBuf,
    ) -> JsResult<Option<&'b str>> {
        match self.get(field)? {
            Some(v) => v.str_in(kind, field_name(field), buf).map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn seconds_or_date(&self, field: &CStr) -> JsResult<Option<i64>> {
        self.get(field)?
            .map(|v| v.seconds_or_date(ErrorKind::Expiry, field_name(field)))
            .transpose()
    }

    pub(crate) fn integer(&self, field: &CStr, kind: ErrorKind) -> JsResult<Option<i64>> {
        self.get(field)?
            .map(|v| v.integer(kind, field_name(field)))
            .transpose()
    }

    pub(crate) fn string_or_integer(
        &self,
        field: &CStr,
        kind: ErrorKind,
    ) -> JsResult<Option<String>> {
        self.get(field)?
            .map(|v| v.string_or_integer(kind, field_name(field)))
            .transpose()
    }

    pub(crate) fn boolean(&self, field: &CStr, kind: ErrorKind) -> JsResult<Option<bool>> {
        self.get(field)?
            .map(|v| v.boolean(kind, field_name(field)))
            .transpose()
    }

    pub(crate) fn strings(&self, field: &CStr, kind: ErrorKind) -> JsResult<Option<Vec<String>>> {
        self.get(field)?
            .map(|v| v.strings(kind, field_name(field)))
            .transpose()
    }
}

fn field_name(field: &CStr) -> &str {
    field.to_str().unwrap_or("option")
}
