//! The URLs of a batch and how they are cut: a list, or one joined text split lazily at a
//! separator (never into a list of URLs); the slices one thread each signs, and the index
//! in the whole batch of a slice's failing URL.

use crate::error::Error;
use crate::prepared::Resolved;
use crate::signer::Signer;

use super::{Sink, Slot};

/// The URLs of a batch: a list, or one text split at a separator byte.
pub(super) enum Urls<'a, S> {
    List(&'a [S]),
    /// The text without its trailing separator, and its number of URLs.
    Joined {
        body: &'a str,
        sep: u8,
        len: usize,
    },
}

/// The part of a batch one thread signs.
pub(super) enum Slice<'a, S> {
    /// URLs from index `at`.
    List { urls: &'a [S], at: usize },
    /// URLs of `text`, which follows `before` in the joined text; `len` of them when
    /// counted (the whole text), else counted by the thread that signs it.
    Joined {
        text: &'a str,
        before: &'a str,
        sep: u8,
        len: Option<usize>,
    },
}

impl<'a, S: AsRef<str>> Urls<'a, S> {
    pub(super) fn len(&self) -> usize {
        match self {
            Urls::List(urls) => urls.len(),
            Urls::Joined { len, .. } => *len,
        }
    }

    /// The whole batch as one slice.
    pub(super) fn whole(&self) -> Slice<'a, S> {
        match *self {
            Urls::List(urls) => Slice::List { urls, at: 0 },
            Urls::Joined { body, sep, len } => Slice::Joined {
                text: body,
                before: "",
                sep,
                len: Some(len),
            },
        }
    }

    /// `threads` (2 or more) slices of about the same size (fewer for a text with fewer URLs): a list
    /// cut by count, a text cut by bytes at the separator after each cut point, so that
    /// no list of the text's URLs is made.
    pub(super) fn slices(&self, threads: usize) -> smallvec::SmallVec<[Slice<'a, S>; 8]> {
        let mut out = smallvec::SmallVec::new();
        match *self {
            Urls::List(urls) => {
                let per = urls.len().div_ceil(threads.max(1)).max(1);
                for (i, chunk) in urls.chunks(per).enumerate() {
                    out.push(Slice::List {
                        urls: chunk,
                        at: i * per,
                    });
                }
            }
            Urls::Joined { body, sep, .. } => {
                let bytes = body.as_bytes();
                let mut start = 0;
                for k in 1..=threads {
                    let end = if k == threads {
                        bytes.len()
                    } else {
                        let from = (bytes.len() / threads * k).max(start);
                        match memchr::memchr(sep, &bytes[from..]) {
                            Some(i) => from + i,
                            None => bytes.len(),
                        }
                    };
                    out.push(Slice::Joined {
                        text: &body[start..end],
                        before: &body[..start],
                        sep,
                        len: None,
                    });
                    if end == bytes.len() {
                        break;
                    }
                    start = end + 1;
                }
            }
        }
        out
    }
}

impl<'a, S: AsRef<str>> Slice<'a, S> {
    /// The index in the batch of URL `j` of this slice (counted only for an error).
    pub(super) fn index(&self, j: usize) -> usize {
        match *self {
            Slice::List { at, .. } => at + j,
            Slice::Joined { before, sep, .. } => {
                memchr::memchr_iter(sep, before.as_bytes()).count() + j
            }
        }
    }

    /// Signs the slice into `sink`; an error carries the index within the slice.
    pub(super) fn sign<K: Sink>(
        &self,
        signer: &Signer,
        p: &Resolved<'_>,
        slot: &mut Slot<K>,
    ) -> std::result::Result<(), (usize, Error)> {
        let Slot { sink, lanes } = slot;
        match *self {
            Slice::List { urls, .. } => {
                let bytes = || urls.iter().map(|u| u.as_ref().len()).sum();
                sink.start(urls.len(), bytes, p);
                signer.sign_chunk(urls.iter().map(AsRef::as_ref), urls.len(), p, sink, lanes)
            }
            Slice::Joined { text, sep, len, .. } => {
                let len =
                    len.unwrap_or_else(|| memchr::memchr_iter(sep, text.as_bytes()).count() + 1);
                sink.start(len, || text.len() + 1 - len, p);
                signer.sign_chunk(text.split(char::from(sep)), len, p, sink, lanes)
            }
        }
    }
}

/// The URLs of a joined text, split at `sep` as [`str::lines`] splits at `'\n'`: the
/// text without one trailing separator, and its number of URLs (an empty text has none).
pub(super) fn joined_urls<S>(text: &str, sep: u8) -> Urls<'_, S> {
    let body = text.strip_suffix(char::from(sep)).unwrap_or(text);
    let len = if text.is_empty() {
        0
    } else {
        memchr::memchr_iter(sep, body.as_bytes()).count() + 1
    };
    Urls::Joined { body, sep, len }
}
