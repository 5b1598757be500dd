//! Batches: many URLs with one prepared request, hashed one by one or 64 at a time by the
//! multi-buffer MD5 (`lanes`), on one thread or several ([`threads_for`], the threading
//! policy); and the one joined-text protocol of the faces ([`Signer::sign_joined`]).
//!
//! No state outlives a call except what the caller holds: a [`SignedBatch`] given to
//! [`Signer::sign_many_into`] keeps its buffers (and those of the worker threads) for the
//! next batch.

mod joined;
mod lanes;
mod slices;

use std::fmt;

use crate::ascii::AsciiWriter;
use crate::error::{BatchError, Error, Result};
use crate::options::SignOptions;
use crate::prepared::{Prepared, Resolved};
use crate::signer::{assemble, check_request_len, write_signed, Signer};
use crate::url::UrlParts;

use slices::{Slice, Urls};

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

/// Where a slice of a batch writes its signed links: one `String` each (`sign_many`) or
/// one piece of joined text ([`SignedBatch`]). Each slice fills its own sink on the thread
/// that signs it.
trait Sink: Send + Default {
    /// Empties it, keeping its buffers, and makes room for `links` links made from
    /// `url_bytes` bytes of URLs (usually enough: escapes can make more).
    fn start(&mut self, links: usize, url_bytes: impl FnOnce() -> usize, p: &Resolved<'_>);
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

    /// Signs one link, one message at a time, into the sink.
    fn put_url(&mut self, signer: &Signer, url: &str, p: &Resolved<'_>) -> Result<()> {
        let parts = crate::url::split(url)?;
        let mut buf = crate::path::PathBytes::new();
        let (canon, verbatim, digest) = signer.link_digest(&parts, &mut buf, p)?;
        self.put(&parts, canon, verbatim, &digest, p, signer.max_request_len)
    }
}

impl Sink for Vec<String> {
    fn start(&mut self, links: usize, _: impl FnOnce() -> usize, _: &Resolved<'_>) {
        Vec::clear(self);
        Vec::reserve(self, links);
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

    /// Exactly `sign_url`'s code.
    fn put_url(&mut self, signer: &Signer, url: &str, p: &Resolved<'_>) -> Result<()> {
        self.push(signer.sign_resolved(url, p)?);
        Ok(())
    }
}

/// The links one slice of a batch signed, joined by `'\n'`, and the end offset of each.
#[derive(Default)]
struct Piece {
    text: AsciiWriter,
    /// End offset in `text` of each link; link `i` starts one byte after link `i - 1` ends.
    ends: Vec<usize>,
}

impl Piece {
    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        self.text.as_str().get(start..end)
    }
}

impl Sink for Piece {
    fn start(&mut self, links: usize, url_bytes: impl FnOnce() -> usize, p: &Resolved<'_>) {
        let per_link = ADDED_BYTES
            + p.expires_text.param().len()
            + "&speed=&buffer=".len()
            + p.speed.len()
            + p.buffer.len();
        self.clear();
        self.text.reserve(url_bytes() + links * per_link);
        self.ends.reserve(links);
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
}

/// What one slice of a batch writes into and works in: its sink, and its lane buffers.
#[derive(Default)]
struct Slot<K> {
    sink: K,
    /// Made by the first group large enough for the lanes: a batch of a few links neither
    /// builds nor drops them (callgrind: 21 of the 116 instructions a one-link `sign_many`
    /// spent around `sign_url`'s code).
    lanes: Option<lanes::Lanes>,
}

/// The signed URLs of a batch, in input order, as consecutive pieces of text (one per
/// slice a thread signed), the URLs of a piece separated by `'\n'` (a signed URL never
/// contains a newline). A parallel batch is not copied into one string:
/// [`SignedBatch::pieces`] hands the pieces over, [`SignedBatch::into_joined`] joins them
/// only when there are several.
///
/// Given back to [`Signer::sign_many_into`], it is refilled in place: its buffers, the
/// worker threads' pieces included, are reused, so that a large batch does not fault its
/// output memory in again on every call. They are freed when it is dropped.
#[derive(Default)]
pub struct SignedBatch {
    /// The first slice's (the whole batch's when one thread signs it).
    first: Slot<Piece>,
    /// The other slices', in order; those past the last batch's slices are empty (spare
    /// buffers of an earlier, wider batch).
    more: Vec<Slot<Piece>>,
}

impl SignedBatch {
    /// The pieces holding links.
    fn used(&self) -> impl Iterator<Item = &Piece> + '_ {
        std::iter::once(&self.first)
            .chain(&self.more)
            .map(|slot| &slot.sink)
            .filter(|piece| !piece.ends.is_empty())
    }

