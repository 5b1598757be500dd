//! MD5 with AVX-512F: one message per 32-bit lane of a `__m512i`, in 1, 2 or
//! 4 interleaved groups of 16 lanes.
//!
//! Compared with AVX2, each step needs fewer instructions: `vpternlogd`
//! computes the round function in one instruction and `vprold` rotates.

use core::arch::x86_64::*;

use super::sched::{self, Engine};

/// Proof that the CPU supports AVX-512F: only [`Avx512::new`] makes one.
#[derive(Clone, Copy)]
pub(in crate::multi_md5) struct Avx512(());

impl Avx512 {
    pub(in crate::multi_md5) fn new() -> Option<Self> {
        is_x86_feature_detected!("avx512f").then_some(Avx512(()))
    }

    /// Hashes `msgs` into `out` with as many interleaved 16-lane groups as
    /// the batch can fill, up to 4.
    pub(in crate::multi_md5) fn run(self, msgs: &[&[u8]], out: &mut [[u8; 16]]) {
        match msgs.len() {
            0..=16 => sched::run::<16, _>(self, msgs, out),
            17..=32 => sched::run::<32, _>(self, msgs, out),
            _ => sched::run::<64, _>(self, msgs, out),
        }
    }

    /// Hashes up to 64 padded messages (see `sched::run_short`).
    pub(in crate::multi_md5) fn run_short(
        self,
        bufs: &[[u8; 128]],
        two: u64,
        out: &mut [[u8; 16]],
    ) {
        match bufs.len() {
            0..=16 => sched::run_short::<16, _>(self, bufs, two, out),
            17..=32 => sched::run_short::<32, _>(self, bufs, two, out),
            _ => sched::run_short::<64, _>(self, bufs, two, out),
        }
    }
}

/// `impl Engine<L>` for `G` interleaved groups of 16 lanes, `L = 16 * G`.
macro_rules! engine {
    ($g:literal, $l:literal) => {
        impl Engine<$l> for Avx512 {
            /// A vector call costs about as much as a scalar compression (it
            /// is bound by latency), so it pays off from two busy lanes on.
            const SCALAR_TAIL: usize = 1;

            #[inline]
            fn compress(self, state: &mut [[u32; $l]; 4], blocks: &[&[u8; 64]; $l]) {
                // SAFETY: `self` exists, so AVX-512F was detected on this CPU (see `new`).
                unsafe { compress::<$g, $l>(state, blocks) }
            }
        }
    };
}
engine!(1, 16);
engine!(2, 32);
engine!(4, 64);

#[inline]
#[target_feature(enable = "avx512f")]
fn load(words: &[u32; 16]) -> __m512i {
    // SAFETY: `words` is 64 readable bytes; `loadu` has no alignment needs.
    unsafe { _mm512_loadu_si512(words.as_ptr().cast()) }
}

#[inline]
#[target_feature(enable = "avx512f")]
fn load_block(block: &[u8; 64]) -> __m512i {
    // SAFETY: `block` is 64 readable bytes; `loadu` has no alignment needs.
    unsafe { _mm512_loadu_si512(block.as_ptr().cast()) }
}

#[inline]
#[target_feature(enable = "avx512f")]
fn store(words: &mut [u32; 16], v: __m512i) {
    // SAFETY: `words` is 64 writable bytes; `storeu` has no alignment needs.
    unsafe { _mm512_storeu_si512(words.as_mut_ptr().cast(), v) }
}

/// Message word `w` of all 16 blocks, for `w` in 0..16: a 16x16 transpose
/// of 32-bit words, one block per row.
#[inline]
#[target_feature(enable = "avx512f")]
fn message(blocks: &[&[u8; 64]; 16]) -> [__m512i; 16] {
    let r: [__m512i; 16] = core::array::from_fn(|i| load_block(blocks[i]));
    // Within each 128-bit lane: t[4q + 0..2] interleave words of rows 4q, 4q + 1,
    // t[4q + 2..4] those of rows 4q + 2, 4q + 3.
    let mut t = [_mm512_setzero_si512(); 16];
    for p in 0..8 {
        let (lo, hi) = (r[2 * p], r[2 * p + 1]);
        t[2 * p] = _mm512_unpacklo_epi32(lo, hi);
        t[2 * p + 1] = _mm512_unpackhi_epi32(lo, hi);
    }
    // u[4q + j], 128-bit lane l: word 4l + j of rows 4q..4q + 4.
    let mut u = [_mm512_setzero_si512(); 16];
    for q in 0..4 {
        let (t0, t1, t2, t3) = (t[4 * q], t[4 * q + 1], t[4 * q + 2], t[4 * q + 3]);
        u[4 * q] = _mm512_unpacklo_epi64(t0, t2);
        u[4 * q + 1] = _mm512_unpackhi_epi64(t0, t2);
        u[4 * q + 2] = _mm512_unpacklo_epi64(t1, t3);
        u[4 * q + 3] = _mm512_unpackhi_epi64(t1, t3);
    }
    let mut m = [_mm512_setzero_si512(); 16];
    for j in 0..4 {
        let (u0, u1, u2, u3) = (u[j], u[4 + j], u[8 + j], u[12 + j]);
        // v0: words j, j + 8 of rows 0-7; v1: words j + 4, j + 12 of rows 0-7;
        // v2, v3: the same for rows 8-15.
        let v0 = _mm512_shuffle_i32x4::<0x88>(u0, u1);
        let v1 = _mm512_shuffle_i32x4::<0xdd>(u0, u1);
        let v2 = _mm512_shuffle_i32x4::<0x88>(u2, u3);
        let v3 = _mm512_shuffle_i32x4::<0xdd>(u2, u3);
        m[j] = _mm512_shuffle_i32x4::<0x88>(v0, v2);
        m[j + 8] = _mm512_shuffle_i32x4::<0xdd>(v0, v2);
        m[j + 4] = _mm512_shuffle_i32x4::<0x88>(v1, v3);
        m[j + 12] = _mm512_shuffle_i32x4::<0xdd>(v1, v3);
    }
    m
}

