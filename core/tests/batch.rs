//! `sign_many` (multi-buffer MD5, several threads for large batches) gives exactly what
//! `sign_url` gives one at a time, and names the failing input.

use cdn_secure_token::{SignOptions, SignedBatch, Signer, TokenKind};

fn urls(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i % 7 {
            0 => format!("https://cdn.example.com/v/{i}/clip.mp4"),
            1 => format!("/photos/summer trip {i}.jpeg?size=large#top"),
            2 => format!("/фото/{i}/café.jpg"),
            3 => format!("/deep/{}/file-{i}.bin", "d".repeat(i % 300)),
            4 => format!("//cdn.example.com/a//b/./c/../{i}.ts?md5=old&Expires=1"),
            5 => format!("/{i}"),
            _ => format!("https://h:8443/x%20y/{i}.m4s?a=1&b=2"),
        })
        .collect()
}

#[test]
fn batch_equals_one_by_one_for_every_kind_and_size() {
    let signer = Signer::new("batch-test-key").unwrap();
    for kind in [TokenKind::File, TokenKind::Directory, TokenKind::Mp4] {
        for ip in [None, Some("2001:DB8::1"), Some("10.1.2.3")] {
            let opts = SignOptions {
                expires: Some(2_000_000_000),
                now: Some(1_700_000_000),
                ip,
                kind,
                speed: (kind == TokenKind::Mp4).then_some("1m"),
                ..Default::default()
            };
            // Sizes around the 64-message chunks and the multi-thread threshold.
            for n in [0, 1, 63, 64, 65, 200, 5000] {
                let input = urls(n);
                let batch = signer.sign_many(&input, &opts).unwrap();
                assert_eq!(batch.len(), n);
                for (u, b) in input.iter().zip(&batch) {
                    assert_eq!(b, &signer.sign_url(u, &opts).unwrap(), "{kind} {ip:?} {u}");
                }
                let joined = signer.sign_many_joined(&input, &opts).unwrap();
                assert_eq!(joined.len(), n);
                assert_eq!(joined.joined_len(), batch.join("\n").len());
                assert_eq!(
                    joined.pieces().collect::<Vec<_>>().join("\n"),
                    batch.join("\n")
                );
                assert_eq!(joined.clone().into_joined(), batch.join("\n"));
                assert_eq!(joined.pieces().next().is_none(), n == 0);
                assert!(joined.iter().eq(batch.iter().map(String::as_str)));
                assert_eq!(joined.get(n), None);
                if n > 0 {
                    assert_eq!(joined.get(n - 1), batch.last().map(String::as_str));
                }
            }
        }
    }
}

#[test]
fn batch_error_names_the_failing_input() {
    let signer = Signer::new("batch-test-key").unwrap();
    let opts = SignOptions {
        ttl: Some(60),
        ..Default::default()
    };
    for (n, bad) in [(10, 3), (100, 70), (9000, 8123)] {
        let mut input = urls(n);
        input[bad] = "/bad%zz".to_string();
        let err = signer.sign_many(&input, &opts).unwrap_err();
        assert_eq!(err.index, bad);
        assert_eq!(
            signer.sign_many_joined(&input, &opts).unwrap_err().index,
            bad
        );
        assert_eq!(err.error.code(), "INVALID_PATH");
    }
    let err = signer
        .sign_many(&urls(3), &SignOptions::default())
        .unwrap_err();
    assert_eq!(err.error.code(), "INVALID_EXPIRY");
}

