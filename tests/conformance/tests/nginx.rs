//! Conformance of `cdn-secure-token` against a real nginx `secure_link` edge.
//!
//! Starts `tests/nginx/edge.sh` on its own port, signs thousands of random links with the
//! core, sends each request line byte for byte over keep-alive HTTP/1.1 connections from
//! 127.0.0.1 and ::1, and checks (a) the status we expect (signed → 200, tampered → 403,
//! expired → 410, bad path → 400) and (b) that `Signer::verify` gives the same answer as
//! nginx on every single request, mutated ones included.
//!
//! Knobs: `CONFORMANCE_SEED` (default fixed), `CONFORMANCE_CASES` (default 5000 base cases,
//! about 22,000 requests), `EDGE_KEEP_DIR=1` keeps nginx's directory and logs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{Ipv6Addr, SocketAddr};
use std::time::Instant;

use cdn_secure_token::{
    InvalidReason, SignOptions, Signer, StreamKind, TokenKind, Verdict, VerifyOptions,
};
use cdn_secure_token_conformance::{unix_now, Edge, RawClient, Rng};

const KEY: &str = "conformance-key-1";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A location of the edge and how its links are signed.
struct Loc {
    name: &'static str,
    prefix: &'static str,
    key: String,
    kind: TokenKind,
    ip_bound: bool,
    host: &'static str,
    weight: usize,
}

/// What a request should get, when the test knows it for sure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Status(u16),
    /// Only agreement between nginx and `verify` is checked.
    AgreeOnly,
}

struct Req {
    target: String,
    what: &'static str,
    expect: Expect,
}

#[derive(Default)]
struct Stats {
    requests: usize,
    per_loc_status: BTreeMap<(String, u16), usize>,
    per_what: BTreeMap<&'static str, usize>,
    per_family: BTreeMap<(&'static str, u16), usize>,
    disagreements: Vec<String>,
    unexpected: Vec<String>,
}

/// Bytes written raw in a path by the core's encoder (RFC 3986 pchar without `%`).
fn path_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b)
}

/// Writes the decoded path `text` as a URL path in a random but equivalent spelling:
/// safe ASCII raw or percent-encoded (upper or lower hex), non-ASCII as raw UTF-8 or
/// percent-encoded, `/` sometimes as `%2F`, everything else percent-encoded.
fn spell(rng: &mut Rng, text: &str, wild: bool) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for ch in text.chars() {
        let mut buf = [0u8; 4];
        let bytes = ch.encode_utf8(&mut buf).as_bytes();
        let enc = |out: &mut String, upper: bool| {
            for &b in bytes {
                if upper {
                    let _ = write!(out, "%{b:02X}");
                } else {
                    let _ = write!(out, "%{b:02x}");
                }
            }
        };
        if ch == '/' {
            if wild && rng.chance(0.05) {
                enc(&mut out, rng.chance(0.5));
            } else {
                out.push('/');
            }
        } else if ch.is_ascii() && path_safe(ch as u8) {
            if wild && rng.chance(0.15) {
                enc(&mut out, rng.chance(0.5));
            } else {
                out.push(ch);
            }
        } else if !ch.is_ascii() && wild && rng.chance(0.5) {
            out.push(ch);
        } else {
            enc(&mut out, rng.chance(0.7));
        }
    }
    out
}

/// A random decoded path segment: ASCII words, spaces, UTF-8, reserved characters.
fn segment(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "a",
        "b",
        "video",
        "photo",
        "x1",
        "file",
        "Summer",
        "2024",
        " ",
        " ",
        "-",
        "_",
        ".",
        "..",
        "~",
        "+",
        "+",
        "%",
        "%20",
        "%2F",
        "?",
        "#",
        "&",
        "=",
        ";",
        ",",
        ":",
        "@",
        "!",
        "$",
        "'",
        "(",
        ")",
        "*",
        "[",
        "]",
        "\"",
        "<",
        ">",
        "\\",
        "^",
        "`",
        "{",
        "|",
        "}",
        "привет",
        "файл",
        "Ёж",
        "café",
        "cafe\u{301}",
        "Ünïcödé",
        "naïve",
        "😀",
        "🎬",
        "日本語",
        "ß",
        "\u{a0}",
        "é",
        "Ω",
        "€",
    ];
    let n = 1 + rng.below(4);
    let mut s = String::new();
    for _ in 0..n {
        let piece: &&str = rng.pick(PIECES);
        s.push_str(piece);
    }
    if s == "." || s == ".." {
        s.push('x');
    }
    s
}

fn file_name(rng: &mut Rng) -> String {
    const EXT: &[&str] = &[".jpg", ".mp4", ".m3u8", ".ts", "", ".tar.gz", ".JPEG"];
    let ext = *rng.pick(EXT);
    format!("{}{ext}", segment(rng))
}

/// A decoded path under `prefix` (which ends with `/`), possibly ending with `/`.
fn decoded_path(rng: &mut Rng, prefix: &str) -> String {
    let mut p = prefix.to_owned();
    let dirs = rng.below(4);
    for _ in 0..dirs {
        p.push_str(&segment(rng));
        p.push('/');
    }
    if !rng.chance(0.1) {
        p.push_str(&file_name(rng));
    }
    p
}

