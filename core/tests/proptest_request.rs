//! `verify_request` on generated targets: it never panics and always answers one of the
//! edge's statuses; on plain origin-form targets (what `verify` took before it existed) it
//! agrees with `verify`; every link `sign_url` makes is valid as a received target, also
//! spelled with `//`, `%2F`, `%2e` segments or in absolute form.

use cdn_secure_token::{SignOptions, Signer, TokenKind, Verdict, VerifyOptions};
use proptest::prelude::*;

const NOW: i64 = 1_700_000_000;

/// Pieces that steer nginx's request-line reader into each of its states.
const PIECES: &[&[u8]] = &[
    b"/",
    b"//",
    b"?",
    b"#",
    b"%",
    b"%2F",
    b"%2e",
    b"..",
    b".",
    b" ",
    b"http://",
    b"h",
    b"[",
    b"]",
    b":",
    b"@",
    b"md5=",
    b"&",
    b"expires=1",
    b"\xff",
    b"\x00",
    b"\r\n",
    b"HTTP/1.1",
];

fn signer() -> Signer {
    Signer::builder("proptest-key-1")
        .verify_key("proptest-key-2")
        .build()
        .unwrap()
}

fn kind() -> impl Strategy<Value = TokenKind> {
    prop_oneof![
        Just(TokenKind::File),
        Just(TokenKind::Directory),
        Just(TokenKind::Mp4),
        Just(TokenKind::Stream),
    ]
}

/// A plain origin-form target: `/` then segments of letters, digits, `-._~` and valid
/// escapes (no `//` at the start, no spaces, no control bytes), and a query of the usual
/// parameters with arbitrary values.
fn plain_target() -> impl Strategy<Value = String> {
    let seg = prop::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9._~-]{1,6}",
            Just("%20".to_string()),
            Just("%C3%A9".to_string()),
            Just("%2F".to_string()),
            Just("%2e".to_string()),
            Just("..".to_string()),
            Just(".".to_string()),
        ],
        1..4,
    )
    .prop_map(|v| v.concat());
    let path = prop::collection::vec(seg, 0..5).prop_map(|v| format!("/{}", v.join("/")));
    let param = prop_oneof![
        "md5=[A-Za-z0-9_-]{20,24}",
        "(md5|MD5|expires|Expires)=[0-9]{0,12}",
        "expires=[0-9a-z+-]{0,6}",
        "[a-z]{1,4}(=[a-z0-9%]{0,4})?",
    ];
    (path, prop::collection::vec(param, 0..5), any::<bool>()).prop_map(|(p, q, has_q)| {
        if has_q {
            format!("{p}?{}", q.join("&"))
        } else {
            p
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_bytes(target in prop::collection::vec(any::<u8>(), 0..300), kind in kind(),
                             ip in prop::option::of("[0-9a-f:.]{0,20}")) {
        let s = signer();
        let opts = VerifyOptions { ip: ip.as_deref(), now: Some(NOW), kind };
        let v = s.verify_request(&target, &opts);
        prop_assert!(matches!(v.status(), 200 | 400 | 403 | 410 | 414));
        prop_assert_eq!(v.reason_code().is_none(), v.is_valid());
        prop_assert_eq!(v.message().is_none(), v.is_valid());
        let d = s.verify_decoded(&target, &target, &opts);
        prop_assert!(matches!(d.status(), 200 | 400 | 403 | 410 | 414));
    }

    #[test]
    fn never_panics_on_request_like_bytes(
        parts in prop::collection::vec(prop::sample::select(PIECES), 0..40),
        kind in kind(),
    ) {
        let target = parts.concat();
        let s = signer();
        let v = s.verify_request(&target, &VerifyOptions { now: Some(NOW), kind, ..Default::default() });
        prop_assert!(matches!(v.status(), 200 | 400 | 403 | 410 | 414));
    }

    /// Plain origin-form targets: the received-request entry and the held-link entry agree.
    #[test]
    fn agrees_with_verify_on_plain_targets(target in plain_target(), kind in kind()) {
        let s = signer();
        let opts = VerifyOptions { now: Some(NOW), kind, ..Default::default() };
        let held = s.verify(&target, &opts).unwrap();
        let received = s.verify_request(target.as_bytes(), &opts);
        prop_assert_eq!(&received, &held, "{}", target);
    }

    /// A signed link is valid as the edge receives it, in several spellings of its path.
    #[test]
    fn signed_links_are_valid_as_received(
        path in "(/[a-z0-9 é%+;\\\\._-]{0,8}){1,4}",
        expires in (NOW + 1)..=2_147_483_647i64,
        spelling in 0..5usize,
        kind in prop_oneof![Just(TokenKind::File), Just(TokenKind::Directory), Just(TokenKind::Mp4)],
    ) {
        let s = signer();
        let sopts = SignOptions { expires: Some(expires), now: Some(NOW), kind, ..Default::default() };
        let Ok(signed) = s.sign_url(&path, &sopts) else { return Ok(()); };
        let target = match spelling {
            0 => signed.clone(),
            1 => format!("/{signed}"),
            2 => format!("http://cdn.example.com{signed}"),
            3 => signed.replacen('/', "/./", 1),
            _ => format!("/x/..{signed}"),
        };
        let v = s.verify_request(target.as_bytes(), &VerifyOptions { now: Some(NOW), kind, ..Default::default() });
        prop_assert_eq!(v, Verdict::Valid { expires, key_index: 0 }, "{} as {}", signed, target);
    }
}
