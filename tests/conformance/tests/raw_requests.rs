//! The raw-request differential: the real nginx edge (`tests/nginx/edge.sh`) and
//! `Signer::verify_request` judge the same request targets, written as raw bytes on the
//! socket. Targets are generated adversarially for every category of issue 10 (`//`, `///`,
//! `%2e`/`%2E` dot segments, `%2F`, encoded `?` and `#`, `%2525`, overlong UTF-8, invalid
//! UTF-8 raw and escaped, raw non-ASCII, backslashes, `;` parameters, hex case, duplicate and
//! differently-cased `md5`/`expires`, padding, trailing garbage, leading zeros, `+`, huge and
//! zero expiries, parameters without `=`, absolute form with good and bad hosts, spaces,
//! control bytes, targets near and over the length limit) on the file, ip, dir and mp4
//! locations. Every status nginx gives must be the status of the verdict; 0 disagreements.
//!
//! `RAW_CASES` (default 6000) and `RAW_SEED` change the run.

use std::net::SocketAddr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cdn_secure_token::{Signer, TokenKind, VerifyOptions};
use cdn_secure_token_conformance::{unix_now, Edge, RawClient, Rng};
use md5::{Digest, Md5};

const KEY: &str = "conformance-key-1";
const FUTURE: &str = "2147483647";
const PAST: &str = "1000000000";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Ip,
    Dir,
    Mp4,
}

impl Kind {
    fn prefix(self) -> &'static [u8] {
        match self {
            Kind::File => b"/file/",
            Kind::Ip => b"/ip/",
            Kind::Dir => b"/dir/",
            Kind::Mp4 => b"/mp4/",
        }
    }

    fn token_kind(self) -> TokenKind {
        match self {
            Kind::File | Kind::Ip => TokenKind::File,
            Kind::Dir => TokenKind::Directory,
            Kind::Mp4 => TokenKind::Mp4,
        }
    }

    /// The string nginx hashes (edge.sh's locations), computed here from the decoded uri.
    fn string_to_sign(
        self,
        uri: &[u8],
        expires: &[u8],
        speed: &[u8],
        buffer: &[u8],
        ip: &[u8],
    ) -> Vec<u8> {
        let key = KEY.as_bytes();
        match self {
            Kind::File => [expires, uri, b" ", key].concat(),
            Kind::Ip => [expires, uri, ip, b" ", key].concat(),
            Kind::Dir => {
                let d = &uri[..uri
                    .iter()
                    .rposition(|&b| b == b'/')
                    .map_or(uri.len(), |p| p + 1)];
                [expires, d, b" ", key].concat()
            }
            Kind::Mp4 => [
                uri, b"_", key, b"_", expires, b"_", speed, b"_", buffer, b"_",
            ]
            .concat(),
        }
    }
}

/// One of `items`.
fn pick<'a>(rng: &mut Rng, items: &[&'a [u8]]) -> &'a [u8] {
    items[rng.below(items.len())]
}

fn token(s: &[u8]) -> Vec<u8> {
    URL_SAFE_NO_PAD.encode(Md5::digest(s)).into_bytes()
}

/// Decoded file names under a location (bytes: not all are UTF-8).
const NAMES: &[&[u8]] = &[
    b"x.jpg",
    b"private/x.jpg",
    b"a b.jpg",
    "été.jpg".as_bytes(),
    "фото/кот.jpg".as_bytes(),
    b"+plus.jpg",
    b"100%.jpg",
    b"semi;colon.jpg",
    b"back\\slash.jpg",
    b"q?mark.jpg",
    b"hash#tag.jpg",
    b"sub/seg1.ts",
    b"sub/",
    b"\xff\xfe.bin",
    b"\xc0\xaf.bin",
    b"ctl\x01.bin",
    b".hidden",
    b"",
];

/// Percent-encodes `p` (`/` kept); `over` also encodes that share of plain bytes, `lower`
/// writes lower-case hex, `raw_high` leaves bytes >= 0x80 raw.
fn encode(p: &[u8], rng: &mut Rng, over: f64, lower: bool, raw_high: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for &c in p {
        let plain = c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&c);
        if (plain && !(c != b'/' && over > 0.0 && rng.chance(over))) || (raw_high && c >= 0x80) {
            out.push(c);
        } else if lower {
            out.extend_from_slice(format!("%{c:02x}").as_bytes());
        } else {
            out.extend_from_slice(format!("%{c:02X}").as_bytes());
        }
    }
    out
}