    /// Number of URLs.
    pub fn len(&self) -> usize {
        self.used().map(|piece| piece.ends.len()).sum()
    }

    /// True for an empty batch.
    pub fn is_empty(&self) -> bool {
        self.used().next().is_none()
    }

    /// The `i`-th signed URL.
    pub fn get(&self, mut i: usize) -> Option<&str> {
        for piece in self.used() {
            if i < piece.ends.len() {
                return piece.get(i);
            }
            i -= piece.ends.len();
        }
        None
    }

    /// The signed URLs in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        Links {
            piece: &self.first.sink,
            more: self.more.iter(),
            at: 0,
            left: self.len(),
        }
    }

    /// The batch's text as consecutive pieces, in order (one per slice a thread signed):
    /// the pieces joined by `'\n'` are the joined text. An empty batch has no pieces.
    pub fn pieces(&self) -> impl Iterator<Item = &str> + '_ {
        self.used().map(|piece| piece.text.as_str())
    }

    /// Byte length of the joined text (pieces plus the `'\n'`s between them).
    pub fn joined_len(&self) -> usize {
        let (bytes, n): (usize, usize) = self
            .used()
            .fold((0, 0), |(b, n), piece| (b + piece.text.len(), n + 1));
        bytes + n.saturating_sub(1)
    }

    /// All URLs joined by `'\n'` (no trailing newline): no copy when there is one piece.
    pub fn into_joined(self) -> String {
        if self.more.iter().all(|slot| slot.sink.ends.is_empty()) {
            return self.first.sink.text.into_string();
        }
        let mut text = String::with_capacity(self.joined_len());
        for (i, piece) in self.pieces().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(piece);
        }
        text
    }

    /// Empties it, keeping every buffer.
    fn clear(&mut self) {
        self.first.sink.clear();
        self.more.iter_mut().for_each(|slot| slot.sink.clear());
    }
}

/// [`SignedBatch::iter`]: link `at` of `piece`, then the pieces of `more`.
struct Links<'a> {
    piece: &'a Piece,
    more: std::slice::Iter<'a, Slot<Piece>>,
    at: usize,
    left: usize,
}

impl<'a> Iterator for Links<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            if let Some(link) = self.piece.get(self.at) {
                self.at += 1;
                self.left -= 1;
                return Some(link);
            }
            self.piece = &self.more.next()?.sink;
            self.at = 0;
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Links<'_> {}

impl Clone for SignedBatch {
    /// The links (not the spare buffers).
    fn clone(&self) -> Self {
        let copy = |piece: &Piece| Slot {
            sink: Piece {
                text: piece.text.clone(),
                ends: piece.ends.clone(),
            },
            lanes: None,
        };
        let mut used = self.used();
        SignedBatch {
            first: used.next().map(copy).unwrap_or_default(),
            more: used.map(copy).collect(),
        }
    }
}

