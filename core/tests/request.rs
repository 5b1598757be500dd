//! The received-request entry (`verify_request`, `verify_decoded`) rule by rule, and the
//! signing refusals of issue 10. Every expected status below is what a real nginx 1.22.1
//! (`tests/nginx/edge.sh`, location `/file/`) answered to the same raw request line
//! `GET {target} HTTP/1.1`; tokens are computed here with the md5 and base64 crates, not by the
//! code under test.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cdn_secure_token::{
    ErrorKind, ExplainOptions, InvalidReason, SignOptions, Signer, TokenKind, Verdict,
    VerifyOptions, DEFAULT_MAX_REQUEST_LEN,
};
use md5::{Digest, Md5};

const KEY: &str = "conformance-key-1";
const EXP: &str = "2147483647";
const NOW: i64 = 1_700_000_000;

/// The file token nginx computes: base64url(md5("{expires}{uri} {key}")).
fn token(uri: &[u8], expires: &str) -> String {
    let mut m = Vec::new();
    m.extend_from_slice(expires.as_bytes());
    m.extend_from_slice(uri);
    m.push(b' ');
    m.extend_from_slice(KEY.as_bytes());
    URL_SAFE_NO_PAD.encode(Md5::digest(&m))
}

/// `?md5=..&expires=..` for the decoded uri.
fn q(uri: &[u8]) -> Vec<u8> {
    format!("?md5={}&expires={EXP}", token(uri, EXP)).into_bytes()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn signer() -> Signer {
    Signer::new(KEY).unwrap()
}

fn opts() -> VerifyOptions<'static> {
    VerifyOptions {
        now: Some(NOW),
        ..Default::default()
    }
}

fn status(target: &[u8]) -> u16 {
    signer().verify_request(target, &opts()).status()
}

#[track_caller]
fn expect(target: &[u8], want: u16) {
    let v = signer().verify_request(target, &opts());
    assert_eq!(
        v.status(),
        want,
        "{:?}: {v:?}",
        String::from_utf8_lossy(target)
    );
}

#[test]
fn double_slash_is_a_path_not_a_host() {
    // Issue 10 item 1: a token for /x.jpg must not open //private/x.jpg, and //x.jpg is /x.jpg.
    expect(&cat(&[b"/file/x.jpg", &q(b"/file/x.jpg")]), 200);
    expect(&cat(&[b"//file/x.jpg", &q(b"/file/x.jpg")]), 200);
    expect(&cat(&[b"///file/x.jpg", &q(b"/file/x.jpg")]), 200);
    expect(&cat(&[b"//private/x.jpg", &q(b"/x.jpg")]), 403);
    expect(&cat(&[b"//x.jpg", &q(b"/x.jpg")]), 200);
    expect(&cat(&[b"//", &q(b"/")]), 200);
    expect(&cat(&[b"//?", &q(b"/")[1..]]), 200);
}

#[test]
fn held_links_starting_with_double_slash_are_paths() {
    // The examples of issue 10 item 1, through verify (a link I hold).
    let s = signer();
    let good = s
        .sign_url(
            "/x.jpg",
            &SignOptions {
                expires: Some(2147483647),
                now: Some(NOW),
                ..Default::default()
            },
        )
        .unwrap();
    let query = good.split_once('?').unwrap().1;
    let v = s
        .verify(&format!("//private/x.jpg?{query}"), &opts())
        .unwrap();
    assert_eq!(v, Verdict::Invalid(InvalidReason::Mismatch));
    let v = s.verify(&format!("//x.jpg?{query}"), &opts()).unwrap();
    assert!(v.is_valid(), "{v:?}");
    let v = s
        .verify(&format!("///a/../x.jpg?{query}"), &opts())
        .unwrap();
    assert!(v.is_valid(), "{v:?}");
    // Signing reads it the same way: the link opens the path nginx serves for it.
    let signed = s
        .sign_url(
            "//cdn.example.com/x.jpg",
            &SignOptions {
                expires: Some(2147483647),
                now: Some(NOW),
                ..Default::default()
            },
        )
        .unwrap();
    let t = token(b"/cdn.example.com/x.jpg", EXP);
    assert!(
        signed.starts_with("/cdn.example.com/x.jpg?md5="),
        "{signed}"
    );
    assert!(signed.contains(&t), "{signed}");
}

