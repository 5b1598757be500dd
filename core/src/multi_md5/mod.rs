//! Multi-buffer MD5: hashes many independent messages at once.
//!
//! MD5 is one long chain of dependent 32-bit operations, so a single message
//! cannot use SIMD. Independent messages can: lane `i` of a vector register
//! carries the state of message `i`, and one vector instruction advances 8
//! (AVX2) or 16 (AVX-512) messages by one step.
//!
//! [`md5_many`] picks the widest backend the CPU supports at run time (the
//! choice is cached) and falls back to the scalar `md5` crate elsewhere.
//!
//! Each MD5 step is a chain of 4 (AVX-512) to 6 (AVX2) dependent vector
//! instructions, so one set of vectors leaves most of the CPU idle waiting on
//! latency. The backends therefore interleave up to 4 independent groups of
//! 8 or 16 lanes (as many as the batch fills) in one compression call.
//!
//! Messages may have any and differing lengths. The SIMD backends run a small
//! scheduler (`sched.rs`): every lane holds one message and is fed one
//! 64-byte block per compression call; a lane whose message is done writes its
//! digest and takes the next pending message. Once the queue is empty and a
//! single lane is still busy, it is finished with the scalar compression
//! function of the `md5` crate rather than with whole vector calls.
//!
//! No threads are spawned: split large batches across cores in the caller.
//! Batches of at least 64 messages (AVX-512) or 32 (AVX2) fill every lane.

#![deny(clippy::undocumented_unsafe_blocks)]

use std::sync::atomic::{AtomicU8, Ordering};

use md5::{Digest, Md5};

/// The 64 steps of the MD5 compression function (RFC 1321, 3.4), for any
/// vector width: `$step!(m, func, a, b, c, d, w, constant, shift)` must do
/// `a = b + ((a + func(b, c, d) + m[w] + constant) <<< shift)`.
#[cfg(target_arch = "x86_64")]
macro_rules! md5_rounds {
    ($step:ident, $m:ident, $f:ident, $g:ident, $h:ident, $i:ident,
     $a:ident, $b:ident, $c:ident, $d:ident) => {
        $step!($m, $f, $a, $b, $c, $d, 0, 0xd76a_a478, 7);
        $step!($m, $f, $d, $a, $b, $c, 1, 0xe8c7_b756, 12);
        $step!($m, $f, $c, $d, $a, $b, 2, 0x2420_70db, 17);
        $step!($m, $f, $b, $c, $d, $a, 3, 0xc1bd_ceee, 22);
        $step!($m, $f, $a, $b, $c, $d, 4, 0xf57c_0faf, 7);
        $step!($m, $f, $d, $a, $b, $c, 5, 0x4787_c62a, 12);
        $step!($m, $f, $c, $d, $a, $b, 6, 0xa830_4613, 17);
        $step!($m, $f, $b, $c, $d, $a, 7, 0xfd46_9501, 22);
        $step!($m, $f, $a, $b, $c, $d, 8, 0x6980_98d8, 7);
        $step!($m, $f, $d, $a, $b, $c, 9, 0x8b44_f7af, 12);
        $step!($m, $f, $c, $d, $a, $b, 10, 0xffff_5bb1, 17);
        $step!($m, $f, $b, $c, $d, $a, 11, 0x895c_d7be, 22);
        $step!($m, $f, $a, $b, $c, $d, 12, 0x6b90_1122, 7);
        $step!($m, $f, $d, $a, $b, $c, 13, 0xfd98_7193, 12);
        $step!($m, $f, $c, $d, $a, $b, 14, 0xa679_438e, 17);
        $step!($m, $f, $b, $c, $d, $a, 15, 0x49b4_0821, 22);

        $step!($m, $g, $a, $b, $c, $d, 1, 0xf61e_2562, 5);
        $step!($m, $g, $d, $a, $b, $c, 6, 0xc040_b340, 9);
        $step!($m, $g, $c, $d, $a, $b, 11, 0x265e_5a51, 14);
        $step!($m, $g, $b, $c, $d, $a, 0, 0xe9b6_c7aa, 20);
        $step!($m, $g, $a, $b, $c, $d, 5, 0xd62f_105d, 5);
        $step!($m, $g, $d, $a, $b, $c, 10, 0x0244_1453, 9);
        $step!($m, $g, $c, $d, $a, $b, 15, 0xd8a1_e681, 14);
        $step!($m, $g, $b, $c, $d, $a, 4, 0xe7d3_fbc8, 20);
        $step!($m, $g, $a, $b, $c, $d, 9, 0x21e1_cde6, 5);
        $step!($m, $g, $d, $a, $b, $c, 14, 0xc337_07d6, 9);
        $step!($m, $g, $c, $d, $a, $b, 3, 0xf4d5_0d87, 14);
        $step!($m, $g, $b, $c, $d, $a, 8, 0x455a_14ed, 20);
        $step!($m, $g, $a, $b, $c, $d, 13, 0xa9e3_e905, 5);
        $step!($m, $g, $d, $a, $b, $c, 2, 0xfcef_a3f8, 9);
        $step!($m, $g, $c, $d, $a, $b, 7, 0x676f_02d9, 14);
        $step!($m, $g, $b, $c, $d, $a, 12, 0x8d2a_4c8a, 20);

        $step!($m, $h, $a, $b, $c, $d, 5, 0xfffa_3942, 4);
        $step!($m, $h, $d, $a, $b, $c, 8, 0x8771_f681, 11);
        $step!($m, $h, $c, $d, $a, $b, 11, 0x6d9d_6122, 16);
        $step!($m, $h, $b, $c, $d, $a, 14, 0xfde5_380c, 23);
        $step!($m, $h, $a, $b, $c, $d, 1, 0xa4be_ea44, 4);
        $step!($m, $h, $d, $a, $b, $c, 4, 0x4bde_cfa9, 11);
        $step!($m, $h, $c, $d, $a, $b, 7, 0xf6bb_4b60, 16);
        $step!($m, $h, $b, $c, $d, $a, 10, 0xbebf_bc70, 23);
        $step!($m, $h, $a, $b, $c, $d, 13, 0x289b_7ec6, 4);
        $step!($m, $h, $d, $a, $b, $c, 0, 0xeaa1_27fa, 11);
        $step!($m, $h, $c, $d, $a, $b, 3, 0xd4ef_3085, 16);
        $step!($m, $h, $b, $c, $d, $a, 6, 0x0488_1d05, 23);
        $step!($m, $h, $a, $b, $c, $d, 9, 0xd9d4_d039, 4);
        $step!($m, $h, $d, $a, $b, $c, 12, 0xe6db_99e5, 11);
        $step!($m, $h, $c, $d, $a, $b, 15, 0x1fa2_7cf8, 16);
        $step!($m, $h, $b, $c, $d, $a, 2, 0xc4ac_5665, 23);

        $step!($m, $i, $a, $b, $c, $d, 0, 0xf429_2244, 6);
        $step!($m, $i, $d, $a, $b, $c, 7, 0x432a_ff97, 10);
        $step!($m, $i, $c, $d, $a, $b, 14, 0xab94_23a7, 15);
        $step!($m, $i, $b, $c, $d, $a, 5, 0xfc93_a039, 21);
        $step!($m, $i, $a, $b, $c, $d, 12, 0x655b_59c3, 6);
        $step!($m, $i, $d, $a, $b, $c, 3, 0x8f0c_cc92, 10);
        $step!($m, $i, $c, $d, $a, $b, 10, 0xffef_f47d, 15);
        $step!($m, $i, $b, $c, $d, $a, 1, 0x8584_5dd1, 21);
        $step!($m, $i, $a, $b, $c, $d, 8, 0x6fa8_7e4f, 6);
        $step!($m, $i, $d, $a, $b, $c, 15, 0xfe2c_e6e0, 10);
        $step!($m, $i, $c, $d, $a, $b, 6, 0xa301_4314, 15);
        $step!($m, $i, $b, $c, $d, $a, 13, 0x4e08_11a1, 21);
        $step!($m, $i, $a, $b, $c, $d, 4, 0xf753_7e82, 6);
        $step!($m, $i, $d, $a, $b, $c, 11, 0xbd3a_f235, 10);
        $step!($m, $i, $c, $d, $a, $b, 2, 0x2ad7_d2bb, 15);
        $step!($m, $i, $b, $c, $d, $a, 9, 0xeb86_d391, 21);
    };
}
#[cfg(target_arch = "x86_64")]
use md5_rounds;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
mod sched;

