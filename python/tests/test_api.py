"""The Pythonic surface: argument conversions, bad inputs, exception classes, secrecy."""

from __future__ import annotations

import copy
import ipaddress
import os
import pickle
import sys
import sysconfig
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import cdn_secure_token
from cdn_secure_token import Signer

KEY = "python-test-key-0001"
FAR = 2147483647
NOW = 1700000000


@pytest.fixture
def signer() -> Signer:
    return Signer(KEY)


def test_installed_wheel_is_tested() -> None:
    # The suite must exercise the installed wheel, not the source tree.
    site = sysconfig.get_paths()["purelib"]
    assert cdn_secure_token.__file__ is not None
    assert os.path.realpath(cdn_secure_token.__file__).startswith(os.path.realpath(site))
    native = sys.modules["cdn_secure_token._native"]
    assert native.__file__ is not None and native.__file__.endswith(".abi3.so")


def test_version_is_the_workspace_version() -> None:
    import re
    from importlib.metadata import version

    from conftest import ROOT

    # (tomllib is 3.11+; this also runs on the oldest CPython the abi3 wheel supports)
    text = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    section = text.split("[workspace.package]", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^version\s*=\s*"([^"]+)"', section, re.M)
    assert match is not None
    workspace = match.group(1)
    assert cdn_secure_token.__version__ == workspace == version("cdn-secure-token")


def test_typed_package() -> None:
    base = os.path.dirname(cdn_secure_token.__file__ or "")
    assert os.path.exists(os.path.join(base, "py.typed"))
    assert os.path.exists(os.path.join(base, "_native.pyi"))


# --- expires, ttl, now ---------------------------------------------------------------------


def test_expires_int_and_aware_datetime_agree(signer: Signer) -> None:
    as_int = signer.sign_url("/a.jpg", expires=FAR, now=NOW)
    aware = datetime.fromtimestamp(FAR, tz=timezone.utc)
    assert signer.sign_url("/a.jpg", expires=aware, now=NOW) == as_int
    # Another zone, same instant.
    plus2 = aware.astimezone(timezone(timedelta(hours=2)))
    assert signer.sign_url("/a.jpg", expires=plus2, now=NOW) == as_int
    # Fractions of a second are dropped (floor), never rounded up.
    assert signer.sign_url("/a.jpg", expires=aware + timedelta(microseconds=999_999), now=NOW) == as_int


def test_naive_datetime_is_refused(signer: Signer) -> None:
    naive = datetime(2030, 1, 1, 12, 0, 0)
    with pytest.raises(cdn_secure_token.InvalidExpiryError, match="naive datetime"):
        signer.sign_url("/a.jpg", expires=naive)
    with pytest.raises(cdn_secure_token.InvalidExpiryError, match="naive"):
        signer.sign_url("/a.jpg", ttl=60, now=naive)
    with pytest.raises(cdn_secure_token.InvalidExpiryError, match="naive"):
        signer.verify("/a.jpg", now=naive)
    with pytest.raises(cdn_secure_token.InvalidExpiryError, match="naive"):
        signer.explain("/a.jpg", expires=naive)


def test_ttl_int_and_timedelta_agree(signer: Signer) -> None:
    expected = signer.sign_url("/t.jpg", ttl=3600, now=NOW)
    assert expected.endswith(f"&expires={NOW + 3600}")
    assert signer.sign_url("/t.jpg", ttl=timedelta(hours=1), now=NOW) == expected
    assert signer.sign_url("/t.jpg", ttl=timedelta(hours=1, microseconds=5), now=NOW) == expected
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        signer.sign_url("/t.jpg", ttl=timedelta(seconds=-5), now=NOW)
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        signer.sign_url("/t.jpg", ttl=timedelta(0), now=NOW)


def test_now_as_aware_datetime(signer: Signer) -> None:
    now = datetime.fromtimestamp(NOW, tz=timezone.utc)
    assert signer.sign_url("/t.jpg", ttl=60, now=now) == signer.sign_url("/t.jpg", ttl=60, now=NOW)


