//! A thin IO adapter in front of hyper that keeps the raw request target.
//!
//! hyper's `Uri` refuses bytes >= 0x80 in a request target (nginx serves them, 200/410 by the
//! token) and never shows the target's raw bytes, which are what the edge hashes. So every
//! HTTP/1.x request head is read here first: the request line is split as nginx splits it,
//! the headers are parsed with `httparse`, and hyper is handed a rewritten head whose target
//! is `/` and which carries the raw target, hex-encoded, in [`TARGET_HEADER`]. Any header of
//! that name (or [`ERROR_HEADER`]) a client sends is dropped, so a client can never set them.
//!
//! Bodies keep the connection's framing right: a `Content-Length` body is passed through byte
//! for byte and the next head is read after it; a chunked body is passed through and the
//! connection is closed after that request (`Connection: close` is added), so no chunk parser
//! is needed here. A head the edge refuses (too long, malformed) becomes a request hyper
//! passes to the service with [`ERROR_HEADER`] or with the target as far as it was read (the
//! core then answers 414 or 400), and the connection ends after it.
//!
//! Timeouts: a head must be complete within `header_timeout` of its first byte (slow
//! headers, "slowloris"); a connection with no bytes read or written for `idle_timeout` is
//! closed.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The header that carries the raw target (hex) from the adapter to the service.
pub const TARGET_HEADER: &str = "x-cdn-secure-token-raw-target";
/// The header that carries the status of a head refused by the adapter.
pub const ERROR_HEADER: &str = "x-cdn-secure-token-head-error";

/// nginx's `large_client_header_buffers 4 8k`: a line (request line or header) longer than
/// 8 KiB is refused, and so is a head over 4 x 8 KiB.
pub const MAX_LINE: usize = 8192;
const MAX_HEAD: usize = 4 * 8192;
/// hyper's default header count limit, less the one header added here.
const MAX_HEADERS: usize = 99;
/// Lingering close: how long and how much of what a client still sends is read and dropped.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Body(u64),
    Raw,
    Closed,
}

/// Limits the adapter enforces.
#[derive(Debug, Clone, Copy)]
pub struct RawLimits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_body: u64,
}

pin_project_lite::pin_project! {
    /// See the module docs.
    pub struct RawHead<IO> {
        #[pin]
        io: IO,
        inbuf: BytesMut,
        out: BytesMut,
        state: State,
        eof: bool,
        limits: RawLimits,
        head_started: Option<Instant>,
        last_activity: Instant,
        timer: Pin<Box<Sleep>>,
        linger: Option<(Instant, usize)>,
    }
}

impl<IO> RawHead<IO> {
    pub fn new(io: IO, limits: RawLimits) -> Self {
        let now = Instant::now();
        RawHead {
            io,
            inbuf: BytesMut::with_capacity(4096),
            out: BytesMut::new(),
            state: State::Head,
            eof: false,
            limits,
            head_started: None,
            last_activity: now,
            timer: Box::pin(tokio::time::sleep_until(now + limits.idle_timeout)),
            linger: None,
        }
    }
}

enum Head {
    Incomplete,
    /// Bytes consumed, the head for hyper, the state after it.
    Done(usize, Vec<u8>, State),
}

fn hex(b: &[u8]) -> Vec<u8> {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut v = Vec::with_capacity(b.len() * 2);
    for &c in b {
        v.push(H[usize::from(c >> 4)]);
        v.push(H[usize::from(c & 15)]);
    }
    v
}

fn refused(status: u16) -> Vec<u8> {
    format!("GET / HTTP/1.1\r\n{ERROR_HEADER}: {status}\r\nconnection: close\r\n\r\n").into_bytes()
}

fn with_target(target: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(64 + target.len() * 2);
    v.extend_from_slice(b"GET / HTTP/1.1\r\n");
    v.extend_from_slice(TARGET_HEADER.as_bytes());
    v.extend_from_slice(b": ");
    v.extend_from_slice(&hex(target));
    v.extend_from_slice(b"\r\nconnection: close\r\n\r\n");
    v
}