/// Spells a decoded path as a URL path, with extra `//`, `./` and `junk/../` that nginx
/// normalizes away (never climbing above the location's prefix).
fn spell_path(rng: &mut Rng, decoded: &str, prefix: &str, wild: bool) -> String {
    let rest = &decoded[prefix.len()..];
    // The leading '/' stays raw: a request target must start with it.
    let mut out = String::from("/");
    out.push_str(&spell(rng, &prefix[1..], wild));
    let parts: Vec<&str> = rest.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if wild {
            for _ in 0..rng.below(3) {
                match rng.below(4) {
                    0 => out.push('/'),
                    1 => out.push_str("./"),
                    2 => {
                        let junk = segment(rng);
                        out.push_str(&spell(rng, &junk, false));
                        out.push_str("/../");
                    }
                    _ => out.push_str(if rng.chance(0.5) { "%2e/" } else { ".%2F" }),
                }
            }
        }
        out.push_str(&spell(rng, part, wild));
        if i + 1 < parts.len() {
            out.push('/');
        }
    }
    out
}

fn split_target(t: &str) -> (&str, &str) {
    t.split_once('?').unwrap_or((t, ""))
}

/// Query parameters as raw `name=value` strings.
fn params(q: &str) -> Vec<String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

fn join(path: &str, ps: &[String]) -> String {
    if ps.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", ps.join("&"))
    }
}

fn name_of(p: &str) -> &str {
    p.split_once('=').map_or(p, |(n, _)| n)
}

fn value_of(p: &str) -> &str {
    p.split_once('=').map_or("", |(_, v)| v)
}

/// Replaces the value of the first param called `name` (case-insensitive).
fn with_value(ps: &[String], name: &str, f: impl FnOnce(&str) -> String) -> Vec<String> {
    let mut out = ps.to_vec();
    if let Some(p) = out
        .iter_mut()
        .find(|p| name_of(p).eq_ignore_ascii_case(name))
    {
        let v = f(value_of(p));
        *p = format!("{}={v}", name_of(p));
    }
    out
}

fn rename(ps: &[String], name: &str, new_name: &str) -> Vec<String> {
    let mut out = ps.to_vec();
    if let Some(p) = out
        .iter_mut()
        .find(|p| name_of(p).eq_ignore_ascii_case(name))
    {
        *p = format!("{new_name}={}", value_of(p));
    }
    out
}

fn without(ps: &[String], name: &str) -> Vec<String> {
    ps.iter()
        .filter(|p| !name_of(p).eq_ignore_ascii_case(name))
        .cloned()
        .collect()
}

/// Changes one significant character of a token: positions 0..=20 carry 6 bits each; the
/// last one only 2, so it is changed in its top bits.
fn flip_token(rng: &mut Rng, token: &str) -> String {
    let mut b = token.as_bytes().to_vec();
    let i = rng.below(b.len().min(22));
    let cur = B64.iter().position(|&c| c == b[i]).unwrap_or(0);
    let new = if i == 21 {
        (cur ^ 0b01_0000) & 0b11_0000
    } else {
        (cur + 1 + rng.below(63)) % 64
    };
    b[i] = B64[new];
    String::from_utf8(b).unwrap()
}

fn random_key(rng: &mut Rng) -> String {
    let chars = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+@ ";
    let n = 6 + rng.below(27);
    (0..n).map(|_| *rng.pick(chars) as char).collect()
}

struct Ctx<'a> {
    loc: &'a Loc,
    signer: Signer,
    past_signer: Signer,
    client_ip: &'static str,
}

fn ip_spelling(rng: &mut Rng, ip: &str) -> String {
    if ip == "127.0.0.1" {
        return ip.to_owned();
    }
    rng.pick(&[
        "::1",
        "0:0:0:0:0:0:0:1",
        "::0001",
        "0000:0000:0000:0000:0000:0000:0000:0001",
        "0::1",
        "::0:1",
    ])
    .to_string()
}

/// Extra query parameters kept by the signer (and stale ones it must remove).
fn extra_query(rng: &mut Rng) -> String {
    const EXTRA: &[&str] = &[
        "a=1",
        "x=%20y",
        "xmd5=AAAAAAAAAAAAAAAAAAAAAA",
        "md5x=1",
        "expiresx=5",
        "MD5=stale",
        "expires=1",
        "Expires=99",
        "lang=ru",
        "q=a+b",
        "flag",
        "e=%C3%A9",
    ];
    let n = rng.below(3);
    (0..n)
        .map(|_| rng.pick(EXTRA).to_string())
        .collect::<Vec<_>>()
        .join("&")
}

