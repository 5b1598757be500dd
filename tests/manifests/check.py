#!/usr/bin/env python3
"""Signs every generated manifest with the CLI in every token mode and checks the result
independently of the signer:

- the signed text, with the token queries taken out by a regex, is byte for byte the original;
- the signed manifest parses with the `m3u8` package / `mpegdash` + stdlib XML, and finds the
  same URIs as the original (resolved by those parsers and `urllib.parse.urljoin`), each with
  a token;
- every signed URI (DASH templates expanded as a player does) gets 200 `ok` from the real
  nginx edge (tests/nginx/edge.sh) and is valid by `cdn-secure-token verify`; the same URI
  without its token gets 403.

Usage: check.py --cli BIN --edge URL --fixtures DIR
Ends with `manifest: N passed, N failed`.
"""
import argparse
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import m3u8
from mpegdash.parser import MPEGDASHParser

TOKEN = r"md5=[A-Za-z0-9_-]{22}(?:&|&amp;)expires=[0-9]+"
STRIP = re.compile(r"(?:\?|&amp;|&)" + TOKEN)
HAS_TOKEN = re.compile(TOKEN)

# mode -> (edge location, CLI flags, verify kind, client ip)
MODES = {
    "file": ("/file", [], "file", None),
    "ip": ("/ip", ["--ip", "127.0.0.1"], "file", "127.0.0.1"),
    "mp4": ("/mp4", ["--mp4"], "mp4", None),
    "dir": ("/dir", ["--dir"], "directory", None),
    "ipdir": ("/ipdir", ["--dir", "--ip", "127.0.0.1"], "directory", "127.0.0.1"),
}

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}", flush=True)
    return ok


def strip(s):
    return STRIP.sub("", s)


def hls_uris(text, url):
    pl = m3u8.loads(text, uri=url)
    out = []
    add = lambda o: o is not None and getattr(o, "uri", None) and out.append(o.absolute_uri)
    for p in pl.playlists:
        add(p)
    for m in pl.media:
        add(m)
    for p in pl.iframe_playlists:
        add(p)
    for k in pl.keys:
        add(k)
    for k in pl.session_keys:
        add(k)
    for s in pl.segments:
        add(s)
        for part in s.parts:
            add(part)
    for im in pl.segment_map or []:
        add(im)
    add(pl.preload_hint)
    for r in pl.rendition_reports:
        add(r)
    for d in pl.session_data:
        add(d)
    return out


def local(tag):
    return tag.rsplit("}", 1)[-1]


def expand(template, rep_id, start, count=3):
    """$RepresentationID$ and $Number[%0Nd]$ as a DASH player fills them in."""
    out = []
    for n in range(start, start + count):
        def sub(m):
            name, fmt = m.group(1), m.group(2)
            if name == "":
                return "$"
            if name == "RepresentationID":
                return rep_id
            if name == "Number":
                return (fmt % n) if fmt else str(n)
            raise ValueError(f"identifier {name} not expected in these fixtures")
        out.append(re.sub(r"\$(\w*)(%0\d+d)?\$", sub, template))
    return out


ATTRS = {
    "SegmentTemplate": ("initialization", "media"),
    "SegmentURL": ("media", "index"),
    "Initialization": ("sourceURL",),
    "RepresentationIndex": ("sourceURL",),
}


def dash_uris(text, url):
    MPEGDASHParser.parse(text)  # an independent MPD model must accept it
    out = []

    def walk(el, base, rep_id):
        tag = local(el.tag)
        if tag == "Representation":
            rep_id = el.get("id")
        bases = [c for c in el if local(c.tag) == "BaseURL"]
        if bases:
            t = bases[0].text.strip()
            base = urllib.parse.urljoin(base, t)
            if not t.endswith("/"):
                out.append(base)
        for a in ATTRS.get(tag, ()):
            v = el.get(a)
            if not v:
                continue
            if "$" in v:
                start = int(el.get("startNumber", "1"))
                if "$Number" in v:
                    out.extend(urllib.parse.urljoin(base, x) for x in expand(v, rep_id, start))
                else:
                    out.append(urllib.parse.urljoin(base, expand(v, rep_id, start, 1)[0]))
            else:
                out.append(urllib.parse.urljoin(base, v))
        for c in el:
            if local(c.tag) != "BaseURL":
                walk(c, base, rep_id)

    walk(ET.fromstring(text.encode()), url, None)
    return out


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def run_cli(cli, args, stdin=None):
    return subprocess.run([cli] + args, input=stdin, capture_output=True, text=True)


