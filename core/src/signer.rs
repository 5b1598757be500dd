//! Signing and verification.

use std::fmt;
use std::sync::Arc;

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use crate::error::{BatchError, Error, Result};
use crate::ip::CanonicalIp;
use crate::key::Key;
use crate::options::{Clock, SignOptions, StreamKind, SystemClock, TokenKind, VerifyOptions};
use crate::path::{self, PathBytes, PathInput};
use crate::request::{self, Refusal};
use crate::url::{self, UrlParts};

/// Expiry values above this are taken for milliseconds (10^11 s is the year 5138).
pub const MAX_EXPIRES: i64 = 100_000_000_000;

/// Length of every token: base64url of 16 bytes, unpadded.
pub const TOKEN_LEN: usize = 22;

/// How many rotation keys a signer holds at most.
pub const MAX_KEYS: usize = 16;

/// Batches at least this large are spread over the cores.
const PARALLEL_BATCH: usize = 4096;

/// Messages hashed at once by a batch: 64 lets the multi-buffer MD5 interleave four vector
/// groups.
const LANES: usize = 64;

/// The smallest group of links a batch hashes in lanes; smaller groups go link by link as
/// `sign_url` does. Below one AVX2 vector (8 lanes) the lanes' setup costs more than it
/// saves (criterion `batch_vs_loop`: see core/benches/sign.rs).
const MIN_LANES: usize = 8;

/// A batch's per-thread lane buffers, sized to the group it signs (at most [`LANES`]).
struct Lanes {
    paths: Vec<PathBytes>,
    verbatim: Vec<bool>,
    /// Messages up to SHORT_MESSAGE bytes (typical links), written straight into two-block
    /// buffers and padded there.
    short_bufs: Vec<[u8; 128]>,
    short_lens: Vec<usize>,
    digests: Vec<[u8; 16]>,
    /// Longer messages, one after the other.
    arena: Vec<u8>,
}

impl Lanes {
    fn new(n: usize) -> Self {
        Lanes {
            paths: (0..n).map(|_| PathBytes::new()).collect(),
            verbatim: vec![false; n],
            short_bufs: vec![[0; 128]; n],
            short_lens: vec![0; n],
            digests: vec![[0; 16]; n],
            arena: Vec::new(),
        }
    }
}

/// The message buffers held key bytes: wiped however the batch ends.
impl Drop for Lanes {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.arena);
        zeroize::Zeroize::zeroize(&mut self.short_bufs);
    }
}

/// Where a batch writes its signed links: one `String` each (`sign_many`) or one joined
/// buffer (`sign_many_joined`). Each slice of a batch fills its own sink on the thread that
/// signs it; `concat` joins them in order.
trait Sink: Sized + Send {
    type Output;
    /// A sink for `len` links; `whole` says it also receives the other slices' links.
    fn for_slice(len: usize, whole: bool) -> Self;
    /// Writes one signed link, refusing it if the edge would answer 414.
    fn put(
        &mut self,
        parts: &UrlParts<'_>,
        canon: &[u8],
        verbatim: bool,
        digest: &[u8; 16],
        p: &Resolved<'_>,
        max_request_len: usize,
    ) -> Result<()>;
    /// The output of a one-slice batch (no `Vec` of one sink to join).
    fn finish(self) -> Self::Output;
    fn concat(parts: Vec<Self>) -> Self::Output;
}

impl Sink for Vec<String> {
    type Output = Vec<String>;

    fn for_slice(len: usize, whole: bool) -> Self {
        let _ = whole;
        Vec::with_capacity(len)
    }

    /// The same writer as `sign_url`.
    fn put(
        &mut self,
        parts: &UrlParts<'_>,
        canon: &[u8],
        verbatim: bool,
        digest: &[u8; 16],
        p: &Resolved<'_>,
        max_request_len: usize,
    ) -> Result<()> {
        self.push(assemble(
            parts,
            canon,
            verbatim,
            digest,
            p,
            max_request_len,
        )?);
        Ok(())
    }

    fn finish(self) -> Vec<String> {
        self
    }

    fn concat(parts: Vec<Self>) -> Vec<String> {
        let mut parts = parts.into_iter();
        let mut out = parts.next().unwrap_or_default();
        for p in parts {
            out.extend(p);
        }
        out
    }
}

/// The joined text of a slice and the end offset of each link.
struct Joined {
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl Sink for Joined {
    type Output = SignedBatch;

    /// Buffers come from this thread's pool (kept from earlier batches); the one receiving
    /// the whole batch takes the largest, most likely the size of the last batch.
    fn for_slice(len: usize, whole: bool) -> Self {
        let text = if whole {
            crate::pool::largest_text(len * 96)
        } else {
            crate::pool::text(len * 96)
        };
        Joined {
            text,
            ends: crate::pool::ends(len),
        }
    }

    fn put(
        &mut self,
        parts: &UrlParts<'_>,
        canon: &[u8],
        verbatim: bool,
        digest: &[u8; 16],
        p: &Resolved<'_>,
        max_request_len: usize,
    ) -> Result<()> {
        if !self.ends.is_empty() {
            self.text.push(b'\n');
        }
        let target = write_signed(parts, canon, verbatim, digest, p, &mut self.text);
        check_request_len(target, max_request_len)?;
        self.ends.push(self.text.len());
        Ok(())
    }

    fn finish(self) -> SignedBatch {
        SignedBatch {
            text: into_string(self.text),
            ends: self.ends,
        }
    }

    fn concat(parts: Vec<Self>) -> SignedBatch {
        SignedBatch::concat(parts.into_iter().map(Sink::finish).collect())
    }
}

/// The pieces of a string-to-sign, in order, with the key as a separate slot.
///
/// One definition serves hashing (key bytes), `explain` (key shown as `***`) and batches.
#[derive(Clone, Copy)]
pub(crate) enum Layout<'a> {
    /// `{expires}{path}{ip} {key}`
    File {
        expires: &'a [u8],
        path: &'a [u8],
        ip: &'a [u8],
    },
    /// `{path}_{key}_{expires}_{speed}_{buffer}_{ip}`
    Mp4 {
        path: &'a [u8],
        expires: &'a [u8],
        speed: &'a [u8],
        buffer: &'a [u8],
        ip: &'a [u8],
    },
    /// `{account}_{id}_{key}_{expires}_{ip}`
    Stream {
        account: &'a [u8],
        id: &'a [u8],
        expires: &'a [u8],
        ip: &'a [u8],
    },
}

impl<'a> Layout<'a> {
    fn parts<'k>(&self, key: &'k [u8]) -> [&'k [u8]; 11]
    where
        'a: 'k,
    {
        const E: &[u8] = b"";
        const U: &[u8] = b"_";
        match *self {
            Layout::File { expires, path, ip } => [expires, path, ip, b" ", key, E, E, E, E, E, E],
            Layout::Mp4 {
                path,
                expires,
                speed,
                buffer,
                ip,
            } => [path, U, key, U, expires, U, speed, U, buffer, U, ip],
            Layout::Stream {
                account,
                id,
                expires,
                ip,
            } => [account, U, id, U, key, U, expires, U, ip, E, E],
        }
    }

    pub(crate) fn digest(&self, key: &[u8]) -> [u8; 16] {
        // Typical links fit in two MD5 blocks: pad on the stack and call the compression
        // function directly, skipping the streaming hasher's buffering.
        let mut buf = [0u8; 128];
        if let Some(n) = self.write_short(key, &mut buf) {
            return md5_padded(&mut buf, n);
        }
        let mut h = Md5::new();
        for part in self.parts(key) {
            h.update(part);
        }
        h.finalize().into()
    }

    /// Writes the string-to-sign to the start of `buf` and returns its length, if it is at
    /// most [`SHORT_MESSAGE`] bytes.
    pub(crate) fn write_short(&self, key: &[u8], buf: &mut [u8; 128]) -> Option<usize> {
        if let Layout::File { expires, path, ip } = *self {
            // The common layout, without going through the 11 generic slots.
            let len = expires.len() + path.len() + ip.len() + 1 + key.len();
            if len > SHORT_MESSAGE {
                return None;
            }
            let (head, rest) = buf.split_at_mut(expires.len());
            crate::multi_md5::copy_small(head, expires);
            let (head, rest) = rest.split_at_mut(path.len());
            crate::multi_md5::copy_small(head, path);
            let (head, rest) = rest.split_at_mut(ip.len());
            crate::multi_md5::copy_small(head, ip);
            rest[0] = b' ';
            crate::multi_md5::copy_small(&mut rest[1..1 + key.len()], key);
            return Some(len);
        }
        let parts = self.parts(key);
        if parts.iter().map(|p| p.len()).sum::<usize>() > SHORT_MESSAGE {
            return None;
        }
        let mut n = 0;
        for p in parts.iter().filter(|p| !p.is_empty()) {
            crate::multi_md5::copy_small(&mut buf[n..n + p.len()], p);
            n += p.len();
        }
        Some(n)
    }

    /// Total length of the string-to-sign.
    pub(crate) fn len(&self, key: &[u8]) -> usize {
        self.parts(key).iter().map(|p| p.len()).sum()
    }

    /// Appends the string-to-sign to `out`.
    pub(crate) fn write(&self, key: &[u8], out: &mut Vec<u8>) {
        for part in self.parts(key) {
            out.extend_from_slice(part);
        }
    }
}