@pytest.mark.parametrize("bad", [1.5, "2147483647", True, b"1", None.__class__])
def test_expires_wrong_type(signer: Signer, bad: Any) -> None:
    with pytest.raises(TypeError, match="expires must be int Unix seconds or an aware datetime"):
        signer.sign_url("/a.jpg", expires=bad)


@pytest.mark.parametrize("bad", [1.5, "60", True])
def test_ttl_wrong_type(signer: Signer, bad: Any) -> None:
    with pytest.raises(TypeError, match="ttl must be int seconds or a timedelta"):
        signer.sign_url("/a.jpg", ttl=bad)


def test_huge_ints_are_expiry_errors(signer: Signer) -> None:
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        signer.sign_url("/a.jpg", expires=2**70)
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        signer.sign_url("/a.jpg", ttl=2**70)


def test_default_ttl_and_resolve_expires() -> None:
    s = Signer(KEY, default_ttl=timedelta(minutes=10))
    assert s.default_ttl == 600
    assert s.resolve_expires(now=NOW) == NOW + 600
    assert s.resolve_expires(ttl=5, now=NOW) == NOW + 5
    assert s.resolve_expires(expires=FAR, now=NOW) == FAR
    assert s.sign_url("/a", now=NOW).endswith(f"expires={NOW + 600}")
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        Signer(KEY).sign_url("/a", now=NOW)  # no lifetime at all
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        Signer(KEY, default_ttl=0)


def test_allow_past_expiry() -> None:
    with pytest.raises(cdn_secure_token.InvalidExpiryError, match="past"):
        Signer(KEY).sign_url("/a", expires=NOW - 1, now=NOW)
    url = Signer(KEY, allow_past_expiry=True).sign_url("/a", expires=NOW - 1, now=NOW)
    v = Signer(KEY).verify(url, now=NOW)
    assert v.expired and v.http_status == 410 and not v.valid and v.reason == "expired"


def test_clock_callable() -> None:
    s = Signer(KEY, clock=lambda: NOW)
    assert s.now() == NOW
    assert s.sign_url("/a", ttl=10).endswith(f"expires={NOW + 10}")
    assert Signer(KEY, clock=lambda: NOW + 0.9).now() == NOW
    assert Signer(KEY, clock=lambda: datetime.fromtimestamp(NOW, tz=timezone.utc)).now() == NOW
    # The clock decides what "now" is for verification too.
    url = s.sign_url("/a", expires=NOW + 5)
    assert Signer(KEY, clock=lambda: NOW + 5).verify(url).valid
    assert Signer(KEY, clock=lambda: NOW + 6).verify(url).expired
    with pytest.raises(TypeError):
        Signer(KEY, clock=123)  # type: ignore[arg-type]

    def broken() -> int:
        raise RuntimeError("clock broke")

    with pytest.raises(RuntimeError, match="clock broke"):
        Signer(KEY, clock=broken).sign_url("/a", ttl=5)


def test_system_clock() -> None:
    import time

    s = Signer(KEY)
    assert abs(s.now() - time.time()) < 5
    url = s.sign_url("/a", ttl=60)
    assert s.verify(url).valid


# --- client IP -----------------------------------------------------------------------------


def test_ip_str_and_ipaddress_objects_agree(signer: Signer) -> None:
    v4 = signer.sign_url("/a", expires=FAR, ip="1.2.3.4")
    assert signer.sign_url("/a", expires=FAR, ip=ipaddress.IPv4Address("1.2.3.4")) == v4
    assert signer.sign_url("/a", expires=FAR, ip=ipaddress.ip_address("1.2.3.4")) == v4
    v6 = signer.sign_url("/a", expires=FAR, ip="2001:db8::1")
    assert signer.sign_url("/a", expires=FAR, ip=ipaddress.IPv6Address("2001:0db8::0:1")) == v6


