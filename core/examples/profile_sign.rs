//! Instruction-count profiling helper: `profile_sign MODE N` (run under callgrind).
use cdn_secure_token::{SignOptions, Signer};
use md5::{Digest, Md5};
use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("sign");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let signer = Signer::new("s3cr3t-cdn-key").unwrap();
    let opts = SignOptions {
        expires: Some(2147483647),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    let sts = "2147483647/videos/2024/summer/clip-01.mp4 s3cr3t-cdn-key";
    let url = "https://cdn.example.com/videos/2024/summer/clip-01.mp4";
    let urls: Vec<String> = (0..1000)
        .map(|i| format!("https://cdn.example.com/videos/2024/summer/clip-{i:03}.mp4"))
        .collect();
    let mut acc = 0usize;
    for _ in 0..n {
        match mode {
            "md5" => acc += Md5::digest(black_box(sts.as_bytes()))[0] as usize,
            "sign" => acc += signer.sign_url(black_box(url), &opts).unwrap().len(),
            // 1,000 URLs per call: n calls sign n * 1000 links (single thread: < 4096).
            "many" => acc += signer.sign_many(black_box(&urls), &opts).unwrap().len(),
            "joined" => {
                acc += signer
                    .sign_many_joined(black_box(&urls), &opts)
                    .unwrap()
                    .len()
            }
            // A batch of one URL against a loop of `sign_url` over it (issue 11: the batch
            // must cost no more than the loop).
            "many1" => {
                acc += signer
                    .sign_many(black_box(&urls[..1]), &opts)
                    .unwrap()
                    .len()
            }
            "loop1" => {
                acc += black_box(&urls[..1])
                    .iter()
                    .map(|u| signer.sign_url(u, &opts).unwrap())
                    .collect::<Vec<_>>()
                    .len()
            }
            _ => {}
        }
    }
    println!("{acc}");
}
