//! `sign` (URLs from arguments or standard input, one output line per input) and `stream`.

use std::ffi::OsString;

use cdn_secure_token::{SignOptions, Signer};
use serde_json::json;

use crate::exit::{Failure, EXIT_INVALID, EXIT_OK};
use crate::io::{each_stdin_line, warn, Out};

/// Signs each URL into exactly one output line: the signed URL, or for a URL that cannot be
/// signed an empty line (text; the error goes to standard error with its line or argument
/// number) or an error object (`--json`). So output line N always belongs to input line N.
pub fn sign_all(
    signer: &Signer,
    urls: &[OsString],
    opts: &SignOptions<'_>,
    as_json: bool,
) -> Result<u8, Failure> {
    let mut out = Out::new();
    let mut failed = false;
    let mut one = |out: &mut Out, label: &str, input: &[u8]| {
        let result = match std::str::from_utf8(input) {
            Ok(url) => signer.sign_url(url, opts).map_err(|e| (e.to_string(), e.code())),
            Err(e) => Err((
                format!(
                    "URL is not valid UTF-8 (byte {}); write non-ASCII characters as UTF-8 or percent-encode them",
                    e.valid_up_to()
                ),
                cdn_secure_token::ErrorKind::Url.code(),
            )),
        };
        failed |= result.is_err();
        match (result, as_json) {
            (Ok(s), false) => out.line(s),
            (Ok(s), true) => out.line(
                json!({
                    "url": String::from_utf8_lossy(input),
                    "signed_url": s,
                    "expires": opts.expires,
                })
                .to_string(),
            ),
            (Err((msg, code)), true) => out.line(
                json!({ "url": String::from_utf8_lossy(input), "error": msg, "code": code })
                    .to_string(),
            ),
            (Err((msg, _)), false) => {
                // In order with the output: what came before is on its way first.
                out.flush();
                warn(&format!("{label}: {msg}"));
                out.line("")
            }
        }
    };
    if urls.is_empty() {
        each_stdin_line(&mut out, "URLs", |out, n, line| {
            one(out, &format!("line {n}"), line)
        })?;
    } else {
        for (i, url) in urls.iter().enumerate() {
            if !one(
                &mut out,
                &format!("argument {}", i + 1),
                url.as_encoded_bytes(),
            ) {
                break;
            }
        }
    }
    out.finish()?;
    Ok(if failed { EXIT_INVALID } else { EXIT_OK })
}

/// Prints one signed stream URL.
pub fn print_stream_url(url: &str) -> Result<u8, Failure> {
    let mut out = Out::new();
    out.line(url);
    out.finish()?;
    Ok(EXIT_OK)
}

/// Prints the token-refresh contract JSON the core rendered (`stream --json`).
pub fn print_stream_json(json: &str) -> Result<u8, Failure> {
    let mut out = Out::new();
    out.line(json);
    out.finish()?;
    Ok(EXIT_OK)
}
