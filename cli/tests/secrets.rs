//! The key never appears in anything the tool prints: every subcommand, run in failing and
//! succeeding ways, with keys that start with '-' and keys holding undecodable bytes, given
//! through --key, --key=, the environment and key files.

mod common;

use std::ffi::OsString;

use common::*;

/// Distinctive keys: valid ones (one starting with '-'), and unusable ones whose errors must
/// not quote them either.
const KEYS: &[&[u8]] = &[
    b"-Zq9distinctiveKEY7x",
    b"--Wv3distinctiveKEY8y",
    b"Pk5distinctive\xff\xfeKEY",
    b"-Ab\xc3distinctiveKEY",
    b"-Ttoo",
    b"Nl6distinctive\nKEY",
];

/// The key, and the forms a message could show it in (lossy text, without its dashes).
fn forms(key: &[u8]) -> Vec<Vec<u8>> {
    let lossy = String::from_utf8_lossy(key).into_owned();
    let mut v = vec![key.to_vec(), lossy.clone().into_bytes()];
    let core = lossy.trim_start_matches('-');
    if core.len() >= 4 {
        v.push(core.as_bytes().to_vec());
    }
    for part in lossy.split(['\n', '\u{fffd}']) {
        if part.trim_start_matches('-').len() >= 6 {
            v.push(part.trim_start_matches('-').as_bytes().to_vec());
        }
    }
    v
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn assert_hidden(key: &[u8], args: &[OsString], o: &std::process::Output) {
    for f in forms(key) {
        for (name, stream) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            assert!(
                !contains(stream, &f),
                "key {:?} shown on {name} by {args:?}:\n{}",
                String::from_utf8_lossy(key),
                String::from_utf8_lossy(stream)
            );
        }
    }
}

fn s(v: &[&str]) -> Vec<OsString> {
    v.iter().map(OsString::from).collect()
}