/// Reads one head from `buf` (which starts at a head: leading empty lines already skipped).
fn read_head(buf: &[u8], max_body: u64) -> Head {
    let Some(line_end) = memchr(b'\n', buf) else {
        if buf.len() > MAX_LINE {
            // The request line does not fit: the core tells 414 from 400 by the target.
            let rest = match memchr(b' ', buf) {
                Some(sp) => &buf[sp + 1..],
                None => return Head::Done(buf.len(), refused(400), State::Closed),
            };
            return Head::Done(buf.len(), with_target(rest), State::Closed);
        }
        return Head::Incomplete;
    };
    let line = &buf[..line_end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // Find the end of the head: an empty line.
    let mut pos = line_end + 1;
    let head_end = loop {
        match memchr(b'\n', &buf[pos..]) {
            Some(n) => {
                let l = &buf[pos..pos + n];
                if n > MAX_LINE {
                    return Head::Done(pos + n + 1, refused(400), State::Closed);
                }
                pos += n + 1;
                if l.is_empty() || l == b"\r" {
                    break pos;
                }
                if pos > MAX_HEAD + MAX_LINE {
                    return Head::Done(pos, refused(400), State::Closed);
                }
            }
            None => {
                if buf.len() - pos > MAX_LINE || buf.len() > MAX_HEAD + MAX_LINE {
                    return Head::Done(buf.len(), refused(400), State::Closed);
                }
                return Head::Incomplete;
            }
        }
    };
    let bad = |n| Head::Done(head_end, refused(n), State::Closed);
    // The request line as nginx splits it: method, target (spaces around it skipped by
    // the core), version.
    let Some(sp) = memchr(b' ', line) else {
        return bad(400);
    };
    let method = &line[..sp];
    if method.is_empty() || !method.iter().all(|c| c.is_ascii_uppercase() || *c == b'_') {
        return bad(400);
    }
    let rest = &line[sp + 1..];
    let Some(vsp) = rest.iter().rposition(|&c| c == b' ') else {
        return bad(400);
    };
    let (target, version) = (&rest[..vsp], &rest[vsp + 1..]);
    let version: &[u8] = match version {
        b"HTTP/1.1" => b"HTTP/1.1",
        b"HTTP/1.0" => b"HTTP/1.0",
        _ => return bad(400),
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let parsed = match httparse::parse_headers(&buf[line_end + 1..head_end], &mut headers) {
        Ok(httparse::Status::Complete((_, h))) => h,
        _ => return bad(400),
    };
    let mut out = Vec::with_capacity(head_end + target.len() * 2 + 64);
    out.extend_from_slice(method);
    out.extend_from_slice(b" / ");
    out.extend_from_slice(version);
    out.extend_from_slice(b"\r\n");
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut has_te = false;
    for h in parsed.iter() {
        let name = h.name;
        if name.eq_ignore_ascii_case(TARGET_HEADER) || name.eq_ignore_ascii_case(ERROR_HEADER) {
            continue;
        }
        if name.eq_ignore_ascii_case("content-length") {
            let v = trim(h.value);
            if v.is_empty() || v.len() > 18 || !v.iter().all(u8::is_ascii_digit) {
                return bad(400);
            }
            let n: u64 = match std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()) {
                Some(n) => n,
                None => return bad(400),
            };
            if length.is_some_and(|l| l != n) {
                return bad(400);
            }
            length = Some(n);
        }
        if name.eq_ignore_ascii_case("transfer-encoding") {
            has_te = true;
            let last = h
                .value
                .rsplit(|&c| c == b',')
                .next()
                .map(trim)
                .unwrap_or(b"");
            chunked = last.eq_ignore_ascii_case(b"chunked");
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(h.value);
        out.extend_from_slice(b"\r\n");
    }
    let next = if has_te {
        if length.is_some() || !chunked {
            return bad(400);
        }
        out.extend_from_slice(b"connection: close\r\n");
        State::Raw
    } else {
        match length {
            Some(n) if n > max_body => return bad(413),
            Some(n) => State::Body(n),
            None => State::Head,
        }
    };
    out.extend_from_slice(TARGET_HEADER.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(&hex(target));
    out.extend_from_slice(b"\r\n\r\n");
    Head::Done(head_end, out, next)
}

fn trim(v: &[u8]) -> &[u8] {
    let s = v
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(v.len());
    let e = v
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    &v[s..e.max(s)]
}

fn memchr(c: u8, b: &[u8]) -> Option<usize> {
    b.iter().position(|&x| x == c)
}

/// Decodes the hex of [`TARGET_HEADER`].
pub fn unhex(h: &[u8]) -> Option<Vec<u8>> {
    if !h.len().is_multiple_of(2) {
        return None;
    }
    let d = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    h.chunks(2)
        .map(|p| Some(d(p[0])? << 4 | d(p[1])?))
        .collect()
}

impl<IO: AsyncRead> AsyncRead for RawHead<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut me = self.project();
        loop {
            if !me.out.is_empty() {
                let n = me.out.len().min(buf.remaining());
                buf.put_slice(&me.out[..n]);
                me.out.advance(n);
                return Poll::Ready(Ok(()));
            }
            match *me.state {
                // After a refused head: nothing more for hyper, which answers it and closes
                // (an end of input here would make hyper drop the answer).
                State::Closed if !*me.eof => return Poll::Pending,
                State::Closed => return Poll::Ready(Ok(())),
                State::Body(0) => {
                    *me.state = State::Head;
                    continue;
                }
                State::Body(n) if !me.inbuf.is_empty() => {
                    let k = (me.inbuf.len() as u64).min(n) as usize;
                    let chunk = me.inbuf.split_to(k);
                    me.out.extend_from_slice(&chunk);
                    *me.state = State::Body(n - k as u64);
                    continue;
                }
                State::Raw if !me.inbuf.is_empty() => {
                    let chunk = me.inbuf.split();
                    me.out.extend_from_slice(&chunk);
                    continue;
                }
                State::Head if !me.inbuf.is_empty() => {
                    // nginx skips empty lines before a request line.
                    let skip = me
                        .inbuf
                        .iter()
                        .position(|&c| c != b'\r' && c != b'\n')
                        .unwrap_or(me.inbuf.len());
                    me.inbuf.advance(skip);
                    if me.inbuf.is_empty() {
                        continue;
                    }
                    if me.head_started.is_none() {
                        *me.head_started = Some(Instant::now());
                    }
                    match read_head(me.inbuf, me.limits.max_body) {
                        Head::Incomplete => {}
                        Head::Done(used, head, next) => {
                            me.inbuf.advance(used.min(me.inbuf.len()));
                            me.out.extend_from_slice(&head);
                            *me.state = next;
                            *me.head_started = None;
                            if next == State::Closed {
                                me.inbuf.clear();
                            }
                            continue;
                        }
                    }
                }
                _ => {}
            }
            // More input is needed.
            if *me.eof {
                return Poll::Ready(Ok(()));
            }
            let mut tmp = [0u8; 16384];
            let mut rb = ReadBuf::new(&mut tmp);
            match me.io.as_mut().poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) => {
                    let got = rb.filled();
                    if got.is_empty() {
                        *me.eof = true;
                    } else {
                        *me.last_activity = Instant::now();
                        me.inbuf.extend_from_slice(got);
                    }
                    continue;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
            // Waiting: arm the timer for the head deadline or the idle limit.
            let now = Instant::now();
            let deadline = match *me.head_started {
                Some(t) if *me.state == State::Head => t + me.limits.header_timeout,
                _ => *me.last_activity + me.limits.idle_timeout,
            };
            if now >= deadline {
                // Slow headers or an idle connection: close it without an answer, as nginx
                // does on client_header_timeout.
                *me.eof = true;
                *me.state = State::Closed;
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "request head or idle timeout",
                )));
            }
            me.timer.as_mut().reset(deadline);
            if me.timer.as_mut().poll(cx).is_ready() {
                continue;
            }
            return Poll::Pending;
        }
    }
}

