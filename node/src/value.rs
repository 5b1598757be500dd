//! JavaScript values as napi-rs hands them over, checked for their JavaScript type, and the
//! one mapping of failures to JavaScript errors.
//!
//! Arguments and option fields arrive as [`Value`]: reading one never fails on a wrong type,
//! so that the error can name the field, with the class and code Node's own errors use,
//! instead of napi-rs's generic "Failed to convert" error. What a value must be beyond its
//! JavaScript type (ranges, names, IPs, kinds) the core checks.

use std::panic::{catch_unwind, AssertUnwindSafe};

use cdn_secure_token::{self as core, BatchError, Error as CoreError, ErrorKind, ManifestError};
use napi::bindgen_prelude::{
    Array, Env, FromNapiValue, JsObjectValue, JsValue, Object, Uint8Array, Unknown,
};

use crate::options::{field, Obj};
use napi::{sys, JsError, JsRangeError, JsTypeError, ValueType};

/// An argument or option field: what came, or the name of its type when it is none of the
/// types any call takes.
#[derive(Default)]
pub enum Value {
    Str(String),
    Num(f64),
    /// A `Date`: milliseconds since the epoch (NaN for an invalid one).
    Date(f64),
    Bool(bool),
    List(Vec<Value>),
    /// A `Uint8Array` (or `Buffer`): its bytes.
    Bytes(Vec<u8>),
    /// `undefined` or `null`: an option not given.
    #[default]
    Absent,
    Other(&'static str),
}

/// The JavaScript type a field takes, and the kind of error a wrong one is.
#[derive(Clone, Copy)]
pub enum Js {
    /// Unix seconds: a number or a `Date`.
    Seconds,
    /// A number of seconds.
    Count,
    /// A number.
    Whole,
    Text(ErrorKind),
    /// A string, or a number given as its decimal text (MP4 sizes, account ids).
    Size,
    Flag,
    /// An array (read as it is: `verifyKeys`).
    List,
}

impl Js {
    fn expected(self) -> &'static str {
        match self {
            Js::Seconds => "a number of seconds or a Date",
            Js::Count | Js::Whole => "a number",
            Js::Text(_) => "a string",
            Js::Size => "a string or a number",
            Js::Flag => "a boolean",
            Js::List => "an array",
        }
    }

    fn kind(self) -> ErrorKind {
        match self {
            Js::Seconds | Js::Count => ErrorKind::Expiry,
            Js::Text(kind) => kind,
            Js::Whole | Js::Size | Js::Flag | Js::List => ErrorKind::Argument,
        }
    }
}

impl FromNapiValue for Value {
    unsafe fn from_napi_value(env: sys::napi_env, raw: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs passes a value of the calling environment, and each conversion
        // below is the one for the type N-API reports for it.
        unsafe {
            let value = Unknown::from_napi_value(env, raw)?;
            Ok(match value.get_type()? {
                ValueType::String => {
                    let mut text = Vec::new();
                    napi::check_status!(append_utf8(&value, &mut text))?;
                    Value::Str(
                        String::from_utf8(text)
                            .map_err(|e| napi::Error::from_reason(e.to_string()))?,
                    )
                }
                ValueType::Number => Value::Num(f64::from_napi_value(env, raw)?),
                ValueType::Boolean => Value::Bool(bool::from_napi_value(env, raw)?),
                ValueType::Undefined | ValueType::Null => Value::Absent,
                // A Date's number is its time value (ms).
                ValueType::Object if value.is_date()? => {
                    Value::Date(value.coerce_to_number()?.get_double()?)
                }
                ValueType::Object if value.is_array()? => {
                    let array = Array::from_napi_value(env, raw)?;
                    let items = (0..array.len()).map(|i| array.get::<Value>(i));
                    let items: napi::Result<Vec<_>> = items.collect();
                    Value::List(items?.into_iter().map(Option::unwrap_or_default).collect())
                }
                ValueType::Object if value.is_typedarray()? => {
                    match Uint8Array::from_napi_value(env, raw) {
                        Ok(bytes) => Value::Bytes(bytes.to_vec()),
                        Err(_) => Value::Other("a typed array other than Uint8Array"),
                    }
                }
                ValueType::Object => Value::Other("an object"),
                ValueType::BigInt => Value::Other("a bigint"),
                ValueType::Symbol => Value::Other("a symbol"),
                ValueType::Function => Value::Other("a function"),
                _ => Value::Other("a value of another type"),
            })
        }
    }
}

