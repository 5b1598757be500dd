"""Every case of the shared vectors in tests/vectors/ (sign, stream, verify, errors)."""

from __future__ import annotations

from typing import Any

import pytest

import cdn_secure_token
from conftest import load_vectors

SIGN = load_vectors("sign")
STREAM = load_vectors("stream")
VERIFY = load_vectors("verify")
ERRORS = load_vectors("errors")

ERROR_CLASSES = {
    "INVALID_KEY": cdn_secure_token.InvalidKeyError,
    "INVALID_PATH": cdn_secure_token.InvalidPathError,
    "INVALID_IP": cdn_secure_token.InvalidIpError,
    "INVALID_EXPIRY": cdn_secure_token.InvalidExpiryError,
    "INVALID_URL": cdn_secure_token.InvalidUrlError,
    "INVALID_ARGUMENT": cdn_secure_token.InvalidArgumentError,
}


def ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in cases]


def test_every_file_loaded() -> None:
    assert len(SIGN) >= 30 and len(STREAM) >= 6 and len(VERIFY) >= 30 and len(ERRORS) >= 40


@pytest.mark.parametrize("case", SIGN, ids=ids(SIGN))
def test_sign(case: dict[str, Any]) -> None:
    signer = cdn_secure_token.Signer(case["key"])
    opts = dict(
        expires=case["expires"],
        ttl=case["ttl"],
        ip=case["ip"],
        kind=case["kind"],
        speed=case["speed"],
        buffer=case["buffer"],
        now=case["now"],
    )
    assert signer.sign_url(case["url"], **opts) == case["signed_url"]
    # The batch path gives the same URL.
    assert signer.sign_many([case["url"]], **opts) == [case["signed_url"]]
    # explain() on the signed URL shows the string-to-sign with the key hidden.
    e = signer.explain(case["signed_url"], ip=case["ip"], kind=case["kind"])
    assert e.string_to_sign == case["explained"]
    assert e.expected_token == case["token"]
    assert e.found_token == case["token"]
    assert e.matches is True
    assert e.kind == case["kind"]
    # And the edge's check accepts it.
    v = signer.verify(case["signed_url"], ip=case["ip"], kind=case["kind"], now=case["now"])
    assert v.valid and v.http_status == 200 and v.key_index == 0


@pytest.mark.parametrize("case", STREAM, ids=ids(STREAM))
def test_stream(case: dict[str, Any]) -> None:
    signer = cdn_secure_token.Signer(case["key"])
    url = signer.stream_url(
        case["account"],
        case["id"],
        stream=case["stream"],
        base=case["base"],
        file=case["file"],
        expires=case["expires"],
        ip=case["ip"],
        now=case["now"],
    )
    assert url == case["signed_url"]
    t = signer.stream_token(
        case["account"], case["id"], expires=case["expires"], ip=case["ip"], now=case["now"]
    )
    assert t.token == case["token"] and t.expires == case["expires"]
    e = signer.explain(url, kind="stream", ip=case["ip"])
    assert e.string_to_sign == case["string_to_sign"].replace(case["key"], "***")
    assert e.matches is True
    v = signer.verify(url, kind="stream", ip=case["ip"], now=case["now"])
    assert v.valid


@pytest.mark.parametrize("case", VERIFY, ids=ids(VERIFY))
def test_verify(case: dict[str, Any]) -> None:
    signer = cdn_secure_token.Signer(case["key"], verify_keys=case["verify_keys"])
    v = signer.verify(case["url"], ip=case["ip"], now=case["now"], kind=case["kind"])
    assert v.status == case["expected"]
    assert v.http_status == case["status"]
    assert v.valid == (case["expected"] == "valid")
    assert v.expired == (case["expected"] == "expired")
    assert bool(v) == v.valid
    assert v.key_index == case["key_index"]
    # An expired link's reason is "expired" on every face (the vectors predate that code).
    assert v.reason == ("expired" if case["expected"] == "expired" else case["reason"])
    if case["expected"] == "valid":
        assert v.message is None
    else:
        assert isinstance(v.message, str) and v.message
        assert case["key"] not in v.message


@pytest.mark.parametrize("case", ERRORS, ids=ids(ERRORS))
def test_errors(case: dict[str, Any]) -> None:
    cls = ERROR_CLASSES[case["error"]]
    with pytest.raises(cls) as info:
        signer = cdn_secure_token.Signer(case["key"])
        if case["op"] == "sign":
            signer.sign_url(
                case["url"],
                expires=case["expires"],
                ttl=case["ttl"],
                ip=case["ip"],
                kind=case["kind"],
                speed=case["speed"],
                buffer=case["buffer"],
                now=case["now"],
            )
        elif case["op"] == "stream":
            signer.stream_url(
                case["account"],
                case["id"],
                stream=case["stream"],
                expires=case["expires"],
                ip=case["ip"],
                now=case["now"],
            )
        elif case["op"] == "verify":
            signer.verify(case["url"], ip=case["ip"], now=case["now"], kind=case["kind"])
        else:
            raise AssertionError(f"unknown op {case['op']}")
    err = info.value
    assert type(err) is cls
    assert isinstance(err, cdn_secure_token.SecureTokenError) and isinstance(err, ValueError)
    assert err.code == case["error"]
    text = str(err) + repr(err) + repr(err.args)
    if case["key"]:
        assert case["key"] not in text
    assert text
