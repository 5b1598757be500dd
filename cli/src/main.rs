//! `cdn-secure-token`: sign, verify and explain CDN Secure Token links from the command line.
//!
//! Output goes through one checked writer (`io::Out`), never `println!`, so a closed or full
//! standard output ends the program with its documented status instead of a panic.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod exit;
mod io;
mod key;
mod manifest;
mod nginx_config;
mod sign;
mod verify;

use std::ffi::OsString;
use std::process::ExitCode;

use cdn_secure_token::{ExplainOptions, SignOptions, StreamKind, TokenKind, VerifyOptions};
use clap::{Args, Parser, Subcommand, ValueEnum};

pub(crate) use exit::{Failure, EXIT_ERROR, EXIT_OK};
pub(crate) use key::{build_signer, KeyArgs};

const KEY_HELP: &str = "\
The key is read from --key-file, else the CDN_SECURE_TOKEN_KEY environment variable, else
--key (which shows up in shell history). It is never printed.";

fn after_help() -> String {
    format!("{KEY_HELP}\n\n{}", exit::EXIT_TABLE)
}

#[derive(Parser, Debug)]
#[command(
    name = "cdn-secure-token",
    version,
    about = "Sign and verify CDN Secure Token links (Gcore CDN, nginx secure_link)",
    after_help = after_help()
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct ExpiryArgs {
    /// Lifetime from now: 3600, 90s, 30m, 1h, 7d.
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = parse_duration,
        conflicts_with = "expires",
        allow_negative_numbers = true
    )]
    ttl: Option<i64>,
    /// Absolute expiry, Unix seconds.
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    expires: Option<i64>,
    /// Bind the link to this client IP (any IPv4/IPv6 spelling).
    #[arg(long)]
    ip: Option<String>,
    /// Pretend the current time is this (Unix seconds); the expiry from --ttl counts from it.
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    now: Option<i64>,
    /// Allow an expiry already in the past (for testing 410 answers).
    #[arg(long)]
    allow_past: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum KindArg {
    File,
    Directory,
    Mp4,
    Stream,
}

impl From<KindArg> for TokenKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::File => TokenKind::File,
            KindArg::Directory => TokenKind::Directory,
            KindArg::Mp4 => TokenKind::Mp4,
            KindArg::Stream => TokenKind::Stream,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum StreamArg {
    Vod,
    Cmaf,
    Mpegts,
    Streams,
}

