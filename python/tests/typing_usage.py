"""Checked by `mypy --strict` in test.sh (not a pytest module): typical use must type-check
against the shipped stubs without casts or ignores."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta, timezone

import cdn_secure_token
from cdn_secure_token import SecureTokenError, Signer, SignedToken, Verdict


def sign_everything() -> list[str]:
    signer = Signer("secret-key", verify_keys=["old-key-1", b"older-key"], default_ttl=timedelta(hours=1))
    clocked = Signer(b"secret-key", clock=lambda: 1_700_000_000, allow_past_expiry=True)
    when = datetime.now(timezone.utc) + timedelta(minutes=5)
    urls: list[str] = [
        signer.sign_url("/a.jpg"),
        signer.sign_url("/a.jpg", expires=2147483647, ip="1.2.3.4"),
        signer.sign_url("/a.jpg", expires=when, ip=ipaddress.ip_address("::1")),
        signer.sign_url("/a.jpg", ttl=timedelta(seconds=30), now=when),
        signer.sign_url("/m.mp4", kind="mp4", speed="1m", buffer=10, ttl=60),
        signer.stream_url(123, "abc", stream="cmaf", base="https://h", file="a.m3u8", ttl=60),
        clocked.token("/a.jpg", expires=1),
    ]
    urls += signer.sign_many(["/a", "/b"], ttl=60, ip=ipaddress.IPv4Address("10.0.0.1"))
    urls += signer.sign_many((u for u in ("/c",)), expires=when)
    st: SignedToken = signer.signed_token("/a", ttl=60)
    st2: SignedToken = signer.stream_token("1", "v", ttl=60)
    urls.append(st.token + str(st.expires) + st2.token)
    expires: int = signer.resolve_expires(ttl=60)
    now: int = signer.now()
    count: int = signer.key_count
    ttl: int | None = signer.default_ttl
    urls.append(f"{expires}{now}{count}{ttl}")
    return urls


def check(url: str) -> tuple[bool, bool, str, int, str | None, str | None, int | None, int | None]:
    signer = Signer("secret-key")
    v: Verdict = signer.verify(url, ip="1.2.3.4", now=1_700_000_000, kind="file")
    e = signer.explain(url, ip=None, kind="file", expires=2147483647)
    found: str | None = e.found_token
    matches: bool | None = e.matches
    _ = (e.kind, e.hashed_path, e.expires, e.ip, e.string_to_sign, e.expected_token, found, matches)
    if v:
        pass
    return v.valid, v.expired, v.status, v.http_status, v.reason, v.message, v.key_index, v.expires


def errors() -> str | None:
    try:
        Signer("short")
    except cdn_secure_token.InvalidKeyError as e:
        code: str | None = e.code
        return code
    except SecureTokenError as e:
        index: int | None = e.index
        return str(index)
    return cdn_secure_token.__version__


def literal_types(signer: Signer) -> cdn_secure_token.ReasonCode | None:
    kind: cdn_secure_token.SignKind = "directory"
    signer.sign_url("/a/", expires=2147483647, kind=kind)
    v = signer.verify_request(b"/a/?md5=x&expires=1", kind="directory")
    status: cdn_secure_token.VerdictStatus = v.status
    http: cdn_secure_token.HttpStatus = v.http_status
    _ = (status, http, signer.verify_decoded(b"/a", b"", kind="stream"))
    return v.reason