#[test]
fn absolute_form() {
    let good = q(b"/file/x.jpg");
    for (pre, want) in [
        (&b"http://edge"[..], 200),
        (b"HTTP://edge", 200),
        (b"ftp://edge", 200),
        (b"h1://edge", 200),
        (b"http://edge:80", 200),
        (b"http://edge:", 200),
        (b"http://[::1]", 200),
        (b"http://EDGE", 200),
        (b"http://edge.", 200),
        (b"http://.edge", 200),
        (b"http://-", 200),
        (b"http://1.2.3.4:99999999999", 200),
        (b"http://", 400),
        (b"http://a_b", 400),
        (b"http://a..b", 400),
        (b"http://.", 400),
        (b"http://[::1", 400),
        (b"http://u@edge", 400),
        (b"1http://edge", 400),
        (b"h@://edge", 400),
    ] {
        expect(&cat(&[pre, b"/file/x.jpg", &good]), want);
    }
    expect(&cat(&[b"http://edge//file/x.jpg", &good]), 200);
    expect(&cat(&[b"http://edge", &q(b"/")]), 200);
    expect(b"http:/edge/file/x.jpg", 400);
    expect(b"http://edge#x", 400);
    expect(b"http://edge%41/", 400);
    expect(b"http://[::1]x/", 400);
    expect(b"http://edge/..", 400);
}

#[test]
fn spaces_and_control_bytes() {
    expect(&cat(&[b"/file/a b.jpg", &q(b"/file/a b.jpg")]), 400);
    expect(&cat(&[b" /file/x.jpg", &q(b"/file/x.jpg")]), 200);
    expect(&cat(&[b"/file/x.jpg", &q(b"/file/x.jpg"), b"  "]), 200);
    expect(b"/file/x HTTP/1.1", 400);
    for c in (0u8..0x20).chain([0x7f]) {
        expect(&[b"/file/a", &[c][..], b"b"].concat(), 400);
        expect(
            &cat(&[b"/file/x.jpg", &q(b"/file/x.jpg"), b"&a=", &[c]]),
            400,
        );
    }
    expect(b"*", 400);
    expect(b"", 400);
    expect(b"file/x.jpg", 400);
}

#[test]
fn raw_and_escaped_bytes() {
    expect(&cat(&[b"/file/\xff.jpg", &q(b"/file/\xff.jpg")]), 200);
    expect(&cat(&[b"/file/%FF.jpg", &q(b"/file/\xff.jpg")]), 200);
    expect(&cat(&[b"/file/%ff.jpg", &q(b"/file/\xff.jpg")]), 200);
    // Overlong UTF-8, raw and escaped: bytes, not characters.
    expect(&cat(&[b"/file/%C0%AF.jpg", &q(b"/file/\xc0\xaf.jpg")]), 200);
    expect(
        &cat(&[b"/file/\xc0\xaf.jpg", &q(b"/file/\xc0\xaf.jpg")]),
        200,
    );
    expect(&cat(&[b"/file/\xc0\xaf.jpg", &q(b"/file/\xc0/.jpg")]), 403);
    expect(
        &cat(&["/file/é.jpg".as_bytes(), &q("/file/é.jpg".as_bytes())]),
        200,
    );
    expect(
        &cat(&[b"/file/x.jpg", &q(b"/file/x.jpg"), b"&a=\x80\xff"]),
        200,
    );
    // Escaped control bytes are kept (nginx serves them); %00 is a 400.
    expect(&cat(&[b"/file/a%01b", &q(b"/file/a\x01b")]), 200);
    expect(b"/file/a%00b", 400);
}

