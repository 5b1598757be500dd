//! `verify` against the real nginx on the same raw request targets: tests/raw/differential.py
//! records nginx `secure_link`'s answers to 6,000 adversarial raw request lines (file, file +
//! client IP, directory and MP4 tokens), and every recorded target goes through
//! `cdn-secure-token verify --received` on standard input, as bytes, one per line (with
//! `--received`, absolute-form targets are read as received too, not as links). A guard status (400,
//! 403, 410, 414) must be the same; where nginx let the request through (200, or 301/404
//! for a missing file) verify must say valid.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use common::*;

const KEY: &str = "conformance-key-1";
const COUNT: usize = 6000;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The recorded requests of one token kind.
#[derive(Default)]
struct Kind {
    targets: Vec<Vec<u8>>,
    /// nginx's status for each target.
    nginx: Vec<u16>,
    /// The client address nginx saw.
    ip: String,
}

#[test]
fn verify_agrees_with_nginx_on_raw_targets() {
    nginx();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempdir("differential");
    let rec = dir.join("rec.jsonl");
    let o = Command::new("python3")
        .arg(root.join("tests/raw/differential.py"))
        .args(["record", "--count", &COUNT.to_string(), "--out"])
        .arg(&rec)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "recording failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut by_kind: BTreeMap<String, Kind> = BTreeMap::new();
    for line in std::fs::read_to_string(&rec).unwrap().lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let e = by_kind
            .entry(r["kind"].as_str().unwrap().to_owned())
            .or_insert_with(|| Kind {
                ip: r["ip"].as_str().unwrap_or("").to_owned(),
                ..Kind::default()
            });
        let t = unhex(r["target"].as_str().unwrap());
        assert!(
            !t.contains(&b'\n'),
            "a request target never holds a line feed"
        );
        e.targets.push(t);
        e.nginx.push(r["status"].as_u64().unwrap() as u16);
    }
    let mut total = 0;
    let mut bad = Vec::new();
    for (
        kind,
        Kind {
            targets,
            nginx: statuses,
            ip,
        },
    ) in &by_kind
    {
        let mut args = vec![
            "verify".to_owned(),
            "--received".to_owned(),
            "--json".to_owned(),
        ];
        match kind.as_str() {
            "file" => {}
            "ip" => args.extend(["--ip".to_owned(), ip.clone()]),
            "dir" => args.extend(["--kind".to_owned(), "directory".to_owned()]),
            "mp4" => args.extend(["--kind".to_owned(), "mp4".to_owned()]),
            other => panic!("unknown kind {other}"),
        }
        let input: Vec<u8> = targets
            .iter()
            .flat_map(|t| t.iter().copied().chain([b'\n']))
            .collect();
        let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
        let o = run_os(&args, Some(KEY.as_bytes()), Some(&input));
        let out = stdout(&o);
        let verdicts: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            verdicts.len(),
            targets.len(),
            "one verdict per target ({kind})"
        );
        for ((t, &nginx), v) in targets.iter().zip(statuses).zip(&verdicts) {
            let ours = v["http_status"].as_u64().unwrap() as u16;
            let guard = |s: u16| matches!(s, 400 | 403 | 410 | 414);
            let agree = if guard(nginx) {
                ours == nginx
            } else {
                ours == 200
            };
            if !agree {
                bad.push(format!(
                    "{kind} {:?}: nginx {nginx}, verify {ours} ({})",
                    String::from_utf8_lossy(&t[..t.len().min(120)]),
                    v["reason"]
                ));
            }
            total += 1;
        }
    }
    assert!(total >= 5000, "only {total} targets");
    assert!(
        bad.is_empty(),
        "{} of {total} disagree with nginx:\n{}",
        bad.len(),
        bad[..bad.len().min(40)].join("\n")
    );
}