/// Longest message [`md5_padded`] takes: two blocks less the padding byte and length.
pub(crate) const SHORT_MESSAGE: usize = crate::multi_md5::SHORT_MESSAGE;

/// MD5 of `buf[..len]` (`len <= SHORT_MESSAGE`), padding `buf` in place.
pub(crate) fn md5_padded(buf: &mut [u8; 128], len: usize) -> [u8; 16] {
    let blocks = crate::multi_md5::pad(buf, len);
    crate::multi_md5::padded_digest(buf, blocks)
}

/// The base64url alphabet (RFC 4648 §5).
const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding of a digest: always 22 ASCII bytes. Written for exactly 16
/// bytes (five 3-byte groups and one byte), which is several times faster than a general
/// encoder on the signing hot path; `tests::token_encoding_matches_the_base64_crate` checks
/// it against the `base64` crate.
pub(crate) fn encode_token(d: &[u8; 16]) -> [u8; TOKEN_LEN] {
    let mut out = [0u8; TOKEN_LEN];
    encode_token_into(d, &mut out);
    out
}

/// [`encode_token`] into `out`: the signed-URL writers encode straight into the output, as
/// copying a just-written token (byte stores read back as wider loads) stalls the CPU.
#[inline]
fn encode_token_into(d: &[u8; 16], out: &mut [u8; TOKEN_LEN]) {
    for g in 0..5 {
        let n = u32::from(d[3 * g]) << 16 | u32::from(d[3 * g + 1]) << 8 | u32::from(d[3 * g + 2]);
        out[4 * g] = B64URL[(n >> 18) as usize & 63];
        out[4 * g + 1] = B64URL[(n >> 12) as usize & 63];
        out[4 * g + 2] = B64URL[(n >> 6) as usize & 63];
        out[4 * g + 3] = B64URL[n as usize & 63];
    }
    out[20] = B64URL[(d[15] >> 2) as usize];
    out[21] = B64URL[((d[15] & 3) << 4) as usize];
}

fn token_str(t: &[u8; TOKEN_LEN]) -> &str {
    std::str::from_utf8(t).unwrap_or_default()
}

/// Decodes an `md5` value the way nginx's `ngx_decode_base64url` does for `secure_link`:
/// at most 24 characters, stop at the first `=`, base64url alphabet only, 16 bytes exactly.
/// Padding bits of the last character are ignored, as nginx ignores them.
pub(crate) fn decode_token(value: impl AsRef<[u8]>) -> Option<[u8; 16]> {
    let v = value.as_ref();
    if v.len() > 24 {
        return None;
    }
    let significant = v.iter().position(|&b| b == b'=').unwrap_or(v.len());
    if significant != TOKEN_LEN {
        return None;
    }
    let mut out = [0u8; 16];
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut o = 0;
    for &c in &v[..TOKEN_LEN] {
        let d = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(d);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if o < 16 {
                out[o] = (acc >> bits) as u8;
                o += 1;
            }
        }
    }
    Some(out)
}

/// Parses `expires` as nginx's `ngx_atotm` does, then rejects `<= 0` as `secure_link` does.
pub(crate) fn parse_expires(text: impl AsRef<[u8]>) -> Option<i64> {
    let text = text.as_ref();
    if text.is_empty() || !text.iter().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for &b in text {
        v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    (v > 0).then_some(v)
}

/// Why a request is refused: 403 for the token, 400 / 414 ([`InvalidReason::status`]) for a
/// request the edge refuses before looking at any token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidReason {
    /// No `md5` parameter (or no token segment in a stream path).
    MissingToken,
    /// The token is not 22 base64url characters.
    MalformedToken,
    /// No `expires` parameter.
    MissingExpires,
    /// `expires` is not a positive decimal number that fits in 64 bits.
    MalformedExpires,
    /// The request (or the link's path) is one the edge answers 400 to: a malformed request
    /// line (spaces, control bytes, a bad host), an invalid `%` escape, `%00`, `..` above the
    /// root. The error says which.
    BadRequest(Error),
    /// The path is not a Video Streaming path token layout.
    NotAStreamPath,
    /// The token does not match: wrong key, path, expiry, IP or token kind.
    Mismatch,
    /// The request line is longer than the edge reads (`large_client_header_buffers`, 8 KiB
    /// by default): the edge answers 414 before looking at any token.
    UriTooLong,
    /// The client IP given to verify (`VerifyOptions::ip`) is not a valid address: 403.
    BadClientIp,
}

impl InvalidReason {
    /// A stable snake_case identifier.
    pub fn code(&self) -> &'static str {
        match self {
            InvalidReason::MissingToken => "missing_token",
            InvalidReason::MalformedToken => "malformed_token",
            InvalidReason::MissingExpires => "missing_expires",
            InvalidReason::MalformedExpires => "malformed_expires",
            InvalidReason::BadRequest(_) => "bad_request",
            InvalidReason::NotAStreamPath => "not_a_stream_path",
            InvalidReason::Mismatch => "mismatch",
            InvalidReason::UriTooLong => "uri_too_long",
            InvalidReason::BadClientIp => "bad_client_ip",
        }
    }

    /// The stable number of the reason: the C `ST_REASON_*` value. Never renumbered; see
    /// [`REASONS`].
    pub fn number(&self) -> i32 {
        match self {
            InvalidReason::MissingToken => 1,
            InvalidReason::MalformedToken => 2,
            InvalidReason::MissingExpires => 3,
            InvalidReason::MalformedExpires => 4,
            InvalidReason::BadRequest(_) => 5,
            InvalidReason::NotAStreamPath => 6,
            InvalidReason::Mismatch => 7,
            InvalidReason::UriTooLong => 8,
            InvalidReason::BadClientIp => 9,
        }
    }

    /// The HTTP status the edge answers: 400 for [`InvalidReason::BadRequest`], 414 for
    /// [`InvalidReason::UriTooLong`], 403 for the others.
    pub fn status(&self) -> u16 {
        match self {
            InvalidReason::BadRequest(_) => 400,
            InvalidReason::UriTooLong => 414,
            _ => 403,
        }
    }
}

impl fmt::Display for InvalidReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidReason::MissingToken => f.write_str("no md5 token in the link"),
            InvalidReason::MalformedToken => {
                f.write_str("md5 token is not 22 base64url characters")
            }
            InvalidReason::MissingExpires => f.write_str("no expires parameter in the link"),
            InvalidReason::MalformedExpires => {
                f.write_str("expires is not a positive decimal Unix time")
            }
            InvalidReason::BadRequest(e) => write!(f, "the edge refuses this request: {e}"),
            InvalidReason::NotAStreamPath => f.write_str(
                "path is not /{videos|cmaf|mpegts|streams}/{account}_{id}/{token}/{expires}/...",
            ),
            InvalidReason::Mismatch => f.write_str(
                "md5 does not match this link (wrong key, path, expires, client IP or token kind)",
            ),
            InvalidReason::UriTooLong => f.write_str(
                "the request line is longer than the edge reads (large_client_header_buffers): 414",
            ),
            InvalidReason::BadClientIp => {
                f.write_str("the client IP given to verify is not a valid IPv4 or IPv6 address")
            }
        }
    }
}

/// Every reason a verdict can give, as `(number, code, HTTP status)`: the refusals
/// ([`InvalidReason::number`], [`InvalidReason::code`], [`InvalidReason::status`]) and, last,
/// `(10, "expired", 410)`, the code [`Verdict::reason_code`] gives an expired link. Number 0
/// (no reason: valid) is not listed. Faces generate their enums and string tables from it.
pub const REASONS: &[(i32, &str, u16)] = &[
    (1, "missing_token", 403),
    (2, "malformed_token", 403),
    (3, "missing_expires", 403),
    (4, "malformed_expires", 403),
    (5, "bad_request", 400),
    (6, "not_a_stream_path", 403),
    (7, "mismatch", 403),
    (8, "uri_too_long", 414),
    (9, "bad_client_ip", 403),
    (10, "expired", 410),
];

/// The edge's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The token matches and has not expired (200).
    Valid {
        /// The link's expiry.
        expires: i64,
        /// Which of the signer's keys matched (0 = the signing key).
        key_index: usize,
    },
    /// The token matches but `expires < now` (410).
    Expired {
        /// The link's expiry.
        expires: i64,
        /// Which of the signer's keys matched.
        key_index: usize,
    },
    /// The token is missing, malformed or wrong (403), or the request is one the edge
    /// refuses before any token check (400, 414): see [`InvalidReason::status`].
    Invalid(InvalidReason),
}

impl Verdict {
    /// The HTTP status the edge answers: 200, 410, or [`InvalidReason::status`] (403, or
    /// 400 / 414 for a request the edge refuses before any token check).
    pub fn status(&self) -> u16 {
        match self {
            Verdict::Valid { .. } => 200,
            Verdict::Expired { .. } => 410,
            Verdict::Invalid(r) => r.status(),
        }
    }

