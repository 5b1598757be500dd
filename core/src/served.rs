//! What a server serves for a received request target, read exactly as
//! [`Signer::verify_request`](crate::Signer::verify_request) reads it, so that the file a
//! server opens is the path the token was checked over.

use crate::options::StreamKind;
use crate::path::{self, PathBytes, PathInput};
use crate::request;

/// A received request target split as the edge splits it: nginx's `$uri` (decoded, `//`
/// merged, dot segments resolved) and the raw query (`$args`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// nginx's `$uri`, as bytes (not necessarily UTF-8).
    pub uri: Vec<u8>,
    /// The raw, undecoded query; empty when there is none.
    pub query: Vec<u8>,
}

impl Received {
    /// Reads `target` (the request-target bytes of the request line). `None` when the
    /// edge refuses it before any token check (400/414: `verify_request` says which).
    pub fn read(target: &[u8]) -> Option<Received> {
        let t = request::read(target, usize::MAX).ok()?;
        let mut canon = PathBytes::new();
        path::canonicalize(t.path, PathInput::Request, &mut canon).ok()?;
        Some(Received {
            uri: canon.to_vec(),
            query: t.query.unwrap_or(b"").to_vec(),
        })
    }

    /// The first query parameter named `name` (case-insensitive), undecoded, as the edge
    /// reads `md5`, `expires`, `speed` and `buffer`.
    pub fn arg(&self, name: &str) -> Option<&[u8]> {
        crate::url::arg_bytes(&self.query, name.as_bytes())
    }

    /// For a Video Streaming path (`/{videos|cmaf|mpegts|streams}/{account}_{id}/{token}/{expires}/rest`):
    /// the path of the content without the token segments, `/{prefix}/{account}_{id}/rest`.
    /// `None` when `uri` is not such a path.
    pub fn stream_content_path(&self) -> Option<Vec<u8>> {
        let rest = self.uri.strip_prefix(b"/")?;
        let mut segs = rest.splitn(5, |&b| b == b'/');
        let prefix = segs.next()?;
        StreamKind::from_prefix(prefix)?;
        let name = segs.next()?;
        let _token = segs.next()?;
        let _expires = segs.next()?;
        let tail = segs.next()?;
        let mut out = Vec::with_capacity(self.uri.len());
        out.push(b'/');
        out.extend_from_slice(prefix);
        out.push(b'/');
        out.extend_from_slice(name);
        out.push(b'/');
        out.extend_from_slice(tail);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Received;

    #[test]
    fn reads_like_the_edge() {
        let r = Received::read(b"//a/./b/../c%20d?MD5=x&md5=y").unwrap();
        assert_eq!(r.uri, b"/a/c d");
        assert_eq!(r.arg("md5"), Some(&b"x"[..]));
        assert!(Received::read(b"/a%00").is_none());
        assert!(Received::read(b"/../x").is_none());
        let r = Received::read(b"http://h/x\xff?q").unwrap();
        assert_eq!(r.uri, b"/x\xff");
        assert_eq!(r.query, b"q");
    }

    #[test]
    fn stream_content_path_drops_the_token_segments() {
        let r = Received::read(b"/videos/12_abc/TOKEN/2147483647/360p/i.m3u8").unwrap();
        assert_eq!(
            r.stream_content_path().unwrap(),
            b"/videos/12_abc/360p/i.m3u8"
        );
        let r = Received::read(b"/videos/12_abc/TOKEN/2147483647").unwrap();
        assert!(r.stream_content_path().is_none());
        let r = Received::read(b"/other/12_abc/T/1/x").unwrap();
        assert!(r.stream_content_path().is_none());
    }
}
