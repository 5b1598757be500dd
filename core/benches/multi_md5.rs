//! Batch MD5 throughput: the single-stream `md5` crate over N messages
//! against `md5_many` on every backend this CPU supports.
//!
//! Messages are 60-100 bytes (1 or 2 MD5 blocks each), like signed CDN links.
//! Throughput is in messages per second.

use std::hint::black_box;
use std::time::Duration;

use cdn_secure_token::multi_md5::{md5_many_with, supported_backends};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use md5::{Digest, Md5};

/// `n` deterministic messages of 60-100 bytes.
fn messages(n: usize) -> Vec<Vec<u8>> {
    let mut x: u32 = 0x1234_5678;
    (0..n)
        .map(|i| {
            let len = 60 + (i * 37) % 41;
            (0..len)
                .map(|_| {
                    x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (x >> 24) as u8
                })
                .collect()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("md5_60-100B");
    for n in [1usize, 8, 64, 1000, 100_000] {
        let data = messages(n);
        let msgs: Vec<&[u8]> = data.iter().map(|m| &m[..]).collect();
        let mut out = vec![[0u8; 16]; n];
        group.throughput(Throughput::Elements(n as u64));

        group.bench_with_input(BenchmarkId::new("md5_crate", n), &msgs, |b, msgs| {
            b.iter(|| {
                for (m, o) in black_box(msgs).iter().zip(out.iter_mut()) {
                    *o = Md5::digest(m).into();
                }
                black_box(&out);
            })
        });
        for &backend in supported_backends() {
            group.bench_with_input(
                BenchmarkId::new(format!("md5_many_{backend}"), n),
                &msgs,
                |b, msgs| {
                    b.iter(|| {
                        md5_many_with(backend, black_box(msgs), &mut out);
                        black_box(&out);
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
