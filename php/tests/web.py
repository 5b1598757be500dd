#!/usr/bin/env python3
"""The PHP face behind real servers: requests sent as raw bytes over sockets to the example
front controller (examples/php) under php-fpm + nginx or under `php -S`, links signed by PHP
in the same server (php/tests/web/sign.php). Prints PASS/FAIL lines and ends with
`NAME: N passed, N failed`.

  web.py --name fpm --app 127.0.0.1:P --sign 127.0.0.1:Q --mode fpm --fpm-pid PID
  web.py --name php-s --app 127.0.0.1:P --sign 127.0.0.1:Q --mode cli-server
"""

import argparse
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

PASSED = 0
FAILED = 0


def check(name, ok, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"PASS {name}")
    else:
        FAILED += 1
        print(f"FAIL {name} {detail}")


def request(addr, target: bytes, timeout=10):
    """Sends `GET target HTTP/1.0` as raw bytes; returns (status, headers, body)."""
    host, port = addr
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(b"GET " + target + b" HTTP/1.0\r\nHost: test\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return -1, {}, data
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    return status, headers, body


def sign(addr, path, **params):
    q = urllib.parse.urlencode(dict(path=path, **params))
    status, _, body = request(addr, f"/_sign?{q}".encode())
    if status != 200:
        raise RuntimeError(f"/_sign answered {status}: {body[:300]!r}")
    return json.loads(body)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def workers(master):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == master:
                    out.append(int(d))
            except OSError:
                pass
    return sorted(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--app", required=True)
    ap.add_argument("--sign", required=True)
    ap.add_argument("--mode", choices=["fpm", "cli-server"], required=True)
    ap.add_argument("--fpm-pid", type=int)
    ap.add_argument("--leak-requests", type=int, default=5000)
    a = ap.parse_args()
    app = (a.app.rsplit(":", 1)[0], int(a.app.rsplit(":", 1)[1]))
    signer = (a.sign.rsplit(":", 1)[0], int(a.sign.rsplit(":", 1)[1]))
    fpm = a.mode == "fpm"

    s = sign(signer, "/x.jpg")
    check("sign: runs in the server SAPI with the stock ffi.enable",
          s["sapi"] == ("fpm-fcgi" if fpm else "cli-server") and s["ffi"] == "preload", str(s))
    good = s["url"].encode()
    query = good[good.index(b"?"):]
    st, _, body = request(app, good)
    check("valid link: 200 with the file", st == 200 and body == b"hello\n", f"{st} {body[:80]!r}")
    priv = sign(signer, "/private/x.jpg")["url"].encode()
    st, _, body = request(app, priv)
    check("valid link to /private/x.jpg: 200 with that file", st == 200 and body == b"secret\n",
          f"{st} {body[:80]!r}")
    st, _, body = request(app, b"//private/x.jpg" + query)
    check("//private/x.jpg with the token of /x.jpg: 403 (issue 10 item 1)", st == 403,
          f"{st} {body[:80]!r}")
    if fpm:
        st, _, body = request(app, b"//x.jpg" + query)
        check("//x.jpg with the token of /x.jpg: 200 like nginx", st == 200 and body == b"hello\n",
              f"{st} {body[:80]!r}")
    tampered = good.replace(b"md5=", b"md5=A")
    st, _, _ = request(app, tampered)
    check("tampered token: 403", st == 403, str(st))
    st, _, _ = request(app, b"/x.jpg")
    check("no token: 403", st == 403, str(st))
    past = sign(signer, "/x.jpg", expires=int(time.time()) - 100)["url"].encode()
    st, _, body = request(app, past)
    check("expired link: 410", st == 410 and b"expired" in body, f"{st} {body[:80]!r}")
    if fpm:
        # (php -S's own request parser drops a request line with raw bytes >= 0x80.)
        st, _, body = request(app, b"/\xff\xfe.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=2147483647")
        check("raw invalid UTF-8 in the target: a verdict (403), not a 500 (issue 10 item 2)",
              st == 403, f"{st} {body[:120]!r}")
    st, _, body = request(app, b"/%FF%FE.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=2147483647")
    check("escaped invalid UTF-8 in the target: a verdict (403), not a 500", st == 403,
          f"{st} {body[:120]!r}")
    st, _, body = request(app, b"/a%zz.jpg" + query)
    check("bad escape: 400", st == 400, f"{st} {body[:80]!r}")
    st, _, body = request(app, b"/" + b"a" * 9000 + b".jpg" + query)
    check("target over nginx's 8 KiB limit: 414", st == 414, f"{st} {body[:80]!r}")
    if fpm:
        st, _, _ = request(app, b"/a b.jpg" + query)
        check("raw space in the target: 400 (nginx)", st == 400, str(st))

    # Several workers at once: 8 clients, each a mix of valid, tampered and expired links.
    cases = [(good, 200, b"hello\n"), (priv, 200, b"secret\n"), (tampered, 403, None),
             (past, 410, None), (b"//private/x.jpg" + query, 403, None)]
    errors = []
    pids = set()
    lock = threading.Lock()

    def client(n):
        for i in range(60):
            target, want, want_body = cases[(i + n) % len(cases)]
            st, _, body = request(app, target)
            if st != want or (want_body is not None and body != want_body):
                with lock:
                    errors.append((target[:40], want, st))
            if i % 10 == 0:
                with lock:
                    pids.add(sign(signer, "/x.jpg")["pid"])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check("8 concurrent clients, 480 requests: every answer right", not errors, str(errors[:5]))
    if fpm:
        st, _, body = request(signer, b"/_status")
        text = body.decode()
        max_active = int(text.split("max active processes:")[1].split()[0])
        check(f"several fpm workers answered at once (max active processes {max_active}, "
              f"{len(pids)} worker pids)", max_active >= 2 and len(pids) >= 2, text)

        # No leak: worker RSS after a warm-up, then after many more requests.
        master = a.fpm_pid
        for i in range(500):
            request(app, cases[i % len(cases)][0])
        sign(signer, "/x.jpg", n=20)
        before = {p: rss_kib(p) for p in workers(master)}
        t0 = time.time()
        for i in range(a.leak_requests):
            request(app, cases[i % len(cases)][0])
            if i % 10 == 0:
                sign(signer, "/x.jpg", n=20)
        secs = time.time() - t0
        after = {p: rss_kib(p) for p in workers(master)}
        same = set(before) == set(after) and len(before) == 4
        growth = max((after[p] - before[p]) for p in before) if same else None
        print(f"# rss KiB before {sorted(before.values())} after {sorted(after.values())} "
              f"over {a.leak_requests} requests (+{a.leak_requests // 10 * 20} signers) in {secs:.1f}s")
        check(f"no leak: worker RSS grew at most {growth} KiB over {a.leak_requests} requests",
              same and growth is not None and growth < 2048, f"{before} -> {after}")

    print(f"{a.name}: {PASSED} passed, {FAILED} failed")
    sys.exit(0 if FAILED == 0 else 1)


if __name__ == "__main__":
    main()
