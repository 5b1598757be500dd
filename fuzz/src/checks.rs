//! The checks behind the fuzz targets, shared with the plain test that replays the corpus
//! (`tests/conformance/tests/fuzz_corpus.rs` includes this file by path).

use cdn_secure_token::multi_md5::{md5_many, md5_short_many, SHORT_MESSAGE};
use cdn_secure_token::{
    CanonicalIp, ExplainOptions, SignOptions, Signer, StreamKind, TokenKind, Verdict, VerifyOptions,
};

const NOW: i64 = 1_700_000_000;

/// Arbitrary URL and client IP strings into `Signer::verify`: never panics. Every URL that
/// `sign_url` accepts, once signed, verifies as `Valid` (and as `Expired` one second after
/// its expiry); the signed URL signs again to itself.
pub fn check_verify(data: &[u8]) {
    // Layout: [kind byte][expires offset: 3 bytes] url \0 ip
    if data.len() < 4 {
        return;
    }
    let kind = match data[0] % 4 {
        0 => TokenKind::File,
        1 => TokenKind::Directory,
        2 => TokenKind::Mp4,
        _ => TokenKind::Stream,
    };
    let expires = NOW + 1 + i64::from(u32::from_le_bytes([data[1], data[2], data[3], 0]));
    let rest = String::from_utf8_lossy(&data[4..]);
    let (url, ip) = match rest.split_once('\0') {
        Some((u, i)) => (u, Some(i)),
        None => (&rest[..], None),
    };
    let signer = Signer::builder("fuzz-key-1")
        .verify_key("fuzz-key-2")
        .build()
        .unwrap();

    // Arbitrary input: verify must answer (or refuse a bad IP argument), never panic.
    let opts = VerifyOptions {
        ip,
        now: Some(NOW),
        kind,
    };
    if let Ok(v) = signer.verify(url, &opts) {
        let _ = (v.status(), v.reason(), v.as_str());
    }

    if kind == TokenKind::Stream {
        // A stream link for the input taken as a file name verifies as Valid.
        let file = url.trim_start_matches('/');
        let sopts = SignOptions {
            expires: Some(expires),
            ip,
            now: Some(NOW),
            ..Default::default()
        };
        let stream = [
            StreamKind::Vod,
            StreamKind::Cmaf,
            StreamKind::Mpegts,
            StreamKind::Streams,
        ][usize::from(data[0] >> 2) % 4];
        if let Ok(signed) = signer.stream_url("", stream, "12345", "abc_-9", Some(file), &sopts) {
            let v = signer
                .verify(&signed, &opts)
                .expect("the IP was accepted when signing");
            assert_eq!(
                v,
                Verdict::Valid {
                    expires,
                    key_index: 0
                },
                "stream file {file:?} signed as {signed:?}, verify says {v:?}"
            );
        }
        return;
    }
    let sopts = SignOptions {
        expires: Some(expires),
        ip,
        kind,
        now: Some(NOW),
        ..Default::default()
    };
    let Ok(signed) = signer.sign_url(url, &sopts) else {
        return;
    };
    let v = signer
        .verify(&signed, &opts)
        .expect("the IP was accepted when signing");
    assert_eq!(
        v,
        Verdict::Valid {
            expires,
            key_index: 0
        },
        "signed {url:?} as {signed:?}, verify says {v:?}"
    );
    let later = VerifyOptions {
        now: Some(expires + 1),
        ..opts
    };
    assert!(signer.verify(&signed, &later).unwrap().is_expired());
    let again = signer
        .sign_url(&signed, &sopts)
        .expect("a signed URL signs again");
    assert_eq!(again, signed, "signing is not idempotent for {url:?}");
}

