//! The 64-lane orchestration: a batch's links hashed 64 messages at a time by the
//! multi-buffer MD5.

use crate::error::Error;
use crate::path::PathBytes;
use crate::prepared::Resolved;
use crate::signer::{url_path, Signer};
use crate::url::{self, UrlParts};

use super::Sink;

/// Messages hashed at once by a batch: 64 lets the multi-buffer MD5 interleave four vector
/// groups.
const LANES: usize = 64;

/// The smallest group of links a batch hashes in lanes; smaller groups go link by link as
/// `sign_url` does. Below one AVX2 vector (8 lanes) the lanes' setup costs more than it
/// saves (criterion `batch_vs_loop`: see core/benches/sign.rs).
pub(super) const MIN_LANES: usize = 8;

/// A slice's lane buffers, grown to the largest group it signed (at most [`LANES`]) and
/// kept by the caller's [`super::SignedBatch`] for the next batch.
#[derive(Default)]
pub(super) struct Lanes {
    paths: Vec<PathBytes>,
    verbatim: Vec<bool>,
    /// Messages up to SHORT_MESSAGE bytes (typical links), written straight into two-block
    /// buffers and padded there.
    short_bufs: Vec<[u8; 128]>,
    short_lens: Vec<usize>,
    digests: Vec<[u8; 16]>,
    /// Longer messages, one after the other.
    arena: Vec<u8>,
    /// Key bytes may be in the buffers (they were used since the last wipe).
    dirty: bool,
}

impl Lanes {
    /// At least `n` lanes.
    fn fit(&mut self, n: usize) {
        if self.paths.len() < n {
            self.paths.resize_with(n, PathBytes::new);
            self.verbatim.resize(n, false);
            self.short_bufs.resize(n, [0; 128]);
            self.short_lens.resize(n, 0);
            self.digests.resize(n, [0; 16]);
        }
    }

    /// Wipes the message buffers, which held key bytes: at the end of every slice, so that
    /// a kept batch holds no key between calls.
    fn wipe(&mut self) {
        if !self.dirty {
            // Unused since the last wipe, e.g. in a batch of fewer than MIN_LANES links
            // (zeroizing even empty buffers calls memset: a measurable part of a one-link
            // batch).
            return;
        }
        self.dirty = false;
        // One fill per buffer: each memset call is measurable at 8 links (zeroizing the
        // 128-byte buffers one by one made a batch of 8 ~30% slower). The arena's whole
        // capacity; the short buffers as one slice (zeroizing the `Vec` would empty it).
        if self.arena.capacity() > 0 {
            zeroize::Zeroize::zeroize(&mut self.arena);
        }
        zeroize::Zeroize::zeroize(self.short_bufs.as_flattened_mut());
    }
}

/// Wiped however the batch ends (a panic included).
impl Drop for Lanes {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl Signer {
    /// Signs the `n` URLs of `urls` on this thread into `sink`. The one batching policy:
    /// groups of [`LANES`] messages go through the multi-buffer MD5 with lanes sized to the
    /// group; a group smaller than [`MIN_LANES`] (a small batch, or the tail of a large
    /// one) is signed link by link as `sign_url` signs (`Sink::put_url`), since the lanes'
    /// setup costs more than they save there. An error carries the index within `urls`.
    pub(super) fn sign_chunk<'u, K: Sink>(
        &self,
        urls: impl Iterator<Item = &'u str>,
        n: usize,
        p: &Resolved<'_>,
        sink: &mut K,
        lanes: &mut Option<Lanes>,
    ) -> Result<(), (usize, Error)> {
        let result = self.sign_groups(urls, n, p, sink, lanes);
        if let Some(lanes) = lanes {
            lanes.wipe();
        }
        result
    }

    fn sign_groups<'u, K: Sink>(
        &self,
        urls: impl Iterator<Item = &'u str>,
        n: usize,
        p: &Resolved<'_>,
        sink: &mut K,
        lanes: &mut Option<Lanes>,
    ) -> Result<(), (usize, Error)> {
        let mut urls = urls.take(n);
        if n < MIN_LANES {
            for (j, u) in urls.enumerate() {
                sink.put_url(self, u, p).map_err(|e| (j, e))?;
            }
            return Ok(());
        }
        let lane = lanes.get_or_insert_with(Lanes::default);
        let key = self.signing_key();
        let max = self.max_request_len;
        lane.fit(n.min(LANES));
        lane.dirty = true;
        let mut done = 0;
        loop {
            let chunk: smallvec::SmallVec<[&str; LANES]> = urls.by_ref().take(LANES).collect();
            if chunk.is_empty() {
                return Ok(());
            }
            let at = |j: usize| done + j;
            if chunk.len() < MIN_LANES {
                // The tail of the batch.
                for (j, u) in chunk.iter().enumerate() {
                    sink.put_url(self, u, p).map_err(|e| (at(j), e))?;
                }
                return Ok(());
            }
            let l = &mut *lane;
            let mut parts: smallvec::SmallVec<[UrlParts<'_>; LANES]> = smallvec::SmallVec::new();
            let mut all_short = true;
            for (j, u) in chunk.iter().enumerate() {
                let fail = |error| (at(j), error);
                let pr = url::split(u).map_err(fail)?;
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
                    .map_err(|error| (at(j), error))?;
            }
            done += n;
        }
    }
}