/// A batch's output memory is reused by the next batch given the same `SignedBatch`
/// (`sign_many_into`, the caller-owned buffer that replaced the per-thread pool), for
/// one-thread and multi-thread batches alike: same buffer, same signed URLs.
#[test]
fn next_batch_reuses_the_output_buffer() {
    let signer = Signer::new("batch-test-key").unwrap();
    let opts = SignOptions {
        expires: Some(2_000_000_000),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    let p = signer.prepare(&opts).unwrap();
    for n in [1000, 20_000] {
        let input = urls(n);
        let text = signer
            .sign_many_joined(&input, &opts)
            .unwrap()
            .into_joined();
        let mut out = SignedBatch::default();
        signer.sign_many_into(&input, &p, &mut out).unwrap();
        assert_eq!(out.clone().into_joined(), text, "{n} URLs");
        let at: Vec<*const u8> = out.pieces().map(str::as_ptr).collect();
        signer.sign_many_into(&input, &p, &mut out).unwrap();
        assert_eq!(out.clone().into_joined(), text, "{n} URLs");
        let again: Vec<*const u8> = out.pieces().map(str::as_ptr).collect();
        assert_eq!(again, at, "{n} URLs: buffers not reused");
        // A smaller batch into it keeps the large buffer.
        signer.sign_many_into(&input[..10], &p, &mut out).unwrap();
        assert_eq!(out.len(), 10);
        assert_eq!(
            out.pieces().next().map(str::as_ptr),
            Some(at[0]),
            "{n} URLs: small batch"
        );
        assert!(out.joined_len() < text.len());
        // And so does a large one after it: the workers' pieces were kept too.
        signer.sign_many_into(&input, &p, &mut out).unwrap();
        let third: Vec<*const u8> = out.pieces().map(str::as_ptr).collect();
        assert_eq!(third, at, "{n} URLs: after a small batch");
    }
}

/// A parallel batch keeps each thread's slice as its own piece (no copy into one text):
/// the pieces joined by '\n' are the batch, `joined_len` is their joined length, and
/// `into_joined` joins them.
#[test]
fn a_parallel_batch_is_handed_over_in_pieces() {
    let signer = Signer::new("batch-test-key").unwrap();
    let opts = SignOptions {
        expires: Some(2_000_000_000),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    let input = urls(20_000);
    let looped: Vec<String> = input
        .iter()
        .map(|u| signer.sign_url(u, &opts).unwrap())
        .collect();
    let batch = signer.sign_many_joined(&input, &opts).unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(batch.pieces().count(), cores);
    let mut seen = 0;
    for piece in batch.pieces() {
        let links: Vec<&str> = piece.split('\n').collect();
        assert_eq!(links, looped[seen..seen + links.len()], "piece at {seen}");
        seen += links.len();
    }
    assert_eq!(seen, input.len());
    assert_eq!(batch.joined_len(), looped.join("\n").len());
    assert_eq!(batch.into_joined(), looped.join("\n"));
    // The joined-text protocol splits its text without a list of URLs, and hands over the
    // same pieces.
    let p = signer.prepare(&opts).unwrap();
    let joined = signer.sign_joined(&input.join("\n"), b'\n', &p).unwrap();
    assert_eq!(joined.pieces().count(), cores);
    assert!(joined.iter().eq(looped.iter().map(String::as_str)));
}

/// No state is kept between calls but in the caller's value: after a large batch, a
/// small fresh one gets a buffer sized to itself, and a failed `sign_many_into` leaves
/// its output empty.
#[test]
fn a_fresh_batch_is_sized_to_itself() {
    let signer = Signer::new("batch-test-key").unwrap();
    let opts = SignOptions {
        expires: Some(2_000_000_000),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    let small = urls(10);
    let big = urls(20_000);
    drop(signer.sign_many_joined(&big, &opts).unwrap());
    let cap = signer
        .sign_many_joined(&small, &opts)
        .unwrap()
        .into_joined()
        .capacity();
    assert!(cap < 10_000, "after a large batch: {cap}");
    let p = signer.prepare(&opts).unwrap();
    let mut out = SignedBatch::default();
    signer.sign_many_into(&small, &p, &mut out).unwrap();
    let mut bad = small.clone();
    bad[4] = "/bad%zz".into();
    assert_eq!(
        signer.sign_many_into(&bad, &p, &mut out).unwrap_err().index,
        4
    );
    assert!(out.is_empty() && out.joined_len() == 0 && out.pieces().next().is_none());
}

/// Every batch size from 0 to 200 (small batches signed link by link, groups of lanes,
/// and every tail length after full 64-link groups) and sizes around the multi-thread
/// threshold: `sign_many` and `sign_many_joined` give exactly the loop of `sign_url`.
#[test]
fn batch_equals_loop_at_every_size() {
    let signer = Signer::new("batch-size-key").unwrap();
    for kind in [TokenKind::File, TokenKind::Mp4] {
        let opts = SignOptions {
            expires: Some(2_000_000_000),
            now: Some(1_700_000_000),
            ip: Some("192.0.2.9"),
            kind,
            buffer: (kind == TokenKind::Mp4).then_some("500k"),
            ..Default::default()
        };
        let all = urls(9000);
        let looped: Vec<String> = all
            .iter()
            .map(|u| signer.sign_url(u, &opts).unwrap())
            .collect();
        for n in (0..=200).chain([1000, 4095, 4096, 4097, 9000]) {
            let input = &all[..n];
            let batch = signer.sign_many(input, &opts).unwrap();
            assert_eq!(batch, looped[..n], "{kind} sign_many of {n}");
            let joined = signer.sign_many_joined(input, &opts).unwrap();
            assert!(
                joined.iter().eq(looped[..n].iter().map(String::as_str)),
                "{kind} joined {n}"
            );
            assert_eq!(
                joined.into_joined(),
                looped[..n].join("\n"),
                "{kind} joined text {n}"
            );
        }
    }
}

/// The failing index is right whether the link falls in a small batch, a group of lanes or
/// the short tail after full groups.
#[test]
fn batch_error_index_in_small_batches_and_tails() {
    let signer = Signer::new("batch-test-key").unwrap();
    let opts = SignOptions {
        ttl: Some(60),
        ..Default::default()
    };
    for (n, bad) in [
        (1, 0),
        (3, 1),
        (7, 6),
        (8, 7),
        (66, 65),
        (130, 129),
        (130, 60),
    ] {
        let mut input = urls(n);
        input[bad] = "/bad%zz".to_string();
        assert_eq!(
            signer.sign_many(&input, &opts).unwrap_err().index,
            bad,
            "{n}"
        );
        assert_eq!(
            signer.sign_many_joined(&input, &opts).unwrap_err().index,
            bad,
            "{n}"
        );
    }
}