/// One spelling of the path `p` (decoded), as a client might send it.
fn spell(p: &[u8], rng: &mut Rng) -> Vec<u8> {
    let enc = encode(p, rng, 0.0, false, false);
    match rng.below(26) {
        0..=3 => enc,
        4 => [b"/", &enc[..]].concat(),
        5 => [b"//", &enc[..]].concat(),
        6 => replace_first(
            &enc,
            b"/",
            pick(rng, &[&b"//"[..], b"///", b"/./", b"/%2e/", b"/%2E/"]),
        ),
        7 => {
            // A dot-dot segment, sometimes climbing out of a detour, sometimes above the root.
            let dotdot = pick(rng, &[&b".."[..], b"%2e%2e", b"%2E%2E", b".%2e", b"%2E."]);
            let detour = pick(rng, &[&b"zz/"[..], b"private/", b"", b"../"]);
            let cut = enc.iter().rposition(|&b| b == b'/').unwrap_or(0) + 1;
            [&enc[..cut], detour, dotdot, b"/", &enc[cut..]].concat()
        }
        8 => {
            let sep = pick(rng, &[&b"%2F"[..], b"%2f", b"%2F%2F"]);
            [b"/", &replace_all(&enc[1..], b"/", sep)[..]].concat()
        }
        9 => encode(p, rng, 0.4, true, false),
        10 => encode(p, rng, 0.6, false, false),
        11 => encode(p, rng, 0.0, false, true),
        12 => replace_all(&enc, b"%", b"%25"), // %2525-style double escapes
        13 => [&enc[..], pick(rng, &[&b";a=b"[..], b";", b";jsessionid=1"])].concat(),
        14 => replace_first(&enc, b"/", b"\\"),
        15 => [
            &enc[..],
            pick(
                rng,
                &[
                    &b"%C0%AF"[..],
                    b"%c0%ae",
                    b"\xc0\xaf",
                    b"%E0%80%AF",
                    b"%F0%82%82%AC",
                ],
            ),
        ]
        .concat(),
        16 => [
            &enc[..],
            pick(
                rng,
                &[
                    &b"\xff"[..],
                    b"%FF",
                    b"\xe9",
                    b"%e9",
                    b"\xed\xa0\x80",
                    b"%ED%A0%80",
                ],
            ),
        ]
        .concat(),
        17 => [
            &enc[..],
            pick(
                rng,
                &[
                    &b"%3F"[..],
                    b"%23",
                    b"%3f",
                    b"%25",
                    b"%2525",
                    b"%00",
                    b"%0A",
                    b"%7F",
                    b"%20",
                ],
            ),
        ]
        .concat(),
        18 => [
            &enc[..],
            pick(
                rng,
                &[&b"%"[..], b"%z", b"%zz", b"%4", b"%G1", b"%%", b"%1"],
            ),
        ]
        .concat(),
        19 => [
            &enc[..],
            pick(rng, &[&b" "[..], b"\t", b"\x01", b"\x7f", b"\x00", b" x"]),
        ]
        .concat(),
        20 => [
            &enc[..],
            pick(rng, &[&b"#"[..], b"#frag", b"#%zz", b"#?md5=x"]),
        ]
        .concat(),
        21 => [&b"http://edge"[..], &enc].concat(),
        22 => [
            pick(
                rng,
                &[
                    &b"http://edge:80"[..],
                    b"HTTP://EDGE.",
                    b"https://[::1]",
                    b"ftp://edge",
                    b"http://a..b",
                    b"http://a_b",
                    b"http://",
                    b"http://[::1",
                    b"http://u@edge",
                    b"http://edge:8x",
                    b"h1://x",
                    b"1h://x",
                ],
            ),
            &enc,
        ]
        .concat(),
        23 => [&b"  "[..], &enc].concat(),
        24 => [&b"/x/.."[..], &enc].concat(),
        _ => {
            let mut v = enc;
            v.extend_from_slice(b"/.");
            v
        }
    }
}

