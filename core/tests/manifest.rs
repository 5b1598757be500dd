//! sign_manifest: what is signed, what stays byte for byte, and the errors. Expected paths
//! are written out by hand; tokens are checked with `Signer::verify` (an independent path
//! through the core: it parses the signed URL as the edge would) and against
//! `Signer::token` for the hand-written path.

use cdn_secure_token::{
    ErrorKind, ManifestOptions, Outside, SignOptions, Signer, TokenKind, Verdict, VerifyOptions,
    MAX_MANIFEST_LEN,
};

const EXP: i64 = 2_000_000_000;
const NOW: i64 = 1_700_000_000;
const BASE: &str = "https://cdn.example.com/vod/movie/index.m3u8";

fn signer() -> Signer {
    Signer::new("manifest-test-key").unwrap()
}

fn opts(kind: TokenKind) -> ManifestOptions<'static> {
    ManifestOptions {
        sign: SignOptions {
            expires: Some(EXP),
            now: Some(NOW),
            kind,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The token query the core gives `path` (hand-written, decoded) for the kind.
fn query(s: &Signer, path: &str, kind: TokenKind) -> String {
    let t = s
        .token_with(
            path,
            &SignOptions {
                expires: Some(EXP),
                now: Some(NOW),
                kind,
                ..Default::default()
            },
        )
        .unwrap();
    format!("md5={}&expires={}", t.token, t.expires)
}

fn valid(s: &Signer, url: &str, kind: TokenKind) -> bool {
    let v = s
        .verify(
            url,
            &VerifyOptions {
                now: Some(NOW),
                kind,
                ..Default::default()
            },
        )
        .unwrap();
    matches!(v, Verdict::Valid { .. })
}

#[test]
fn media_playlist_every_uri_signed_rest_unchanged() {
    let s = signer();
    let text = "#EXTM3U\r\n#EXT-X-VERSION:7\r\n# a comment\r\n#EXT-X-UNKNOWN:URI=\"x.ts\"\r\n\
        #EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\",IV=0x00000000000000000000000000000001\r\n\
        #EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"720@0\"\r\n#EXTINF:4.0,title, with comma\r\n\
        #EXT-X-BYTERANGE:1000@720\r\nseg 1.m4s\r\n#EXTINF:4.0,\r\n../other/seg2.m4s?x=1&MD5=old&expires=5\r\n\
        #EXTINF:4.0,\r\n/abs/seg3.m4s\r\n#EXTINF:4.0,\r\nhttps://cdn.example.com/vod/movie/seg4.m4s#t=1\r\n\
        #EXTINF:4.0,\r\nhttps://elsewhere.example.net/seg5.m4s\r\n#EXT-X-ENDLIST";
    let out = s.sign_manifest(text, BASE, &opts(TokenKind::File)).unwrap();
    let f = |p| query(&s, p, TokenKind::File);
    let want = format!(
        "#EXTM3U\r\n#EXT-X-VERSION:7\r\n# a comment\r\n#EXT-X-UNKNOWN:URI=\"x.ts\"\r\n\
        #EXT-X-KEY:METHOD=AES-128,URI=\"key.bin?{}\",IV=0x00000000000000000000000000000001\r\n\
        #EXT-X-MAP:URI=\"init.mp4?{}\",BYTERANGE=\"720@0\"\r\n#EXTINF:4.0,title, with comma\r\n\
        #EXT-X-BYTERANGE:1000@720\r\nseg 1.m4s?{}\r\n#EXTINF:4.0,\r\n../other/seg2.m4s?x=1&{}\r\n\
        #EXTINF:4.0,\r\n/abs/seg3.m4s?{}\r\n#EXTINF:4.0,\r\nhttps://cdn.example.com/vod/movie/seg4.m4s?{}#t=1\r\n\
        #EXTINF:4.0,\r\nhttps://elsewhere.example.net/seg5.m4s\r\n#EXT-X-ENDLIST",
        f("/vod/movie/key.bin"),
        f("/vod/movie/init.mp4"),
        f("/vod/movie/seg 1.m4s"),
        f("/vod/other/seg2.m4s"),
        f("/abs/seg3.m4s"),
        f("/vod/movie/seg4.m4s"),
    );
    assert_eq!(out, want);
    assert!(valid(
        &s,
        &format!(
            "https://cdn.example.com/vod/movie/seg%201.m4s?{}",
            f("/vod/movie/seg 1.m4s")
        ),
        TokenKind::File
    ));
}

#[test]
fn master_playlist_and_ll_hls_tags() {
    let s = signer();
    let text = "#EXTM3U\n\
        #EXT-X-SESSION-DATA:DATA-ID=\"com.example.title\",URI=\"title.json\"\n\
        #EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://key-42\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n\
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"en\",URI=\"audio/en.m3u8\"\n\
        #EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"cc\",NAME=\"en\",INSTREAM-ID=\"CC1\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.4d401e,mp4a.40.2\",AUDIO=\"aud\"\n\
        v0/index.m3u8\n\
        #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,URI=\"v0/iframes.m3u8\"\n\
        #EXT-X-PART:DURATION=0.5,URI=\"part1.mp4\",INDEPENDENT=YES\n\
        #EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part2.mp4\",BYTERANGE-START=100\n\
        #EXT-X-RENDITION-REPORT:URI=\"../v1/index.m3u8\",LAST-MSN=5\n\
        #EXT-X-KEY:METHOD=AES-128,URI=\"data:text/plain;base64,AAAA\"\n";
    let out = s.sign_manifest(text, BASE, &opts(TokenKind::File)).unwrap();
    let f = |p| query(&s, p, TokenKind::File);
    let want = format!(
        "#EXTM3U\n\
        #EXT-X-SESSION-DATA:DATA-ID=\"com.example.title\",URI=\"title.json?{}\"\n\
        #EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://key-42\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n\
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"en\",URI=\"audio/en.m3u8?{}\"\n\
        #EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"cc\",NAME=\"en\",INSTREAM-ID=\"CC1\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.4d401e,mp4a.40.2\",AUDIO=\"aud\"\n\
        v0/index.m3u8?{}\n\
        #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,URI=\"v0/iframes.m3u8?{}\"\n\
        #EXT-X-PART:DURATION=0.5,URI=\"part1.mp4?{}\",INDEPENDENT=YES\n\
        #EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part2.mp4?{}\",BYTERANGE-START=100\n\
        #EXT-X-RENDITION-REPORT:URI=\"../v1/index.m3u8?{}\",LAST-MSN=5\n\
        #EXT-X-KEY:METHOD=AES-128,URI=\"data:text/plain;base64,AAAA\"\n",
        f("/vod/movie/title.json"),
        f("/vod/movie/audio/en.m3u8"),
        f("/vod/movie/v0/index.m3u8"),
        f("/vod/movie/v0/iframes.m3u8"),
        f("/vod/movie/part1.mp4"),
        f("/vod/movie/part2.mp4"),
        f("/vod/v1/index.m3u8"),
    );
    assert_eq!(out, want);
}

#[test]
fn ip_bound_and_mp4_tokens_per_uri() {
    let s = signer();
    let text = "#EXTM3U\n#EXTINF:4,\na.mp4\n";
    let mut o = opts(TokenKind::File);
    o.sign.ip = Some("::FFFF:1.2.3.4");
    let out = s.sign_manifest(text, BASE, &o).unwrap();
    let url = format!(
        "https://cdn.example.com/vod/movie/{}",
        out.lines().nth(2).unwrap()
    );
    let ok = |ip| {
        s.verify(
            &url,
            &VerifyOptions {
                now: Some(NOW),
                ip: Some(ip),
                ..Default::default()
            },
        )
        .unwrap()
        .is_valid()
    };
    assert!(ok("::ffff:1.2.3.4"));
    assert!(!ok("1.2.3.5"));

    let mut o = opts(TokenKind::Mp4);
    o.sign.speed = Some("1m");
    o.sign.buffer = Some("500k");
    let out = s.sign_manifest(text, BASE, &o).unwrap();
    let line = out.lines().nth(2).unwrap();
    assert!(line.ends_with("&speed=1m&buffer=500k"), "{line}");
    assert!(valid(
        &s,
        &format!("https://cdn.example.com/vod/movie/{line}"),
        TokenKind::Mp4
    ));
}

#[test]
fn directory_mode_inside_outside() {
    let s = signer();
    let text =
        "#EXTM3U\n#EXTINF:4,\nseg1.ts\n#EXTINF:4,\n./seg2.ts?a=b\n#EXTINF:4,\n/vod/movie/seg3.ts\n";
    let out = s
        .sign_manifest(text, BASE, &opts(TokenKind::Directory))
        .unwrap();
    let d = query(&s, "/vod/movie/", TokenKind::Directory);
    assert_eq!(
        out,
        format!(
            "#EXTM3U\n#EXTINF:4,\nseg1.ts?{d}\n#EXTINF:4,\n./seg2.ts?a=b&{d}\n#EXTINF:4,\n/vod/movie/seg3.ts?{d}\n"
        )
    );
    // A subdirectory is not covered by the directory token.
    let text = "#EXTM3U\n#EXTINF:4,\nseg1.ts\n#EXTINF:4,\nhi/seg2.ts\n";
    let e = s
        .sign_manifest(text, BASE, &opts(TokenKind::Directory))
        .unwrap_err();
    assert_eq!(e.line, 5);
    assert!(
        e.to_string().contains("outside the manifest's directory"),
        "{e}"
    );
    assert!(e.to_string().contains("hi/seg2.ts"), "{e}");
    let mut o = opts(TokenKind::Directory);
    o.outside = Outside::Keep;
    let out = s.sign_manifest(text, BASE, &o).unwrap();
    assert_eq!(
        out,
        format!("#EXTM3U\n#EXTINF:4,\nseg1.ts?{d}\n#EXTINF:4,\nhi/seg2.ts\n")
    );
}

#[test]
fn other_hosts_only_when_asked() {
    let s = signer();
    let text =
        "#EXTM3U\n#EXTINF:4,\nhttps://b.example.net/x/seg.ts\n#EXTINF:4,\n//c.example.org/y.ts\n";
    assert_eq!(
        s.sign_manifest(text, BASE, &opts(TokenKind::File)).unwrap(),
        text
    );
    let mut o = opts(TokenKind::File);
    o.other_hosts = true;
    let out = s.sign_manifest(text, BASE, &o).unwrap();
    assert_eq!(
        out,
        format!(
            "#EXTM3U\n#EXTINF:4,\nhttps://b.example.net/x/seg.ts?{}\n#EXTINF:4,\n//c.example.org/y.ts?{}\n",
            query(&s, "/x/seg.ts", TokenKind::File),
            query(&s, "/y.ts", TokenKind::File)
        )
    );
}

#[test]
fn final_newline_or_not_and_bom_kept() {
    let s = signer();
    for text in [
        "#EXTM3U\nseg.ts",
        "#EXTM3U\nseg.ts\n",
        "#EXTM3U\r\nseg.ts\r\n",
        "\u{feff}#EXTM3U\nseg.ts\n\n\n",
    ] {
        let out = s.sign_manifest(text, BASE, &opts(TokenKind::File)).unwrap();
        let q = query(&s, "/vod/movie/seg.ts", TokenKind::File);
        assert_eq!(out, text.replacen("seg.ts", &format!("seg.ts?{q}"), 1));
    }
}

#[test]
fn errors_name_the_line_and_leave_nothing() {
    let s = signer();
    let o = opts(TokenKind::File);
    let e = s.sign_manifest("hello\n", BASE, &o).unwrap_err();
    assert_eq!((e.line, e.kind()), (1, ErrorKind::Argument));
    assert!(e.to_string().contains("neither an HLS playlist"), "{e}");

    let e = s
        .sign_manifest("#EXTM3U\n#EXTINF:4,\nok.ts\nbad%zz.ts\n", BASE, &o)
        .unwrap_err();
    assert_eq!((e.line, e.kind()), (4, ErrorKind::Path));
    assert!(
        e.to_string().starts_with(
            "manifest line 4, URI line \"bad%zz.ts\": path has an invalid percent escape"
        ),
        "{e}"
    );

    let e = s
        .sign_manifest("#EXTM3U\n#EXT-X-MAP:URI=\"../../../init.mp4\"\n", BASE, &o)
        .unwrap_err();
    assert_eq!((e.line, e.kind()), (2, ErrorKind::Path));
    assert!(e.to_string().contains("EXT-X-MAP URI"), "{e}");

    let e = s
        .sign_manifest(
            "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\n",
            BASE,
            &o,
        )
        .unwrap_err();
    assert_eq!(e.line, 2);

    let e = s
        .sign_manifest("#EXTM3U\nseg%00.ts\n", BASE, &o)
        .unwrap_err();
    assert_eq!((e.line, e.kind()), (2, ErrorKind::Path));

    let e = s
        .sign_manifest("#EXTM3U\nseg-{$v}.ts\n", BASE, &o)
        .unwrap_err();
    assert!(e.to_string().contains("EXT-X-DEFINE"), "{e}");

    let mut huge = String::from("#EXTM3U\n");
    while huge.len() <= MAX_MANIFEST_LEN {
        huge.push_str("#EXTINF:4,\nsegment-000000.ts\n");
    }
    let e = s.sign_manifest(&huge, BASE, &o).unwrap_err();
    assert_eq!(e.line, 0);
    assert!(e.to_string().contains("larger than"), "{e}");

    let e = s
        .sign_manifest("#EXTM3U\nseg.ts\n", "cdn.example.com/x.m3u8", &o)
        .unwrap_err();
    assert_eq!((e.line, e.kind()), (0, ErrorKind::Url));

    let mut bad = o;
    bad.sign.expires = Some(-1);
    let e = s
        .sign_manifest("#EXTM3U\nseg.ts\n", BASE, &bad)
        .unwrap_err();
    assert_eq!(
        (e.context.as_str(), e.kind()),
        ("options", ErrorKind::Expiry)
    );
    let mut bad = o;
    bad.sign.kind = TokenKind::Stream;
    assert!(s.sign_manifest("#EXTM3U\nseg.ts\n", BASE, &bad).is_err());
}

#[test]
fn key_never_in_errors() {
    let s = signer();
    let e = s
        .sign_manifest("#EXTM3U\nbad%zz.ts\n", BASE, &opts(TokenKind::File))
        .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("manifest-test-key"));
}

const MPD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<!-- generated -->
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S">
  <BaseURL>https://cdn.example.com/dash/</BaseURL>
  <Period id="0">
    <AdaptationSet mimeType="video/mp4" segmentAlignment="true">
      <BaseURL> video/ </BaseURL>
      <Representation id="v0" bandwidth="100000">
        <SegmentList timescale="1000" duration="2000">
          <Initialization sourceURL="init.mp4" range="0-100"/>
          <RepresentationIndex sourceURL='index.sidx'/>
          <SegmentURL media="s1.m4s?a=1&amp;b=2" mediaRange="0-99"/>
          <SegmentURL   media = "../s2.m4s" />
        </SegmentList>
      </Representation>
      <Representation id="v1" bandwidth="50000">
        <BaseURL>v1/single.mp4</BaseURL>
        <SegmentBase indexRange="0-800"/>
      </Representation>
    </AdaptationSet>
    <AdaptationSet mimeType="audio/mp4">
      <BaseURL>https://other.example.net/a/</BaseURL>
      <SegmentList><SegmentURL media="a1.m4s"/></SegmentList>
    </AdaptationSet>
  </Period>
</MPD>
"#;

#[test]
fn dash_segment_list_nested_base_urls() {
    let s = signer();
    let out = s
        .sign_manifest(
            MPD,
            "https://cdn.example.com/dash/x.mpd",
            &opts(TokenKind::File),
        )
        .unwrap();
    let f = |p| query(&s, p, TokenKind::File);
    let want = MPD
        .replace(
            "\"init.mp4\"",
            &format!(
                "\"init.mp4?{}\"",
                f("/dash/video/init.mp4").replace('&', "&amp;")
            ),
        )
        .replace(
            "'index.sidx'",
            &format!(
                "'index.sidx?{}'",
                f("/dash/video/index.sidx").replace('&', "&amp;")
            ),
        )
        .replace(
            "\"s1.m4s?a=1&amp;b=2\"",
            &format!(
                "\"s1.m4s?a=1&amp;b=2&amp;{}\"",
                f("/dash/video/s1.m4s").replace('&', "&amp;")
            ),
        )
        .replace(
            "\"../s2.m4s\"",
            &format!("\"../s2.m4s?{}\"", f("/dash/s2.m4s").replace('&', "&amp;")),
        )
        .replace(
            ">v1/single.mp4<",
            &format!(
                ">v1/single.mp4?{}<",
                f("/dash/video/v1/single.mp4").replace('&', "&amp;")
            ),
        );
    assert_eq!(out, want);
}

const TEMPLATE_MPD: &str = r#"<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><AdaptationSet>
<SegmentTemplate timescale="1000" initialization="init-$RepresentationID$.m4s" media="chunk-$RepresentationID$-$Number%05d$.m4s" startNumber="1"/>
<Representation id="0" bandwidth="1"/></AdaptationSet></Period></MPD>"#;

#[test]
fn dash_templates_take_the_directory_token() {
    let s = signer();
    let url = "https://cdn.example.com/dash/t/manifest.mpd";
    let e = s
        .sign_manifest(TEMPLATE_MPD, url, &opts(TokenKind::File))
        .unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.to_string().contains("only a directory token"), "{e}");
    let out = s
        .sign_manifest(TEMPLATE_MPD, url, &opts(TokenKind::Directory))
        .unwrap();
    let d = query(&s, "/dash/t/", TokenKind::Directory).replace('&', "&amp;");
    let want = TEMPLATE_MPD
        .replace(
            "$RepresentationID$.m4s\"",
            &format!("$RepresentationID$.m4s?{d}\""),
        )
        .replace("$Number%05d$.m4s\"", &format!("$Number%05d$.m4s?{d}\""));
    assert_eq!(out, want);
    // Substituted, as a player does, the segment URL verifies with the directory token.
    let seg = format!(
        "https://cdn.example.com/dash/t/chunk-0-00001.m4s?{}",
        query(&s, "/dash/t/", TokenKind::Directory)
    );
    assert!(valid(&s, &seg, TokenKind::Directory));
}

