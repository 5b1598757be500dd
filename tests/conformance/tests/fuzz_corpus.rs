//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the same checks the
//! libFuzzer targets run, as a plain test on stable Rust without instrumentation.

#[allow(dead_code)]
#[path = "../../../fuzz/src/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

/// The corpus and the regression inputs of `target`.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let dir = fuzz.join("corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    assert!(!files.is_empty(), "empty corpus in {}", dir.display());
    if let Ok(regressions) = std::fs::read_dir(fuzz.join("regressions").join(target)) {
        files.extend(
            regressions
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file()),
        );
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect()
}

fn replay(target: &str, check: impl Fn(&[u8])) {
    let inputs = corpus(target);
    for (path, data) in &inputs {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(data)));
        assert!(r.is_ok(), "{target}: corpus input {} fails", path.display());
    }
    println!("{target}: replayed {} corpus inputs", inputs.len());
}

#[test]
fn verify_corpus() {
    replay("verify", checks::check_verify);
}

#[test]
fn verify_request_corpus() {
    replay("verify_request", checks::check_verify_request);
}

#[test]
fn parse_corpus() {
    replay("parse", checks::check_parse);
}

#[test]
fn batch_md5_corpus() {
    replay("batch_md5", |d| {
        checks::check_batch_md5(d, |m| {
            use md5::{Digest, Md5};
            Md5::digest(m).into()
        })
    });
}
