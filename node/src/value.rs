//! JavaScript values as napi-rs hands them over, and the one mapping of failures to
//! JavaScript errors.
//!
//! Arguments and option fields arrive as [`Value`]: reading one never fails on a wrong
//! type, so that the `TryFrom` conversions in `options.rs` can say which field is wrong,
//! with the class and code Node's own errors use, instead of napi-rs's generic
//! "Failed to convert" error.

use std::panic::{catch_unwind, AssertUnwindSafe};

use cdn_secure_token::{BatchError, Error as CoreError, ErrorKind, ManifestError};
use napi::bindgen_prelude::{
    Array, Env, FromNapiValue, JsObjectValue, JsValue, Object, TypeName, Uint8Array, Unknown,
    ValidateNapiValue,
};
use napi::{sys, JsError, JsRangeError, JsTypeError, Status, ValueType};

/// Largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// An argument or option field: what came, or the name of its type when it is none of the
/// types any call takes.
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
    Absent,
    Other(&'static str),
}

impl TypeName for Value {
    fn type_name() -> &'static str {
        "Value"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ValidateNapiValue for Value {}

impl FromNapiValue for Value {
    unsafe fn from_napi_value(env: sys::napi_env, raw: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs passes a value of the calling environment, and each conversion
        // below is the one for the type N-API reports for it.
        unsafe {
            let value = Unknown::from_napi_value(env, raw)?;
            Ok(match value.get_type()? {
                ValueType::String => Value::Str(String::from_napi_value(env, raw)?),
                ValueType::Number => Value::Num(f64::from_napi_value(env, raw)?),
                ValueType::Boolean => Value::Bool(bool::from_napi_value(env, raw)?),
                ValueType::Undefined | ValueType::Null => Value::Absent,
                // A Date's number is its time value (ms).
                ValueType::Object if value.is_date()? => {
                    Value::Date(value.coerce_to_number()?.get_double()?)
                }
                ValueType::Object if value.is_array()? => {
                    let array = Array::from_napi_value(env, raw)?;
                    let mut items = Vec::with_capacity(array.len() as usize);
                    for i in 0..array.len() {
                        items.push(array.get::<Value>(i)?.unwrap_or(Value::Absent));
                    }
                    Value::List(items)
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
        Fail::new(
            Class::Type,
            kind,
            format!("{name} must be {expected}, got {}", self.type_name()),
        )
    }

    /// `None` for an option not given.
    pub fn given(self) -> Option<Value> {
        match self {
            Value::Absent => None,
            v => Some(v),
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
    pub fn target_bytes(self, kind: ErrorKind, name: &str) -> Result<Vec<u8>, Fail> {
        match self {
            Value::Bytes(b) => Ok(b),
            Value::Str(s) => {
                let mut out = Vec::with_capacity(s.len());
                for c in s.chars() {
                    match u8::try_from(u32::from(c)) {
                        Ok(b) => out.push(b),
                        Err(_) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                    }
                }
                Ok(out)
            }
            v => Err(v.wrong(kind, name, "a string or a Uint8Array")),
        }
    }

    pub fn boolean(self, kind: ErrorKind, name: &str) -> Result<bool, Fail> {
        match self {
            Value::Bool(b) => Ok(b),
            v => Err(v.wrong(kind, name, "a boolean")),
        }
    }

    /// A number that must be a safe integer (`1.5`, `NaN`, `2 ** 60` are `RangeError`s, as
    /// Node's own integer arguments are). `unit` completes "a whole number", e.g. " of
    /// seconds".
    pub fn integer(self, kind: ErrorKind, name: &str, unit: &str) -> Result<i64, Fail> {
        match self {
            Value::Num(n) => whole(n, kind, name, unit),
            v => Err(v.wrong(kind, name, "a number")),
        }
    }

    /// Unix seconds from a number of seconds or a `Date` (rounded down to the second).
    pub fn seconds(self, kind: ErrorKind, name: &str) -> Result<i64, Fail> {
        match self {
            Value::Num(n) => whole(n, kind, name, " of seconds"),
            Value::Date(ms) if ms.is_finite() => Ok((ms / 1000.0).floor() as i64),
            Value::Date(_) => Err(Fail::new(
                Class::Range,
                kind,
                format!("{name} is an invalid Date"),
            )),
            v => Err(v.wrong(kind, name, "a number of seconds or a Date")),
        }
    }

    /// A string as given, or the decimal text of a whole number (MP4 `speed` / `buffer`,
    /// the stream `account`).
    pub fn text(self, kind: ErrorKind, name: &str) -> Result<String, Fail> {
        match self {
            Value::Str(s) => Ok(s),
            Value::Num(n) => Ok(whole(n, kind, name, "")?.to_string()),
            v => Err(v.wrong(kind, name, "a string or a number")),
        }
    }

    /// An array of strings; a bad item is named by its index (`verifyKeys[1]`).
    pub fn strings(self, kind: ErrorKind, name: &str) -> Result<Vec<String>, Fail> {
        match self {
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| v.string(kind, &format!("{name}[{i}]")))
                .collect(),
            v => Err(v.wrong(kind, name, "an array of strings")),
        }
    }
}

fn whole(n: f64, kind: ErrorKind, name: &str, unit: &str) -> Result<i64, Fail> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        return Ok(n as i64);
    }
    Err(Fail::new(
        Class::Range,
        kind,
        format!("{name} must be a whole number{unit} (a safe integer), got {n}"),
    ))
}

/// An options argument: napi-rs reads the `#[napi(object)]` struct's fields when it is an
/// object; anything else is kept as the type it was, for a `TypeError` naming it.
pub enum Opts<T> {
    Given(T),
    Absent,
    Wrong(&'static str),
    /// napi-rs could not read it (a required field missing): its reason.
    Unreadable(String),
}

impl<T> TypeName for Opts<T> {
    fn type_name() -> &'static str {
        "Options"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl<T: FromNapiValue> ValidateNapiValue for Opts<T> {}

impl<T: FromNapiValue> FromNapiValue for Opts<T> {
    unsafe fn from_napi_value(env: sys::napi_env, raw: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs passes a value of the calling environment.
        let value = unsafe { Unknown::from_napi_value(env, raw)? };
        Ok(match value.get_type()? {
            ValueType::Undefined | ValueType::Null => Opts::Absent,
            ValueType::Object if value.is_array()? => Opts::Wrong("an array"),
            ValueType::Object if value.is_date()? => Opts::Wrong("a Date"),
            // SAFETY: as above; an object, as the struct's conversion expects.
            ValueType::Object => match unsafe { T::from_napi_value(env, raw) } {
                Ok(t) => Opts::Given(t),
                // A throwing getter: its exception stays pending and propagates.
                Err(e) if e.status == Status::PendingException => return Err(e),
                Err(e) => Opts::Unreadable(e.reason.clone()),
            },
            // SAFETY: as above.
            _ => Opts::Wrong(unsafe { Value::from_napi_value(env, raw)? }.type_name()),
        })
    }
}

impl<T> Opts<T> {
    /// The options of a call that needs them.
    pub fn required(self, name: &str) -> Result<T, Fail> {
        let wrong = |what: String| Err(Fail::new(Class::Type, ErrorKind::Argument, what));
        match self {
            Opts::Given(t) => Ok(t),
            Opts::Absent => wrong(format!("{name} must be an object, got undefined")),
            Opts::Wrong(t) => wrong(format!("{name} must be an object, got {t}")),
            Opts::Unreadable(reason) => wrong(format!("{name}: {reason}")),
        }
    }
}

/// The options of a call where they may be left out.
pub fn or_default<T: Default>(o: Option<Opts<T>>, name: &str) -> Result<T, Fail> {
    match o {
        None | Some(Opts::Absent) => Ok(T::default()),
        Some(o) => o.required(name),
    }
}

#[derive(Clone, Copy)]
pub enum Class {
    Error,
    Type,
    Range,
}

/// A failure on its way to JavaScript: the error class Node would use, the stable code
/// (`ERR_SECURE_TOKEN_` + the core's kind code), for batches the failing index, for
/// manifests the failing line.
pub struct Fail {
    class: Class,
    code: String,
    message: String,
    index: Option<usize>,
    line: Option<usize>,
}

impl Fail {
    pub fn new(class: Class, kind: ErrorKind, message: String) -> Self {
        Fail {
            class,
            code: format!("ERR_SECURE_TOKEN_{}", kind.code()),
            message,
            index: None,
            line: None,
        }
    }

    pub fn internal() -> Self {
        Fail {
            class: Class::Error,
            code: "ERR_SECURE_TOKEN_INTERNAL".to_owned(),
            message: "internal error in cdn-secure-token (a bug: please report it)".to_owned(),
            index: None,
            line: None,
        }
    }

    pub fn at(mut self, index: usize) -> Self {
        self.message = format!("item {index}: {}", self.message);
        self.index = Some(index);
        self
    }

    /// The JavaScript error object, wrapped so that napi-rs throws or rejects with it.
    pub fn into_napi(self, env: &Env) -> napi::Error {
        let error = napi::Error::new(self.code, self.message);
        let value = match self.class {
            Class::Error => JsError::from(error).into_unknown(*env),
            Class::Type => JsTypeError::from(error).into_unknown(*env),
            Class::Range => JsRangeError::from(error).into_unknown(*env),
        };
        let mut object = Object::from_raw(env.raw(), value.raw());
        if let Some(index) = self.index {
            // Without `index` the error still says which item in its message.
            let _ = object.set_named_property("index", index as u32);
        }
        if let Some(line) = self.line {
            // Likewise `line`: the message starts with `manifest line N`.
            let _ = object.set_named_property("line", line as u32);
        }
        napi::Error::from(value)
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
        Fail::from(e.error).at(e.index)
    }
}

impl From<ManifestError> for Fail {
    fn from(e: ManifestError) -> Self {
        let message = e.to_string();
        let line = e.line;
        let mut f = Fail::from(e.error);
        f.message = message;
        f.line = Some(line);
        f
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