/// `out[i] = MD5(msgs[i])` for every `i`. Panics if the lengths differ (caller bug).
pub fn md5_many(msgs: &[&[u8]], out: &mut [[u8; 16]]) {
    run(Backend::detect(), msgs, out);
}

/// Which backend md5_many uses on this CPU: "avx512", "avx2" or "scalar".
pub fn backend() -> &'static str {
    Backend::detect().name()
}

/// Like [`md5_many`], but with the backend named by `backend` ("avx512",
/// "avx2" or "scalar") instead of the detected one.
///
/// Returns `false`, leaving `out` untouched, if `backend` is unknown or this
/// CPU does not support it; see [`supported_backends`]. Meant for tests,
/// benchmarks and fuzz targets that compare backends against each other.
///
/// Panics if the lengths of `msgs` and `out` differ, like [`md5_many`].
#[doc(hidden)]
pub fn md5_many_with(backend: &str, msgs: &[&[u8]], out: &mut [[u8; 16]]) -> bool {
    check_lengths(msgs, out);
    match Backend::from_name(backend) {
        Some(b) if b.is_supported() => {
            run(b, msgs, out);
            true
        }
        _ => false,
    }
}

/// The backends [`md5_many_with`] accepts on this CPU, fastest first; the
/// first one is what [`md5_many`] uses and the last one is always "scalar".
#[doc(hidden)]
pub fn supported_backends() -> &'static [&'static str] {
    const ALL: [&str; 3] = ["avx512", "avx2", "scalar"];
    // Each backend's requirements include those of the ones after it (see
    // `Backend::is_supported`), so the supported ones are a suffix of `ALL`.
    let first = match Backend::detect() {
        Backend::Avx512 => 0,
        Backend::Avx2 => 1,
        Backend::Scalar => 2,
    };
    &ALL[first..]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Backend {
    Scalar = 1,
    Avx2 = 2,
    Avx512 = 3,
}

/// The detected backend as its `repr(u8)` value; 0 until first detection.
static DETECTED: AtomicU8 = AtomicU8::new(0);

impl Backend {
    /// The fastest backend this CPU supports, detected once and cached.
    fn detect() -> Self {
        match DETECTED.load(Ordering::Relaxed) {
            1 => Backend::Scalar,
            2 => Backend::Avx2,
            3 => Backend::Avx512,
            _ => {
                let b = [Backend::Avx512, Backend::Avx2]
                    .into_iter()
                    .find(|b| b.is_supported())
                    .unwrap_or(Backend::Scalar);
                // Racing threads all store the same value, so Relaxed is enough.
                DETECTED.store(b as u8, Ordering::Relaxed);
                b
            }
        }
    }

    fn is_supported(self) -> bool {
        match self {
            Backend::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => avx2::Avx2::new().is_some(),
            #[cfg(target_arch = "x86_64")]
            // Also requires AVX2 so that the supported backends are a suffix
            // of the list in `supported_backends` (true of every real CPU).
            Backend::Avx512 => avx512::Avx512::new().is_some() && avx2::Avx2::new().is_some(),
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx2 | Backend::Avx512 => false,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "scalar" => Some(Backend::Scalar),
            "avx2" => Some(Backend::Avx2),
            "avx512" => Some(Backend::Avx512),
            _ => None,
        }
    }
}

fn check_lengths(msgs: &[&[u8]], out: &[[u8; 16]]) {
    assert_eq!(
        msgs.len(),
        out.len(),
        "md5_many: msgs and out differ in length"
    );
}

/// Runs `backend`, which the caller has checked is supported.
fn run(backend: Backend, msgs: &[&[u8]], out: &mut [[u8; 16]]) {
    check_lengths(msgs, out);
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => {
            if let Some(engine) = avx512::Avx512::new() {
                return engine.run(msgs, out);
            }
        }
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => {
            if let Some(engine) = avx2::Avx2::new() {
                return engine.run(msgs, out);
            }
        }
        _ => {}
    }
    scalar(msgs, out);
}

