//! Signing one typical URL against the raw MD5 of the same string-to-sign (the floor), and
//! `sign_many` by batch size.

use std::hint::black_box;

use cdn_secure_token::{SignOptions, SignedBatch, Signer};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use md5::{Digest, Md5};

const URL: &str = "https://cdn.example.com/videos/2024/summer/clip-01.mp4";
const KEY: &str = "s3cr3t-cdn-key";
const EXPIRES: i64 = 2147483647;

fn single(c: &mut Criterion) {
    let signer = Signer::new(KEY).unwrap();
    let opts = SignOptions {
        expires: Some(EXPIRES),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    // What the edge hashes for URL: {expires}{path} {key}.
    let string_to_sign = format!("{EXPIRES}/videos/2024/summer/clip-01.mp4 {KEY}");
    let mut g = c.benchmark_group("single");
    g.throughput(Throughput::Elements(1));
    g.bench_function("raw_md5_of_string_to_sign", |b| {
        b.iter(|| Md5::digest(black_box(string_to_sign.as_bytes())))
    });
    g.bench_function("sign_url", |b| {
        b.iter(|| signer.sign_url(black_box(URL), black_box(&opts)).unwrap())
    });
    let prepared = signer.prepare(&opts).unwrap();
    g.bench_function("sign_prepared", |b| {
        b.iter(|| signer.sign_prepared(black_box(URL), &prepared).unwrap())
    });
    g.bench_function("token_low_level", |b| {
        b.iter(|| {
            signer
                .token(black_box("/videos/2024/summer/clip-01.mp4"), EXPIRES, None)
                .unwrap()
        })
    });
    g.finish();
}

/// `sign_many`, `sign_many_joined` and `sign_many_into` (a reused output) against a loop of
/// `sign_url` over the same URLs, at the batch sizes issue 11 names: the batch must never
/// cost more per URL than the loop.
fn batch(c: &mut Criterion) {
    let signer = Signer::new(KEY).unwrap();
    let opts = SignOptions {
        expires: Some(EXPIRES),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    let mut g = c.benchmark_group("batch_vs_loop");
    for n in [1usize, 2, 8, 64, 1_000, 100_000] {
        let urls: Vec<String> = (0..n)
            .map(|i| format!("https://cdn.example.com/videos/2024/summer/clip-{i:05}.mp4"))
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        if n >= 100_000 {
            g.sample_size(10);
        }
        g.bench_function(format!("sign_many/{n}"), |b| {
            b.iter(|| signer.sign_many(black_box(&urls), &opts).unwrap())
        });
        g.bench_function(format!("sign_many_joined/{n}"), |b| {
            b.iter(|| signer.sign_many_joined(black_box(&urls), &opts).unwrap())
        });
        let p = signer.prepare(&opts).unwrap();
        let mut out = SignedBatch::default();
        g.bench_function(format!("sign_many_into/{n}"), |b| {
            b.iter(|| {
                signer
                    .sign_many_into(black_box(&urls), &p, &mut out)
                    .unwrap()
            })
        });
        g.bench_function(format!("loop_sign_url/{n}"), |b| {
            b.iter(|| {
                black_box(&urls)
                    .iter()
                    .map(|u| signer.sign_url(u, &opts).unwrap())
                    .collect::<Vec<_>>()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .measurement_time(std::time::Duration::from_secs(2))
        .warm_up_time(std::time::Duration::from_millis(500));
    targets = single, batch
}
criterion_main!(benches);
