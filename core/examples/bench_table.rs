//! Rust figures for `bench/run.sh`: ns per link for the raw MD5 of the string-to-sign (the
//! reference: nothing can sign faster than it hashes), `sign_url` one at a time, and
//! `sign_many` on 100,000 URLs (multi-buffer MD5, all cores). Best of several rounds.
//! Then the batch table of issue 11: at each batch size, a loop of `sign_url` against
//! `sign_many`, `sign_many_joined` and `sign_many_into` (a reused output), in ns per URL;
//! the batch must never cost more per URL than the loop.
//! Prints `rust <case> <ns>` lines. Run: cargo run --release -p cdn-secure-token --example bench_table
//!
//! `bench_table calls CASE SIZE COUNT` (CASE: sign_many, sign_many_joined, sign_many_into,
//! sign_joined, loop) makes only COUNT calls of one case on SIZE URLs, for counting what a
//! call costs the system: `perf stat -e page-faults,task-clock` of two counts, the
//! difference divided by the extra calls, is the page faults per call.

use std::hint::black_box;
use std::time::Instant;

use cdn_secure_token::{SignOptions, SignedBatch, Signer};
use md5::{Digest, Md5};

const KEY: &str = "bench-secret-key";
const EXPIRES: i64 = 2_147_483_647;

fn best_ns_per<F: FnMut() -> usize>(n: usize, rounds: usize, mut f: F) -> f64 {
    let mut best = f64::INFINITY;
    let mut sink = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        sink += f();
        best = best.min(t.elapsed().as_nanos() as f64 / n as f64);
    }
    black_box(sink);
    best
}

/// The URLs every case signs.
fn bench_urls(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("https://cdn.example.com/videos/{}/segment-{i}.ts", i % 997))
        .collect()
}

/// `calls CASE SIZE COUNT`: COUNT calls of one case, nothing else.
fn calls(args: &[String]) {
    let [case, size, count] = args else {
        panic!("usage: bench_table calls CASE SIZE COUNT");
    };
    let size: usize = size.parse().expect("SIZE");
    let count: usize = count.parse().expect("COUNT");
    let signer = Signer::new(KEY).unwrap();
    let opts = SignOptions {
        expires: Some(EXPIRES),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    let prepared = signer.prepare(&opts).unwrap();
    let urls = bench_urls(size);
    let text = urls.join("\n");
    let mut out = SignedBatch::default();
    let mut sink = 0;
    for _ in 0..count {
        sink += match case.as_str() {
            "sign_many" => signer.sign_many(black_box(&urls), &opts).unwrap().len(),
            "sign_many_joined" => signer
                .sign_many_joined(black_box(&urls), &opts)
                .unwrap()
                .len(),
            "sign_many_into" => {
                signer
                    .sign_many_into(black_box(&urls), &prepared, &mut out)
                    .unwrap();
                out.len()
            }
            "sign_joined" => signer
                .sign_joined(black_box(&text), b'\n', &prepared)
                .unwrap()
                .len(),
            "loop" => urls
                .iter()
                .map(|u| signer.sign_url(black_box(u), &opts).unwrap())
                .collect::<Vec<_>>()
                .len(),
            other => panic!("unknown case {other}"),
        };
    }
    println!("rust calls {case} {size} x{count}: {sink} links");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("calls") {
        return calls(&args[1..]);
    }
    let n = 100_000;
    let signer = Signer::new(KEY).unwrap();
    let opts = SignOptions {
        expires: Some(EXPIRES),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    let paths: Vec<String> = (0..n)
        .map(|i| format!("/videos/{}/segment-{i}.ts", i % 997))
        .collect();
    let urls: Vec<String> = paths
        .iter()
        .map(|p| format!("https://cdn.example.com{p}"))
        .collect();
    let strings: Vec<String> = paths
        .iter()
        .map(|p| format!("{EXPIRES}{p} {KEY}"))
        .collect();

    let md5 = best_ns_per(n, 5, || {
        strings
            .iter()
            .map(|s| Md5::digest(black_box(s.as_bytes()))[0] as usize)
            .sum()
    });
    let one = best_ns_per(n, 5, || {
        urls.iter()
            .map(|u| signer.sign_url(black_box(u), &opts).unwrap().len())
            .sum()
    });
    let many = best_ns_per(n, 5, || {
        signer.sign_many(black_box(&urls), &opts).unwrap().len()
    });
    let joined = best_ns_per(n, 5, || {
        signer
            .sign_many_joined(black_box(&urls), &opts)
            .unwrap()
            .len()
    });
    let small: Vec<String> = urls[..1000].to_vec();
    let many_1000 = best_ns_per(1000, 50, || {
        signer.sign_many(black_box(&small), &opts).unwrap().len()
    });
    println!("rust raw_md5 {md5:.1}");
    println!("rust sign_url {one:.1}");
    println!("rust sign_many {many:.1}");
    println!("rust sign_many_joined {joined:.1}");
    println!("rust sign_many_1000 {many_1000:.1}");
    println!(
        "rust backend {} threads {}",
        cdn_secure_token::multi_md5::backend(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // The batch table: every size signs ~200,000 URLs per round (a whole number of batches).
    let prepared = signer.prepare(&opts).unwrap();
    println!("rust batch table (ns per URL, best of 5 rounds; ratio = loop / sign_many)");
    println!(
        "rust {:>7} {:>14} {:>10} {:>17} {:>15} {:>6}",
        "size", "loop_sign_url", "sign_many", "sign_many_joined", "sign_many_into", "ratio"
    );
    for size in [1usize, 2, 8, 64, 1_000, 100_000] {
        let batch = &urls[..size];
        let reps = (200_000 / size).max(2);
        let total = reps * size;
        let lp = best_ns_per(total, 5, || {
            (0..reps)
                .map(|_| {
                    black_box(batch)
                        .iter()
                        .map(|u| signer.sign_url(u, &opts).unwrap())
                        .collect::<Vec<_>>()
                        .len()
                })
                .sum()
        });
        let sm = best_ns_per(total, 5, || {
            (0..reps)
                .map(|_| signer.sign_many(black_box(batch), &opts).unwrap().len())
                .sum()
        });
        let sj = best_ns_per(total, 5, || {
            (0..reps)
                .map(|_| {
                    signer
                        .sign_many_joined(black_box(batch), &opts)
                        .unwrap()
                        .len()
                })
                .sum()
        });
        let mut out = SignedBatch::default();
        let si = best_ns_per(total, 5, || {
            (0..reps)
                .map(|_| {
                    signer
                        .sign_many_into(black_box(batch), &prepared, &mut out)
                        .unwrap();
                    out.len()
                })
                .sum()
        });
        println!(
            "rust {size:>7} {lp:>14.1} {sm:>10.1} {sj:>17.1} {si:>15.1} {:>5.2}x",
            lp / sm
        );
    }
}
