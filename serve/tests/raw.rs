//! The server over raw sockets: raw bytes >= 0x80 in the target reach the core, a client
//! cannot set the internal target header, and no input (random and mutated heads) crashes
//! the server or leaves it unhealthy.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use cdn_secure_token::{SignOptions, Signer};
use cdn_secure_token_serve::config::{File, KeySource, LimitsFile, LocationFile};

const KEY: &str = "serve-rust-test-key";

fn start() -> (u16, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "serve-rs-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(dir.join("doc")).expect("temp dir");
    std::fs::write(dir.join("doc/x.jpg"), b"hello\n").expect("write");
    std::fs::write(dir.join("doc/\u{e9}.jpg"), b"e acute\n").expect("write");
    std::fs::write(dir.join("key"), KEY).expect("write");
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let file = File {
        listen: vec![format!("127.0.0.1:{port}")],
        key: KeySource {
            file: Some(dir.join("key")),
            ..Default::default()
        },
        limits: LimitsFile {
            header_timeout_secs: Some(2),
            ..Default::default()
        },
        locations: vec![LocationFile {
            prefix: Some("/".into()),
            root: Some(dir.join("doc")),
            ..Default::default()
        }],
        ..Default::default()
    };
    let cfg = file.validate().expect("valid config");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let _ = rt.block_on(cdn_secure_token_serve::serve(cfg));
    });
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (port, dir);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("serve did not start");
}

/// Sends raw bytes, returns the status of the first response (0 for none).
fn send(port: u16, raw: &[u8]) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let _ = s.write_all(raw);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn get(port: u16, target: &[u8], extra: &str) -> u16 {
    let mut r = b"GET ".to_vec();
    r.extend_from_slice(target);
    r.extend_from_slice(
        format!(" HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n").as_bytes(),
    );
    send(port, &r)
}

fn token(path: &[u8], expires: i64) -> String {
    // The file token over raw bytes, from the core's signing of the escaped path.
    let mut esc = String::new();
    for &c in path {
        if c.is_ascii_alphanumeric() || c == b'/' || c == b'.' {
            esc.push(c as char);
        } else {
            esc.push_str(&format!("%{c:02X}"));
        }
    }
    let s = Signer::new(KEY).expect("signer");
    let url = s
        .sign_url(
            &format!("http://h{esc}"),
            &SignOptions {
                expires: Some(expires),
                ..Default::default()
            },
        )
        .expect("sign");
    url.split("md5=")
        .nth(1)
        .and_then(|t| t.split('&').next())
        .expect("md5")
        .to_owned()
}

#[test]
fn raw_bytes_and_internal_header() {
    let (port, _dir) = start();
    let t = token(b"/x.jpg", 2147483647);
    assert_eq!(
        get(
            port,
            format!("/x.jpg?md5={t}&expires=2147483647").as_bytes(),
            ""
        ),
        200
    );
    assert_eq!(get(port, b"/x.jpg", ""), 403);
    // Raw UTF-8 bytes of a file name, not escaped: served by the token, as nginx does.
    let e = "/\u{e9}.jpg".as_bytes().to_vec();
    let t = token(&e, 2147483647);
    let mut target = e.clone();
    target.extend_from_slice(format!("?md5={t}&expires=2147483647").as_bytes());
    assert_eq!(get(port, &target, ""), 200);
    // A raw 0xff byte: judged (403 without a token), never refused by the HTTP parser.
    assert_eq!(get(port, b"/\xff.jpg", ""), 403);
    // A client's copy of the internal header does not change what is judged.
    let t = token(b"/x.jpg", 2147483647);
    let fake = format!(
        "X-Cdn-Secure-Token-Raw-Target: {}\r\n",
        hex(format!("/x.jpg?md5={t}&expires=2147483647").as_bytes())
    );
    assert_eq!(get(port, b"/nothing", &fake), 403);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

#[test]
fn no_input_crashes_the_server() {
    let (port, _dir) = start();
    let t = token(b"/x.jpg", 2147483647);
    let good = format!(
        "GET /x.jpg?md5={t}&expires=2147483647 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    )
    .into_bytes();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut answered = 0;
    for i in 0..300 {
        let mut m = good.clone();
        let n = 1 + (next() % 6) as usize;
        for _ in 0..n {
            if m.is_empty() {
                m.push(b'G');
            }
            let pos = (next() as usize) % m.len();
            match next() % 4 {
                0 => m[pos] = next() as u8,
                1 => {
                    m.insert(pos, next() as u8);
                }
                2 => {
                    m.remove(pos);
                }
                _ => m.truncate(pos.max(1)),
            }
        }
        if i % 50 == 0 {
            m = (0..(next() % 20000) as usize)
                .map(|_| next() as u8)
                .collect();
        }
        let st = send(port, &m);
        assert!(st == 0 || (100..600).contains(&st), "status {st}");
        assert_ne!(st, 500, "input {:?}", String::from_utf8_lossy(&m));
        if st != 0 {
            answered += 1;
        }
    }
    assert!(
        answered > 100,
        "only {answered} of 300 mutated requests got an answer"
    );
    assert_eq!(send(port, &good), 200, "healthy after 300 mutated requests");
}
