//! The small value types of the API: token kinds, stream kinds, options, clocks.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::Error;

/// Which token a URL carries in its query (the path tokens of Video Streaming are
/// [`TokenKind::Stream`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TokenKind {
    /// `{expires}{path}{ip} {key}`, token in `?md5=&expires=`.
    #[default]
    File,
    /// Like `File`, over the directory of the path (up to and including its last `/`).
    Directory,
    /// `{path}_{key}_{expires}_{speed}_{buffer}_{ip}`, with `&speed=` / `&buffer=`.
    Mp4,
    /// Video Streaming path token: `/{videos|cmaf|mpegts|streams}/{account}_{id}/{token}/{expires}/...`.
    Stream,
}

impl TokenKind {
    /// The name accepted by [`FromStr`] and printed by `Display`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::File => "file",
            TokenKind::Directory => "directory",
            TokenKind::Mp4 => "mp4",
            TokenKind::Stream => "stream",
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "file" => Ok(TokenKind::File),
            "directory" | "dir" => Ok(TokenKind::Directory),
            "mp4" => Ok(TokenKind::Mp4),
            "stream" => Ok(TokenKind::Stream),
            _ => Err(Error::Argument {
                name: "kind",
                reason: "must be one of file, directory, mp4, stream",
            }),
        }
    }
}

/// The Video Streaming product a path token is for; it decides the URL layout only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StreamKind {
    /// Video on demand: `/videos/{account}_{slug}/{token}/{expires}/master.m3u8`.
    #[default]
    Vod,
    /// Live CMAF: `/cmaf/{account}_{stream}/{token}/{expires}/master.m3u8`.
    Cmaf,
    /// Live MPEG-TS: `/mpegts/{account}_{stream}/{token}/{expires}/master.m3u8`.
    Mpegts,
    /// Older live layout: `/streams/{account}_{stream}/{token}/{expires}/playlist.m3u8`.
    Streams,
}

impl StreamKind {
    /// The first path segment of this layout.
    pub fn prefix(self) -> &'static str {
        match self {
            StreamKind::Vod => "videos",
            StreamKind::Cmaf => "cmaf",
            StreamKind::Mpegts => "mpegts",
            StreamKind::Streams => "streams",
        }
    }

    /// The manifest a signed link points to when no file is named.
    pub fn default_file(self) -> &'static str {
        match self {
            StreamKind::Streams => "playlist.m3u8",
            _ => "master.m3u8",
        }
    }

    pub(crate) fn from_prefix(s: &[u8]) -> Option<Self> {
        match s {
            b"videos" => Some(StreamKind::Vod),
            b"cmaf" => Some(StreamKind::Cmaf),
            b"mpegts" => Some(StreamKind::Mpegts),
            b"streams" => Some(StreamKind::Streams),
            _ => None,
        }
    }
}

impl FromStr for StreamKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "vod" | "videos" => Ok(StreamKind::Vod),
            "cmaf" | "live" => Ok(StreamKind::Cmaf),
            "mpegts" => Ok(StreamKind::Mpegts),
            "streams" => Ok(StreamKind::Streams),
            _ => Err(Error::Argument {
                name: "stream kind",
                reason: "must be one of vod, cmaf, mpegts, streams",
            }),
        }
    }
}

impl fmt::Display for StreamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StreamKind::Vod => "vod",
            StreamKind::Cmaf => "cmaf",
            StreamKind::Mpegts => "mpegts",
            StreamKind::Streams => "streams",
        })
    }
}

/// What to sign with. Give `expires` (absolute Unix seconds) or `ttl` (seconds from now),
/// or neither when the signer has a default lifetime.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignOptions<'a> {
    /// Absolute expiry, Unix seconds.
    pub expires: Option<i64>,
    /// Lifetime in seconds from `now`.
    pub ttl: Option<i64>,
    /// Client IP to bind the link to, any valid spelling.
    pub ip: Option<&'a str>,
    /// Token kind (`Stream` is not signed through URLs: see `Signer::stream_url`).
    pub kind: TokenKind,
    /// MP4 only: the `speed` limit, e.g. `1m` or `500k`.
    pub speed: Option<&'a str>,
    /// MP4 only: the `buffer` (seconds sent at full speed).
    pub buffer: Option<&'a str>,
    /// The current Unix time; defaults to the signer's clock.
    pub now: Option<i64>,
}

/// How to check a request.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions<'a> {
    /// The client address the edge would see, any valid spelling.
    pub ip: Option<&'a str>,
    /// The current Unix time; defaults to the signer's clock.
    pub now: Option<i64>,
    /// The token kind the location expects.
    pub kind: TokenKind,
}

/// The source of the current time, injectable for tests.
pub trait Clock: Send + Sync {
    /// Current Unix time in seconds.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(s) = coarse_seconds() {
            return s;
        }
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }
}

/// The time by `CLOCK_REALTIME_COARSE`: the wall clock as of the last timer tick, so a few
/// milliseconds behind at most, read in ~3 ns where the precise clock takes ~30 (measured
/// on the benchmark machine). Signing asks the time on every call that gives no `now`, and
/// only needs whole seconds.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn coarse_seconds() -> Option<i64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec` for the duration of the call, which only
    // writes to it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) };
    // `time_t` is 32 bits on some 32-bit targets.
    #[allow(clippy::unnecessary_cast)]
    (rc == 0).then_some(ts.tv_sec as i64)
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The coarse clock is the wall clock give or take a tick: never more than a second
    /// from the precise one (the reads straddle at most one second boundary).
    #[test]
    fn system_clock_follows_the_wall_clock() {
        for _ in 0..1000 {
            let before = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            let now = SystemClock.now();
            let after = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            assert!(before - 1 <= now && now <= after, "{before} {now} {after}");
        }
    }
}
