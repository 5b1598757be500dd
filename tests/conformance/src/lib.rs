//! Helpers for the conformance tests of `cdn-secure-token` against a real nginx `secure_link`
//! edge: starting and stopping the edge (`tests/nginx/edge.sh`), a raw HTTP/1.1 client that
//! sends request targets byte for byte, and a small seeded random generator.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Path of `tests/nginx/edge.sh`.
pub fn edge_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../nginx/edge.sh")
}

/// A running nginx edge; stopped (and its directory removed) on drop.
#[derive(Debug)]
pub struct Edge {
    dir: PathBuf,
    /// The port nginx listens on, on 127.0.0.1 and ::1.
    pub port: u16,
    /// Everything `edge.env` says (`EDGE_KEY`, `EDGE_KEY_1`, ...).
    pub env: HashMap<String, String>,
    keep_dir: bool,
}

impl Edge {
    /// Starts an edge in a fresh temporary directory, asking for `port` (edge.sh picks
    /// another if it is busy). Panics with nginx's own message if it cannot start: this
    /// harness never skips.
    pub fn start(port: u16) -> Edge {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "cdn-secure-token-edge-{}-{nanos:x}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create edge directory");
        let out = Command::new("bash")
            .arg(edge_script())
            .arg("start")
            .arg(&dir)
            .arg(port.to_string())
            .output()
            .expect("run tests/nginx/edge.sh (is bash installed?)");
        assert!(
            out.status.success(),
            "tests/nginx/edge.sh start failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let env_text = std::fs::read_to_string(dir.join("edge.env")).expect("read edge.env");
        let env: HashMap<String, String> = env_text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let port = env
            .get("EDGE_PORT")
            .and_then(|p| p.parse().ok())
            .expect("EDGE_PORT in edge.env");
        Edge {
            dir,
            port,
            env,
            keep_dir: std::env::var_os("EDGE_KEEP_DIR").is_some(),
        }
    }

    /// The edge's directory (config, logs).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A value from `edge.env`.
    pub fn var(&self, name: &str) -> &str {
        self.env
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from edge.env"))
    }

    /// The last `n` lines of nginx's error log, for failure messages.
    pub fn error_log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(edge_script())
            .arg("stop")
            .arg(&self.dir)
            .status();
        if self.keep_dir {
            eprintln!("edge directory kept: {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A response: status code and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// A keep-alive HTTP/1.1 connection that writes the request target exactly as given.
#[derive(Debug)]
pub struct RawClient {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
    /// How many TCP connections were opened.
    pub connections: usize,
}

impl RawClient {
    /// A client for `addr` (connects lazily).
    pub fn new(addr: SocketAddr) -> RawClient {
        RawClient {
            addr,
            conn: None,
            connections: 0,
        }
    }

    /// The server address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn connect(&mut self) -> io::Result<&mut BufReader<TcpStream>> {
        if self.conn.is_none() {
            let s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(Duration::from_secs(10)))?;
            s.set_write_timeout(Some(Duration::from_secs(10)))?;
            self.connections += 1;
            self.conn = Some(BufReader::new(s));
        }
        Ok(self.conn.as_mut().expect("connected"))
    }

    /// Sends `GET {target} HTTP/1.1` with `Host: {host}` and reads the response. Retries
    /// once on a fresh connection if the kept-alive one was closed by the server.
    pub fn get(&mut self, target: &[u8], host: &str) -> io::Result<Response> {
        match self.try_get(target, host) {
            Ok(r) => Ok(r),
            Err(_) => {
                self.conn = None;
                self.try_get(target, host)
            }
        }
    }

    fn try_get(&mut self, target: &[u8], host: &str) -> io::Result<Response> {
        let mut req = Vec::with_capacity(target.len() + 64);
        req.extend_from_slice(b"GET ");
        req.extend_from_slice(target);
        req.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        req.extend_from_slice(host.as_bytes());
        req.extend_from_slice(b"\r\nUser-Agent: cdn-secure-token-conformance\r\n\r\n");
        let conn = self.connect()?;
        conn.get_mut().write_all(&req)?;
        let mut line = String::new();
        if conn.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed before the status line",
            ));
        }
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad status line {line:?}"),
                )
            })?;
        let mut content_length = 0usize;
        let mut close = false;
        loop {
            let mut h = String::new();
            if conn.read_line(&mut h)? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed inside the headers",
                ));
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((name, value)) = h.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("connection")
                    && value.eq_ignore_ascii_case("close")
                {
                    close = true;
                }
            }
        }
        let mut body = vec![0u8; content_length];
        conn.read_exact(&mut body)?;
        if close {
            let _ = conn.get_ref().shutdown(Shutdown::Both);
            self.conn = None;
        }
        Ok(Response { status, body })
    }
}

/// xoshiro256** seeded through splitmix64: small, fast, reproducible.
#[derive(Debug, Clone)]
pub struct Rng([u64; 4]);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x ^ (x >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One element of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Current Unix time in seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
