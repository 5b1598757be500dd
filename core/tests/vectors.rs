//! Every shared vector in tests/vectors/, checked against the core.

use std::path::PathBuf;

use cdn_secure_token::{
    ExplainOptions, SignOptions, Signer, StreamKind, TokenKind, Verdict, VerifyOptions,
};
use serde_json::Value;

fn load(name: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    let cases = v["cases"].as_array().unwrap().clone();
    assert!(!cases.is_empty(), "{name} has no cases");
    cases
}

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

fn sign_opts(c: &Value) -> SignOptions<'_> {
    SignOptions {
        expires: c["expires"].as_i64(),
        ttl: c["ttl"].as_i64(),
        ip: s(&c["ip"]),
        kind: c["kind"]
            .as_str()
            .unwrap_or("file")
            .parse()
            .unwrap_or(TokenKind::File),
        speed: s(&c["speed"]),
        buffer: s(&c["buffer"]),
        now: c["now"].as_i64(),
    }
}

#[test]
fn sign_vectors() {
    let cases = load("sign.json");
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let signer = Signer::new(c["key"].as_str().unwrap()).unwrap();
        let opts = sign_opts(c);
        let url = signer
            .sign_url(c["url"].as_str().unwrap(), &opts)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(url, c["signed_url"].as_str().unwrap(), "{name}");

        // explain the signed URL: the redacted string and the token.
        let ex = signer
            .explain(
                &url,
                &ExplainOptions {
                    ip: opts.ip,
                    kind: opts.kind,
                    expires: None,
                },
            )
            .unwrap();
        assert_eq!(
            ex.string_to_sign,
            c["explained"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(ex.expected_token, c["token"].as_str().unwrap(), "{name}");
        assert_eq!(ex.matches, Some(true), "{name}");
        assert!(!ex.string_to_sign.contains(c["key"].as_str().unwrap()));

        // The signed URL verifies.
        let v = signer
            .verify(
                &url,
                &VerifyOptions {
                    ip: opts.ip,
                    now: opts.now,
                    kind: opts.kind,
                },
            )
            .unwrap();
        assert!(v.is_valid(), "{name}: {v:?}");
    }
}

#[test]
fn low_level_token_matches_vectors() {
    // The low-level call on the decoded path gives the same token for file kinds.
    for c in load("sign.json") {
        if c["kind"] != "file" || c["expires"].is_null() {
            continue;
        }
        let signer = Signer::new(c["key"].as_str().unwrap()).unwrap();
        let ip = c["ip"].as_str();
        // explained = {expires}{decoded path}{canonical ip} ***: recover the decoded path.
        let exp = c["expires"].as_i64().unwrap().to_string();
        let explained = c["explained"].as_str().unwrap();
        let mut path = &explained[exp.len()..explained.len() - " ***".len()];
        if let Some(ip) = ip {
            let canonical = cdn_secure_token::CanonicalIp::parse(ip).unwrap();
            path = path.strip_suffix(canonical.as_str()).unwrap();
        }
        let t = signer
            .token(path, c["expires"].as_i64().unwrap(), ip)
            .unwrap_or_else(|e| panic!("{}: {e}", c["name"]));
        assert_eq!(t, c["token"].as_str().unwrap(), "{}", c["name"]);
    }
}

#[test]
fn stream_vectors() {
    for c in load("stream.json") {
        let name = c["name"].as_str().unwrap();
        let signer = Signer::new(c["key"].as_str().unwrap()).unwrap();
        let kind: StreamKind = c["stream"].as_str().unwrap().parse().unwrap();
        let opts = SignOptions {
            expires: c["expires"].as_i64(),
            ip: c["ip"].as_str(),
            now: c["now"].as_i64(),
            ..Default::default()
        };
        let url = signer
            .stream_url(
                c["base"].as_str().unwrap(),
                kind,
                c["account"].as_str().unwrap(),
                c["id"].as_str().unwrap(),
                c["file"].as_str(),
                &opts,
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(url, c["signed_url"].as_str().unwrap(), "{name}");
        let t = signer
            .stream_token(
                c["account"].as_str().unwrap(),
                c["id"].as_str().unwrap(),
                &opts,
            )
            .unwrap();
        assert_eq!(t.token, c["token"].as_str().unwrap(), "{name}");
        let v = signer
            .verify(
                &url,
                &VerifyOptions {
                    ip: opts.ip,
                    now: opts.now,
                    kind: TokenKind::Stream,
                },
            )
            .unwrap();
        assert!(v.is_valid(), "{name}: {v:?}");
    }
}

#[test]
fn verify_vectors() {
    for c in load("verify.json") {
        let name = c["name"].as_str().unwrap();
        let mut b = Signer::builder(c["key"].as_str().unwrap());
        for k in c["verify_keys"].as_array().unwrap() {
            b = b.verify_key(k.as_str().unwrap());
        }
        let signer = b.build().unwrap();
        let v = signer
            .verify(
                c["url"].as_str().unwrap(),
                &VerifyOptions {
                    ip: c["ip"].as_str(),
                    now: c["now"].as_i64(),
                    kind: c["kind"].as_str().unwrap().parse().unwrap(),
                },
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(v.as_str(), c["expected"].as_str().unwrap(), "{name}: {v:?}");
        assert_eq!(
            i64::from(v.status()),
            c["status"].as_i64().unwrap(),
            "{name}"
        );
        assert_eq!(v.reason_code(), c["reason"].as_str(), "{name}: reason");
        match (&v, c["key_index"].as_u64(), c["reason"].as_str()) {
            (Verdict::Valid { key_index, .. } | Verdict::Expired { key_index, .. }, Some(k), _) => {
                assert_eq!(*key_index as u64, k, "{name}")
            }
            (Verdict::Invalid(r), None, Some(code)) => assert_eq!(r.code(), code, "{name}"),
            _ => panic!("{name}: vector and verdict disagree in shape: {v:?}"),
        }
    }
}

#[test]
fn error_vectors() {
    for c in load("errors.json") {
        let name = c["name"].as_str().unwrap();
        let key = c["key"].as_str().unwrap();
        let want = c["error"].as_str().unwrap();
        let result: Result<(), cdn_secure_token::Error> = (|| {
            let signer = Signer::new(key)?;
            match c["op"].as_str().unwrap() {
                "sign" => {
                    let kind: TokenKind = c["kind"].as_str().unwrap().parse()?;
                    let opts = SignOptions {
                        kind,
                        ..sign_opts(&c)
                    };
                    signer.sign_url(c["url"].as_str().unwrap(), &opts)?;
                }
                "stream" => {
                    let kind: StreamKind = c["stream"].as_str().unwrap().parse()?;
                    signer.stream_url(
                        "",
                        kind,
                        c["account"].as_str().unwrap(),
                        c["id"].as_str().unwrap(),
                        None,
                        &sign_opts(&c),
                    )?;
                }
                "verify" => {
                    signer.verify(
                        c["url"].as_str().unwrap(),
                        &VerifyOptions {
                            ip: c["ip"].as_str(),
                            now: c["now"].as_i64(),
                            kind: TokenKind::File,
                        },
                    )?;
                }
                op => panic!("unknown op {op}"),
            }
            Ok(())
        })();
        let err = result.expect_err(name);
        assert_eq!(err.code(), want, "{name}: {err}");
        let text = err.to_string();
        assert!(!text.is_empty());
        if key.len() >= 6 {
            assert!(!text.contains(key), "{name}: error text shows the key");
        }
    }
}

#[test]
fn request_vectors() {
    for c in load("request.json") {
        let name = c["name"].as_str().unwrap();
        let hex = c["target_hex"].as_str().unwrap();
        let target: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let signer = Signer::new(c["key"].as_str().unwrap()).unwrap();
        let v = signer.verify_request(
            &target,
            &VerifyOptions {
                ip: c["ip"].as_str(),
                now: c["now"].as_i64(),
                kind: c["kind"].as_str().unwrap().parse().unwrap(),
            },
        );
        assert_eq!(v.as_str(), c["expected"].as_str().unwrap(), "{name}: {v:?}");
        assert_eq!(
            i64::from(v.status()),
            c["status"].as_i64().unwrap(),
            "{name}"
        );
        assert_eq!(v.reason_code(), c["reason"].as_str(), "{name}");
        assert_eq!(v.expires(), c["expires"].as_i64(), "{name}");
    }
}