/// URL and IP parsing through `sign_url`, `explain`, `token_with`, `sign_many`, `stream_url`
/// and `CanonicalIp::parse`: never panics, and what parses is consistent.
pub fn check_parse(data: &[u8]) {
    check_scan(data);
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\0');
    let url = parts.next().unwrap_or("");
    let ip = parts.next();
    let speed = parts.next();
    let buffer = parts.next();

    if let Some(ip) = ip {
        if let Ok(c) = CanonicalIp::parse(ip) {
            // The canonical text is a fixed point and parses as a std address.
            let again = CanonicalIp::parse(c.as_str()).expect("canonical text parses");
            assert_eq!(again, c);
            assert!(c.as_str().parse::<std::net::IpAddr>().is_ok());
        }
    }
    let signer = Signer::new("fuzz-parse-key").unwrap();
    for kind in [TokenKind::File, TokenKind::Directory, TokenKind::Mp4] {
        let opts = SignOptions {
            expires: Some(2_147_483_647),
            ip,
            kind,
            speed: if kind == TokenKind::Mp4 { speed } else { None },
            buffer: if kind == TokenKind::Mp4 { buffer } else { None },
            now: Some(1_700_000_000),
            ..Default::default()
        };
        let signed = signer.sign_url(url, &opts);
        let _ = signer.token_with(url, &opts);
        let _ = signer.sign_many(&[url, "/x"], &opts);
        let e = signer.explain(
            url,
            &ExplainOptions {
                ip,
                kind,
                expires: Some(2_147_483_647),
            },
        );
        if let Ok(s) = &signed {
            // The explanation of a signed link shows the token it carries, matching.
            let ex = signer
                .explain(
                    s,
                    &ExplainOptions {
                        ip,
                        kind,
                        expires: None,
                    },
                )
                .expect("a signed link can be explained");
            assert_eq!(ex.matches, Some(true), "explain of {s:?}");
            assert!(!ex.string_to_sign.contains("fuzz-parse-key"));
            let _ = e;
        }
    }
    let _ = signer.explain(
        url,
        &ExplainOptions {
            ip,
            kind: TokenKind::Stream,
            expires: None,
        },
    );
    let _ = signer.stream_url(
        "",
        StreamKind::Vod,
        speed.unwrap_or("1"),
        buffer.unwrap_or("a"),
        Some(url.trim_start_matches('/')),
        &SignOptions {
            expires: Some(2_147_483_647),
            ip,
            now: Some(1_700_000_000),
            ..Default::default()
        },
    );
}

/// `multi_md5::md5_many` (and `md5_short_many`) over an arbitrary batch agree with `reference` (one message at a
/// time).
pub fn check_batch_md5(data: &[u8], reference: fn(&[u8]) -> [u8; 16]) {
    // Split into messages: each starts with a length byte (scaled to reach multi-block
    // messages), taking what remains when the data runs out.
    let mut msgs: Vec<&[u8]> = Vec::new();
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let n = (usize::from(len) * 3).min(tail.len());
        msgs.push(&tail[..n]);
        rest = &tail[n..];
        if msgs.len() == 64 {
            break;
        }
    }
    let mut out = vec![[0u8; 16]; msgs.len()];
    md5_many(&msgs, &mut out);
    for (m, d) in msgs.iter().zip(&out) {
        assert_eq!(
            *d,
            reference(m),
            "md5_many differs on a {}-byte message",
            m.len()
        );
    }
    // The short-message path, on the same messages cut to its limit, written over junk.
    let short: Vec<&[u8]> = msgs
        .iter()
        .map(|m| &m[..m.len().min(SHORT_MESSAGE)])
        .collect();
    let lens: Vec<usize> = short.iter().map(|m| m.len()).collect();
    let mut bufs: Vec<[u8; 128]> = short
        .iter()
        .map(|m| {
            let mut b = [0xa5u8; 128];
            b[..m.len()].copy_from_slice(m);
            b
        })
        .collect();
    md5_short_many(&mut bufs, &lens, &mut out);
    for (m, d) in short.iter().zip(&out) {
        assert_eq!(
            *d,
            reference(m),
            "md5_short_many differs on a {}-byte message",
            m.len()
        );
    }
}

