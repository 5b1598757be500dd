//! Property tests: every link the core signs verifies as `Valid`, and changing any single
//! significant byte of its token, expiry, path or client IP makes it `Invalid`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use cdn_secure_token::{
    CanonicalIp, InvalidReason, SignOptions, Signer, StreamKind, TokenKind, Verdict, VerifyOptions,
    MAX_EXPIRES,
};
use proptest::prelude::*;

const NOW: i64 = 1_700_000_000;
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn key() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 !#$%&()*+,./:;<=>?@_~а-яё€😀-]{6,40}"
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 %+?#&=;:@!$'()*,.~_\\[\\]\"<>^`{|}\\\\-]{1,10}",
        "[а-яёЁéèüßΩ€😀🎬日本語\u{a0}\u{301}]{1,4}",
        "[a-z]{1,3}[ ][a-z]{1,3}",
    ]
    .prop_map(|s| {
        if s == "." || s == ".." {
            format!("{s}x")
        } else {
            s
        }
    })
}

/// A decoded path: `/seg/seg/...`, sometimes with a trailing `/`.
fn decoded_path() -> impl Strategy<Value = String> {
    (prop::collection::vec(segment(), 1..5), any::<bool>()).prop_map(|(segs, trailing)| {
        let mut p = String::new();
        for s in segs {
            p.push('/');
            p.push_str(&s);
        }
        if trailing {
            p.push('/');
        }
        p
    })
}

/// Percent-encodes `path` for a URL: unreserved ASCII and `/` raw, non-ASCII raw or
/// encoded, the rest encoded.
fn encode(path: &[u8], raw_utf8: bool) -> String {
    let mut out = String::new();
    let text = String::from_utf8_lossy(path);
    let utf8_ok = std::str::from_utf8(path).is_ok();
    if raw_utf8 && utf8_ok {
        for c in text.chars() {
            if c.is_ascii_alphanumeric() || "/-._~".contains(c) || !c.is_ascii() {
                out.push(c);
            } else {
                out.push_str(&format!("%{:02X}", c as u32));
            }
        }
        return out;
    }
    for &b in path {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An address and one of its valid spellings.
fn ip() -> impl Strategy<Value = (IpAddr, String)> {
    let v4 = any::<u32>().prop_map(|n| {
        let a = Ipv4Addr::from(n);
        (IpAddr::V4(a), a.to_string())
    });
    let v6 = (
        prop_oneof![
            any::<u128>(),
            any::<u32>().prop_map(|n| 0xffff_0000_0000 | u128::from(n)),
            (0u16..3, any::<u16>()).prop_map(|(z, n)| u128::from(n) << (16 * z)),
            (any::<u16>(), any::<u16>()).prop_map(|(a, b)| (u128::from(a) << 112) | u128::from(b)),
        ],
        0..4usize,
    )
        .prop_map(|(n, style)| {
            let a = Ipv6Addr::from(n);
            let s = a.segments();
            let text = match style {
                0 => a.to_string(),
                1 => s
                    .iter()
                    .map(|g| format!("{g:04x}"))
                    .collect::<Vec<_>>()
                    .join(":"),
                2 => s
                    .iter()
                    .map(|g| format!("{g:X}"))
                    .collect::<Vec<_>>()
                    .join(":"),
                _ => a.to_string().to_uppercase(),
            };
            (IpAddr::V6(a), text)
        });
    prop_oneof![v4, v6]
}

#[derive(Debug, Clone)]
enum Kind {
    File,
    Directory,
    Mp4 {
        speed: Option<String>,
        buffer: Option<String>,
    },
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::File),
        Just(Kind::Directory),
        (
            prop::option::of("[0-9]{1,4}[kmKM.]?"),
            prop::option::of("[0-9]{1,3}")
        )
            .prop_map(|(speed, buffer)| Kind::Mp4 { speed, buffer }),
    ]
}

impl Kind {
    fn token_kind(&self) -> TokenKind {
        match self {
            Kind::File => TokenKind::File,
            Kind::Directory => TokenKind::Directory,
            Kind::Mp4 { .. } => TokenKind::Mp4,
        }
    }
}

fn verify(signer: &Signer, url: &str, ip: Option<&str>, kind: TokenKind) -> Verdict {
    signer
        .verify(
            url,
            &VerifyOptions {
                ip,
                now: Some(NOW),
                kind,
            },
        )
        .unwrap()
}

