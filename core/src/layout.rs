//! What is hashed: the string-to-sign of every token kind, in one place. This is the
//! scheme's specification (docs/scheme.md §1) as code; signing, verifying, explaining and
//! batches all build their messages from [`Layout`].

use md5::{Digest, Md5};

use crate::options::TokenKind;
use crate::path;

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
    #[inline(always)]
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

impl<'a> Layout<'a> {
    /// The layout of a query token (file, directory, MP4) for the canonical `path`; the
    /// directory token hashes the directory of the path.
    #[inline]
    pub(crate) fn query(
        kind: TokenKind,
        path: &'a [u8],
        expires: &'a [u8],
        ip: &'a [u8],
        speed: &'a [u8],
        buffer: &'a [u8],
    ) -> Self {
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
}