#[test]
fn escapes_and_dot_segments() {
    expect(&cat(&[b"/file%2Fx.jpg", &q(b"/file/x.jpg")]), 200);
    expect(&cat(&[b"/file%2f%2fx.jpg", &q(b"/file/x.jpg")]), 200);
    expect(&cat(&[b"/file/a/%2e%2E/x.jpg", &q(b"/file/x.jpg")]), 200);
    expect(&cat(&[b"/file/a/%2E/x.jpg", &q(b"/file/a/x.jpg")]), 200);
    expect(&cat(&[b"/file/a/../x.jpg", &q(b"/file/x.jpg")]), 200);
    expect(b"/file/../../x.jpg", 400);
    expect(b"/..", 400);
    expect(b"/%2e%2e/x", 400);
    expect(&cat(&[b"/file/a%3Fb", &q(b"/file/a?b")]), 200);
    expect(&cat(&[b"/file/a%23b", &q(b"/file/a#b")]), 200);
    expect(&cat(&[b"/file/a%2525", &q(b"/file/a%25")]), 200);
    for bad in [
        &b"/file/a%zz"[..],
        b"/file/a%",
        b"/file/a%4",
        b"/file/a%4?x",
        b"/file/%g0",
    ] {
        expect(bad, 400);
    }
    // Escapes are not decoded outside the path: no 400 for them there.
    expect(&cat(&[b"/file/x.jpg", &q(b"/file/x.jpg"), b"&a=%zz"]), 200);
    expect(b"/file/x.jpg#%zz", 403);
}

#[test]
fn ordinary_bytes_backslash_semicolon_plus() {
    expect(&cat(&[b"/file/a\\b.jpg", &q(b"/file/a\\b.jpg")]), 200);
    expect(&cat(&[b"/file/x.jpg;p=1", &q(b"/file/x.jpg;p=1")]), 200);
    expect(&cat(&[b"/file/x.jpg;p=1", &q(b"/file/x.jpg")]), 403);
    expect(&cat(&[b"/file/a+b.jpg", &q(b"/file/a+b.jpg")]), 200);
    expect(&cat(&[b"/file/a+b.jpg", &q(b"/file/a b.jpg")]), 403);
}

#[test]
fn hash_ends_the_path_and_the_query() {
    let t = token(b"/file/x.jpg", EXP);
    expect(&cat(&[b"/file/x.jpg#a", &q(b"/file/x.jpg")]), 403);
    expect(&cat(&[b"/file/x.jpg", &q(b"/file/x.jpg"), b"#frag"]), 200);
    expect(&cat(&[b"/file//x.jpg", &q(b"/file/x.jpg"), b"#f"]), 200);
    expect(
        format!("/file/x.jpg?expires={EXP}&md5={t}#x").as_bytes(),
        200,
    );
    expect(
        format!("/file/x.jpg?expires={EXP}#&md5={t}").as_bytes(),
        403,
    );
}

#[test]
fn query_rules() {
    let t = token(b"/file/x.jpg", EXP);
    let v = |q: String| status(format!("/file/x.jpg?{q}").as_bytes());
    assert_eq!(v(format!("MD5={t}&EXPIRES={EXP}")), 200);
    assert_eq!(
        v(format!("md5={t}&md5=AAAAAAAAAAAAAAAAAAAAAA&expires={EXP}")),
        200
    );
    assert_eq!(
        v(format!("md5=AAAAAAAAAAAAAAAAAAAAAA&md5={t}&expires={EXP}")),
        403
    );
    assert_eq!(v(format!("md5={t}==&expires={EXP}")), 200);
    assert_eq!(v(format!("md5={t}&expires={EXP}&junk")), 200);
    assert_eq!(v(format!("md5&md5={t}&expires={EXP}")), 200);
    assert_eq!(v(format!("md5={t}&expires=+{EXP}")), 403);
    assert_eq!(v(format!("md5={t}&expires=0")), 403);
    let t0 = token(b"/file/x.jpg", "0002147483647");
    assert_eq!(v(format!("md5={t0}&expires=0002147483647")), 200);
    let past = token(b"/file/x.jpg", "1000000000");
    assert_eq!(v(format!("md5={past}&expires=1000000000")), 410);
    let huge = "99999999999999999999";
    assert_eq!(
        v(format!(
            "md5={}&expires={huge}",
            token(b"/file/x.jpg", huge)
        )),
        403
    );
}

