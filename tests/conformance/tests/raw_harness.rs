//! `verify_request` against the recording of the shared raw-request harness
//! (`tests/raw/differential.py record`): the harness starts its own nginx guarding the
//! fixture tree for the file, ip, dir and mp4 token kinds, sends 6,000 adversarial raw request
//! lines and records nginx's status for each target; every recorded target must get the same
//! answer from `Signer::verify_request`, judged as the harness judges a server:
//! - nginx answers a guard status (400, 403, 410, 414): the verdict has that status;
//! - nginx answers 200, or another status after the token passed (301, 404: no such file):
//!   the verdict is valid.
//!
//! `RAW_HARNESS` (a path to differential.py) and `RAW_HARNESS_COUNT` (default 6000) change
//! the run.

use std::path::PathBuf;
use std::process::Command;

use cdn_secure_token::{Signer, TokenKind, VerifyOptions};
use cdn_secure_token_conformance::unix_now;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex target"))
        .collect()
}

#[test]
fn verify_request_agrees_with_the_recorded_nginx() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let harness = std::env::var_os("RAW_HARNESS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("tests/raw/differential.py"));
    assert!(
        harness.is_file(),
        "{} is missing: the raw-request harness (tests/raw/) must be in the tree",
        harness.display()
    );
    let count = std::env::var("RAW_HARNESS_COUNT").unwrap_or_else(|_| "6000".into());
    let dir = std::env::temp_dir().join(format!("cdn-secure-token-raw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("recorded.jsonl");
    let run = Command::new("python3")
        .arg(&harness)
        .args(["record", "--out"])
        .arg(&out)
        .args(["--count", &count])
        .output()
        .expect("run python3 tests/raw/differential.py");
    assert!(
        run.status.success(),
        "differential.py record failed ({}):\n{}{}",
        run.status,
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    println!("{}", String::from_utf8_lossy(&run.stdout).trim_end());
    let text = std::fs::read_to_string(&out).expect("read the recording");
    let _ = std::fs::remove_dir_all(&dir);
    let signer = Signer::new("conformance-key-1").unwrap();
    let now = unix_now();
    let mut disagreements = Vec::new();
    let mut by_kind = std::collections::BTreeMap::<String, usize>::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let rec: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let kind = rec["kind"].as_str().expect("kind");
        let target = hex(rec["target"].as_str().expect("target"));
        let status = rec["status"].as_u64().expect("status") as u16;
        let ip = rec["ip"].as_str();
        let token_kind = match kind {
            "file" | "ip" => TokenKind::File,
            "dir" => TokenKind::Directory,
            "mp4" => TokenKind::Mp4,
            other => panic!("unknown kind {other}"),
        };
        let v = signer.verify_request(
            &target,
            &VerifyOptions {
                ip: if kind == "ip" { ip } else { None },
                now: Some(now),
                kind: token_kind,
            },
        );
        *by_kind.entry(kind.to_owned()).or_default() += 1;
        let agree = match status {
            400 | 403 | 410 | 414 => v.status() == status,
            _ => v.is_valid(),
        };
        if !agree {
            disagreements.push(format!(
                "{kind} {:?}: nginx {status}, verify_request {} ({:?})",
                String::from_utf8_lossy(&target[..target.len().min(200)]),
                v.status(),
                v.reason_code()
            ));
        }
    }
    let total: usize = by_kind.values().sum();
    println!(
        "raw harness: {total} recorded targets {by_kind:?}, {} disagreements",
        disagreements.len()
    );
    for d in disagreements.iter().take(50) {
        println!("DISAGREE {d}");
    }
    assert!(total >= 5000, "only {total} recorded targets");
    for k in ["file", "ip", "dir", "mp4"] {
        assert!(
            by_kind.get(k).copied().unwrap_or(0) > 0,
            "no {k} targets recorded"
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements with nginx",
        disagreements.len()
    );
}
