//! Where the key comes from: `--key-file`, else `CDN_SECURE_TOKEN_KEY`, else `--key`. The
//! key is handed to the core as bytes (the core validates it); no message here or there
//! ever shows it.

use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use cdn_secure_token::Signer;
use clap::builder::TypedValueParser;
use clap::Args;
use zeroize::Zeroizing;

use crate::exit::{Failure, EXIT_ERROR};
use crate::io::warn;

/// A key file larger than this is not a key file (a key is at most 255 bytes); reading stops
/// here, so `--key-file /dev/zero` fails at once instead of filling memory.
pub const MAX_KEY_FILE: usize = 4096;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The `--key` value: any bytes, shown as `***` by `Debug`.
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

fn secret_parser() -> impl TypedValueParser<Value = Secret> {
    clap::builder::OsStringValueParser::new()
        .map(|s: OsString| Secret(Zeroizing::new(s.into_encoded_bytes())))
}

#[derive(Args, Debug, Clone)]
pub struct KeyArgs {
    /// Read the key from this file (one line; trailing newlines are ignored; at most 4 KiB;
    /// a UTF-8 byte order mark is refused).
    #[arg(long, value_name = "PATH", global = true)]
    pub key_file: Option<PathBuf>,
    /// The key itself (discouraged: it is kept in shell history and visible in `ps`). A key
    /// starting with '-' is taken as the value.
    #[arg(
        long,
        value_name = "KEY",
        global = true,
        allow_hyphen_values = true,
        value_parser = secret_parser()
    )]
    pub key: Option<Secret>,
    /// Also accept links signed with the key in this file (key rotation; repeatable).
    #[arg(long, value_name = "PATH", global = true)]
    pub old_key_file: Vec<PathBuf>,
    /// Print JSON, one object per line.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The key file's bytes without trailing newlines, read with a bound.
fn read_key_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let fail = |why: String| Failure(format!("key file {}: {why}", path.display()), EXIT_ERROR);
    let file = File::open(path).map_err(|e| fail(format!("cannot open it: {e}")))?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(256));
    file.take(MAX_KEY_FILE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read it: {e}")))?;
    if bytes.len() > MAX_KEY_FILE {
        return Err(fail(format!(
            "larger than {MAX_KEY_FILE} bytes; it must hold only the key, on one line"
        )));
    }
    if bytes.starts_with(BOM) {
        return Err(fail(
            "starts with a UTF-8 byte order mark (EF BB BF), which would become part of the \
             key; save the file without it"
                .to_owned(),
        ));
    }
    let end = bytes
        .iter()
        .rposition(|&b| b != b'\n' && b != b'\r')
        .map_or(0, |p| p + 1);
    bytes.truncate(end);
    Ok(bytes)
}

/// Builds the signer from the key sources in `k`. Errors name the source, never the key.
pub fn build_signer(k: &KeyArgs, allow_past: bool) -> Result<Signer, Failure> {
    let (key, source): (Zeroizing<Vec<u8>>, String) = if let Some(path) = &k.key_file {
        (read_key_file(path)?, format!("key file {}", path.display()))
    } else if let Some(v) = std::env::var_os("CDN_SECURE_TOKEN_KEY") {
        (
            Zeroizing::new(v.into_encoded_bytes()),
            "CDN_SECURE_TOKEN_KEY".to_owned(),
        )
    } else if let Some(Secret(key)) = &k.key {
        warn(
            "warning: --key is visible in shell history and process lists; prefer --key-file \
             or CDN_SECURE_TOKEN_KEY",
        );
        (key.clone(), "--key".to_owned())
    } else {
        return Err(Failure(
            "no key: pass --key-file PATH or set CDN_SECURE_TOKEN_KEY".to_owned(),
            EXIT_ERROR,
        ));
    };
    let named =
        |source: &str, e: cdn_secure_token::Error| Failure(format!("{source}: {e}"), EXIT_ERROR);
    let mut b = Signer::builder(&*key).allow_past_expiry(allow_past);
    for path in &k.old_key_file {
        let old = read_key_file(path)?;
        // Checked here so that an error names the file it came from.
        cdn_secure_token::Key::new(&*old)
            .map_err(|e| named(&format!("key file {}", path.display()), e))?;
        b = b.verify_key(&*old);
    }
    b.build().map_err(|e| named(&source, e))
}

/// The values given to `--key` on the command line, so that a usage error that quotes an
/// argument can have them blanked out before it is shown.
pub fn key_values_in(args: &[OsString]) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    let mut next_is_key = false;
    for a in args {
        let b = a.as_encoded_bytes();
        if next_is_key {
            found.push(b.to_vec());
            next_is_key = false;
        } else if b == b"--" {
            break;
        } else if b == b"--key" {
            next_is_key = true;
        } else if let Some(v) = b.strip_prefix(b"--key=") {
            found.push(v.to_vec());
        }
    }
    found.retain(|k| !k.is_empty());
    found
}

/// `text` with every occurrence of each of `secrets` (as the lossy text a message shows for
/// undecodable bytes) replaced by `***`.
pub fn redact(text: &str, secrets: &[Vec<u8>]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        out = out.replace(&*String::from_utf8_lossy(s), "***");
    }
    out
}
