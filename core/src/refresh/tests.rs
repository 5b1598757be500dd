use super::*;

fn endpoint() -> RefreshEndpoint {
    RefreshEndpoint::new(
        Signer::new("my-cdn-key").unwrap(),
        RefreshConfig::new("12345", "https://cdn.example.com")
            .unwrap()
            .cdn_ip_url("https://cdn-ip.example.com/")
            .unwrap()
            .max_lifetime(120)
            .unwrap()
            .trusted_proxies(TrustedProxies::new(["10.0.0.0/8", "::1"]).unwrap()),
    )
}

fn req(query: &'static str) -> RefreshRequest<'static> {
    RefreshRequest {
        method: "GET",
        query: query.as_bytes(),
        peer: "203.0.113.42",
        now: Some(1_700_000_000),
        ..Default::default()
    }
}

/// Expected tokens: the hash strings of scheme.md's table written out by hand, hashed with
/// Python's hashlib (`12345_abc_my-cdn-key_1700000060_` and the same with the IP).
#[test]
fn contract_json_field_for_field() {
    let e = endpoint();
    let ask = e.prepare(&req("video=abc&type=vod&expire=60")).unwrap();
    let r = e.respond(&ask);
    assert_eq!(r.status, 200);
    let t = "DeQNSTY6SsSWbCkrvYGxpQ";
    let ti = "xnuFG_ooYVHwranuP1EzSg";
    assert_eq!(
        r.body,
        format!(
            "{{\"token\":\"{t}\",\"token_ip\":\"{ti}\",\"client_ip\":\"203.0.113.42\",\
             \"expires\":1700000060,\
             \"url\":\"https://cdn.example.com/videos/12345_abc/{t}/1700000060/master.m3u8\",\
             \"url_ip\":\"https://cdn-ip.example.com/videos/12345_abc/{ti}/1700000060/master.m3u8\"}}"
        )
    );
    assert_eq!(
        r.headers(),
        vec![
            ("Content-Type", "application/json"),
            ("Cache-Control", "no-store")
        ]
    );
}

#[test]
fn live_goes_to_cmaf() {
    let e = endpoint();
    let ask = e.prepare(&req("video=s1&type=live")).unwrap();
    assert_eq!(ask.type_name(), "live");
    assert!(e.respond(&ask).body.contains("/cmaf/12345_s1/"));
}

#[test]
fn expire_is_lifetime_or_absolute_and_capped() {
    let e = endpoint();
    let exp = |q| e.prepare(&req(q)).map(|a| a.expires());
    assert_eq!(exp("video=a"), Ok(1_700_000_060)); // default 60
    assert_eq!(exp("video=a&expire=30"), Ok(1_700_000_030));
    assert_eq!(exp("video=a&expire=100000"), Ok(1_700_000_120)); // cap
    assert_eq!(exp("video=a&expire=1700000090"), Ok(1_700_000_090)); // absolute
    assert_eq!(exp("video=a&expire=1800000000"), Ok(1_700_000_120)); // absolute, capped
    assert_eq!(exp("video=a&expire=30&expire=90"), Ok(1_700_000_030)); // first wins
    let code = |q| e.prepare(&req(q)).unwrap_err().code;
    assert_eq!(code("video=a&expire=1700000000000"), "expire_milliseconds");
    assert_eq!(code("video=a&expire=1600000000"), "expire_in_past");
    assert_eq!(code("video=a&expire=1700000000"), "expire_in_past");
    assert_eq!(code("video=a&expire=0"), "bad_expire");
    assert_eq!(code("video=a&expire=-5"), "bad_expire");
    assert_eq!(code("video=a&expire=1e3"), "bad_expire");
    assert_eq!(code("video=a&expire=99999999999999999999"), "bad_expire");
    assert_eq!(code("video=a&expire="), "bad_expire");
}

#[test]
fn bad_queries_are_400_json() {
    let e = endpoint();
    for (q, code) in [
        ("", "missing_video"),
        ("type=vod", "missing_video"),
        ("video=", "bad_video"),
        ("video=../x", "bad_video"),
        ("video=a%2Fb", "bad_video"),
        ("video=a&type=mp4", "bad_type"),
        ("video=%ff", "bad_query"),
        ("video=%zz", "bad_query"),
        ("video=%4", "bad_query"),
    ] {
        let r = e.handle(&req(q), |_| true);
        assert_eq!(r.status, 400, "{q}");
        assert!(
            r.body.starts_with(&format!("{{\"error\":\"{code}\",")),
            "{q}: {}",
            r.body
        );
        assert!(!r.body.contains("my-cdn-key"));
    }
    let post = RefreshRequest {
        method: "POST",
        ..req("video=a")
    };
    let r = e.handle(&post, |_| true);
    assert_eq!(r.status, 405);
    assert!(r.headers().contains(&("Allow", "GET, HEAD")));
}

#[test]
fn denied_is_403_and_signs_nothing() {
    let e = endpoint();
    let mut seen = None;
    let r = e.handle(&req("video=secret&type=live"), |a| {
        seen = Some((a.video().to_owned(), a.type_name()));
        false
    });
    assert_eq!(seen, Some(("secret".to_owned(), "live")));
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        r#"{"error":"forbidden","message":"not authorized for this video"}"#
    );
}