#[test]
fn dash_errors() {
    let s = signer();
    let url = "https://cdn.example.com/dash/x.mpd";
    let o = opts(TokenKind::File);
    for (doc, line, needle) in [
        ("<html><body/></html>", 1, "not MPD"),
        ("<MPD>\n<Period>\n</MPD>", 3, "does not close"),
        ("<MPD>\n<BaseURL>a/</BaseURL>\n<Period>", 3, "never closed"),
        ("<MPD>\n<SegmentURL media=\"a&nbsp;b\"/></MPD>", 2, "entity"),
        ("<!DOCTYPE MPD [<!ENTITY x \"y\">]><MPD/>", 1, "DTD"),
        (
            "<MPD>\n\n<SegmentURL media=\"../../x.m4s\"/></MPD>",
            3,
            "above the root",
        ),
        ("<MPD><SegmentURL media=\"a\"></MPD", 1, "well-formed"),
    ] {
        let e = s.sign_manifest(doc, url, &o).unwrap_err();
        assert_eq!(e.line, line, "{doc}: {e}");
        assert!(e.to_string().contains(needle), "{doc}: {e}");
    }
}

#[test]
fn dash_directory_mode_base_urls_location_cdata() {
    let s = signer();
    let doc = "<MPD>\n<Location>https://cdn.example.com/dash/live.mpd</Location>\n\
        <BaseURL><![CDATA[./]]></BaseURL>\n<Period><AdaptationSet>\n\
        <BaseURL>sub/</BaseURL><BaseURL>https://mirror.example.net/dash/sub/</BaseURL>\n\
        <Representation id=\"a\"><SegmentList><SegmentURL media=\"../s1.m4s\"/>\
        <SegmentURL media=\"s2.m4s\"/></SegmentList></Representation>\n\
        </AdaptationSet></Period></MPD>";
    let url = "https://cdn.example.com/dash/live.mpd";
    let d = query(&s, "/dash/", TokenKind::Directory).replace('&', "&amp;");
    let mut o = opts(TokenKind::Directory);
    // s2.m4s is in /dash/sub/: outside the directory.
    let e = s.sign_manifest(doc, url, &o).unwrap_err();
    assert_eq!(e.line, 6);
    assert!(
        e.to_string().contains("<SegmentURL media> \"s2.m4s\""),
        "{e}"
    );
    o.outside = Outside::Keep;
    let out = s.sign_manifest(doc, url, &o).unwrap();
    let want = doc
        .replace("live.mpd</Location>", &format!("live.mpd?{d}</Location>"))
        .replace("\"../s1.m4s\"", &format!("\"../s1.m4s?{d}\""));
    assert_eq!(out, want);
    // A file token for each, s2.m4s included; the mirror BaseURL is an alternative and
    // not a base for the segments.
    let out = s.sign_manifest(doc, url, &opts(TokenKind::File)).unwrap();
    let f = |p| query(&s, p, TokenKind::File).replace('&', "&amp;");
    assert!(
        out.contains(&format!("\"s2.m4s?{}\"", f("/dash/sub/s2.m4s"))),
        "{out}"
    );
    assert!(
        out.contains(&format!("\"../s1.m4s?{}\"", f("/dash/s1.m4s"))),
        "{out}"
    );
}

