"""sign_many takes any iterable of str: every kind of input (list, tuple, generator, iterator,
subclasses, deque, dict keys), at the sizes where the core changes how it signs (one message,
a 64-lane group, several cores), must give the same list, and the same exception, as the
others and as sign_url one URL at a time."""

from __future__ import annotations

import gc
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable

import pytest

import cdn_secure_token
from cdn_secure_token import Signer

KEY = "sign-many-test-key-01"
FAR = 2147483647
NOW = 1700000000

# The batch sizes that matter to the core: empty, tiny, around a 64-lane group, around the
# size from which a batch is spread over the cores, and large.
SIZES = [0, 1, 7, 63, 64, 65, 4095, 4096, 4097, 20_000, 100_003]


class StrSub(str):
    """A str subclass; its text is what is signed, whatever __str__ says."""

    def __str__(self) -> str:
        return "/not-this"


class ListSub(list):  # type: ignore[type-arg]
    pass


class TupleSub(tuple):  # type: ignore[type-arg]
    pass


def _urls(n: int) -> list[str]:
    shapes = [
        "https://cdn.example.com/v/{i}/file {i}.mp4?x={i}",
        "/plain/{i}.ts",
        "//cdn.example.com/caf\u00e9/{i}.jpg",
        "/\u4e2d\u6587/{i}/\U0001f600.png?q=\u00fc",
        "http://cdn.example.com:8080/a%20b/{i}?md5=old&expires=1&keep=1#frag",
    ]
    return [shapes[i % len(shapes)].format(i=i) for i in range(n)]


# Every way of passing the same URLs: the first two take the borrowed (fast) route on 3.10+,
# the others the generic one.
ROUTES: dict[str, Callable[[list[str]], Iterable[str]]] = {
    "list": lambda u: u,
    "tuple": tuple,
    "generator": lambda u: (x for x in u),
    "iterator": iter,
    "list subclass": ListSub,
    "tuple subclass": TupleSub,
    "deque": deque,
    "dict keys": lambda u: dict.fromkeys(u).keys(),
}


