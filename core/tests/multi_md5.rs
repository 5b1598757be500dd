//! `md5_many` and every backend of it against the `md5` crate.

use cdn_secure_token::multi_md5::{
    backend, md5_many, md5_many_with, md5_short_many, md5_short_many_with, supported_backends,
    SHORT_MESSAGE,
};
use md5::{Digest, Md5};
use proptest::prelude::*;

/// The expected digests, from the `md5` crate only.
fn reference(msgs: &[&[u8]]) -> Vec<[u8; 16]> {
    msgs.iter().map(|m| Md5::digest(m).into()).collect()
}

/// Checks `md5_short_many` and every backend of it on `msgs` (all short): the messages are
/// written into buffers full of junk, which the padding must overwrite.
fn check_short(msgs: &[&[u8]], expected: &[[u8; 16]]) {
    let lens: Vec<usize> = msgs.iter().map(|m| m.len()).collect();
    let bufs = || -> Vec<[u8; 128]> {
        msgs.iter()
            .map(|m| {
                let mut b = [0xa5u8; 128];
                b[..m.len()].copy_from_slice(m);
                b
            })
            .collect()
    };
    let mut out = vec![[0x5a; 16]; msgs.len()];
    md5_short_many(&mut bufs(), &lens, &mut out);
    assert_eq!(out, expected, "md5_short_many ({})", backend());
    for &b in supported_backends() {
        let mut out = vec![[0x5a; 16]; msgs.len()];
        assert!(md5_short_many_with(b, &mut bufs(), &lens, &mut out));
        for (i, (got, want)) in out.iter().zip(expected).enumerate() {
            assert_eq!(
                got,
                want,
                "short, backend {b}, message {i} of {} (length {})",
                msgs.len(),
                lens[i]
            );
        }
    }
}

/// Checks `md5_many` and every backend this CPU supports on `msgs`, and the short-message
/// path too when every message is short enough for it.
fn check(msgs: &[&[u8]]) {
    let expected = reference(msgs);
    if msgs.iter().all(|m| m.len() <= SHORT_MESSAGE) {
        check_short(msgs, &expected);
    }
    let mut out = vec![[0xa5; 16]; msgs.len()];
    md5_many(msgs, &mut out);
    assert_eq!(out, expected, "md5_many ({})", backend());
    for &b in supported_backends() {
        let mut out = vec![[0xa5; 16]; msgs.len()];
        assert!(md5_many_with(b, msgs, &mut out), "{b} should be supported");
        for (i, (got, want)) in out.iter().zip(&expected).enumerate() {
            assert_eq!(
                got,
                want,
                "backend {b}, message {i} of {} (length {})",
                msgs.len(),
                msgs[i].len()
            );
        }
    }
}

/// Deterministic pseudo-random bytes (xorshift), so the tests need no seed.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn backend_is_known_and_supported() {
    let all = supported_backends();
    assert_eq!(all.first(), Some(&backend()));
    assert_eq!(all.last(), Some(&"scalar"));
    for b in ["avx512", "avx2", "scalar"] {
        let mut out = [[0; 16]];
        let ran = md5_many_with(b, &[b"abc"], &mut out);
        assert_eq!(ran, all.contains(&b), "{b}");
        if ran {
            assert_eq!(out[0], <[u8; 16]>::from(Md5::digest(b"abc")), "{b}");
        }
    }
    #[cfg(target_arch = "x86_64")]
    {
        assert_eq!(
            all.contains(&"avx2"),
            std::arch::is_x86_feature_detected!("avx2")
        );
        assert_eq!(
            all.contains(&"avx512"),
            std::arch::is_x86_feature_detected!("avx512f")
        );
    }
}

#[test]
fn unknown_backend_is_refused() {
    let mut out = [[7; 16]];
    assert!(!md5_many_with("sse9", &[b""], &mut out));
    assert_eq!(out, [[7; 16]]);
}

