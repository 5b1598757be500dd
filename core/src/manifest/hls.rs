//! HLS playlists (RFC 8216 and its revision, draft-pantos-hls-rfc8216bis): where the URIs are.
//!
//! Signed: every URI line (media segments, variant streams of a master playlist), and the
//! `URI` attribute of the tags in [`URI_TAGS`] (plus `SERVER-URI` of
//! `EXT-X-CONTENT-STEERING`). Everything else, `EXT-X-BYTERANGE` and `BYTERANGE` attributes
//! included, is left as it is. Lines end in LF or CRLF, kept as they are.

use std::borrow::Cow;

use super::{excerpt, Escape, ManifestError, Scan, Site};
use crate::error::Error;

/// The tags whose `URI` attribute names something the player fetches.
pub const URI_TAGS: &[&str] = &[
    "EXT-X-KEY",
    "EXT-X-SESSION-KEY",
    "EXT-X-MAP",
    "EXT-X-MEDIA",
    "EXT-X-I-FRAME-STREAM-INF",
    "EXT-X-PART",
    "EXT-X-PRELOAD-HINT",
    "EXT-X-RENDITION-REPORT",
    "EXT-X-SESSION-DATA",
];

fn err(line: usize, context: String, reason: &'static str) -> ManifestError {
    ManifestError {
        line,
        context,
        error: Error::Argument {
            name: "playlist",
            reason,
        },
    }
}

/// Finds the URIs of an HLS playlist.
pub(crate) fn scan(text: &str) -> Result<Scan<'_>, ManifestError> {
    let mut scan = Scan::default();
    let b = text.as_bytes();
    let mut start = 0;
    let mut line_no = 0;
    while start < b.len() {
        line_no += 1;
        let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |i| start + i);
        let mut content_end = end;
        if content_end > start && b[content_end - 1] == b'\r' {
            content_end -= 1;
        }
        let line = &text[start..content_end];
        if line_no == 1 {
            let l = line.strip_prefix('\u{feff}').unwrap_or(line);
            if l.trim_end() != "#EXTM3U" {
                return Err(err(
                    1,
                    "first line".to_owned(),
                    "must be #EXTM3U (an HLS playlist starts with it)",
                ));
            }
        } else if line.starts_with("#EXT") {
            tag_sites(start, line, line_no, &mut scan)?;
        } else if !line.starts_with('#') {
            let trimmed = line.trim_matches([' ', '\t']);
            if !trimmed.is_empty() {
                let off = start + (trimmed.as_ptr() as usize - line.as_ptr() as usize);
                scan.sites.push(Site {
                    span: off..off + trimmed.len(),
                    uri: Cow::Borrowed(trimmed),
                    base: 0,
                    what: Cow::Borrowed("URI line"),
                    escape: Escape::None,
                    template: false,
                });
            }
        }
        start = end + 1;
    }
    if line_no == 0 {
        return Err(err(
            1,
            "first line".to_owned(),
            "is missing: the playlist is empty",
        ));
    }
    Ok(scan)
}

/// The URI attributes of one tag line.
fn tag_sites<'a>(
    line_start: usize,
    line: &'a str,
    line_no: usize,
    scan: &mut Scan<'a>,
) -> Result<(), ManifestError> {
    let body = &line[1..];
    let (name, attrs) = match memchr::memchr(b':', body.as_bytes()) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, ""),
    };
    // One match (on length, then bytes) instead of a scan of the list: every EXTINF line
    // comes through here.
    let wanted: &[&str] = match name {
        "EXT-X-KEY"
        | "EXT-X-SESSION-KEY"
        | "EXT-X-MAP"
        | "EXT-X-MEDIA"
        | "EXT-X-I-FRAME-STREAM-INF"
        | "EXT-X-PART"
        | "EXT-X-PRELOAD-HINT"
        | "EXT-X-RENDITION-REPORT"
        | "EXT-X-SESSION-DATA" => &["URI"],
        "EXT-X-CONTENT-STEERING" => &["SERVER-URI"],
        _ => return Ok(()),
    };
    debug_assert!(name == "EXT-X-CONTENT-STEERING" || URI_TAGS.contains(&name));
    let attrs_start = line_start + 1 + name.len() + 1;
    let ctx = |what: &str| format!("{name} {what}");
    let a = attrs.as_bytes();
    let mut i = 0;
    while i < a.len() {
        while i < a.len() && matches!(a[i], b' ' | b'\t') {
            i += 1;
        }
        let name_start = i;
        while i < a.len() && (a[i].is_ascii_alphanumeric() || a[i] == b'-' || a[i] == b'_') {
            i += 1;
        }
        let attr = &attrs[name_start..i];
        if attr.is_empty() || a.get(i) != Some(&b'=') {
            return Err(err(
                line_no,
                format!("{name} attribute list \"{}\"", excerpt(attrs)),
                "is malformed (expected NAME=VALUE pairs separated by commas)",
            ));
        }
        i += 1;
        let (vs, ve) = if a.get(i) == Some(&b'"') {
            let vs = i + 1;
            let Some(len) = memchr::memchr(b'"', &a[vs..]) else {
                return Err(err(
                    line_no,
                    ctx(attr),
                    "has a quoted string without its closing '\"'",
                ));
            };
            i = vs + len + 1;
            (vs, vs + len)
        } else {
            let vs = i;
            while i < a.len() && a[i] != b',' {
                i += 1;
            }
            let mut ve = i;
            while ve > vs && matches!(a[ve - 1], b' ' | b'\t') {
                ve -= 1;
            }
            (vs, ve)
        };
        if wanted.contains(&attr) && ve > vs {
            scan.sites.push(Site {
                span: attrs_start + vs..attrs_start + ve,
                uri: Cow::Borrowed(&attrs[vs..ve]),
                base: 0,
                what: Cow::Owned(ctx(attr)),
                escape: Escape::None,
                template: false,
            });
        }
        while i < a.len() && matches!(a[i], b' ' | b'\t') {
            i += 1;
        }
        if i < a.len() {
            if a[i] != b',' {
                return Err(err(
                    line_no,
                    format!("{name} attribute list \"{}\"", excerpt(attrs)),
                    "is malformed (expected ',' after a value)",
                ));
            }
            i += 1;
        }
    }
    Ok(())
}
