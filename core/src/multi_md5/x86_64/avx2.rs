//! MD5 with AVX2: one message per 32-bit lane of a `__m256i`, in 1, 2 or 4
//! interleaved groups of 8 lanes.

use core::arch::x86_64::*;

use super::sched::{self, Engine};

/// Proof that the CPU supports AVX2: only [`Avx2::new`] makes one.
#[derive(Clone, Copy)]
pub(in crate::multi_md5) struct Avx2(());

impl Avx2 {
    pub(in crate::multi_md5) fn new() -> Option<Self> {
        is_x86_feature_detected!("avx2").then_some(Avx2(()))
    }

    /// Hashes `msgs` into `out` with as many interleaved 8-lane groups as
    /// the batch can fill, up to 4.
    pub(in crate::multi_md5) fn run(self, msgs: &[&[u8]], out: &mut [[u8; 16]]) {
        match msgs.len() {
            0..=8 => sched::run::<8, _>(self, msgs, out),
            9..=16 => sched::run::<16, _>(self, msgs, out),
            _ => sched::run::<32, _>(self, msgs, out),
        }
    }

    /// Hashes up to 64 padded messages (see `sched::run_short`), 32 lanes at a time.
    pub(in crate::multi_md5) fn run_short(
        self,
        bufs: &[[u8; 128]],
        two: u64,
        out: &mut [[u8; 16]],
    ) {
        if bufs.len() > 32 {
            let (out_a, out_b) = out.split_at_mut(32);
            self.run_short(&bufs[..32], two, out_a);
            return self.run_short(&bufs[32..], two >> 32, out_b);
        }
        match bufs.len() {
            0..=8 => sched::run_short::<8, _>(self, bufs, two, out),
            9..=16 => sched::run_short::<16, _>(self, bufs, two, out),
            _ => sched::run_short::<32, _>(self, bufs, two, out),
        }
    }
}

/// `impl Engine<L>` for `G` interleaved groups of 8 lanes, `L = 8 * G`.
macro_rules! engine {
    ($g:literal, $l:literal) => {
        impl Engine<$l> for Avx2 {
            /// A vector call costs about as much as a scalar compression (it
            /// is bound by latency), so it pays off from two busy lanes on.
            const SCALAR_TAIL: usize = 1;

            #[inline]
            fn compress(self, state: &mut [[u32; $l]; 4], blocks: &[&[u8; 64]; $l]) {
                // SAFETY: `self` exists, so AVX2 was detected on this CPU (see `new`).
                unsafe { compress::<$g, $l>(state, blocks) }
            }
        }
    };
}
engine!(1, 8);
engine!(2, 16);
engine!(4, 32);

#[inline]
#[target_feature(enable = "avx2")]
fn load(words: &[u32; 8]) -> __m256i {
    // SAFETY: `words` is 32 readable bytes; `loadu` has no alignment needs.
    unsafe { _mm256_loadu_si256(words.as_ptr().cast()) }
}

#[inline]
#[target_feature(enable = "avx2")]
fn store(words: &mut [u32; 8], v: __m256i) {
    // SAFETY: `words` is 32 writable bytes; `storeu` has no alignment needs.
    unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), v) }
}

#[inline]
#[target_feature(enable = "avx2")]
fn load_half(block: &[u8; 64], half: usize) -> __m256i {
    let bytes: &[u8; 32] = block[half * 32..]
        .first_chunk()
        .expect("a block has two halves");
    // SAFETY: `bytes` is 32 readable bytes; `loadu` has no alignment needs.
    unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
}

