//! The face-facing API of issue 11: options set through the schema, prepared once, signed
//! one by one, as a batch and as one joined text — all byte for byte what `sign_url` gives,
//! over the shared vectors.

use std::path::PathBuf;
use std::sync::Arc;

use cdn_secure_token::{
    ErrorKind, FixedClock, InvalidReason, SignOptions, Signer, TokenKind, Value, REASONS,
    SIGN_OPTIONS,
};

fn load(name: &str) -> Vec<serde_json::Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

/// The options of a vector, set the way a face sets them: one `Value` per schema entry.
fn schema_opts(c: &serde_json::Value) -> cdn_secure_token::Result<SignOptions<'_>> {
    let mut o = SignOptions::default();
    for spec in SIGN_OPTIONS {
        let v = &c[spec.name];
        let v = if let Some(i) = v.as_i64() {
            Value::Int(i)
        } else if let Some(s) = v.as_str() {
            Value::Text(s)
        } else {
            Value::Absent
        };
        o.set(spec.name, v)?;
    }
    Ok(o)
}

#[test]
fn prepared_signing_is_sign_url_byte_for_byte_over_the_vectors() {
    let cases = load("sign.json");
    assert!(cases.len() > 10);
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let signer = Signer::new(c["key"].as_str().unwrap()).unwrap();
        let url = c["url"].as_str().unwrap();
        let want = c["signed_url"].as_str().unwrap();
        let opts = schema_opts(c).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(signer.sign_url(url, &opts).unwrap(), want, "{name}");
        let p = signer.prepare(&opts).unwrap();
        assert_eq!(signer.sign_prepared(url, &p).unwrap(), want, "{name}");
        // Reused.
        assert_eq!(signer.sign_prepared(url, &p).unwrap(), want, "{name}");
        let batch = signer.sign_many_prepared(&[url, url], &p).unwrap();
        assert_eq!(batch.into_joined(), format!("{want}\n{want}"), "{name}");
        let joined = signer.sign_joined(&format!("{url}\n"), b'\n', &p).unwrap();
        assert_eq!(joined.into_joined(), want, "{name}");
    }
}

#[test]
fn prepared_errors_are_the_vectors_errors() {
    for c in load("errors.json") {
        if c["op"] != "sign" {
            continue;
        }
        let name = c["name"].as_str().unwrap();
        let want = c["error"].as_str().unwrap();
        let Ok(signer) = Signer::new(c["key"].as_str().unwrap()) else {
            continue;
        };
        let url = c["url"].as_str().unwrap();
        let got = schema_opts(&c)
            .and_then(|o| signer.prepare(&o))
            .and_then(|p| signer.sign_prepared(url, &p))
            .expect_err(name);
        assert_eq!(got.code(), want, "{name}: {got}");
        let direct = schema_opts(&c)
            .and_then(|o| signer.sign_url(url, &o))
            .expect_err(name);
        assert_eq!(direct, got, "{name}");
    }
}

#[test]
fn a_batch_of_many_sizes_is_the_loop_of_sign_url() {
    let signer = Signer::new("batch-secret-key").unwrap();
    let opts = SignOptions {
        expires: Some(2147483647),
        now: Some(1_700_000_000),
        ip: Some("::ffff:10.0.0.1"),
        ..Default::default()
    };
    let p = signer.prepare(&opts).unwrap();
    for n in [0usize, 1, 7, 8, 9, 64, 65, 200] {
        let urls: Vec<String> = (0..n)
            .map(|i| format!("https://cdn.example.com/a b/{i}.ts?x={i}"))
            .collect();
        let want: Vec<String> = urls
            .iter()
            .map(|u| signer.sign_url(u, &opts).unwrap())
            .collect();
        let batch = signer.sign_many_prepared(&urls, &p).unwrap();
        assert_eq!(batch.iter().collect::<Vec<_>>(), want, "{n}");
        let joined = signer.sign_joined(&urls.join("\n"), b'\n', &p).unwrap();
        assert_eq!(joined.into_joined(), want.join("\n"), "{n}");
        let crlf = signer.sign_joined(&urls.join("\r"), b'\r', &p).unwrap();
        assert_eq!(crlf.into_joined(), want.join("\n"), "{n}");
    }
}