def test_ipv4_mapped_ipaddress_is_hashed_as_nginx_writes_it(signer: Signer) -> None:
    # Python up to 3.12 writes ::ffff:102:304 (3.13 writes ::ffff:1.2.3.4); nginx's
    # $remote_addr is ::ffff:1.2.3.4 either way.
    mapped = ipaddress.IPv6Address("::ffff:1.2.3.4")
    assert str(mapped) in ("::ffff:102:304", "::ffff:1.2.3.4")
    e = signer.explain("/m.jpg", expires=FAR, ip=mapped)
    assert e.ip == "::ffff:1.2.3.4"
    assert e.string_to_sign == "2147483647/m.jpg::ffff:1.2.3.4 ***"


def test_ip_scope_id_refused(signer: Signer) -> None:
    with pytest.raises(cdn_secure_token.InvalidIpError):
        signer.sign_url("/a", expires=FAR, ip=ipaddress.IPv6Address("fe80::1%eth0"))


@pytest.mark.parametrize("bad", [16909060, b"1.2.3.4", ipaddress.ip_network("10.0.0.0/8")])
def test_ip_wrong_type(signer: Signer, bad: Any) -> None:
    with pytest.raises(TypeError, match="ip must be a str, IPv4Address or IPv6Address"):
        signer.sign_url("/a", expires=FAR, ip=bad)


def test_verify_with_ipaddress(signer: Signer) -> None:
    url = signer.sign_url("/a", expires=FAR, ip="10.1.2.3")
    assert signer.verify(url, ip=ipaddress.ip_address("10.1.2.3"), now=NOW).valid
    assert signer.verify(url, ip="10.1.2.4", now=NOW).reason == "mismatch"


# --- the other variants --------------------------------------------------------------------


def test_token_and_signed_token(signer: Signer) -> None:
    url = signer.sign_url("/photo.jpeg", expires=FAR)
    t = signer.token("/photo.jpeg", expires=FAR)
    assert len(t) == cdn_secure_token.TOKEN_LEN
    assert f"md5={t}&" in url
    st = signer.signed_token("/photo.jpeg", ttl=60, now=NOW)
    assert st.expires == NOW + 60 and len(st.token) == 22 and str(st) == st.token
    assert st == signer.signed_token("/photo.jpeg", ttl=60, now=NOW)
    assert repr(st) == f"SignedToken(token='{st.token}', expires={NOW + 60})"
    # token() takes a decoded path: '%' is literal.
    assert signer.token("/100%.jpg", expires=FAR) == signer.token("/100%.jpg", expires=FAR)
    with pytest.raises(cdn_secure_token.InvalidArgumentError):
        signer.token("/a", expires=FAR, kind="stream")


def test_mp4_speed_buffer_as_int_or_str(signer: Signer) -> None:
    a = signer.sign_url("/m.mp4", kind="mp4", speed="1m", buffer=10, expires=FAR)
    b = signer.sign_url("/m.mp4", kind="mp4", speed="1m", buffer="10", expires=FAR)
    assert a == b and a.endswith("&speed=1m&buffer=10")
    assert signer.verify(a, kind="mp4", now=NOW).valid
    with pytest.raises(TypeError):
        signer.sign_url("/m.mp4", kind="mp4", buffer=1.5, expires=FAR)  # type: ignore[arg-type]


def test_directory_token(signer: Signer) -> None:
    url = signer.sign_url("https://cdn.example.com/hls/v1/index.m3u8", kind="directory", expires=FAR)
    query = url.split("?", 1)[1]
    assert signer.verify(f"/hls/v1/seg-0001.ts?{query}", kind="directory", now=NOW).valid
    assert not signer.verify(f"/hls/v1/sub/seg.ts?{query}", kind="directory", now=NOW).valid
    assert signer.explain(url, kind="directory").hashed_path == "/hls/v1/"


def test_stream_url_defaults_and_int_account(signer: Signer) -> None:
    url = signer.stream_url(123, "abc", expires=FAR)
    assert url.startswith("/videos/123_abc/") and url.endswith(f"/{FAR}/master.m3u8")
    assert url == signer.stream_url("123", "abc", stream="vod", expires=FAR)
    live = signer.stream_url(42, "live1", stream="streams", base="https://live.example", ttl=30)
    assert live.startswith("https://live.example/streams/42_live1/") and live.endswith("/playlist.m3u8")
    assert signer.verify(live, kind="stream").valid
    with pytest.raises(cdn_secure_token.InvalidArgumentError):
        signer.stream_url(1, "a", stream="radio", expires=FAR)
    with pytest.raises(cdn_secure_token.InvalidUrlError):
        signer.stream_url(1, "a", base="https://h/with/path", expires=FAR)