/// Replaces token character `i` with another one that changes the decoded bytes (the last
/// character carries only 2 significant bits, its low 4 are ignored as nginx ignores them).
fn flip_token_char(token: &str, i: usize, pick: usize) -> String {
    let mut b = token.as_bytes().to_vec();
    let cur = B64.iter().position(|&c| c == b[i]).unwrap();
    let new = if i == 21 {
        let top = cur >> 4;
        let new_top = (top + 1 + pick % 3) % 4;
        (new_top << 4) | (pick >> 2 & 0xf)
    } else {
        (cur + 1 + pick % 63) % 64
    };
    b[i] = B64[new];
    String::from_utf8(b).unwrap()
}

fn query_value<'a>(url: &'a str, name: &str) -> &'a str {
    let q = url.split_once('?').unwrap().1;
    q.split('&')
        .find_map(|p| p.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
        .unwrap()
}

fn replace_query_value(url: &str, name: &str, value: &str) -> String {
    let (path, q) = url.split_once('?').unwrap();
    let q: Vec<String> = q
        .split('&')
        .map(|p| {
            if p.starts_with(&format!("{name}=")) {
                format!("{name}={value}")
            } else {
                p.to_owned()
            }
        })
        .collect();
    format!("{path}?{}", q.join("&"))
}

