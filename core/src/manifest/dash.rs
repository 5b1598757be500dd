//! DASH MPDs (ISO/IEC 23009-1): where the URIs are. Read with the `xmlparser` tokenizer,
//! which gives the byte span of every attribute value and text, so the document outside the
//! rewritten values stays byte for byte what it was.
//!
//! Resolution: `BaseURL` elements nest (MPD → Period → AdaptationSet → Representation), each
//! resolved against its parent's (RFC 3986); where an element has several (alternatives, one
//! per CDN) the first one is the base of its descendants. A `BaseURL` that names a file (does
//! not end in `/`: the on-demand profile's single file with `SegmentBase`) is signed; one that
//! ends in `/` is a directory the player resolves against, and its query would be dropped by
//! that resolution, so it is left as it is.
//!
//! Signed attributes: [`URI_ATTRIBUTES`]; also the text of `BaseURL` (as above) and of
//! `Location`. A `SegmentTemplate` value with identifiers (`$Number$`, `$Time$`,
//! `$RepresentationID$`, ...) takes the directory token only (see the module above).

use std::borrow::Cow;

use xmlparser::{ElementEnd, Token, Tokenizer};

use super::{line_of, Escape, ManifestError, Scan, Site};
use crate::error::Error;

/// `(element, attribute)` pairs whose value is a URI the player fetches.
pub const URI_ATTRIBUTES: &[(&str, &str)] = &[
    ("SegmentTemplate", "media"),
    ("SegmentTemplate", "initialization"),
    ("SegmentTemplate", "index"),
    ("SegmentTemplate", "bitstreamSwitching"),
    ("SegmentURL", "media"),
    ("SegmentURL", "index"),
    ("Initialization", "sourceURL"),
    ("RepresentationIndex", "sourceURL"),
    ("BitstreamSwitching", "sourceURL"),
];

/// The name errors give the place, `<SegmentURL media>`, for an attribute that is signed.
fn site_name(element: &str, attr: &str) -> Option<&'static str> {
    Some(match (element, attr) {
        ("SegmentTemplate", "media") => "<SegmentTemplate media>",
        ("SegmentTemplate", "initialization") => "<SegmentTemplate initialization>",
        ("SegmentTemplate", "index") => "<SegmentTemplate index>",
        ("SegmentTemplate", "bitstreamSwitching") => "<SegmentTemplate bitstreamSwitching>",
        ("SegmentURL", "media") => "<SegmentURL media>",
        ("SegmentURL", "index") => "<SegmentURL index>",
        ("Initialization", "sourceURL") => "<Initialization sourceURL>",
        ("RepresentationIndex", "sourceURL") => "<RepresentationIndex sourceURL>",
        ("BitstreamSwitching", "sourceURL") => "<BitstreamSwitching sourceURL>",
        _ => return None,
    })
}

fn err(text: &str, at: usize, context: String, reason: &'static str) -> ManifestError {
    ManifestError {
        line: line_of(text, at),
        context,
        error: Error::Argument {
            name: "MPD",
            reason,
        },
    }
}

/// An open element.
struct Open<'a> {
    prefix: &'a str,
    local: &'a str,
    /// The base its children resolve against.
    base: usize,
    /// The base this element's first BaseURL child defines, once seen.
    own_base: Option<usize>,
}

/// Text gathered inside a `BaseURL` or `Location`.
struct TextSite {
    at: usize,
    pieces: usize,
    span: std::ops::Range<usize>,
    raw_is_cdata: bool,
}