def test_unknown_kind(signer: Signer) -> None:
    for call in (
        lambda: signer.sign_url("/a", expires=FAR, kind="bogus"),
        lambda: signer.verify("/a", kind="bogus"),
        lambda: signer.explain("/a", kind="bogus", expires=FAR),
        lambda: signer.sign_many(["/a"], kind="bogus", expires=FAR),
    ):
        with pytest.raises(cdn_secure_token.InvalidArgumentError, match="kind"):
            call()


def test_explain_without_expires(signer: Signer) -> None:
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        signer.explain("/a.jpg")
    e = signer.explain("/a.jpg", expires=FAR, ip="1.2.3.4")
    assert e.found_token is None and e.matches is None and e.expires == str(FAR)
    assert "***" in repr(e) and KEY not in repr(e)


# --- verification and key rotation ---------------------------------------------------------


def test_key_rotation() -> None:
    old = Signer("old-key-1")
    new = Signer("new-key-2", verify_keys=["old-key-1", b"older-key-0"])
    assert new.key_count == 3
    url_old = old.sign_url("/a", expires=FAR)
    url_new = new.sign_url("/a", expires=FAR)
    assert new.verify(url_new, now=NOW).key_index == 0
    assert new.verify(url_old, now=NOW).key_index == 1
    assert new.verify(Signer(b"older-key-0").sign_url("/a", expires=FAR), now=NOW).key_index == 2
    assert not old.verify(url_new, now=NOW).valid
    with pytest.raises(TypeError, match="list of keys"):
        Signer("new-key-2", verify_keys="old-key-1")
    with pytest.raises(cdn_secure_token.InvalidKeyError):
        Signer("new-key-2", verify_keys=["short"])
    with pytest.raises(cdn_secure_token.InvalidArgumentError):
        Signer("new-key-2", verify_keys=[f"rotation-{i}" for i in range(16)])


def test_verdict_object(signer: Signer) -> None:
    url = signer.sign_url("/a", expires=NOW + 10, now=NOW)
    ok = signer.verify(url, now=NOW)
    assert (ok.valid, ok.expired, ok.http_status, ok.status, ok.reason, ok.message) == (
        True, False, 200, "valid", None, None,
    )
    assert ok.expires == NOW + 10 and ok.key_index == 0 and ok
    gone = signer.verify(url, now=NOW + 11)
    assert (gone.valid, gone.expired, gone.http_status, gone.status) == (False, True, 410, "expired")
    assert gone.reason == "expired" and gone.message == f"link expired at {NOW + 10}" and not gone
    bad = signer.verify(url.replace("md5=", "md5=A"), now=NOW)
    assert (bad.valid, bad.expired, bad.http_status, bad.status) == (False, False, 403, "invalid")
    assert bad.reason == "malformed_token" and bad.message and bad.expires is None and bad.key_index is None
    assert "403" in repr(bad) and "200" in repr(ok) and "410" in repr(gone)


# --- sign_many -----------------------------------------------------------------------------


def test_sign_many_matches_sign_url(signer: Signer) -> None:
    urls = [f"https://cdn.example.com/v/{i}/file {i}.jpg?x={i}" for i in range(5000)]
    batch = signer.sign_many(urls, expires=FAR, ip="1.2.3.4")
    assert isinstance(batch, list) and len(batch) == len(urls)
    assert batch == [signer.sign_url(u, expires=FAR, ip="1.2.3.4") for u in urls]
    # Any iterable, including a generator; an empty batch is an empty list.
    assert signer.sign_many((u for u in urls[:3]), expires=FAR) == [
        signer.sign_url(u, expires=FAR) for u in urls[:3]
    ]
    assert signer.sign_many([], expires=FAR) == []


