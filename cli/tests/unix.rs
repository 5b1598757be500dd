//! The CLI as a Unix tool: closed pipes, full disks, raw bytes on standard input, one output
//! line per input line, bounded key files, and the exit status table.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

use common::*;

const KEY: &str = "unix-test-key-42";
const FAR: &str = "2147483647";

/// A pipe whose reading end is already closed: every write to it fails with EPIPE.
fn reader_gone() -> std::io::PipeWriter {
    let (r, w) = std::io::pipe().unwrap();
    drop(r);
    w
}

fn run_into(args: &[&str], stdout: impl Into<Stdio>) -> std::process::Output {
    let child = bin()
        .args(args)
        .env("CDN_SECURE_TOKEN_KEY", KEY)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_bounded(child, Duration::from_secs(20))
}

fn signed(path: &str) -> String {
    let o = run(&["sign", path, "--expires", FAR], Some(KEY), None);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).trim().to_owned()
}

#[test]
fn closed_pipe_is_quiet_and_keeps_the_status() {
    let good = signed("/p.jpg");
    let bad = good.replace("/p.jpg", "/q.jpg");
    let expired = run(
        &["sign", "/e.jpg", "--expires", "1000", "--allow-past"],
        Some(KEY),
        None,
    );
    let expired = stdout(&expired).trim().to_owned();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["verify", &good], 0),
        (vec!["verify", &expired], 1),
        (vec!["verify", &bad], 2),
        (vec!["verify", &good, "--json"], 0),
        (vec!["explain", &good], 0),
        (vec!["explain", &good, "--json"], 0),
        (vec!["sign", "/a.jpg", "--ttl", "1h"], 0),
        (vec!["sign", "/a.jpg", "--ttl", "1h", "--json"], 0),
        (vec!["stream", "vod", "123", "abc", "--ttl", "1h"], 0),
        (vec!["nginx-config"], 0),
        (vec!["nginx-config", "--json"], 0),
        (vec!["--help"], 0),
        (vec!["sign", "--help"], 0),
        (vec!["--version"], 0),
    ];
    for (args, want) in &cases {
        let o = run_into(args, reader_gone());
        assert_eq!(o.status.code(), Some(*want), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?} must be quiet on a closed pipe");
    }
    // Standard output closed altogether (`>&-`).
    for (args, want) in &cases {
        let o = std::process::Command::new("bash")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" >&-")
            .arg(BIN)
            .args(args)
            .env("CDN_SECURE_TOKEN_KEY", KEY)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(*want), "{args:?} >&-: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?} must be quiet with stdout closed");
    }
}

#[test]
fn sign_into_head_exits_quietly() {
    // 5,000 signed URLs (~300 KB) cannot all fit in the pipe before `head` leaves. The input
    // comes from a file, so that nothing upstream is cut off.
    let dir = tempdir("head");
    let urls: String = (1..=5000).map(|i| format!("/f/{i}\n")).collect();
    std::fs::write(dir.join("urls"), urls).unwrap();
    let script = format!(
        "set -o pipefail; '{BIN}' sign --ttl 1h < '{}' | head -1",
        dir.join("urls").display()
    );
    let o = std::process::Command::new("bash")
        .args(["-c", &script])
        .env("CDN_SECURE_TOKEN_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert!(stdout(&o).starts_with("/f/1?md5="), "{}", stdout(&o));
    assert_eq!(stdout(&o).lines().count(), 1);
}

#[test]
fn full_output_is_an_error_except_for_the_verdict() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let o = run_into(&["sign", "/a.jpg", "--ttl", "1h"], full());
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("cannot write output: No space left on device"),
        "{}",
        stderr(&o)
    );
    let o = run_into(&["nginx-config"], full());
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    // verify's status is its verdict; the lost output is reported on standard error.
    let good = signed("/p.jpg");
    let o = run_into(&["verify", &good], full());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write output"), "{}", stderr(&o));
    let o = run_into(&["verify", &good.replace("p.jpg", "q.jpg")], full());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn one_output_line_per_input_line() {
    // Good, blank, failing, invalid UTF-8, good (with CRLF), good without a final newline.
    let input: &[u8] = b"/a.jpg\n\n/bad%zz\n/\xff\xfe.jpg\n/b.jpg\r\n/c.jpg";
    let o = run_os(
        &["sign".into(), "--expires".into(), FAR.into()],
        Some(KEY.as_bytes()),
        Some(input),
    );
    assert_eq!(o.status.code(), Some(2), "some lines failed");
    let out = stdout(&o);
    let lines: Vec<&str> = out.split_terminator('\n').collect();
    assert_eq!(lines.len(), 6, "{out:?}");
    assert!(lines[0].starts_with("/a.jpg?md5="));
    assert_eq!(lines[1], "");
    assert_eq!(lines[2], "");
    assert_eq!(lines[3], "");
    assert!(lines[4].starts_with("/b.jpg?md5="));
    assert!(lines[5].starts_with("/c.jpg?md5="));
    let err = stderr(&o);
    assert!(err.contains("line 2: "), "{err}");
    assert!(
        err.contains("line 3: path has an invalid percent escape"),
        "{err}"
    );
    assert!(err.contains("line 4: URL is not valid UTF-8"), "{err}");
    assert!(
        !err.contains("line 1:") && !err.contains("line 5:"),
        "{err}"
    );

    let o = run_os(
        &[
            "sign".into(),
            "--expires".into(),
            FAR.into(),
            "--json".into(),
        ],
        Some(KEY.as_bytes()),
        Some(input),
    );
    let objs: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 6);
    let codes: Vec<&str> = objs
        .iter()
        .map(|v| v["code"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        codes,
        [
            "ok",
            "INVALID_URL",
            "INVALID_PATH",
            "INVALID_URL",
            "ok",
            "ok"
        ]
    );
    assert_eq!(objs[3]["url"], "/\u{fffd}\u{fffd}.jpg");

    // Arguments too: one line each, in order.
    let o = run(
        &["sign", "/a.jpg", "/bad%zz", "/b.jpg", "--expires", FAR],
        Some(KEY),
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    let lines: Vec<&str> = out.split_terminator('\n').collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1], "");
    assert!(stderr(&o).contains("argument 2: path has an invalid percent escape"));
}

