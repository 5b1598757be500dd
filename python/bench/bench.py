#!/usr/bin/env python3
"""Times, in one run, over the same 100,000 URLs (file token, no IP):

1. the vendor's Python snippet (Gcore template),
2. an optimized pure-Python equivalent (hashlib + base64.urlsafe_b64encode, constants hoisted),
3. cdn_secure_token's Signer.sign_url, one URL at a time,
4. cdn_secure_token's Signer.sign_many on all 100,000 at once,

checks that all four give the same URLs, and prints ns/URL and the ratios; then, per batch size
(1, 2, 8, 64, 1,000, 100,000), ns/URL of a loop of ``sign_url`` against ``sign_many`` on the
same URLs (about 200,000 URLs per size, results dropped at once).

With ``--before WHEEL`` (e.g. main's wheel), that build's extension is loaded beside the
installed one and timed in the same rounds (each round runs every implementation once, so
both see the same machine load): the before/after figures of one run.
Usage: python bench/bench.py [--n 100000] [--repeat 5] [--before WHEEL]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import tempfile
import time
import zipfile
from types import ModuleType
from typing import Any, Callable

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


def load_before(wheel: str) -> ModuleType:
    """The extension module of another build (a wheel), loaded beside the installed one."""
    out = tempfile.mkdtemp(prefix="bench-before-")
    with zipfile.ZipFile(wheel) as z:
        so = next(n for n in z.namelist() if n.startswith("cdn_secure_token/_native"))
        path = z.extract(so, out)
    loader = importlib.machinery.ExtensionFileLoader("before._native", path)
    spec = importlib.util.spec_from_file_location("before._native", path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def sign_url_of(native: Any) -> Callable[[list[str]], list[str]]:
    def run(paths: list[str]) -> list[str]:
        sign = native.Signer(KEY).sign_url
        return [sign(p, expires=EXPIRES) for p in paths]

    return run


def sign_many_of(native: Any) -> Callable[[list[str]], list[str]]:
    def run(paths: list[str]) -> list[str]:
        return native.Signer(KEY).sign_many(paths, expires=EXPIRES)  # type: ignore[no-any-return]

    return run


def best_of(fns: list[Callable[[], Any]], repeat: int) -> list[tuple[float, Any]]:
    """Best time and last result of each function; every round runs each once, in turn."""
    best = [float("inf")] * len(fns)
    out: list[Any] = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            out[i] = fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return list(zip(best, out))


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--before", metavar="WHEEL", help="another build's wheel, timed beside this one")
    args = ap.parse_args()
    paths = [f"/videos/{i % 1000}/segment-{i:06d}.ts" for i in range(args.n)]
    before = load_before(args.before) if args.before else None

    print(
        f"cdn_secure_token {cdn_secure_token.__version__}, Python {platform.python_version()}, "
        f"{args.n} URLs, best of {args.repeat}; {os.cpu_count()} cores, {load()}"
    )
    rows = [
        ("vendor snippet (Gcore template)", run_vendor),
        ("optimized pure Python", run_optimized),
        ("cdn_secure_token sign_url (one by one)", sign_url_of(cdn_secure_token)),
        (f"cdn_secure_token sign_many ({args.n} URLs)", sign_many_of(cdn_secure_token)),
    ]
    if before is not None:
        rows += [
            ("before: one by one", sign_url_of(before)),
            (f"before: batch of {args.n}", sign_many_of(before)),
        ]
    timed = best_of([lambda fn=fn: fn(paths) for _, fn in rows], args.repeat)  # type: ignore[misc]
    reference = timed[0][1]
    results = []
    for (name, _), (seconds, out) in zip(rows, timed):
        if out != reference:
            raise SystemExit(f"{name} disagrees with the vendor snippet")
        results.append((name, seconds / args.n * 1e9))

    vendor_ns = results[0][1]
    optimized_ns = results[1][1]
    print(f"{'implementation':40} {'ns/URL':>9} {'vs vendor':>10} {'vs optimized':>13}")
    for name, ns in results:
        print(f"{name:40} {ns:9.0f} {vendor_ns / ns:9.1f}x {optimized_ns / ns:12.1f}x")
    print("(ratios: how many times faster than the vendor snippet / the optimized pure Python)")
    by_size(paths, args.repeat, before)
    print(f"after the run: {load()}")


def by_size(paths: list[str], repeat: int, before: Any = None, total: int = 200_000) -> None:
    """ns/URL of a ``sign_url`` loop and of ``sign_many`` per batch size, on the same URLs."""
    natives = [cdn_secure_token] + ([before] if before is not None else [])
    head = f"{'batch size':>10} {'loop ns/URL':>12} {'batch ns/URL':>13} {'loop/batch':>11}"
    print(head + (f" {'before loop':>12} {'before batch':>13}" if before is not None else ""))
    for size in (1, 2, 8, 64, 1000, 100_000):
        batches = [paths[(i * size) % len(paths):][:size] for i in range(max(1, total // size))]
        batches = [b if len(b) == size else paths[:size] for b in batches]
        n = len(batches) * size
        fns: list[Callable[[], Any]] = []
        for native in natives:
            signer = native.Signer(KEY)

            def loop(sign: Any = signer.sign_url) -> None:
                for b in batches:
                    [sign(u, expires=EXPIRES) for u in b]

            def batch(many: Any = signer.sign_many) -> None:
                for b in batches:
                    many(b, expires=EXPIRES)

            fns += [loop, batch]
        ns = [seconds / n * 1e9 for seconds, _ in best_of(fns, repeat)]
        line = f"{size:>10} {ns[0]:12.0f} {ns[1]:13.0f} {ns[0] / ns[1]:10.2f}x"
        print(line + (f" {ns[2]:12.0f} {ns[3]:13.0f}" if before is not None else ""))
    print("(loop/batch >= 1: the batch call is no slower per URL than a loop of single calls)")


if __name__ == "__main__":
    main()