/// Base case and mutations for a query-token location (file, ip, dir, mp4, k1..k4).
fn query_case(rng: &mut Rng, cx: &Ctx<'_>, now: i64, reqs: &mut Vec<Req>) {
    let loc = cx.loc;
    let decoded = decoded_path(rng, loc.prefix);
    // Sometimes the path ends in bytes that are not UTF-8: nginx hashes them as they are.
    let tail = if rng.chance(0.05) {
        *rng.pick(&["%FF", "%C3", "%E6%97", "%80x", "%C0%AF", "%ED%A0%80"])
    } else {
        ""
    };
    let input_path = spell_path(rng, &decoded, loc.prefix, true) + tail;
    let extra = extra_query(rng);
    let input = if extra.is_empty() {
        input_path.clone()
    } else {
        format!("{input_path}?{extra}")
    };
    let expired = rng.chance(0.15);
    let expires = if expired {
        now - rng.range(10, 100_000_000)
    } else if rng.chance(0.05) {
        *rng.pick(&[2_147_483_647, 4_102_444_800, 99_999_999_999])
    } else {
        now + rng.range(30, 50_000_000)
    };
    let speeds = ["1m", "500k", "2M", "100", "1.5m", "64K"];
    let buffers = ["10", "5", "30", "1"];
    let (speed, buffer) = if loc.kind == TokenKind::Mp4 {
        (
            rng.chance(0.7).then(|| *rng.pick(&speeds)),
            rng.chance(0.5).then(|| *rng.pick(&buffers)),
        )
    } else {
        (None, None)
    };
    let ip_spelled = ip_spelling(rng, cx.client_ip);
    let opts = SignOptions {
        expires: Some(expires),
        ip: loc.ip_bound.then_some(ip_spelled.as_str()),
        kind: loc.kind,
        speed,
        buffer,
        now: Some(now),
        ..Default::default()
    };
    let signer = if expired { &cx.past_signer } else { &cx.signer };
    let signed = signer
        .sign_url(&input, &opts)
        .unwrap_or_else(|e| panic!("sign_url({input:?}) failed: {e}"));
    let base = Expect::Status(if expired { 410 } else { 200 });
    let (path, query) = split_target(&signed);
    let ps = params(query);
    reqs.push(Req {
        target: signed.clone(),
        what: "signed",
        expect: base,
    });
    let token = value_of(ps.iter().find(|p| name_of(p) == "md5").unwrap()).to_owned();
    let exp_text = expires.to_string();

    let n = 2 + rng.below(4);
    for _ in 0..n {
        let mut mutation = rng.below(28);
        if loc.kind != TokenKind::Mp4 && (mutation == 22 || mutation == 23) {
            mutation = 18;
        }
        let (what, target, expect): (&'static str, String, Expect) = match mutation {
            0 | 1 => {
                let t = flip_token(rng, &token);
                (
                    "token_char",
                    join(path, &with_value(&ps, "md5", |_| t)),
                    Expect::Status(403),
                )
            }
            2 => {
                let bad = *rng.pick(&["+", "/", "%2B", "%3D", "!", "."]);
                let i = rng.below(21);
                let t = format!("{}{bad}{}", &token[..i], &token[i + 1..]);
                (
                    "token_bad_char",
                    join(path, &with_value(&ps, "md5", |_| t)),
                    Expect::Status(403),
                )
            }
            3 => {
                let pad = *rng.pick(&["=", "==", "=!", "=A"]);
                (
                    "token_padding",
                    join(path, &with_value(&ps, "md5", |v| format!("{v}{pad}"))),
                    base,
                )
            }
            4 => {
                let f = *rng.pick(&["===", "A", "AA", "AAAA", "=%3D"]);
                let t = if rng.chance(0.3) {
                    token[..21].to_owned()
                } else {
                    format!("{token}{f}")
                };
                (
                    "token_length",
                    join(path, &with_value(&ps, "md5", |_| t)),
                    Expect::Status(403),
                )
            }
            5 => {
                let ps2 = if rng.chance(0.5) {
                    without(&ps, "md5")
                } else {
                    with_value(&ps, "md5", |_| String::new())
                };
                ("token_missing", join(path, &ps2), Expect::Status(403))
            }
            6 | 7 => {
                let e = if rng.chance(0.5) {
                    expires + 1 + rng.range(0, 1000)
                } else {
                    expires - 1 - rng.range(0, 1000)
                };
                (
                    "expires_changed",
                    join(path, &with_value(&ps, "expires", |_| e.to_string())),
                    Expect::Status(403),
                )
            }
            8 => {
                let z = "0".repeat(1 + rng.below(3));
                (
                    "expires_leading_zeros",
                    join(path, &with_value(&ps, "expires", |v| format!("{z}{v}"))),
                    Expect::Status(403),
                )
            }
            9 => {
                let bad = [
                    String::new(),
                    format!("+{exp_text}"),
                    format!("-{exp_text}"),
                    format!("{exp_text}%20"),
                    format!("%20{exp_text}"),
                    "0".into(),
                    "00".into(),
                    "abc".into(),
                    "99999999999999999999999".into(),
                    format!("{exp_text}x"),
                    format!("{exp_text}.0"),
                ];
                let v = rng.pick(&bad).clone();
                (
                    "expires_malformed",
                    join(path, &with_value(&ps, "expires", |_| v)),
                    Expect::Status(403),
                )
            }
            10 => (
                "expires_missing",
                join(path, &without(&ps, "expires")),
                Expect::Status(403),
            ),
            11 => {
                let (n1, n2) = *rng.pick(&[
                    ("md5", "MD5"),
                    ("md5", "Md5"),
                    ("expires", "EXPIRES"),
                    ("expires", "eXpIrEs"),
                ]);
                ("name_case", join(path, &rename(&ps, n1, n2)), base)
            }
            12 => {
                let mut ps2 = ps.clone();
                let other = flip_token(rng, &token);
                ps2.insert(0, format!("{}={other}", *rng.pick(&["md5", "MD5"])));
                ("dup_md5_first", join(path, &ps2), Expect::Status(403))
            }
            13 => {
                let mut ps2 = ps.clone();
                ps2.push(format!("md5={}", flip_token(rng, &token)));
                ps2.push(format!("expires={}", expires + 5));
                ("dup_last_ignored", join(path, &ps2), base)
            }
            14 => {
                let mut ps2 = ps.clone();
                ps2.insert(0, format!("expires={}", expires + 7));
                ("dup_expires_first", join(path, &ps2), Expect::Status(403))
            }
            15 | 16 => {
                // Change the hashed path: one more character in the last segment.
                let seg = segment(rng);
                let add = spell(rng, &seg, false);
                let p2 = format!("{path}{add}");
                let expect = if loc.kind == TokenKind::Directory {
                    base
                } else {
                    Expect::Status(403)
                };
                ("path_file_changed", join(&p2, &ps), expect)
            }
            17 => {
                // Another directory: for every kind the hash changes.
                let dir_end = path.rfind('/').unwrap();
                let seg = segment(rng);
                let sub = spell(rng, &seg, false);
                let p2 = format!("{}/{sub}{}", &path[..dir_end], &path[dir_end..]);
                ("path_dir_changed", join(&p2, &ps), Expect::Status(403))
            }
            18 | 19 => {
                // The same decoded path in another spelling: same answer.
                let p2 = spell_path(rng, &decoded, loc.prefix, true) + tail;
                ("path_respelled", join(&p2, &ps), base)
            }
            20 => {
                let other = Signer::builder(random_key(rng))
                    .allow_past_expiry(true)
                    .build()
                    .unwrap();
                (
                    "wrong_key",
                    other.sign_url(&signed, &opts).unwrap(),
                    Expect::Status(403),
                )
            }
            21 => {
                let wrong_ip = *rng.pick(&[
                    "127.0.0.2",
                    "::2",
                    "10.0.0.1",
                    "::ffff:127.0.0.1",
                    "2001:db8::1",
                ]);
                let wrong = if loc.ip_bound {
                    let other = if cx.client_ip == "127.0.0.1" {
                        "::1"
                    } else {
                        "127.0.0.1"
                    };
                    if rng.chance(0.5) {
                        other
                    } else {
                        wrong_ip
                    }
                } else {
                    cx.client_ip
                };
                let o = SignOptions {
                    ip: Some(wrong),
                    ..opts
                };
                (
                    "wrong_ip",
                    signer.sign_url(&signed, &o).unwrap(),
                    Expect::Status(403),
                )
            }
            22 if loc.kind == TokenKind::Mp4 => {
                let ps2 = if ps.iter().any(|p| name_of(p) == "speed") && rng.chance(0.5) {
                    with_value(&ps, "speed", |v| format!("{v}0"))
                } else {
                    let mut x = ps.clone();
                    x.push(format!("buffer={}", rng.below(100)));
                    if ps.iter().any(|p| name_of(p) == "buffer") {
                        without(&x, "buffer")
                    } else {
                        x
                    }
                };
                ("mp4_limits_changed", join(path, &ps2), Expect::Status(403))
            }
            23 if loc.kind == TokenKind::Mp4 => {
                // Names are case-insensitive, and only the first of a name counts (a later
                // duplicate of a parameter that was absent would be read, so none is added).
                let mut ps2 = rename(&ps, "speed", "SPEED");
                for name in ["speed", "buffer"] {
                    if ps.iter().any(|p| name_of(p) == name) {
                        ps2.push(format!("{name}=9"));
                    }
                }
                ("mp4_case_and_dups", join(path, &ps2), base)
            }
            24 => {
                // Percent-encoded characters inside the query values are not decoded by nginx.
                let i = rng.below(22);
                let t = format!(
                    "{}%{:02X}{}",
                    &token[..i],
                    token.as_bytes()[i],
                    &token[i + 1..]
                );
                (
                    "token_percent_encoded",
                    join(path, &with_value(&ps, "md5", |_| t)),
                    Expect::Status(403),
                )
            }
            25 => {
                // The other kind of token for the same path.
                let other_kind = match loc.kind {
                    TokenKind::File => TokenKind::Mp4,
                    _ => TokenKind::File,
                };
                let o = SignOptions {
                    kind: other_kind,
                    speed: None,
                    buffer: None,
                    ..opts
                };
                let t = signer.sign_url(&signed, &o).unwrap();
                let expect = if loc.kind == TokenKind::Directory && path.ends_with('/') {
                    // A directory token of a directory URL is the file token of that URL.
                    base
                } else {
                    Expect::Status(403)
                };
                ("wrong_kind", t, expect)
            }
            26 => {
                // Random extra parameters anywhere, some named like ours: only agreement
                // between nginx and verify is checked.
                let mut ps2 = ps.clone();
                for _ in 0..1 + rng.below(3) {
                    let name = *rng.pick(&[
                        "md5", "MD5", "expires", "Expires", "speed", "buffer", "x", "md5x",
                        "xexpires", "md5[]",
                    ]);
                    let value = match rng.below(4) {
                        0 => flip_token(rng, &token),
                        1 => (expires + rng.range(-2, 2)).to_string(),
                        2 => String::new(),
                        _ => token.clone(),
                    };
                    let at = rng.below(ps2.len() + 1);
                    ps2.insert(
                        at,
                        if rng.chance(0.1) {
                            name.to_owned()
                        } else {
                            format!("{name}={value}")
                        },
                    );
                }
                ("query_noise", join(path, &ps2), Expect::AgreeOnly)
            }
            _ => {
                // A path nginx refuses with 400.
                let bad = *rng.pick(&[
                    "%00",
                    "%zz",
                    "%2",
                    "%G1",
                    "../../../../../../../../x",
                    "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/x",
                    "a/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F..",
                ]);
                let dir_end = path.rfind('/').unwrap();
                let p2 = format!("{}/{bad}", &path[..dir_end]);
                ("bad_request", join(&p2, &ps), Expect::Status(400))
            }
        };
        reqs.push(Req {
            target,
            what,
            expect,
        });
    }
}