#[test]
fn rfc1321_test_suite() {
    let cases: [(&[u8], &str); 7] = [
        (b"", "d41d8cd98f00b204e9800998ecf8427e"),
        (b"a", "0cc175b9c0f1b6a831c399e269772661"),
        (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
        (b"message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        (
            b"abcdefghijklmnopqrstuvwxyz",
            "c3fcd3d76192e4007dfb496cca67e13b",
        ),
        (
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "d174ab98d277d9f5a5611c2c9f419d9f",
        ),
        (
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a",
        ),
    ];
    let msgs: Vec<&[u8]> = cases.iter().map(|c| c.0).collect();
    for &b in supported_backends() {
        let mut out = vec![[0; 16]; msgs.len()];
        assert!(md5_many_with(b, &msgs, &mut out));
        for (d, (m, hex)) in out.iter().zip(cases) {
            let got: String = d.iter().map(|x| format!("{x:02x}")).collect();
            assert_eq!(
                got,
                hex,
                "backend {b}, message {:?}",
                String::from_utf8_lossy(m)
            );
        }
    }
    check(&msgs);
}

#[test]
#[should_panic(expected = "differ in length")]
fn length_mismatch_panics() {
    let mut out = [[0; 16]; 2];
    md5_many(&[b"a"], &mut out);
}

#[test]
fn length_mismatch_panics_on_every_backend() {
    for &b in supported_backends() {
        let r = std::panic::catch_unwind(|| {
            let mut out = [[0; 16]; 1];
            md5_many_with(b, &[b"a", b"b"], &mut out)
        });
        assert!(r.is_err(), "{b}");
    }
}

/// Every length 0..=1024 in one batch, in an order that mixes short and long
/// messages so lanes finish at different block counts.
#[test]
fn every_length_up_to_1024_mixed_in_one_batch() {
    let data: Vec<Vec<u8>> = (0..=1024).map(|len| bytes(len, len as u64 + 1)).collect();
    let mut order: Vec<usize> = (0..=1024).collect();
    // A fixed shuffle: multiply by a unit mod 1025 (= 5^2 * 41).
    for (i, o) in order.iter_mut().enumerate() {
        *o = (i * 397) % 1025;
    }
    let msgs: Vec<&[u8]> = order.iter().map(|&i| &data[i][..]).collect();
    check(&msgs);
    // Sorted ascending and descending as well.
    let asc: Vec<&[u8]> = data.iter().map(|d| &d[..]).collect();
    check(&asc);
    let desc: Vec<&[u8]> = asc.iter().rev().copied().collect();
    check(&desc);
}

/// Every length 0..=1024 in every batch size that matters for 8, 16, 32 and
/// 64 lanes: the lengths, in several orders, cut into batches of that size.
#[test]
fn every_length_in_every_batch_size() {
    const SIZES: [usize; 12] = [0, 1, 2, 7, 8, 9, 15, 16, 17, 33, 64, 100];
    let data: Vec<Vec<u8>> = (0..=1024)
        .map(|len| bytes(len, 7 * len as u64 + 3))
        .collect();
    let orders: [Vec<usize>; 4] = [
        (0..=1024).collect(),
        (0..=1024).rev().collect(),
        // A fixed shuffle: multiply by a unit mod 1025.
        (0..=1024).map(|i| (i * 397) % 1025).collect(),
        // Short and long alternately.
        (0..=1024)
            .map(|i| if i % 2 == 0 { i / 2 } else { 1024 - i / 2 })
            .collect(),
    ];
    for order in &orders {
        let msgs: Vec<&[u8]> = order.iter().map(|&l| &data[l][..]).collect();
        for size in SIZES {
            if size == 0 {
                check(&[]);
                continue;
            }
            for batch in msgs.chunks(size) {
                check(batch);
            }
        }
    }
}

/// Lanes finishing at different times: one long message among many short
/// ones, in every position.
#[test]
fn one_long_message_among_short_ones() {
    let long = bytes(10_000, 99);
    let short: Vec<Vec<u8>> = (0..40).map(|i| bytes(40 + i, i as u64)).collect();
    for pos in 0..40 {
        let mut msgs: Vec<&[u8]> = short.iter().map(|s| &s[..]).collect();
        msgs.insert(pos, &long);
        check(&msgs);
    }
}

#[test]
fn identical_messages_and_all_byte_values() {
    let same = vec![&b"https://cdn.example/video.mp4?e=1700000000"[..]; 37];
    check(&same);
    let ff = vec![0xffu8; 1000];
    let zero = vec![0u8; 1000];
    let msgs: Vec<&[u8]> = (0..1000)
        .step_by(13)
        .flat_map(|l| [&ff[..l], &zero[..l]])
        .collect();
    check(&msgs);
}

#[test]
fn large_batch_of_typical_messages() {
    let data: Vec<Vec<u8>> = (0..5000).map(|i| bytes(60 + i % 41, i as u64)).collect();
    let msgs: Vec<&[u8]> = data.iter().map(|d| &d[..]).collect();
    check(&msgs);
}

fn batch() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let msg = prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..130),
        1 => proptest::collection::vec(any::<u8>(), 0..1025),
    ];
    proptest::collection::vec(msg, 0..70)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_batches_match_md5_crate(batch in batch()) {
        let msgs: Vec<&[u8]> = batch.iter().map(|m| &m[..]).collect();
        let expected = reference(&msgs);
        let mut out = vec![[0; 16]; msgs.len()];
        md5_many(&msgs, &mut out);
        prop_assert_eq!(&out, &expected);
        for &b in supported_backends() {
            let mut out = vec![[0; 16]; msgs.len()];
            prop_assert!(md5_many_with(b, &msgs, &mut out));
            prop_assert_eq!(&out, &expected, "backend {}", b);
        }
    }

    #[test]
    fn random_single_messages_match_md5_crate(msg in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let expected = reference(&[&msg]);
        for &b in supported_backends() {
            let mut out = [[0; 16]];
            prop_assert!(md5_many_with(b, &[&msg], &mut out));
            prop_assert_eq!(&out[..], &expected[..], "backend {}", b);
        }
    }
}

