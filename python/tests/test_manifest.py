"""Signer.sign_manifest: tokens checked against the vendor's hashlib snippet, the signed
playlist parsed back by the ``m3u8`` package, the rest of the manifest byte for byte, errors
naming the line. (tests/manifests/faces.sh compares the same ffmpeg manifests byte for byte
with the CLI and the other faces.)"""

from __future__ import annotations

import base64
import hashlib
import threading

import m3u8
import pytest

import cdn_secure_token as st

KEY = "secret-key"
FAR = 2147483647
URL = "https://cdn.example.com/v/index.m3u8"


def tok(path: str, ip: str = "", expires: int = FAR) -> str:
    digest = hashlib.md5(f"{expires}{path}{ip} {KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@pytest.fixture
def signer() -> st.Signer:
    return st.Signer(KEY)


PLAYLIST = (
    '#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXT-X-KEY:METHOD=AES-128,URI="../keys/k.bin"\r\n'
    '#EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"\r\n#X-UNKNOWN:whatever\r\n'
    "#EXTINF:4,\r\nseg 1.ts?x=1&md5=old&expires=1\r\n#EXTINF:4,\r\nhttps://other.example/x.ts\r\n"
    "#EXT-X-ENDLIST"
)


def test_every_uri_gets_the_vendor_token_the_rest_is_unchanged(signer: st.Signer) -> None:
    assert signer.sign_manifest(PLAYLIST, URL, expires=FAR) == (
        "#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n"
        f'#EXT-X-KEY:METHOD=AES-128,URI="../keys/k.bin?md5={tok("/keys/k.bin")}&expires={FAR}"\r\n'
        f'#EXT-X-MAP:URI="init.mp4?md5={tok("/v/init.mp4")}&expires={FAR}",BYTERANGE="720@0"\r\n'
        "#X-UNKNOWN:whatever\r\n#EXTINF:4,\r\n"
        f"seg 1.ts?x=1&md5={tok('/v/seg 1.ts')}&expires={FAR}\r\n"
        "#EXTINF:4,\r\nhttps://other.example/x.ts\r\n#EXT-X-ENDLIST"
    )
    other = signer.sign_manifest(PLAYLIST, URL, expires=FAR, other_hosts=True)
    assert f"https://other.example/x.ts?md5={tok('/x.ts')}&expires={FAR}" in other
    bound = signer.sign_manifest(PLAYLIST, URL, expires=FAR, ip="203.0.113.7")
    assert f"init.mp4?md5={tok('/v/init.mp4', '203.0.113.7')}&" in bound


def test_the_m3u8_package_reads_the_signed_playlist(signer: st.Signer) -> None:
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n" + "".join(
        f"#EXTINF:4.0,\nseg-{i}.ts\n" for i in range(50)
    ) + "#EXT-X-ENDLIST\n"
    parsed = m3u8.loads(signer.sign_manifest(text, URL, expires=FAR))
    assert [s.uri for s in parsed.segments] == [
        f"seg-{i}.ts?md5={tok(f'/v/seg-{i}.ts')}&expires={FAR}" for i in range(50)
    ]
    assert parsed.is_endlist and parsed.target_duration == 4


def test_directory_token_outside_and_ttl(signer: st.Signer) -> None:
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXTINF:4,\n../b.ts\n"
    with pytest.raises(st.SecureTokenError) as e:
        signer.sign_manifest(text, URL, expires=FAR, kind="directory")
    assert e.value.line == 6 and "../b.ts" in str(e.value)
    assert signer.sign_manifest(text, URL, expires=FAR, kind="directory", outside="keep") == (
        f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts?md5={tok('/v/')}&expires={FAR}\n"
        "#EXTINF:4,\n../b.ts\n"
    )
    now = 1_700_000_000
    out = signer.sign_manifest(text, URL, ttl=60, now=now, kind="directory", outside="keep")
    assert f"a.ts?md5={tok('/v/', '', now + 60)}&expires={now + 60}\n" in out


def test_errors_name_the_line_and_the_kind(signer: st.Signer) -> None:
    bad = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na%zz.ts\n"
    with pytest.raises(st.InvalidPathError) as e:
        signer.sign_manifest(bad, URL, expires=FAR)
    assert e.value.line == 4 and e.value.index is None
    assert str(e.value).startswith('manifest line 4, URI line "a%zz.ts": ')
    assert KEY not in str(e.value) and KEY not in repr(e.value.args)
    with pytest.raises(st.InvalidArgumentError) as e:
        signer.sign_manifest("hello\n", URL, expires=FAR)
    assert e.value.line == 1
    with pytest.raises(st.InvalidPathError) as e:
        signer.sign_manifest("#EXTM3U\n", "https://cdn.example.com/%zz/i.m3u8", expires=FAR)
    assert e.value.line == 0
    with pytest.raises(st.InvalidExpiryError) as e:
        signer.sign_manifest("#EXTM3U\n#EXTINF:4,\na.ts\n", URL)
    assert e.value.line == 0
    with pytest.raises(st.InvalidArgumentError) as e:
        signer.sign_manifest("#EXTM3U\n", URL, expires=FAR, outside="maybe")  # type: ignore[arg-type]
    assert e.value.line is None and "outside" in str(e.value)
    with pytest.raises(st.InvalidArgumentError):
        signer.sign_manifest("#EXTM3U\n\ud800\n", URL, expires=FAR)
    with pytest.raises(TypeError):
        signer.sign_manifest(b"#EXTM3U\n", URL, expires=FAR)  # type: ignore[arg-type]
    # An exception of a plain call still has line None.
    with pytest.raises(st.InvalidPathError) as e:
        signer.sign_url("/a%zz", expires=FAR)
    assert e.value.line is None


def test_the_gil_is_released(signer: st.Signer) -> None:
    # Four threads sign a 20,000-segment playlist each at once (the call runs without the
    # GIL); all agree.
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n" + "".join(
        f"#EXTINF:4,\nsegment-{i}.ts\n" for i in range(20000)
    )
    out: list[str] = []
    threads = [
        threading.Thread(target=lambda: out.append(signer.sign_manifest(text, URL, expires=FAR)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 4 and len(set(out)) == 1
    assert out[0].count(f"&expires={FAR}\n") == 20000
