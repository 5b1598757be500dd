//! The portable code: one message at a time with the `md5` crate, and the padding and
//! copies every backend shares.

use md5::{Digest, Md5};

use super::SHORT_MESSAGE;

/// `dst.copy_from_slice(src)`, without a call to `memcpy` for up to 64 bytes: two
/// overlapping fixed-size copies. Messages are built from a handful of short pieces, where
/// the call cost more than the copy.
#[inline]
pub(crate) fn copy_small(dst: &mut [u8], src: &[u8]) {
    macro_rules! overlapping {
        ($n:literal) => {
            if let (Some(head), Some(last)) = (src.first_chunk::<$n>(), src.last_chunk::<$n>()) {
                let len = src.len();
                dst[..$n].copy_from_slice(head);
                dst[len - $n..len].copy_from_slice(last);
                return;
            }
        };
    }
    if src.len() > 64 || src.len() != dst.len() {
        return dst.copy_from_slice(src);
    }
    overlapping!(32);
    overlapping!(16);
    overlapping!(8);
    overlapping!(4);
    overlapping!(2);
    // One byte or none (no `memcpy` call for an empty piece, such as a link without an IP).
    if let (Some(d), Some(&b)) = (dst.first_mut(), src.first()) {
        *d = b;
    }
}

/// Pads the message `buf[..len]` for MD5 in place and returns its number of blocks (1 or 2).
pub(crate) fn pad(buf: &mut [u8; 128], len: usize) -> usize {
    assert!(len <= SHORT_MESSAGE, "message of {len} bytes is too long");
    let blocks = if len < 56 { 1 } else { 2 };
    let end = blocks * 64;
    // Fixed-size stores rather than a `memset` call for a few dozen bytes.
    const ZEROS: [u8; 128] = [0; 128];
    copy_small(&mut buf[len..end - 8], &ZEROS[..end - 8 - len]);
    buf[len] = 0x80;
    // MD5 appends the message length in bits.
    buf[end - 8..end].copy_from_slice(&((len as u64) * 8).to_le_bytes());
    blocks
}

/// MD5 of a message padded by [`pad`] into `blocks` blocks, with the `md5` crate.
pub(crate) fn padded_digest(buf: &[u8; 128], blocks: usize) -> [u8; 16] {
    let mut state = [0x6745_2301u32, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    md5::block_api::compress(&mut state, &buf.as_chunks::<64>().0[..blocks]);
    let mut out = [0u8; 16];
    for (o, s) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&s.to_le_bytes());
    }
    out
}

/// One message at a time with the `md5` crate.
pub(super) fn scalar(msgs: &[&[u8]], out: &mut [[u8; 16]]) {
    for (m, o) in msgs.iter().zip(out.iter_mut()) {
        o.copy_from_slice(&Md5::digest(m));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_small_copies_every_length_exactly() {
        let src: Vec<u8> = (0..200u8).map(|i| i.wrapping_mul(31) ^ 0x5a).collect();
        for len in 0..=src.len() {
            for at in [0, 1, 7] {
                let mut dst = [0xeeu8; 210];
                copy_small(&mut dst[at..at + len], &src[..len]);
                assert_eq!(&dst[at..at + len], &src[..len], "length {len} at {at}");
                assert!(dst[..at].iter().all(|&b| b == 0xee), "before, length {len}");
                assert!(
                    dst[at + len..].iter().all(|&b| b == 0xee),
                    "after, length {len}"
                );
            }
        }
    }
}