/// Every short length, in batches of every size up to 130 (one, two and three groups of 64,
/// partly filled), with one- and two-block messages mixed or alone.
#[test]
fn short_messages_every_length_and_batch_size() {
    let data: Vec<Vec<u8>> = (0..=SHORT_MESSAGE)
        .map(|len| bytes(len, len as u64 + 7))
        .collect();
    for size in 1..=130usize {
        let mixed: Vec<&[u8]> = (0..size)
            .map(|i| &data[(i * 37 + size) % data.len()][..])
            .collect();
        check(&mixed);
        let one_block: Vec<&[u8]> = (0..size).map(|i| &data[(i * 7 + size) % 56][..]).collect();
        check(&one_block);
        let two_blocks: Vec<&[u8]> = (0..size)
            .map(|i| &data[56 + (i * 5 + size) % (SHORT_MESSAGE - 55)][..])
            .collect();
        check(&two_blocks);
    }
}

#[test]
fn short_message_misuse_panics() {
    let mut bufs = [[0u8; 128]; 2];
    let mut out = [[0u8; 16]; 2];
    for b in supported_backends() {
        let too_long = std::panic::catch_unwind(move || {
            md5_short_many_with(b, &mut bufs, &[3, SHORT_MESSAGE + 1], &mut out)
        });
        assert!(too_long.is_err(), "{b}: over-long message");
        let mismatch =
            std::panic::catch_unwind(move || md5_short_many_with(b, &mut bufs, &[3], &mut out));
        assert!(mismatch.is_err(), "{b}: length mismatch");
    }
    let mut out = [[9u8; 16]; 1];
    assert!(!md5_short_many_with(
        "sse9",
        &mut [[0; 128]],
        &[1],
        &mut out
    ));
    assert_eq!(out, [[9; 16]]);
}
