//! The one schema of the options every face takes: their names (snake_case for Python, C and
//! PHP, camelCase for JavaScript), a line of documentation each, and the one place where a
//! value a face received from its language is checked and stored.
//!
//! A face converts each native value to a [`Value`] and calls [`SignOptions::set`] /
//! [`VerifyOptions::set`] in a loop; the type checks, ranges and error wording live here
//! only. Adding an option is one entry in [`SIGN_OPTIONS`] (or [`VERIFY_OPTIONS`]), one arm
//! in `set`, and the field in `options.rs`.

use crate::error::{Error, Result};
use crate::options::{SignOptions, TokenKind, VerifyOptions};

/// A value as a face received it from its language, before core checks it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Not given (`None`, `undefined`, `null`, a NULL pointer): the option keeps its default.
    Absent,
    /// An integer.
    Int(i64),
    /// A floating-point number (JavaScript numbers); accepted where an integer is expected
    /// when it is integral.
    Float(f64),
    /// Text.
    Text(&'a str),
    /// A boolean.
    Bool(bool),
}

impl Value<'_> {
    /// How the value is described in an error: `got text`, `got a boolean`, ...
    fn described(&self) -> &'static str {
        match self {
            Value::Absent => "nothing",
            Value::Int(_) => "an integer",
            Value::Float(f) if !f.is_finite() => "a non-finite number",
            Value::Float(f) if f.fract() != 0.0 => "a fractional number",
            Value::Float(_) => "a number out of range",
            Value::Text(_) => "text",
            Value::Bool(_) => "a boolean",
        }
    }
}

/// One option of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    /// The snake_case name: `"expires"`.
    pub name: &'static str,
    /// The JavaScript name: `"expires"`, `"keyIndex"`.
    pub camel: &'static str,
    /// One line, for stubs and `--help`.
    pub doc: &'static str,
    /// What the value stands for. A face whose language has its own types for these
    /// (Python's `datetime`, `timedelta`, `ipaddress`, an `int` speed) converts them by it;
    /// `set` checks the [`Value`] it makes either way.
    pub value: ValueKind,
}

/// What an option's value stands for ([`OptionSpec::value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A point in time: Unix seconds.
    Time,
    /// A lifetime: seconds.
    Lifetime,
    /// A client address, as text.
    Ip,
    /// A number written as text: `1m`, `20`.
    NumberText,
    /// Text.
    Text,
}

impl OptionSpec {
    /// The spec of the signing (else verifying) option `name` (snake_case); `const`, so that a
    /// face can look its parameters up when it is compiled.
    pub const fn named(name: &str) -> Option<&'static OptionSpec> {
        match spec_named(SIGN_OPTIONS, name) {
            None => spec_named(VERIFY_OPTIONS, name),
            found => found,
        }
    }
}

/// The spec of `specs` whose snake_case name is `name` (`const`: no `==` on `str` there).
const fn spec_named(specs: &'static [OptionSpec], name: &str) -> Option<&'static OptionSpec> {
    let mut i = 0;
    while i < specs.len() {
        let (a, b) = (specs[i].name.as_bytes(), name.as_bytes());
        let mut j = 0;
        while j < a.len() && j < b.len() && a[j] == b[j] {
            j += 1;
        }
        if j == a.len() && j == b.len() {
            return Some(&specs[i]);
        }
        i += 1;
    }
    None
}

/// The options of signing ([`SignOptions`]), in the order faces list them.
pub const SIGN_OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "expires",
        camel: "expires",
        doc: "absolute expiry, Unix seconds",
        value: ValueKind::Time,
    },
    OptionSpec {
        name: "ttl",
        camel: "ttl",
        doc: "lifetime in seconds from now (instead of expires)",
        value: ValueKind::Lifetime,
    },
    OptionSpec {
        name: "ip",
        camel: "ip",
        doc: "client IP to bind the link to, any valid spelling",
        value: ValueKind::Ip,
    },
    OptionSpec {
        name: "kind",
        camel: "kind",
        doc: "token kind: file (default), directory or mp4",
        value: ValueKind::Text,
    },
    OptionSpec {
        name: "speed",
        camel: "speed",
        doc: "MP4 only: the speed limit, e.g. 1m or 500k",
        value: ValueKind::NumberText,
    },
    OptionSpec {
        name: "buffer",
        camel: "buffer",
        doc: "MP4 only: seconds sent at full speed",
        value: ValueKind::NumberText,
    },
    OptionSpec {
        name: "now",
        camel: "now",
        doc: "the current Unix time (defaults to the clock)",
        value: ValueKind::Time,
    },
];

