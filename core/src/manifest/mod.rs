//! Signing HLS playlists and DASH MPDs: every URI a player fetches gets a token, everything
//! else stays byte for byte as it was.
//!
//! ```
//! use cdn_secure_token::{ManifestOptions, Signer, SignOptions};
//!
//! let signer = Signer::new("my-cdn-key")?;
//! let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nseg-1.ts\n#EXT-X-ENDLIST\n";
//! let opts = ManifestOptions {
//!     sign: SignOptions { expires: Some(2147483647), ..Default::default() },
//!     ..Default::default()
//! };
//! let signed = signer.sign_manifest(playlist, "https://cdn.example.com/v/index.m3u8", &opts)?;
//! assert!(signed.contains("\nseg-1.ts?md5="));
//! assert!(signed.ends_with("&expires=2147483647\n#EXT-X-ENDLIST\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! How it works: the manifest is scanned for the places that hold a URI (see [`hls`] and
//! [`dash`] for the lists), each URI is resolved against the manifest URL (RFC 3986; DASH
//! `BaseURL`s nest), every URI on the manifest's server is signed in one batch
//! ([`Signer::sign_many_joined`], so the path is canonicalized exactly as the edge does it),
//! and the token query is written back after the URI as the manifest spells it (relative
//! stays relative; an existing query is kept, old `md5`/`expires` replaced). The output is
//! built only when everything succeeded.
//!
//! Token kinds ([`SignOptions::kind`]):
//! - `File` / `Mp4`: one token per URI (IP binding and MP4 limits work).
//! - `Directory`: the directory token of the manifest's directory, for every URI in that
//!   directory (what Gcore's Query String Forwarding does at the edge). A URI elsewhere
//!   (a subdirectory too: the token does not cover it) is an error or left alone, by
//!   [`ManifestOptions::outside`].
//!
//! A DASH `SegmentTemplate` with `$Number$`, `$Time$` or another identifier names many files
//! the player makes up: only a directory token can cover them, so those templates need kind
//! `Directory` (with `File`/`Mp4` they are an error that says so).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::options::{SignOptions, TokenKind};
use crate::signer::Signer;

pub mod dash;
pub mod hls;
mod resolve;

use resolve::{Base, ResolveError, Resolved, Target};

/// Largest manifest accepted, in bytes (a 24-hour DVR window of 2-second segments is about
/// 4 MiB).
pub const MAX_MANIFEST_LEN: usize = 16 * 1024 * 1024;

/// What to do with a URI that the directory token does not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Outside {
    /// Fail, naming the URI (the default: a silent 403 at the player is worse).
    #[default]
    Error,
    /// Leave it as it is.
    Keep,
}

impl FromStr for Outside {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Ok(Outside::Error),
            "keep" => Ok(Outside::Keep),
            _ => Err(Error::Argument {
                name: "outside",
                reason: "must be error or keep",
            }),
        }
    }
}

impl fmt::Display for Outside {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outside::Error => "error",
            Outside::Keep => "keep",
        })
    }
}

/// How to sign a manifest.
#[derive(Debug, Clone, Copy, Default)]
pub struct ManifestOptions<'a> {
    /// Expiry, client IP, token kind (`File`, `Mp4` or `Directory`), MP4 limits, as for
    /// [`Signer::sign_url`]. One expiry is resolved for the whole manifest.
    pub sign: SignOptions<'a>,
    /// With kind `Directory`: what to do with a URI outside the manifest's directory.
    pub outside: Outside,
    /// Sign http(s) URIs on other servers too (same key). By default they are left alone.
    /// Non-http URIs (`skd://`, `data:`, ...) are never signed.
    pub other_hosts: bool,
}

/// The manifest formats understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManifestFormat {
    /// An HLS playlist (`#EXTM3U`), media or master.
    Hls,
    /// A DASH MPD (XML with an `MPD` root).
    Dash,
}

impl ManifestFormat {
    /// Tells the format from the first bytes: `#EXTM3U`, or `<` (XML), after an optional
    /// UTF-8 byte order mark and, for XML, white space.
    pub fn detect(text: &str) -> Option<ManifestFormat> {
        let t = text.strip_prefix('\u{feff}').unwrap_or(text);
        if t.starts_with("#EXTM3U") {
            Some(ManifestFormat::Hls)
        } else if t.trim_start().starts_with('<') {
            Some(ManifestFormat::Dash)
        } else {
            None
        }
    }
}