def test_sign_many_errors_name_the_item(signer: Signer) -> None:
    urls = ["/ok-%d" % i for i in range(10)] + ["/bad%zz"] + ["/ok"] * 10000
    with pytest.raises(cdn_secure_token.InvalidPathError) as info:
        signer.sign_many(urls, expires=FAR)
    assert info.value.index == 10 and str(info.value).startswith("item 10: ")
    with pytest.raises(cdn_secure_token.InvalidUrlError) as info2:
        signer.sign_many(["/ok"] * 9000 + ["relative"], expires=FAR)
    assert info2.value.index == 9000
    with pytest.raises(TypeError, match="item 1"):
        signer.sign_many(["/a", 2], expires=FAR)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="single str"):
        signer.sign_many("/a", expires=FAR)
    with pytest.raises(cdn_secure_token.InvalidExpiryError) as info3:
        signer.sign_many(["/a"])
    assert info3.value.index == 0


# --- errors and secrecy --------------------------------------------------------------------


def test_exception_hierarchy() -> None:
    classes = {
        cdn_secure_token.InvalidKeyError: "INVALID_KEY",
        cdn_secure_token.InvalidPathError: "INVALID_PATH",
        cdn_secure_token.InvalidIpError: "INVALID_IP",
        cdn_secure_token.InvalidExpiryError: "INVALID_EXPIRY",
        cdn_secure_token.InvalidUrlError: "INVALID_URL",
        cdn_secure_token.InvalidArgumentError: "INVALID_ARGUMENT",
    }
    assert issubclass(cdn_secure_token.SecureTokenError, ValueError)
    assert cdn_secure_token.SecureTokenError.code is None
    for cls, code in classes.items():
        assert issubclass(cls, cdn_secure_token.SecureTokenError)
        assert cls.code == code
        assert cls.__module__ == "cdn_secure_token"
        assert getattr(cdn_secure_token, cls.__name__) is cls
    assert len(set(classes)) == 6
    # Catchable as ValueError, and the single-item errors carry no index.
    try:
        Signer("short")
    except ValueError as e:
        assert isinstance(e, cdn_secure_token.InvalidKeyError) and e.index is None
    # Exceptions survive pickling (multiprocessing, logging handlers).
    err = cdn_secure_token.InvalidPathError("path is empty")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cdn_secure_token.InvalidPathError and back.args == err.args


SECRET = "Very-Secret-Key-9f3a"


def test_key_never_shown() -> None:
    s = Signer(SECRET, verify_keys=[SECRET + "-old"], default_ttl=60)
    assert SECRET not in repr(s) and SECRET not in str(s)
    assert repr(s) == "<cdn_secure_token.Signer keys=2 default_ttl=60>"
    url = s.sign_url("/a.jpg", expires=FAR)
    assert SECRET not in url
    e = s.explain(url)
    for text in (e.string_to_sign, repr(e), e.expected_token):
        assert SECRET not in text
    assert e.string_to_sign.endswith(" ***")
    v = s.verify("/a.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=1", now=NOW)
    assert SECRET not in (v.message or "") + repr(v)
    failures: list[BaseException] = []
    for bad_call in (
        lambda: s.sign_url("/a%zz", expires=FAR),
        lambda: s.sign_url("/a", expires=1, now=NOW),
        lambda: s.sign_url("/a", ip="nope", expires=FAR),
        lambda: s.sign_many(["/a", "rel"], expires=FAR),
        lambda: Signer(SECRET + "\n"),
        lambda: Signer(SECRET * 20),
        lambda: Signer(SECRET, verify_keys=[SECRET[:3]]),
    ):
        with pytest.raises(cdn_secure_token.SecureTokenError) as info:
            bad_call()
        failures.append(info.value)
    for f in failures:
        assert SECRET not in str(f) and SECRET not in repr(f) and SECRET not in repr(f.args)
        assert SECRET[:6] not in str(f)