    /// A stable code: `None` when valid, `"expired"` when expired, else
    /// [`InvalidReason::code`].
    pub fn reason_code(&self) -> Option<&'static str> {
        match self {
            Verdict::Valid { .. } => None,
            Verdict::Expired { .. } => Some("expired"),
            Verdict::Invalid(r) => Some(r.code()),
        }
    }

    /// Human-readable text for a refusal (`None` when valid).
    pub fn message(&self) -> Option<String> {
        match self {
            Verdict::Valid { .. } => None,
            Verdict::Expired { expires, .. } => Some(format!("link expired at {expires}")),
            Verdict::Invalid(r) => Some(r.to_string()),
        }
    }

    /// `valid`, `expired` or `invalid`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::Expired { .. } => "expired",
            Verdict::Invalid(_) => "invalid",
        }
    }

    /// True for [`Verdict::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }

    /// True for [`Verdict::Expired`].
    pub fn is_expired(&self) -> bool {
        matches!(self, Verdict::Expired { .. })
    }

    /// The expiry of a correctly signed link.
    pub fn expires(&self) -> Option<i64> {
        match self {
            Verdict::Valid { expires, .. } | Verdict::Expired { expires, .. } => Some(*expires),
            Verdict::Invalid(_) => None,
        }
    }

    /// Which key matched, for a correctly signed link.
    pub fn key_index(&self) -> Option<usize> {
        match self {
            Verdict::Valid { key_index, .. } | Verdict::Expired { key_index, .. } => {
                Some(*key_index)
            }
            Verdict::Invalid(_) => None,
        }
    }

    /// The same text as [`Verdict::message`] (kept for the faces that call it).
    pub fn reason(&self) -> Option<String> {
        self.message()
    }
}

/// What the edge hashes for a link, for debugging 403s. The key is shown as `***`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The token kind explained.
    pub kind: TokenKind,
    /// The decoded, normalized path the edge hashes (for directory tokens: the directory);
    /// for stream tokens, `{account}_{id}`.
    pub hashed_path: String,
    /// The expires text that is hashed.
    pub expires: String,
    /// The canonical client IP that is hashed, if any.
    pub ip: Option<String>,
    /// The exact string-to-sign with the key replaced by `***`.
    pub string_to_sign: String,
    /// The token the signing key gives for it.
    pub expected_token: String,
    /// The token found in the link, if any.
    pub found_token: Option<String>,
    /// Whether the found token decodes to the expected digest.
    pub matches: Option<bool>,
}

/// Options for [`Signer::explain`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ExplainOptions<'a> {
    /// Client IP, any valid spelling.
    pub ip: Option<&'a str>,
    /// Token kind.
    pub kind: TokenKind,
    /// Expiry to use when the link has none.
    pub expires: Option<i64>,
}

/// A token with the expiry it was made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedToken {
    /// The 22-character token.
    pub token: String,
    /// The expiry it covers, Unix seconds.
    pub expires: i64,
}

/// The signed URLs of a batch, in input order, held in one string and separated by `'\n'`
/// (a signed URL never contains a newline).
///
/// When dropped, its buffers are kept for the next batch signed on the same thread (at most
/// 4 buffers and 32 MiB per thread, freed with the thread), so that a large batch does not
/// page-fault its output memory in again on every call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignedBatch {
    text: String,
    /// End offset in `text` of each URL; URL `i` starts one byte after URL `i - 1` ends.
    ends: Vec<usize>,
}

impl SignedBatch {
    /// Number of URLs.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True for an empty batch.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`-th signed URL.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        self.text.get(start..end)
    }

    /// The signed URLs in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }

    /// All URLs joined by `'\n'` (no trailing newline).
    pub fn as_joined(&self) -> &str {
        &self.text
    }

    /// The joined text, without copying.
    pub fn into_joined(mut self) -> String {
        std::mem::take(&mut self.text)
    }

    /// Joins the batches of several threads into the first one's buffer.
    fn concat(parts: Vec<SignedBatch>) -> SignedBatch {
        let mut parts = parts.into_iter().filter(|b| !b.is_empty());
        let Some(mut out) = parts.next() else {
            return SignedBatch::default();
        };
        for b in parts {
            out.text.push('\n');
            let base = out.text.len();
            out.text.push_str(&b.text);
            out.ends.extend(b.ends.iter().map(|e| e + base));
        }
        out
    }
}

/// The buffers go back to this thread's pool for the next batch (see `pool`).
impl Drop for SignedBatch {
    fn drop(&mut self) {
        crate::pool::give_text(std::mem::take(&mut self.text).into_bytes());
        crate::pool::give_ends(std::mem::take(&mut self.ends));
    }
}