#[test]
fn client_ip_rule() {
    let t = TrustedProxies::new(["10.0.0.0/8", "::1", "192.0.2.0/24"]).unwrap();
    let ip = |peer, xff, xri| t.client_ip(peer, xff, xri).map(|c| c.as_str().to_owned());
    // Untrusted peer: headers ignored.
    assert_eq!(
        ip("203.0.113.9", Some("1.2.3.4"), Some("5.6.7.8")).unwrap(),
        "203.0.113.9"
    );
    // Trusted peer: rightmost untrusted XFF entry.
    assert_eq!(
        ip("10.1.2.3", Some("6.6.6.6, 198.51.100.7, 10.9.9.9"), None).unwrap(),
        "198.51.100.7"
    );
    // All XFF entries trusted: the leftmost.
    assert_eq!(
        ip("::1", Some("10.0.0.2,192.0.2.5"), None).unwrap(),
        "10.0.0.2"
    );
    // XFF with ports and brackets, and IPv6 canonicalized.
    assert_eq!(
        ip("::1", Some("[2001:DB8:0:0::1]:443"), None).unwrap(),
        "2001:db8::1"
    );
    // No XFF: X-Real-IP.
    assert_eq!(
        ip("10.0.0.1", None, Some(" 198.51.100.8 ")).unwrap(),
        "198.51.100.8"
    );
    assert_eq!(ip("10.0.0.1", Some(" "), None).unwrap(), "10.0.0.1");
    // A dual-stack socket's IPv4-mapped peer is the IPv4 address.
    assert_eq!(ip("::ffff:203.0.113.9", None, None).unwrap(), "203.0.113.9");
    assert_eq!(
        ip("::ffff:10.0.0.1", Some("1.1.1.1"), None).unwrap(),
        "1.1.1.1"
    );
    assert_eq!(ip("[::1]:5000", Some("1.1.1.1"), None).unwrap(), "1.1.1.1");
    // Malformed where the client should be: 400.
    let e = ip("10.0.0.1", Some("evil, 10.0.0.3"), None).unwrap_err();
    assert_eq!((e.status, e.code), (400, "bad_client_ip"));
    assert_eq!(ip("10.0.0.1", None, Some("x")).unwrap_err().status, 400);
    // A garbage peer is the server's fault.
    assert_eq!(ip("nope", None, None).unwrap_err().status, 500);
    // Network edges.
    assert_eq!(ip("11.0.0.1", Some("1.1.1.1"), None).unwrap(), "11.0.0.1");
    assert_eq!(ip("192.0.2.255", Some("1.1.1.1"), None).unwrap(), "1.1.1.1");
    assert_eq!(ip("192.0.3.0", Some("1.1.1.1"), None).unwrap(), "192.0.3.0");
    assert_eq!(ip("::2", Some("1.1.1.1"), None).unwrap(), "::2");
    let all = TrustedProxies::new(["0.0.0.0/0"]).unwrap();
    assert_eq!(
        all.client_ip("8.8.8.8", Some("1.1.1.1"), None)
            .unwrap()
            .as_str(),
        "1.1.1.1"
    );
    assert!(TrustedProxies::new(["10.0.0.0/33"]).is_err());
    assert!(TrustedProxies::new(["10.0.0.0/"]).is_err());
    assert!(TrustedProxies::new(["nope"]).is_err());
    let v6 = TrustedProxies::new(["2001:db8::/32"]).unwrap();
    assert_eq!(
        v6.client_ip("2001:db8:ffff::1", Some("1.1.1.1"), None)
            .unwrap()
            .as_str(),
        "1.1.1.1"
    );
    assert_eq!(
        v6.client_ip("2001:db9::1", Some("1.1.1.1"), None)
            .unwrap()
            .as_str(),
        "2001:db9::1"
    );
}

#[test]
fn config_is_checked() {
    assert!(RefreshConfig::new("abc", "https://cdn").is_err());
    assert!(RefreshConfig::new("1", "cdn.example.com").is_err());
    assert!(RefreshConfig::new("1", "https://cdn/x").is_err());
    assert!(RefreshConfig::new("1", "https://u:p@cdn").is_err());
    assert!(RefreshConfig::new("1", "https://cdn")
        .unwrap()
        .max_lifetime(0)
        .is_err());
    assert!(RefreshConfig::new("1", "http://127.0.0.1:8080").is_ok());
    assert!(RefreshConfig::new("1", "").is_ok());
}