/// Base case and mutations for a Video Streaming path token.
fn stream_case(rng: &mut Rng, cx: &Ctx<'_>, now: i64, reqs: &mut Vec<Req>) {
    let kind = *rng.pick(&[
        StreamKind::Vod,
        StreamKind::Cmaf,
        StreamKind::Mpegts,
        StreamKind::Streams,
    ]);
    let account = rng.range(1, 9_999_999).to_string();
    let id_chars = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    let id: String = (0..1 + rng.below(24))
        .map(|_| *rng.pick(id_chars) as char)
        .collect();
    let file = if rng.chance(0.3) {
        None
    } else {
        let mut f = String::new();
        for _ in 0..rng.below(3) {
            f.push_str(&segment(rng));
            f.push('/');
        }
        f.push_str(&file_name(rng));
        Some(f)
    };
    let expired = rng.chance(0.15);
    let expires = if expired {
        now - rng.range(10, 100_000_000)
    } else {
        now + rng.range(30, 50_000_000)
    };
    let ip_spelled = ip_spelling(rng, cx.client_ip);
    let opts = SignOptions {
        expires: Some(expires),
        ip: cx.loc.ip_bound.then_some(ip_spelled.as_str()),
        now: Some(now),
        ..Default::default()
    };
    let signer = if expired { &cx.past_signer } else { &cx.signer };
    let signed = signer
        .stream_url("", kind, &account, &id, file.as_deref(), &opts)
        .unwrap_or_else(|e| panic!("stream_url({account}, {id}, {file:?}) failed: {e}"));
    let base = Expect::Status(if expired { 410 } else { 200 });
    reqs.push(Req {
        target: signed.clone(),
        what: "signed",
        expect: base,
    });
    // /{prefix}/{account}_{id}/{token}/{expires}/{file...}
    let segs: Vec<&str> = signed.splitn(6, '/').collect();
    let (prefix, name, token, exp_text, rest) = (segs[1], segs[2], segs[3], segs[4], segs[5]);
    let build = |prefix: &str, name: &str, token: &str, exp: &str, rest: &str| {
        format!("/{prefix}/{name}/{token}/{exp}/{rest}")
    };
    let n = 2 + rng.below(4);
    for _ in 0..n {
        let (what, target, expect): (&'static str, String, Expect) = match rng.below(13) {
            0 | 1 => (
                "token_char",
                build(prefix, name, &flip_token(rng, token), exp_text, rest),
                Expect::Status(403),
            ),
            2 => (
                "token_padding",
                build(prefix, name, &format!("{token}=="), exp_text, rest),
                base,
            ),
            3 => {
                let e = expires + if rng.chance(0.5) { 1 } else { -1 };
                (
                    "expires_changed",
                    build(prefix, name, token, &e.to_string(), rest),
                    Expect::Status(403),
                )
            }
            4 => (
                "expires_leading_zeros",
                build(prefix, name, token, &format!("0{exp_text}"), rest),
                Expect::Status(403),
            ),
            5 => (
                "id_changed",
                build(prefix, &format!("{name}x"), token, exp_text, rest),
                Expect::Status(403),
            ),
            6 => (
                "account_changed",
                build(prefix, &format!("1{name}"), token, exp_text, rest),
                Expect::Status(403),
            ),
            7 => {
                let fname = file_name(rng);
                let f = spell(rng, &fname, false);
                (
                    "file_changed",
                    build(prefix, name, token, exp_text, &f),
                    base,
                )
            }
            8 => {
                // Percent-encode one token character and one expires digit: nginx decodes $uri.
                let i = rng.below(22);
                let t = format!(
                    "{}%{:02x}{}",
                    &token[..i],
                    token.as_bytes()[i],
                    &token[i + 1..]
                );
                let j = rng.below(exp_text.len());
                let e = format!(
                    "{}%3{}{}",
                    &exp_text[..j],
                    &exp_text[j..j + 1],
                    &exp_text[j + 1..]
                );
                ("path_respelled", build(prefix, name, &t, &e, rest), base)
            }
            9 => {
                let other = Signer::builder(random_key(rng))
                    .allow_past_expiry(true)
                    .build()
                    .unwrap();
                let t = other
                    .stream_url("", kind, &account, &id, file.as_deref(), &opts)
                    .unwrap();
                ("wrong_key", t, Expect::Status(403))
            }
            10 => {
                let wrong = if cx.loc.ip_bound {
                    if cx.client_ip == "127.0.0.1" {
                        "::1"
                    } else {
                        "127.0.0.1"
                    }
                } else {
                    cx.client_ip
                };
                let o = SignOptions {
                    ip: Some(wrong),
                    ..opts
                };
                let t = signer
                    .stream_url("", kind, &account, &id, file.as_deref(), &o)
                    .unwrap();
                ("wrong_ip", t, Expect::Status(403))
            }
            11 => ("empty_file", build(prefix, name, token, exp_text, ""), base),
            _ => {
                let p2 = format!("/{prefix}//{name}/./{token}/x/../{exp_text}//{rest}");
                ("path_respelled", p2, base)
            }
        };
        reqs.push(Req {
            target,
            what,
            expect,
        });
    }
}

