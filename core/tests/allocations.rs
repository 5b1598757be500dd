//! Signing allocates nothing but the output string (issue: hot path of every page).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use cdn_secure_token::{SignOptions, Signer, TokenKind, VerifyOptions};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts calls on the current thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCS.with(|c| c.get());
    let out = f();
    (out, ALLOCS.with(|c| c.get()) - before)
}

#[test]
fn sign_url_allocates_only_the_output() {
    let signer = Signer::new("secret-key").unwrap();
    let cases = [
        (
            "https://cdn.example.com/videos/2024/summer trip/clip-01.mp4?session=abc#t=5",
            None,
        ),
        ("/photo.jpeg", Some("203.0.113.7")),
        (
            "/%D1%84%D0%BE%D1%82%D0%BE/a//b/../c.jpg?md5=old&expires=1",
            Some("2001:db8::1"),
        ),
    ];
    for (url, ip) in cases {
        for kind in [TokenKind::File, TokenKind::Directory, TokenKind::Mp4] {
            let opts = SignOptions {
                ttl: Some(3600),
                ip,
                kind,
                ..Default::default()
            };
            let (out, n) = count(|| signer.sign_url(url, &opts).unwrap());
            assert_eq!(n, 1, "{url} {kind}: {n} allocations, output {out}");
        }
    }
}

#[test]
fn verify_allocates_nothing() {
    let signer = Signer::new("secret-key").unwrap();
    let url = signer
        .sign_url(
            "/a b/c.jpg",
            &SignOptions {
                ttl: Some(60),
                ..Default::default()
            },
        )
        .unwrap();
    let (v, n) = count(|| signer.verify(&url, &VerifyOptions::default()).unwrap());
    assert!(v.is_valid());
    assert_eq!(n, 0, "verify allocated {n} times");
}

#[test]
fn the_counter_counts() {
    let (v, n) = count(|| vec![1u8; 4]);
    assert_eq!(v.len(), 4);
    assert_eq!(n, 1);
}

/// A batch allocates nothing per URL: signed into a batch the caller holds, nothing at all
/// once it has grown (lane buffers included); a fresh joined batch only its own buffers
/// (as many for 8 URLs as for 4,095); `sign_many` one `String` per URL and its list. Sizes below the multi-thread
/// threshold (the parallel case: tests/batch_allocations.rs).
#[test]
fn a_batch_allocates_nothing_per_url() {
    let signer = Signer::new("secret-key").unwrap();
    let opts = SignOptions {
        expires: Some(2_000_000_000),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    let p = signer.prepare(&opts).unwrap();
    let all: Vec<String> = (0..4095)
        .map(|i| format!("https://cdn.example.com/v/{i}/a b.ts?x={i}"))
        .collect();
    let mut out = cdn_secure_token::SignedBatch::default();
    signer.sign_many_into(&all, &p, &mut out).unwrap();
    for n in [0, 1, 2, 7, 8, 9, 64, 65, 200, 1000, 4095] {
        let urls = &all[..n];
        let ((), allocs) = count(|| signer.sign_many_into(urls, &p, &mut out).unwrap());
        assert_eq!((out.len(), allocs), (n, 0), "sign_many_into of {n}");
        let text = urls.join("\n");
        let (batch, allocs) = count(|| signer.sign_joined(&text, b'\n', &p).unwrap());
        assert_eq!(batch.len(), n);
        // Its slot, its text and its offsets, and from 8 URLs the lane buffers (5).
        let most = if n < 8 { 3 } else { 8 };
        assert!(allocs <= most, "sign_joined of {n}: {allocs} allocations");
        let (batch, allocs) = count(|| signer.sign_many(urls, &opts).unwrap());
        // One String per URL, the list, the lane buffers.
        assert!(allocs >= n && allocs - n <= 6, "sign_many of {n}: {allocs}");
        drop(batch);
    }
}
