//! `cdn-secure-token`: sign, verify and explain CDN Secure Token links from the command line.

use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use cdn_secure_token::{
    ExplainOptions, SignOptions, Signer, StreamKind, TokenKind, Verdict, VerifyOptions,
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::json;

mod manifest;

/// Exit status for configuration errors (bad key, bad option values).
const EXIT_ERROR: u8 = 3;
/// Exit status for command-line usage errors (sysexits' EX_USAGE).
const EXIT_USAGE: u8 = 64;

#[derive(Parser, Debug)]
#[command(
    name = "cdn-secure-token",
    version,
    about = "Sign and verify CDN Secure Token links (Gcore CDN, nginx secure_link)",
    after_help = "The key is read from --key-file, else the CDN_SECURE_TOKEN_KEY environment variable, \
                  else --key (which shows up in shell history). It is never printed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct KeyArgs {
    /// Read the key from this file (one line; a trailing newline is ignored).
    #[arg(long, value_name = "PATH", global = true)]
    key_file: Option<PathBuf>,
    /// The key itself (discouraged: it is kept in shell history and visible in `ps`).
    #[arg(long, value_name = "KEY", global = true, hide_env_values = true)]
    key: Option<String>,
    /// Also accept links signed with the key in this file (key rotation; repeatable).
    #[arg(long, value_name = "PATH", global = true)]
    old_key_file: Vec<PathBuf>,
    /// Print JSON, one object per line.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Args, Debug, Clone)]
struct ExpiryArgs {
    /// Lifetime from now: 3600, 90s, 30m, 1h, 7d.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with = "expires")]
    ttl: Option<i64>,
    /// Absolute expiry, Unix seconds.
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    expires: Option<i64>,
    /// Bind the link to this client IP (any IPv4/IPv6 spelling).
    #[arg(long)]
    ip: Option<String>,
    /// Pretend the current time is this (Unix seconds).
    #[arg(long, value_name = "UNIX_SECONDS")]
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
    Sign {
        /// Absolute URLs or paths (/dir/file.jpg?query). None: read standard input.
        urls: Vec<String>,
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
        /// MP4 speed limit, e.g. 1m or 500k (implies --mp4).
        #[arg(long)]
        speed: Option<String>,
        /// MP4 buffer in seconds sent at full speed (implies --mp4).
        #[arg(long)]
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
        #[command(flatten)]
        expiry: ExpiryArgs,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Check a link as the edge would. Exit status: 0 valid, 1 expired, 2 invalid.
    Verify {
        /// The requested URL or path-and-query.
        url: String,
        /// The client IP the edge sees.
        #[arg(long)]
        ip: Option<String>,
        /// The current time (Unix seconds); default now.
        #[arg(long, value_name = "UNIX_SECONDS")]
        now: Option<i64>,
        /// The token kind the edge location expects.
        #[arg(long, value_enum, default_value = "file")]
        kind: KindArg,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Show exactly what the edge hashes for a link (key shown as ***) and the token.
    Explain {
        /// The URL or path-and-query.
        url: String,
        /// The client IP the edge sees.
        #[arg(long)]
        ip: Option<String>,
        /// Expiry to use when the link has no expires parameter.
        #[arg(long, value_name = "UNIX_SECONDS")]
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
    /// Print an nginx secure_link location block that validates what `sign` makes.
    NginxConfig {
        /// The location prefix to protect.
        #[arg(long, default_value = "/")]
        location: String,
        /// The token kind signed for this location.
        #[arg(long, value_enum, default_value = "file")]
        kind: KindArg,
        /// Links are bound to the client IP.
        #[arg(long)]
        ip: bool,
    },
}

fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(p) => (&s[..p], &s[p..]),
        None => (s, "s"),
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
    n.checked_mul(mult)
        .ok_or_else(|| format!("'{s}' is too large"))
}

/// An error already worded for the user, with the exit status it ends the program with.
struct Failure(String, u8);

impl From<cdn_secure_token::Error> for Failure {
    fn from(e: cdn_secure_token::Error) -> Self {
        Failure(e.to_string(), EXIT_ERROR)
    }
}

fn read_key_file(path: &PathBuf) -> Result<String, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure(
            format!("cannot read key file {}: {e}", path.display()),
            EXIT_ERROR,
        )
    })?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

fn build_signer(k: &KeyArgs, allow_past: bool) -> Result<Signer, Failure> {
    let key = if let Some(path) = &k.key_file {
        read_key_file(path)?
    } else if let Some(v) = std::env::var_os("CDN_SECURE_TOKEN_KEY") {
        v.into_string().map_err(|_| {
            Failure(
                "CDN_SECURE_TOKEN_KEY is not valid UTF-8".to_owned(),
                EXIT_ERROR,
            )
        })?
    } else if let Some(key) = &k.key {
        eprintln!(
            "cdn-secure-token: warning: --key is visible in shell history and process lists; \
             prefer --key-file or CDN_SECURE_TOKEN_KEY"
        );
        key.clone()
    } else {
        return Err(Failure(
            "no key: pass --key-file PATH or set CDN_SECURE_TOKEN_KEY".to_owned(),
            EXIT_ERROR,
        ));
    };
    let mut b = Signer::builder(&key).allow_past_expiry(allow_past);
    for path in &k.old_key_file {
        b = b.verify_key(read_key_file(path)?);
    }
    Ok(b.build()?)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Failure(msg, code)) => {
            eprintln!("cdn-secure-token: {msg}");
            ExitCode::from(code)
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
            // option errors are reported once, before any input is read.
            let expires = signer.resolve_expires(&opts)?;
            if let Some(ip) = opts.ip {
                cdn_secure_token::CanonicalIp::parse(ip)?;
            }
            let opts = SignOptions {
                expires: Some(expires),
                ttl: None,
                ..opts
            };
            sign_all(&signer, &urls, &opts, key.json)
        }
        Command::Stream {
            stream,
            account,
            id,
            base,
            file,
            expiry,
            key,
        } => {
            let signer = build_signer(&key, expiry.allow_past)?;
            let opts = sign_options(&expiry);
            let url =
                signer.stream_url(&base, stream.into(), &account, &id, file.as_deref(), &opts)?;
            if key.json {
                println!("{}", json!({ "signed_url": url }));
            } else {
                println!("{url}");
            }
            Ok(0)
        }
        Command::Verify {
            url,
            ip,
            now,
            kind,
            key,
        } => {
            let signer = build_signer(&key, false)?;
            let v = signer.verify(
                &url,
                &VerifyOptions {
                    ip: ip.as_deref(),
                    now,
                    kind: kind.into(),
                },
            )?;
            print_verdict(&v, key.json);
            Ok(match v {
                Verdict::Valid { .. } => 0,
                Verdict::Expired { .. } => 1,
                Verdict::Invalid(_) => 2,
            })
        }
        Command::Explain {
            url,
            ip,
            expires,
            kind,
            key,
        } => {
            let signer = build_signer(&key, true)?;
            let ex = signer.explain(
                &url,
                &ExplainOptions {
                    ip: ip.as_deref(),
                    kind: kind.into(),
                    expires,
                },
            )?;
            if key.json {
                println!(
                    "{}",
                    json!({
                        "kind": ex.kind.as_str(),
                        "hashed_path": ex.hashed_path,
                        "expires": ex.expires,
                        "ip": ex.ip,
                        "string_to_sign": ex.string_to_sign,
                        "expected_token": ex.expected_token,
                        "found_token": ex.found_token,
                        "matches": ex.matches,
                    })
                );
            } else {
                println!("kind:           {}", ex.kind);
                println!("hashed path:    {}", ex.hashed_path);
                println!("expires:        {}", ex.expires);
                println!("client ip:      {}", ex.ip.as_deref().unwrap_or("(none)"));
                println!("string to sign: {}", ex.string_to_sign);
                println!("expected token: {}", ex.expected_token);
                match (&ex.found_token, ex.matches) {
                    (Some(t), Some(true)) => println!("link token:     {t} (matches)"),
                    (Some(t), _) => println!("link token:     {t} (DOES NOT MATCH)"),
                    (None, _) => println!("link token:     (none)"),
                }
            }
            Ok(0)
        }
        Command::SignManifest { args, expiry, key } => {
            let signer = build_signer(&key, expiry.allow_past)?;
            manifest::run(&args, &signer, sign_options(&expiry)).map_err(|m| Failure(m, EXIT_ERROR))
        }
        Command::NginxConfig { location, kind, ip } => {
            print!("{}", nginx_config(&location, kind.into(), ip));
            Ok(0)
        }
    }
}