impl<IO: AsyncRead + AsyncWrite> AsyncWrite for RawHead<IO> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        let me = self.project();
        let r = me.io.poll_write(cx, b);
        if let Poll::Ready(Ok(n)) = r {
            if n > 0 {
                *me.last_activity = Instant::now();
            }
        }
        r
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_flush(cx)
    }
    /// Shuts the write side, then reads and drops what the client still sends (at most
    /// `LINGER_BYTES` for at most `LINGER`), as nginx's lingering close does: closing with
    /// unread data would reset the connection and the client could lose the answer (a 414
    /// to a request line still being sent).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut me = self.project();
        if me.linger.is_none() {
            match me.io.as_mut().poll_shutdown(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            if *me.eof {
                return Poll::Ready(Ok(()));
            }
            *me.linger = Some((Instant::now() + LINGER, 0));
        }
        let Some((deadline, mut dropped)) = *me.linger else {
            return Poll::Ready(Ok(()));
        };
        loop {
            if dropped > LINGER_BYTES || Instant::now() >= deadline {
                return Poll::Ready(Ok(()));
            }
            let mut tmp = [0u8; 16384];
            let mut rb = ReadBuf::new(&mut tmp);
            match me.io.as_mut().poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) if rb.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => {
                    dropped += rb.filled().len();
                    *me.linger = Some((deadline, dropped));
                }
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => {
                    me.timer.as_mut().reset(deadline);
                    if me.timer.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Ok(()));
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(b: &[u8]) -> (usize, String, State) {
        match read_head(b, 100) {
            Head::Done(n, h, s) => (n, String::from_utf8_lossy(&h).into_owned(), s),
            Head::Incomplete => panic!("incomplete"),
        }
    }

    #[test]
    fn keeps_the_raw_target_and_drops_client_copies() {
        let (n, h, s) = done(
            b"GET /a\xff?x HTTP/1.1\r\nHost: h\r\nX-Cdn-Secure-Token-Raw-Target: 2f\r\n\r\nNEXT",
        );
        assert_eq!(n, 66);
        assert_eq!(s, State::Head);
        assert!(h.starts_with("GET / HTTP/1.1\r\nHost: h\r\n"), "{h}");
        assert_eq!(h.matches(TARGET_HEADER).count(), 1);
        assert!(
            h.ends_with(&format!("{TARGET_HEADER}: 2f61ff3f78\r\n\r\n")),
            "{h}"
        );
    }

    #[test]
    fn bodies_keep_the_framing() {
        let (_, _, s) = done(b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
        assert_eq!(s, State::Body(5));
        let (_, h, s) = done(b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(s, State::Raw);
        assert!(h.contains("connection: close"));
        for smuggle in [
            &b"POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
            b"POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            b"POST /x HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        ] {
            let (_, h, s) = done(smuggle);
            assert_eq!(s, State::Closed);
            assert!(h.contains(&format!("{ERROR_HEADER}: 400")), "{h}");
        }
        let (_, h, _) = done(b"POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n");
        assert!(h.contains(&format!("{ERROR_HEADER}: 413")), "{h}");
    }

    #[test]
    fn refuses_what_nginx_refuses() {
        for b in [
            &b"GET /x HTTP/2.0\r\n\r\n"[..],
            b"GET /x\r\n\r\n",
            b"get /x HTTP/1.1\r\n\r\n",
            b"GET /x HTTP/1.1\r\nbad header\r\n\r\n",
        ] {
            let (_, h, s) = done(b);
            assert_eq!(s, State::Closed, "{b:?}");
            assert!(h.contains(&format!("{ERROR_HEADER}: 400")), "{h}");
        }
        assert!(matches!(
            read_head(b"GET /x HTTP/1.1\r\nHost", 100),
            Head::Incomplete
        ));
        let mut long = b"GET /".to_vec();
        long.resize(MAX_LINE + 10, b'a');
        let (_, h, s) = done(&long);
        assert_eq!(s, State::Closed);
        assert!(h.contains(TARGET_HEADER));
    }

    #[test]
    fn hex_round_trip() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unhex(&hex(&all)).unwrap(), all);
        assert!(unhex(b"0").is_none());
        assert!(unhex(b"zz").is_none());
    }
}
