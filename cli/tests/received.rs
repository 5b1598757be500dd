//! `verify` judges what a server received, as nginx reads it (docs/scheme.md §2a): a target
//! starting with `/` is a path even when it starts with `//`, the target is bytes, a raw
//! space is a 400 and an over-long request line a 414.

mod common;

use std::ffi::OsString;

use common::*;

const KEY: &str = "received-test-key";
const FAR: &str = "2147483647";

fn query_of(link: &str) -> &str {
    &link[link.find('?').unwrap()..]
}

fn sign(path: &str) -> String {
    let o = run(&["sign", path, "--expires", FAR], Some(KEY), None);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).trim().to_owned()
}

fn verify_json(target: &[u8]) -> (i32, serde_json::Value) {
    let o = run_os(
        &["verify".into(), os(target), "--json".into()],
        Some(KEY.as_bytes()),
        None,
    );
    let v = serde_json::from_str(stdout(&o).trim())
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (o.status.code().unwrap(), v)
}

/// The `//` authorization bypass: a token for /x.jpg must not open //private/x.jpg (nginx's
/// `$uri` is /private/x.jpg, so nginx answers 403), and //x.jpg is /x.jpg (nginx: 200).
#[test]
fn a_double_slash_target_is_a_path() {
    let q = query_of(&sign("/x.jpg")).to_owned();
    let (code, v) = verify_json(format!("//private/x.jpg{q}").as_bytes());
    assert_eq!((code, v["status"].as_str()), (2, Some("invalid")), "{v}");
    assert_eq!(v["http_status"], 403);
    let (code, v) = verify_json(format!("//x.jpg{q}").as_bytes());
    assert_eq!((code, v["status"].as_str()), (0, Some("valid")), "{v}");
    let (code, _) = verify_json(format!("///x.jpg{q}").as_bytes());
    assert_eq!(code, 0);
    // A directory token for / does not open first-level directories through //.
    let o = run(
        &["sign", "/a.m3u8", "--expires", FAR, "--dir"],
        Some(KEY),
        None,
    );
    let dq = query_of(stdout(&o).trim()).to_owned();
    let o = run(
        &[
            "verify",
            &format!("//private/a.ts{dq}"),
            "--kind",
            "directory",
        ],
        Some(KEY),
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let o = run(
        &["verify", &format!("//a.ts{dq}"), "--kind", "directory"],
        Some(KEY),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// Raw bytes that are not UTF-8 get the edge's verdict (nginx serves them), from an
/// argument and from a stdin line, instead of a usage error.
#[test]
fn raw_invalid_utf8_gets_a_verdict() {
    // The signer percent-encodes the byte; the client may send it raw.
    let link = sign("/b%FF.jpg");
    assert!(link.starts_with("/b%FF.jpg?"), "{link}");
    let q = query_of(&link).to_owned();
    let raw = [b"/b\xff.jpg".as_slice(), q.as_bytes()].concat();
    let (code, v) = verify_json(&raw);
    assert_eq!((code, v["status"].as_str()), (0, Some("valid")), "{v}");
    let (code, v) = verify_json(&[b"/c\xff.jpg".as_slice(), q.as_bytes()].concat());
    assert_eq!((code, v["reason"].as_str()), (2, Some("mismatch")), "{v}");
    // The same through standard input, with a bad line between good ones.
    let input = [raw.as_slice(), b"\n/\xfe\xfe\n", raw.as_slice(), b"\n"].concat();
    let o = run_os(
        &[OsString::from("verify")],
        Some(KEY.as_bytes()),
        Some(&input),
    );
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("valid"), "{out}");
    assert!(lines[1].starts_with("invalid"), "{out}");
    assert!(lines[2].starts_with("valid"), "{out}");
    assert_eq!(o.status.code(), Some(2));
}

/// nginx ends the target at a raw space and answers 400; a request line over 8 KiB is 414.
#[test]
fn what_nginx_answers_400_or_414_to_is_invalid() {
    let link = sign("/a b.jpg");
    let raw = link.replace("%20", " ");
    let (code, v) = verify_json(raw.as_bytes());
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["http_status"], 400, "{v}");
    assert_eq!(v["reason"], "bad_request", "{v}");
    let long = format!(
        "/{}.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires={FAR}",
        "a".repeat(9000)
    );
    let (code, v) = verify_json(long.as_bytes());
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["http_status"], 414, "{v}");
    assert_eq!(v["reason"], "uri_too_long", "{v}");
}

/// A full URL is still "a link I hold".
#[test]
fn a_full_url_is_verified_as_a_link() {
    let link = sign("https://cdn.example.com/x.jpg");
    let (code, v) = verify_json(link.as_bytes());
    assert_eq!((code, v["status"].as_str()), (0, Some("valid")), "{v}");
    let q = query_of(&link).to_owned();
    let (code, _) = verify_json(format!("https://cdn.example.com/y.jpg{q}").as_bytes());
    assert_eq!(code, 2);
}

/// With --received a full URL is an absolute-form request target, as a proxy receives it:
/// nginx answers 400 to userinfo in it, while the same text as a link is what a browser
/// would request (the path), so it is valid.
#[test]
fn received_reads_a_full_url_as_a_request_target() {
    let q = query_of(&sign("/x.jpg")).to_owned();
    let url = format!("http://a@b/x.jpg{q}");
    let (code, v) = verify_json(url.as_bytes());
    assert_eq!((code, v["status"].as_str()), (0, Some("valid")), "{v}");
    let o = run(&["verify", "--received", &url, "--json"], Some(KEY), None);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(o.status.code(), Some(2), "{v}");
    assert_eq!(v["http_status"], 400, "{v}");
    // A plain absolute-form target is judged like its origin-form.
    let o = run(
        &[
            "verify",
            "--received",
            &format!("http://cdn.example.com//x.jpg{q}"),
        ],
        Some(KEY),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}