/// Signs and verifies Secure Token links. Immutable, `Send + Sync`, cheap to share.
#[derive(Clone)]
pub struct Signer {
    keys: Arc<[Key]>,
    clock: Arc<dyn Clock>,
    default_ttl: Option<i64>,
    allow_past: bool,
    max_request_len: usize,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("keys", &self.keys.len())
            .field("default_ttl", &self.default_ttl)
            .field("allow_past", &self.allow_past)
            .field("max_request_len", &self.max_request_len)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Signer`]: rotation keys, clock, default lifetime.
pub struct SignerBuilder {
    keys: Vec<Key>,
    error: Option<Error>,
    clock: Arc<dyn Clock>,
    default_ttl: Option<i64>,
    allow_past: bool,
    max_request_len: usize,
}

impl fmt::Debug for SignerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerBuilder")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl SignerBuilder {
    /// Adds a key that `verify` also accepts (key rotation). Signing always uses the first.
    pub fn verify_key(mut self, key: impl AsRef<[u8]>) -> Self {
        match Key::new(key) {
            Ok(k) => self.keys.push(k),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Replaces the system clock (tests, simulations).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The lifetime used when a call gives neither `expires` nor `ttl`.
    pub fn default_ttl(mut self, seconds: i64) -> Self {
        self.default_ttl = Some(seconds);
        self
    }

    /// Accepts expiries already in the past (off by default: such a link is born dead).
    pub fn allow_past_expiry(mut self, allow: bool) -> Self {
        self.allow_past = allow;
        self
    }

    /// The longest request line the edge reads, `\r\n` included (nginx's
    /// `large_client_header_buffers` size; default [`crate::DEFAULT_MAX_REQUEST_LEN`], 8192).
    /// Signing refuses links whose request line `GET {target} HTTP/1.1\r\n` is longer (the
    /// edge would answer 414); verifying answers [`InvalidReason::UriTooLong`] for them.
    pub fn max_request_len(mut self, bytes: usize) -> Self {
        self.max_request_len = bytes;
        self
    }

    /// Validates everything and builds the signer.
    pub fn build(self) -> Result<Signer> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.keys.len() > MAX_KEYS {
            return Err(Error::Argument {
                name: "keys",
                reason: "at most 16 keys can be held for rotation",
            });
        }
        if let Some(t) = self.default_ttl {
            check_ttl(t, 0)?;
        }
        // The shortest request line is `GET / HTTP/1.1\r\n`.
        if self.max_request_len < request::line_len(1) {
            return Err(Error::Argument {
                name: "max_request_len",
                reason: "must be at least 16 bytes (GET / HTTP/1.1 and CRLF)",
            });
        }
        Ok(Signer {
            keys: self.keys.into(),
            clock: self.clock,
            default_ttl: self.default_ttl,
            allow_past: self.allow_past,
            max_request_len: self.max_request_len,
        })
    }
}

fn check_ttl(ttl: i64, now: i64) -> Result<i64> {
    if ttl <= 0 {
        return Err(Error::TtlNotPositive { value: ttl });
    }
    match now.checked_add(ttl) {
        // A `now` far in the past (negative) gives an expiry the edge reads as malformed.
        Some(e) if e <= 0 => Err(Error::ExpiresNotPositive { value: e }),
        Some(e) if e <= MAX_EXPIRES && ttl <= MAX_EXPIRES => Ok(e),
        _ => Err(Error::TtlTooLarge { value: ttl }),
    }
}

fn check_speed_buffer<'a>(name: &'static str, v: Option<&'a str>) -> Result<&'a str> {
    match v {
        None => Ok(""),
        Some(s) if s.is_empty() || s.len() > 32 => Err(Error::Argument {
            name,
            reason: "must be 1 to 32 characters",
        }),
        Some(s) if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') => {
            Err(Error::Argument {
                name,
                reason: "may contain only letters, digits and '.' (for example 1m or 500k)",
            })
        }
        Some(s) => Ok(s),
    }
}

pub(crate) fn check_stream_ids<'a>(account: &'a str, id: &'a str) -> Result<()> {
    if account.is_empty() || account.len() > 20 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Argument {
            name: "account",
            reason: "must be the numeric account (client) id",
        });
    }
    if id.is_empty()
        || id.len() > 128
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::Argument {
            name: "video or stream id",
            reason: "must be 1 to 128 letters, digits, '-' or '_'",
        });
    }
    Ok(())
}

/// Decimal text of an expiry, held inline, with the value.
#[derive(Clone, Copy, Debug)]
struct Digits {
    value: i64,
    /// `&expires=` and the digits.
    buf: [u8; Digits::PREFIX.len() + 20],
    len: u8,
}

impl Digits {
    const PREFIX: &'static [u8] = b"&expires=";

    #[inline]
    fn new(v: i64) -> Self {
        let mut b = itoa::Buffer::new();
        let s = b.format(v).as_bytes();
        let mut buf = [0u8; Self::PREFIX.len() + 20];
        buf[..Self::PREFIX.len()].copy_from_slice(Self::PREFIX);
        buf[Self::PREFIX.len()..][..s.len()].copy_from_slice(s);
        Digits {
            value: v,
            buf,
            len: (Self::PREFIX.len() + s.len()) as u8,
        }
    }

    /// The digits.
    fn as_bytes(&self) -> &[u8] {
        &self.param()[Self::PREFIX.len()..]
    }

    /// `&expires=` and the digits, as appended to a signed URL.
    fn param(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }
}

/// The expiry of a prepared request.
#[derive(Clone, Copy, Debug)]
enum Expiry {
    /// Checked when prepared (an absolute `expires`, or a `ttl` from a given `now`).
    Fixed(Digits),
    /// A lifetime from the signer's clock, resolved at every call (or batch).
    Ttl(i64),
}

/// Sign options checked once, owned, for any number of calls: the canonical client IP, the
/// token kind, MP4 speed / buffer, and the expiry (fixed, with its digits, or a lifetime
/// resolved per call from the signer's clock). Made by [`Signer::prepare`]; a face makes one
/// per options object and reuses it.
#[derive(Clone, Debug)]
pub struct Prepared {
    kind: TokenKind,
    expiry: Expiry,
    ip: Option<CanonicalIp>,
    speed: String,
    buffer: String,
}

impl Prepared {
    /// The token kind.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The options as one call uses them: the expiry resolved now.
    #[inline]
    fn resolve(&self, clock: &dyn Clock) -> Result<Resolved<'_>> {
        let expires_text = match self.expiry {
            Expiry::Fixed(d) => d,
            Expiry::Ttl(t) => Digits::new(check_ttl(t, clock.now())?),
        };
        Ok(Resolved {
            expires: expires_text.value,
            expires_text,
            ip: self.ip.as_ref().map_or(&b""[..], |i| i.as_bytes()),
            kind: self.kind,
            speed: &self.speed,
            buffer: &self.buffer,
        })
    }
}

/// A [`Prepared`] request as one call (or one batch) uses it.
#[derive(Clone, Copy)]
struct Resolved<'o> {
    expires: i64,
    expires_text: Digits,
    /// The canonical client IP text, or empty.
    ip: &'o [u8],
    kind: TokenKind,
    speed: &'o str,
    buffer: &'o str,
}

impl Resolved<'_> {
    fn ip_bytes(&self) -> &[u8] {
        self.ip
    }

    /// The query-token layout of `path` (a canonical path) with these options.
    #[inline]
    fn layout<'a>(&'a self, path: &'a [u8]) -> Layout<'a> {
        Signer::query_layout(
            self.kind,
            path,
            self.expires_text.as_bytes(),
            self.ip_bytes(),
            self.speed.as_bytes(),
            self.buffer.as_bytes(),
        )
    }
}

impl Signer {
    /// A signer with one key, the system clock and no default lifetime.
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self> {
        Self::builder(key).build()
    }

    /// Starts a builder whose signing key is `key`.
    pub fn builder(key: impl AsRef<[u8]>) -> SignerBuilder {
        let mut b = SignerBuilder {
            keys: Vec::new(),
            error: None,
            clock: Arc::new(SystemClock),
            default_ttl: None,
            allow_past: false,
            max_request_len: request::DEFAULT_MAX_REQUEST_LEN,
        };
        b = b.verify_key(key);
        b
    }

    /// Number of keys held (signing key + rotation keys).
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// The default lifetime, if one was set.
    pub fn default_ttl(&self) -> Option<i64> {
        self.default_ttl
    }

    /// The current time by this signer's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    fn signing_key(&self) -> &[u8] {
        self.keys[0].expose()
    }

    /// Checks an absolute expiry against the CDN's rules.
    pub fn check_expires(&self, expires: i64, now: i64) -> Result<i64> {
        if expires <= 0 {
            return Err(Error::ExpiresNotPositive { value: expires });
        }
        if expires > MAX_EXPIRES {
            return Err(Error::ExpiresMilliseconds { value: expires });
        }
        if !self.allow_past && expires < now {
            return Err(Error::ExpiresInPast { expires, now });
        }
        Ok(expires)
    }

    /// The absolute expiry that `opts` asks for.
    pub fn resolve_expires(&self, opts: &SignOptions<'_>) -> Result<i64> {
        let now = opts.now.unwrap_or_else(|| self.clock.now());
        match (opts.expires, opts.ttl) {
            (Some(_), Some(_)) => Err(Error::ExpiresAndTtl),
            (Some(e), None) => self.check_expires(e, now),
            (None, Some(t)) => check_ttl(t, now),
            (None, None) => match self.default_ttl {
                Some(t) => check_ttl(t, now),
                None => Err(Error::ExpiresMissing),
            },
        }
    }

    /// Checks `opts` once into a request that any number of calls can sign with
    /// ([`Signer::sign_prepared`], [`Signer::sign_many_prepared`], [`Signer::sign_joined`]).
    /// An absolute expiry is checked now (against `opts.now` or the clock); a lifetime without
    /// `now` (or the signer's default lifetime) is checked now and resolved again from the
    /// clock at every call. Stream tokens are refused: they go in the path
    /// ([`Signer::stream_url`]).
    pub fn prepare(&self, opts: &SignOptions<'_>) -> Result<Prepared> {
        if opts.kind == TokenKind::Stream {
            return Err(stream_kind_error());
        }
        self.prepare_any(opts)
    }

    /// [`Signer::prepare`] for any kind (stream tokens hash the same fields).
    #[inline]
    fn prepare_any(&self, opts: &SignOptions<'_>) -> Result<Prepared> {
        let expires = self.resolve_expires(opts)?;
        let ttl = match (opts.expires, opts.ttl, opts.now) {
            (None, Some(t), None) => Some(t),
            (None, None, None) => self.default_ttl,
            _ => None,
        };
        let ip = opts.ip.map(CanonicalIp::parse).transpose()?;
        let (speed, buffer) = if opts.kind == TokenKind::Mp4 {
            (
                check_speed_buffer("speed", opts.speed)?,
                check_speed_buffer("buffer", opts.buffer)?,
            )
        } else if opts.speed.is_some() || opts.buffer.is_some() {
            return Err(Error::Argument {
                name: "speed/buffer",
                reason: "apply to MP4 tokens only (kind mp4)",
            });
        } else {
            ("", "")
        };
        Ok(Prepared {
            kind: opts.kind,
            expiry: match ttl {
                Some(t) => Expiry::Ttl(t),
                None => Expiry::Fixed(Digits::new(expires)),
            },
            ip,
            speed: speed.to_owned(),
            buffer: buffer.to_owned(),
        })
    }

    #[inline]
    fn query_layout<'a>(
        kind: TokenKind,
        path: &'a [u8],
        expires: &'a [u8],
        ip: &'a [u8],
        speed: &'a [u8],
        buffer: &'a [u8],
    ) -> Layout<'a> {
        match kind {
            TokenKind::Mp4 => Layout::Mp4 {
                path,
                expires,
                speed,
                buffer,
                ip,
            },
            TokenKind::Directory => Layout::File {
                expires,
                path: path::directory_of(path),
                ip,
            },
            _ => Layout::File { expires, path, ip },
        }
    }

    /// The low-level call: the file token for an already decoded path, e.g.
    /// `token("/photo.jpeg", 2147483647, None)`. The path is normalized (`//`, `.`, `..`)
    /// as the edge would, but `%` is taken literally.
    pub fn token(&self, path: &str, expires: i64, ip: Option<&str>) -> Result<String> {
        let opts = SignOptions {
            expires: Some(expires),
            ip,
            ..Default::default()
        };
        Ok(self.token_with(path, &opts)?.token)
    }

    /// The token of any query-token kind (`File`, `Directory`, `Mp4`) for a decoded path.
    pub fn token_with(&self, path: &str, opts: &SignOptions<'_>) -> Result<SignedToken> {
        let prepared = self.prepare(opts)?;
        let p = prepared.resolve(&*self.clock)?;
        let mut buf = PathBytes::new();
        let (canon, _) = path::canonical(path.as_bytes(), PathInput::Decoded, &mut buf)?;
        let digest = p.layout(canon).digest(self.signing_key());
        Ok(SignedToken {
            token: token_str(&encode_token(&digest)).to_owned(),
            expires: p.expires,
        })
    }