fn replace_first(s: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    match s.windows(from.len()).position(|w| w == from) {
        Some(i) => [&s[..i], to, &s[i + from.len()..]].concat(),
        None => s.to_vec(),
    }
}

fn replace_all(s: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// The query for a link whose correct token is `tok` at `expires`, mutated.
fn query(kind: Kind, tok: &[u8], expires: &[u8], mp4: (&[u8], &[u8]), rng: &mut Rng) -> Vec<u8> {
    let mut params: Vec<Vec<u8>> = vec![[b"md5=", tok].concat(), [b"expires=", expires].concat()];
    if kind == Kind::Mp4 {
        if !mp4.0.is_empty() {
            params.push([b"speed=", mp4.0].concat());
        }
        if !mp4.1.is_empty() {
            params.push([b"buffer=", mp4.1].concat());
        }
    }
    match rng.below(22) {
        0..=5 => {}
        6 => params[0] = [b"MD5=", tok].concat(),
        7 => params[1] = [b"Expires=", expires].concat(),
        8 => params.insert(0, b"md5=AAAAAAAAAAAAAAAAAAAAAA".to_vec()),
        9 => params.push(b"md5=AAAAAAAAAAAAAAAAAAAAAA".to_vec()),
        10 => params.insert(0, b"EXPIRES=1".to_vec()),
        11 => params[0].extend_from_slice(pick(rng, &[&b"=="[..], b"=", b"===", b"=x", b"A"])),
        12 => params[0].extend_from_slice(pick(rng, &[&b"%3D"[..], b"+", b"/", b" "])),
        13 => {
            params[1] = [
                b"expires=",
                pick(
                    rng,
                    &[
                        &b"0"[..],
                        b"",
                        b"-1",
                        b"+1",
                        b"99999999999999999999",
                        b"9223372036854775807",
                        b"1e9",
                        b"0x10",
                    ],
                ),
            ]
            .concat()
        }
        14 => params[1].push(b'x'),
        15 => params.insert(
            0,
            pick(rng, &[&b"md5"[..], b"expires", b"md5&", b"=", b"&"]).to_vec(),
        ),
        16 => params.push(
            pick(
                rng,
                &[&b"x=%zz"[..], b"y=\xff", b"z", b"a=b=c", b"#f", b"&&"],
            )
            .to_vec(),
        ),
        17 => {
            params.remove(rng.below(2));
        }
        18 => params.swap(0, 1),
        19 => params.insert(0, b"xmd5=1&md5x=2".to_vec()),
        20 => params.push(pick(rng, &[&b"q=a b"[..], b"q=\x01", b"q=\x7f"]).to_vec()),
        _ => {
            let t = tok.to_vec();
            params[0] = [&b"md5="[..], &t[..t.len().saturating_sub(1)]].concat();
        }
    }
    let mut q = params.join(&b'&');
    if rng.chance(0.03) {
        q = b"".to_vec();
    }
    q
}

/// One adversarial target for `kind`, from a client at `ip` (as nginx writes it).
fn target(kind: Kind, ip: &[u8], rng: &mut Rng) -> Vec<u8> {
    let name = pick(rng, NAMES);
    let uri = [kind.prefix(), name].concat();
    // Leading zeros change the text that is hashed (the edge hashes it as received).
    let expires: Vec<u8> = match rng.below(10) {
        0 => PAST.as_bytes().to_vec(),
        1 => [b"000", FUTURE.as_bytes()].concat(),
        _ => FUTURE.as_bytes().to_vec(),
    };
    let (speed, buffer): (&[u8], &[u8]) = if kind == Kind::Mp4 {
        (
            pick(rng, &[&b""[..], b"1m", b"500K"]),
            pick(rng, &[&b""[..], b"10", b"2M"]),
        )
    } else {
        (b"", b"")
    };
    // Usually a token for the very uri; sometimes for a neighbour (the `//private` trick).
    let signed_uri: Vec<u8> = if rng.chance(0.15) {
        [kind.prefix(), pick(rng, NAMES)].concat()
    } else {
        uri.clone()
    };
    let tok = token(&kind.string_to_sign(&signed_uri, &expires, speed, buffer, ip));
    let path = spell(&uri, rng);
    let mut t = path;
    if rng.chance(0.97) {
        t.push(b'?');
        t.extend_from_slice(&query(kind, &tok, &expires, (speed, buffer), rng));
    }
    if rng.chance(0.05) {
        t.extend_from_slice(pick(rng, &[&b"#frag"[..], b"   ", b" "]));
    }
    // Near and over the request-line limit (8192 bytes: a target of 8177).
    if rng.chance(0.04) {
        let want = 8177 - 6 + rng.below(12);
        if t.len() < want {
            let pad = want - t.len();
            if rng.chance(0.5) {
                t.extend_from_slice(b"&p=");
                t.resize(t.len() + pad.saturating_sub(3), b'a');
            } else {
                let cut = t.iter().position(|&b| b == b'?').unwrap_or(t.len());
                let filler = vec![b'b'; pad];
                t = [&t[..cut], b"/", &filler[..], &t[cut..]].concat();
            }
        }
    }
    t
}

#[test]
fn nginx_and_verify_request_agree_on_raw_targets() {
    let cases: usize = std::env::var("RAW_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6000);
    let seed: u64 = std::env::var("RAW_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_0010);
    let edge = Edge::start(18300);
    let addr: SocketAddr = format!("127.0.0.1:{}", edge.port).parse().unwrap();
    let mut client = RawClient::new(addr);
    let addr6: SocketAddr = format!("[::1]:{}", edge.port).parse().unwrap();
    let mut client6 = RawClient::new(addr6);
    let signer = Signer::new(KEY).unwrap();
    let mut rng = Rng::new(seed);
    let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
    let mut disagreements = Vec::new();
    let mut judged = 0;
    for i in 0..cases {
        let kind = *rng.pick(&[Kind::File, Kind::Ip, Kind::Dir, Kind::Mp4]);
        // IP-bound links also from ::1 (nginx's $remote_addr "::1").
        let v6 = kind == Kind::Ip && rng.chance(0.4);
        let ip = if v6 { "::1" } else { "127.0.0.1" };
        let t = target(kind, ip.as_bytes(), &mut rng);
        // A CR or LF would end the request line inside the target: no server receives that.
        if t.iter().any(|&b| b == b'\r' || b == b'\n') {
            continue;
        }
        let now = unix_now();
        let got = if v6 { &mut client6 } else { &mut client }
            .get(&t, "edge")
            .unwrap_or_else(|e| panic!("case {i}: {e} for {:?}", String::from_utf8_lossy(&t)));
        *by_status.entry(got.status).or_default() += 1;
        let v = signer.verify_request(
            &t,
            &VerifyOptions {
                // Any spelling of the client address gives the same verdict.
                ip: (kind == Kind::Ip).then_some(if v6 { "0:0::1" } else { ip }),
                now: Some(now),
                kind: kind.token_kind(),
            },
        );
        // 404: nginx's $uri left the guarded location (e.g. /file/../x): no guard spoke, so
        // the verdict can be anything but a refusal of the request line itself.
        let agree = if got.status == 404 {
            !matches!(v.status(), 400 | 414)
        } else {
            judged += 1;
            v.status() == got.status
        };
        if !agree {
            disagreements.push(format!(
                "{kind:?} {:?}: nginx {} verify {} ({:?})",
                String::from_utf8_lossy(&t[..t.len().min(200)]),
                got.status,
                v.status(),
                v.reason_code()
            ));
        }
    }
    println!(
        "raw differential: {cases} targets, {judged} judged by the guard, statuses {by_status:?}"
    );
    for d in disagreements.iter().take(50) {
        println!("DISAGREE {d}");
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements with nginx (first: {})",
        disagreements.len(),
        disagreements[0]
    );
    // The run must exercise every answer, or it proves little.
    for s in [200, 400, 403, 410, 414] {
        assert!(
            by_status.get(&s).copied().unwrap_or(0) >= 5,
            "too few {s}s: {by_status:?}"
        );
    }
    assert!(
        judged * 10 >= cases * 8,
        "only {judged} of {cases} judged: {by_status:?}"
    );
}