impl From<StreamArg> for StreamKind {
    fn from(k: StreamArg) -> Self {
        match k {
            StreamArg::Vod => StreamKind::Vod,
            StreamArg::Cmaf => StreamKind::Cmaf,
            StreamArg::Mpegts => StreamKind::Mpegts,
            StreamArg::Streams => StreamKind::Streams,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sign URLs given as arguments, or one per line on standard input.
    ///
    /// One output line per input: the signed URL, or for a URL that cannot be signed an
    /// empty line (the error goes to standard error with its line number) or, with --json,
    /// an error object.
    #[command(after_help = SIGN_HELP)]
    Sign {
        /// Absolute URLs or paths (/dir/file.jpg?query). None: read standard input.
        #[arg(value_parser = clap::value_parser!(OsString))]
        urls: Vec<OsString>,
        #[command(flatten)]
        expiry: ExpiryArgs,
        #[command(flatten)]
        key: KeyArgs,
        /// Sign with the token of the URL's directory (HLS/DASH with query forwarding).
        #[arg(long, conflicts_with_all = ["mp4", "speed", "buffer"])]
        dir: bool,
        /// Sign an MP4 token (with --speed / --buffer limits).
        #[arg(long)]
        mp4: bool,
        /// MP4 speed limit in bytes per second, a size as written in the link (1M, 500K,
        /// 1000k); hashed as written, case included (implies --mp4).
        #[arg(long, value_name = "SIZE")]
        speed: Option<String>,
        /// MP4 buffer sent at full speed before the speed limit applies, a size as written
        /// in the link (10M, 500K); hashed as written, case included (implies --mp4).
        #[arg(long, value_name = "SIZE")]
        buffer: Option<String>,
    },
    /// Sign a Video Streaming path token link (VOD or live).
    Stream {
        /// vod, cmaf, mpegts or streams.
        #[arg(value_enum)]
        stream: StreamArg,
        /// Numeric account (client) id.
        account: String,
        /// Video slug or stream id.
        id: String,
        /// Scheme and host to prefix, e.g. https://demo.gvideo.io.
        #[arg(long, default_value = "")]
        base: String,
        /// File after the expiry (default master.m3u8, or playlist.m3u8 for streams).
        #[arg(long)]
        file: Option<String>,
        /// With --json (the token-refresh contract; --ip adds token_ip, client_ip, url_ip):
        /// scheme and host of the IP-bound resource for url_ip (default --base).
        #[arg(long)]
        base_ip: Option<String>,
        #[command(flatten)]
        expiry: ExpiryArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Judge a request as the edge would (exit 0 valid, 1 expired, 2 invalid).
    ///
    /// Prints valid / expired / invalid: <why>. With no TARGET, one verdict line per line
    /// of standard input.
    #[command(after_help = VERIFY_HELP)]
    Verify {
        /// What the server received: a request target as on the request line
        /// (/path?query; bytes, not necessarily UTF-8; //a/b is the path /a/b as nginx
        /// reads it), or a full URL (http://host/path?query). None: read standard input.
        #[arg(value_parser = clap::value_parser!(OsString))]
        target: Option<OsString>,
        /// The client IP the edge sees.
        #[arg(long)]
        ip: Option<String>,
        /// The current time (Unix seconds); default now.
        #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
        now: Option<i64>,
        /// The token kind the edge location expects.
        #[arg(long, value_enum, default_value = "file")]
        kind: KindArg,
        /// Read every target as received on a request line, a full URL too (absolute-form,
        /// as a proxy receives it). Without it a full URL is a link someone holds, checked
        /// as a browser would request it.
        #[arg(long)]
        received: bool,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Show exactly what the edge hashes for a link (key shown as ***) and the token.
    Explain {
        /// The URL or request target (/path?query).
        #[arg(value_parser = clap::value_parser!(OsString))]
        target: OsString,
        /// The client IP the edge sees.
        #[arg(long)]
        ip: Option<String>,
        /// Expiry to use when the link has no expires parameter.
        #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
        expires: Option<i64>,
        /// The token kind.
        #[arg(long, value_enum, default_value = "file")]
        kind: KindArg,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Sign every URI of an HLS playlist or DASH MPD (file or stdin) to standard output.
    SignManifest {
        #[command(flatten)]
        args: manifest::SignManifestArgs,
        #[command(flatten)]
        expiry: ExpiryArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// A local edge: serve a directory or proxy an origin, verifying every request (serve/README.md).
    Serve(cdn_secure_token_serve::ServeArgs),
    /// Print an nginx secure_link location block that validates what `sign` makes.
    NginxConfig {
        /// The location prefix to protect (default /; any characters: it is quoted and,
        /// for --kind directory, regex-escaped as needed). Not for --kind stream.
        #[arg(long, value_name = "PREFIX")]
        location: Option<String>,
        /// The token kind signed for this location.
        #[arg(long, value_enum, default_value = "file")]
        kind: KindArg,
        /// Links are bound to the client IP.
        #[arg(long)]
        ip: bool,
        /// Print one JSON object (the config text in "config").
        #[arg(long)]
        json: bool,
    },
}

const SIGN_HELP: &str = "\
Exit status: 0 every URL signed, 2 at least one URL could not be signed (its line is empty),
3 usage or configuration error, or output that cannot be written. A reader that closes the
pipe early (| head -1) ends the output quietly.";

const VERIFY_HELP: &str = "\
Exit status: 0 valid, 1 expired, 2 invalid (with several targets: the worst), 3 usage or
configuration error. The status stays the verdict's when the output cannot be written.";

fn parse_duration(s: &str) -> Result<i64, String> {
    let t = s.trim();
    // A sign is passed on, so that the core's own message explains why a lifetime of
    // zero or less is refused.
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(p) => (&t[..p], &t[p..]),
        None => (t, "s"),
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a duration like 3600, 90s, 30m, 1h or 7d"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(format!("unknown unit '{unit}' (use s, m, h or d)")),
    };
    let v = n
        .checked_mul(mult)
        .ok_or_else(|| format!("'{s}' is too large"))?;
    Ok(if neg { -v } else { v })
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => return ExitCode::from(usage_error(&e, &args)),
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Failure(msg, code)) => {
            io::warn(&msg);
            ExitCode::from(code)
        }
    }
}

/// Help and version go to standard output (status 0); a usage error goes to standard error
/// with status 3, with any `--key` value blanked out should the parser quote it.
fn usage_error(e: &clap::Error, args: &[OsString]) -> u8 {
    let text = key::redact(&e.render().to_string(), &key::key_values_in(args));
    if e.use_stderr() {
        let mut err = std::io::stderr().lock();
        let _ = std::io::Write::write_all(&mut err, text.as_bytes());
        EXIT_ERROR
    } else {
        let mut out = io::Out::new();
        out.text(&text);
        match out.finish() {
            Ok(()) => EXIT_OK,
            Err(Failure(msg, code)) => {
                io::warn(&msg);
                code
            }
        }
    }
}

fn sign_options<'a>(e: &'a ExpiryArgs) -> SignOptions<'a> {
    SignOptions {
        expires: e.expires,
        ttl: e.ttl,
        ip: e.ip.as_deref(),
        now: e.now,
        ..Default::default()
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Sign {
            urls,
            expiry,
            key,
            dir,
            mp4,
            speed,
            buffer,
        } => {
            let signer = build_signer(&key, expiry.allow_past)?;
            let kind = if dir {
                TokenKind::Directory
            } else if mp4 || speed.is_some() || buffer.is_some() {
                TokenKind::Mp4
            } else {
                TokenKind::File
            };
            let opts = SignOptions {
                kind,
                speed: speed.as_deref(),
                buffer: buffer.as_deref(),
                ..sign_options(&expiry)
            };
            // One expiry for the whole run, so every line of a batch expires together, and
            // option errors (expiry, IP, speed, buffer) are reported once, before any input
            // is read: the core judges the options on the root path.
            let expires = signer.token_with("/", &opts)?.expires;
            let opts = SignOptions {
                expires: Some(expires),
                ttl: None,
                ..opts
            };
            sign::sign_all(&signer, &urls, &opts, key.json)
        }
        Command::Stream {
            stream,
            account,
            id,
            base,
            file,
            base_ip,
            expiry,
            key,
        } => {
            let signer = build_signer(&key, expiry.allow_past)?;
            let opts = sign_options(&expiry);
            if key.json {
                // The token-refresh contract (issue 16), rendered by the core.
                let mut config = cdn_secure_token::RefreshConfig::new(&account, &base)?;
                if let Some(b) = &base_ip {
                    config = config.cdn_ip_url(b)?;
                }
                let t = cdn_secure_token::RefreshToken::sign(
                    &signer,
                    &config,
                    stream.into(),
                    &id,
                    file.as_deref(),
                    opts.ip,
                    &opts,
                )?;
                return sign::print_stream_json(&t.to_json());
            }
            let url =
                signer.stream_url(&base, stream.into(), &account, &id, file.as_deref(), &opts)?;
            sign::print_stream_url(&url)
        }
        Command::Verify {
            target,
            ip,
            now,
            kind,
            received,
            key,
        } => {
            let signer = build_signer(&key, false)?;
            let opts = VerifyOptions {
                ip: ip.as_deref(),
                now,
                kind: kind.into(),
            };
            verify::verify_all(&signer, target.as_ref(), received, &opts, key.json)
        }
        Command::Explain {
            target,
            ip,
            expires,
            kind,
            key,
        } => {
            let signer = build_signer(&key, true)?;
            let opts = ExplainOptions {
                ip: ip.as_deref(),
                kind: kind.into(),
                expires,
            };
            verify::explain(&signer, &target, &opts, key.json)
        }
        Command::Serve(args) => Ok(cdn_secure_token_serve::run(args)),
        Command::NginxConfig {
            location,
            kind,
            ip,
            json,
        } => {
            let kind: TokenKind = kind.into();
            let config = nginx_config::render(location.as_deref(), kind, ip)?;
            let mut out = io::Out::new();
            if json {
                out.line(
                    serde_json::json!({
                        "kind": kind.as_str(),
                        "location": location,
                        "ip": ip,
                        "key_placeholder": nginx_config::KEY_PLACEHOLDER,
                        "config": config,
                    })
                    .to_string(),
                );
            } else {
                out.text(&config);
            }
            out.finish()?;
            Ok(EXIT_OK)
        }
        Command::SignManifest { args, expiry, key } => {
            let signer = build_signer(&key, expiry.allow_past)?;
            manifest::run(&args, &signer, sign_options(&expiry))
        }
    }
}