def sign_and_check(cli, edge, root, rel, mode, extra=(), expect_outside=()):
    loc, flags, vkind, ip = MODES[mode]
    path = os.path.join(root, rel)
    url = f"{edge}{loc}/{rel}"
    name = f"{rel} [{mode}{' ' + ' '.join(extra) if extra else ''}]"
    original = open(path, encoding="utf-8", newline="").read()
    r = run_cli(cli, ["sign-manifest", path, "--url", url, "--ttl", "1h", *flags, *extra])
    if not check(r.returncode == 0, f"{name}: sign-manifest exit {r.returncode}: {r.stderr.strip()}"):
        return
    signed = r.stdout
    check(strip(signed) == original, f"{name}: token-stripped output differs from the original")
    is_dash = rel.endswith(".mpd")
    try:
        got = (dash_uris if is_dash else hls_uris)(signed, url)
        want = (dash_uris if is_dash else hls_uris)(original, url)
    except Exception as e:  # a parse failure is a failed check, with its reason
        check(False, f"{name}: independent parser: {e!r}")
        return
    check(len(want) > 0, f"{name}: the parser found no URIs in the original")
    check(sorted(strip(u) for u in got) == sorted(want), f"{name}: signed URIs differ: {got} vs {want}")
    first_plain = None
    for u in dict.fromkeys(got):
        outside = any(strip(u).endswith(o) for o in expect_outside)
        if outside:
            check(not HAS_TOKEN.search(u), f"{name}: {u}: outside the directory yet signed")
            continue
        if not check(HAS_TOKEN.search(u) is not None, f"{name}: {u}: not signed"):
            continue
        status, body = fetch(u)
        check(status == 200 and body == b"ok", f"{name}: GET {u} -> {status}")
        v = run_cli(cli, ["verify", u, "--kind", vkind] + (["--ip", ip] if ip else []))
        check(v.returncode == 0, f"{name}: verify {u}: exit {v.returncode} {v.stdout.strip()}")
        first_plain = first_plain or strip(u)
    if first_plain:
        status, _ = fetch(first_plain)
        check(status == 403, f"{name}: GET {first_plain} without token -> {status}, want 403")


def expect_error(cli, args, stdin, needle, what):
    r = run_cli(cli, args, stdin)
    check(r.returncode == 3 and needle in r.stderr and r.stdout == "",
          f"{what}: exit {r.returncode}, stderr {r.stderr.strip()!r}, stdout {r.stdout[:80]!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--edge", required=True)
    ap.add_argument("--fixtures", required=True)
    a = ap.parse_args()
    root = a.fixtures
    manifests = sorted(
        os.path.relpath(os.path.join(d, f), root)
        for d, _, fs in os.walk(root)
        for f in fs
        if f.endswith((".m3u8", ".mpd"))
    )
    check(len(manifests) >= 14, f"generated manifests: {manifests}")
    for rel in manifests:
        template = rel == "dash-template/manifest.mpd"
        for mode in MODES:
            if template and MODES[mode][2] != "directory":
                # $Number$ templates can only carry a directory token: a clear error.
                _, flags, _, _ = MODES[mode]
                expect_error(a.cli, ["sign-manifest", os.path.join(root, rel), "--url",
                                     f"{a.edge}/file/{rel}", "--ttl", "1h", *flags],
                             None, "only a directory token", f"{rel} [{mode}]")
                continue
            if rel.startswith("ll-hls/") and MODES[mode][2] == "directory":
                # Its rendition report points to a sibling directory.
                expect_error(a.cli, ["sign-manifest", os.path.join(root, rel), "--url",
                                     f"{a.edge}/dir/{rel}", "--ttl", "1h", "--dir"],
                             None, "outside the manifest's directory", f"{rel} [{mode}]")
                sign_and_check(a.cli, a.edge, root, rel, mode, ["--outside", "keep"],
                               expect_outside=["/ll-hls-b/index.m3u8"])
                continue
            sign_and_check(a.cli, a.edge, root, rel, mode)
    # The CLI's bad-input answers: exit 3, the line named, nothing on stdout.
    url = f"{a.edge}/file/x/index.m3u8"
    expect_error(a.cli, ["sign-manifest", "-", "--url", url, "--ttl", "1h"], "hello\n",
                 "neither an HLS playlist", "not a manifest")
    expect_error(a.cli, ["sign-manifest", "--url", url, "--ttl", "1h"],
                 "#EXTM3U\n#EXTINF:1,\nok.ts\n#EXTINF:1,\nbad%zz.ts\n",
                 "manifest line 5", "invalid escape")
    expect_error(a.cli, ["sign-manifest", "--url", url, "--ttl", "1h"],
                 "#EXTM3U\n#EXTINF:1,\n../../../up.ts\n", "above the root", "above root")
    print(f"manifest: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