impl PartialEq for SignedBatch {
    /// The same links in the same order.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for SignedBatch {}

impl fmt::Debug for SignedBatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedBatch")
            .field("len", &self.len())
            .field("pieces", &self.pieces().collect::<Vec<_>>())
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
        let p = self.resolve_now(opts).map_err(at_index_0)?;
        if urls.len() < lanes::MIN_LANES {
            // Too few links for the lanes, so for threads too: `sign_url`'s own code once
            // per link, into the Vec, without the slices, sinks and lane slots set up
            // (callgrind: they cost a batch of one link ~190 instructions, ~7%, over a loop
            // of `sign_url`).
            let mut out = Vec::with_capacity(urls.len());
            for (index, url) in urls.iter().enumerate() {
                let link = self.sign_resolved(url.as_ref(), &p);
                out.push(link.map_err(|error| BatchError { index, error })?);
            }
            return Ok(out);
        }
        self.sign_many_in_lanes(urls, &p)
    }

    /// [`Signer::sign_many`] of a batch large enough for the lanes. Not inlined: its stack
    /// frame (the lanes' group of 64 links, ~3.5 KiB) stays out of a small batch's call.
    #[inline(never)]
    fn sign_many_in_lanes<S: AsRef<str> + Sync>(
        &self,
        urls: &[S],
        p: &Resolved<'_>,
    ) -> Result<Vec<String>, BatchError> {
        // The first slice's list has room for all: the others are appended to it.
        let mut first = Slot {
            sink: Vec::with_capacity(urls.len()),
            lanes: None,
        };
        let mut more = Vec::new();
        self.sign_batch(&Urls::List(urls), p, &mut first, &mut more)?;
        let mut out = first.sink;
        for mut more in more {
            out.append(&mut more.sink);
        }
        Ok(out)
    }

    /// Like [`Signer::sign_many`], but the signed URLs come back as text, separated by
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
        self.sign_urls_into(&Urls::List(urls), p, out)
    }

    /// A batch into `out`, which is left empty on error.
    fn sign_urls_into<S: AsRef<str> + Sync>(
        &self,
        urls: &Urls<'_, S>,
        p: &Prepared,
        out: &mut SignedBatch,
    ) -> Result<(), BatchError> {
        let result = p
            .resolve(&*self.clock)
            .map_err(at_index_0)
            .and_then(|p| self.sign_batch(urls, &p, &mut out.first, &mut out.more));
        if result.is_err() {
            out.clear();
        }
        result
    }

    /// Signs `urls` into `sinks`, one per slice: on this thread, or in slices (one per
    /// thread, as [`threads_for`] decides), this thread signing the first. Sinks past the
    /// slices are emptied and kept.
    fn sign_batch<S, K>(
        &self,
        urls: &Urls<'_, S>,
        p: &Resolved<'_>,
        first_slot: &mut Slot<K>,
        more: &mut Vec<Slot<K>>,
    ) -> Result<(), BatchError>
    where
        S: AsRef<str> + Sync,
        K: Sink,
    {
        let fail = |slice: &Slice<'_, S>, (j, error)| BatchError {
            index: slice.index(j),
            error,
        };
        let threads = threads_for(urls.len());
        if threads < 2 {
            // One slice, signed here (without the list of slices: a measurable part of a
            // batch of one or two links).
            more.iter_mut().for_each(|slot| slot.sink.clear());
            let whole = urls.whole();
            return whole.sign(self, p, first_slot).map_err(|e| fail(&whole, e));
        }
        let slices = urls.slices(threads);
        if more.len() + 1 < slices.len() {
            more.resize_with(slices.len() - 1, Slot::default);
        }
        more.iter_mut()
            .skip(slices.len() - 1)
            .for_each(|slot| slot.sink.clear());
        let (first, others) = slices.split_first().expect("at least one slice");
        if others.is_empty() {
            return first.sign(self, p, first_slot).map_err(|e| fail(first, e));
        }
        let results = std::thread::scope(|s| {
            let handles: smallvec::SmallVec<[_; 8]> = others
                .iter()
                .zip(more.iter_mut())
                .map(|(slice, slot)| s.spawn(move || slice.sign(self, p, slot)))
                .collect();
            let first = first.sign(self, p, first_slot);
            let others: smallvec::SmallVec<[_; 8]> = handles
                .into_iter()
                // A worker can only fail by panicking (a bug): pass the panic on to the
                // caller, whose FFI boundary catches it.
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect();
            (first, others)
        });
        // The first failing slice in order holds the first failing URL.
        results.0.map_err(|e| fail(first, e))?;
        for (slice, r) in others.iter().zip(results.1) {
            r.map_err(|e| fail(slice, e))?;
        }
        Ok(())
    }
}

/// An error about the batch as a whole (options, separator): reported at index 0.
pub(crate) fn at_index_0(error: Error) -> BatchError {
    BatchError { index: 0, error }
}

#[cfg(test)]
mod tests {
    use crate::{SignOptions, Signer};

    /// A batch too small for the lanes is signed link by link: the same links as
    /// `sign_url`, and an error at the failing link's own index (both sides of the bound).
    #[test]
    fn small_batches_match_sign_url_and_name_the_failing_link() {
        let signer = Signer::new("batch-test-key").unwrap();
        let opts = SignOptions {
            expires: Some(2_000_000_000),
            now: Some(1_700_000_000),
            ..Default::default()
        };
        for n in 1..=super::lanes::MIN_LANES {
            let urls: Vec<String> = (0..n)
                .map(|i| format!("https://cdn.example.com/v/{i}/a b.ts?x={i}"))
                .collect();
            let one: Vec<String> = urls
                .iter()
                .map(|u| signer.sign_url(u, &opts).unwrap())
                .collect();
            assert_eq!(signer.sign_many(&urls, &opts).unwrap(), one, "{n} links");
            for bad in 0..n {
                let mut input = urls.clone();
                input[bad] = "/bad%zz".to_string();
                let err = signer.sign_many(&input, &opts).unwrap_err();
                assert_eq!((err.index, err.error.code()), (bad, "INVALID_PATH"));
            }
        }
    }
}
