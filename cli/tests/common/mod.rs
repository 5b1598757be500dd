//! Shared by the CLI's integration tests: run the real binary, with arguments and standard
//! input as raw bytes, and a bound on how long it may take.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const BIN: &str = env!("CARGO_BIN_EXE_cdn-secure-token");

/// The binary with no key in its environment.
pub fn bin() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("CDN_SECURE_TOKEN_KEY");
    c
}

/// An argument from raw bytes (not necessarily UTF-8).
pub fn os(b: &[u8]) -> OsString {
    OsString::from_vec(b.to_vec())
}

/// Runs with `args`, the key (if any) in CDN_SECURE_TOKEN_KEY, and `stdin` (empty if None);
/// fails the test if it runs longer than 20 s.
pub fn run_os(args: &[OsString], key_env: Option<&[u8]>, stdin: Option<&[u8]>) -> Output {
    let mut c = bin();
    c.args(args);
    if let Some(k) = key_env {
        c.env("CDN_SECURE_TOKEN_KEY", os(k));
    }
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let input = child.stdin.take().unwrap();
    let data = stdin.unwrap_or_default().to_vec();
    let feeder = std::thread::spawn(move || {
        let mut input = input;
        let _ = input.write_all(&data);
    });
    let out = wait_bounded(child, Duration::from_secs(20));
    let _ = feeder.join();
    out
}

pub fn run(args: &[&str], key_env: Option<&str>, stdin: Option<&str>) -> Output {
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    run_os(&args, key_env.map(str::as_bytes), stdin.map(str::as_bytes))
}

/// Waits for `child` and collects its output; kills it and fails after `limit`.
pub fn wait_bounded(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    let mut so = child.stdout.take();
    let mut se = child.stderr.take();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(s) = so.as_mut() {
            let _ = std::io::Read::read_to_end(s, &mut v);
        }
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(s) = se.as_mut() {
            let _ = std::io::Read::read_to_end(s, &mut v);
        }
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the command ran longer than {limit:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("st-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The nginx binary; the suite's setup (tests/setup-system.sh) installs it when missing.
pub fn nginx() -> &'static str {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("nginx is required (tests/setup-system.sh installs nginx-light)")
}