/// Why a manifest could not be signed, and where: nothing was produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// 1-based line of the manifest; 0 for the manifest as a whole, its URL or the options.
    pub line: usize,
    /// What is there: `URI line "seg-1.ts"`, `EXT-X-KEY URI "key.bin"`,
    /// `<SegmentURL media="s1.m4s">`, `manifest URL`, `options`, ...
    pub context: String,
    /// The problem, of the core's one error type (its kind maps to each face's errors).
    pub error: Error,
}

impl ManifestError {
    pub(crate) fn whole(context: &str, error: Error) -> Self {
        ManifestError {
            line: 0,
            context: context.to_owned(),
            error,
        }
    }

    /// The kind of the underlying error (for faces mapping errors to their own classes).
    pub fn kind(&self) -> crate::ErrorKind {
        self.error.kind()
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "manifest line {}, {}: {}",
                self.line, self.context, self.error
            )
        } else {
            write!(f, "{}: {}", self.context, self.error)
        }
    }
}

impl std::error::Error for ManifestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// How a rewritten value is written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    /// As is (HLS).
    None,
    /// XML attribute value in these quotes.
    XmlAttr(u8),
    /// XML character data.
    XmlText,
    /// Inside a CDATA section.
    Cdata,
}

/// One place in the manifest that holds a URI.
#[derive(Debug, Clone)]
pub(crate) struct Site<'a> {
    /// The raw bytes to rewrite.
    pub span: std::ops::Range<usize>,
    /// The URI (XML entities decoded), trimmed.
    pub uri: Cow<'a, str>,
    /// Index of the base it resolves against (0: the manifest URL).
    pub base: usize,
    /// For the error message: `URI line`, `EXT-X-KEY URI`, `<SegmentURL media>`, ...
    pub what: Cow<'a, str>,
    pub escape: Escape,
    /// A DASH template with identifiers (`$Number$`): only a directory token can cover it.
    pub template: bool,
}

/// What a scanner found: the places to sign, and the extra bases (DASH `BaseURL`) that
/// sites resolve against, each as (parent base, reference, site index if the BaseURL
/// itself is one).
#[derive(Debug, Default)]
pub(crate) struct Scan<'a> {
    pub sites: Vec<Site<'a>>,
    /// Base `i + 1` is `bases[i].1` resolved against base `bases[i].0`.
    pub bases: Vec<(usize, String, std::ops::Range<usize>, String)>,
}

/// The 1-based line holding byte `at` of `text`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    memchr::memchr_iter(b'\n', &text.as_bytes()[..at.min(text.len())]).count() + 1
}