def test_signer_cannot_be_pickled_or_copied_out() -> None:
    s = Signer(SECRET)
    with pytest.raises(TypeError):
        pickle.dumps(s)
    assert SECRET not in repr(vars(type(s)))
    assert not hasattr(s, "key") and not hasattr(s, "__dict__")
    # A shallow copy is fine (immutable object) and still signs the same way.
    assert copy.copy(s) is s and copy.deepcopy(s) is s
    assert copy.copy(s).sign_url("/a", expires=FAR) == s.sign_url("/a", expires=FAR)


def test_key_types() -> None:
    assert Signer("secret-key").sign_url("/a", expires=FAR) == Signer(b"secret-key").sign_url("/a", expires=FAR)
    with pytest.raises(TypeError):
        Signer(123456789)  # type: ignore[arg-type]
    with pytest.raises(cdn_secure_token.InvalidKeyError):
        Signer(b"\xff\xfe-not-utf8")
    # UTF-8 keys are hashed as their bytes.
    assert Signer("ключ-1234").token("/a", expires=FAR) == Signer("ключ-1234".encode()).token("/a", expires=FAR)


def test_keyword_only_arguments(signer: Signer) -> None:
    with pytest.raises(TypeError):
        signer.sign_url("/a", FAR)  # type: ignore[misc]
    with pytest.raises(TypeError):
        signer.verify("/a", "1.2.3.4")  # type: ignore[misc]


# --- documentation and types (issue 12) ----------------------------------------------------


def test_every_public_callable_has_a_docstring_shown_by_help() -> None:
    import inspect
    import pydoc
    import typing

    missing = []
    for cls in (Signer, cdn_secure_token.Verdict, cdn_secure_token.Explanation, cdn_secure_token.SignedToken):
        assert (cls.__doc__ or "").strip(), cls
        for name, member in vars(cls).items():
            if name.startswith("_") or not (callable(member) or isinstance(member, property) or hasattr(member, "__get__")):
                continue
            if not (getattr(member, "__doc__", None) or "").strip():
                missing.append(f"{cls.__name__}.{name}")
    assert not missing, missing
    sig = str(inspect.signature(Signer.sign_url))
    assert sig.startswith("(self, /, url, *, expires=None, ttl=None, ip=None, kind=None"), sig
    text = pydoc.render_doc(Signer.sign_url, renderer=pydoc.plaintext)
    assert "percent-encoded" in text and "default_ttl" in text
    assert "without the GIL" in pydoc.render_doc(Signer.sign_many, renderer=pydoc.plaintext)
    assert "nginx" in pydoc.render_doc(Signer.verify_request, renderer=pydoc.plaintext)
    # The Literal types are the values the core gives and accepts.
    assert set(typing.get_args(cdn_secure_token.VerdictStatus)) == {"valid", "expired", "invalid"}
    assert set(typing.get_args(cdn_secure_token.HttpStatus)) == {200, 400, 403, 410, 414}
    for kind in typing.get_args(cdn_secure_token.SignKind):
        Signer(KEY).sign_url("/a/b", expires=FAR, kind=kind)
    for kind in typing.get_args(cdn_secure_token.VerifyKind):
        Signer(KEY).verify("/a/b", kind=kind)
    for stream in typing.get_args(cdn_secure_token.StreamKind):
        Signer(KEY).stream_url(1, "x", stream=stream, expires=FAR)
    codes = {cls.code for cls in vars(cdn_secure_token).values() if isinstance(cls, type) and issubclass(cls, cdn_secure_token.SecureTokenError)}
    assert codes - {None} == set(typing.get_args(cdn_secure_token.ErrorCode))