/// The SIMD skips of `url::split` (`cdn_secure_token::scan`) against the rules written out byte by
/// byte: from every start, each must stop exactly at the first byte the rule marks, or at the
/// end (x86-64, where SSE2 runs, on input of at least one 16-byte block), and never past it.
pub fn check_scan(data: &[u8]) {
    use cdn_secure_token::scan::{skip_host, skip_path};
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b);
    let host_rule = |i: usize| {
        !(data[i].is_ascii_alphanumeric()
            || data[i] >= 0x80
            || b"-._~!$&'()*+,;=%".contains(&data[i]))
    };
    let path_rule = |i: usize| {
        !plain(data[i]) || (data[i] == b'/' && matches!(data.get(i + 1), Some(b'/' | b'.')))
    };
    for start in 0..=data.len().min(40) {
        for (name, got, rule) in [
            (
                "host",
                skip_host(data, start),
                &host_rule as &dyn Fn(usize) -> bool,
            ),
            ("path", skip_path(data, start), &path_rule),
        ] {
            let stop = (start..data.len()).find(|&i| rule(i)).unwrap_or(data.len());
            if cfg!(target_arch = "x86_64") && data.len() >= 16 {
                assert_eq!(got, stop, "{name} skip from {start} of {data:?}");
            } else {
                assert!(
                    start <= got && got <= stop,
                    "{name} skip from {start} of {data:?}"
                );
            }
        }
    }
}

/// Arbitrary bytes as a received request target into `Signer::verify_request` (and
/// `verify_decoded`): never panics, always one of the edge's statuses; leading and trailing
/// spaces (which nginx skips) and an absolute-form prefix do not change the verdict; and the
/// input taken as a URL, once signed, is valid as the target a browser sends for it.
pub fn check_verify_request(data: &[u8]) {
    // Layout: [kind byte] target \0 ip
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let kind = match k % 4 {
        0 => TokenKind::File,
        1 => TokenKind::Directory,
        2 => TokenKind::Mp4,
        _ => TokenKind::Stream,
    };
    let (target, ip) = match rest.iter().position(|&b| b == 0) {
        Some(p) if k & 0x80 != 0 => (&rest[..p], Some(String::from_utf8_lossy(&rest[p + 1..]))),
        _ => (rest, None),
    };
    let signer = Signer::builder("fuzz-key-1")
        .verify_key("fuzz-key-2")
        .build()
        .unwrap();
    let opts = VerifyOptions {
        ip: ip.as_deref(),
        now: Some(NOW),
        kind,
    };
    let v = signer.verify_request(target, &opts);
    assert!(
        matches!(v.status(), 200 | 400 | 403 | 410 | 414),
        "{target:?}: {v:?}"
    );
    assert_eq!(v.reason_code().is_none(), v.is_valid());
    let d = signer.verify_decoded(target, target, &opts);
    assert!(matches!(d.status(), 200 | 400 | 403 | 410 | 414));
    if target.len() < 8000 {
        let mut padded = b"  ".to_vec();
        padded.extend_from_slice(target);
        padded.extend_from_slice(b"   ");
        assert_eq!(
            signer.verify_request(&padded, &opts),
            v,
            "padded {target:?}"
        );
        if target.first() == Some(&b'/') {
            let mut abs = b"http://cdn.example.com:8080".to_vec();
            abs.extend_from_slice(target);
            assert_eq!(
                signer.verify_request(&abs, &opts),
                v,
                "absolute form of {target:?}"
            );
        }
    }
    if kind == TokenKind::Stream {
        return;
    }
    let url = String::from_utf8_lossy(target);
    let sopts = SignOptions {
        expires: Some(NOW + 1000),
        ip: ip.as_deref(),
        kind,
        now: Some(NOW),
        ..Default::default()
    };
    let Ok(signed) = signer.sign_url(&url, &sopts) else {
        return;
    };
    // What a browser sends: the path and query, without the origin and the fragment.
    let after_origin = if signed.starts_with('/') {
        &signed[..]
    } else {
        match signed.find("://") {
            Some(s) => signed[s + 3..]
                .find('/')
                .map_or("/", |p| &signed[s + 3 + p..]),
            None => &signed[..],
        }
    };
    let sent = after_origin.split('#').next().unwrap_or("");
    let got = signer.verify_request(sent.as_bytes(), &opts);
    assert_eq!(
        got,
        Verdict::Valid {
            expires: NOW + 1000,
            key_index: 0
        },
        "signed {url:?} as {signed:?}, received as {sent:?}"
    );
}