pub(crate) fn excerpt(s: &str) -> String {
    const MAX: usize = 80;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

fn manifest_err(reason: &'static str) -> Error {
    Error::Argument {
        name: "manifest",
        reason,
    }
}

fn above_root() -> Error {
    Error::PathAboveRoot
}

impl Signer {
    /// Signs every URI a player fetches from `text`, an HLS playlist or a DASH MPD served
    /// from `manifest_url` (an absolute http(s) URL, or a path starting with `/` when the
    /// host does not matter: then every URI with a host counts as another server's). Returns
    /// the manifest with each signed URI followed by its token query and every other byte
    /// unchanged; on any error nothing is returned but the error, naming the line and place.
    pub fn sign_manifest(
        &self,
        text: &str,
        manifest_url: &str,
        opts: &ManifestOptions<'_>,
    ) -> Result<String, ManifestError> {
        if text.len() > MAX_MANIFEST_LEN {
            return Err(ManifestError::whole(
                "manifest",
                Error::Argument {
                    name: "manifest",
                    reason: "is larger than MAX_MANIFEST_LEN (16 MiB)",
                },
            ));
        }
        let kind = opts.sign.kind;
        if kind == TokenKind::Stream {
            return Err(ManifestError::whole(
                "options",
                Error::Argument {
                    name: "kind",
                    reason: "stream tokens go in the path: sign a manifest with file, mp4 or directory tokens",
                },
            ));
        }
        // The options are checked once, so that a batch error below is about a URI.
        self.token_with("/", &opts.sign)
            .map_err(|e| ManifestError::whole("options", e))?;
        let base = match Base::from_url(manifest_url) {
            Some(Ok(b)) => b,
            Some(Err(ResolveError::AboveRoot)) => {
                return Err(ManifestError::whole("manifest URL", above_root()))
            }
            None => {
                return Err(ManifestError::whole(
                    "manifest URL",
                    Error::Url {
                        reason: "must be an absolute http(s) URL or a path starting with '/'",
                    },
                ))
            }
        };
        let scan =
            match ManifestFormat::detect(text) {
                Some(ManifestFormat::Hls) => hls::scan(text)?,
                Some(ManifestFormat::Dash) => dash::scan(text)?,
                None => return Err(ManifestError {
                    line: 1,
                    context: "first line".to_owned(),
                    error: manifest_err(
                        "it is neither an HLS playlist (first line #EXTM3U) nor a DASH MPD (XML)",
                    ),
                }),
            };
        sign_sites(self, text, base, scan, opts)
    }
}

/// What becomes of one site.
enum Plan {
    Keep,
    /// Signed: the index of its URL in the batch, whether it is on the manifest's server
    /// (then the batch item is a path-and-query, else an absolute URL), and where the URI's
    /// query and fragment start.
    Sign {
        index: usize,
        same_origin: bool,
        head_len: usize,
        fragment_at: usize,
    },
}

/// A path for the batch: a leading `//` would read as a host, and the edge merges slashes.
fn push_path(arena: &mut String, path: &str) {
    arena.push('/');
    arena.push_str(path.trim_start_matches('/'));
}

fn sign_sites(
    signer: &Signer,
    text: &str,
    manifest: Base,
    scan: Scan<'_>,
    opts: &ManifestOptions<'_>,
) -> Result<String, ManifestError> {
    let at = |site: &Site, error: Error| ManifestError {
        line: line_of(text, site.span.start),
        context: format!("{} \"{}\"", site.what, excerpt(&site.uri)),
        error,
    };
    // The bases: the manifest's, then each DASH BaseURL resolved against its parent.
    let mut bases = Vec::with_capacity(scan.bases.len() + 1);
    bases.push(manifest);
    for (parent, reference, span, what) in &scan.bases {
        let err = |error| ManifestError {
            line: line_of(text, span.start),
            context: format!("{what} \"{}\"", excerpt(reference)),
            error,
        };
        let parent = &bases[*parent];
        let b = match parent.resolve(reference).map_err(|_| err(above_root()))? {
            Target::Http {
                origin_key,
                origin,
                path,
                ..
            } => Base {
                origin,
                origin_key,
                path,
                foreign: false,
            },
            // A BaseURL that is not http(s): nothing under it is signed.
            Target::Foreign => Base {
                origin: String::new(),
                origin_key: String::new(),
                path: "/".to_owned(),
                foreign: true,
            },
        };
        bases.push(b);
    }

    let dir_mode = opts.sign.kind == TokenKind::Directory;
    let manifest_key = &bases[0].origin_key;
    // The batch: item 0 is the manifest's own path (its directory is the one a directory
    // token covers), then one item per signed site, as a path-and-query (or an absolute URL
    // for another server).
    let mut arena = String::with_capacity(text.len() + scan.sites.len() * bases[0].path.len());
    let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(scan.sites.len() + 1);
    push_path(&mut arena, &bases[0].path);
    bounds.push((0, arena.len()));
    let mut plans = Vec::with_capacity(scan.sites.len());
    for site in &scan.sites {
        if site.template && !dir_mode {
            return Err(at(
                site,
                Error::Argument {
                    name: "kind",
                    reason: "a SegmentTemplate with $Number$, $Time$ or another identifier names \
                             files the player makes up, so only a directory token can cover it: \
                             sign with kind directory (CLI --dir)",
                },
            ));
        }
        let start = arena.len();
        let base = &bases[site.base];
        let resolved = base
            .resolve_into(&site.uri, &mut arena)
            .map_err(|_| at(site, above_root()))?;
        let Resolved::Http {
            other,
            query,
            head_len,
        } = resolved
        else {
            arena.truncate(start);
            plans.push(Plan::Keep);
            continue;
        };
        let same_origin = match &other {
            None => &base.origin_key == manifest_key,
            Some((_, key)) => key == manifest_key,
        };
        if !same_origin && !opts.other_hosts {
            arena.truncate(start);
            plans.push(Plan::Keep);
            continue;
        }
        if memchr::memchr(b'{', site.uri.as_bytes()).is_some()
            && site.uri.contains("{$")
            && !site.template
        {
            return Err(at(
                site,
                Error::Argument {
                    name: "URI",
                    reason: "uses an EXT-X-DEFINE variable ({$name}), whose value is not known \
                             here: substitute it before signing",
                },
            ));
        }
        // A leading `//` would read as a host in the batch; the edge merges slashes anyway.
        while arena[start..].starts_with("//") {
            arena.remove(start);
        }
        if site.template {
            // The file name is made up by the player; the directory token covers it.
            let cut = arena[start..].rfind('/').map_or(start, |i| start + i + 1);
            if arena[start..cut].contains('$') {
                arena.truncate(start);
                if opts.outside == Outside::Keep {
                    plans.push(Plan::Keep);
                    continue;
                }
                return Err(at(
                    site,
                    Error::Argument {
                        name: "URI",
                        reason: "the template's directory varies ($...$ before the last '/'), \
                                 so no one directory token covers it",
                    },
                ));
            }
            arena.truncate(cut);
            arena.push('_');
        }
        if !same_origin {
            let origin = other.as_ref().map_or(&base.origin, |(o, _)| o);
            arena.insert_str(start, origin);
        }
        if let Some(q) = query {
            arena.push('?');
            arena.push_str(q);
        }
        let fragment_at = head_len + query.map_or(0, |q| q.len() + 1);
        plans.push(Plan::Sign {
            index: bounds.len(),
            same_origin,
            head_len,
            fragment_at,
        });
        bounds.push((start, arena.len()));
    }

    let urls: Vec<&str> = bounds.iter().map(|&(s, e)| &arena[s..e]).collect();
    let batch = signer
        .sign_many_joined(&urls, &opts.sign)
        .map_err(|e| match e.index {
            0 => ManifestError::whole("manifest URL", e.error),
            i => {
                let k = plans
                    .iter()
                    .position(|p| matches!(p, Plan::Sign { index, .. } if *index == i))
                    .unwrap_or(0);
                at(&scan.sites[k], e.error)
            }
        })?;

    // The directory of a signed URL: its path up to the last '/', as the core wrote it
    // (one spelling per canonical path, so equal text means the same directory).
    let path_of = |signed: &str, same_origin_form: bool| -> (usize, usize) {
        let from = if same_origin_form {
            0
        } else {
            let r = resolve::split_ref(signed);
            signed.len() - r.path.len() - r.query.map_or(0, |q| q.len() + 1)
        };
        let q = memchr::memchr(b'?', &signed.as_bytes()[from..]).map_or(signed.len(), |i| from + i);
        (from, q)
    };
    let manifest_signed = batch.get(0).unwrap_or_default();
    let (ms, me) = path_of(manifest_signed, true);
    let manifest_dir =
        &manifest_signed[ms..ms + manifest_signed[ms..me].rfind('/').unwrap_or(0) + 1];

    let mut out = String::with_capacity(text.len() + scan.sites.len() * 56);
    let mut copied = 0;
    for (site, plan) in scan.sites.iter().zip(&plans) {
        let Plan::Sign {
            index: i,
            same_origin: same,
            head_len,
            fragment_at,
        } = *plan
        else {
            continue;
        };
        let signed = batch.get(i).unwrap_or_default();
        let (ps, pe) = path_of(signed, same);
        if dir_mode {
            let dir = &signed[ps..ps + signed[ps..pe].rfind('/').unwrap_or(0) + 1];
            let same_server = same || opts.other_hosts;
            if dir != manifest_dir || !same_server {
                if opts.outside == Outside::Keep {
                    continue;
                }
                return Err(at(
                    site,
                    Error::Argument {
                        name: "URI",
                        reason: "is outside the manifest's directory, which the directory token \
                                 covers (not its subdirectories): sign with file tokens or \
                                 choose outside=keep",
                    },
                ));
            }
        }
        let query = &signed[pe..]; // starts with '?'
        let (head, fragment) = (&site.uri[..head_len], &site.uri[fragment_at..]);
        out.push_str(&text[copied..site.span.start]);
        let raw = &text[site.span.clone()];
        // The URI's own text up to its query stays as written (relative stays relative).
        match site.escape {
            Escape::None | Escape::Cdata => {
                out.push_str(head);
                out.push_str(query);
                out.push_str(fragment);
            }
            Escape::XmlAttr(_) | Escape::XmlText => {
                if raw.contains('&') {
                    dash::escape_into(head, site.escape, &mut out);
                } else {
                    out.push_str(head);
                }
                dash::escape_into(query, site.escape, &mut out);
                dash::escape_into(fragment, site.escape, &mut out);
            }
        }
        copied = site.span.end;
    }
    out.push_str(&text[copied..]);
    Ok(out)
}
