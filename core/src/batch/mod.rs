//! Batches: many URLs with one prepared request, hashed one by one or 64 at a time by the
//! multi-buffer MD5 (`lanes`), on one thread or several ([`threads_for`], the threading
//! policy); and the one joined-text protocol of the faces ([`Signer::sign_joined`]).
//!
//! No state outlives a call except what the caller holds: a [`SignedBatch`] given to
//! [`Signer::sign_many_into`] keeps its buffers (and those of the worker threads) for the
//! next batch.

mod lanes;

use std::fmt;

use crate::ascii::AsciiWriter;
use crate::error::{BatchError, Error, Result};
use crate::options::SignOptions;
use crate::prepared::{Prepared, Resolved};
use crate::signer::{assemble, check_request_len, write_signed, Signer};
use crate::url::UrlParts;

/// Batches at least this large are spread over the cores: below it, starting a thread
/// costs more than the half of the batch it would sign.
const PARALLEL_BATCH: usize = 4096;

/// Bytes a signed link adds to its URL, besides the expiry and MP4 parameters: `?md5=`
/// or `&md5=`, the token, the `'\n'` after it.
const ADDED_BYTES: usize = 1 + "md5=".len() + crate::codec::TOKEN_LEN + 1;

/// The threading policy, the one place it is decided: how many threads sign a batch of
/// `len` URLs. The core count is asked only for large batches (the call reads cgroup files
/// and costs tens of µs).
fn threads_for(len: usize) -> usize {
    if len < PARALLEL_BATCH {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Where a batch writes its signed links: one `String` each (`sign_many`) or one joined
/// text ([`SignedBatch`]). Each slice of a batch fills its own sink on the thread that
/// signs it; `append` joins them in order.
trait Sink: Send + Default {
    /// Room for the links of `urls` (usually enough: escapes can make more).
    fn reserve<S: AsRef<str>>(&mut self, urls: &[S], p: &Resolved<'_>);
    /// Empties it, keeping its buffers.
    fn clear(&mut self);
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
    /// Appends the links of `other` (the next slice) and empties it.
    fn append(&mut self, other: &mut Self);
}

impl Sink for Vec<String> {
    fn reserve<S: AsRef<str>>(&mut self, urls: &[S], _: &Resolved<'_>) {
        Vec::reserve(self, urls.len());
    }

    fn clear(&mut self) {
        Vec::clear(self);
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

    fn append(&mut self, other: &mut Self) {
        Vec::append(self, other);
    }
}

/// A batch's text being written, and the end offset of each link.
#[derive(Default)]
struct Joined {
    text: AsciiWriter,
    ends: Vec<usize>,
}

impl Sink for Joined {
    fn reserve<S: AsRef<str>>(&mut self, urls: &[S], p: &Resolved<'_>) {
        let per_link = ADDED_BYTES
            + p.expires_text.param().len()
            + "&speed=&buffer=".len()
            + p.speed.len()
            + p.buffer.len();
        let text: usize = urls.iter().map(|u| u.as_ref().len()).sum();
        self.text.reserve(text + urls.len() * per_link);
        self.ends.reserve(urls.len());
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
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

    fn append(&mut self, other: &mut Self) {
        if other.ends.is_empty() {
            return;
        }
        if !self.ends.is_empty() {
            self.text.push(b'\n');
        }
        let base = self.text.len();
        self.text.append(&mut other.text);
        self.ends.extend(other.ends.drain(..).map(|e| e + base));
    }
}

/// The signed URLs of a batch, in input order, held in one string and separated by `'\n'`
/// (a signed URL never contains a newline).
///
/// Given back to [`Signer::sign_many_into`], it is refilled in place: its buffers, and the
/// worker threads' buffers of a parallel batch, are reused, so that a large batch does not
/// fault its output memory in again on every call. They are freed when it is dropped.
#[derive(Default)]
pub struct SignedBatch {
    text: String,
    /// End offset in `text` of each URL; URL `i` starts one byte after URL `i - 1` ends.
    ends: Vec<usize>,
    /// The emptied buffers of the worker threads of the last parallel batch.
    spare: Vec<Joined>,
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
    pub fn into_joined(self) -> String {
        self.text
    }
}

impl Clone for SignedBatch {
    /// The links (not the spare buffers).
    fn clone(&self) -> Self {
        SignedBatch {
            text: self.text.clone(),
            ends: self.ends.clone(),
            spare: Vec::new(),
        }
    }
}

impl PartialEq for SignedBatch {
    /// The same links in the same order.
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.ends == other.ends
    }
}

impl Eq for SignedBatch {}

impl fmt::Debug for SignedBatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedBatch")
            .field("len", &self.len())
            .field("text", &self.text)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Signs many URLs with the same options. Fails on the first bad URL, saying which.
    /// Large batches are hashed several messages at a time and spread over the cores.
    pub fn sign_many<S: AsRef<str> + Sync>(
        &self,
        urls: &[S],
        opts: &SignOptions<'_>,
    ) -> Result<Vec<String>, BatchError> {
        let p = self.prepare(opts).map_err(at_index_0)?;
        let p = p.resolve(&*self.clock).map_err(at_index_0)?;
        let mut out = Vec::with_capacity(urls.len());
        self.sign_batch(urls, &p, &mut out, &mut Vec::new())?;
        Ok(out)
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
        let mut out = SignedBatch::default();
        self.sign_many_into(urls, p, &mut out)?;
        // A fresh batch keeps no spare buffers: only a caller that reuses one gains by them.
        out.spare = Vec::new();
        Ok(out)
    }

    /// [`Signer::sign_many_prepared`] into `out`, replacing its links and reusing its
    /// buffers (for a caller that signs batch after batch). On error `out` is left empty.
    pub fn sign_many_into<S: AsRef<str> + Sync>(
        &self,
        urls: &[S],
        p: &Prepared,
        out: &mut SignedBatch,
    ) -> Result<(), BatchError> {
        let mut mine = Joined {
            text: AsciiWriter::reuse(std::mem::take(&mut out.text)),
            ends: std::mem::take(&mut out.ends),
        };
        mine.clear();
        let result = p.resolve(&*self.clock).map_err(at_index_0).and_then(|p| {
            mine.reserve(urls, &p);
            self.sign_batch(urls, &p, &mut mine, &mut out.spare)
        });
        if result.is_err() {
            mine.clear();
        }
        out.text = mine.text.into_string();
        out.ends = mine.ends;
        result
    }

    /// The one joined-text batch protocol: `text` holds URLs separated by the byte `sep`
    /// (`b'\n'` usually; an ASCII control byte, which no signable URL contains). Split as
    /// [`str::lines`] splits at `'\n'`: an empty text is no URLs, a trailing separator is
    /// not an extra empty URL, `"a\n\nb"` has an empty one (which fails). The signed URLs come
    /// back joined by `'\n'` ([`SignedBatch::as_joined`]); an `Err` carries the zero-based
    /// index of the failing URL (0 for a bad `sep`).
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
        self.sign_many_prepared(&split_joined(text, sep), p)
    }

    /// Signs `urls` into `mine`: on this thread, or in slices (one per thread, as
    /// [`threads_for`] decides), this thread signing the first into `mine` and each worker
    /// into a sink taken from `spare` (or a new one), appended to `mine` in order and put
    /// back, empty, into `spare`.
    fn sign_batch<S, K>(
        &self,
        urls: &[S],
        p: &Resolved<'_>,
        mine: &mut K,
        spare: &mut Vec<K>,
    ) -> Result<(), BatchError>
    where
        S: AsRef<str> + Sync,
        K: Sink,
    {
        let threads = threads_for(urls.len());
        if threads < 2 {
            return self.sign_chunk(urls, 0, p, mine);
        }
        let per = urls.len().div_ceil(threads);
        let mut slices = urls.chunks(per);
        let first = slices.next().unwrap_or_default();
        let workers: Vec<(usize, &[S], K)> = slices
            .enumerate()
            .map(|(i, chunk)| {
                let mut sink = spare.pop().unwrap_or_default();
                sink.reserve(chunk, p);
                ((i + 1) * per, chunk, sink)
            })
            .collect();
        let (first, done) = std::thread::scope(|s| {
            let handles: Vec<_> = workers
                .into_iter()
                .map(|(at, chunk, mut sink)| {
                    s.spawn(move || (self.sign_chunk(chunk, at, p, &mut sink), sink))
                })
                .collect();
            // This thread signs the first slice, into the sink that receives the others'.
            let first = self.sign_chunk(first, 0, p, mine);
            let done: Vec<(Result<(), BatchError>, K)> = handles
                .into_iter()
                // A worker can only fail by panicking (a bug): pass the panic on to the
                // caller, whose FFI boundary catches it.
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect();
            (first, done)
        });
        let mut outcome = first;
        for (r, mut sink) in done {
            if outcome.is_ok() {
                outcome = r.map(|()| mine.append(&mut sink));
            }
            sink.clear();
            spare.push(sink);
        }
        outcome
    }
}

/// An error about the batch as a whole (options, separator): reported at index 0.
pub(crate) fn at_index_0(error: Error) -> BatchError {
    BatchError { index: 0, error }
}

/// The URLs of a joined text, split at `sep` as [`str::lines`] splits at `'\n'`. `sep` is
/// ASCII, so every piece is a `&str`.
fn split_joined(text: &str, sep: u8) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let body = text.strip_suffix(char::from(sep)).unwrap_or(text);
    let mut out = Vec::with_capacity(memchr::memchr_iter(sep, body.as_bytes()).count() + 1);
    let mut start = 0;
    for at in memchr::memchr_iter(sep, body.as_bytes()) {
        out.push(&body[start..at]);
        start = at + 1;
    }
    out.push(&body[start..]);
    out
}
