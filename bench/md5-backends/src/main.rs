//! ns per MD5 of a one-block and a two-block string-to-sign, for each backend available to
//! the `md-5` crate on x86-64: md-5 0.11's portable compression (what cdn-secure-token uses),
//! the same through the streaming `Md5::digest`, and md-5 0.10's assembly backend (md5-asm).
//! Best of several rounds; prints `md5 <backend> <blocks> <ns>` lines and a verdict.

use std::hint::black_box;
use std::time::Instant;

use md5::Digest;

const IV: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

fn best(n: usize, mut f: impl FnMut() -> u32) -> f64 {
    let mut best = f64::INFINITY;
    let mut sink = 0u32;
    for _ in 0..9 {
        let t = Instant::now();
        for _ in 0..n {
            sink = sink.wrapping_add(f());
        }
        best = best.min(t.elapsed().as_nanos() as f64 / n as f64);
    }
    black_box(sink);
    best
}

/// `msg` padded into whole blocks, as MD5 hashes it.
fn padded(msg: &[u8]) -> Vec<[u8; 64]> {
    let mut b = msg.to_vec();
    b.push(0x80);
    while b.len() % 64 != 56 {
        b.push(0);
    }
    b.extend_from_slice(&((msg.len() as u64) * 8).to_le_bytes());
    b.chunks_exact(64).map(|c| c.try_into().unwrap()).collect()
}

fn main() {
    let n = 1_000_000;
    let cases: [(&str, &[u8]); 2] = [
        ("1", b"2147483647/photos/beach.jpeg s3cr3t-cdn-key"),
        (
            "2",
            b"2147483647/videos/2024/summer/clip-01.mp4 s3cr3t-cdn-key",
        ),
    ];
    let mut soft_total = 0.0;
    let mut asm_total = 0.0;
    for (blocks, msg) in cases {
        let pad = padded(msg);
        assert_eq!(pad.len().to_string(), blocks);
        // The backends must agree before their times mean anything.
        let (mut a, mut b) = (IV, IV);
        md5::block_api::compress(&mut a, &pad);
        md5_asm::compress(&mut b, &pad);
        let want: [u8; 16] = md5::Md5::digest(msg).into();
        let got: Vec<u8> = a.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert!(a == b && got == want, "backends disagree");

        let digest = best(n, || md5::Md5::digest(black_box(msg))[0] as u32);
        let soft = best(n, || {
            let mut s = IV;
            md5::block_api::compress(&mut s, black_box(&pad));
            s[0]
        });
        let asm = best(n, || {
            let mut s = IV;
            md5_asm::compress(&mut s, black_box(&pad));
            s[0]
        });
        println!("md5 md-5-0.11-digest {blocks} {digest:.1}");
        println!("md5 md-5-0.11-portable {blocks} {soft:.1}");
        println!("md5 md-5-0.10-asm {blocks} {asm:.1}");
        soft_total += soft;
        asm_total += asm;
    }
    let verdict = if soft_total <= asm_total * 1.02 {
        "the portable backend (used) is at least as fast as the assembly one"
    } else {
        "the assembly backend is faster on this CPU"
    };
    println!("md5 verdict: {verdict} ({:.2}x)", asm_total / soft_total);
}
