//! `verify` and `explain`: judge what a server received, as the edge would.

use std::ffi::OsString;

use cdn_secure_token::{ExplainOptions, InvalidReason, Signer, Verdict, VerifyOptions};
use serde_json::json;

use crate::exit::{Failure, EXIT_ERROR, EXIT_EXPIRED, EXIT_INVALID, EXIT_OK};
use crate::io::{each_stdin_line, warn, Out};

/// The verdict for one target, as bytes. A full URL (`scheme://host/...`, UTF-8) is a link
/// someone holds, checked by the core's link entry, unless `received` says it came on a
/// request line (absolute-form, as a proxy receives it). Anything else is what a server
/// received on its request line, judged by the core's received-request entry: a target
/// starting with `/` (origin-form; `//a/b` is the path `/a/b`, as nginx reads it), bytes
/// that are not UTF-8, and whatever nginx answers 400 to.
pub fn verdict_for(
    signer: &Signer,
    target: &[u8],
    received: bool,
    opts: &VerifyOptions<'_>,
) -> Verdict {
    match std::str::from_utf8(target) {
        Ok(url) if !received && is_full_url(target) => match signer.verify(url, opts) {
            Ok(v) => v,
            // The only error is a malformed client IP, which the caller checked first.
            Err(e) => Verdict::Invalid(InvalidReason::BadRequest(e)),
        },
        _ => signer.verify_request(target, opts),
    }
}

/// `scheme://` at the start (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`).
fn is_full_url(t: &[u8]) -> bool {
    let Some(colon) = t.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && t[0].is_ascii_alphabetic()
        && t[1..colon]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        && t[colon + 1..].starts_with(b"//")
}

/// The exit status for a verdict (0 valid, 1 expired, 2 invalid).
pub fn exit_status(v: &Verdict) -> u8 {
    match v {
        Verdict::Valid { .. } => EXIT_OK,
        Verdict::Expired { .. } => EXIT_EXPIRED,
        _ => EXIT_INVALID,
    }
}

/// One output line for a verdict. The JSON fields are the ones every face exposes.
pub fn verdict_line(v: &Verdict, as_json: bool) -> String {
    if as_json {
        return json!({
            "status": v.as_str(),
            "http_status": v.status(),
            "reason": v.reason_code(),
            "message": v.message(),
            "expires": v.expires(),
            "key_index": v.key_index(),
        })
        .to_string();
    }
    match v {
        Verdict::Valid { expires, key_index } => {
            format!("valid (expires {expires}, key #{key_index})")
        }
        Verdict::Expired { expires, key_index } => {
            format!("expired (expired at {expires}, key #{key_index})")
        }
        _ => format!(
            "invalid: {}",
            v.message().unwrap_or_else(|| v.as_str().to_owned())
        ),
    }
}

/// `verify`: one verdict line per target (the argument, or each line of standard input).
/// The exit status is the worst verdict: 2 if any target is invalid, else 1 if any expired.
/// It stays the verdict's even when the output cannot be written.
pub fn verify_all(
    signer: &Signer,
    target: Option<&OsString>,
    received: bool,
    opts: &VerifyOptions<'_>,
    as_json: bool,
) -> Result<u8, Failure> {
    // A malformed --ip is the caller's mistake, not the client's: refuse it up front.
    if let Some(ip) = opts.ip {
        cdn_secure_token::CanonicalIp::parse(ip)
            .map_err(|e| Failure(format!("--ip: {e}"), EXIT_ERROR))?;
    }
    let mut out = Out::new();
    let mut worst = EXIT_OK;
    let mut one = |out: &mut Out, t: &[u8]| {
        let v = verdict_for(signer, t, received, opts);
        worst = worst.max(exit_status(&v));
        out.line(verdict_line(&v, as_json))
    };
    match target {
        Some(t) => {
            one(&mut out, t.as_encoded_bytes());
        }
        None => each_stdin_line(&mut out, "request targets", |out, _, line| one(out, line))?,
    }
    if let Err(Failure(msg, _)) = out.finish() {
        warn(&msg);
    }
    Ok(worst)
}

/// `explain`: what the edge hashes for a link, the key shown as `***`, and the edge's
/// verdict on it.
pub fn explain(
    signer: &Signer,
    target: &OsString,
    opts: &ExplainOptions<'_>,
    as_json: bool,
) -> Result<u8, Failure> {
    let bytes = target.as_encoded_bytes();
    if let Some(ip) = opts.ip {
        cdn_secure_token::CanonicalIp::parse(ip)
            .map_err(|e| Failure(format!("--ip: {e}"), EXIT_ERROR))?;
    }
    // Read as `verify` reads it: a full URL is a link someone holds; anything else (`//a/b`
    // is the path `/a/b`, bytes that are not UTF-8) is a received request target.
    let ex = match std::str::from_utf8(bytes) {
        Ok(url) if is_full_url(bytes) => signer.explain(url, opts)?,
        _ => signer.explain_request(bytes, opts)?,
    };
    let verdict = verdict_for(
        signer,
        bytes,
        false,
        &VerifyOptions {
            ip: opts.ip,
            now: None,
            kind: opts.kind,
        },
    );
    let mut out = Out::new();
    if as_json {
        out.line(
            json!({
                "kind": ex.kind.as_str(),
                "hashed_path": ex.hashed_path,
                "expires": ex.expires,
                "ip": ex.ip,
                "string_to_sign": ex.string_to_sign,
                "expected_token": ex.expected_token,
                "found_token": ex.found_token,
                "matches": ex.matches,
                "verdict": {
                    "status": verdict.as_str(),
                    "http_status": verdict.status(),
                    "reason": verdict.reason_code(),
                    "message": verdict.message(),
                },
            })
            .to_string(),
        );
    } else {
        let token = match (&ex.found_token, ex.matches) {
            (Some(t), Some(true)) => format!("{t} (matches)"),
            (Some(t), _) => format!("{t} (DOES NOT MATCH)"),
            (None, _) => "(none)".to_owned(),
        };
        out.text(&format!(
            "kind:           {}\nhashed path:    {}\nexpires:        {}\nclient ip:      {}\n\
             string to sign: {}\nexpected token: {}\nlink token:     {token}\n\
             edge verdict:   {} {}\n",
            ex.kind,
            ex.hashed_path,
            ex.expires,
            ex.ip.as_deref().unwrap_or("(none)"),
            ex.string_to_sign,
            ex.expected_token,
            verdict.status(),
            verdict_line(&verdict, false),
        ));
    }
    out.finish()?;
    Ok(EXIT_OK)
}
