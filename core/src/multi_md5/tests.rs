//! Every backend this CPU runs, against the `md-5` crate (the naive reference), over
//! lengths around the block boundaries and batch sizes around the lane counts.

use md5::{Digest, Md5};

use super::*;

fn message(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|j| (i * 131 + j * 7 + len) as u8).collect()
}

fn reference(msgs: &[Vec<u8>]) -> Vec<[u8; 16]> {
    msgs.iter().map(|m| Md5::digest(m).into()).collect()
}

#[test]
fn every_backend_agrees_with_the_md5_crate() {
    assert!(supported_backends().contains(&"scalar"));
    for backend in supported_backends() {
        for n in [
            0usize, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 130,
        ] {
            // Mixed lengths, so lanes finish at different blocks.
            let msgs: Vec<Vec<u8>> = (0..n).map(|i| message(i, (i * 37) % 300)).collect();
            let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
            let mut out = vec![[0u8; 16]; n];
            assert!(md5_many_with(backend, &refs, &mut out), "{backend}");
            assert_eq!(out, reference(&msgs), "{backend}, {n} messages");
        }
    }
}

#[test]
fn every_backend_agrees_on_short_messages() {
    for backend in supported_backends() {
        for n in [1usize, 2, 8, 9, 16, 64, 65] {
            let msgs: Vec<Vec<u8>> = (0..n)
                .map(|i| message(i, (i * 13) % (SHORT_MESSAGE + 1)))
                .collect();
            let mut bufs = vec![[0u8; 128]; n];
            for (b, m) in bufs.iter_mut().zip(&msgs) {
                b[..m.len()].copy_from_slice(m);
            }
            let lens: Vec<usize> = msgs.iter().map(Vec::len).collect();
            let mut out = vec![[0u8; 16]; n];
            assert!(md5_short_many_with(backend, &mut bufs, &lens, &mut out));
            assert_eq!(out, reference(&msgs), "{backend}, {n} short messages");
        }
    }
}

#[test]
fn an_unknown_backend_is_refused() {
    let mut out = [[0u8; 16]; 1];
    assert!(!md5_many_with("sse9", &[b"x"], &mut out));
}