#[test]
fn request_line_limit_is_nginx_default() {
    // nginx 1.22.1 with large_client_header_buffers 4 8k: the longest target it reads in
    // `GET {target} HTTP/1.1\r\n` is 8177 bytes (a line of 8192).
    let long = |n: usize| {
        let mut v = b"/file/".to_vec();
        v.resize(n, b'a');
        v
    };
    assert_eq!(DEFAULT_MAX_REQUEST_LEN, 8192);
    assert_eq!(status(&long(8177)), 403);
    assert_eq!(status(&long(8178)), 414);
    assert_eq!(
        signer().verify_request(&long(8178), &opts()),
        Verdict::Invalid(InvalidReason::UriTooLong)
    );
    assert_eq!(status(&long(1 << 20)), 414);
    // A bad byte the edge reads before the limit is a 400, one after it a 414.
    let mut v = long(9000);
    v[8187] = b'\t';
    assert_eq!(status(&v), 400);
    let mut v = long(9000);
    v[8188] = b'\t';
    assert_eq!(status(&v), 414);
    let mut v = long(9000);
    v[10] = b'%';
    assert_eq!(
        status(&v),
        414,
        "the path is parsed only after the whole line is read"
    );
    // A valid link of exactly the limit is served.
    let path = {
        let mut p = b"/file/".to_vec();
        p.resize(8177 - q(b"").len(), b'b');
        p
    };
    let target = cat(&[&path, &q(&path)]);
    assert_eq!(target.len(), 8177);
    assert_eq!(status(&target), 200);
    // The limit follows the builder.
    let small = Signer::builder(KEY).max_request_len(100).build().unwrap();
    assert_eq!(small.verify_request(&long(85), &opts()).status(), 403);
    assert_eq!(small.verify_request(&long(86), &opts()).status(), 414);
}

#[test]
fn never_panics_on_junk() {
    let s = signer();
    let mut x: u64 = 0x1234_5678_9abc_def0;
    let alphabet: &[u8] = b"/?#%.:@[] \t\r\nHTTP/1x\x00\x7f\x80\xffab2F";
    for len in 0..200 {
        for _ in 0..50 {
            let t: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            let v = s.verify_request(&t, &opts());
            assert!(matches!(v.status(), 200 | 400 | 403 | 410 | 414), "{t:?}");
            let _ = (v.reason_code(), v.message());
            let _ = s.verify_decoded(&t, &t, &opts());
        }
    }
}

#[test]
fn bad_client_ip_is_a_verdict() {
    let s = signer();
    let t = cat(&[b"/file/x.jpg", &q(b"/file/x.jpg")]);
    let o = VerifyOptions {
        ip: Some("not-an-ip"),
        now: Some(NOW),
        kind: TokenKind::File,
    };
    let v = s.verify_request(&t, &o);
    assert_eq!(v, Verdict::Invalid(InvalidReason::BadClientIp));
    assert_eq!(v.status(), 403);
    assert_eq!(v.reason_code(), Some("bad_client_ip"));
    assert_eq!(s.verify_decoded(b"/file/x.jpg", &q(b"")[1..], &o), v);
    // A 400 is decided before the IP is looked at, as nginx does.
    assert_eq!(s.verify_request(b"/a b", &o).status(), 400);
}