    /// Signs a URL (absolute, scheme-relative or path-and-query). Scheme, host, port, other
    /// query parameters and fragment are kept; old `md5`/`expires` (and for MP4
    /// `speed`/`buffer`) parameters are removed in any case; the path is emitted
    /// percent-encoded so that the edge decodes it back to exactly the bytes hashed.
    pub fn sign_url(&self, url: &str, opts: &SignOptions<'_>) -> Result<String> {
        self.sign_prepared(url, &self.prepare(opts)?)
    }

    /// [`Signer::sign_url`] with options checked once by [`Signer::prepare`].
    pub fn sign_prepared(&self, url: &str, p: &Prepared) -> Result<String> {
        let p = p.resolve(&*self.clock)?;
        let p = &p;
        let parts = url::split(url)?;
        let mut buf = PathBytes::new();
        let (canon, verbatim, digest) = self.link_digest(&parts, &mut buf, p)?;
        assemble(&parts, canon, verbatim, &digest, p, self.max_request_len)
    }

    /// The canonical path of one link and its digest, one message at a time: what
    /// `sign_url` hashes, and what a batch hashes for groups too small for the lanes.
    #[inline]
    fn link_digest<'a>(
        &self,
        parts: &UrlParts<'a>,
        buf: &'a mut PathBytes,
        p: &Resolved<'_>,
    ) -> Result<(&'a [u8], bool, [u8; 16])> {
        let (canon, verbatim) = url_path(parts, buf)?;
        let digest = p.layout(canon).digest(self.signing_key());
        Ok((canon, verbatim, digest))
    }

    /// Signs many URLs with the same options. Fails on the first bad URL, saying which.
    /// Large batches are hashed several messages at a time and spread over the cores.
    pub fn sign_many<S: AsRef<str> + Sync>(
        &self,
        urls: &[S],
        opts: &SignOptions<'_>,
    ) -> Result<Vec<String>, BatchError> {
        let p = self.prepare(opts).map_err(at_index_0)?;
        self.sign_batch::<S, Vec<String>>(urls, &p)
    }

    /// Like [`Signer::sign_many`], but the signed URLs come back in one buffer, separated by
    /// `'\n'`: no allocation per URL, for faces that hand the batch over as one string.
    pub fn sign_many_joined<S: AsRef<str> + Sync>(
        &self,
        urls: &[S],
        opts: &SignOptions<'_>,
    ) -> Result<SignedBatch, BatchError> {
        let p = self.prepare(opts).map_err(at_index_0)?;
        self.sign_many_prepared(urls, &p)
    }

    /// [`Signer::sign_many_joined`] with options checked once by [`Signer::prepare`].
    pub fn sign_many_prepared<S: AsRef<str> + Sync>(
        &self,
        urls: &[S],
        p: &Prepared,
    ) -> Result<SignedBatch, BatchError> {
        self.sign_batch::<S, Joined>(urls, p)
    }

    /// The one joined-text batch protocol: `text` holds URLs separated by the byte `sep`
    /// (`b'\n'` usually; an ASCII control byte, which no signable URL contains). Split as
    /// [`str::lines`] splits at `'\n'`: an empty text is no URLs, a trailing separator is
    /// not an extra empty URL, `"a\n\nb"` has an empty one (which fails). The signed URLs come
    /// back joined by `'\n'` ([`SignedBatch::as_joined`]); an `Err` carries the zero-based
    /// index of the failing URL (0 for a bad `sep` or options error).
    pub fn sign_joined(
        &self,
        text: &str,
        sep: u8,
        p: &Prepared,
    ) -> Result<SignedBatch, BatchError> {
        if !sep.is_ascii_control() {
            return Err(at_index_0(Error::Argument {
                name: "sep",
                reason: "must be an ASCII control byte such as '\\n'",
            }));
        }
        let urls = split_joined(text, sep);
        self.sign_many_prepared(&urls, p)
    }

    /// Signs `urls` in one or more slices (one per core for large batches) into sinks of
    /// kind `K`, each filled on the thread that signed its slice, then joined in order.
    fn sign_batch<S, K>(&self, urls: &[S], p: &Prepared) -> Result<K::Output, BatchError>
    where
        S: AsRef<str> + Sync,
        K: Sink,
    {
        let p = p.resolve(&*self.clock).map_err(at_index_0)?;
        // The core count is asked only for large batches: the call reads cgroup files and
        // costs tens of µs.
        let threads = if urls.len() < PARALLEL_BATCH {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        };
        if threads < 2 {
            let mut sink = K::for_slice(urls.len(), false);
            self.sign_chunk(urls, 0, &p, &mut sink)?;
            return Ok(sink.finish());
        }
        let per = urls.len().div_ceil(threads);
        let mut slices = urls.chunks(per);
        let first = slices.next().unwrap_or_default();
        // The first sink receives the whole batch (the workers' are appended to it); made
        // before the workers make theirs.
        let mut mine = K::for_slice(urls.len(), true);
        let results: Vec<Result<K, BatchError>> = std::thread::scope(|s| {
            // One thread fewer to start: this thread signs the first slice, into the
            // sink that receives the others' at the end.
            let handles: Vec<_> = slices
                .enumerate()
                .map(|(i, chunk)| {
                    let p = &p;
                    let mut sink = K::for_slice(chunk.len(), false);
                    s.spawn(move || {
                        self.sign_chunk(chunk, (i + 1) * per, p, &mut sink)
                            .map(|()| sink)
                    })
                })
                .collect();
            let mine = self.sign_chunk(first, 0, &p, &mut mine).map(|()| mine);
            std::iter::once(mine)
                .chain(handles.into_iter().map(|h| {
                    // A worker can only fail by panicking (a bug): pass the panic on to
                    // the caller, whose FFI boundary catches it.
                    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
                }))
                .collect()
        });
        Ok(K::concat(results.into_iter().collect::<Result<_, _>>()?))
    }

    /// Signs `urls` on this thread into `sink`. The one batching policy: groups of
    /// [`LANES`] messages go through the multi-buffer MD5 with lanes sized to the group; a
    /// group smaller than [`MIN_LANES`] (a small batch, or the tail of a large one) is
    /// hashed link by link through [`Signer::link_digest`], as `sign_url` does, since the
    /// lanes' setup costs more than they save there.
    fn sign_chunk<S: AsRef<str>, K: Sink>(
        &self,
        urls: &[S],
        base_index: usize,
        p: &Resolved<'_>,
        sink: &mut K,
    ) -> Result<(), BatchError> {
        let key = self.signing_key();
        let max = self.max_request_len;
        let lanes = urls.len().min(LANES);
        let mut lane = (lanes >= MIN_LANES).then(|| Lanes::new(lanes));

        for (c, chunk) in urls.chunks(LANES).enumerate() {
            let at = |j: usize| base_index + c * LANES + j;
            let Some(l) = lane.as_mut().filter(|_| chunk.len() >= MIN_LANES) else {
                let mut buf = PathBytes::new();
                for (j, u) in chunk.iter().enumerate() {
                    let fail = |error| BatchError {
                        index: at(j),
                        error,
                    };
                    let parts = url::split(u.as_ref()).map_err(fail)?;
                    let (canon, verbatim, digest) =
                        self.link_digest(&parts, &mut buf, p).map_err(fail)?;
                    sink.put(&parts, canon, verbatim, &digest, p, max)
                        .map_err(fail)?;
                }
                continue;
            };
            let mut parts: smallvec::SmallVec<[UrlParts<'_>; LANES]> = smallvec::SmallVec::new();
            let mut all_short = true;
            for (j, u) in chunk.iter().enumerate() {
                let fail = |error| BatchError {
                    index: at(j),
                    error,
                };
                let pr = url::split(u.as_ref()).map_err(fail)?;
                let (canon, v) = url_path(&pr, &mut l.paths[j]).map_err(fail)?;
                l.verbatim[j] = v;
                if all_short {
                    match p.layout(canon).write_short(key, &mut l.short_bufs[j]) {
                        Some(n) => l.short_lens[j] = n,
                        None => all_short = false,
                    }
                }
                parts.push(pr);
            }
            let n = chunk.len();
            let (paths, verbatim) = (&l.paths, &l.verbatim);
            let canon = |j: usize| -> &[u8] {
                if verbatim[j] {
                    parts[j].path_or_root().as_bytes()
                } else {
                    &paths[j][..]
                }
            };
            if all_short {
                crate::multi_md5::md5_short_many(
                    &mut l.short_bufs[..n],
                    &l.short_lens[..n],
                    &mut l.digests[..n],
                );
            } else {
                l.arena.clear();
                let mut bounds = [(0usize, 0usize); LANES];
                for (j, bound) in bounds[..n].iter_mut().enumerate() {
                    let start = l.arena.len();
                    p.layout(canon(j)).write(key, &mut l.arena);
                    *bound = (start, l.arena.len());
                }
                let msgs: smallvec::SmallVec<[&[u8]; LANES]> =
                    bounds[..n].iter().map(|&(s, e)| &l.arena[s..e]).collect();
                crate::multi_md5::md5_many(&msgs, &mut l.digests[..n]);
            }
            for j in 0..n {
                sink.put(&parts[j], canon(j), verbatim[j], &l.digests[j], p, max)
                    .map_err(|error| BatchError {
                        index: at(j),
                        error,
                    })?;
            }
        }
        Ok(())
    }

    /// A Video Streaming path token: `{account}_{id}_{key}_{expires}_{ip}` → token.
    pub fn stream_token(
        &self,
        account: &str,
        id: &str,
        opts: &SignOptions<'_>,
    ) -> Result<SignedToken> {
        check_stream_ids(account, id)?;
        let prepared = self.prepare_any(&SignOptions {
            kind: TokenKind::File,
            ..*opts
        })?;
        let p = prepared.resolve(&*self.clock)?;
        let digest = Layout::Stream {
            account: account.as_bytes(),
            id: id.as_bytes(),
            expires: p.expires_text.as_bytes(),
            ip: p.ip_bytes(),
        }
        .digest(self.signing_key());
        Ok(SignedToken {
            token: token_str(&encode_token(&digest)).to_owned(),
            expires: p.expires,
        })
    }

    /// A Video Streaming link: `{base}/{prefix}/{account}_{id}/{token}/{expires}/{file}`.
    /// `base` is `""` for a path, or `https://host`; `file` defaults to the kind's manifest.
    pub fn stream_url(
        &self,
        base: &str,
        stream: StreamKind,
        account: &str,
        id: &str,
        file: Option<&str>,
        opts: &SignOptions<'_>,
    ) -> Result<String> {
        let base = base.trim_end_matches('/');
        if !base.is_empty() {
            let parts = url::split(base)?;
            if !parts.path.is_empty() || parts.query.is_some() || !parts.fragment.is_empty() {
                return Err(Error::Url {
                    reason: "base must be scheme://host[:port] without a path",
                });
            }
        }
        let file = file.unwrap_or(stream.default_file());
        let mut file_canon = PathBytes::new();
        if file.is_empty() || file.starts_with('/') {
            return Err(Error::Argument {
                name: "file",
                reason: "must be a relative file name such as master.m3u8",
            });
        }
        // Validates the file name as a path (no `..` escaping, no control characters).
        let mut probe = String::with_capacity(file.len() + 1);
        probe.push('/');
        probe.push_str(file);
        path::canonicalize(probe.as_bytes(), PathInput::Decoded, &mut file_canon)?;
        let t = self.stream_token(account, id, opts)?;
        // The whole path, not only the file name, must stay within the limit that `verify`
        // applies to requests, or the link would be refused as a bad request.
        let path_len = 1
            + stream.prefix().len()
            + 1
            + account.len()
            + 1
            + id.len()
            + 1
            + t.token.len()
            + 1
            + itoa::Buffer::new().format(t.expires).len()
            + file_canon.len();
        if path_len > path::MAX_PATH_LEN {
            return Err(Error::PathTooLong {
                len: path_len,
                max: path::MAX_PATH_LEN,
            });
        }
        let mut out = String::with_capacity(base.len() + 64 + id.len() + file.len() * 3);
        out.push_str(base);
        out.push('/');
        out.push_str(stream.prefix());
        out.push('/');
        out.push_str(account);
        out.push('_');
        out.push_str(id);
        out.push('/');
        out.push_str(&t.token);
        out.push('/');
        out.push_str(itoa::Buffer::new().format(t.expires));
        let mut tail = Vec::with_capacity(file_canon.len() * 3);
        path::encode_into(&file_canon, &mut tail);
        out.push_str(&into_string(tail));
        check_request_len(out.len() - base.len(), self.max_request_len)?;
        Ok(out)
    }

    /// Checks a link I hold (an absolute URL or a path-and-query, as [`Signer::sign_url`]
    /// takes it) as the edge would judge the request a browser makes for it. A link that starts
    /// with `//` is a path, as the edge reads such a request target (`//private/x.jpg` is
    /// `/private/x.jpg`), never a scheme-relative URL with a host. A fragment is not sent, so
    /// it is ignored. Errors are for bad arguments (a malformed client IP); everything about the
    /// link itself is a [`Verdict`].
    ///
    /// For what a server received, use [`Signer::verify_request`].
    pub fn verify(&self, url: &str, opts: &VerifyOptions<'_>) -> Result<Verdict> {
        let ip = opts.ip.map(CanonicalIp::parse).transpose()?;
        let ip = ip.as_ref().map_or(&b""[..], |i| i.as_bytes());
        let parts = match url::split(url) {
            Ok(p) => p,
            // Longer than any URL taken (32 KiB): far over any request line limit too.
            Err(Error::UrlTooLong { .. }) => {
                return Ok(Verdict::Invalid(InvalidReason::UriTooLong))
            }
            Err(e) => return Ok(Verdict::Invalid(InvalidReason::BadRequest(e))),
        };
        // The target a browser sends: path and query, with what it escapes (spaces, bytes
        // >= 0x80, ...) counted as escapes.
        let target_len =
            url::sent_len(parts.path_or_root()) + parts.query.map_or(0, |q| 1 + url::sent_len(q));
        if request::line_len(target_len) > self.max_request_len {
            return Ok(Verdict::Invalid(InvalidReason::UriTooLong));
        }
        let mut canon = PathBytes::new();
        if let Err(e) = path::canonicalize(
            parts.path_or_root().as_bytes(),
            PathInput::Request,
            &mut canon,
        ) {
            return Ok(Verdict::Invalid(InvalidReason::BadRequest(e)));
        }
        let query = parts.query.unwrap_or("").as_bytes();
        Ok(self.judge(&canon, query, ip, opts))
    }

    /// Judges what a server received: the request target of the request line, as bytes,
    /// exactly as nginx 1.22 reads it (see the table in the crate's `request` module docs):
    /// origin form (`/path?query`; a leading `//` is part of the path) or absolute form
    /// (`http://host/path?query`). Raw bytes >= 0x80 are hashed as they are, valid UTF-8 or
    /// not. Never fails and never panics: a target nginx answers 400 to is
    /// `Invalid(BadRequest)`, one whose request line `GET {target} HTTP/1.1\r\n` is longer
    /// than [`SignerBuilder::max_request_len`] is `Invalid(UriTooLong)` (414), a malformed
    /// `opts.ip` is `Invalid(BadClientIp)`.
    pub fn verify_request(&self, target: &[u8], opts: &VerifyOptions<'_>) -> Verdict {
        let t = match request::read(target, self.max_request_len) {
            Ok(t) => t,
            Err(Refusal::TooLong) => return Verdict::Invalid(InvalidReason::UriTooLong),
            Err(Refusal::Bad(e)) => return Verdict::Invalid(InvalidReason::BadRequest(e)),
        };
        let mut canon = PathBytes::new();
        if let Err(e) = path::canonicalize(t.path, PathInput::Request, &mut canon) {
            return Verdict::Invalid(InvalidReason::BadRequest(e));
        }
        self.judge_with_ip(&canon, t.query.unwrap_or(b""), opts)
    }

    /// Like [`Signer::verify_request`], for frameworks that hand over only the
    /// percent-decoded path (WSGI `PATH_INFO` as its raw bytes:
    /// `environ["PATH_INFO"].encode("latin-1")`) and the raw, undecoded query string. The
    /// path is normalized as the edge does (`//` merged, dot segments resolved; `%` is an
    /// ordinary byte here); `%00` (a NUL byte), `..` above the root, a path not starting with
    /// `/` and spaces or control bytes in the query are 400s; an empty path is `/`. The 414
    /// check uses the shortest target a client can have sent for them (bytes that must be
    /// escaped counted as `%XX`). Same verdicts as [`Signer::verify_request`].
    pub fn verify_decoded(&self, path: &[u8], query: &[u8], opts: &VerifyOptions<'_>) -> Verdict {
        if request::line_len(request::min_target_len(path, query)) > self.max_request_len {
            return Verdict::Invalid(InvalidReason::UriTooLong);
        }
        if let Err(Refusal::Bad(e)) = request::check_raw_query(query) {
            return Verdict::Invalid(InvalidReason::BadRequest(e));
        }
        let path = if path.is_empty() { &b"/"[..] } else { path };
        let mut canon = PathBytes::new();
        if let Err(e) = path::canonicalize(path, PathInput::DecodedRequest, &mut canon) {
            return Verdict::Invalid(InvalidReason::BadRequest(e));
        }
        let query = memchr::memchr(b'#', query).map_or(query, |h| &query[..h]);
        self.judge_with_ip(&canon, query, opts)
    }

    /// [`Signer::judge`] with `opts.ip` parsed; a malformed one is a verdict.
    fn judge_with_ip(&self, canon: &[u8], query: &[u8], opts: &VerifyOptions<'_>) -> Verdict {
        let ip = match opts.ip.map(CanonicalIp::parse).transpose() {
            Ok(ip) => ip,
            Err(_) => return Verdict::Invalid(InvalidReason::BadClientIp),
        };
        let ip = ip.as_ref().map_or(&b""[..], |i| i.as_bytes());
        self.judge(canon, query, ip, opts)
    }

    /// The verdict for the canonical path `canon` and the raw query `query` (`$args`):
    /// the one place where a token is checked.
    fn judge(&self, canon: &[u8], query: &[u8], ip: &[u8], opts: &VerifyOptions<'_>) -> Verdict {
        let now = opts.now.unwrap_or_else(|| self.clock.now());
        let found = match opts.kind {
            TokenKind::Stream => match stream_fields(canon) {
                Some(f) => f,
                None => return Verdict::Invalid(InvalidReason::NotAStreamPath),
            },
            _ => {
                let token = url::arg_bytes(query, b"md5").ok_or(InvalidReason::MissingToken);
                let expires =
                    url::arg_bytes(query, b"expires").ok_or(InvalidReason::MissingExpires);
                match (token, expires) {
                    (Ok(t), Ok(e)) => Found::Query {
                        token: t,
                        expires: e,
                        speed: url::arg_bytes(query, b"speed").unwrap_or(b""),
                        buffer: url::arg_bytes(query, b"buffer").unwrap_or(b""),
                    },
                    (Err(r), _) | (_, Err(r)) => return Verdict::Invalid(r),
                }
            }
        };
        let (token_text, expires_text) = found.token_and_expires();
        let Some(expires) = parse_expires(expires_text) else {
            return Verdict::Invalid(InvalidReason::MalformedExpires);
        };
        let Some(wanted) = decode_token(token_text) else {
            return Verdict::Invalid(InvalidReason::MalformedToken);
        };
        let layout = found.layout(opts.kind, canon, ip);
        let mut matched = None;
        for (i, key) in self.keys.iter().enumerate() {
            let d = layout.digest(key.expose());
            // Every key is tried, so the time taken does not say which one matched.
            if bool::from(d.ct_eq(&wanted)) && matched.is_none() {
                matched = Some(i);
            }
        }
        match matched {
            None => Verdict::Invalid(InvalidReason::Mismatch),
            Some(key_index) if expires < now => Verdict::Expired { expires, key_index },
            Some(key_index) => Verdict::Valid { expires, key_index },
        }
    }

    /// Shows what the edge hashes for `url` and the token the signing key gives. The
    /// expiry is the link's own `expires` if it has one, else `opts.expires`.
    pub fn explain(&self, url: &str, opts: &ExplainOptions<'_>) -> Result<Explanation> {
        let parts = url::split(url)?;
        let mut canon = PathBytes::new();
        path::canonicalize(
            parts.path_or_root().as_bytes(),
            PathInput::Encoded,
            &mut canon,
        )?;
        self.explain_canon(&canon, parts.query.unwrap_or("").as_bytes(), opts)
    }

    /// [`Signer::explain`] for what a server received: the request target bytes read
    /// exactly as [`Signer::verify_request`] reads them (`//private/x.jpg` is the path
    /// `/private/x.jpg`, absolute form carries a host). A target the edge answers 400 or 414
    /// to is an error ([`Error::RequestTooLong`] for 414) saying why.
    pub fn explain_request(&self, target: &[u8], opts: &ExplainOptions<'_>) -> Result<Explanation> {
        let t = match request::read(target, self.max_request_len) {
            Ok(t) => t,
            Err(Refusal::TooLong) => {
                return Err(Error::RequestTooLong {
                    len: request::line_len(target.len()),
                    max: self.max_request_len,
                })
            }
            Err(Refusal::Bad(e)) => return Err(e),
        };
        let mut canon = PathBytes::new();
        path::canonicalize(t.path, PathInput::Request, &mut canon)?;
        self.explain_canon(&canon, t.query.unwrap_or(b""), opts)
    }

    /// The explanation for the canonical path `canon` and the raw query `q`.
    fn explain_canon(
        &self,
        canon: &[u8],
        q: &[u8],
        opts: &ExplainOptions<'_>,
    ) -> Result<Explanation> {
        if let Some(e) = opts.expires.filter(|&e| e <= 0) {
            return Err(Error::ExpiresNotPositive { value: e });
        }
        let ip_c = opts.ip.map(CanonicalIp::parse).transpose()?;
        let ip = ip_c.as_ref().map_or(&b""[..], |i| i.as_bytes());
        let mut given = itoa::Buffer::new();
        let given_expires = opts.expires.map(|e| given.format(e).as_bytes());
        let found = match opts.kind {
            TokenKind::Stream => stream_fields(canon).ok_or(Error::Url {
                reason: "is not a Video Streaming path (/{videos|cmaf|mpegts|streams}/{account}_{id}/{token}/{expires}/...)",
            })?,
            _ => Found::Query {
                token: url::arg_bytes(q, b"md5").unwrap_or(b""),
                expires: match url::arg_bytes(q, b"expires") {
                    Some(e) => e,
                    None => given_expires.ok_or(Error::ExpiresMissing)?,
                },
                speed: url::arg_bytes(q, b"speed").unwrap_or(b""),
                buffer: url::arg_bytes(q, b"buffer").unwrap_or(b""),
            },
        };
        let (token_text, expires_text) = found.token_and_expires();
        let layout = found.layout(opts.kind, canon, ip);
        let mut shown = Vec::with_capacity(layout.len(b"***"));
        layout.write(b"***", &mut shown);
        let digest = layout.digest(self.signing_key());
        let expected = encode_token(&digest);
        let found_token =
            (!token_text.is_empty()).then(|| String::from_utf8_lossy(token_text).into_owned());
        let matches = found_token
            .as_ref()
            .map(|t| decode_token(t).is_some_and(|d| bool::from(d.ct_eq(&digest))));
        let hashed_path = match layout {
            Layout::File { path, .. } | Layout::Mp4 { path, .. } => {
                String::from_utf8_lossy(path).into_owned()
            }
            Layout::Stream { account, id, .. } => format!(
                "{}_{}",
                String::from_utf8_lossy(account),
                String::from_utf8_lossy(id)
            ),
        };
        Ok(Explanation {
            kind: opts.kind,
            hashed_path,
            expires: String::from_utf8_lossy(expires_text).into_owned(),
            ip: ip_c.map(|i| i.as_str().to_owned()),
            string_to_sign: String::from_utf8_lossy(&shown).into_owned(),
            expected_token: token_str(&expected).to_owned(),
            found_token,
            matches,
        })
    }
}