fn print_verdict(v: &Verdict, as_json: bool) {
    if as_json {
        let reason = match v {
            Verdict::Invalid(r) => Some(r.code()),
            _ => None,
        };
        println!(
            "{}",
            json!({
                "status": v.as_str(),
                "http_status": v.status(),
                "expires": v.expires(),
                "key_index": v.key_index(),
                "reason_code": reason,
                "reason": v.reason(),
            })
        );
        return;
    }
    match v {
        Verdict::Valid { expires, key_index } => {
            println!("valid (expires {expires}, key #{key_index})")
        }
        Verdict::Expired { expires, key_index } => {
            println!("expired (expired at {expires}, key #{key_index})")
        }
        Verdict::Invalid(r) => println!("invalid: {r}"),
    }
}

fn sign_all(
    signer: &Signer,
    urls: &[String],
    opts: &SignOptions<'_>,
    as_json: bool,
) -> Result<u8, Failure> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = false;
    let mut emit = |line_no: usize, url: &str, out: &mut BufWriter<io::StdoutLock<'_>>| {
        let result = signer.sign_url(url, opts);
        let written = match (&result, as_json) {
            (Ok(s), false) => writeln!(out, "{s}"),
            (Ok(s), true) => writeln!(
                out,
                "{}",
                json!({ "url": url, "signed_url": s, "expires": opts.expires })
            ),
            (Err(e), true) => writeln!(
                out,
                "{}",
                json!({ "url": url, "error": e.to_string(), "code": e.code() })
            ),
            (Err(e), false) => {
                eprintln!("cdn-secure-token: input {line_no}: {e}");
                Ok(())
            }
        };
        failed |= result.is_err();
        written
    };
    let io_err = |e: io::Error| Failure(format!("cannot write output: {e}"), EXIT_ERROR);
    if urls.is_empty() {
        let stdin = io::stdin();
        if stdin.is_terminal() {
            eprintln!(
                "cdn-secure-token: reading URLs from standard input, one per line (Ctrl-D ends)"
            );
        }
        let mut input = io::BufReader::with_capacity(64 * 1024, stdin.lock());
        let mut line = String::new();
        let mut n = 0;
        loop {
            line.clear();
            let read = input
                .read_line(&mut line)
                .map_err(|e| Failure(format!("cannot read standard input: {e}"), EXIT_ERROR))?;
            if read == 0 {
                break;
            }
            n += 1;
            let url = line.trim_end_matches(['\n', '\r']);
            if url.trim().is_empty() {
                continue;
            }
            emit(n, url, &mut out).map_err(io_err)?;
            // Stream: flush whenever no more input is waiting, so a pipeline sees each
            // signed URL as soon as its input line arrived.
            if input.buffer().is_empty() {
                out.flush().map_err(io_err)?;
            }
        }
    } else {
        for (i, url) in urls.iter().enumerate() {
            emit(i + 1, url, &mut out).map_err(io_err)?;
        }
    }
    out.flush().map_err(io_err)?;
    Ok(u8::from(failed))
}

