"""Issue 10 items for the Python face: the error path must not leak, a key never shows up in
an exception (args, repr, traceback, chained exceptions), a repr, a pickle or a copy, and a
`now` override can never produce a link that expires at or before 0."""

from __future__ import annotations

import copy
import gc
import pickle
import sys
import traceback

import pytest

import cdn_secure_token
from cdn_secure_token import Signer

KEY = "leak-test-key-0001"
FAR = 2147483647


def _growth(fn: object, calls: int) -> int:
    """Allocated Python memory blocks left behind by `calls` calls of `fn` (after warm-up)."""
    assert callable(fn)
    for _ in range(1000):
        fn()
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(calls):
        fn()
    gc.collect()
    return sys.getallocatedblocks() - before


def _fails(call: object) -> None:
    assert callable(call)
    try:
        call()
    except cdn_secure_token.SecureTokenError:
        return
    raise AssertionError("the call did not fail")


@pytest.mark.parametrize(
    "call",
    [
        # The hand-written METH_FASTCALL sign_url kept a reference to every error message:
        # 1M of these grew RSS to 163 MiB (one block per call here).
        lambda s: s.sign_url("/a%zz", ttl=600),
        lambda s: s.sign_url(url="/a%zz", ttl=600),
        lambda s: s.sign_url("/a", expires=1),
        lambda s: s.sign_many(["/a", "/b%zz"], ttl=600),
        lambda s: s.verify("/a", ip="not an ip"),
    ],
    ids=["sign_url positional", "sign_url keyword", "sign_url past", "sign_many", "verify ip"],
)
def test_error_path_does_not_leak(call: object) -> None:
    s = Signer(KEY)
    assert callable(call)
    grew = _growth(lambda: _fails(lambda: call(s)), 200_000)
    # A leak of one object per call would be >= 200,000 blocks; allow for pymalloc noise.
    assert grew < 2_000, f"{grew} blocks left behind by 200,000 failing calls"


def test_success_path_does_not_leak() -> None:
    s = Signer(KEY)
    grew = _growth(lambda: s.sign_url("/a", expires=FAR), 200_000)
    assert grew < 2_000, grew
    grew = _growth(lambda: s.sign_many(["/a", "/b"], expires=FAR), 100_000)
    assert grew < 2_000, grew


SECRET = "my-key-SECRET"


def _everything_shown(e: BaseException) -> str:
    """Every text an exception carries: str, repr, args, traceback, chained exceptions."""
    parts = [str(e), repr(e), repr(e.args), "".join(traceback.format_exception(e))]
    for chained in (e.__context__, e.__cause__):
        if chained is not None:
            parts.append(repr(chained) + repr(getattr(chained, "args", ())))
            parts.append(repr(getattr(chained, "object", "")))
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Signer(SECRET + "\udc80"), "key"),
        (lambda: Signer("\udcff" + SECRET), "key"),
        (lambda: Signer("good-key-123", verify_keys=[SECRET + "\udc80"]), "verify_keys[0]"),
        (lambda: Signer("good-key-123", verify_keys=["other-key-1", "\ud800" + SECRET]), "verify_keys[1]"),
    ],
    ids=["key", "key leading", "verify key", "second verify key"],
)
def test_lone_surrogate_key_is_refused_without_showing_it(make: object, field: str) -> None:
    # What os.environ makes of undecodable bytes: the str has no UTF-8 form. CPython's
    # UnicodeEncodeError holds the whole str in .object and .args.
    assert callable(make)
    with pytest.raises(cdn_secure_token.InvalidKeyError) as info:
        make()
    e = info.value
    assert e.__context__ is None and e.__cause__ is None
    shown = _everything_shown(e)
    for part in (SECRET, SECRET[3:9], "my-key"):
        assert part not in shown, shown
    assert "surrogate" in str(e) and "expected str, not str" not in str(e)
    assert str(e).startswith(field + " is a str with lone surrogates"), str(e)


def test_surrogate_key_inside_an_except_block_chains_only_the_callers_exception() -> None:
    try:
        raise KeyError("caller's own")
    except KeyError:
        with pytest.raises(cdn_secure_token.InvalidKeyError) as info:
            Signer(SECRET + "\udc80")
    assert isinstance(info.value.__context__, KeyError)
    assert SECRET not in _everything_shown(info.value)


def test_surrogate_url_names_the_problem() -> None:
    s = Signer(KEY)
    with pytest.raises(cdn_secure_token.InvalidUrlError, match="lone surrogates"):
        s.sign_url("/a\udc80", expires=FAR)
    with pytest.raises(cdn_secure_token.InvalidUrlError, match=r"^item 1: .*lone surrogates") as info:
        s.sign_many(["/a", "/b\udc80"], expires=FAR)
    assert info.value.index == 1


def test_repr_pickle_copy_never_show_the_key() -> None:
    s = Signer(SECRET, verify_keys=[SECRET + "-old"], default_ttl=60)
    for text in (repr(s), str(s), repr(copy.copy(s)), repr(copy.deepcopy(s))):
        assert SECRET not in text
    assert copy.copy(s) is s and copy.deepcopy(s) is s
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError) as info:
            pickle.dumps(s, protocol=protocol)
        assert SECRET not in _everything_shown(info.value)
    with pytest.raises(TypeError):
        s.__reduce_ex__(2)
    assert not hasattr(s, "__dict__") and not hasattr(s, "key")
    assert all(SECRET not in repr(getattr(s, name, None)) for name in dir(s))


@pytest.mark.parametrize(
    "opts",
    [
        {"ttl": 60, "now": -100},
        {"ttl": 100, "now": -100},
        {"ttl": 1, "now": -(2**62)},
        {"ttl": 60, "now": -(2**63)},
    ],
)
def test_now_override_never_gives_expires_at_or_below_zero(opts: dict[str, int]) -> None:
    # sign_url('/a', ttl=60, now=-100) signed expires=-40.
    s = Signer(KEY)
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        s.sign_url("/a", **opts)  # type: ignore[arg-type]
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        s.sign_many(["/a"], **opts)  # type: ignore[arg-type]
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        s.token("/a", **opts)  # type: ignore[arg-type]
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        s.resolve_expires(**opts)  # type: ignore[arg-type]
    with pytest.raises(cdn_secure_token.InvalidExpiryError):
        Signer(KEY, allow_past_expiry=True).sign_url("/a", **opts)  # type: ignore[arg-type]
