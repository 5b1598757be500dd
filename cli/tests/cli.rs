//! The real `cdn-secure-token` binary, run as an operator would.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::{bin, nginx, now, stderr, stdout, tempdir};

const KEY: &str = "cli-test-key-42";

/// Runs the binary and checks that the test key is not in anything it printed.
fn run(args: &[&str], key_env: Option<&str>, stdin: Option<&str>) -> Output {
    let out = common::run(args, key_env, stdin);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(KEY), "the key was echoed: {all}");
    out
}

#[test]
fn sign_matches_the_shared_vector() {
    // tests/vectors/sign.json, "documented example, no IP" (key secret-key).
    let o = run(
        &[
            "sign",
            "http://cdn.example.com/photo.jpeg",
            "--expires",
            "2147483647",
        ],
        Some("secret-key"),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "http://cdn.example.com/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647\n"
    );
}

#[test]
fn sign_reads_stdin_line_by_line_and_reports_bad_lines() {
    let o = run(
        &["sign", "--expires", "2147483647", "--json"],
        Some(KEY),
        Some("/a.jpg\n\n/b c.jpg\r\n/bad%zz\n"),
    );
    assert_eq!(o.status.code(), Some(2), "two inputs failed");
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "one object per input line");
    assert!(lines[0]["signed_url"]
        .as_str()
        .unwrap()
        .starts_with("/a.jpg?md5="));
    assert_eq!(lines[1]["url"], "");
    assert!(lines[1]["error"].is_string());
    assert!(lines[2]["signed_url"]
        .as_str()
        .unwrap()
        .starts_with("/b%20c.jpg?md5="));
    assert_eq!(lines[3]["code"], "INVALID_PATH");
}

#[test]
fn sign_streams_output_before_input_ends() {
    let mut child = bin()
        .args(["sign", "--ttl", "1h"])
        .env("CDN_SECURE_TOKEN_KEY", KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(b"/first.jpg\n").unwrap();
    input.flush().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = [0u8; 256];
    // The first signed URL arrives while stdin is still open.
    let n = out.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("/first.jpg?md5="));
    drop(input);
    assert!(child.wait().unwrap().success());
}

#[test]
fn verify_exit_codes() {
    let signed = stdout(&run(&["sign", "/v.jpg", "--ttl", "1h"], Some(KEY), None));
    let signed = signed.trim();
    let o = run(&["verify", signed], Some(KEY), None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("valid"));

    let later = (now() + 7200).to_string();
    let o = run(&["verify", signed, "--now", &later], Some(KEY), None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("expired"));

    let o = run(&["verify", signed], Some("another-key"), None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).starts_with("invalid: md5 does not match"));

    let o = run(&["verify", signed, "--json"], Some(KEY), None);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["status"], "valid");
    assert_eq!(v["http_status"], 200);
    assert_eq!(v["reason"], serde_json::Value::Null);
    assert_eq!(v["message"], serde_json::Value::Null);
    assert_eq!(v["key_index"], 0);

    let o = run(&["verify", signed, "--json"], Some("another-key"), None);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["status"], "invalid");
    assert_eq!(v["http_status"], 403);
    assert_eq!(v["reason"], "mismatch");
    assert!(v["message"]
        .as_str()
        .unwrap()
        .starts_with("md5 does not match"));

    let o = run(
        &["verify", signed, "--json", "--now", &later],
        Some(KEY),
        None,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["status"], "expired");
    assert_eq!(v["http_status"], 410);
    assert_eq!(v["reason"], "expired");
}

#[test]
fn key_rotation_through_old_key_file() {
    let dir = tempdir("rotation");
    let old = dir.join("old.key");
    std::fs::write(&old, "old-key-123\n").unwrap();
    let signed = stdout(&run(
        &["sign", "/r.jpg", "--ttl", "60"],
        Some("old-key-123"),
        None,
    ));
    let o = run(
        &[
            "verify",
            signed.trim(),
            "--old-key-file",
            old.to_str().unwrap(),
            "--json",
        ],
        Some(KEY),
        None,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["status"], "valid");
    assert_eq!(v["key_index"], 1);
}

#[test]
fn explain_hides_the_key() {
    let o = run(
        &[
            "explain",
            "/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647",
        ],
        Some("secret-key"),
        None,
    );
    let s = stdout(&o);
    assert!(
        s.contains("string to sign: 2147483647/photo.jpeg ***"),
        "{s}"
    );
    assert!(s.contains("(matches)"));
    assert!(s.contains("edge verdict:   200 valid"), "{s}");
    assert!(!s.contains("secret-key"));
}

