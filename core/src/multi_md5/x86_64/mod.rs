//! The x86-64 backends (AVX2, AVX-512) and the lane scheduler they share.

/// The 64 steps of the MD5 compression function (RFC 1321, 3.4), for any
/// vector width: `$step!(m, func, a, b, c, d, w, constant, shift)` must do
/// `a = b + ((a + func(b, c, d) + m[w] + constant) <<< shift)`.
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
use md5_rounds;

pub(super) mod avx2;
pub(super) mod avx512;
mod sched;