/// The canonical path of a URL being signed: the URL's own path when the split found it
/// clean, else decoded and normalized into `buf`. The flag says the path is used verbatim.
fn url_path<'a>(parts: &UrlParts<'a>, buf: &'a mut PathBytes) -> Result<(&'a [u8], bool)> {
    if parts.path_clean {
        Ok((parts.path_or_root().as_bytes(), true))
    } else {
        path::canonical(parts.path_or_root().as_bytes(), PathInput::Encoded, buf)
    }
}

/// An error about the batch as a whole (options, separator): reported at index 0.
fn at_index_0(error: Error) -> BatchError {
    BatchError { index: 0, error }
}

/// The URLs of a joined text, split at `sep` as [`str::lines`] splits at `'\n'`. `sep` is
/// ASCII, so every piece is a `&str`.
fn split_joined(text: &str, sep: u8) -> Vec<&str> {
    let body = text.strip_suffix(char::from(sep)).unwrap_or(text);
    if text.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(memchr::memchr_iter(sep, body.as_bytes()).count() + 1);
    let mut start = 0;
    for at in memchr::memchr_iter(sep, body.as_bytes()) {
        out.push(&body[start..at]);
        start = at + 1;
    }
    out.push(&body[start..]);
    out
}

fn stream_kind_error() -> Error {
    Error::Argument {
        name: "kind",
        reason: "stream tokens go in the path: use stream_url",
    }
}

