//! The writer of every link the core makes: a text that only ever receives whole `&str`s,
//! bytes checked to be ASCII, percent escapes and tokens, so that it is valid UTF-8 by
//! construction and becomes a `String` without a second pass over it.
//!
//! Validating a finished link again cost ~10 ns per `sign_url` (about 4% of the call,
//! largely a store-forwarding stall on the token bytes just written). Here the rule that
//! makes the conversion sound is kept by the type's own methods, in this file only.

use crate::codec::{encode_token_into, TOKEN_LEN};

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// A growing text that is valid UTF-8 at every step.
#[derive(Debug, Default, Clone)]
pub(crate) struct AsciiWriter {
    /// Invariant: valid UTF-8 (every method appends a whole `&str` or ASCII bytes only).
    buf: Vec<u8>,
}

impl AsciiWriter {
    /// An empty writer with room for `capacity` bytes.
    #[inline]
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        AsciiWriter {
            buf: Vec::with_capacity(capacity),
        }
    }

    /// Bytes written so far.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// Empties it, keeping its allocation.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    /// Room for `additional` more bytes.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.buf.reserve(additional);
    }

    /// Appends any text.
    #[inline]
    pub(crate) fn push_str(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Appends one ASCII byte; any other byte is a bug in the caller, refused by a panic
    /// (which the faces' boundaries turn into an error) rather than written.
    #[inline]
    pub(crate) fn push(&mut self, b: u8) {
        assert!(b.is_ascii(), "AsciiWriter::push of a non-ASCII byte");
        self.buf.push(b);
    }

    /// Appends ASCII bytes (checked, as [`AsciiWriter::push`]).
    #[inline]
    pub(crate) fn push_ascii(&mut self, bytes: &[u8]) {
        assert!(
            bytes.is_ascii(),
            "AsciiWriter::push_ascii of non-ASCII bytes"
        );
        self.buf.extend_from_slice(bytes);
    }

    /// Appends `bytes` with every byte for which `escape` is true, and every byte >= 0x80,
    /// written as `%XX`: the runs copied between escapes are ASCII.
    #[inline]
    pub(crate) fn push_escaped(&mut self, bytes: &[u8], escape: impl Fn(u8) -> bool) {
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b >= 0x80 || escape(b) {
                self.buf.extend_from_slice(&bytes[start..i]);
                self.buf
                    .extend_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
                start = i + 1;
            }
        }
        self.buf.extend_from_slice(&bytes[start..]);
    }

    /// Appends the base64url token of `digest`, encoded in place (copying a just-written
    /// token, byte stores read back as wider loads, stalls the CPU).
    #[inline]
    pub(crate) fn push_token(&mut self, digest: &[u8; 16]) {
        let at = self.buf.len();
        self.buf.resize(at + TOKEN_LEN, 0);
        let token: &mut [u8; TOKEN_LEN] = (&mut self.buf[at..])
            .try_into()
            .expect("TOKEN_LEN bytes were just added");
        // Writes base64url alphabet bytes only (ASCII).
        encode_token_into(digest, token);
    }

    /// The text so far.
    #[inline]
    pub(crate) fn as_str(&self) -> &str {
        debug_assert!(std::str::from_utf8(&self.buf).is_ok());
        // SAFETY: `buf` is valid UTF-8, as for `into_string` below.
        unsafe { std::str::from_utf8_unchecked(&self.buf) }
    }

    /// The text.
    #[inline]
    pub(crate) fn into_string(self) -> String {
        debug_assert!(std::str::from_utf8(&self.buf).is_ok());
        // SAFETY: `buf` is valid UTF-8: it starts empty (or as a cleared `String`) and every
        // method above appends either a whole `&str` or only ASCII bytes (checked, escaped,
        // or from the base64url alphabet), and a concatenation of UTF-8 texts is UTF-8.
        unsafe { String::from_utf8_unchecked(self.buf) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_it_is_told_and_everything_non_ascii() {
        let mut w = AsciiWriter::with_capacity(0);
        w.push_str("https://bücher.example");
        w.push_escaped("/a b/ü".as_bytes(), |b| b == b' ');
        w.push(b'?');
        w.push_ascii(b"x=1");
        w.push_escaped(&[b'&', 0xff, b'z'], |_| false);
        assert_eq!(w.len(), 45);
        assert_eq!(
            w.into_string(),
            "https://bücher.example/a%20b/%C3%BC?x=1&%FFz"
        );
    }

    #[test]
    fn tokens_are_base64url() {
        let mut w = AsciiWriter::default();
        w.push_token(&[0xff; 16]);
        assert_eq!(w.into_string(), "_____________________w");
    }

    #[test]
    #[should_panic(expected = "non-ASCII")]
    fn a_non_ascii_byte_is_refused() {
        AsciiWriter::default().push_ascii(&[b'a', 0xc3]);
    }
}