/// Finds the URIs of an MPD.
pub(crate) fn scan(text: &str) -> Result<Scan<'_>, ManifestError> {
    let mut scan = Scan::default();
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut text_site: Option<TextSite> = None;
    let mut saw_root = false;
    // The element being opened: its name and where it starts, until its '>' or '/>'.
    let mut opening: Option<(&str, &str, usize)> = None;
    for token in Tokenizer::from(text) {
        let token = token.map_err(|e| {
            let pos = e.pos();
            ManifestError {
                line: pos.row as usize,
                context: format!("XML at column {}", pos.col),
                error: Error::Argument {
                    name: "MPD",
                    reason: "is not well-formed XML",
                },
            }
        })?;
        match token {
            Token::DtdStart { span, .. } | Token::EmptyDtd { span, .. } => {
                return Err(err(
                    text,
                    span.start(),
                    "<!DOCTYPE>".to_owned(),
                    "has a DTD, which an MPD never needs (and whose entities could change any value)",
                ));
            }
            Token::ElementStart {
                prefix,
                local,
                span,
            } => {
                if stack.is_empty() {
                    if saw_root {
                        return Err(err(
                            text,
                            span.start(),
                            format!("<{}>", local.as_str()),
                            "is a second root element",
                        ));
                    }
                    saw_root = true;
                    if local.as_str() != "MPD" {
                        return Err(err(
                            text,
                            span.start(),
                            format!("root element <{}>", local.as_str()),
                            "is not MPD: this is not a DASH manifest",
                        ));
                    }
                }
                if text_site.is_some() {
                    let open = stack.last().map_or("", |o| o.local);
                    return Err(err(
                        text,
                        span.start(),
                        format!("<{open}>"),
                        "holds an element; a URI is expected",
                    ));
                }
                opening = Some((prefix.as_str(), local.as_str(), span.start()));
            }
            Token::Attribute {
                local, value, span, ..
            } => {
                let Some((_, element, _)) = opening else {
                    continue;
                };
                let attr = local.as_str();
                let Some(what) = site_name(element, attr) else {
                    continue;
                };
                let base = stack.last().map_or(0, |o| o.own_base.unwrap_or(o.base));
                let raw = value.as_str();
                let quote = text.as_bytes()[value.start() - 1];
                let uri = unescape(raw).ok_or_else(|| {
                    err(
                        text,
                        span.start(),
                        what.to_owned(),
                        "has an unknown or malformed entity reference (&...;)",
                    )
                })?;
                let raw_lead = raw.len() - raw.trim_start().len();
                let raw_trail = raw.len() - raw.trim_end().len();
                let uri = match uri {
                    Cow::Borrowed(u) => Cow::Borrowed(u.trim()),
                    Cow::Owned(u) => Cow::Owned(u.trim().to_owned()),
                };
                if uri.is_empty() {
                    continue;
                }
                let template = element == "SegmentTemplate" && has_identifier(&uri);
                scan.sites.push(Site {
                    span: value.start() + raw_lead..value.end() - raw_trail,
                    uri,
                    base,
                    what: Cow::Borrowed(what),
                    escape: Escape::XmlAttr(quote),
                    template,
                });
            }
            Token::ElementEnd { end, span } => match end {
                ElementEnd::Open => {
                    let Some((prefix, local, _)) = opening.take() else {
                        continue;
                    };
                    let parent_base = stack.last().map_or(0, |o| o.own_base.unwrap_or(o.base));
                    if matches!(local, "BaseURL" | "Location") {
                        text_site = Some(TextSite {
                            at: span.start(),
                            pieces: 0,
                            span: 0..0,
                            raw_is_cdata: false,
                        });
                    }
                    stack.push(Open {
                        prefix,
                        local,
                        base: parent_base,
                        own_base: None,
                    });
                }
                ElementEnd::Empty => {
                    opening = None;
                }
                ElementEnd::Close(prefix, local) => {
                    let Some(open) = stack.pop() else {
                        return Err(err(
                            text,
                            span.start(),
                            format!("</{}>", local.as_str()),
                            "closes an element that was never opened",
                        ));
                    };
                    if open.local != local.as_str() || open.prefix != prefix.as_str() {
                        return Err(err(
                            text,
                            span.start(),
                            format!("</{}>", local.as_str()),
                            "does not close the open element",
                        ));
                    }
                    if let Some(ts) = text_site.take() {
                        finish_text(text, &open, ts, &mut stack, &mut scan)?;
                    }
                }
            },
            Token::Text { text: t } | Token::Cdata { text: t, .. } => {
                let is_cdata = matches!(token, Token::Cdata { .. });
                if let Some(ts) = text_site.as_mut() {
                    if t.as_str().trim().is_empty() && !is_cdata {
                        continue;
                    }
                    ts.pieces += 1;
                    ts.span = t.range();
                    ts.raw_is_cdata = is_cdata;
                }
            }
            _ => {}
        }
    }
    if !saw_root {
        return Err(err(
            text,
            0,
            "document".to_owned(),
            "has no root element: this is not a DASH manifest",
        ));
    }
    if let Some(open) = stack.last() {
        return Err(err(
            text,
            text.len(),
            format!("<{}>", open.local),
            "is never closed (the MPD is cut short)",
        ));
    }
    Ok(scan)
}