/// Transposes an 8x8 matrix of 32-bit words held as 8 rows.
#[inline]
#[target_feature(enable = "avx2")]
fn transpose8(r: [__m256i; 8]) -> [__m256i; 8] {
    let t0 = _mm256_unpacklo_epi32(r[0], r[1]);
    let t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    let t2 = _mm256_unpacklo_epi32(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    let t4 = _mm256_unpacklo_epi32(r[4], r[5]);
    let t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    let t6 = _mm256_unpacklo_epi32(r[6], r[7]);
    let t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    // u0: words 0 | 4 of rows 0-3; u1: 1 | 5; u2: 2 | 6; u3: 3 | 7. u4-u7: rows 4-7.
    let u0 = _mm256_unpacklo_epi64(t0, t2);
    let u1 = _mm256_unpackhi_epi64(t0, t2);
    let u2 = _mm256_unpacklo_epi64(t1, t3);
    let u3 = _mm256_unpackhi_epi64(t1, t3);
    let u4 = _mm256_unpacklo_epi64(t4, t6);
    let u5 = _mm256_unpackhi_epi64(t4, t6);
    let u6 = _mm256_unpacklo_epi64(t5, t7);
    let u7 = _mm256_unpackhi_epi64(t5, t7);
    [
        _mm256_permute2x128_si256::<0x20>(u0, u4),
        _mm256_permute2x128_si256::<0x20>(u1, u5),
        _mm256_permute2x128_si256::<0x20>(u2, u6),
        _mm256_permute2x128_si256::<0x20>(u3, u7),
        _mm256_permute2x128_si256::<0x31>(u0, u4),
        _mm256_permute2x128_si256::<0x31>(u1, u5),
        _mm256_permute2x128_si256::<0x31>(u2, u6),
        _mm256_permute2x128_si256::<0x31>(u3, u7),
    ]
}

/// Message word `w` of all 8 blocks, for `w` in 0..16.
#[inline]
#[target_feature(enable = "avx2")]
fn message(blocks: &[&[u8; 64]; 8]) -> [__m256i; 16] {
    let lo = transpose8(core::array::from_fn(|i| load_half(blocks[i], 0)));
    let hi = transpose8(core::array::from_fn(|i| load_half(blocks[i], 1)));
    core::array::from_fn(|w| if w < 8 { lo[w] } else { hi[w - 8] })
}

#[inline]
#[target_feature(enable = "avx2")]
fn add(a: __m256i, b: __m256i) -> __m256i {
    _mm256_add_epi32(a, b)
}

#[inline]
#[target_feature(enable = "avx2")]
fn k(c: u32) -> __m256i {
    _mm256_set1_epi32(c as i32)
}

/// `a = b + ((a + f + m + k) <<< s)` in every group, with `$f(t, b, c, d)`
/// adding the round function to `t = a + m + k`, computed first: it does not
/// depend on `b`, the result of the previous step.
macro_rules! step {
    ($m:ident, $f:ident, $a:ident, $b:ident, $c:ident, $d:ident, $w:literal, $k:expr, $s:literal) => {
        for g in 0..G {
            let t = opaque(add(add($a[g], $m[g][$w]), k($k)));
            let t = $f(t, $b[g], $c[g], $d[g]);
            let t = _mm256_or_si256(
                _mm256_slli_epi32::<$s>(t),
                _mm256_srli_epi32::<{ 32 - $s }>(t),
            );
            $a[g] = add(t, $b[g]);
        }
    };
}

/// Returns `x`, but hides from the compiler how it was computed.
///
/// Without this, LLVM may reassociate `(a + m + k) + f` so that more than one
/// addition sits between the round function and the rotation, on the
/// critical path of every step (30% slower with 4 groups).
#[inline]
#[target_feature(enable = "avx2")]
fn opaque(mut x: __m256i) -> __m256i {
    // SAFETY: the assembly is empty: it only claims to modify a register that
    // holds `x`, and touches no memory, stack or flags.
    unsafe {
        core::arch::asm!(
            "/* {0} */",
            inout(ymm_reg) x,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    x
}

/// `t + ((b & c) | (!b & d))`, as `t + (((c ^ d) & b) ^ d)`.
#[inline]
#[target_feature(enable = "avx2")]
fn f(t: __m256i, b: __m256i, c: __m256i, d: __m256i) -> __m256i {
    add(
        t,
        _mm256_xor_si256(_mm256_and_si256(_mm256_xor_si256(c, d), b), d),
    )
}

/// `t + ((b & d) | (c & !d))`: the two terms share no bits, so they are
/// added one by one, `c & !d` first since it does not depend on `b`.
#[inline]
#[target_feature(enable = "avx2")]
fn g(t: __m256i, b: __m256i, c: __m256i, d: __m256i) -> __m256i {
    add(add(t, _mm256_andnot_si256(d, c)), _mm256_and_si256(b, d))
}

/// `t + (b ^ c ^ d)`.
#[inline]
#[target_feature(enable = "avx2")]
fn h(t: __m256i, b: __m256i, c: __m256i, d: __m256i) -> __m256i {
    add(t, _mm256_xor_si256(b, _mm256_xor_si256(c, d)))
}

/// `t + (c ^ (b | !d))`.
#[inline]
#[target_feature(enable = "avx2")]
fn i(t: __m256i, b: __m256i, c: __m256i, d: __m256i) -> __m256i {
    let not_d = _mm256_xor_si256(d, _mm256_set1_epi32(-1));
    add(t, _mm256_xor_si256(c, _mm256_or_si256(b, not_d)))
}

/// `G` interleaved groups of 8 lanes, `L = 8 * G`. One group leaves the
/// CPU mostly waiting: every step is a chain of dependent instructions.
#[target_feature(enable = "avx2")]
fn compress<const G: usize, const L: usize>(state: &mut [[u32; L]; 4], blocks: &[&[u8; 64]; L]) {
    const { assert!(L == 8 * G) };
    let m: [[__m256i; 16]; G] = core::array::from_fn(|g| message(&blocks.as_chunks::<8>().0[g]));
    let init: [[__m256i; G]; 4] =
        core::array::from_fn(|w| core::array::from_fn(|g| load(&state[w].as_chunks::<8>().0[g])));
    let [mut a, mut b, mut c, mut d] = init;
    super::md5_rounds!(step, m, f, g, h, i, a, b, c, d);
    for (w, v) in [a, b, c, d].into_iter().enumerate() {
        let (groups, _) = state[w].as_chunks_mut::<8>();
        for g in 0..G {
            store(&mut groups[g], add(v[g], init[w][g]));
        }
    }
}