#[test]
fn verdict_codes_and_messages() {
    let s = signer();
    let valid = s.verify_request(&cat(&[b"/x", &q(b"/x")]), &opts());
    assert_eq!(
        (valid.status(), valid.reason_code(), valid.message()),
        (200, None, None)
    );
    let past = token(b"/x", "1000000000");
    let expired = s.verify_request(
        format!("/x?md5={past}&expires=1000000000").as_bytes(),
        &opts(),
    );
    assert_eq!(
        (expired.status(), expired.reason_code()),
        (410, Some("expired"))
    );
    assert_eq!(expired.message().unwrap(), "link expired at 1000000000");
    let bad = s.verify_request(b"/a%zz", &opts());
    assert_eq!(
        (bad.status(), bad.reason_code()),
        (400, Some("bad_request"))
    );
    assert!(bad.message().unwrap().contains("escape"), "{bad:?}");
    let long = s.verify_request(&vec![b'/'; 9000], &opts());
    assert_eq!(
        (long.status(), long.reason_code()),
        (414, Some("uri_too_long"))
    );
    assert_eq!(InvalidReason::Mismatch.status(), 403);
    assert_eq!(InvalidReason::UriTooLong.status(), 414);
    assert_eq!(InvalidReason::BadClientIp.code(), "bad_client_ip");
    assert_eq!(
        InvalidReason::BadRequest(cdn_secure_token::Error::PathAboveRoot).status(),
        400
    );
}

#[test]
fn decoded_path_and_raw_query() {
    let s = signer();
    let d = |path: &[u8], query: &[u8]| s.verify_decoded(path, query, &opts()).status();
    let query = |uri: &[u8]| q(uri)[1..].to_vec();
    assert_eq!(d(b"/file/a b.jpg", &query(b"/file/a b.jpg")), 200);
    assert_eq!(d(b"//private/x.jpg", &query(b"/x.jpg")), 403);
    assert_eq!(d(b"//x.jpg", &query(b"/x.jpg")), 200);
    assert_eq!(d(b"/a/./b/../x.jpg", &query(b"/a/x.jpg")), 200);
    // `%` is an ordinary byte of a decoded path (it came from %25).
    assert_eq!(d(b"/100%.jpg", &query(b"/100%.jpg")), 200);
    assert_eq!(d(b"/\xff\x01.jpg", &query(b"/\xff\x01.jpg")), 200);
    assert_eq!(d(b"/a\x00b", &query(b"/a\x00b")), 400);
    assert_eq!(d(b"/../x", &query(b"/x")), 400);
    assert_eq!(d(b"x", &query(b"/x")), 400);
    assert_eq!(d(b"", &query(b"/")), 200);
    let mut qq = query(b"/x");
    qq.extend_from_slice(b"#frag");
    assert_eq!(d(b"/x", &qq), 200);
    assert_eq!(d(b"/x", &cat(&[&query(b"/x"), b"&a=b c"])), 400);
    assert_eq!(d(b"/x", &cat(&[&query(b"/x"), b"&a=\x01"])), 400);
    let long = vec![b'a'; 9000];
    assert_eq!(d(&cat(&[b"/", &long]), b""), 414);
    // Spaces count as %20 for the limit: 2,800 of them are already 8,400 bytes on the wire.
    let spaces = vec![b' '; 2800];
    assert_eq!(d(&cat(&[b"/", &spaces]), b""), 414);
}

// ---------------------------------------------------------------------------------------
// Signing refusals

fn sign(s: &Signer, url: &str) -> Result<String, cdn_secure_token::Error> {
    s.sign_url(
        url,
        &SignOptions {
            expires: Some(2147483647),
            now: Some(NOW),
            ..Default::default()
        },
    )
}

