"""One signer shared by many threads; sign_many releases the GIL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import cdn_secure_token

KEY = "thread-test-key-01"
FAR = 2147483647
NOW = 1700000000


def _urls(n: int, tag: str = "") -> list[str]:
    return [f"https://cdn.example.com/{tag}dir {i % 97}/file-{i}.mp4?q={i}" for i in range(n)]


def test_many_threads_one_signer_match_serial() -> None:
    signer = cdn_secure_token.Signer(KEY, verify_keys=["thread-old-key"])
    urls = _urls(4000)
    ips = [f"10.{i % 256}.{(i // 256) % 256}.7" for i in range(len(urls))]
    serial = [signer.sign_url(u, expires=FAR, ip=ip) for u, ip in zip(urls, ips)]

    def work(offset: int) -> list[str]:
        # Each worker walks the list from its own offset so calls interleave differently.
        order = list(range(offset, len(urls))) + list(range(offset))
        out = [""] * len(urls)
        for i in order:
            out[i] = signer.sign_url(urls[i], expires=FAR, ip=ips[i])
            if i % 500 == 0:
                assert signer.verify(out[i], ip=ips[i], now=NOW).valid
        return out

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(work, [k * 250 for k in range(16)]))
    for r in results:
        assert r == serial


def test_concurrent_sign_many_match_serial() -> None:
    signer = cdn_secure_token.Signer(KEY)
    batches = [_urls(6000, tag=f"b{k}/") for k in range(8)]
    serial = [[signer.sign_url(u, expires=FAR) for u in b] for b in batches]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda b: signer.sign_many(b, expires=FAR), batches))
    assert results == serial


def test_sign_many_releases_the_gil() -> None:
    # While one thread is inside sign_many, another Python thread must keep running. The
    # ticker sleeps between ticks (which hands the GIL over); if sign_many held the GIL for
    # its whole run, the ticker would be frozen until it returned.
    signer = cdn_secure_token.Signer(KEY)
    urls = _urls(400_000)
    started = threading.Event()
    done = threading.Event()
    elapsed: list[float] = []

    def batch() -> None:
        started.set()
        t0 = time.perf_counter()
        signer.sign_many(urls, expires=FAR, ip="2001:db8::1")
        elapsed.append(time.perf_counter() - t0)
        done.set()

    worker = threading.Thread(target=batch)
    worker.start()
    started.wait()
    ticks = 0
    longest_gap = 0.0
    last = time.perf_counter()
    while not done.is_set():
        time.sleep(0.0005)
        now = time.perf_counter()
        longest_gap = max(longest_gap, now - last)
        last = now
        ticks += 1
    worker.join()
    total = elapsed[0]
    # The ticker was frozen for at most the GIL-held parts (collecting the input strings,
    # building the output list), clearly less than the whole call.
    assert ticks >= 10, (ticks, total)
    assert longest_gap < total * 0.9, (longest_gap, total)