fn nginx_config(location: &str, kind: TokenKind, ip: bool) -> String {
    let remote = if ip { "$remote_addr" } else { "" };
    let key = "YOUR_SECRET_KEY";
    let answer = "        if ($secure_link = \"\") { return 403; }\n        if ($secure_link = \"0\") { return 410; }\n";
    let header = format!(
        "# Generated by cdn-secure-token {}: validates links made by `cdn-secure-token sign{}`.\n\
         # Replace {key} with the key (it is never printed by this tool).\n",
        cdn_secure_token::VERSION,
        match (kind, ip) {
            (TokenKind::Directory, true) => " --dir --ip CLIENT_IP",
            (TokenKind::Directory, false) => " --dir",
            (TokenKind::Mp4, true) => " --mp4 --ip CLIENT_IP",
            (TokenKind::Mp4, false) => " --mp4",
            (TokenKind::Stream, _) => "` / `cdn-secure-token stream",
            (_, true) => " --ip CLIENT_IP",
            (_, false) => "",
        }
    );
    let loc = location.trim_end_matches('/');
    match kind {
        TokenKind::File => format!(
            "{header}location {location} {{\n    secure_link $arg_md5,$arg_expires;\n    secure_link_md5 \"$secure_link_expires$uri{remote} {key}\";\n{answer}}}\n",
            answer = answer.replace("        ", "    ")
        ),
        TokenKind::Directory => format!(
            "{header}# The token covers the directory: files of that directory (not subdirectories).\n\
             location ~ ^(?<st_dir>{loc}/(?:[^/]*/)*)[^/]*$ {{\n    secure_link $arg_md5,$arg_expires;\n    secure_link_md5 \"$secure_link_expires$st_dir{remote} {key}\";\n{answer}}}\n",
            answer = answer.replace("        ", "    ")
        ),
        TokenKind::Mp4 => format!(
            "{header}location {location} {{\n    secure_link $arg_md5,$arg_expires;\n    secure_link_md5 \"${{uri}}_{key}_${{secure_link_expires}}_${{arg_speed}}_${{arg_buffer}}_{remote}\";\n{answer}    mp4;\n}}\n",
            answer = answer.replace("        ", "    ")
        ),
        TokenKind::Stream => format!(
            "{header}location ~ ^/(?:videos|cmaf|mpegts|streams)/(?<st_account>[0-9]+)_(?<st_id>[A-Za-z0-9_-]+)/(?<st_token>[A-Za-z0-9_-]+)/(?<st_expires>[0-9]+)/ {{\n    secure_link $st_token,$st_expires;\n    secure_link_md5 \"${{st_account}}_${{st_id}}_{key}_${{st_expires}}_{remote}\";\n{answer}}}\n",
            answer = answer.replace("        ", "    ")
        ),
    }
}
