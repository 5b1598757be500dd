//! `cdn-secure-token sign-manifest`: an HLS playlist or DASH MPD in, the same manifest with
//! every URI signed out (see the core's `Signer::sign_manifest`).

use std::io::Read;
use std::path::PathBuf;

use cdn_secure_token::{ManifestOptions, Outside, SignOptions, Signer, TokenKind};
use clap::{Args, ValueEnum};

use crate::exit::{Failure, EXIT_ERROR, EXIT_OK};
use crate::io::Out;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutsideArg {
    /// Fail, naming the URI.
    Error,
    /// Leave it unsigned.
    Keep,
}

#[derive(Args, Debug, Clone)]
pub struct SignManifestArgs {
    /// The manifest file; `-` or none: standard input. The signed manifest goes to standard
    /// output.
    pub file: Option<PathBuf>,
    /// The URL the manifest is served from (relative URIs resolve against it).
    #[arg(long, value_name = "MANIFEST_URL")]
    pub url: String,
    /// One directory token (of the manifest's directory) for every URI in it, as Gcore's
    /// Query String Forwarding does; needed for DASH SegmentTemplate with $Number$/$Time$.
    #[arg(long, conflicts_with_all = ["mp4", "speed", "buffer"])]
    pub dir: bool,
    /// MP4 tokens per URI (with --speed / --buffer limits).
    #[arg(long)]
    pub mp4: bool,
    /// MP4 speed limit, e.g. 1m or 500k (implies --mp4).
    #[arg(long)]
    pub speed: Option<String>,
    /// MP4 buffer (implies --mp4).
    #[arg(long)]
    pub buffer: Option<String>,
    /// With --dir: what to do with a URI outside the manifest's directory.
    #[arg(long, value_enum, default_value = "error")]
    pub outside: OutsideArg,
    /// Sign http(s) URIs on other hosts too (default: left as they are).
    #[arg(long)]
    pub other_hosts: bool,
}

/// Reads, signs, writes. `sign` carries expiry, IP and clock from the shared flags. A
/// manifest that cannot be signed is refused whole (exit 3, nothing on standard output).
pub fn run(args: &SignManifestArgs, signer: &Signer, sign: SignOptions<'_>) -> Result<u8, Failure> {
    let mut text = String::new();
    match args.file.as_deref() {
        None => std::io::stdin().read_to_string(&mut text),
        Some(p) if p.as_os_str() == "-" => std::io::stdin().read_to_string(&mut text),
        Some(p) => std::fs::File::open(p).and_then(|mut f| f.read_to_string(&mut text)),
    }
    .map_err(|e| {
        let name = args
            .file
            .as_ref()
            .map_or("standard input".into(), |p| p.display().to_string());
        Failure(format!("cannot read {name}: {e}"), EXIT_ERROR)
    })?;
    let kind = if args.dir {
        TokenKind::Directory
    } else if args.mp4 || args.speed.is_some() || args.buffer.is_some() {
        TokenKind::Mp4
    } else {
        TokenKind::File
    };
    let opts = ManifestOptions {
        sign: SignOptions {
            kind,
            speed: args.speed.as_deref(),
            buffer: args.buffer.as_deref(),
            ..sign
        },
        outside: match args.outside {
            OutsideArg::Error => Outside::Error,
            OutsideArg::Keep => Outside::Keep,
        },
        other_hosts: args.other_hosts,
    };
    let signed = signer
        .sign_manifest(&text, &args.url, &opts)
        .map_err(|e| Failure(e.to_string(), EXIT_ERROR))?;
    let mut out = Out::new();
    out.text(&signed);
    out.finish()?;
    Ok(EXIT_OK)
}
