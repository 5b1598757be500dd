//! Skipping the ordinary bytes of a URL sixteen at a time (SSE2, part of every x86-64 CPU).
//!
//! [`url::split`](crate::url) classifies every byte of the host and the path; in a batch that
//! was a quarter of the time per link. These functions only skip ahead over bytes that need
//! no decision and stop at the first one that does, where the byte-by-byte code takes over,
//! so they decide nothing themselves: the scalar code stays the one definition, and on other
//! targets the functions return `start` (nothing skipped).
//!
//! [`each_position`] finds the separators of a batch passed as one text, for the faces that
//! take a batch that way (the C API's joined call, the Node addon).
//!
//! Public but hidden, for those faces and for the fuzz target (which compares the skips with
//! its own statement of the rules); not part of the API.

/// The index of the first byte at or after `start` that can end the authority or needs a
/// second look in it: one of `/ ? #`, space, a control byte, DEL, or a byte that is not in a
/// host name (`" < > [ \ ] ^ \` { | }`) or separates its parts (`: @`); or `b.len()`. The bytes
/// it skips are exactly those of a host name (`url::HOST_BYTE`).
#[inline]
pub fn skip_host(b: &[u8], start: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
        unsafe { sse2::skip_host(b, start) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = b;
        start
    }
}

/// The index of the first byte at or after `start` of a path that is not a plain path byte
/// (emitted unescaped, see `path::path_safe_table`), or a `/` followed by `/` or `.`; or
/// `b.len()`.
pub fn skip_path(b: &[u8], start: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
        unsafe { sse2::skip_path(b, start) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = b;
        start
    }
}