fn agrees(status: u16, v: &Verdict) -> bool {
    match v {
        Verdict::Valid { .. } => status == 200,
        Verdict::Expired { .. } => status == 410,
        Verdict::Invalid(InvalidReason::BadRequest(_)) => status == 400,
        Verdict::Invalid(_) => status == 403,
    }
}

fn locations(edge: &Edge) -> Vec<Loc> {
    let k = |n: &str| edge.var(n).to_owned();
    let l = |name, prefix, key: String, kind, ip_bound, host, weight| Loc {
        name,
        prefix,
        key,
        kind,
        ip_bound,
        host,
        weight,
    };
    vec![
        l(
            "file",
            "/file/",
            KEY.into(),
            TokenKind::File,
            false,
            "edge",
            4,
        ),
        l("ip", "/ip/", KEY.into(), TokenKind::File, true, "edge", 4),
        l(
            "dir",
            "/dir/",
            KEY.into(),
            TokenKind::Directory,
            false,
            "edge",
            3,
        ),
        l(
            "ipdir",
            "/ipdir/",
            KEY.into(),
            TokenKind::Directory,
            true,
            "edge",
            1,
        ),
        l("mp4", "/mp4/", KEY.into(), TokenKind::Mp4, false, "edge", 3),
        l(
            "ipmp4",
            "/ipmp4/",
            KEY.into(),
            TokenKind::Mp4,
            true,
            "edge",
            1,
        ),
        l(
            "videos",
            "/videos/",
            KEY.into(),
            TokenKind::Stream,
            false,
            "edge",
            3,
        ),
        l(
            "ipstream",
            "/videos/",
            KEY.into(),
            TokenKind::Stream,
            true,
            "ipstream.edge",
            1,
        ),
        l(
            "k1",
            "/k1/",
            k("EDGE_KEY_1"),
            TokenKind::File,
            false,
            "edge",
            1,
        ),
        l(
            "k2",
            "/k2/",
            k("EDGE_KEY_2"),
            TokenKind::File,
            true,
            "edge",
            1,
        ),
        l(
            "k3",
            "/k3/",
            k("EDGE_KEY_3"),
            TokenKind::File,
            false,
            "edge",
            1,
        ),
        l(
            "k4",
            "/k4/",
            k("EDGE_KEY_4"),
            TokenKind::File,
            false,
            "edge",
            1,
        ),
    ]
}