#[test]
fn path_only_manifest_url_and_encoded_dots() {
    let s = signer();
    let text = "#EXTM3U\nseg.ts\nhttps://cdn.example.com/vod/movie/x.ts\n";
    let out = s
        .sign_manifest(text, "/vod/movie/index.m3u8", &opts(TokenKind::File))
        .unwrap();
    // With only a path known, a URL naming a host is another server's.
    assert_eq!(
        out,
        format!(
            "#EXTM3U\nseg.ts?{}\nhttps://cdn.example.com/vod/movie/x.ts\n",
            query(&s, "/vod/movie/seg.ts", TokenKind::File)
        )
    );
    // %2e%2e is a dot segment to the edge: above the root is refused there too.
    let e = s
        .sign_manifest(
            "#EXTM3U\n%2e%2e/%2e%2e/%2E%2E/x.ts\n",
            BASE,
            &opts(TokenKind::File),
        )
        .unwrap_err();
    assert_eq!((e.line, e.kind()), (2, ErrorKind::Path));
    // ... and inside the tree it is resolved like the edge does.
    let out = s
        .sign_manifest("#EXTM3U\n%2e%2e/x.ts\n", BASE, &opts(TokenKind::File))
        .unwrap();
    assert_eq!(
        out,
        format!(
            "#EXTM3U\n%2e%2e/x.ts?{}\n",
            query(&s, "/vod/x.ts", TokenKind::File)
        )
    );
}

#[test]
fn errors_in_dash_name_the_element() {
    let s = signer();
    let e = s
        .sign_manifest(
            "<MPD>\n<Period>\n<SegmentList>\n<SegmentURL media=\"ok.m4s\"/>\n<SegmentURL media=\"b%zz.m4s\"/>\n</SegmentList></Period></MPD>",
            "https://cdn.example.com/d/x.mpd",
            &opts(TokenKind::File),
        )
        .unwrap_err();
    assert_eq!(e.line, 5);
    assert_eq!(e.kind(), ErrorKind::Path);
    assert!(
        e.to_string().starts_with(
            "manifest line 5, <SegmentURL media> \"b%zz.m4s\": path has an invalid percent escape"
        ),
        "{e}"
    );
}
