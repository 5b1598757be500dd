//! The shared secret. Validated once, zeroized on drop, never shown.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Shortest key the CDN portal accepts.
pub const MIN_KEY_LEN: usize = 6;
/// Longest key the CDN API accepts.
pub const MAX_KEY_LEN: usize = 255;

/// A validated Secure Token key.
///
/// The bytes are wiped when the key is dropped, and `Debug` prints `Key(***)`.
#[derive(Clone)]
pub struct Key(Zeroizing<Box<[u8]>>);

impl Key {
    /// Validates and stores a key: 6 to 255 bytes of UTF-8 without control characters.
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self> {
        let bytes = key.as_ref();
        if bytes.is_empty() {
            return Err(Error::KeyEmpty);
        }
        if bytes.len() < MIN_KEY_LEN {
            return Err(Error::KeyTooShort { len: bytes.len() });
        }
        if bytes.len() > MAX_KEY_LEN {
            return Err(Error::KeyTooLong { len: bytes.len() });
        }
        if let Some(position) = bytes.iter().position(|&b| b < 0x20 || b == 0x7f) {
            return Err(Error::KeyControlChar { position });
        }
        // The key is written into nginx configuration and the CDN portal as text.
        if std::str::from_utf8(bytes).is_err() {
            return Err(Error::KeyNotUtf8);
        }
        Ok(Key(Zeroizing::new(bytes.to_vec().into_boxed_slice())))
    }

    /// The raw bytes, for hashing only.
    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (not secret: the CDN's rules on length are public).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: an empty key is rejected by [`Key::new`].
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_keys() {
        assert_eq!(Key::new("").unwrap_err(), Error::KeyEmpty);
        assert_eq!(
            Key::new("abcde").unwrap_err(),
            Error::KeyTooShort { len: 5 }
        );
        assert_eq!(
            Key::new("a".repeat(256)).unwrap_err(),
            Error::KeyTooLong { len: 256 }
        );
        assert_eq!(
            Key::new("abc\ndef").unwrap_err(),
            Error::KeyControlChar { position: 3 }
        );
        assert_eq!(
            Key::new("abcdef\x7f").unwrap_err(),
            Error::KeyControlChar { position: 6 }
        );
        assert_eq!(
            Key::new(b"abcdef\xff".as_slice()).unwrap_err(),
            Error::KeyNotUtf8
        );
        assert!(Key::new("a".repeat(255)).is_ok());
        assert!(Key::new("secret").is_ok());
    }

    #[test]
    fn debug_hides_key() {
        let k = Key::new("supersecretvalue").unwrap();
        assert_eq!(format!("{k:?}"), "Key(***)");
        assert!(!format!("{k:#?}").contains("supersecret"));
    }
}