#[test]
fn nginx_agrees_with_core_on_random_links() {
    let seed: u64 = std::env::var("CONFORMANCE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5ec0_7e4e_2024);
    let cases: usize = std::env::var("CONFORMANCE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let mut rng = Rng::new(seed);
    let edge = Edge::start(20000 + (std::process::id() % 20000) as u16);
    println!(
        "edge on port {} (seed {seed}, {cases} base cases)",
        edge.port
    );
    let locs = locations(&edge);
    let total_weight: usize = locs.iter().map(|l| l.weight).sum();
    let mut v4 = RawClient::new(SocketAddr::from(([127, 0, 0, 1], edge.port)));
    let mut v6 = RawClient::new(SocketAddr::from((Ipv6Addr::LOCALHOST, edge.port)));
    let mut stats = Stats::default();
    let started = Instant::now();

    for case in 0..cases {
        let mut w = rng.below(total_weight);
        let loc = locs
            .iter()
            .find(|l| {
                if w < l.weight {
                    true
                } else {
                    w -= l.weight;
                    false
                }
            })
            .unwrap();
        let use_v6 = rng.chance(0.5);
        let client_ip = if use_v6 { "::1" } else { "127.0.0.1" };
        let cx = Ctx {
            loc,
            signer: Signer::new(&loc.key).unwrap(),
            past_signer: Signer::builder(&loc.key)
                .allow_past_expiry(true)
                .build()
                .unwrap(),
            client_ip,
        };
        let now = unix_now();
        let mut reqs = Vec::new();
        if loc.kind == TokenKind::Stream {
            stream_case(&mut rng, &cx, now, &mut reqs);
        } else {
            query_case(&mut rng, &cx, now, &mut reqs);
        }
        let client = if use_v6 { &mut v6 } else { &mut v4 };
        for r in reqs {
            let resp = client
                .get(r.target.as_bytes(), loc.host)
                .unwrap_or_else(|e| {
                    panic!(
                        "request {} to {} failed: {e}\nnginx error log:\n{}",
                        r.target,
                        client.addr(),
                        edge.error_log_tail(20)
                    )
                });
            let now_after = unix_now();
            let verdict = cx
                .signer
                .verify(
                    &r.target,
                    &VerifyOptions {
                        ip: loc.ip_bound.then_some(client_ip),
                        now: Some(now_after),
                        kind: loc.kind,
                    },
                )
                .expect("verify takes every request");
            stats.requests += 1;
            *stats
                .per_loc_status
                .entry((loc.name.to_owned(), resp.status))
                .or_default() += 1;
            *stats.per_what.entry(r.what).or_default() += 1;
            *stats
                .per_family
                .entry((client_ip, resp.status))
                .or_default() += 1;
            let line = format!(
                "case {case} [{}] {} via {client_ip}: {} -> nginx {} / core {:?} (expected {:?})",
                loc.name, r.what, r.target, resp.status, verdict, r.expect
            );
            if !agrees(resp.status, &verdict) {
                stats.disagreements.push(line.clone());
            }
            if let Expect::Status(s) = r.expect {
                if s != resp.status {
                    stats.unexpected.push(line);
                }
            }
            if resp.status == 200 {
                assert_eq!(resp.body, b"ok", "200 body for {}", r.target);
            }
        }
    }

    let elapsed = started.elapsed();
    println!(
        "{} requests in {:.1} s ({} + {} connections), {} disagreements, {} unexpected statuses",
        stats.requests,
        elapsed.as_secs_f64(),
        v4.connections,
        v6.connections,
        stats.disagreements.len(),
        stats.unexpected.len()
    );
    let mut per_status: BTreeMap<u16, usize> = BTreeMap::new();
    for ((_, s), n) in &stats.per_loc_status {
        *per_status.entry(*s).or_default() += n;
    }
    println!("per status: {per_status:?}");
    let mut loc_line = String::new();
    for ((l, s), n) in &stats.per_loc_status {
        let _ = write!(loc_line, " {l}:{s}={n}");
    }
    println!("per location/status:{loc_line}");
    println!("per request class: {:?}", stats.per_what);
    println!("per client address/status: {:?}", stats.per_family);
    for d in stats.disagreements.iter().take(30) {
        println!("DISAGREE {d}");
    }
    for d in stats.unexpected.iter().take(30) {
        println!("UNEXPECTED {d}");
    }
    assert!(stats.requests >= cases * 3);
    assert!(
        stats.disagreements.is_empty(),
        "{} requests where Signer::verify and nginx disagree (first: {})",
        stats.disagreements.len(),
        stats.disagreements[0]
    );
    assert!(
        stats.unexpected.is_empty(),
        "{} requests with an unexpected status (first: {})",
        stats.unexpected.len(),
        stats.unexpected[0]
    );
    for s in [200, 403, 410, 400] {
        assert!(per_status.get(&s).copied().unwrap_or(0) > 0, "no {s} seen");
    }
}

/// The token nginx expects for a file link, computed independently of the core.
fn reference_file_token(expires: i64, decoded_path: &[u8], ip: &str, key: &str) -> String {
    use base64::Engine as _;
    use md5::{Digest, Md5};
    let mut h = Md5::new();
    h.update(expires.to_string().as_bytes());
    h.update(decoded_path);
    h.update(ip.as_bytes());
    h.update(b" ");
    h.update(key.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
}

/// Percent-encoded control characters (`%01`..`%1F`, `%7F`) and bytes that are not UTF-8
/// are decoded into `$uri` and hashed by nginx, which serves such a link (200); raw control
/// characters in the request line are a 400. `verify` must answer the same.
#[test]
fn nginx_agrees_with_core_on_encoded_control_bytes() {
    let edge = Edge::start(20000 + ((std::process::id() + 7919) % 20000) as u16);
    let signer = Signer::new(KEY).unwrap();
    let mut client = RawClient::new(SocketAddr::from(([127, 0, 0, 1], edge.port)));
    let now = unix_now();
    let expires = now + 3600;
    let mut checked = 0;
    let mut disagreements = Vec::new();
    let mut bytes: Vec<u8> = (1u8..0x20).collect();
    bytes.extend([0x7f, 0x80, 0xc3, 0xff]);
    for b in bytes {
        for (loc, ip) in [("/file/", ""), ("/ip/", "127.0.0.1")] {
            let decoded: Vec<u8> = [loc.as_bytes(), b"a", &[b], b"b.jpg"].concat();
            let token = reference_file_token(expires, &decoded, ip, KEY);
            for (target, want) in [
                (
                    format!("{loc}a%{b:02X}b.jpg?md5={token}&expires={expires}"),
                    200,
                ),
                (
                    format!("{loc}a%{b:02x}b.jpg?md5={token}&expires={}", expires + 1),
                    403,
                ),
            ] {
                let status = client.get(target.as_bytes(), "edge").unwrap().status;
                assert_eq!(status, want, "nginx on {target}");
                let v = signer
                    .verify(
                        &target,
                        &VerifyOptions {
                            ip: (!ip.is_empty()).then_some(ip),
                            now: Some(unix_now()),
                            kind: TokenKind::File,
                        },
                    )
                    .unwrap();
                checked += 1;
                if !agrees(status, &v) {
                    disagreements.push(format!("{target}: nginx {status}, core {v:?}"));
                }
            }
        }
    }
    // A raw control character in the request line is refused by nginx and by verify.
    for raw in [&b"/file/a\x7fb.jpg"[..], b"/file/a\tb.jpg"] {
        let mut target = raw.to_vec();
        target
            .extend_from_slice(format!("?md5=AAAAAAAAAAAAAAAAAAAAAA&expires={expires}").as_bytes());
        let status = client.get(&target, "edge").unwrap().status;
        assert_eq!(status, 400);
        let v = signer
            .verify(
                std::str::from_utf8(&target).unwrap(),
                &VerifyOptions::default(),
            )
            .unwrap();
        assert!(
            agrees(status, &v),
            "{:?}: nginx {status}, core {v:?}",
            String::from_utf8_lossy(&target)
        );
        checked += 1;
    }
    println!(
        "{checked} requests with control or non-UTF-8 bytes, {} disagreements",
        disagreements.len()
    );
    for d in &disagreements {
        println!("DISAGREE {d}");
    }
    assert!(
        disagreements.is_empty(),
        "verify disagrees with nginx on {} requests",
        disagreements.len()
    );
}

/// `sign_many` (the batch path, hashed several messages at a time and spread over threads
/// for large batches) gives links nginx accepts, identical to `sign_url`'s.
#[test]
fn nginx_accepts_sign_many_batches() {
    let mut rng = Rng::new(0xba7c_4e55);
    let edge = Edge::start(20000 + ((std::process::id() + 15_401) % 20000) as u16);
    let mut client = RawClient::new(SocketAddr::from(([127, 0, 0, 1], edge.port)));
    let now = unix_now();
    let mut sent = 0;
    // Small batches per location and kind, then one large enough to be split over threads.
    let plan: &[(&str, &str, TokenKind, bool, usize)] = &[
        ("/file/", KEY, TokenKind::File, false, 333),
        ("/ip/", KEY, TokenKind::File, true, 257),
        ("/dir/", KEY, TokenKind::Directory, false, 129),
        ("/mp4/", KEY, TokenKind::Mp4, false, 100),
        ("/k4/", edge.var("EDGE_KEY_4"), TokenKind::File, false, 65),
        ("/file/", KEY, TokenKind::File, false, 5000),
    ];
    for &(prefix, key, kind, ip_bound, n) in plan {
        let signer = Signer::new(key).unwrap();
        let urls: Vec<String> = (0..n)
            .map(|_| {
                let decoded = decoded_path(&mut rng, prefix);
                spell_path(&mut rng, &decoded, prefix, true)
            })
            .collect();
        let opts = SignOptions {
            expires: Some(now + 3600),
            ip: ip_bound.then_some("127.0.0.1"),
            kind,
            speed: (kind == TokenKind::Mp4).then_some("1m"),
            now: Some(now),
            ..Default::default()
        };
        let signed = signer.sign_many(&urls, &opts).expect("sign_many");
        assert_eq!(signed.len(), urls.len());
        for (u, s) in urls.iter().zip(&signed) {
            assert_eq!(
                s,
                &signer.sign_url(u, &opts).unwrap(),
                "sign_many vs sign_url for {u}"
            );
            let status = client.get(s.as_bytes(), "edge").unwrap().status;
            assert_eq!(status, 200, "nginx on batch-signed {s}");
            sent += 1;
        }
    }
    println!("{sent} batch-signed links accepted by nginx");
}
