//! Differential tests against the CDN vendor's own templates, run for real:
//! (a) the PHP template with php-cli, (b) the `openssl md5 | openssl base64 | tr` pipeline.
//!
//! Both are fed the same random plain-ASCII inputs as `Signer::token` (canonical paths, so
//! the template's "hash whatever string you are given" and the core's nginx normalization
//! coincide). These tests fail, never skip, when php or openssl is missing: install them
//! with `tests/setup-system.sh`.

use std::io::Write;
use std::process::{Command, Stdio};

use cdn_secure_token::{CanonicalIp, Signer, MAX_EXPIRES};

/// xorshift64*: reproducible inputs without extra dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Input {
    key: String,
    path: String,
    expires: i64,
    ip: Option<String>,
}

/// Printable ASCII without `/` for path segments, including space, `%`, `?`, `#`, `+`.
fn ascii_segment(rng: &mut Rng) -> String {
    loop {
        let len = 1 + rng.below(12) as usize;
        let s: String = (0..len)
            .map(|_| {
                let c = 0x20 + rng.below(95) as u8;
                if c == b'/' {
                    '_'
                } else {
                    c as char
                }
            })
            .collect();
        if s != "." && s != ".." {
            return s;
        }
    }
}

fn random_ip(rng: &mut Rng) -> Option<String> {
    let spelled = match rng.below(4) {
        0 => return None,
        1 => format!(
            "{}.{}.{}.{}",
            rng.below(256),
            rng.below(256),
            rng.below(256),
            rng.below(256)
        ),
        2 => {
            let groups: Vec<String> = (0..8)
                .map(|_| {
                    if rng.below(3) == 0 {
                        "0".to_owned()
                    } else {
                        format!("{:x}", rng.below(0x10000))
                    }
                })
                .collect();
            groups.join(":")
        }
        _ => format!(
            "::ffff:{}.{}.0.{}",
            rng.below(256),
            rng.below(256),
            rng.below(256)
        ),
    };
    // The templates take the address text as the edge writes it.
    Some(CanonicalIp::parse(&spelled).unwrap().as_str().to_owned())
}

fn inputs(seed: u64, n: usize) -> Vec<Input> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let key_len = 6 + rng.below(27) as usize;
            // Plain ASCII keys without control characters; spaces included.
            let key: String = (0..key_len)
                .map(|_| (0x20 + rng.below(95) as u8) as char)
                .collect();
            let mut path = String::new();
            for _ in 0..1 + rng.below(4) {
                path.push('/');
                path.push_str(&ascii_segment(&mut rng));
            }
            if rng.below(8) == 0 {
                path.push('/');
            }
            let expires = match rng.below(4) {
                0 => 1 + rng.below(2_000_000_000) as i64,
                1 => 2_147_483_647,
                _ => 1_700_000_000 + rng.below(MAX_EXPIRES as u64 - 1_700_000_000) as i64,
            };
            Input {
                key,
                path,
                expires,
                ip: random_ip(&mut rng),
            }
        })
        .collect()
}

fn core_token(i: &Input) -> String {
    Signer::builder(&i.key)
        .allow_past_expiry(true)
        .build()
        .unwrap()
        .token(&i.path, i.expires, i.ip.as_deref())
        .unwrap()
}

/// Runs `cmd` with `stdin`, returning stdout lines; panics loudly if it cannot run.
fn run_batch(mut cmd: Command, what: &str, stdin: Vec<u8>) -> Vec<String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {what}: {e} (install it: tests/setup-system.sh); this test does not skip")
        });
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        pipe.write_all(&stdin).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Gcore's PHP template, verbatim, over one JSON array per line on stdin.
const PHP_TEMPLATE: &str = r#"
while (($line = fgets(STDIN)) !== false) {
    list($secret, $path, $expires, $ip) = json_decode($line, true);
    $hash = base64_encode(md5("{$expires}{$path}{$ip} {$secret}", true));
    $hash = strtr($hash, '+/', '-_');
    $hash = str_replace('=', '', $hash);
    echo $hash, "\n";
}
"#;

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn php_template_agrees_with_core() {
    let cases = inputs(0x9e37_79b9_7f4a_7c15, 2000);
    let mut stdin = Vec::new();
    for c in &cases {
        writeln!(
            stdin,
            "[{},{},{},{}]",
            json_str(&c.key),
            json_str(&c.path),
            c.expires,
            json_str(c.ip.as_deref().unwrap_or(""))
        )
        .unwrap();
    }
    let mut cmd = Command::new("php");
    cmd.args(["-n", "-r", PHP_TEMPLATE]);
    let got = run_batch(cmd, "php (php-cli)", stdin);
    assert_eq!(got.len(), cases.len(), "php printed {} lines", got.len());
    let mut mismatches = 0;
    for (c, php) in cases.iter().zip(&got) {
        let ours = core_token(c);
        if &ours != php {
            mismatches += 1;
            eprintln!(
                "MISMATCH path={:?} expires={} ip={:?}: php {php} core {ours}",
                c.path, c.expires, c.ip
            );
        }
    }
    println!(
        "php template: {} inputs, {mismatches} mismatches",
        cases.len()
    );
    assert_eq!(mismatches, 0);
}

/// Gcore's shell pipeline, verbatim, in one bash process looping over lines.
const OPENSSL_PIPELINE: &str = r#"
while IFS= read -r string; do
    echo -n "$string" | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =
done
"#;

#[test]
fn openssl_pipeline_agrees_with_core() {
    let cases = inputs(0x0123_4567_89ab_cdef, 1000);
    let mut stdin = Vec::new();
    for c in &cases {
        // The string the template builds: {expires}{path}{ip} {secret}
        writeln!(
            stdin,
            "{}{}{} {}",
            c.expires,
            c.path,
            c.ip.as_deref().unwrap_or(""),
            c.key
        )
        .unwrap();
    }
    // Fail loudly, before the loop, if openssl is missing.
    let probe = Command::new("openssl").arg("version").output();
    assert!(
        probe.as_ref().is_ok_and(|o| o.status.success()),
        "cannot run openssl ({probe:?}); install it: tests/setup-system.sh; this test does not skip"
    );
    let mut cmd = Command::new("bash");
    cmd.args(["-c", OPENSSL_PIPELINE]);
    let got = run_batch(cmd, "bash + openssl", stdin);
    assert_eq!(
        got.len(),
        cases.len(),
        "pipeline printed {} lines",
        got.len()
    );
    let mut mismatches = 0;
    for (c, ossl) in cases.iter().zip(&got) {
        let ours = core_token(c);
        if &ours != ossl {
            mismatches += 1;
            eprintln!(
                "MISMATCH path={:?} expires={} ip={:?}: openssl {ossl} core {ours}",
                c.path, c.expires, c.ip
            );
        }
    }
    println!(
        "openssl pipeline: {} inputs, {mismatches} mismatches",
        cases.len()
    );
    assert_eq!(mismatches, 0);
}
