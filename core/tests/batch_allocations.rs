//! A parallel batch allocates nothing per URL either: on every thread it runs on, the
//! allocations of a batch the caller holds are the same at 20,000 and 60,000 URLs (the
//! threads' start-up only), and a fresh joined batch adds only its pieces. One test in
//! this binary, so that the process-wide count is the batch's alone.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use cdn_secure_token::{SignOptions, SignedBatch, Signer};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCS.load(Ordering::SeqCst);
    let out = f();
    (out, ALLOCS.load(Ordering::SeqCst) - before)
}

#[test]
fn a_parallel_batch_allocates_nothing_per_url() {
    let signer = Signer::new("secret-key").unwrap();
    let opts = SignOptions {
        expires: Some(2_000_000_000),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    let p = signer.prepare(&opts).unwrap();
    let all: Vec<String> = (0..60_000)
        .map(|i| format!("https://cdn.example.com/v/{i}/a b.ts?x={i}"))
        .collect();
    let mut out = SignedBatch::default();
    signer.sign_many_into(&all, &p, &mut out).unwrap();
    let mut held = Vec::new();
    let mut fresh = Vec::new();
    for n in [20_000, 60_000] {
        let urls = &all[..n];
        let ((), allocs) = count(|| signer.sign_many_into(urls, &p, &mut out).unwrap());
        assert_eq!(out.len(), n);
        held.push(allocs);
        let text = urls.join("\n");
        let (batch, allocs) = count(|| signer.sign_joined(&text, b'\n', &p).unwrap());
        assert_eq!(batch.len(), n);
        fresh.push(allocs);
    }
    assert_eq!(held[0], held[1], "held batch at 20k and 60k URLs: {held:?}");
    assert_eq!(
        fresh[0], fresh[1],
        "fresh joined batch at 20k and 60k: {fresh:?}"
    );
    // Threads' start-up (a handful each), nothing per URL or per 64-link group.
    assert!(held[1] < 64, "held batch: {held:?} allocations");
    assert!(fresh[1] < held[1] + 64, "fresh batch: {fresh:?}");
}
