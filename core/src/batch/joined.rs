//! The one joined-text batch protocol of the faces (C, Node, PHP): URLs in one text,
//! separated by a control byte, in; the signed URLs, separated by the same byte, out; and
//! the index of the failing URL, also for a byte that is not UTF-8.

use crate::error::{BatchError, Error};
use crate::prepared::Prepared;
use crate::signer::Signer;

use super::slices::joined_urls;
use super::{at_index_0, SignedBatch};

impl Signer {
    /// The one joined-text batch protocol: `text` holds URLs separated by the byte `sep`
    /// (`b'\n'` usually; an ASCII control byte, which no signable URL contains). Split as
    /// [`str::lines`] splits at `'\n'`: an empty text is no URLs, a trailing separator is
    /// not an extra empty URL, `"a\n\nb"` has an empty one (which fails). The signed URLs come
    /// back joined by `'\n'` ([`SignedBatch::pieces`], [`SignedBatch::write_joined`]); an
    /// `Err` carries the zero-based index of the failing URL (0 for a bad `sep`).
    ///
    /// `text` is text or bytes (a C caller's buffer): bytes that are not UTF-8 fail as
    /// [`Error::NotUtf8`] at the URL holding the first bad byte, its position counted in
    /// that URL.
    pub fn sign_joined(
        &self,
        text: &(impl AsRef<[u8]> + ?Sized),
        sep: u8,
        p: &Prepared,
    ) -> Result<SignedBatch, BatchError> {
        // Generic only on the way in: the batch itself is compiled once, here.
        self.sign_joined_bytes(text.as_ref(), sep, p)
    }

    fn sign_joined_bytes(
        &self,
        bytes: &[u8],
        sep: u8,
        p: &Prepared,
    ) -> Result<SignedBatch, BatchError> {
        let text = utf8_text(bytes, sep)?;
        if !sep.is_ascii_control() {
            return Err(at_index_0(Error::Argument {
                name: "sep",
                reason: "must be an ASCII control byte such as '\\n'",
            }));
        }
        let mut out = SignedBatch::default();
        self.sign_urls_into(&joined_urls::<&str>(text, sep), p, &mut out)?;
        Ok(out)
    }
}

/// The joined text as `&str`; a byte that is not UTF-8 is reported in the URL that holds
/// it, at its position in that URL.
fn utf8_text(bytes: &[u8], sep: u8) -> Result<&str, BatchError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let start = memchr::memrchr(sep, before).map_or(0, |at| at + 1);
        BatchError {
            index: memchr::memchr_iter(sep, before).count(),
            error: Error::NotUtf8 {
                name: "url",
                position: before.len() - start,
            },
        }
    })
}

impl SignedBatch {
    /// The output side of the joined-text protocol: the signed URLs with `sep` between them,
    /// copied once, straight into `out` (a caller's buffer of exactly
    /// [`SignedBatch::joined_len`] bytes), piece by piece with no joined copy made first.
    ///
    /// # Panics
    /// If `out` is not `joined_len()` bytes long.
    pub fn write_joined(&self, sep: u8, out: &mut [u8]) {
        assert_eq!(
            out.len(),
            self.joined_len(),
            "write_joined: wrong output length"
        );
        let mut at = 0;
        for (i, piece) in self.pieces().enumerate() {
            if i > 0 {
                out[at] = sep;
                at += 1;
            }
            out[at..at + piece.len()].copy_from_slice(piece.as_bytes());
            at += piece.len();
        }
        if sep != b'\n' {
            // A piece's URLs are separated by '\n' (no signed URL holds a control byte).
            out.iter_mut()
                .filter(|b| **b == b'\n')
                .for_each(|b| *b = sep);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Error, SignOptions, Signer};

    fn signer() -> (Signer, crate::Prepared) {
        let signer = Signer::new(b"secret-key").unwrap();
        let opts = SignOptions {
            expires: Some(2_147_483_647),
            now: Some(1_700_000_000),
            ..SignOptions::default()
        };
        let p = signer.prepare(&opts).unwrap();
        (signer, p)
    }

    #[test]
    fn bytes_that_are_not_utf8_fail_in_the_url_holding_them() {
        let (signer, p) = signer();
        let e = signer
            .sign_joined(b"/ok1\n/ok2\n/caf\xe9\n/ok3", b'\n', &p)
            .unwrap_err();
        assert_eq!(e.index, 2);
        assert_eq!(
            e.error,
            Error::NotUtf8 {
                name: "url",
                position: 4
            }
        );
        assert_eq!(e.error.to_string(), "url is not valid UTF-8 (at byte 4)");
        let e = signer.sign_joined(b"\xff", 0x1f, &p).unwrap_err();
        assert_eq!(
            (e.index, e.error),
            (
                0,
                Error::NotUtf8 {
                    name: "url",
                    position: 0
                }
            )
        );
        let e = signer
            .sign_joined(b"/a\x1f/b\x1f/\xc3", 0x1f, &p)
            .unwrap_err();
        assert_eq!(
            (e.index, e.error),
            (
                2,
                Error::NotUtf8 {
                    name: "url",
                    position: 1
                }
            )
        );
        // Valid bytes sign as the same text does.
        let bytes = signer.sign_joined(b"/a\n/b".as_slice(), b'\n', &p).unwrap();
        assert_eq!(bytes, signer.sign_joined("/a\n/b", b'\n', &p).unwrap());
    }

    #[test]
    fn the_joined_output_has_the_separator_between_every_url() {
        let (signer, p) = signer();
        let urls: Vec<String> = (0..10_000).map(|i| format!("/v/{i}.ts")).collect();
        for (sep, n) in [(b'\n', 3), (0x1f, 3), (b'\r', 10_000), (0, 1)] {
            let batch = signer
                .sign_joined(&urls[..n].join("\n"), b'\n', &p)
                .unwrap();
            let mut out = vec![b'X'; batch.joined_len()];
            batch.write_joined(sep, &mut out);
            let want: Vec<&str> = batch.iter().collect();
            assert_eq!(
                out,
                want.join(&*char::from(sep).to_string()).into_bytes(),
                "{n}"
            );
        }
        let empty = signer.sign_joined("", b'\n', &p).unwrap();
        empty.write_joined(b'\r', &mut []);
    }
}