#[test]
fn the_joined_protocol_reports_the_failing_index() {
    let signer = Signer::new("batch-secret-key").unwrap();
    let p = signer
        .prepare(&SignOptions {
            expires: Some(2147483647),
            now: Some(1_700_000_000),
            ..Default::default()
        })
        .unwrap();
    let fails = |text: &str| signer.sign_joined(text, b'\n', &p).unwrap_err().index;
    // Empty text: no URLs.
    assert!(signer.sign_joined("", b'\n', &p).unwrap().is_empty());
    // A trailing separator is not an extra (empty, failing) URL.
    assert_eq!(signer.sign_joined("/a\n/b\n", b'\n', &p).unwrap().len(), 2);
    assert_eq!(signer.sign_joined("/a", b'\n', &p).unwrap().len(), 1);
    // An empty URL in the middle, or alone before the separator, fails where it is.
    assert_eq!(fails("/a\n\n/b"), 1);
    assert_eq!(fails("\n"), 0);
    assert_eq!(fails("/a\n/b\n\n"), 2);
    assert_eq!(fails("/a\n/b\n/%zz\n/c"), 2);
    // Beyond the lanes, and in the tail after them.
    let mut urls: Vec<String> = (0..150).map(|i| format!("/v/{i}.ts")).collect();
    urls[97] = "/bad/%00".into();
    assert_eq!(fails(&urls.join("\n")), 97);
    urls[97] = "/ok".into();
    urls[140] = "/x/../..".into();
    let e = signer.sign_joined(&urls.join("\n"), b'\n', &p).unwrap_err();
    assert_eq!(e.index, 140);
    assert_eq!(e.to_string(), format!("item 140: {}", e.error));
    // A text large enough for several threads, cut into slices by bytes: the index is
    // counted across slices, at either side of a cut and at both ends; the first failing
    // URL wins over a later one in another slice; a trailing separator stays no URL.
    let n = 10_000;
    let mut urls: Vec<String> = (0..n).map(|i| format!("/v/{i}.ts")).collect();
    for bad in [0, 1, 4_999, 5_000, 5_001, 7_777, n - 2, n - 1] {
        let keep = std::mem::replace(&mut urls[bad], "/bad/%zz".into());
        assert_eq!(fails(&urls.join("\n")), bad, "{bad}");
        assert_eq!(
            fails(&(urls.join("\n") + "\n")),
            bad,
            "{bad} then a separator"
        );
        if bad + 3_000 < n {
            urls[bad + 3_000] = "/x/../..".into();
            assert_eq!(fails(&urls.join("\n")), bad, "{bad} and a later one");
            urls[bad + 3_000] = format!("/v/{}.ts", bad + 3_000);
        }
        urls[bad] = keep;
    }
    assert_eq!(
        signer
            .sign_joined(&(urls.join("\n") + "\n"), b'\n', &p)
            .unwrap()
            .len(),
        n
    );
    // An empty URL right at the end (before the trailing separator) is counted.
    assert_eq!(fails(&(urls.join("\n") + "\n\n")), n);
    // The separator must be a control byte (0 for an argument error).
    let e = signer.sign_joined("/a,/b", b',', &p).unwrap_err();
    assert_eq!((e.index, e.error.kind()), (0, ErrorKind::Argument));
}

#[test]
fn a_lifetime_is_resolved_at_every_call_and_a_fixed_expiry_once() {
    let clock = Arc::new(FixedClock(1_700_000_000));
    let signer = Signer::builder("clock-secret-key")
        .clock(clock)
        .build()
        .unwrap();
    let ttl = signer
        .prepare(&SignOptions {
            ttl: Some(60),
            ..Default::default()
        })
        .unwrap();
    let url = signer.sign_prepared("/a.jpg", &ttl).unwrap();
    assert!(url.ends_with("&expires=1700000060"), "{url}");
    let later = Signer::builder("clock-secret-key")
        .clock(Arc::new(FixedClock(1_700_000_100)))
        .build()
        .unwrap();
    let url = later.sign_prepared("/a.jpg", &ttl).unwrap();
    assert!(url.ends_with("&expires=1700000160"), "{url}");
    let fixed = signer
        .prepare(&SignOptions {
            ttl: Some(60),
            now: Some(1_000),
            ..Default::default()
        })
        .unwrap();
    let url = later.sign_prepared("/a.jpg", &fixed).unwrap();
    assert!(url.ends_with("&expires=1060"), "{url}");
    assert_eq!(fixed.kind(), TokenKind::File);
}

#[test]
fn prepare_refuses_what_sign_url_refuses() {
    let signer = Signer::new("clock-secret-key").unwrap();
    let bad = [
        SignOptions::default(),
        SignOptions {
            kind: TokenKind::Stream,
            expires: Some(2147483647),
            ..Default::default()
        },
        SignOptions {
            expires: Some(2147483647),
            speed: Some("1m"),
            ..Default::default()
        },
        SignOptions {
            expires: Some(2147483647),
            ip: Some("1.2.3"),
            ..Default::default()
        },
        SignOptions {
            expires: Some(2147483647),
            kind: TokenKind::Mp4,
            speed: Some("1 m"),
            ..Default::default()
        },
    ];
    for o in bad {
        let e = signer.prepare(&o).unwrap_err();
        assert_eq!(signer.sign_url("/a", &o).unwrap_err(), e, "{o:?}");
        assert_eq!(signer.sign_many(&["/a"], &o).unwrap_err().error, e, "{o:?}");
    }
}

#[test]
fn reasons_table_matches_the_reasons() {
    let samples = [
        InvalidReason::MissingToken,
        InvalidReason::MalformedToken,
        InvalidReason::MissingExpires,
        InvalidReason::MalformedExpires,
        InvalidReason::BadRequest(cdn_secure_token::Error::PathEmpty),
        InvalidReason::NotAStreamPath,
        InvalidReason::Mismatch,
        InvalidReason::UriTooLong,
        InvalidReason::BadClientIp,
    ];
    assert_eq!(REASONS.len(), samples.len() + 1);
    for (r, row) in samples.iter().zip(REASONS) {
        assert_eq!(*row, (r.number(), r.code(), r.status()), "{r:?}");
    }
    assert_eq!(REASONS.last(), Some(&(10, "expired", 410)));
    let mut numbers: Vec<i32> = REASONS.iter().map(|r| r.0).collect();
    numbers.dedup();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
}