/// The options of verifying ([`VerifyOptions`]).
pub const VERIFY_OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "ip",
        camel: "ip",
        doc: "the client address the edge would see, any valid spelling",
        value: ValueKind::Ip,
    },
    OptionSpec {
        name: "now",
        camel: "now",
        doc: "the current Unix time (defaults to the clock)",
        value: ValueKind::Time,
    },
    OptionSpec {
        name: "kind",
        camel: "kind",
        doc: "the token kind the location expects: file (default), directory, mp4 or stream",
        value: ValueKind::Text,
    },
];

/// The longest option name an error repeats back.
const MAX_NAME_SHOWN: usize = 64;

/// The spec named `name` (snake or camel).
fn find(specs: &'static [OptionSpec], name: &str) -> Result<&'static str> {
    specs
        .iter()
        .find(|s| s.name == name || s.camel == name)
        .map(|s| s.name)
        .ok_or_else(|| {
            let mut end = name.len().min(MAX_NAME_SHOWN);
            while !name.is_char_boundary(end) {
                end -= 1;
            }
            Error::UnknownOption {
                name: name[..end].escape_debug().to_string(),
            }
        })
}

fn type_error(name: &'static str, expected: &'static str, v: &Value<'_>) -> Error {
    Error::OptionType {
        name,
        expected,
        got: v.described(),
    }
}

/// 2^63: every integral float below it in magnitude converts to `i64` exactly.
const TWO_63: f64 = 9.223_372_036_854_776e18;

/// An integer option: `Int`, or an integral `Float` within `i64`.
fn int(name: &'static str, v: Value<'_>) -> Result<Option<i64>> {
    const EXPECTED: &str = "an integer number of seconds";
    match v {
        Value::Absent => Ok(None),
        Value::Int(i) => Ok(Some(i)),
        Value::Float(f) if f.fract() == 0.0 && (-TWO_63..TWO_63).contains(&f) => Ok(Some(f as i64)),
        other => Err(type_error(name, EXPECTED, &other)),
    }
}

fn text<'a>(name: &'static str, v: Value<'a>) -> Result<Option<&'a str>> {
    match v {
        Value::Absent => Ok(None),
        Value::Text(s) => Ok(Some(s)),
        other => Err(type_error(name, "text", &other)),
    }
}

fn kind(v: Value<'_>) -> Result<Option<TokenKind>> {
    text("kind", v)?.map(str::parse).transpose()
}

impl<'a> SignOptions<'a> {
    /// Sets the option `name` (snake_case or camelCase, see [`SIGN_OPTIONS`]) from a value
    /// a face received. `Absent` leaves the option as it is. Errors name the field:
    /// `expires must be an integer number of seconds, got text`, `unknown option 'foo'`.
    pub fn set(&mut self, name: &str, v: Value<'a>) -> Result<()> {
        let name = find(SIGN_OPTIONS, name)?;
        match name {
            "expires" => keep(&mut self.expires, int(name, v)?),
            "ttl" => keep(&mut self.ttl, int(name, v)?),
            "now" => keep(&mut self.now, int(name, v)?),
            "ip" => keep(&mut self.ip, text(name, v)?),
            "speed" => keep(&mut self.speed, text(name, v)?),
            "buffer" => keep(&mut self.buffer, text(name, v)?),
            "kind" => {
                if let Some(k) = kind(v)? {
                    self.kind = k;
                }
            }
            _ => unreachable!("every name of SIGN_OPTIONS has an arm"),
        }
        Ok(())
    }
}

impl<'a> VerifyOptions<'a> {
    /// Sets the option `name` (snake_case or camelCase, see [`VERIFY_OPTIONS`]); as
    /// [`SignOptions::set`].
    pub fn set(&mut self, name: &str, v: Value<'a>) -> Result<()> {
        let name = find(VERIFY_OPTIONS, name)?;
        match name {
            "ip" => keep(&mut self.ip, text(name, v)?),
            "now" => keep(&mut self.now, int(name, v)?),
            "kind" => {
                if let Some(k) = kind(v)? {
                    self.kind = k;
                }
            }
            _ => unreachable!("every name of VERIFY_OPTIONS has an arm"),
        }
        Ok(())
    }
}

/// Stores a given value; an absent one leaves the field as it is.
fn keep<T>(field: &mut Option<T>, v: Option<T>) {
    if v.is_some() {
        *field = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn snake_to_camel(s: &str) -> String {
        let mut out = String::new();
        let mut up = false;
        for c in s.chars() {
            if c == '_' {
                up = true;
            } else if up {
                out.extend(c.to_uppercase());
                up = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn the_sign_schema_lists_the_seven_options() {
        let names: Vec<_> = SIGN_OPTIONS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            ["expires", "ttl", "ip", "kind", "speed", "buffer", "now"]
        );
        let names: Vec<_> = VERIFY_OPTIONS.iter().map(|s| s.name).collect();
        assert_eq!(names, ["ip", "now", "kind"]);
    }

    #[test]
    fn camel_names_are_the_camel_case_of_the_snake_names_and_accepted() {
        for spec in SIGN_OPTIONS.iter().chain(VERIFY_OPTIONS) {
            assert_eq!(spec.camel, snake_to_camel(spec.name), "{}", spec.name);
            assert!(!spec.doc.is_empty() && !spec.doc.contains('\n'));
        }
        for spec in SIGN_OPTIONS {
            let mut o = SignOptions::default();
            let v = match spec.name {
                "expires" | "ttl" | "now" => Value::Int(7),
                "kind" => Value::Text("mp4"),
                _ => Value::Text("1m"),
            };
            o.set(spec.camel, v).unwrap();
            let mut by_snake = SignOptions::default();
            by_snake.set(spec.name, v).unwrap();
            assert_eq!(format!("{o:?}"), format!("{by_snake:?}"));
            assert_ne!(
                format!("{o:?}"),
                format!("{:?}", SignOptions::default()),
                "{} was not stored",
                spec.name
            );
        }
        let mut v = VerifyOptions::default();
        v.set("ip", Value::Text("10.0.0.1")).unwrap();
        v.set("now", Value::Float(5.0)).unwrap();
        v.set("kind", Value::Text("stream")).unwrap();
        assert_eq!(v.ip, Some("10.0.0.1"));
        assert_eq!(v.now, Some(5));
        assert_eq!(v.kind, TokenKind::Stream);
    }

    #[test]
    fn every_option_has_its_value_kind() {
        let kinds: Vec<_> = SIGN_OPTIONS.iter().map(|s| (s.name, s.value)).collect();
        assert_eq!(
            kinds,
            [
                ("expires", ValueKind::Time),
                ("ttl", ValueKind::Lifetime),
                ("ip", ValueKind::Ip),
                ("kind", ValueKind::Text),
                ("speed", ValueKind::NumberText),
                ("buffer", ValueKind::NumberText),
                ("now", ValueKind::Time),
            ]
        );
        for spec in VERIFY_OPTIONS {
            let signing = SIGN_OPTIONS.iter().find(|s| s.name == spec.name).unwrap();
            assert_eq!(spec.value, signing.value, "{}", spec.name);
        }
    }

    #[test]
    fn named_finds_a_spec_by_its_snake_name() {
        const EXPIRES: Option<&OptionSpec> = OptionSpec::named("expires");
        assert_eq!(EXPIRES, Some(&SIGN_OPTIONS[0]));
        assert_eq!(OptionSpec::named("now"), Some(&SIGN_OPTIONS[6]));
        for spec in SIGN_OPTIONS.iter().chain(VERIFY_OPTIONS) {
            assert_eq!(OptionSpec::named(spec.name).unwrap().name, spec.name);
        }
        for name in ["", "expire", "expiress", "keyIndex", "Expires", "sep"] {
            assert_eq!(OptionSpec::named(name), None, "{name}");
        }
    }

    #[test]
    fn values_are_stored_in_their_fields() {
        let mut o = SignOptions::default();
        o.set("expires", Value::Int(2147483647)).unwrap();
        o.set("ttl", Value::Float(60.0)).unwrap();
        o.set("now", Value::Int(-3)).unwrap();
        o.set("ip", Value::Text("::1")).unwrap();
        o.set("kind", Value::Text("DIR")).unwrap();
        o.set("speed", Value::Text("1m")).unwrap();
        o.set("buffer", Value::Text("20")).unwrap();
        assert_eq!(o.expires, Some(2147483647));
        assert_eq!(o.ttl, Some(60));
        assert_eq!(o.now, Some(-3));
        assert_eq!(o.ip, Some("::1"));
        assert_eq!(o.kind, TokenKind::Directory);
        assert_eq!((o.speed, o.buffer), (Some("1m"), Some("20")));
        // Absent leaves what is there.
        for spec in SIGN_OPTIONS {
            o.set(spec.name, Value::Absent).unwrap();
        }
        assert_eq!(o.expires, Some(2147483647));
        assert_eq!(o.kind, TokenKind::Directory);
        assert_eq!(o.ip, Some("::1"));
    }

    #[test]
    fn a_wrong_type_names_the_field_and_what_it_got() {
        let mut o = SignOptions::default();
        let e = o.set("expires", Value::Text("soon")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "expires must be an integer number of seconds, got text"
        );
        assert_eq!(e.kind(), ErrorKind::Argument);
        let e = o.set("ttl", Value::Float(1.5)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ttl must be an integer number of seconds, got a fractional number"
        );
        let e = o.set("now", Value::Bool(true)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "now must be an integer number of seconds, got a boolean"
        );
        for f in [f64::NAN, f64::INFINITY, 1e19, -1e19] {
            assert!(o.set("expires", Value::Float(f)).is_err(), "{f}");
        }
        let e = o.set("ip", Value::Int(1)).unwrap_err();
        assert_eq!(e.to_string(), "ip must be text, got an integer");
        let e = o.set("speed", Value::Bool(false)).unwrap_err();
        assert_eq!(e.to_string(), "speed must be text, got a boolean");
        let e = o.set("kind", Value::Text("video")).unwrap_err();
        assert!(e.to_string().starts_with("kind is invalid"), "{e}");
        let mut v = VerifyOptions::default();
        let e = v.set("now", Value::Text("1")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "now must be an integer number of seconds, got text"
        );
        // Nothing was stored by the failing calls.
        assert_eq!(format!("{o:?}"), format!("{:?}", SignOptions::default()));
    }

    #[test]
    fn unknown_options_are_refused_by_name() {
        let mut o = SignOptions::default();
        let e = o.set("foo", Value::Int(1)).unwrap_err();
        assert_eq!(e.to_string(), "unknown option 'foo'");
        assert_eq!(e.kind(), ErrorKind::Argument);
        // Options of the other call are unknown here.
        let mut v = VerifyOptions::default();
        assert_eq!(
            v.set("expires", Value::Int(1)).unwrap_err().to_string(),
            "unknown option 'expires'"
        );
        // Case matters, and a long name is cut.
        assert!(o.set("Expires", Value::Int(1)).is_err());
        let long = "x".repeat(1000);
        let msg = o.set(&long, Value::Int(1)).unwrap_err().to_string();
        assert!(msg.len() < 100, "{msg}");
    }
}