#[test]
fn the_key_is_never_printed() {
    let dir = tempdir("secrets");
    let good_link = "/x.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=2147483647";
    // What each subcommand is asked to do, succeeding and failing.
    let commands: Vec<Vec<OsString>> = vec![
        s(&["sign", "/a.jpg", "--ttl", "1h"]),
        s(&["sign", "/a.jpg", "--ttl", "1h", "--json"]),
        s(&["sign", "/bad%zz", "--ttl", "1h"]),
        s(&["sign", "/bad%zz", "--ttl", "1h", "--json"]),
        s(&["sign", "/a.jpg", "--expires", "1000"]),
        s(&["sign", "/a.jpg", "--ttl", "1x"]),
        s(&["sign", "/a.jpg", "--bogus"]),
        s(&["sign", "/a.jpg", "--speed", "1 M", "--ttl", "1h", "--json"]),
        vec!["sign".into(), os(b"/\xff.jpg"), "--ttl".into(), "1h".into()],
        s(&["stream", "vod", "123", "abc", "--ttl", "1h"]),
        s(&["stream", "vod", "123", "abc", "--ttl", "1h", "--json"]),
        s(&["stream", "vod", "12x", "abc", "--ttl", "1h"]),
        s(&["verify", good_link]),
        s(&["verify", good_link, "--json"]),
        s(&["verify", "/x.jpg", "--json"]),
        s(&["verify", good_link, "--ip", "bogus"]),
        s(&["verify", good_link, "--kind", "nope"]),
        vec![
            "verify".into(),
            os(b"/\xff?md5=x&expires=1"),
            "--json".into(),
        ],
        s(&["explain", good_link]),
        s(&["explain", good_link, "--json"]),
        s(&["explain", "/x.jpg"]),
        s(&["explain", "/bad%zz?md5=x&expires=1", "--json"]),
        s(&["nginx-config"]),
        s(&["nginx-config", "--json"]),
        s(&["--help"]),
        s(&["sign", "--help"]),
    ];
    let mut runs = 0;
    let mut expected = 0;
    for (i, key) in KEYS.iter().enumerate() {
        // The first key (it starts with '-') and the undecodable one go through every
        // command; the others through a sample, to keep the suite quick.
        let commands: Vec<&Vec<OsString>> = if i == 0 || i == 2 {
            commands.iter().collect()
        } else {
            commands.iter().step_by(4).collect()
        };
        expected += commands.len() * 7;
        let key_os = os(key);
        let file = dir.join("key");
        std::fs::write(&file, key).unwrap();
        for cmd in commands {
            let mut eq = OsString::from("--key=");
            eq.push(&key_os);
            // --key VALUE (before and after the subcommand's arguments), --key=VALUE, the
            // environment, a key file, an old key file; and --key twice.
            let ways: Vec<(Vec<OsString>, Option<&[u8]>)> = vec![
                (
                    [cmd.clone(), vec!["--key".into(), key_os.clone()]].concat(),
                    None,
                ),
                (
                    [
                        cmd[..1].to_vec(),
                        vec!["--key".into(), key_os.clone()],
                        cmd[1..].to_vec(),
                    ]
                    .concat(),
                    None,
                ),
                ([cmd.clone(), vec![eq.clone()]].concat(), None),
                (cmd.clone(), Some(*key)),
                (
                    [cmd.clone(), vec!["--key-file".into(), file.clone().into()]].concat(),
                    None,
                ),
                (
                    [
                        cmd.clone(),
                        vec!["--old-key-file".into(), file.clone().into()],
                    ]
                    .concat(),
                    Some(b"env-key-123456".as_slice()),
                ),
                (
                    [
                        cmd.clone(),
                        vec![
                            "--key".into(),
                            key_os.clone(),
                            "--key".into(),
                            key_os.clone(),
                        ],
                    ]
                    .concat(),
                    None,
                ),
            ];
            // The seven ways run side by side.
            runs += std::thread::scope(|scope| {
                let handles: Vec<_> = ways
                    .iter()
                    .map(|(args, env)| {
                        scope.spawn(move || {
                            let o = run_os(args, *env, Some(b"/from-stdin.jpg\n"));
                            assert_hidden(key, args, &o);
                            assert!(
                                o.status.code().is_some_and(|c| c <= 3),
                                "{args:?}: exit {:?}: {}",
                                o.status,
                                stderr(&o)
                            );
                        })
                    })
                    .collect();
                let n = handles.len();
                for h in handles {
                    h.join().unwrap();
                }
                n
            });
        }
    }
    assert_eq!(runs, expected);
}

/// A key starting with '-' is taken as the value of --key, not as an option.
#[test]
fn a_key_starting_with_a_dash_works() {
    let key = "-Zq9distinctiveKEY7x";
    let a = run(
        &["sign", "/a.jpg", "--expires", "2147483647", "--key", key],
        None,
        None,
    );
    assert!(a.status.success(), "{}", stderr(&a));
    let b = run(
        &["sign", "/a.jpg", "--expires", "2147483647"],
        Some(key),
        None,
    );
    assert_eq!(stdout(&a), stdout(&b));
    let o = run(&["verify", stdout(&a).trim(), "--key", key], None, None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// An undecodable key is refused, saying where it came from and why, without showing it.
#[test]
fn an_undecodable_key_is_refused_by_source() {
    let key: &[u8] = b"Pk5distinctive\xff\xfeKEY";
    let o = run_os(&s(&["sign", "/a", "--ttl", "60"]), Some(key), None);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("CDN_SECURE_TOKEN_KEY: key is not valid UTF-8"),
        "{}",
        stderr(&o)
    );
    let o = run_os(
        &[s(&["sign", "/a", "--ttl", "60", "--key"]), vec![os(key)]].concat(),
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("--key: key is not valid UTF-8"),
        "{}",
        stderr(&o)
    );
}