#[test]
fn verify_reads_targets_from_stdin() {
    let good = signed("/a.jpg");
    let expired = run(
        &["sign", "/e.jpg", "--expires", "1000", "--allow-past"],
        Some(KEY),
        None,
    );
    let expired = stdout(&expired).trim().to_owned();
    let input = format!("{good}\n{expired}\n\n/a.jpg\n{good}\n");
    let o = run(&["verify"], Some(KEY), Some(&input));
    assert_eq!(o.status.code(), Some(2), "the worst verdict: invalid");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(lines[0].starts_with("valid"));
    assert!(lines[1].starts_with("expired"));
    assert!(lines[2].starts_with("invalid"));
    assert!(lines[3].starts_with("invalid: no md5 token"));
    assert!(lines[4].starts_with("valid"));
    let o = run(
        &["verify"],
        Some(KEY),
        Some(&format!("{good}\n{expired}\n")),
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn verify_answers_while_input_is_still_open() {
    let good = signed("/a.jpg");
    let mut child = bin()
        .args(["verify"])
        .env("CDN_SECURE_TOKEN_KEY", KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    writeln!(input, "{good}").unwrap();
    input.flush().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("valid"), "{line}");
    drop(input);
    assert!(child.wait().unwrap().success());
}

#[test]
fn key_file_is_read_with_a_bound() {
    // /dev/zero never ends: the read must stop at the bound and fail at once.
    let o = run(
        &["sign", "/a", "--ttl", "60", "--key-file", "/dev/zero"],
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("larger than 4096 bytes"),
        "{}",
        stderr(&o)
    );
    let dir = tempdir("bound");
    let big = dir.join("big");
    std::fs::write(&big, vec![b'k'; 5000]).unwrap();
    let o = run(
        &[
            "sign",
            "/a",
            "--ttl",
            "60",
            "--key-file",
            big.to_str().unwrap(),
        ],
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("larger than 4096 bytes"));
    // A directory, and a file that is not there.
    for p in ["/", "/nonexistent/key"] {
        let o = run(&["sign", "/a", "--ttl", "60", "--key-file", p], None, None);
        assert_eq!(o.status.code(), Some(3), "{p}");
        assert!(
            stderr(&o).contains(&format!("key file {p}: cannot")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn key_file_with_a_byte_order_mark_is_refused() {
    let dir = tempdir("bom");
    let f = dir.join("k");
    std::fs::write(&f, format!("\u{feff}{KEY}\n")).unwrap();
    let o = run(
        &[
            "sign",
            "/a",
            "--ttl",
            "60",
            "--key-file",
            f.to_str().unwrap(),
        ],
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(stderr(&o).contains("byte order mark"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    // The same key without the mark, with CRLF, works and signs what the environment signs.
    std::fs::write(&f, format!("{KEY}\r\n")).unwrap();
    let a = run(
        &[
            "sign",
            "/a",
            "--expires",
            FAR,
            "--key-file",
            f.to_str().unwrap(),
        ],
        None,
        None,
    );
    assert!(a.status.success(), "{}", stderr(&a));
    let b = run(&["sign", "/a", "--expires", FAR], Some(KEY), None);
    assert_eq!(stdout(&a), stdout(&b));
    // An old key file with a mark is refused too, naming that file.
    let old = dir.join("old");
    std::fs::write(&old, format!("\u{feff}{KEY}")).unwrap();
    let o = run(
        &["verify", "/a", "--old-key-file", old.to_str().unwrap()],
        Some(KEY),
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains(&format!("key file {}", old.display())));
}

/// Every row of the documented table (exit.rs, `--help`, cli/README.md).
#[test]
fn exit_status_table() {
    let good = signed("/t.jpg");
    let other = good.replace("t.jpg", "u.jpg");
    let cases: Vec<(Vec<&str>, i32)> = vec![
        // 0
        (vec!["sign", "/a", "--ttl", "1h"], 0),
        (vec!["verify", &good], 0),
        (vec!["explain", &good], 0),
        (vec!["nginx-config"], 0),
        (vec!["--help"], 0),
        (vec!["verify", "--help"], 0),
        (vec!["--version"], 0),
        // 1
        (vec!["verify", &good, "--now", "2147483648"], 1),
        // 2
        (vec!["verify", "/t.jpg"], 2),
        (vec!["verify", &other], 2),
        (vec!["sign", "/a", "/b%zz", "--ttl", "1h"], 2),
        // 3: usage errors from the argument parser
        (vec![], 3),
        (vec!["bogus-command"], 3),
        (vec!["sign", "--bogus"], 3),
        (vec!["sign", "/a", "--ttl", "1x"], 3),
        (vec!["sign", "/a", "--ttl", "60", "--expires", FAR], 3),
        (vec!["verify", &good, "--kind", "nope"], 3),
        (vec!["verify", &good, "extra"], 3),
        (vec!["sign", "/a", "--ttl"], 3),
        // 3: bad option values, judged by the core
        (vec!["sign", "/a", "--expires", "1000"], 3),
        (vec!["sign", "/a", "--ttl", "60", "--ip", "1.2.3.4:80"], 3),
        (vec!["sign", "/a", "--ttl", "60", "--now", "-100"], 3),
        (vec!["sign", "/a", "--ttl", "0"], 3),
        (vec!["sign", "/a", "--ttl", "-60"], 3),
        (vec!["sign", "/a", "--speed", "1 M", "--ttl", "60"], 3),
        (vec!["stream", "vod", "12x", "abc", "--ttl", "60"], 3),
        (
            vec!["stream", "vod", "1", "abc", "--ttl", "60", "--now", "-100"],
            3,
        ),
        (vec!["verify", &good, "--ip", "bogus"], 3),
        (vec!["nginx-config", "--location", "no-slash"], 3),
        (
            vec!["nginx-config", "--kind", "stream", "--location", "/x/"],
            3,
        ),
    ];
    for (args, want) in cases {
        let o = run(&args, Some(KEY), None);
        assert_eq!(
            o.status.code(),
            Some(want),
            "{args:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        if want == 3 {
            assert!(!stderr(&o).is_empty(), "{args:?}: an error says why");
        }
    }
    // No key at all.
    let o = run(&["sign", "/a", "--ttl", "60"], None, None);
    assert_eq!(o.status.code(), Some(3));
    // The table is in --help.
    let help = stdout(&run(&["--help"], None, None));
    for row in [
        "0  success",
        "1  verify: expired",
        "2  verify: invalid",
        "3  usage or configuration error",
    ] {
        assert!(help.contains(row), "--help lacks {row:?}:\n{help}");
    }
}

#[test]
fn expiry_refusals_are_clear() {
    let o = run(
        &["sign", "/a", "--ttl", "60", "--now", "-100"],
        Some(KEY),
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("expires"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let o = run(&["sign", "/a", "--ttl", "-60"], Some(KEY), None);
    assert!(
        stderr(&o).contains("lifetime must be a positive"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_describes_speed_and_buffer_as_sizes() {
    let help = stdout(&run(&["sign", "--help"], None, None));
    let buffer = &help[help.find("--buffer").unwrap()..];
    let buffer = &buffer[..buffer.find("\n  -").unwrap_or(buffer.len())];
    assert!(buffer.contains("10M"), "{buffer}");
    assert!(buffer.contains("as written"), "{buffer}");
    assert!(!buffer.contains("seconds"), "{buffer}");
}

/// The core's signing refusals reach the user: a link the edge would answer 414 to and a
/// malformed host fail their line (status 2, the line number and the reason on standard
/// error); an expiry of zero or less from any --now/--ttl refuses the whole run (status 3).
#[test]
fn signing_refusals_are_reported() {
    let long = format!("/{}", "a".repeat(8190));
    let o = run(
        &["sign", "/ok.jpg", &long, "http://[::1/x", "--ttl", "60"],
        Some(KEY),
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.split_terminator('\n').collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("/ok.jpg?md5="));
    assert_eq!(&lines[1..], ["", ""]);
    let err = stderr(&o);
    assert!(err.contains("argument 2: link is too long"), "{err}");
    assert!(err.contains("414"), "{err}");
    assert!(err.contains("argument 3: URL is malformed"), "{err}");
    for now in ["-100", "-9223372036854775808"] {
        let o = run(
            &["stream", "vod", "1", "abc", "--ttl", "60", "--now", now],
            Some(KEY),
            None,
        );
        assert_eq!(o.status.code(), Some(3), "{now}");
        assert!(
            stderr(&o).contains("expires must be a positive"),
            "{}",
            stderr(&o)
        );
    }
}