/// Appends the UTF-8 of the string `raw` to `out` (lone surrogates become U+FFFD, as in
/// every N-API string), with room for 3 bytes per UTF-16 unit: V8's `WriteUtf8` copies in
/// one pass only when the room cannot run out, and drops to a checked character-by-character
/// loop otherwise. napi-rs's `String` measures the UTF-8 length first and gives the exact
/// room, which costs ~2.5x (callgrind, a 45-character URL: ~820 instructions against ~300,
/// ~12% of a prepared `signUrl`).
pub fn append_utf8(value: &Unknown<'_>, out: &mut Vec<u8>) -> sys::napi_status {
    let (env, raw) = (value.value().env, value.raw());
    let (mut units, mut written) = (0, 0);
    // SAFETY: `raw` is a value of `env` (an `Unknown` napi-rs made); the UTF-16 length is
    // asked with no buffer, and at most `room - 1` bytes (then a NUL) are written into
    // `out`'s spare capacity, `written` of them then taken as initialized.
    unsafe {
        let none = std::ptr::null_mut();
        let status = sys::napi_get_value_string_utf16(env, raw, none, 0, &mut units);
        if status != sys::Status::napi_ok {
            return status;
        }
        let room = 3 * units + 4;
        out.reserve(room);
        let at = out.as_mut_ptr().add(out.len()).cast();
        let status = sys::napi_get_value_string_utf8(env, raw, at, room, &mut written);
        if status == sys::Status::napi_ok {
            out.set_len(out.len() + written);
        }
        status
    }
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Num(_) => "a number",
            Value::Date(_) => "a Date",
            Value::Bool(_) => "a boolean",
            Value::List(_) => "an array",
            Value::Bytes(_) => "a Uint8Array",
            Value::Absent => "undefined",
            Value::Other(t) => t,
        }
    }

    pub fn wrong(&self, kind: ErrorKind, name: &str, expected: &str) -> Fail {
        let got = self.type_name();
        Fail::new(
            Class::Type,
            kind,
            format!("{name} must be {expected}, got {got}"),
        )
    }

    /// The value checked for the JavaScript type `js` takes, in the form the core reads
    /// ([`Value::core`]): a `Date` becomes its Unix second, a [`Js::Size`] number its
    /// decimal text. `Absent` stays absent.
    pub fn check(self, js: Js, name: &str) -> Result<Value, Fail> {
        let kind = js.kind();
        let whole = |n: f64| whole(n, kind, name, matches!(js, Js::Seconds | Js::Count));
        match (js, self) {
            (_, Value::Absent) => Ok(Value::Absent),
            (Js::Seconds | Js::Count | Js::Whole, Value::Num(n)) => Ok(Value::Num(whole(n)?)),
            (Js::Seconds, Value::Date(ms)) if ms.is_finite() => Ok(Value::Num((ms / 1e3).floor())),
            (Js::Seconds, Value::Date(_)) => Err(Fail::new(
                Class::Range,
                kind,
                format!("{name} is an invalid Date"),
            )),
            (Js::Size, Value::Num(n)) => Ok(Value::Str((whole(n)? as i64).to_string())),
            (Js::Text(_) | Js::Size, v @ Value::Str(_)) | (Js::Flag, v @ Value::Bool(_)) => Ok(v),
            (Js::List, v) => Ok(v),
            (js, v) => Err(v.wrong(kind, name, js.expected())),
        }
    }

    /// A checked value as the core's [`core::Value`].
    pub fn core(&self) -> core::Value<'_> {
        match self {
            Value::Str(s) => core::Value::Text(s),
            Value::Num(n) => core::Value::Int(*n as i64),
            Value::Bool(b) => core::Value::Bool(*b),
            _ => core::Value::Absent,
        }
    }

    pub fn string(self, kind: ErrorKind, name: &str) -> Result<String, Fail> {
        match self {
            Value::Str(s) => Ok(s),
            v => Err(v.wrong(kind, name, "a string")),
        }
    }

    /// A request target: a `Uint8Array`'s bytes, or a string read one character per byte
    /// (latin1, as Node's `http` module reads a request line). A character above U+00FF
    /// cannot come from a request line; it is kept as its UTF-8 bytes.
    pub fn target_bytes(self, name: &str) -> Result<Vec<u8>, Fail> {
        match self {
            Value::Bytes(b) => Ok(b),
            Value::Str(s) => Ok(s
                .chars()
                .flat_map(|c| match u8::try_from(u32::from(c)) {
                    Ok(b) => vec![b],
                    Err(_) => c.to_string().into_bytes(),
                })
                .collect()),
            v => Err(v.wrong(ErrorKind::Url, name, "a string or a Uint8Array")),
        }
    }

    /// An array of strings (none when absent); a bad item is named by its index
    /// (`verifyKeys[1]`).
    pub fn strings(self, kind: ErrorKind, name: &str) -> Result<Vec<String>, Fail> {
        match self {
            Value::Absent => Ok(Vec::new()),
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| v.string(kind, &format!("{name}[{i}]")))
                .collect(),
            v => Err(v.wrong(kind, name, "an array of strings")),
        }
    }
}