#[test]
fn signing_refuses_links_the_edge_answers_414() {
    let s = signer();
    // The examples: an 8,186-byte path, 2,000 é (~12 KB encoded), a 20,000-character query.
    let long_path = format!("/{}", "a".repeat(8185));
    let Err(e) = sign(&s, &long_path) else {
        panic!("an 8,186-byte path is refused");
    };
    assert_eq!(e.kind(), ErrorKind::Url, "{e}");
    let text = e.to_string();
    assert!(text.contains("8192") && text.contains("414"), "{text}");
    let Err(e) = sign(&s, &format!("/{}", "é".repeat(2000))) else {
        panic!("2,000 é are refused");
    };
    assert_eq!(e.kind(), ErrorKind::Url, "{e}");
    let e = sign(
        &s,
        &format!("https://cdn.example.com/x?q={}", "a".repeat(20_000)),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Url, "{e}");
    // The longest link that fits: its request line is exactly 8192 bytes, and verify_request
    // (like nginx) reads it.
    let tail = "?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=2147483647".len();
    let fits = format!("https://cdn.example.com/{}", "b".repeat(8177 - tail - 1));
    let signed = sign(&s, &fits).unwrap();
    let target = &signed["https://cdn.example.com".len()..];
    assert_eq!(target.len(), 8177);
    assert!(s.verify_request(target.as_bytes(), &opts()).is_valid());
    let over = format!("https://cdn.example.com/{}", "b".repeat(8177 - tail));
    let Err(e) = sign(&s, &over) else {
        panic!("one byte over is refused");
    };
    assert!(e.to_string().contains("8193"), "{e}");
    // Batches refuse the same link, naming it.
    let err = s
        .sign_many(
            &["/ok", over.as_str()],
            &SignOptions {
                expires: Some(2147483647),
                now: Some(NOW),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!((err.index, err.error.kind()), (1, ErrorKind::Url));
    // The limit is settable.
    let big = Signer::builder(KEY).max_request_len(16384).build().unwrap();
    assert!(sign(&big, &over).is_ok());
    let small = Signer::builder(KEY).max_request_len(64).build().unwrap();
    assert!(sign(&small, "/a").is_ok());
    assert!(sign(&small, "/abcd").is_err());
    assert!(Signer::builder(KEY).max_request_len(10).build().is_err());
}

#[test]
fn signing_refuses_non_positive_expiry_from_now_and_ttl() {
    let s = signer();
    for (now, ttl) in [
        (-100, 60),
        (-60, 60),
        (i64::MIN, 1),
        (i64::MIN, i64::MAX),
        (0, 0),
    ] {
        let r = s.sign_url(
            "/a",
            &SignOptions {
                ttl: Some(ttl),
                now: Some(now),
                ..Default::default()
            },
        );
        let e = r.expect_err(&format!("now {now} ttl {ttl}"));
        assert_eq!(e.kind(), ErrorKind::Expiry, "{e}");
    }
    let past_ok = Signer::builder(KEY)
        .allow_past_expiry(true)
        .build()
        .unwrap();
    for expires in [0, -1, i64::MIN] {
        let e = past_ok
            .sign_url(
                "/a",
                &SignOptions {
                    expires: Some(expires),
                    now: Some(i64::MIN),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Expiry);
    }
    let d = Signer::builder(KEY).default_ttl(60).build().unwrap();
    let e = d
        .sign_url(
            "/a",
            &SignOptions {
                now: Some(-61),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Expiry);
    assert!(s
        .stream_token(
            "1",
            "a",
            &SignOptions {
                ttl: Some(60),
                now: Some(-100),
                ..Default::default()
            }
        )
        .is_err());
}

#[test]
fn signing_refuses_malformed_hosts() {
    let s = signer();
    for bad in [
        "http://[::1/x",
        "http://[::1]x/y",
        "http://[not-v6]/x",
        "http://h:port/x",
        "http://h:99999/x",
        "http://h:1:2/x",
        "http://a[b/x",
        "http://a]b/x",
        "http://a<b/x",
        "http://a\"b/x",
        "http://a^b/x",
        "http://a{b}/x",
        "http://a|b/x",
        "http://:80/x",
        "http://@/x",
        "http://u[s@h/x",
    ] {
        let e = sign(&s, bad).expect_err(bad);
        assert_eq!(e.kind(), ErrorKind::Url, "{bad}: {e}");
    }
    for good in [
        "http://[::1]/x",
        "http://[2001:db8::1]:8443/x",
        "https://cdn.example.com:443/x",
        "https://cdn.example.com:/x",
        "https://bücher.example/x",
        "https://user:pw@cdn.example.com/x",
        "https://a_b.example/x",
        "https://xn--bcher-kva.example/x",
    ] {
        assert!(sign(&s, good).is_ok(), "{good}");
    }
}

#[test]
fn explain_refuses_non_positive_expiry() {
    let s = signer();
    for e in [0, -1, i64::MIN] {
        let r = s.explain(
            "/a",
            &ExplainOptions {
                expires: Some(e),
                ..Default::default()
            },
        );
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Expiry, "{e}");
    }
    assert!(s
        .explain(
            "/a",
            &ExplainOptions {
                expires: Some(1),
                ..Default::default()
            }
        )
        .is_ok());
}

#[test]
fn stream_links_over_the_limit_are_refused() {
    let small = Signer::builder(KEY).max_request_len(120).build().unwrap();
    let opts = SignOptions {
        expires: Some(2147483647),
        now: Some(NOW),
        ..Default::default()
    };
    let vod = cdn_secure_token::StreamKind::Vod;
    let ok = small
        .stream_url("https://cdn.example.com", vod, "1", "a", None, &opts)
        .unwrap();
    // The origin is not part of the request line.
    let target = &ok["https://cdn.example.com".len()..];
    assert!(target.len() + 15 <= 120, "{target}");
    let long = "f".repeat(120 - 15 - target.len() + "master.m3u8".len() + 1);
    let Err(e) = small.stream_url("", vod, "1", "a", Some(&long), &opts) else {
        panic!("a stream link one byte over the limit is refused");
    };
    assert_eq!(e.kind(), ErrorKind::Url, "{e}");
    let fits = &long[1..];
    assert!(small
        .stream_url("", vod, "1", "a", Some(fits), &opts)
        .is_ok());
}

#[test]
fn held_links_over_the_limit_are_414() {
    let s = signer();
    for n in [8200, 40_000] {
        let url = format!("https://cdn.example.com/{}?md5=x&expires=1", "a".repeat(n));
        let v = s.verify(&url, &opts()).unwrap();
        assert_eq!(v, Verdict::Invalid(InvalidReason::UriTooLong), "{n}");
    }
    // Bytes a browser escapes count three: 2,800 spaces are 8,400 bytes on the wire.
    let v = s
        .verify(&format!("/{}", " ".repeat(2800)), &opts())
        .unwrap();
    assert_eq!(v.status(), 414);
}

/// `explain_request` reads the target as `verify_request` does: `//private/x.jpg` is the
/// path `/private/x.jpg` (not host `private`), absolute form carries a host, and a target
/// the edge answers 414 to is an error.
#[test]
fn explain_request_reads_the_target_as_verify_request() {
    let s = signer();
    let opts = ExplainOptions::default();
    let target = cat(&[b"//private/x.jpg", &q(b"/private/x.jpg")]);
    let e = s.explain_request(&target, &opts).unwrap();
    assert_eq!(e.hashed_path, "/private/x.jpg");
    assert_eq!(e.expected_token, token(b"/private/x.jpg", EXP));
    assert_eq!(e.matches, Some(true));
    // The token for /x.jpg does not open //private/x.jpg.
    let e = s
        .explain_request(&cat(&[b"//private/x.jpg", &q(b"/x.jpg")]), &opts)
        .unwrap();
    assert_eq!(
        (e.hashed_path.as_str(), e.matches),
        ("/private/x.jpg", Some(false))
    );
    let e = s
        .explain_request(
            &cat(&[b"http://h.example/a%20b.jpg", &q(b"/a b.jpg")]),
            &opts,
        )
        .unwrap();
    assert_eq!(
        (e.hashed_path.as_str(), e.matches),
        ("/a b.jpg", Some(true))
    );
    let long = cat(&[b"/", &vec![b'a'; DEFAULT_MAX_REQUEST_LEN], &q(b"/a")]);
    assert_eq!(
        s.explain_request(&long, &opts).unwrap_err().kind(),
        ErrorKind::Url
    );
    assert!(s.explain_request(b"/a b", &opts).is_err());
}
