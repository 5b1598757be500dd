"""Hostile raw requests against examples/c/verify_server (guarding the differential fixture
tree with key conformance-key-1): the answers nginx gives, checked one by one, and the server
still up after each. Tokens are computed here with hashlib, not by the library under test.
Usage: python3 capi/tests/hostile.py HOST:PORT [NAME]; ends with "NAME: N passed, N failed".
"""
import base64
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "raw"))
import differential  # noqa: E402  (send_raw: raw bytes over a socket, no re-encoding)

KEY = b"conformance-key-1"
FUTURE, PAST = 2147483647, 1000000000


def q(path: bytes, expires: int = FUTURE) -> bytes:
    t = base64.urlsafe_b64encode(hashlib.md5(b"%d%s %s" % (expires, path, KEY)).digest())
    return b"?md5=" + t.rstrip(b"=") + b"&expires=%d" % expires


CASES = [
    # (name, raw target, status, body or None)
    ("valid file", b"/x.jpg" + q(b"/x.jpg"), 200, b"x at the root\n"),
    ("valid, absolute form", b"http://cdn.example.com/x.jpg" + q(b"/x.jpg"), 200, b"x at the root\n"),
    ("// is a path: token for /x.jpg does not open //private/x.jpg", b"//private/x.jpg" + q(b"/x.jpg"), 403, None),
    ("//private/x.jpg with its own token serves the private file", b"//private/x.jpg" + q(b"/private/x.jpg"), 200, b"the private x\n"),
    ("//x.jpg is /x.jpg", b"//x.jpg" + q(b"/x.jpg"), 200, b"x at the root\n"),
    ("dot segments resolved before hashing", b"/private/../x.jpg" + q(b"/x.jpg"), 200, b"x at the root\n"),
    ("%2e%2e is a dot segment", b"/private/%2e%2e/x.jpg" + q(b"/x.jpg"), 200, b"x at the root\n"),
    ("escaped space", b"/a%20b.jpg" + q(b"/a b.jpg"), 200, b"a space b\n"),
    ("raw space: 400", b"/a b.jpg" + q(b"/a b.jpg"), 400, None),
    ("raw non-ASCII", "/été.jpg".encode() + q("/été.jpg".encode()), 200, "été (NFC)\n".encode()),
    ("invalid UTF-8, right token, no such file", b"/\xff\xfe.jpg" + q(b"/\xff\xfe.jpg"), 404, None),
    ("invalid UTF-8, wrong token", b"/\xff\xfe.jpg" + q(b"/x.jpg"), 403, None),
    ("no token", b"/x.jpg", 403, None),
    ("expired", b"/x.jpg" + q(b"/x.jpg", PAST), 410, None),
    ("expired with a wrong hash is 403", b"/private/x.jpg" + q(b"/x.jpg", PAST), 403, None),
    ("bad escape: 400", b"/a%zz.jpg" + q(b"/a%zz.jpg"), 400, None),
    (".. above the root: 400", b"/../x.jpg" + q(b"/x.jpg"), 400, None),
    ("control byte: 400", b"/x\x01.jpg" + q(b"/x\x01.jpg"), 400, None),
    ("9,000-byte target: 414", b"/" + b"a" * 9000 + q(b"/" + b"a" * 9000), 414, None),
    ("70,000-byte target: 414", b"/" + b"a" * 70000, 414, None),
    ("directory with a right token: 404 like nginx", b"/private/" + q(b"/private/"), 404, None),
    ("still serving after all that", b"/x.jpg" + q(b"/x.jpg"), 200, b"x at the root\n"),
]


def main() -> int:
    host, _, port = sys.argv[1].rpartition(":")
    name = sys.argv[2] if len(sys.argv) > 2 else "hostile"
    passed = failed = 0
    for label, target, want, body in CASES:
        try:
            status, got = differential.send_raw(host, int(port), target, timeout=10)
        except OSError as e:
            status, got = 0, str(e).encode()
        good = status == want and (body is None or got == body)
        print(f"{'ok' if good else 'FAIL'} - {label}: {status} (want {want})")
        passed, failed = passed + good, failed + (not good)
    print(f"{name}: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