/// Longest message [`md5_short_many`] takes: two blocks less the `0x80` byte and the length.
pub const SHORT_MESSAGE: usize = 128 - 9;

/// `out[i] = MD5(bufs[i][..lens[i]])` for messages of at most [`SHORT_MESSAGE`] bytes,
/// written by the caller straight into two-block buffers: the padding is added in place
/// (overwriting `bufs[i][lens[i]..]`), and each group of up to 64 messages is two (or, when
/// all are shorter than 56 bytes, one) calls of the vector compression. For batches of
/// typical links this saves the copy and the scheduling of [`md5_many`].
///
/// Panics if the slices differ in length or a length exceeds [`SHORT_MESSAGE`] (caller bugs).
pub fn md5_short_many(bufs: &mut [[u8; 128]], lens: &[usize], out: &mut [[u8; 16]]) {
    run_short(Backend::detect(), bufs, lens, out);
}

/// [`md5_short_many`] with the backend named by `backend`, like [`md5_many_with`].
#[doc(hidden)]
pub fn md5_short_many_with(
    backend: &str,
    bufs: &mut [[u8; 128]],
    lens: &[usize],
    out: &mut [[u8; 16]],
) -> bool {
    match Backend::from_name(backend) {
        Some(b) if b.is_supported() => {
            run_short(b, bufs, lens, out);
            true
        }
        _ => false,
    }
}

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
    dst.copy_from_slice(src);
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

fn run_short(backend: Backend, bufs: &mut [[u8; 128]], lens: &[usize], out: &mut [[u8; 16]]) {
    assert!(
        bufs.len() == lens.len() && lens.len() == out.len(),
        "md5_short_many: bufs, lens and out differ in length"
    );
    let groups = bufs
        .chunks_mut(64)
        .zip(lens.chunks(64))
        .zip(out.chunks_mut(64));
    for ((bufs, lens), out) in groups {
        // Bit `i`: message `i` of the group has two blocks.
        let mut two = 0u64;
        for (i, (buf, &len)) in bufs.iter_mut().zip(lens).enumerate() {
            two |= u64::from(pad(buf, len) == 2) << i;
        }
        match backend {
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 if bufs.len() > 1 => {
                if let Some(engine) = avx512::Avx512::new() {
                    engine.run_short(bufs, two, out);
                    continue;
                }
            }
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 if bufs.len() > 1 => {
                if let Some(engine) = avx2::Avx2::new() {
                    engine.run_short(bufs, two, out);
                    continue;
                }
            }
            _ => {}
        }
        for (i, (buf, o)) in bufs.iter().zip(out.iter_mut()).enumerate() {
            *o = padded_digest(buf, 1 + (two >> i & 1) as usize);
        }
    }
}

/// One message at a time with the `md5` crate.
fn scalar(msgs: &[&[u8]], out: &mut [[u8; 16]]) {
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