/// Ends a `BaseURL` / `Location`: records its text as a base and, when it names a file, as a
/// site.
fn finish_text<'a>(
    text: &'a str,
    open: &Open<'_>,
    ts: TextSite,
    stack: &mut [Open<'_>],
    scan: &mut Scan<'a>,
) -> Result<(), ManifestError> {
    let what = format!("<{}>", open.local);
    if ts.pieces == 0 {
        return Err(err(text, ts.at, what, "is empty"));
    }
    if ts.pieces > 1 {
        return Err(err(
            text,
            ts.at,
            what,
            "has its URI in several pieces (comments or CDATA inside)",
        ));
    }
    let raw = &text[ts.span.clone()];
    let (uri, escape) = if ts.raw_is_cdata {
        (raw.to_owned(), Escape::Cdata)
    } else {
        let u = unescape(raw).ok_or_else(|| {
            err(
                text,
                ts.at,
                what.clone(),
                "has an unknown or malformed entity reference (&...;)",
            )
        })?;
        (u.into_owned(), Escape::XmlText)
    };
    let raw_lead = raw.len() - raw.trim_start().len();
    let raw_trail = raw.len() - raw.trim_end().len();
    let (_, trimmed) = trim(&uri);
    let trimmed = trimmed.to_owned();
    let span = ts.span.start + raw_lead..ts.span.end - raw_trail;
    let parent = stack.last_mut();
    // Sibling BaseURLs are alternatives: each resolves against the parent's inherited base.
    let base = parent.as_ref().map_or(0, |p| p.base);
    if open.local == "Location" {
        // Resolved against the MPD's own URL.
        scan.sites.push(Site {
            span,
            uri: Cow::Owned(trimmed),
            base: 0,
            what: Cow::Owned(what),
            escape,
            template: false,
        });
        return Ok(());
    }
    if let Some(p) = parent {
        if p.own_base.is_none() {
            scan.bases
                .push((base, trimmed.clone(), span.clone(), what.clone()));
            p.own_base = Some(scan.bases.len());
        }
    }
    let r = super::resolve::split_ref(&trimmed);
    if !r.path.is_empty() && !r.path.ends_with('/') {
        scan.sites.push(Site {
            span,
            uri: Cow::Owned(trimmed),
            base,
            what: Cow::Owned(what),
            escape,
            template: false,
        });
    }
    Ok(())
}

fn trim(s: &str) -> (usize, &str) {
    let t = s.trim_start();
    (s.len() - t.len(), t.trim_end())
}

/// True when `s` has a `$...$` identifier (`$$` is an escaped `$`).
fn has_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'$', &b[i..]) {
        let at = i + p;
        if b.get(at + 1) == Some(&b'$') {
            i = at + 2;
        } else {
            return true;
        }
    }
    false
}

/// Replaces the five predefined entities and character references; `None` for any other
/// entity or a malformed one.
fn unescape(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.contains('&') {
        return Some(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        let end = after.find(';')?;
        let name = &after[..end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let n = if let Some(h) = name.strip_prefix("#x") {
                    u32::from_str_radix(h, 16).ok()?
                } else if let Some(d) = name.strip_prefix('#') {
                    d.parse().ok()?
                } else {
                    return None;
                };
                char::from_u32(n)?
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

/// Writes `s` escaped for where it goes.
pub(crate) fn escape_into(s: &str, escape: Escape, out: &mut String) {
    for c in s.chars() {
        match (c, escape) {
            ('&', Escape::XmlAttr(_) | Escape::XmlText) => out.push_str("&amp;"),
            ('<', Escape::XmlAttr(_) | Escape::XmlText) => out.push_str("&lt;"),
            ('>', Escape::XmlText) => out.push_str("&gt;"),
            ('"', Escape::XmlAttr(b'"')) => out.push_str("&quot;"),
            ('\'', Escape::XmlAttr(b'\'')) => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_uri_attribute_has_a_name() {
        for &(e, a) in URI_ATTRIBUTES {
            assert_eq!(site_name(e, a), Some(format!("<{e} {a}>").as_str()));
        }
        assert_eq!(site_name("SegmentURL", "mediaRange"), None);
    }

    #[test]
    fn identifiers() {
        assert!(has_identifier("seg-$Number$.m4s"));
        assert!(has_identifier("$RepresentationID$/$Time%05d$.m4s"));
        assert!(!has_identifier("price$$list.m4s"));
        assert!(!has_identifier("plain.m4s"));
    }

    #[test]
    fn entities() {
        assert_eq!(
            unescape("a&amp;b&lt;&#x41;&#66;").as_deref(),
            Some("a&b<AB")
        );
        assert_eq!(unescape("a&foo;b"), None);
        assert_eq!(unescape("a&amp"), None);
    }
}
