//! A 1,000-segment HLS media playlist: `Signer::sign_manifest` (one batch through the
//! multi-buffer MD5 path) against the straightforward per-line loop an application would
//! write (join each URI line to the manifest directory, `sign_url` it, keep the query).

use std::hint::black_box;

use cdn_secure_token::{ManifestOptions, SignOptions, Signer, TokenKind};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const KEY: &str = "s3cr3t-cdn-key";
const URL: &str = "https://cdn.example.com/vod/2024/summer-clip/720p/index.m3u8";

fn playlist(n: usize) -> String {
    let mut s = String::from(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n",
    );
    for i in 0..n {
        s.push_str(&format!("#EXTINF:4.000000,\nsegment-{i:05}.ts\n"));
    }
    s.push_str("#EXT-X-ENDLIST\n");
    s
}

/// The per-line version: every non-tag line is a segment URI relative to the manifest.
fn per_line(signer: &Signer, text: &str, url: &str, opts: &SignOptions<'_>) -> String {
    let dir = &url[..url.rfind('/').unwrap() + 1];
    let mut out = String::with_capacity(text.len() * 2);
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.is_empty() || body.starts_with('#') {
            out.push_str(line);
            continue;
        }
        let signed = signer.sign_url(&format!("{dir}{body}"), opts).unwrap();
        out.push_str(body);
        out.push_str(&signed[signed.find('?').unwrap()..]);
        out.push_str(&line[body.len()..]);
    }
    out
}

fn bench(c: &mut Criterion) {
    let signer = Signer::new(KEY).unwrap();
    let sign = SignOptions {
        expires: Some(2_147_483_647),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    let file = ManifestOptions {
        sign,
        ..Default::default()
    };
    let dir = ManifestOptions {
        sign: SignOptions {
            kind: TokenKind::Directory,
            ..sign
        },
        ..Default::default()
    };
    let text = playlist(1_000);
    // Both give the same manifest (else the comparison means nothing).
    assert_eq!(
        signer.sign_manifest(&text, URL, &file).unwrap(),
        per_line(&signer, &text, URL, &sign)
    );
    let mut g = c.benchmark_group("manifest_1000_segments");
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("sign_manifest_file", |b| {
        b.iter(|| signer.sign_manifest(black_box(&text), URL, &file).unwrap())
    });
    g.bench_function("sign_manifest_directory", |b| {
        b.iter(|| signer.sign_manifest(black_box(&text), URL, &dir).unwrap())
    });
    g.bench_function("per_line_sign_url", |b| {
        b.iter(|| per_line(&signer, black_box(&text), URL, &sign))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