/// A safe integer (`1.5`, `NaN`, `2 ** 60` are `RangeError`s, as Node's own integer
/// arguments are).
fn whole(n: f64, kind: ErrorKind, name: &str, seconds: bool) -> Result<f64, Fail> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    if n.is_finite() && n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        return Ok(n);
    }
    let unit = if seconds { " of seconds" } else { "" };
    let text = format!("{name} must be a whole number{unit} (a safe integer), got {n}");
    Err(Fail::new(Class::Range, kind, text))
}

/// An options argument: an object's own enumerable string-keyed properties, read once (one
/// N-API call per property given, none for the options left out), or the type of what came
/// instead, for a `TypeError` naming it.
pub struct Opts(Result<Obj, &'static str>);

impl FromNapiValue for Opts {
    unsafe fn from_napi_value(env: sys::napi_env, raw: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs passes a value of the calling environment; the keys and values
        // read are values of it too.
        unsafe {
            let value = Unknown::from_napi_value(env, raw)?;
            Ok(Opts(match value.get_type()? {
                ValueType::Undefined | ValueType::Null => Err(NOT_GIVEN),
                ValueType::Object if value.is_array()? => Err("an array"),
                ValueType::Object if value.is_date()? => Err("a Date"),
                ValueType::Object => {
                    let mut keys = std::ptr::null_mut();
                    napi::check_status!(sys::napi_get_all_property_names(
                        env,
                        raw,
                        sys::KeyCollectionMode::own_only,
                        sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                        sys::KeyConversion::numbers_to_strings,
                        &mut keys,
                    ))?;
                    let keys = Array::from_napi_value(env, keys)?;
                    let mut fields = Vec::with_capacity(keys.len() as usize);
                    for i in 0..keys.len() {
                        let Some(key) = keys.get::<Unknown>(i)? else {
                            continue;
                        };
                        let (mut name, mut len) = ([0u8; 32], 0);
                        let at = name.as_mut_ptr().cast();
                        napi::check_status!(sys::napi_get_value_string_utf8(
                            env,
                            key.raw(),
                            at,
                            name.len(),
                            &mut len
                        ))?;
                        let Some((name, js)) = field(&name[..len]) else {
                            continue;
                        };
                        let mut v = std::ptr::null_mut();
                        // A throwing getter: its exception stays pending and propagates.
                        napi::check_status!(sys::napi_get_property(env, raw, key.raw(), &mut v))?;
                        fields.push((name, js, Value::from_napi_value(env, v)?));
                    }
                    Ok(Obj(fields))
                }
                _ => Err(Value::from_napi_value(env, raw)?.type_name()),
            }))
        }
    }
}

const NOT_GIVEN: &str = "undefined";

impl Opts {
    /// The options of a call that needs them.
    pub fn required(self, name: &str) -> Result<Obj, Fail> {
        self.0.map_err(|got| {
            let what = format!("{name} must be an object, got {got}");
            Fail::new(Class::Type, ErrorKind::Argument, what)
        })
    }
}

/// The options of a call where they may be left out.
pub fn or_default(o: Option<Opts>) -> Result<Obj, Fail> {
    match o {
        None | Some(Opts(Err(NOT_GIVEN))) => Ok(Obj::default()),
        Some(o) => o.required("options"),
    }
}

#[derive(Clone, Copy, Default)]
pub enum Class {
    #[default]
    Error,
    Type,
    Range,
}

/// A failure on its way to JavaScript: the error class Node would use, the stable code
/// (`ERR_SECURE_TOKEN_` + the core's kind code), for batches the failing index, for
/// manifests the failing line.
#[derive(Default)]
pub struct Fail {
    class: Class,
    code: &'static str,
    message: String,
    index: Option<usize>,
    line: Option<usize>,
    /// An error napi-rs reported (a JavaScript exception already pending), passed on as is.
    thrown: Option<Box<napi::Error>>,
}

impl Fail {
    pub fn new(class: Class, kind: ErrorKind, message: String) -> Self {
        let code = kind.code();
        Fail {
            class,
            code,
            message,
            ..Fail::default()
        }
    }

    pub fn internal() -> Self {
        let message = "internal error in cdn-secure-token (a bug: please report it)".to_owned();
        Fail {
            code: "INTERNAL",
            message,
            ..Fail::default()
        }
    }

    /// A JavaScript type error of a batch's item (the core's failures come as
    /// [`BatchError`]s, worded by the core).
    pub fn at(mut self, index: usize) -> Self {
        self.message = format!("item {index}: {}", self.message);
        self.index = Some(index);
        self
    }

    /// The JavaScript error object, wrapped so that napi-rs throws or rejects with it.
    pub fn into_napi(self, env: &Env) -> napi::Error {
        if let Some(e) = self.thrown {
            return *e;
        }
        let error = napi::Error::new(format!("ERR_SECURE_TOKEN_{}", self.code), self.message);
        let value = match self.class {
            Class::Error => JsError::from(error).into_unknown(*env),
            Class::Type => JsTypeError::from(error).into_unknown(*env),
            Class::Range => JsRangeError::from(error).into_unknown(*env),
        };
        let mut object = Object::from_raw(env.raw(), value.raw());
        // Without them the error still says which item or line in its message.
        if let Some(index) = self.index {
            let _ = object.set_named_property("index", index as u32);
        }
        if let Some(line) = self.line {
            let _ = object.set_named_property("line", line as u32);
        }
        napi::Error::from(value)
    }
}

impl From<napi::Error> for Fail {
    fn from(e: napi::Error) -> Self {
        Fail {
            thrown: Some(Box::new(e)),
            ..Fail::internal()
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
        Fail::new(class, e.kind(), e.to_string())
    }
}

impl From<BatchError> for Fail {
    fn from(e: BatchError) -> Self {
        let message = e.to_string();
        Fail {
            message,
            index: Some(e.index),
            ..Fail::from(e.error)
        }
    }
}

impl From<ManifestError> for Fail {
    fn from(e: ManifestError) -> Self {
        let (message, line) = (e.to_string(), Some(e.line));
        Fail {
            message,
            line,
            ..Fail::from(e.error)
        }
    }
}

/// Runs one call's body: a failure becomes its JavaScript error, a panic an
/// `ERR_SECURE_TOKEN_INTERNAL` error (no panic unwinds into Node).
pub fn guard<T>(env: &Env, body: impl FnOnce() -> Result<T, Fail>) -> napi::Result<T> {
    catch(body).map_err(|f| f.into_napi(env))
}

/// [`guard`] without the conversion, for work done off the JavaScript thread.
pub fn catch<T>(body: impl FnOnce() -> Result<T, Fail>) -> Result<T, Fail> {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| Err(Fail::internal()))
}
