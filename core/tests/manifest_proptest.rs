//! Property tests of sign_manifest on random playlists and MPDs: taking the token queries
//! out gives back the input byte for byte, each token is the one for the path the URI names
//! (computed here from how the URI was generated), and no input makes it panic.

use cdn_secure_token::{ManifestOptions, SignOptions, Signer, TokenKind};
use proptest::prelude::*;

const EXP: i64 = 2_000_000_000;
const URL: &str = "https://cdn.example.com/vod/movie/index.m3u8";

fn signer() -> Signer {
    Signer::new("proptest-manifest-key").unwrap()
}

fn opts(kind: TokenKind) -> ManifestOptions<'static> {
    ManifestOptions {
        sign: SignOptions {
            expires: Some(EXP),
            now: Some(1_700_000_000),
            kind,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A URI as written, and the decoded path it names under `URL`.
fn uri() -> impl Strategy<Value = (String, String)> {
    let name = "[a-z0-9_-]{1,12}(\\.ts|\\.m4s|\\.mp4|\\.m3u8)";
    (name, 0..5usize).prop_map(|(n, form)| match form {
        0 => (n.clone(), format!("/vod/movie/{n}")),
        1 => (format!("sub/{n}"), format!("/vod/movie/sub/{n}")),
        2 => (format!("../up/{n}"), format!("/vod/up/{n}")),
        3 => (format!("/abs/{n}"), format!("/abs/{n}")),
        _ => (
            format!("https://cdn.example.com/vod/movie/{n}"),
            format!("/vod/movie/{n}"),
        ),
    })
}

#[derive(Debug, Clone)]
enum Line {
    Text(String),
    Uri(String, String),
    /// A tag with a URI attribute: prefix, (uri, path), suffix.
    Tag(String, (String, String), String),
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        "#EXTINF:[0-9]{1,2}\\.[0-9]{3},[ a-zA-Z,]{0,10}".prop_map(Line::Text),
        "# [ -~]{0,20}".prop_map(Line::Text),
        "#EXT-X-[A-Z]{3,8}:[A-Z]+=[0-9]+".prop_map(Line::Text),
        Just(String::new()).prop_map(Line::Text),
        "#EXT-X-BYTERANGE:[0-9]{1,5}@[0-9]{1,5}".prop_map(Line::Text),
        uri().prop_map(|(u, p)| Line::Uri(u, p)),
        uri().prop_map(|u| Line::Tag(
            "#EXT-X-KEY:METHOD=AES-128,URI=\"".into(),
            u,
            "\",IV=0x1".into()
        )),
        uri().prop_map(|u| Line::Tag(
            "#EXT-X-MAP:URI=\"".into(),
            u,
            "\",BYTERANGE=\"10@0\"".into()
        )),
        uri().prop_map(|u| Line::Tag("#EXT-X-PART:DURATION=0.5,URI=\"".into(), u, "\"".into())),
    ]
}

/// Takes out `?md5=<22>&expires=<digits>`, checking each token against the expected path.
fn strip_and_check(s: &Signer, signed: &str, paths: &[String], kind: TokenKind) -> String {
    let mut out = String::new();
    let mut rest = signed;
    let mut k = 0;
    while let Some(i) = rest.find("?md5=") {
        out.push_str(&rest[..i]);
        let token = &rest[i + 5..i + 27];
        let after = &rest[i + 27..];
        let after = after
            .strip_prefix("&expires=")
            .expect("expires follows the token");
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        assert_eq!(&after[..digits], EXP.to_string());
        let want = s
            .token_with(
                &paths[k],
                &SignOptions {
                    expires: Some(EXP),
                    kind,
                    now: Some(1_700_000_000),
                    ..Default::default()
                },
            )
            .unwrap()
            .token;
        assert_eq!(token, want, "token of {}", paths[k]);
        k += 1;
        rest = &after[digits..];
    }
    out.push_str(rest);
    assert_eq!(k, paths.len(), "every URI has a token");
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn hls_round_trip(lines in prop::collection::vec((line(), any::<bool>()), 0..40), final_nl in any::<bool>()) {
        let mut text = String::from("#EXTM3U\n");
        let mut paths = Vec::new();
        for (i, (l, crlf)) in lines.iter().enumerate() {
            match l {
                Line::Text(t) => text.push_str(t),
                Line::Uri(u, p) => { text.push_str(u); paths.push(p.clone()); }
                Line::Tag(a, (u, p), b) => {
                    text.push_str(a); text.push_str(u); text.push_str(b); paths.push(p.clone());
                }
            }
            if i + 1 < lines.len() || final_nl {
                text.push_str(if *crlf { "\r\n" } else { "\n" });
            }
        }
        let s = signer();
        let signed = s.sign_manifest(&text, URL, &opts(TokenKind::File)).unwrap();
        prop_assert_eq!(strip_and_check(&s, &signed, &paths, TokenKind::File), text);
    }

    #[test]
    fn dash_segment_list_round_trip(
        segs in prop::collection::vec((uri(), any::<bool>(), "[ \t\n]{1,3}"), 1..20),
        comment in any::<bool>(),
    ) {
        let mut text = String::from("<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\">\n<Period><AdaptationSet><Representation id=\"1\">\n<SegmentList duration=\"1\">");
        let mut paths = Vec::new();
        for ((u, p), single, ws) in &segs {
            if comment { text.push_str("<!-- s -->"); }
            let q = if *single { '\'' } else { '"' };
            text.push_str(&format!("<SegmentURL{ws}mediaRange=\"0-1\" media={q}{u}{q}{ws}/>"));
            paths.push(p.clone());
        }
        text.push_str("</SegmentList></Representation></AdaptationSet></Period></MPD>");
        let s = signer();
        let signed = s.sign_manifest(&text, URL, &opts(TokenKind::File)).unwrap();
        // XML writes the query's '&' as &amp;.
        let unescaped = signed.replace("&amp;expires=", "&expires=");
        prop_assert_eq!(strip_and_check(&s, &unescaped, &paths, TokenKind::File), text);
    }

    #[test]
    fn no_input_panics(text in "(#EXTM3U\n|<MPD>|)[ -~\n\r\"<>&=$%/.]{0,200}", dir in any::<bool>()) {
        let s = signer();
        let kind = if dir { TokenKind::Directory } else { TokenKind::File };
        let _ = s.sign_manifest(&text, URL, &opts(kind));
    }
}
