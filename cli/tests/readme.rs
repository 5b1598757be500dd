//! cli/README.md is run as written: every `sh` block (except those marked
//! `<!-- doc: no-run ... -->`) runs with `bash -euo pipefail` in a fresh directory, with this
//! build's `cdn-secure-token` first on PATH and `CDN_SECURE_TOKEN_KEY=my-cdn-key` (the
//! conventions of tests/docs/run.py); every line of a `text`/`json` block must appear in the
//! output of the `sh` block before it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

struct Block {
    lang: String,
    body: String,
    no_run: bool,
    line: usize,
}

fn blocks(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = md.lines().enumerate().peekable();
    let mut prev_comment = String::new();
    while let Some((n, l)) = lines.next() {
        if let Some(lang) = l.strip_prefix("```") {
            let mut body = String::new();
            for (_, b) in lines.by_ref() {
                if b.starts_with("```") {
                    break;
                }
                body.push_str(b);
                body.push('\n');
            }
            out.push(Block {
                lang: lang.trim().to_owned(),
                body,
                no_run: prev_comment.starts_with("<!-- doc: no-run"),
                line: n + 1,
            });
            prev_comment.clear();
        } else if !l.trim().is_empty() {
            prev_comment = l.trim().to_owned();
        }
    }
    out
}

#[test]
fn every_readme_block_runs() {
    let readme = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let md = std::fs::read_to_string(&readme).unwrap();
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    let mut last_out = String::new();
    for (i, b) in blocks(&md).iter().enumerate() {
        match b.lang.as_str() {
            "sh" if !b.no_run => {
                let dir = tempdir(&format!("readme-{i}"));
                let o = Command::new("bash")
                    .args(["-euo", "pipefail", "-c", &b.body])
                    .current_dir(&dir)
                    .env("PATH", &path)
                    .env("CDN_SECURE_TOKEN_KEY", "my-cdn-key")
                    .output()
                    .unwrap();
                last_out = String::from_utf8_lossy(&o.stdout).into_owned();
                assert!(
                    o.status.success(),
                    "README.md:{} failed ({:?}):\n{}\n--- stdout\n{last_out}--- stderr\n{}",
                    b.line,
                    o.status,
                    b.body,
                    String::from_utf8_lossy(&o.stderr)
                );
                ran += 1;
            }
            "text" | "json" => {
                for l in b.body.lines() {
                    assert!(
                        last_out.lines().any(|o| o == l),
                        "README.md:{}: shown output {l:?} is not what the block before prints:\n{last_out}",
                        b.line
                    );
                }
            }
            _ => {}
        }
    }
    assert!(ran >= 8, "only {ran} blocks ran");
}