#[inline]
#[target_feature(enable = "avx512f")]
fn add(a: __m512i, b: __m512i) -> __m512i {
    _mm512_add_epi32(a, b)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn k(c: u32) -> __m512i {
    _mm512_set1_epi32(c as i32)
}

/// Returns `x`, but hides from the compiler how it was computed.
///
/// Without this, LLVM reassociates `(a + m + k) + f` to `(a + m + f) + k`
/// (it moves constants last), which puts one more addition on the critical
/// path of every step: about 20% slower.
#[inline]
#[target_feature(enable = "avx512f")]
fn opaque(mut x: __m512i) -> __m512i {
    // SAFETY: the assembly is empty: it only claims to modify a register that
    // holds `x`, and touches no memory, stack or flags.
    unsafe {
        core::arch::asm!(
            "/* {0} */",
            inout(zmm_reg) x,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    x
}

/// `a = b + ((a + f(b, c, d) + m + k) <<< s)` in every group. `a + m + k`
/// comes first as it does not depend on `b`, the result of the previous
/// step, so only one addition is left between the round function and the
/// rotation.
macro_rules! step {
    ($m:ident, $f:ident, $a:ident, $b:ident, $c:ident, $d:ident, $w:literal, $k:expr, $s:literal) => {
        for g in 0..G {
            let t = opaque(add(add($a[g], $m[g][$w]), k($k)));
            let t = add(t, $f($b[g], $c[g], $d[g]));
            $a[g] = add(_mm512_rol_epi32::<$s>(t), $b[g]);
        }
    };
}

// The round functions as `vpternlogd` truth tables: bit `4b + 2c + d` of the
// immediate is the function's value for those input bits.

/// `(b & c) | (!b & d)`
#[inline]
#[target_feature(enable = "avx512f")]
fn f(b: __m512i, c: __m512i, d: __m512i) -> __m512i {
    _mm512_ternarylogic_epi32::<0xca>(b, c, d)
}

/// `(b & d) | (c & !d)`
#[inline]
#[target_feature(enable = "avx512f")]
fn g(b: __m512i, c: __m512i, d: __m512i) -> __m512i {
    _mm512_ternarylogic_epi32::<0xe4>(b, c, d)
}

/// `b ^ c ^ d`
#[inline]
#[target_feature(enable = "avx512f")]
fn h(b: __m512i, c: __m512i, d: __m512i) -> __m512i {
    _mm512_ternarylogic_epi32::<0x96>(b, c, d)
}

/// `c ^ (b | !d)`
#[inline]
#[target_feature(enable = "avx512f")]
fn i(b: __m512i, c: __m512i, d: __m512i) -> __m512i {
    _mm512_ternarylogic_epi32::<0x39>(b, c, d)
}

/// `G` interleaved groups of 16 lanes, `L = 16 * G`. One group leaves the
/// CPU mostly waiting: every step is a chain of four dependent instructions.
#[target_feature(enable = "avx512f")]
fn compress<const G: usize, const L: usize>(state: &mut [[u32; L]; 4], blocks: &[&[u8; 64]; L]) {
    const { assert!(L == 16 * G) };
    let m: [[__m512i; 16]; G] = core::array::from_fn(|g| message(&blocks.as_chunks::<16>().0[g]));
    let init: [[__m512i; G]; 4] =
        core::array::from_fn(|w| core::array::from_fn(|g| load(&state[w].as_chunks::<16>().0[g])));
    let [mut a, mut b, mut c, mut d] = init;
    super::md5_rounds!(step, m, f, g, h, i, a, b, c, d);
    for (w, v) in [a, b, c, d].into_iter().enumerate() {
        let (groups, _) = state[w].as_chunks_mut::<16>();
        for g in 0..G {
            store(&mut groups[g], add(v[g], init[w][g]));
        }
    }
}
