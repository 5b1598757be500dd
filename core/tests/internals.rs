//! The `internals` feature (the multi-buffer MD5 and the URL reader's SIMD skips, for core's
//! tests and benches and for fuzz/) is reachable from no face: no face crate enables it,
//! and no face's source names those modules.

use std::path::Path;

const FACES: [&str; 5] = ["cli", "capi", "python", "node", "serve"];

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | ".venv") {
                files(&path, out);
            }
        } else if name.ends_with(".rs") || name == "Cargo.toml" {
            out.push(path);
        }
    }
}

#[test]
fn no_face_reaches_the_internals() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut checked = 0;
    for face in FACES {
        let mut found = Vec::new();
        files(&root.join(face), &mut found);
        assert!(!found.is_empty(), "{face}: no sources found");
        for path in found {
            let text = std::fs::read_to_string(&path).unwrap();
            for word in ["internals", "multi_md5", "cdn_secure_token::scan"] {
                assert!(!text.contains(word), "{} names {word}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} files checked");
}
