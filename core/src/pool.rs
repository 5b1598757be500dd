//! Output buffers of batches, kept per thread for the next batch.
//!
//! A batch of 100,000 links writes ~10 MB. Freshly allocated, every 4 KiB page of that is a
//! page fault on first touch, and the system allocator gives large blocks back to the kernel
//! when they are freed; measured on a 1,000-URL loop, the faults cost more than the signing
//! itself. So a [`SignedBatch`](crate::SignedBatch) hands its buffers back here when it is
//! dropped, and the next batch on the same thread takes them.
//!
//! Bounded: at most [`KEPT`] buffers of each kind and [`MAX_KEPT_BYTES`] in all per thread;
//! larger or extra buffers are freed as usual. The buffers hold signed URLs only (never key
//! bytes), and a thread's buffers are freed when the thread ends.

use std::cell::RefCell;

/// Buffers of each kind kept per thread.
const KEPT: usize = 4;

/// Bytes of capacity kept per thread, over all buffers.
pub(crate) const MAX_KEPT_BYTES: usize = 32 << 20;

#[derive(Default)]
struct Pool {
    text: Vec<Vec<u8>>,
    ends: Vec<Vec<usize>>,
}

impl Pool {
    fn bytes(&self) -> usize {
        self.text.iter().map(Vec::capacity).sum::<usize>()
            + self
                .ends
                .iter()
                .map(|e| e.capacity() * size_of::<usize>())
                .sum::<usize>()
    }
}

thread_local! {
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// An empty text buffer with room for at least `capacity` bytes.
pub(crate) fn text(capacity: usize) -> Vec<u8> {
    let mut v = take(|p| &mut p.text, capacity).unwrap_or_default();
    v.reserve(capacity);
    v
}

/// The largest kept text buffer, emptied, with room for at least `capacity` bytes: for the
/// buffer that receives a whole batch, which is most likely the size of the last one.
pub(crate) fn largest_text(capacity: usize) -> Vec<u8> {
    let mut v = take(|p| &mut p.text, usize::MAX).unwrap_or_default();
    v.reserve(capacity);
    v
}

/// An empty offset buffer with room for at least `capacity` entries.
pub(crate) fn ends(capacity: usize) -> Vec<usize> {
    let mut v = take(|p| &mut p.ends, capacity).unwrap_or_default();
    v.reserve(capacity);
    v
}

/// Keeps `v` for a later batch on this thread, if the bounds allow.
pub(crate) fn give_text(v: Vec<u8>) {
    give(v, |t| t.capacity(), |p| &mut p.text);
}

/// Keeps `v` for a later batch on this thread, if the bounds allow.
pub(crate) fn give_ends(v: Vec<usize>) {
    give(v, |e| e.capacity() * size_of::<usize>(), |p| &mut p.ends);
}

/// The smallest kept buffer of one kind with room for `want` items, or else the largest.
fn take<T>(kind: fn(&mut Pool) -> &mut Vec<Vec<T>>, want: usize) -> Option<Vec<T>> {
    // `try_with`: during thread teardown the pool may already be gone.
    POOL.try_with(|p| {
        let mut p = p.try_borrow_mut().ok()?;
        let list = kind(&mut p);
        // Fitting buffers first, smallest first; then the others, largest first.
        let rank = |v: &Vec<T>| {
            let c = v.capacity();
            if c >= want {
                (0, c)
            } else {
                (1, usize::MAX - c)
            }
        };
        let (i, _) = list.iter().enumerate().min_by_key(|(_, v)| rank(v))?;
        Some(list.swap_remove(i))
    })
    .ok()
    .flatten()
}

fn give<T>(mut v: Vec<T>, bytes: fn(&Vec<T>) -> usize, kind: fn(&mut Pool) -> &mut Vec<Vec<T>>) {
    if v.capacity() == 0 {
        return;
    }
    v.clear();
    let _ = POOL.try_with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            if kind(&mut p).len() < KEPT && p.bytes() + bytes(&v) <= MAX_KEPT_BYTES {
                kind(&mut p).push(v);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_cleared_and_bounded() {
        let mut t = text(1000);
        t.extend_from_slice(b"signed");
        let cap = t.capacity();
        give_text(t);
        let again = text(10);
        assert!(again.is_empty());
        assert_eq!(again.capacity(), cap, "the kept buffer is reused");
        give_text(again);

        // Best fit: the smallest buffer that is large enough, else the largest.
        give_text(Vec::with_capacity(cap * 4));
        give_text(Vec::with_capacity(cap * 2));
        let fit = text(cap + 1);
        assert_eq!(fit.capacity(), cap * 2);
        let grown = text(cap * 8);
        assert!(grown.capacity() >= cap * 8);
        let rest = text(0);
        assert_eq!(rest.capacity(), cap);
        give_text(rest);
        give_text(fit);
        assert_eq!(largest_text(1).capacity(), cap * 2);
        drop(grown);

        // Too large to keep: freed, not kept.
        give_text(Vec::with_capacity(MAX_KEPT_BYTES + 1));
        assert_eq!(text(0).capacity(), cap);

        // At most KEPT of a kind.
        for _ in 0..KEPT + 3 {
            give_ends(Vec::with_capacity(16));
        }
        let kept = POOL.with(|p| p.borrow().ends.len());
        assert_eq!(kept, KEPT);
    }
}