def _outcome(fn: Callable[[], list[str]]) -> tuple[Any, ...]:
    """The result, or the exception's class, message and index, for comparing routes."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - any difference between routes is the failure
        return (type(e), str(e), getattr(e, "index", None))


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer(KEY)


@pytest.mark.parametrize("n", SIZES)
def test_every_route_matches_sign_url(signer: Signer, n: int) -> None:
    urls = _urls(n)
    expected = [signer.sign_url(u, expires=FAR, ip="10.1.2.3") for u in urls]
    for name, route in ROUTES.items():
        if name == "dict keys" and len(set(urls)) != len(urls):
            continue
        got = signer.sign_many(route(urls), expires=FAR, ip="10.1.2.3")
        assert type(got) is list, name
        assert got == expected, name


def test_routes_agree_with_ttl_and_kinds(signer: Signer) -> None:
    urls = [f"/media/{i}/video.mp4" for i in range(9000)]
    for opts in (
        {"ttl": 3600, "now": NOW},
        {"expires": FAR, "kind": "directory"},
        {"expires": FAR, "kind": "mp4", "speed": 2, "buffer": "10"},
    ):
        expected = [signer.sign_url(u, **opts) for u in urls]  # type: ignore[arg-type]
        for name, route in ROUTES.items():
            assert signer.sign_many(route(urls), **opts) == expected, (name, opts)  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [3, 2048, 8192, 30_000])
@pytest.mark.parametrize("where", ["first", "middle", "chunk edge", "last"])
@pytest.mark.parametrize(
    "bad", [2, None, b"/bytes", "/lone-\udc80-surrogate", "/\ud800"], ids=repr
)
def test_bad_item_same_error_on_every_route(signer: Signer, n: int, where: str, bad: Any) -> None:
    index = {"first": 0, "middle": n // 2, "chunk edge": min(2048, n - 1), "last": n - 1}[where]
    urls: list[Any] = _urls(n)
    urls[index] = bad
    outcomes = {
        name: _outcome(lambda r=route: signer.sign_many(r(urls), expires=FAR))  # type: ignore[misc]
        for name, route in ROUTES.items()
        if name != "dict keys"
    }
    if isinstance(bad, str):
        # A lone surrogate has no UTF-8 form: a URL error naming the item (it used to be the
        # TypeError "expected str, not str").
        want = (
            cdn_secure_token.InvalidUrlError,
            f"item {index}: URL is malformed: it is a str with lone surrogates, which has no "
            "UTF-8 form",
            index,
        )
    else:
        want = (TypeError, f"item {index}: expected str, not {type(bad).__name__}", None)
    for name, got in outcomes.items():
        assert got == want, name


def test_item_error_comes_before_argument_errors(signer: Signer) -> None:
    # The items are checked first, then the keyword arguments, on every route.
    for name, route in ROUTES.items():
        if name == "dict keys":
            continue
        with pytest.raises(TypeError, match=r"^item 1: expected str, not int$"):
            signer.sign_many(route(["/a", 1, "/b"]), expires="soon")  # type: ignore[list-item, arg-type]
        with pytest.raises(TypeError, match="^expires must be"):
            signer.sign_many(route(["/a", "/b"]), expires="soon")  # type: ignore[arg-type]


def test_str_subclass_items_sign_their_text(signer: Signer) -> None:
    urls = _urls(9000)
    mixed = [StrSub(u) if i % 3 == 0 else u for i, u in enumerate(urls)]
    expected = [signer.sign_url(u, expires=FAR) for u in urls]
    for name, route in ROUTES.items():
        if name == "dict keys":
            continue
        assert signer.sign_many(route(mixed), expires=FAR) == expected, name


@pytest.mark.parametrize("n", [10, 8192, 50_000])
@pytest.mark.parametrize(
    "positions", [[3], [5, 1], [7, 9, 2500], [2047, 2048], [2048, 2047 + 4096], [30_000, 5000], [-1]]
)
def test_core_error_names_the_first_failing_url(
    signer: Signer, n: int, positions: list[int]
) -> None:
    # Several bad URLs, possibly in different chunks: the first one is reported, whichever
    # worker finds which first.
    idx = sorted({p % n for p in positions})
    urls = _urls(n)
    for i in idx:
        urls[i] = "relative/url" if i % 2 else "/bad%zz"
    first = idx[0]
    want_cls = cdn_secure_token.InvalidUrlError if first % 2 else cdn_secure_token.InvalidPathError
    for name, route in ROUTES.items():
        if name == "dict keys":
            continue
        got = _outcome(lambda r=route: signer.sign_many(r(urls), expires=FAR))  # type: ignore[misc]
        assert got[0] is want_cls, (name, got)
        assert got[1].startswith(f"item {first}: ") and got[2] == first, (name, got)
        # The message is the one sign_url gives for that URL.
        with pytest.raises(want_cls) as single:
            signer.sign_url(urls[first], expires=FAR)
        assert got[1] == f"item {first}: {single.value}", name


@pytest.mark.parametrize("n", [0, 5, 8192, 40_000])
def test_option_errors_are_item_0_on_every_route(signer: Signer, n: int) -> None:
    urls = _urls(n)
    cases: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"expires": FAR, "ip": "not-an-ip"}, cdn_secure_token.InvalidIpError),
        ({}, cdn_secure_token.InvalidExpiryError),
        ({"expires": FAR, "ttl": 5}, cdn_secure_token.InvalidExpiryError),
        ({"expires": 1, "now": NOW}, cdn_secure_token.InvalidExpiryError),
        ({"expires": FAR, "speed": 2}, cdn_secure_token.InvalidArgumentError),
        ({"expires": FAR, "kind": "stream"}, cdn_secure_token.InvalidArgumentError),
    ]
    for kwargs, cls in cases:
        outcomes = {
            name: _outcome(lambda r=route: signer.sign_many(r(urls), **kwargs))  # type: ignore[misc]
            for name, route in ROUTES.items()
            if name != "dict keys"
        }
        first = outcomes["list"]
        assert first[0] is cls and first[1].startswith("item 0: ") and first[2] == 0, kwargs
        for name, got in outcomes.items():
            assert got == first, (name, kwargs)


def test_input_list_emptied_during_the_call() -> None:
    # The clock runs after the items are read and before they are signed: it empties the
    # list (freeing every str, which only the list held) and fills the freed memory with
    # other text. The batch must still sign the URLs the list held when it was passed.
    n = 60_000
    urls = [f"/clock/{i:07d}/segment.ts" for i in range(n)]
    expected = Signer(KEY).sign_many(list(urls), expires=FAR)
    junk: list[str] = []

    def clock() -> int:
        urls.clear()
        gc.collect()
        junk.extend(f"/junk/{i:07d}/xxxxxxx.ts" for i in range(n))
        return NOW

    s = Signer(KEY, clock=clock)
    got = s.sign_many(urls, expires=FAR)
    assert urls == [] and len(junk) == n
    assert got == expected


def test_unlisted_iterables_still_refused(signer: Signer) -> None:
    with pytest.raises(TypeError, match="single str"):
        signer.sign_many("/a", expires=FAR)
    with pytest.raises(TypeError, match="not iterable"):
        signer.sign_many(5, expires=FAR)  # type: ignore[arg-type]

    def boom() -> Iterable[str]:
        yield "/a"
        raise RuntimeError("generator failed")

    with pytest.raises(RuntimeError, match="generator failed"):
        signer.sign_many(boom(), expires=FAR)


def test_concurrent_large_batches_some_failing(signer: Signer) -> None:
    # Several Python threads, each running large (chunked) batches, half of them failing in
    # a late chunk: every call gets its own right answer, and none hangs.
    batches = [_urls(30_000 + 997 * k) for k in range(8)]
    for k in range(1, 8, 2):
        batches[k][-(k * 1000)] = "/bad%zz"
    expected = [
        _outcome(lambda b=b: [signer.sign_url(u, expires=FAR) for u in b])  # type: ignore[misc]
        for b in batches
    ]
    for k in range(1, 8, 2):
        bad = len(batches[k]) - k * 1000
        assert expected[k][0] is cdn_secure_token.InvalidPathError
        expected[k] = (expected[k][0], f"item {bad}: {expected[k][1]}", bad)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            got = list(
                pool.map(
                    lambda b: _outcome(lambda: signer.sign_many(b, expires=FAR)), batches
                )
            )
            assert got == expected