/// Token and expiry found in a request, and the fields they are hashed with.
enum Found<'a> {
    Query {
        token: &'a [u8],
        expires: &'a [u8],
        speed: &'a [u8],
        buffer: &'a [u8],
    },
    Stream {
        account: &'a [u8],
        id: &'a [u8],
        token: &'a [u8],
        expires: &'a [u8],
    },
}

impl<'a> Found<'a> {
    fn token_and_expires(&self) -> (&'a [u8], &'a [u8]) {
        match *self {
            Found::Query { token, expires, .. } | Found::Stream { token, expires, .. } => {
                (token, expires)
            }
        }
    }

    fn layout(&self, kind: TokenKind, path: &'a [u8], ip: &'a [u8]) -> Layout<'a> {
        match *self {
            Found::Query {
                expires,
                speed,
                buffer,
                ..
            } => Signer::query_layout(kind, path, expires, ip, speed, buffer),
            Found::Stream {
                account,
                id,
                expires,
                ..
            } => Layout::Stream {
                account,
                id,
                expires,
                ip,
            },
        }
    }
}

/// Splits `/{prefix}/{account}_{id}/{token}/{expires}/...` (at least one segment after the
/// expiry, as the edge serves files there).
fn stream_fields(path: &[u8]) -> Option<Found<'_>> {
    let mut segs = path[1..].split(|&b| b == b'/');
    let prefix = segs.next()?;
    StreamKind::from_prefix(prefix)?;
    let name = segs.next()?;
    let token = segs.next()?;
    let expires = segs.next()?;
    segs.next()?;
    let us = name.iter().position(|&b| b == b'_')?;
    let (account, id) = (&name[..us], &name[us + 1..]);
    if account.is_empty() || id.is_empty() || !account.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(Found::Stream {
        account,
        id,
        token,
        expires,
    })
}

