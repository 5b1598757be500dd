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

mod portable;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
mod x86_64;

use portable::scalar;
pub(crate) use portable::{copy_small, pad, padded_digest};
#[cfg(target_arch = "x86_64")]
use x86_64::{avx2, avx512};

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
