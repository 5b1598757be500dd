#!/usr/bin/env python3
"""Times, in one run, over the same 100,000 URLs (file token, no IP):

1. the vendor's Python snippet (Gcore template),
2. an optimized pure-Python equivalent (hashlib + base64.urlsafe_b64encode, constants hoisted),
3. cdn_secure_token's Signer.sign_url, one URL at a time,
4. cdn_secure_token's Signer.sign_many on all 100,000 at once,

checks that all four give the same URLs, and prints ns/URL and the ratios; then, per batch size
(1, 2, 8, 64, 1,000, 100,000), ns/URL of a loop of ``sign_url`` against ``sign_many`` on the
same URLs (about 200,000 URLs per size, results dropped at once).
Usage: python bench/bench.py [--n 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import platform
import time
from typing import Callable

import cdn_secure_token

KEY = "bench-secret-key"
EXPIRES = 2147483647


def vendor_gen(secret: str, path: str, ip: str, expires: int) -> str:
    token = (
        base64.encodebytes(hashlib.md5(f"{expires}{path}{ip} {secret}".encode()).digest())
        .decode()
        .replace("\n", "")
        .replace("+", "-")
        .replace("/", "_")
        .replace("=", "")
    )
    return f"{path}?md5={token}&expires={expires}"


def run_vendor(paths: list[str]) -> list[str]:
    return [vendor_gen(KEY, p, "", EXPIRES) for p in paths]


def run_optimized(paths: list[str]) -> list[str]:
    prefix = str(EXPIRES).encode()
    suffix = f" {KEY}".encode()
    tail = f"&expires={EXPIRES}"
    md5 = hashlib.md5
    b64 = base64.urlsafe_b64encode
    return [
        f"{p}?md5={b64(md5(prefix + p.encode() + suffix).digest())[:22].decode()}{tail}"
        for p in paths
    ]


def run_sign_url(paths: list[str]) -> list[str]:
    sign = cdn_secure_token.Signer(KEY).sign_url
    return [sign(p, expires=EXPIRES) for p in paths]


def run_sign_many(paths: list[str]) -> list[str]:
    return cdn_secure_token.Signer(KEY).sign_many(paths, expires=EXPIRES)


def best_of(fn: Callable[[list[str]], list[str]], paths: list[str], repeat: int) -> tuple[float, list[str]]:
    best = float("inf")
    out: list[str] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(paths)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    paths = [f"/videos/{i % 1000}/segment-{i:06d}.ts" for i in range(args.n)]

    print(
        f"cdn_secure_token {cdn_secure_token.__version__}, Python {platform.python_version()}, "
        f"{args.n} URLs, best of {args.repeat}"
    )
    rows = [
        ("vendor snippet (Gcore template)", run_vendor),
        ("optimized pure Python", run_optimized),
        ("cdn_secure_token sign_url (one by one)", run_sign_url),
        (f"cdn_secure_token sign_many ({args.n} URLs)", run_sign_many),
    ]
    results = []
    reference: list[str] | None = None
    for name, fn in rows:
        seconds, out = best_of(fn, paths, args.repeat)
        if reference is None:
            reference = out
        elif out != reference:
            raise SystemExit(f"{name} disagrees with the vendor snippet")
        results.append((name, seconds / args.n * 1e9))

    vendor_ns = results[0][1]
    optimized_ns = results[1][1]
    print(f"{'implementation':40} {'ns/URL':>9} {'vs vendor':>10} {'vs optimized':>13}")
    for name, ns in results:
        print(f"{name:40} {ns:9.0f} {vendor_ns / ns:9.1f}x {optimized_ns / ns:12.1f}x")
    print("(ratios: how many times faster than the vendor snippet / the optimized pure Python)")
    by_size(paths, args.repeat)


def by_size(paths: list[str], repeat: int, total: int = 200_000) -> None:
    """ns/URL of a ``sign_url`` loop and of ``sign_many`` per batch size, on the same URLs."""
    signer = cdn_secure_token.Signer(KEY)
    sign = signer.sign_url
    many = signer.sign_many
    print(f"{'batch size':>10} {'loop ns/URL':>12} {'batch ns/URL':>13} {'loop/batch':>11}")
    for size in (1, 2, 8, 64, 1000, 100_000):
        batches = [paths[(i * size) % len(paths):][:size] for i in range(max(1, total // size))]
        batches = [b if len(b) == size else paths[:size] for b in batches]
        n = len(batches) * size

        def loop() -> None:
            for b in batches:
                [sign(u, expires=EXPIRES) for u in b]

        def batch() -> None:
            for b in batches:
                many(b, expires=EXPIRES)

        ns = []
        for fn in (loop, batch):
            best = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t0)
            ns.append(best / n * 1e9)
        print(f"{size:>10} {ns[0]:12.0f} {ns[1]:13.0f} {ns[0] / ns[1]:10.2f}x")
    print("(loop/batch >= 1: the batch call is no slower per URL than a loop of single calls)")


if __name__ == "__main__":
    main()
