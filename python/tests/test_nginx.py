"""URLs signed from Python, checked by a real nginx secure_link edge (tests/nginx/edge.sh).
No skipping: if nginx is missing the fixture fails, and so do these tests."""

from __future__ import annotations

import http.client
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

import pytest

import cdn_secure_token
from conftest import ROOT

EDGE_SH = ROOT / "tests" / "nginx" / "edge.sh"
PORT = 18180


@dataclass
class Edge:
    port: int
    env: dict[str, str]

    def get(self, url: str, *, v6: bool = False, host: Optional[str] = None) -> tuple[int, bytes]:
        """Sends the request target exactly as given (no client-side normalization)."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn = http.client.HTTPConnection("::1" if v6 else "127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host or "edge")
            conn.endheaders()
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def edge() -> Iterator[Edge]:
    d = tempfile.mkdtemp(prefix="st-py-edge-")
    started = subprocess.run(
        ["bash", str(EDGE_SH), "start", d, str(PORT)], capture_output=True, text=True
    )
    try:
        assert started.returncode == 0, f"nginx edge did not start:\n{started.stderr}"
        env: dict[str, str] = {}
        with open(os.path.join(d, "edge.env"), encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    env[k] = v
        yield Edge(int(env["EDGE_PORT"]), env)
    finally:
        subprocess.run(["bash", str(EDGE_SH), "stop", d], capture_output=True)


@pytest.fixture(scope="module")
def signer(edge: Edge) -> cdn_secure_token.Signer:
    return cdn_secure_token.Signer(edge.env["EDGE_KEY"])


def soon() -> int:
    return int(time.time()) + 300


FILE_PATHS = [
    "/file/photo.jpeg",
    "/file/open/a b.jpg",
    "/file/open/a%20b.jpg",
    "/file/фото/café.jpg",
    "/file/caf%c3%a9.jpg",
    "/file/a+b.jpg",
    "/file/a%2Bb.jpg",
    "//file//a//b///c.jpg",
    "/file/./x/../y.jpg",
    "/file/q%3Fh%23p%25.jpg",
    "/file/r/!$&'()*,;=:@~.jpg",
    "/file/x/\"<>`{}|\\^.jpg",
    "/file/dir/",
]


@pytest.mark.parametrize("path", FILE_PATHS)
def test_file_tokens(edge: Edge, signer: cdn_secure_token.Signer, path: str) -> None:
    url = signer.sign_url(f"http://cdn.example.com{path}?keep=1", expires=soon())
    assert edge.get(url) == (200, b"ok"), url
    # Any change to the path or token is refused.
    bad = url.replace("md5=", "md5=A", 1)
    assert edge.get(bad)[0] == 403


def test_expired_and_tampered(edge: Edge) -> None:
    past = cdn_secure_token.Signer(edge.env["EDGE_KEY"], allow_past_expiry=True)
    expired = past.sign_url("/file/a.jpg", expires=int(time.time()) - 60)
    assert edge.get(expired)[0] == 410
    assert edge.get("/file/a.jpg")[0] == 403
    wrong_key = cdn_secure_token.Signer("not-the-edge-key").sign_url("/file/a.jpg", expires=soon())
    assert edge.get(wrong_key)[0] == 403
    # An expired link with a wrong hash is 403, not 410.
    assert edge.get(expired.replace("md5=", "md5=B"))[0] == 403


def test_ip_bound_over_ipv4_and_ipv6(edge: Edge, signer: cdn_secure_token.Signer) -> None:
    import ipaddress

    v4 = signer.sign_url("/ip/a.jpg", expires=soon(), ip=ipaddress.ip_address("127.0.0.1"))
    assert edge.get(v4)[0] == 200
    assert edge.get(v4, v6=True)[0] == 403
    v6 = signer.sign_url("/ip/a.jpg", expires=soon(), ip="0:0:0:0:0:0:0:1")
    assert edge.get(v6, v6=True)[0] == 200
    assert edge.get(v6)[0] == 403
    assert edge.get(signer.sign_url("/ip/a.jpg", expires=soon()))[0] == 403


def test_directory_tokens(edge: Edge, signer: cdn_secure_token.Signer) -> None:
    manifest = signer.sign_url("/dir/show 1/index.m3u8", kind="directory", expires=soon())
    query = manifest.split("?", 1)[1]
    assert edge.get(manifest)[0] == 200
    assert edge.get(f"/dir/show%201/seg-1.ts?{query}")[0] == 200
    assert edge.get(f"/dir/show%201/sub/seg-1.ts?{query}")[0] == 403
    ipdir = signer.sign_url("/ipdir/v/", kind="directory", expires=soon(), ip="127.0.0.1")
    assert edge.get(ipdir.replace("/v/?", "/v/a.ts?"))[0] == 200


def test_mp4_tokens(edge: Edge, signer: cdn_secure_token.Signer) -> None:
    for speed, buffer in ((None, None), ("1m", 10), ("500k", None)):
        url = signer.sign_url("/mp4/movie.mp4", kind="mp4", speed=speed, buffer=buffer, expires=soon())
        assert edge.get(url)[0] == 200, url
    url = signer.sign_url("/ipmp4/movie.mp4", kind="mp4", speed="2m", expires=soon(), ip="::1")
    assert edge.get(url, v6=True)[0] == 200
    tampered = signer.sign_url("/mp4/m.mp4", kind="mp4", speed="1m", expires=soon())
    assert edge.get(tampered.replace("speed=1m", "speed=9m"))[0] == 403


@pytest.mark.parametrize("stream", ["vod", "cmaf", "mpegts", "streams"])
def test_stream_tokens(edge: Edge, signer: cdn_secure_token.Signer, stream: str) -> None:
    url = signer.stream_url(123, "abcDEF-1", stream=stream, expires=soon())
    assert edge.get(url)[0] == 200, url
    seg = signer.stream_url(123, "abc", stream=stream, file="720p/seg 1.ts", expires=soon())
    assert edge.get(seg)[0] == 200, seg
    bound = signer.stream_url(42, "live", stream=stream, expires=soon(), ip="127.0.0.1")
    assert edge.get(bound, host="ipstream.edge")[0] == 200
    assert edge.get(bound, host="ipstream.edge", v6=True)[0] == 403


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_other_keys(edge: Edge, n: int) -> None:
    s = cdn_secure_token.Signer(edge.env[f"EDGE_KEY_{n}"])
    ip = "127.0.0.1" if n == 2 else None
    assert edge.get(s.sign_url(f"/k{n}/a b.jpg", expires=soon(), ip=ip))[0] == 200


def test_sign_many_urls_pass_the_edge(edge: Edge, signer: cdn_secure_token.Signer) -> None:
    paths = [f"/file/batch/{i}/file name {i}.jpg" for i in range(5000)]
    urls = signer.sign_many(paths, expires=soon())
    for url in urls[::250] + urls[-3:]:
        assert edge.get(url)[0] == 200, url