/// explain says what the edge answers, also where a token can be computed over a link the
/// edge refuses (issue 10, item 9: expires=-1 was explained as if fine).
#[test]
fn explain_shows_the_edge_verdict() {
    let o = run(
        &[
            "explain",
            "/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=-1",
        ],
        Some("secret-key"),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("edge verdict:   403 invalid: expires is not a positive"),
        "{}",
        stdout(&o)
    );
    let o = run(
        &[
            "explain",
            "/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647",
            "--json",
        ],
        Some("secret-key"),
        None,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["matches"], true);
    assert_eq!(v["verdict"]["status"], "valid");
    assert_eq!(v["verdict"]["http_status"], 200);
    // A '//' target is a path to nginx (`//private/photo.jpeg` is `/private/photo.jpeg`);
    // explain shows that path, and the token for /photo.jpeg does not match it.
    let o = run(
        &[
            "explain",
            "//private/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647",
            "--json",
        ],
        Some("secret-key"),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["hashed_path"], "/private/photo.jpeg");
    assert_eq!(v["matches"], false);
    assert_eq!(v["verdict"]["http_status"], 403);
    assert_eq!(v["verdict"]["reason"], "mismatch");
}

#[test]
fn key_sources_and_key_errors() {
    // No key at all.
    let o = run(&["sign", "/a", "--ttl", "60"], None, None);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("no key"));
    // --key works but warns.
    let o = run(&["sign", "/a", "--ttl", "60", "--key", KEY], None, None);
    assert!(o.status.success());
    assert!(stderr(&o).contains("warning: --key is visible"));
    // --key-file wins over the environment.
    let dir = tempdir("keyfile");
    let f = dir.join("k");
    std::fs::write(&f, format!("{KEY}\n")).unwrap();
    let a = run(
        &[
            "sign",
            "/a",
            "--expires",
            "2147483647",
            "--key-file",
            f.to_str().unwrap(),
        ],
        Some("other-key"),
        None,
    );
    let b = run(&["sign", "/a", "--expires", "2147483647"], Some(KEY), None);
    assert_eq!(stdout(&a), stdout(&b));
    // A short key is refused without showing it.
    let o = run(&["sign", "/a", "--ttl", "60"], Some("abc"), None);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("too short"));
    assert!(!stderr(&o).contains("abc\""));
    // Missing key file.
    let o = run(
        &["sign", "/a", "--ttl", "60", "--key-file", "/nonexistent/k"],
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn bad_options_are_clear_errors() {
    let o = run(
        &["sign", "/a", "--expires", "1700000000000"],
        Some(KEY),
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("milliseconds"), "{}", stderr(&o));
    let o = run(&["sign", "/a", "--ttl", "1x"], Some(KEY), None);
    assert_eq!(
        o.status.code(),
        Some(3),
        "usage errors exit 3 like the others"
    );
    let o = run(
        &["sign", "/a", "--ttl", "60", "--ip", "1.2.3.4:80"],
        Some(KEY),
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("port"));
    let o = run(&["sign", "/a", "--expires", "1000"], Some(KEY), None);
    assert!(stderr(&o).contains("in the past"));
    let o = run(
        &["sign", "/a", "--expires", "1000", "--allow-past"],
        Some(KEY),
        None,
    );
    assert!(o.status.success());
    let o = run(
        &["verify", "/a?md5=x&expires=1", "--ip", "bogus"],
        Some(KEY),
        None,
    );
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn version_is_the_workspace_version() {
    let o = run(&["--version"], None, None);
    let cargo =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml"))
            .unwrap();
    let line = cargo.lines().find(|l| l.starts_with("version = ")).unwrap();
    let v = line.trim_start_matches("version = ").trim_matches('"');
    assert_eq!(stdout(&o).trim(), format!("cdn-secure-token {v}"));
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_status(port: u16, path: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    resp.split_whitespace()
        .nth(1)
        .unwrap_or("0")
        .parse()
        .unwrap()
}

/// `nginx-config` output, put into a real nginx: what `sign` makes gets 200, tampered 403,
/// expired 410.
#[test]
fn nginx_config_validates_what_sign_makes() {
    let nginx = nginx();
    let dir = tempdir("nginx");
    let port = 18480 + (std::process::id() % 100) as u16;
    let mut locations = String::new();
    for args in [
        vec!["--location", "/f/", "--kind", "file"],
        vec!["--location", "/i/", "--kind", "file", "--ip"],
        vec!["--location", "/d", "--kind", "directory"],
        vec!["--location", "/m/", "--kind", "mp4"],
        vec!["--kind", "stream"],
        // Locations that mean something to nginx's parser or to PCRE.
        vec!["--location", "/we ird{1};\"$x\"'(é)/", "--kind", "file"],
        vec!["--location", "/d.x/", "--kind", "directory"],
        vec!["--location", "/w (d){2}+/", "--kind", "directory"],
    ] {
        let mut a = vec!["nginx-config"];
        a.extend(args);
        let block = stdout(&run(&a, None, None)).replace("YOUR_SECRET_KEY", KEY);
        let block = block.replace("    mp4;\n", "");
        // Answer 200 where the block would serve the file.
        let end = block.rfind('}').unwrap();
        locations.push_str(&block[..end]);
        locations.push_str("    return 200 \"ok\\n\";\n}\n");
    }
    let conf = format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\nerror_log {d}/error.log;\npid {d}/nginx.pid;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};\n\
         server {{\n listen 127.0.0.1:{port};\n{locations}\n location / {{ return 404; }}\n }}\n}}\n",
        d = dir.display()
    );
    std::fs::write(dir.join("nginx.conf"), &conf).unwrap();
    let child = Command::new(nginx)
        .args([
            "-p",
            dir.to_str().unwrap(),
            "-c",
            dir.join("nginx.conf").to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _guard = Nginx(child);
    let mut up = false;
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        up,
        "nginx did not start: {conf}\n{:?}",
        std::fs::read_to_string(dir.join("error.log"))
    );

    let sign = |args: &[&str]| {
        let mut a = vec!["sign"];
        a.extend_from_slice(args);
        let o = run(&a, Some(KEY), None);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o).trim().to_string()
    };
    let old = (now() - 100).to_string();
    let cases: Vec<(String, u16)> = vec![
        (sign(&["/f/a b/ü.jpg", "--ttl", "1h"]), 200),
        (sign(&["/f/x.jpg", "--expires", &old, "--allow-past"]), 410),
        (sign(&["/i/x.jpg", "--ttl", "1h", "--ip", "127.0.0.1"]), 200),
        (sign(&["/i/x.jpg", "--ttl", "1h", "--ip", "127.0.0.2"]), 403),
        (sign(&["/d/v1/index.m3u8", "--ttl", "1h", "--dir"]), 200),
        (
            sign(&[
                "/m/movie.mp4",
                "--ttl",
                "1h",
                "--speed",
                "1m",
                "--buffer",
                "10",
            ]),
            200,
        ),
        (sign(&["/m/movie.mp4", "--ttl", "1h", "--mp4"]), 200),
    ];
    for (url, want) in &cases {
        assert_eq!(http_status(port, url), *want, "{url}");
    }
    // The locations match what they say, literally: '.' in the directory regex is a dot.
    let weird = sign(&["/we ird{1};\"$x\"'(é)/a.jpg", "--ttl", "1h"]);
    assert_eq!(http_status(port, &weird), 200, "{weird}");
    assert_eq!(http_status(port, &weird.replace("md5=", "md5=x")), 403);
    let dotted = sign(&["/d.x/v1/i.m3u8", "--ttl", "1h", "--dir"]);
    assert_eq!(http_status(port, &dotted), 200, "{dotted}");
    let not_dotted = sign(&["/dXx/v1/i.m3u8", "--ttl", "1h", "--dir"]);
    assert_eq!(http_status(port, &not_dotted), 404, "{not_dotted}");
    let group = sign(&["/w (d){2}+/v1/i.m3u8", "--ttl", "1h", "--dir"]);
    assert_eq!(http_status(port, &group), 200, "{group}");
    let q = &group[group.find('?').unwrap()..];
    assert_eq!(
        http_status(port, &format!("/w%20(d){{2}}+/v1/s.ts{q}")),
        200
    );
    assert_eq!(http_status(port, &format!("/w%20dd+/v1/s.ts{q}")), 404);
    // A directory token also opens other files of the directory, not subdirectories.
    let dir_url = &cases[4].0;
    let query = &dir_url[dir_url.find('?').unwrap()..];
    assert_eq!(http_status(port, &format!("/d/v1/seg-7.ts{query}")), 200);
    assert_eq!(
        http_status(port, &format!("/d/v1/sub/seg-7.ts{query}")),
        403
    );
    // Tampering: path, then token.
    let f = &cases[0].0;
    assert_eq!(http_status(port, &f.replace("a%20b", "a%20c")), 403);
    let t = f.find("md5=").unwrap() + 4;
    let mut tampered = f.clone();
    let c = if &f[t..t + 1] == "A" { "B" } else { "A" };
    tampered.replace_range(t..t + 1, c);
    assert_eq!(http_status(port, &tampered), 403);
    // Stream path tokens.
    let o = run(
        &["stream", "vod", "123", "abc", "--ttl", "1h"],
        Some(KEY),
        None,
    );
    let s = stdout(&o).trim().to_string();
    assert_eq!(http_status(port, &s), 200, "{s}");
    assert_eq!(http_status(port, &s.replace("123_abc", "123_abd")), 403);
}