/// Calls `f` with the index of every `byte` in `b`, in order, while `f` returns `true`;
/// returns `false` if `f` stopped it. Sixteen bytes at a time with SSE2: for separators a
/// few dozen bytes apart, ~1.3 ns per URL where `memchr::memchr_iter` took ~5 (measured on
/// 100,000 joined URLs), as it is built for rare matches.
pub fn each_position(b: &[u8], byte: u8, mut f: impl FnMut(usize) -> bool) -> bool {
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut at = 0;
    #[cfg(target_arch = "x86_64")]
    while let Some(block) = b.get(at..at + 16) {
        let block: &[u8; 16] = block.try_into().expect("16 bytes");
        // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
        let mut found = unsafe { sse2::matches(block, byte) };
        while found != 0 {
            if !f(at + found.trailing_zeros() as usize) {
                return false;
            }
            found &= found - 1;
        }
        at += 16;
    }
    for (i, &c) in b.iter().enumerate().skip(at) {
        if c == byte && !f(i) {
            return false;
        }
    }
    true
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// Bit `i` set where `block[i] == byte`.
    #[target_feature(enable = "sse2")]
    pub(super) fn matches(block: &[u8; 16], byte: u8) -> u32 {
        mask(eq(load(block, 0), byte))
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    pub(super) fn skip_host(b: &[u8], start: usize) -> usize {
        skip(b, start, |v, _| host_stop(v))
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn skip_path(b: &[u8], start: usize) -> usize {
        skip(b, start, |v, next| path_stop(v, next))
    }

    /// Advances over whole blocks of 16 bytes in which `stop` marks nothing, and returns the
    /// position of the first marked byte, or `b.len()`. `stop` gets a block and the block one
    /// byte further on (for the `/` rule).
    #[target_feature(enable = "sse2")]
    #[inline]
    fn skip(b: &[u8], mut i: usize, stop: impl Fn(__m128i, __m128i) -> __m128i) -> usize {
        while let Some(window) = b.get(i..i + 17) {
            let window: &[u8; 17] = window.try_into().expect("17 bytes");
            let (v, next) = (load(window, 0), load(window, 1));
            let mask = mask(stop(v, next));
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
        // Fewer than 17 bytes left: the last 16 bytes of `b` (overlapping what was already
        // looked at), with the byte after the last one taken as 0, which no rule stops at,
        // like the end of the text.
        let Some(last) = b.len().checked_sub(16) else {
            return i; // Short text: left to the caller's byte-by-byte code.
        };
        let window: &[u8; 16] = b[last..].try_into().expect("16 bytes");
        let v = load(window, 0);
        let mask = mask(stop(v, _mm_srli_si128::<1>(v))) >> (i - last);
        (i + mask.trailing_zeros() as usize).min(b.len())
    }

    #[target_feature(enable = "sse2")]
    fn mask(m: __m128i) -> u32 {
        _mm_movemask_epi8(m) as u32
    }

    #[target_feature(enable = "sse2")]
    fn load<const N: usize>(w: &[u8; N], offset: usize) -> __m128i {
        assert!(offset + 16 <= N);
        // SAFETY: `w` is N bytes long and `offset + 16 <= N` (checked above, and known at
        // compile time at every call), so the 16 bytes read are inside `w`; `loadu` has no
        // alignment requirement.
        unsafe { _mm_loadu_si128(w.as_ptr().add(offset).cast()) }
    }

    #[target_feature(enable = "sse2")]
    fn eq(v: __m128i, c: u8) -> __m128i {
        _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))
    }

    /// Bytes `c` with `lo <= c <= hi` (unsigned).
    #[target_feature(enable = "sse2")]
    fn in_range(v: __m128i, lo: u8, hi: u8) -> __m128i {
        let d = _mm_sub_epi8(v, _mm_set1_epi8(lo as i8));
        _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8((hi - lo) as i8)), d)
    }

    /// Marks every byte that is not a host-name byte: controls and space, `" # / : < > ? @`,
    /// `[ \ ] ^`, `` ` ``, `{ | }` and DEL.
    #[target_feature(enable = "sse2")]
    fn host_stop(v: __m128i) -> __m128i {
        _mm_or_si128(
            _mm_or_si128(
                _mm_or_si128(in_range(v, 0, b' '), in_range(v, b'"', b'#')),
                _mm_or_si128(
                    _mm_or_si128(eq(v, b'/'), eq(v, b':')),
                    _mm_or_si128(eq(v, b'<'), in_range(v, b'>', b'@')),
                ),
            ),
            _mm_or_si128(
                _mm_or_si128(in_range(v, b'[', b'^'), eq(v, b'`')),
                _mm_or_si128(in_range(v, b'{', b'}'), eq(v, 0x7f)),
            ),
        )
    }

    /// Marks every byte that is not a plain path byte, and `/` followed by `/` or `.`.
    ///
    /// Plain: `A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = : @ /`. Everything else is below
    /// `!` as a signed byte (controls, space and every byte >= 0x80), or one of
    /// `" # % < > ? [ \ ] ^ \` { | }` and DEL.
    #[target_feature(enable = "sse2")]
    fn path_stop(v: __m128i, next: __m128i) -> __m128i {
        let below_bang = _mm_cmplt_epi8(v, _mm_set1_epi8(b'!' as i8));
        let punct = _mm_or_si128(
            _mm_or_si128(
                in_range(v, b'"', b'#'),
                _mm_or_si128(eq(v, b'%'), eq(v, b'<')),
            ),
            _mm_or_si128(
                _mm_or_si128(in_range(v, b'>', b'?'), in_range(v, b'[', b'^')),
                _mm_or_si128(
                    eq(v, b'`'),
                    _mm_or_si128(in_range(v, b'{', b'}'), eq(v, 0x7f)),
                ),
            ),
        );
        let dot_segment = _mm_and_si128(eq(v, b'/'), _mm_or_si128(eq(next, b'/'), eq(next, b'.')));
        _mm_or_si128(_mm_or_si128(below_bang, punct), dot_segment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first stop by the byte-by-byte rules, or `None`.
    fn host_rule(b: &[u8], start: usize) -> Option<usize> {
        (start..b.len()).find(|&i| {
            !(b[i].is_ascii_alphanumeric() || b[i] >= 0x80 || b"-._~!$&'()*+,;=%".contains(&b[i]))
        })
    }

    fn path_rule(b: &[u8], start: usize) -> Option<usize> {
        let safe = crate::path::path_safe_table();
        (start..b.len()).find(|&i| {
            !safe[b[i] as usize] || (b[i] == b'/' && matches!(b.get(i + 1), Some(b'/' | b'.')))
        })
    }

    /// `skip` may stop early only near the end; it must never pass a stop.
    fn check(b: &[u8], start: usize) {
        for (skip, rule) in [
            (
                skip_host as fn(&[u8], usize) -> usize,
                host_rule as fn(&[u8], usize) -> _,
            ),
            (skip_path, path_rule),
        ] {
            let got = skip(b, start);
            let stop = rule(b, start).unwrap_or(b.len());
            let what = String::from_utf8_lossy(b);
            // Text shorter than a block is left to the byte-by-byte code.
            let want = if cfg!(target_arch = "x86_64") && b.len() >= 16 {
                stop
            } else {
                start
            };
            assert_eq!(got, want, "{what:?} from {start}");
        }
    }

    #[test]
    fn each_position_finds_every_byte_in_order_and_stops() {
        for len in 0..70 {
            for seed in 0..40u32 {
                let b: Vec<u8> = (0..len)
                    .map(|i| match (i as u32 * 7 + seed * 13) % 11 {
                        0 => b'\n',
                        1 => 0x8a, // the separator's low bits with the top bit set
                        _ => b'a' + (i % 26) as u8,
                    })
                    .collect();
                let want: Vec<usize> = (0..len).filter(|&i| b[i] == b'\n').collect();
                let mut got = Vec::new();
                assert!(each_position(&b, b'\n', |i| {
                    got.push(i);
                    true
                }));
                assert_eq!(got, want, "length {len}, seed {seed}");
                // Stopped after the first: reports it and calls no further.
                let mut calls = 0;
                let done = each_position(&b, b'\n', |_| {
                    calls += 1;
                    false
                });
                assert_eq!((done, calls), (want.is_empty(), want.len().min(1)));
            }
        }
    }

    #[test]
    fn skips_to_the_end() {
        let b = [b'a'; 100];
        let want = if cfg!(target_arch = "x86_64") { 100 } else { 0 };
        assert_eq!(skip_path(&b, 0), want);
        assert_eq!(skip_host(&b, 0), want);
        assert_eq!(skip_path(&b, 100), 100);
    }

    #[test]
    fn every_byte_value_at_every_position() {
        let plain = b"abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@ABCDEFGH".to_vec();
        for c in 0..=255u8 {
            for pos in 0..40 {
                let mut b = plain.clone();
                b[pos] = c;
                check(&b, 0);
                check(&b, 3);
                // A slash before it, for the `//` and `/.` rule.
                if pos > 0 {
                    b[pos - 1] = b'/';
                    check(&b, 0);
                }
            }
        }
    }

    #[test]
    fn random_text() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let alphabet = b"abc/./%?# \\\x7f\x01\xc3\xa9XYZ09-_~";
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 80) as usize;
            let b: Vec<u8> = (0..len)
                .map(|i| {
                    let r = x.rotate_left(i as u32 * 7) ^ (i as u64).wrapping_mul(0x9e37_79b9);
                    // Mostly plain bytes, so that whole blocks are skipped too.
                    if r & 7 != 0 {
                        b"abcdefgh-_.0123"[(r >> 8) as usize % 15]
                    } else {
                        alphabet[(r >> 16) as usize % alphabet.len()]
                    }
                })
                .collect();
            check(&b, (x >> 40) as usize % (len + 1));
        }
    }
}
