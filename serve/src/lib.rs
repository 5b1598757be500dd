//! `cdn-secure-token serve`: a local edge. Serves a directory, or proxies to an origin, per
//! location, and answers every request as a CDN resource with Secure Token does: each
//! request target goes, as the raw bytes received, through the core's
//! [`Signer::verify_request`](cdn_secure_token::Signer::verify_request) with the location's
//! token kind (403/410, 400/414 where nginx answers so). See README.md.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod config;
mod handler;
pub mod raw;
mod throttle;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::Semaphore;

pub use config::{Config, ConfigError};

/// Exit status for a configuration error (as the CLI's other commands).
pub const EXIT_CONFIG: u8 = 3;
/// Exit status when the server cannot run (an address in use, ...).
pub const EXIT_RUNTIME: u8 = 1;

/// The command line of `cdn-secure-token serve`.
#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    /// Configuration file (TOML; see serve/README.md). Not with --root/--origin.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Serve this directory at / (the one-line use).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Proxy to this origin (http://host:port) instead of serving a directory.
    #[arg(long, value_name = "URL")]
    pub origin: Option<String>,
    /// Token kind of the location: file, directory, mp4, stream.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Bind tokens to the client IP.
    #[arg(long)]
    pub ip: bool,
    /// Query String Forwarding (with --kind directory): manifests come out signed.
    #[arg(long)]
    pub qsf: bool,
    /// Apply the MP4 speed/buffer of the link (with --kind mp4).
    #[arg(long)]
    pub mp4_limits: bool,
    /// Address to listen on (repeatable; default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    pub listen: Vec<String>,
    /// File holding the key (else the CDN_SECURE_TOKEN_KEY environment variable).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// A trusted proxy address or CIDR block (repeatable).
    #[arg(long, value_name = "CIDR")]
    pub trusted_proxy: Vec<String>,
    /// Validate the configuration and exit.
    #[arg(long)]
    pub check: bool,
    /// Print the core's explain (key redacted) for each denied request.
    #[arg(long)]
    pub debug: bool,
    /// Serve without verifying tokens (only to measure what verification costs).
    #[arg(long)]
    pub no_verify: bool,
}

/// Builds the configuration from the arguments (a file, or the one-line flags).
pub fn load(args: &ServeArgs) -> Result<Config, ConfigError> {
    let mut file = match &args.config {
        Some(p) => {
            if args.root.is_some() || args.origin.is_some() || args.kind.is_some() {
                return Err(ConfigError::new(
                    "--config",
                    "give either --config or --root/--origin/--kind, not both",
                ));
            }
            config::File::load(p)?
        }
        None => {
            if args.root.is_none() && args.origin.is_none() {
                return Err(ConfigError::new(
                    "--root",
                    "give --root DIR (or --origin URL, or --config FILE)",
                ));
            }
            config::File {
                locations: vec![config::LocationFile {
                    prefix: Some("/".to_owned()),
                    kind: args.kind.clone(),
                    ip: args.ip,
                    root: args.root.clone(),
                    origin: args.origin.clone(),
                    qsf: args.qsf,
                    mp4_limits: args.mp4_limits,
                    verify: None,
                }],
                ..Default::default()
            }
        }
    };
    if !args.listen.is_empty() {
        file.listen = args.listen.clone();
    } else if file.listen.is_empty() {
        file.listen = vec!["127.0.0.1:8080".to_owned()];
    }
    if let Some(k) = &args.key_file {
        file.key.file = Some(k.clone());
        file.key.env = None;
    }
    file.trusted_proxies
        .extend(args.trusted_proxy.iter().cloned());
    file.debug |= args.debug;
    if args.no_verify {
        for l in &mut file.locations {
            l.verify = Some(false);
        }
    }
    file.validate()
}

/// Runs `serve`; returns the exit status.
pub fn run(args: ServeArgs) -> u8 {
    let cfg = match load(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("serve: configuration error: {e}");
            return EXIT_CONFIG;
        }
    };
    if args.check {
        println!(
            "serve: configuration OK: {} location(s), {} key(s), listen {}",
            cfg.locations.len(),
            cfg.signer.key_count(),
            cfg.listen
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return 0;
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("serve: cannot start the runtime: {e}");
            return EXIT_RUNTIME;
        }
    };
    match rt.block_on(serve(cfg)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("serve: {e}");
            EXIT_RUNTIME
        }
    }
}

/// Serves until SIGTERM or SIGINT, then lets running requests finish (at most
/// `limits.shutdown_grace`).
pub async fn serve(cfg: Config) -> std::io::Result<()> {
    let mut listeners = Vec::new();
    for a in &cfg.listen {
        let l = TcpListener::bind(a)
            .await
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {a}: {e}")))?;
        eprintln!("serve: listening on http://{}", l.local_addr()?);
        listeners.push(l);
    }
    let limits = raw::RawLimits {
        header_timeout: cfg.limits.header_timeout,
        idle_timeout: cfg.limits.header_timeout * 6,
        max_body: cfg.limits.max_body,
    };
    let grace = cfg.limits.shutdown_grace;
    let sem = Arc::new(Semaphore::new(cfg.limits.max_connections));
    let state = Arc::new(handler::State::new(cfg));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(tokio::net::TcpStream, SocketAddr, _)>(64);
    let mut accepters = Vec::new();
    for l in listeners {
        let tx = tx.clone();
        let sem = sem.clone();
        accepters.push(tokio::spawn(async move {
            loop {
                let Ok(permit) = sem.clone().acquire_owned().await else {
                    return;
                };
                match l.accept().await {
                    Ok((s, peer)) => {
                        if tx.send((s, peer, permit)).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        eprintln!("serve: accept: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                }
            }
        }));
    }
    drop(tx);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    loop {
        tokio::select! {
            got = rx.recv() => {
                let Some((stream, peer, permit)) = got else { break };
                let _ = stream.set_nodelay(true);
                let io = TokioIo::new(raw::RawHead::new(stream, limits));
                let st = state.clone();
                let svc = hyper::service::service_fn(move |req| {
                    let st = st.clone();
                    async move { Ok::<_, std::convert::Infallible>(handler::handle(&st, peer, req).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .half_close(true)
                    .serve_connection(io, svc);
                let fut = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = fut.await;
                    drop(permit);
                });
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    for a in accepters {
        a.abort();
    }
    eprintln!(
        "serve: shutting down (waiting up to {}s for running requests)",
        grace.as_secs()
    );
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(grace) => { eprintln!("serve: grace period over; closing"); }
    }
    let _ = TokioExecutor::new();
    Ok(())
}