/// Replaces one character of a decimal text with another character (a digit or not).
fn flip_expires(text: &str, i: usize, pick: usize) -> String {
    let mut b = text.as_bytes().to_vec();
    let choices = b"0123456789a+-. x";
    let mut c = choices[pick % choices.len()];
    if c == b[i] {
        c = if c == b'9' { b'0' } else { c + 1 };
    }
    b[i] = c;
    String::from_utf8(b).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// sign_url → verify is Valid for any accepted input, with the IP in any spelling.
    #[test]
    fn signed_urls_verify(
        key in key(),
        path in decoded_path(),
        raw_utf8 in any::<bool>(),
        expires in NOW..=MAX_EXPIRES,
        ip in prop::option::of(ip()),
        verify_spelling in 0..3usize,
        kind in kind(),
        origin in prop_oneof![Just(""), Just("https://cdn.example.com"), Just("http://cdn.example.com:8443")],
        extra_query in prop_oneof![Just(""), Just("a=1&b=%20x"), Just("MD5=old&Expires=1&x")],
    ) {
        let signer = Signer::new(&key).unwrap();
        let mut url = format!("{origin}{}", encode(path.as_bytes(), raw_utf8));
        if !extra_query.is_empty() {
            url.push('?');
            url.push_str(extra_query);
        }
        let (speed, buffer) = match &kind {
            Kind::Mp4 { speed, buffer } => (speed.as_deref(), buffer.as_deref()),
            _ => (None, None),
        };
        let opts = SignOptions {
            expires: Some(expires),
            ip: ip.as_ref().map(|(_, s)| s.as_str()),
            kind: kind.token_kind(),
            speed,
            buffer,
            now: Some(NOW),
            ..Default::default()
        };
        let signed = signer.sign_url(&url, &opts).unwrap();
        // Verify with another spelling of the same address.
        let verify_ip = ip.as_ref().map(|(a, s)| match verify_spelling {
            0 => s.clone(),
            1 => a.to_string(),
            _ => CanonicalIp::from_addr(*a).to_string(),
        });
        let v = verify(&signer, &signed, verify_ip.as_deref(), kind.token_kind());
        prop_assert_eq!(v, Verdict::Valid { expires, key_index: 0 }, "{}", signed);
        // The token of the same link agrees with the low-level call.
        let t = signer.token_with(&path, &opts).unwrap();
        prop_assert_eq!(query_value(&signed, "md5"), t.token.as_str());
        // Once past its expiry (and not before), the same link is Expired.
        let later = signer.verify(&signed, &VerifyOptions {
            ip: verify_ip.as_deref(), now: Some(expires + 1), kind: kind.token_kind(),
        }).unwrap();
        prop_assert_eq!(later, Verdict::Expired { expires, key_index: 0 });
        let at = signer.verify(&signed, &VerifyOptions {
            ip: verify_ip.as_deref(), now: Some(expires), kind: kind.token_kind(),
        }).unwrap();
        prop_assert!(at.is_valid());
    }

    /// Changing one significant token character, one expires character, one byte of the
    /// hashed path or the client IP makes a signed link Invalid.
    #[test]
    fn tampered_urls_are_invalid(
        key in key(),
        path in decoded_path(),
        expires in NOW..=MAX_EXPIRES,
        ip in prop::option::of(ip()),
        kind in kind(),
        what in 0..4usize,
        pos in any::<prop::sample::Index>(),
        pick in any::<usize>(),
        new_byte in 1u8..=255,
        other_ip in ip(),
    ) {
        let signer = Signer::new(&key).unwrap();
        let (speed, buffer) = match &kind {
            Kind::Mp4 { speed, buffer } => (speed.as_deref(), buffer.as_deref()),
            _ => (None, None),
        };
        let ip_text = ip.as_ref().map(|(_, s)| s.as_str());
        let tk = kind.token_kind();
        let opts = SignOptions {
            expires: Some(expires), ip: ip_text, kind: tk, speed, buffer,
            now: Some(NOW), ..Default::default()
        };
        let signed = signer.sign_url(&encode(path.as_bytes(), false), &opts).unwrap();
        let token = query_value(&signed, "md5").to_owned();
        let exp_text = query_value(&signed, "expires").to_owned();
        match what {
            0 => {
                let t = flip_token_char(&token, pos.index(22), pick);
                let bad = replace_query_value(&signed, "md5", &t);
                prop_assert_eq!(verify(&signer, &bad, ip_text, tk),
                    Verdict::Invalid(InvalidReason::Mismatch), "{}", bad);
            }
            1 => {
                let e = flip_expires(&exp_text, pos.index(exp_text.len()), pick);
                let bad = replace_query_value(&signed, "expires", &e);
                let v = verify(&signer, &bad, ip_text, tk);
                prop_assert!(matches!(v, Verdict::Invalid(
                    InvalidReason::Mismatch | InvalidReason::MalformedExpires)), "{} {:?}", bad, v);
            }
            2 => {
                // One byte of the hashed path (for directory tokens: of the directory part).
                let bytes = path.as_bytes();
                let hashed_len = if tk == TokenKind::Directory {
                    bytes.iter().rposition(|&b| b == b'/').unwrap() + 1
                } else {
                    bytes.len()
                };
                prop_assume!(hashed_len > 1);
                let i = 1 + pos.index(hashed_len - 1);
                prop_assume!(bytes[i] != new_byte);
                let mut changed = bytes.to_vec();
                changed[i] = new_byte;
                let q = signed.split_once('?').unwrap().1;
                let bad = format!("{}?{q}", encode(&changed, false));
                let v = verify(&signer, &bad, ip_text, tk);
                prop_assert!(matches!(v, Verdict::Invalid(_)), "{} {:?}", bad, v);
            }
            _ => {
                // Another client address, or none, or one where there was none.
                let (other, other_text) = other_ip;
                let same = ip.as_ref().is_some_and(|(a, _)| {
                    CanonicalIp::from_addr(*a) == CanonicalIp::from_addr(other)
                });
                prop_assume!(!same);
                let v = verify(&signer, &signed, Some(&other_text), tk);
                prop_assert_eq!(v, Verdict::Invalid(InvalidReason::Mismatch));
                if ip.is_some() {
                    prop_assert_eq!(verify(&signer, &signed, None, tk),
                        Verdict::Invalid(InvalidReason::Mismatch));
                }
            }
        }
    }

    /// One byte of the canonical IP text changed: either not an address (an argument error),
    /// the same address in another spelling (Valid), or another address (Invalid).
    #[test]
    fn one_byte_of_the_ip_changed(
        ip in ip(),
        pos in any::<prop::sample::Index>(),
        c in prop::sample::select(b"0123456789abcdef:.".to_vec()),
    ) {
        let signer = Signer::new("proptest-key").unwrap();
        let canon = CanonicalIp::from_addr(ip.0).to_string();
        let signed = signer.sign_url("/a/b.jpg", &SignOptions {
            expires: Some(NOW + 60), ip: Some(&ip.1), now: Some(NOW), ..Default::default()
        }).unwrap();
        let mut b = canon.clone().into_bytes();
        let i = pos.index(b.len());
        prop_assume!(b[i] != c);
        b[i] = c;
        let changed = String::from_utf8(b).unwrap();
        let r = signer.verify(&signed, &VerifyOptions { ip: Some(&changed), now: Some(NOW), kind: TokenKind::File });
        match CanonicalIp::parse(&changed) {
            Err(_) => prop_assert!(r.is_err()),
            Ok(p) if p.to_string() == canon => prop_assert!(r.unwrap().is_valid()),
            Ok(_) => prop_assert_eq!(r.unwrap(), Verdict::Invalid(InvalidReason::Mismatch)),
        }
    }

    /// Video Streaming path tokens: stream_url → verify is Valid; any change of the token,
    /// expiry, account or id is Invalid; the file name is not covered.
    #[test]
    fn stream_urls_roundtrip(
        key in key(),
        stream in prop::sample::select(vec![StreamKind::Vod, StreamKind::Cmaf, StreamKind::Mpegts, StreamKind::Streams]),
        account in "[1-9][0-9]{0,9}",
        id in "[A-Za-z0-9_-]{1,24}",
        file in prop::option::of((prop::collection::vec(segment(), 0..3), segment())),
        base in prop_oneof![Just(""), Just("https://cdn.example.com")],
        expires in NOW..=MAX_EXPIRES,
        ip in prop::option::of(ip()),
        what in 0..5usize,
        pos in any::<prop::sample::Index>(),
        pick in any::<usize>(),
    ) {
        let signer = Signer::new(&key).unwrap();
        let file = file.map(|(dirs, name)| {
            let mut f = String::new();
            for d in dirs {
                f.push_str(&d);
                f.push('/');
            }
            f.push_str(&name);
            f
        });
        let ip_text = ip.as_ref().map(|(_, s)| s.as_str());
        let opts = SignOptions { expires: Some(expires), ip: ip_text, now: Some(NOW), ..Default::default() };
        let signed = signer.stream_url(base, stream, &account, &id, file.as_deref(), &opts).unwrap();
        prop_assert_eq!(
            verify(&signer, &signed, ip_text, TokenKind::Stream),
            Verdict::Valid { expires, key_index: 0 }, "{}", signed
        );
        let t = signer.stream_token(&account, &id, &opts).unwrap();
        let needle = format!("/{}/{}/", t.token, expires);
        prop_assert!(signed.contains(&needle), "{}", signed);
        // /{prefix}/{account}_{id}/{token}/{expires}/{file}
        let path_start = base.len();
        let segs: Vec<&str> = signed[path_start..].splitn(6, '/').collect();
        let (prefix, name, token, exp, rest) = (segs[1], segs[2], segs[3], segs[4], segs[5]);
        let build = |name: &str, token: &str, exp: &str, rest: &str| {
            format!("{base}/{prefix}/{name}/{token}/{exp}/{rest}")
        };
        let (bad, still_valid) = match what {
            0 => (build(name, &flip_token_char(token, pos.index(22), pick), exp, rest), false),
            1 => (build(name, token, &flip_expires(exp, pos.index(exp.len()), pick), rest), false),
            2 => {
                // One character of the id (not its first: account digits stay digits).
                let i = account.len() + 1 + pos.index(id.len());
                let mut n = name.as_bytes().to_vec();
                n[i] = if n[i] == b'x' { b'y' } else { b'x' };
                (build(&String::from_utf8(n).unwrap(), token, exp, rest), false)
            }
            3 => {
                let i = pos.index(account.len());
                let mut n = name.as_bytes().to_vec();
                n[i] = if n[i] == b'7' { b'8' } else { b'7' };
                (build(&String::from_utf8(n).unwrap(), token, exp, rest), false)
            }
            _ => (build(name, token, exp, "other/file.ts"), true),
        };
        let v = verify(&signer, &bad, ip_text, TokenKind::Stream);
        if still_valid {
            prop_assert!(v.is_valid(), "{} {:?}", bad, v);
        } else {
            prop_assert!(matches!(v, Verdict::Invalid(_)), "{} {:?}", bad, v);
        }
    }
}

/// Found by the `verify` fuzz target: `stream_url` checked only the file name against the
/// path length limit, so a long file name gave a link whose whole path is over the limit,
/// and which `verify` then refuses as a bad request.
#[test]
fn stream_url_never_signs_a_path_that_verify_refuses() {
    let signer = Signer::new("proptest-key").unwrap();
    let opts = SignOptions {
        expires: Some(NOW + 60),
        now: Some(NOW),
        ..Default::default()
    };
    for len in [8100, 8150, 8170, 8180, 8191, 8192] {
        let file = "x".repeat(len);
        match signer.stream_url("", StreamKind::Vod, "12345", "abc", Some(&file), &opts) {
            Ok(url) => assert!(
                verify(&signer, &url, None, TokenKind::Stream).is_valid(),
                "stream_url signed a {}-byte path that verify refuses",
                url.len()
            ),
            Err(e) => assert_eq!(e.kind(), cdn_secure_token::ErrorKind::Path, "{e}"),
        }
    }
}