def test_every_reason_the_core_gives_is_in_the_reason_union() -> None:
    import typing

    s = Signer(KEY)
    good = s.sign_url("/a.jpg", expires=FAR)
    q = good.split("?", 1)[1]
    seen = {
        s.verify(good).reason,
        s.verify(s.sign_url("/a.jpg", expires=NOW + 1, now=NOW), now=NOW + 5).reason,
        s.verify("/a.jpg").reason,
        s.verify("/a.jpg?md5=abc&expires=1").reason,
        s.verify("/a.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA").reason,
        s.verify("/a.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=x").reason,
        s.verify("/b.jpg?" + q).reason,
        s.verify("/videos/1_x/AAAA/1/master.m3u8", kind="stream").reason,
        s.verify_request(b"/a%00.jpg?" + q.encode()).reason,
        s.verify_request(b"/" + b"a" * 9000 + b"?" + q.encode()).reason,
        s.verify_request(b"/a.jpg?" + q.encode(), ip="not-an-ip").reason,
    }
    assert None in seen
    seen.discard(None)
    allowed = set(typing.get_args(cdn_secure_token.ReasonCode))
    assert seen <= allowed, seen - allowed
    assert {"expired", "mismatch", "bad_request", "uri_too_long", "bad_client_ip"} <= seen


# --- the received-request entries (issue 10) ------------------------------------------------


def test_verify_request_reads_the_target_as_nginx_does(signer: Signer) -> None:
    q = signer.sign_url("/x.jpg", expires=FAR).split("?", 1)[1].encode()
    assert signer.verify_request(b"/x.jpg?" + q).valid
    assert signer.verify_request(b"//x.jpg?" + q).valid  # slashes merged
    assert signer.verify_request(b"///x.jpg?" + q).valid
    assert not signer.verify_request(b"//private/x.jpg?" + q).valid  # a path, not a host
    assert signer.verify_request(b"http://cdn.example.com/x.jpg?" + q).valid  # absolute-form
    assert signer.verify_request(b"/x.jpg?" + q + b" HTTP").http_status == 400  # raw space
    assert signer.verify_decoded(b"//x.jpg", q).valid
    assert not signer.verify_decoded(b"//private/x.jpg", q).valid
    v = signer.verify_decoded(b"/\xff.jpg", q)
    assert (v.status, v.http_status, v.reason) == ("invalid", 403, "mismatch")
    with pytest.raises(TypeError):
        signer.verify_request("/x.jpg")  # type: ignore[arg-type]


def test_no_client_bytes_raise(signer: Signer) -> None:
    import random

    rng = random.Random(10)
    q = signer.sign_url("/x.jpg", expires=FAR).split("?", 1)[1].encode()
    alphabet = b"/%?#&=.;+\\ \x00\x7f\x80\xff\xc3\xa9aAzZ09-_" + q
    for _ in range(20_000):
        target = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        for v in (signer.verify_request(target), signer.verify_decoded(target, target)):
            assert v.http_status in (200, 400, 403, 410, 414)
            assert (v.reason is None) == v.valid


def test_keyword_options_are_core_schema() -> None:
    # The options are core's (SignOptions::set / VerifyOptions::set check them); the keyword
    # parameters only name them, and must name exactly those, in core's order.
    import inspect

    from cdn_secure_token import _native

    def keywords(fn: Any) -> list[str]:
        return [p.name for p in inspect.signature(fn).parameters.values() if p.kind is p.KEYWORD_ONLY]

    sign = list(_native.SIGN_OPTIONS)
    assert sign == ["expires", "ttl", "ip", "kind", "speed", "buffer", "now"]
    for fn in (Signer.sign_url, Signer.sign_many, Signer.token, Signer.signed_token):
        assert keywords(fn) == sign, fn
    assert keywords(Signer.sign_manifest)[: len(sign)] == sign
    for fn in (Signer.verify, Signer.verify_request, Signer.verify_decoded):
        assert keywords(fn) == list(_native.VERIFY_OPTIONS), fn
    subset = [n for n in sign if n in ("expires", "ttl", "ip", "now")]
    assert keywords(Signer.stream_token) == subset
    assert keywords(Signer.resolve_expires) == ["expires", "ttl", "now"]
    # A type core refuses is a TypeError naming the field and the Python types it takes.
    with pytest.raises(TypeError, match=r"^speed must be a str or an int, not float$"):
        Signer(KEY).sign_url("/m.mp4", kind="mp4", speed=1.5, expires=FAR)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^kind must be a str, not int$"):
        Signer(KEY).verify("/a", kind=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^now must be int Unix seconds or an aware datetime, not bool$"):
        Signer(KEY).verify("/a", now=True)