/// The query parameters of the input that the signed URL keeps.
fn kept_params<'a>(parts: &UrlParts<'a>, kind: TokenKind) -> impl Iterator<Item = &'a str> + Clone {
    let strip: &'static [&'static str] = if kind == TokenKind::Mp4 {
        &["md5", "expires", "speed", "buffer"]
    } else {
        &["md5", "expires"]
    };
    parts
        .query
        .unwrap_or("")
        .split('&')
        .filter(move |q| !q.is_empty() && !url::is_named(q, strip))
}

/// The signed URL as one `String`, allocated once: the capacity is an upper bound found
/// from lengths alone (escaping at most triples a byte), without a pass over the text.
fn assemble(
    parts: &UrlParts<'_>,
    canon: &[u8],
    verbatim: bool,
    digest: &[u8; 16],
    p: &Resolved<'_>,
    max_request_len: usize,
) -> Result<String> {
    let cap = parts.origin.len()
        + canon.len() * if verbatim { 1 } else { 3 }
        + 1
        + parts.query.map_or(0, |q| q.len() * 3 + 1)
        + "md5=".len()
        + TOKEN_LEN
        + p.expires_text.param().len()
        + "&speed=".len()
        + p.speed.len()
        + "&buffer=".len()
        + p.buffer.len()
        + parts.fragment.len() * 3;
    let mut out = Vec::with_capacity(cap);
    let target = write_signed(parts, canon, verbatim, digest, p, &mut out);
    debug_assert!(out.len() <= cap);
    check_request_len(target, max_request_len)?;
    Ok(into_string(out))
}

/// Refuses a signed link whose request line the edge would answer 414 to.
#[inline]
fn check_request_len(target_len: usize, max: usize) -> Result<()> {
    let len = request::line_len(target_len);
    if len > max {
        return Err(Error::RequestTooLong { len, max });
    }
    Ok(())
}

/// Appends the signed URL: origin, encoded path, kept query, new parameters, fragment.
/// `verbatim` says the canonical path is the URL's own path text and needs no escaping.
/// Returns the length of the request target (path and query) it wrote.
fn write_signed(
    parts: &UrlParts<'_>,
    canon: &[u8],
    verbatim: bool,
    digest: &[u8; 16],
    p: &Resolved<'_>,
    out: &mut Vec<u8>,
) -> usize {
    out.extend_from_slice(parts.origin.as_bytes());
    let target_start = out.len();
    if verbatim {
        out.extend_from_slice(parts.path_or_root().as_bytes());
    } else {
        path::encode_into(canon, out);
    }
    if parts.query.is_some_and(|q| !q.is_empty()) {
        out.push(b'?');
        for q in kept_params(parts, p.kind) {
            url::push_query_text(q, out);
            out.push(b'&');
        }
        out.extend_from_slice(b"md5=");
    } else {
        out.extend_from_slice(b"?md5=");
    }
    let at = out.len();
    out.resize(at + TOKEN_LEN, 0);
    let token: &mut [u8; TOKEN_LEN] = (&mut out[at..]).try_into().expect("TOKEN_LEN bytes");
    encode_token_into(digest, token);
    out.extend_from_slice(p.expires_text.param());
    if !p.speed.is_empty() {
        out.extend_from_slice(b"&speed=");
        out.extend_from_slice(p.speed.as_bytes());
    }
    if !p.buffer.is_empty() {
        out.extend_from_slice(b"&buffer=");
        out.extend_from_slice(p.buffer.as_bytes());
    }
    let target_len = out.len() - target_start;
    if !parts.fragment.is_empty() {
        url::push_query_text(parts.fragment, out);
    }
    target_len
}

/// A signed URL (or a batch of them) as a `String`, without a second pass over it.
///
/// Everything written into `out` is either a whole `&str` or a slice of one cut at ASCII bytes
/// (origin, verbatim path, speed, buffer: `url::split` cuts only at `/ ? #` and the like), or
/// ASCII: percent escapes, with every byte >= 0x80 escaped by `path::encode_into` and
/// `url::push_query_text` (so the runs they copy between escapes are ASCII too), the
/// base64url token, the digits, the `'\n'` between batch items. Validating it again cost ~10
/// ns per `sign_url` (about 4% of a call; measured), largely a store-forwarding stall on the
/// token bytes just written. Debug builds, so every test and every fuzz build, still check.
fn into_string(out: Vec<u8>) -> String {
    debug_assert!(
        std::str::from_utf8(&out).is_ok(),
        "a signed URL is not UTF-8"
    );
    // SAFETY: `out` is valid UTF-8 by construction, as laid out above.
    unsafe { String::from_utf8_unchecked(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_md5_matches_the_md5_crate() {
        for len in 0..=SHORT_MESSAGE {
            let msg: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let mut buf = [0u8; 128];
            buf[..len].copy_from_slice(&msg);
            let want: [u8; 16] = Md5::digest(&msg).into();
            assert_eq!(md5_padded(&mut buf, len), want, "length {len}");
        }
    }

    /// `into_string` trusts the writers to produce UTF-8: non-ASCII in every part of a URL,
    /// signed one by one and in a batch, must come out valid (debug builds also assert it
    /// inside `into_string`) and decode back to the input's text.
    #[test]
    fn signed_urls_are_utf8_whatever_the_input() {
        let signer = Signer::new("utf8-test-key").unwrap();
        let urls = [
            "https://bücher.example/straße/ä ö.jpg?q=ü&x=€&md5=old#frag-ß",
            "//ホスト.example/パス/ファイル.mp4?名前=値#断片",
            "/a/é/../ü%20b/😀.png?😀=😀",
            "/plain/path.ts",
            "https://h.example/x?%C3%A9=%FF#%zz é",
        ];
        for kind in [TokenKind::File, TokenKind::Directory, TokenKind::Mp4] {
            let opts = SignOptions {
                expires: Some(2_000_000_000),
                now: Some(1_700_000_000),
                kind,
                speed: (kind == TokenKind::Mp4).then_some("1m"),
                ..Default::default()
            };
            let batch = signer.sign_many_joined(&urls, &opts).unwrap();
            for (u, b) in urls.iter().zip(batch.iter()) {
                let one = signer.sign_url(u, &opts).unwrap();
                assert!(std::str::from_utf8(one.as_bytes()).is_ok(), "{u}");
                assert_eq!(one, b, "{u}");
                // Host (origin) text is kept as it was; everything else non-ASCII is escaped.
                let origin_end = one.find("//").map_or(0, |i| {
                    i + 2 + one[i + 2..].find('/').unwrap_or(one.len() - i - 2)
                });
                assert!(one[origin_end..].is_ascii(), "{one}");
            }
        }
    }

    #[test]
    fn expiry_digits_are_the_decimal_text() {
        for v in [1, 2_147_483_647, 99, 100, 100_000_000_000, 7, i64::MAX] {
            let d = Digits::new(v);
            assert_eq!(d.as_bytes(), v.to_string().as_bytes(), "{v}");
            assert_eq!(d.param(), format!("&expires={v}").as_bytes(), "{v}");
            assert_eq!(d.value, v);
        }
    }

    #[test]
    fn token_encoding_matches_the_base64_crate() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine as _;
        let mut d = [0u8; 16];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..20_000 {
            for (i, b) in d.iter_mut().enumerate() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = match round {
                    0 => 0,
                    1 => 0xff,
                    2 => i as u8 * 17,
                    _ => x as u8,
                };
            }
            let want = URL_SAFE_NO_PAD.encode(d);
            assert_eq!(token_str(&encode_token(&d)), want);
            assert_eq!(decode_token(&want), Some(d));
        }
    }

    #[test]
    fn decode_token_follows_nginx() {
        let t = "DMF1ucDxtHCxwYQAAAAAAA";
        assert!(decode_token(t).is_some());
        assert!(decode_token("DMF1ucDxtHCxwYQ").is_none());
        assert!(decode_token(format!("{t}==")).is_some());
        assert!(decode_token(format!("{t}=!")).is_some());
        assert!(decode_token(format!("{t}===")).is_none());
        assert!(decode_token("DMF1ucDxtHCxwYQAAAAA+A").is_none());
        assert!(decode_token("DMF1ucDxtHCxwYQAAAAAA").is_none());
        assert!(decode_token("DMF1ucDxtHCxwYQAAAAAAAA").is_none());
        // Padding bits of the last character are not significant.
        assert_eq!(
            decode_token("AAAAAAAAAAAAAAAAAAAAAA"),
            decode_token("AAAAAAAAAAAAAAAAAAAAAD")
        );
    }

    #[test]
    fn parse_expires_follows_nginx() {
        assert_eq!(parse_expires("000123"), Some(123));
        assert_eq!(parse_expires("0"), None);
        assert_eq!(parse_expires(""), None);
        assert_eq!(parse_expires("-1"), None);
        assert_eq!(parse_expires("+1"), None);
        assert_eq!(parse_expires(" 1"), None);
        assert_eq!(parse_expires("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_expires("9223372036854775808"), None);
    }
}
