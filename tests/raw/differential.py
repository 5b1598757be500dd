#!/usr/bin/env python3
"""The raw-request differential: a real nginx `secure_link` edge and a server under test judge
the same request lines, sent as raw bytes over sockets (no HTTP library re-encodes them).

    differential.py fixture DIR
        Writes the guarded document tree into DIR and prints the key.
    differential.py record --out FILE [--count N] [--seed S] [--keep DIR]
        Starts nginx guarding that tree (file, ip, dir and mp4 token kinds, one port each),
        sends N adversarial raw request lines, writes one JSON object per line:
        {"kind", "target" (hex of the raw target bytes), "status", "body_sha" (for 200), "ip"}.
    differential.py compare --recorded FILE --server NAME=HOST:PORT[,KIND] [--server ...]
        Replays the recorded requests of KIND (default file) against each server, which must
        guard the same tree with the same key, and ends with "NAME: N passed, N failed".

A server under test agrees with nginx on a request when:
- either answers a guard status (400, 403, 410, 414): both answer the same status;
- nginx answers 200: the server answers 200 with the same body;
- nginx answers anything else (301, 404, ...: the token passed, there is no such file): the
  server answers neither 200 nor a guard status.

Expiries are far past or far future (2147483647), so a recording stays valid for years.
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

KEY = "conformance-key-1"
FUTURE = 2147483647
PAST = 1000000000
GUARD_STATUSES = {400, 403, 410, 414}
KINDS = ("file", "ip", "dir", "mp4")

# The guarded tree: decoded path -> body. Every directory also exists as a path prefix.
FILES = {
    "/x.jpg": b"x at the root\n",
    "/private/x.jpg": b"the private x\n",
    "/private/secret.txt": b"secret\n",
    "/a b.jpg": b"a space b\n",
    "/\u00e9t\u00e9.jpg": "\u00e9t\u00e9 (NFC)\n".encode(),
    "/\u0444\u043e\u0442\u043e/\u043a\u043e\u0442.jpg": b"cyrillic\n",
    "/+plus.jpg": b"plus\n",
    "/100%.jpg": b"a literal percent\n",
    "/semi;colon.jpg": b"semicolon\n",
    "/back\\slash.jpg": b"backslash\n",
    "/q?mark.jpg": b"question mark\n",
    "/hash#tag.jpg": b"hash\n",
    "/dir/index.m3u8": b"#EXTM3U\n",
    "/dir/seg1.ts": b"segment 1\n",
    "/dir/sub/seg2.ts": b"segment 2\n",
    "/mp4/movie.mp4": b"not really an mp4\n",
    "/.hidden": b"dotfile\n",
}

# What the generator signs for: mostly real files, some missing ones and directories.
SIGN_PATHS = list(FILES) + ["/missing.jpg", "/private/", "/dir/", "/", "/private", "/dir/sub/"]


# ------------------------------------------------------------------------------------------
# The fixture tree


def write_fixture(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for path, body in FILES.items():
        f = root / path.lstrip("/")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(body)


# ------------------------------------------------------------------------------------------
# Tokens, and nginx's reading of a path (a model used only to make most generated tokens
# right; nginx itself is the judge of every request)


def token(s: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.md5(s).digest()).decode().rstrip("=")


def model_uri(raw: bytes) -> bytes | None:
    """nginx's $uri for a raw origin-form path (no query), or None when nginx would refuse it."""
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x25:  # %
            h = raw[i + 1 : i + 3]
            try:
                if len(h) != 2:
                    return None
                c = int(h, 16)
            except ValueError:
                return None
            if c == 0:
                return None
            i += 3
        else:
            i += 1
        out.append(c)
    segs: list[bytes] = []
    parts = bytes(out).split(b"/")
    for k, seg in enumerate(parts[1:], 1):
        last = k == len(parts) - 1
        if seg in (b"", b"."):
            if last:
                segs.append(b"")
            continue
        if seg == b"..":
            if not segs:
                return None
            segs.pop()
            if last:
                segs.append(b"")
            continue
        segs.append(seg)
    return b"/" + b"/".join(segs)


def string_to_sign(kind: str, uri: bytes, expires: bytes, speed: bytes = b"", buffer: bytes = b"") -> bytes:
    k = KEY.encode()
    if kind == "file":
        return expires + uri + b" " + k
    if kind == "ip":
        return expires + uri + b"127.0.0.1 " + k
    if kind == "dir":
        d = uri[: uri.rfind(b"/") + 1] if b"/" in uri else uri
        return expires + d + b" " + k
    if kind == "mp4":
        return uri + b"_" + k + b"_" + expires + b"_" + speed + b"_" + buffer + b"_"
    raise ValueError(kind)


UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/")


def encode_path(p: bytes, rng: random.Random, lower: bool = False, over: float = 0.0) -> bytes:
    out = bytearray()
    for c in p:
        if c in UNRESERVED and not (over and c != 0x2F and rng.random() < over):
            out.append(c)
        else:
            h = b"%%%02X" % c
            out += h.lower() if lower else h
    return bytes(out)


# ------------------------------------------------------------------------------------------
# The generator


class Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    # A path as sent: mutations of the encoded form of a decoded path.
    def spell(self, p: bytes) -> bytes:
        r = self.rng
        style = r.randrange(24)
        enc = encode_path(p, r)
        if style == 0:
            return enc
        if style == 1:
            return b"/" + enc  # //x
        if style == 2:
            return b"//" + enc  # ///x
        if style == 3:
            return enc.replace(b"/", b"//", 1 + r.randrange(2))
        if style == 4:
            segs = enc.split(b"/")
            k = 1 + r.randrange(max(1, len(segs) - 1))
            dot = self.pick([b".", b"%2e", b"%2E", b"..", b"%2e%2e", b".%2E", b"%2E.", b"%2e."])
            if dot.replace(b"%2e", b".").replace(b"%2E", b".") == b".." and r.random() < 0.7:
                segs[k:k] = [self.pick([b"zz", b"private", b"dir"]), dot]
            else:
                segs.insert(k, dot)
            return b"/".join(segs)
        if style == 5:
            return b"/" + enc[1:].replace(b"/", self.pick([b"%2F", b"%2f"]))
        if style == 6:
            return encode_path(p, r, lower=True, over=0.3)
        if style == 7:
            return encode_path(p, r, over=0.5)
        if style == 8:
            return p  # raw bytes: raw UTF-8, raw space, raw ? and #, raw backslash
        if style == 9:
            return enc + self.pick([b"%C0%AF", b"%c0%ae", b"%E0%80%AF", b"\xc0\xaf", b"%C0%AE%C0%AE/"])
        if style == 10:
            return enc + self.pick([b"\xff", b"%FF", b"\xc3", b"%C3", b"\xed\xa0\x80", b"%ED%A0%80", b"\x80x"])
        if style == 11:
            return enc.replace(b"%25", b"%2525") + self.pick([b"", b"%2525", b"%25"])
        if style == 12:
            return enc + self.pick([b"%3F", b"%23", b"%3f", b"%3Fmd5=x", b"%23frag"])
        if style == 13:
            return enc.replace(b"/", self.pick([b"\\", b"%5C", b"/\\"]), 1 + r.randrange(2))
        if style == 14:
            return enc + self.pick([b";jsessionid=1", b";", b";a=b;c", b"%3B"])
        if style == 15:
            return enc.replace(b"%20", b"+") if b"%20" in enc else enc + b"+"
        if style == 16:
            return enc[: 1 + r.randrange(len(enc))] + self.pick(
                [b" ", b"\t", b"\x01", b"\x7f", b"\x00", b"%00", b"%01", b"%0A", b"%0D", b"%7F", b"%09"]
            ) + enc[1:]
        if style == 17:
            return self.pick([b"http://localhost", b"http://LOCALHOST:1", b"https://x.example", b"http://a@b"]) + enc
        if style == 18:
            return enc + self.pick([b"/", b"/.", b"/..", b"%2F", b"/%2e", b"."])
        if style == 19:
            return self.pick([b"", b"x", b"*", b"http://", b"//", b"/%", b"/%2", b"/%zz", b"/%%41"]) + enc[1:]
        if style == 20:
            return enc.upper() if r.random() < 0.5 else enc.lower()
        if style == 21:
            return encode_path(p, r, over=1.0)
        if style == 22:
            return enc + b"#" + self.pick([b"frag", b"", b"a?md5=x", b" x"])
        return enc

    def query(self, kind: str, uri: bytes | None, raw_path: bytes) -> bytes:
        r = self.rng
        expires = self.pick([b"%d" % FUTURE] * 16 + [b"%d" % PAST] * 4 + [b"0002147483647", b"0", b"-5", b"+2147483647",
                             b"99999999999999999999", b"2147483647x", b"", b" 2147483647", b"%32147483647",
                             b"9223372036854775807", b"9223372036854775808", b"1"])
        speed = self.pick([b"", b"", b"1m", b"500K", b"1000k"]) if kind == "mp4" else b""
        buffer = self.pick([b"", b"", b"10M", b"2m"]) if kind == "mp4" else b""
        # What the token is computed over: nginx's reading (mostly), or a misreading.
        basis = self.rng.randrange(10)
        if basis < 7 and uri is not None:
            hp = uri
        elif basis == 7:
            hp = raw_path.split(b"?")[0].split(b"#")[0]
        elif basis == 8 and uri is not None and uri.count(b"/") > 1:
            hp = b"/" + uri.split(b"/", 2)[2]  # the scheme-relative misreading of //host/x
        else:
            hp = self.pick(SIGN_PATHS).encode()
        tok = token(string_to_sign(kind, hp, expires.lstrip(b" "), speed, buffer)).encode()
        if r.random() < 0.05:
            tok = bytes(reversed(tok))
        tokv = self.pick([tok] * 30 + [tok + b"==", tok + b"=", tok + b"%3D%3D", tok + b"x", tok + b"AA",
                          tok[:-1], tok[:-1] + b"B", tok.replace(b"-", b"+").replace(b"_", b"/"), b"", tok + b"====",
                          tok + b"=x"])
        params = [(self.pick([b"md5"] * 8 + [b"MD5", b"Md5"]), tokv), (self.pick([b"expires"] * 8 + [b"EXPIRES", b"Expires"]), expires)]
        if speed:
            params.append((b"speed", speed))
        if buffer:
            params.append((b"buffer", buffer))
        r.shuffle(params)
        extra = r.randrange(12)
        if extra == 0:
            params.insert(0, (b"md5", b"AAAAAAAAAAAAAAAAAAAAAA"))
        elif extra == 1:
            params.append((b"md5", b"AAAAAAAAAAAAAAAAAAAAAA"))
        elif extra == 2:
            params.insert(0, (b"expires", b"%d" % PAST))
        elif extra == 3:
            params.insert(r.randrange(len(params) + 1), (b"md5", None))
        elif extra == 4:
            params.insert(r.randrange(len(params) + 1), (b"xmd5", b"1"))
        elif extra == 5:
            params.insert(r.randrange(len(params) + 1), (b"a", b"b c" if r.random() < 0.3 else b"%41"))
        elif extra == 6 and len(params) > 1:
            params.pop(r.randrange(len(params)))
        q = b"&".join(n if v is None else n + b"=" + v for n, v in params)
        if r.random() < 0.05:
            q = self.pick([b"&", b"&&", b";"]).join(q.split(b"&"))
        if r.random() < 0.05:
            q += self.pick([b"#frag", b"&", b"#", b"%", b"&md5"])
        return q

    def target(self, kind: str) -> bytes:
        r = self.rng
        if kind == "mp4":
            base = self.pick([b"/mp4/movie.mp4", b"/mp4/missing.mp4", b"/x.jpg"])
        else:
            base = self.pick(SIGN_PATHS).encode()
        if r.random() < 0.02:
            # Near nginx's request line limit (large_client_header_buffers 8k).
            base = b"/" + b"a" * (8100 + r.randrange(120)) + b".jpg"
        if r.random() < 0.01:
            base = b"/" + "\u00e9".encode() * (4000 + r.randrange(100))
        raw = self.spell(base) if r.random() < 0.85 else encode_path(base, r)
        # For targets that are origin-form, hash nginx's reading of what was sent.
        path_part = raw
        if not raw.startswith(b"/") and b"://" in raw[:12]:
            rest = raw.split(b"://", 1)[1]
            path_part = b"/" + rest.split(b"/", 1)[1] if b"/" in rest else b"/"
        path_part = path_part.split(b"?")[0].split(b"#")[0]
        uri = model_uri(path_part) if path_part.startswith(b"/") else None
        if r.random() < 0.04:
            return raw  # no query at all
        q = self.query(kind, uri, raw)
        if r.random() < 0.01:
            q = q + b"&pad=" + b"z" * (8100 - len(raw) - len(q) + r.randrange(40))
        t = raw + b"?" + q
        if r.random() < 0.06:
            t = self.mutate(t)
        return t

    def mutate(self, t: bytes) -> bytes:
        r = self.rng
        b = bytearray(t)
        for _ in range(1 + r.randrange(3)):
            op = r.randrange(3)
            pos = r.randrange(len(b) + 1)
            byte = self.pick(list(b"/%?#&=.;+\\ \x00\x7f\x80\xff") + [r.randrange(256)])
            if byte in (0x0D, 0x0A):  # CR/LF end the request line: no comparable verdict
                byte = 0x20
            if op == 0:
                b.insert(pos, byte)
            elif op == 1 and pos < len(b):
                del b[pos]
            elif pos < len(b):
                b[pos] = byte
        return bytes(b)


def fixed_targets(kind: str) -> list[bytes]:
    """The cases the issue names, always sent (besides the random ones)."""
    out = []
    f = b"%d" % FUTURE
    tx = token(string_to_sign(kind, b"/x.jpg", f)).encode()
    tp = token(string_to_sign(kind, b"/private/x.jpg", f)).encode()
    troot = token(string_to_sign(kind, b"/", f)).encode()
    q = lambda t, e=f: b"?md5=" + t + b"&expires=" + e  # noqa: E731
    out += [
        b"/x.jpg" + q(tx),
        b"//private/x.jpg" + q(tx),  # the bypass: a token for /x.jpg
        b"//private/x.jpg" + q(tp),
        b"//x.jpg" + q(tx),
        b"///x.jpg" + q(tx),
        b"//" + q(troot),
        b"///" + q(troot),
        b"//private/secret.txt" + q(troot),
        b"/private/%2e%2e/x.jpg" + q(tx),
        b"/private/%2E%2E/x.jpg" + q(tx),
        b"/private/../x.jpg" + q(tx),
        b"/../x.jpg" + q(tx),
        b"/private%2Fx.jpg" + q(tp),
        b"/x.jpg%3F" + q(tx),
        b"/x.jpg%23" + q(tx),
        b"/x.jpg#" + q(tx),
        b"/%2578.jpg" + q(tx),
        b"/%78.jpg" + q(tx),
        b"/\xff.jpg" + q(token(string_to_sign(kind, b"/\xff.jpg", f)).encode()),
        b"/%FF.jpg" + q(token(string_to_sign(kind, b"/\xff.jpg", f)).encode()),
        b"/x.jpg ?md5=" + tx + b"&expires=" + f,
        b"/x.jpg" + q(tx + b"=="),
        b"/x.jpg" + q(tx, b"0002147483647"),
        b"/x.jpg?MD5=" + tx + b"&EXPIRES=" + f,
        b"/x.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&md5=" + tx + b"&expires=" + f,
        b"/x.jpg?md5=" + tx + b"&md5=AAAAAAAAAAAAAAAAAAAAAA&expires=" + f,
        b"/x.jpg?md5&md5=" + tx + b"&expires=" + f,
        b"http://localhost/private/x.jpg" + q(tp),
        b"http://localhost//x.jpg" + q(tx),
        b"http://[::1/x.jpg" + q(tx),
        b"http://[::1]/x.jpg" + q(tx),
        b"http://a..b/x.jpg" + q(tx),
        b"http://a_b/x.jpg" + q(tx),
    ]
    # Exactly at and one over nginx's request-line limit (8192 bytes with "GET " and
    # " HTTP/1.1\r\n": the longest target is 8177 bytes).
    for total in (8176, 8177, 8178, 8179):
        for name in (b"/x.jpg", b"/missing.jpg"):
            pad = b"&pad="
            head = name + q(token(string_to_sign(kind, name, f)).encode()) + pad
            out.append(head + b"z" * (total - len(head)))
    return out


# ------------------------------------------------------------------------------------------
# Sending raw requests


def send_raw(host: str, port: int, target: bytes, timeout: float = 10.0) -> tuple[int, bytes]:
    req = b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(req)
        chunks = []
        while True:
            try:
                c = s.recv(65536)
            except ConnectionResetError:
                break
            if not c:
                break
            chunks.append(c)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0, data[:200]
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        n, _, v = line.partition(b":")
        headers[n.strip().lower()] = v.strip()
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = dechunk(body)
    elif b"content-length" in headers:
        body = body[: int(headers[b"content-length"])]
    return status, body


def dechunk(b: bytes) -> bytes:
    out = bytearray()
    while b:
        line, _, rest = b.partition(b"\r\n")
        try:
            n = int(line.split(b";")[0], 16)
        except ValueError:
            break
        if n == 0:
            break
        out += rest[:n]
        b = rest[n + 2 :]
    return bytes(out)


# ------------------------------------------------------------------------------------------
# nginx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


GUARD = """
            secure_link $arg_md5,$arg_expires;
            secure_link_md5 "{md5}";
            if ($secure_link = "") {{ return 403; }}
            if ($secure_link = "0") {{ return 410; }}
            if ($uri ~ "/$") {{ return 404; }}
"""

MD5 = {
    "file": "$secure_link_expires$uri " + KEY,
    "ip": "$secure_link_expires$uri$remote_addr " + KEY,
    "dir": "$secure_link_expires$edge_dir " + KEY,
    "mp4": "${uri}_" + KEY + "_${secure_link_expires}_${arg_speed}_${arg_buffer}_",
}


def nginx_conf(work: Path, root: Path, ports: dict[str, int]) -> str:
    user = "user root;" if os.geteuid() == 0 else ""
    servers = []
    for kind, port in ports.items():
        loc = "location ~ (?s)^(?<edge_dir>(?:.*/)?)[^/]*$" if kind == "dir" else "location /"
        servers.append(
            f"""
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        {loc} {{{GUARD.format(md5=MD5[kind])}        }}
    }}"""
        )
    return f"""{user}
daemon on;
master_process on;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {work}/tmp/body;
    proxy_temp_path {work}/tmp/proxy;
    fastcgi_temp_path {work}/tmp/fastcgi;
    uwsgi_temp_path {work}/tmp/uwsgi;
    scgi_temp_path {work}/tmp/scgi;
    access_log off;
    default_type application/octet-stream;
    autoindex off;
    {''.join(servers)}
}}
"""


def find_nginx() -> str:
    for c in (os.environ.get("NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if c and os.access(c, os.X_OK):
            return c
    sys.exit("differential.py: nginx not found (tests/setup-system.sh installs nginx-light); refusing to skip")


class Nginx:
    def __init__(self, work: Path, root: Path):
        self.work = work
        self.ports = {k: free_port() for k in KINDS}
        (work / "tmp").mkdir(parents=True, exist_ok=True)
        conf = work / "nginx.conf"
        conf.write_text(nginx_conf(work, root, self.ports))
        self.nginx = find_nginx()
        subprocess.run([self.nginx, "-t", "-q", "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")], check=True)
        subprocess.run([self.nginx, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")], check=True)
        for _ in range(200):
            try:
                for p in self.ports.values():
                    socket.create_connection(("127.0.0.1", p), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("differential.py: nginx did not come up: " + (work / "error.log").read_text())

    def stop(self) -> None:
        pidf = self.work / "nginx.pid"
        if pidf.exists():
            pid = int(pidf.read_text())
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.05)


# ------------------------------------------------------------------------------------------
# Commands


def cmd_fixture(args) -> int:
    write_fixture(Path(args.dir))
    print(KEY)
    return 0


def split_count(total: int) -> dict[str, int]:
    file_n = max(5000, total - 3 * (total // 8)) if total >= 5000 else total
    rest = max(0, total - file_n)
    return {"file": file_n, "ip": rest // 3, "dir": rest // 3, "mp4": rest - 2 * (rest // 3)}


def cmd_record(args) -> int:
    seed = args.seed
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="rawdiff-"))
    root = work / "root"
    write_fixture(root)
    edge = Nginx(work, root)
    gen = Gen(seed)
    jobs: list[tuple[str, bytes]] = []
    for kind, n in split_count(args.count).items():
        fixed = fixed_targets(kind)
        jobs += [(kind, t) for t in fixed]
        jobs += [(kind, gen.target(kind)) for _ in range(max(0, n - len(fixed)))]
    try:
        def one(job):
            kind, t = job
            st, body = send_raw("127.0.0.1", edge.ports[kind], t)
            rec = {"kind": kind, "target": t.hex(), "status": st, "ip": "127.0.0.1"}
            if st == 200:
                rec["body_sha"] = hashlib.sha256(body).hexdigest()
            return rec

        with ThreadPoolExecutor(8) as ex:
            recs = list(ex.map(one, jobs))
    finally:
        edge.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    with open(args.out, "w") as f:
        for rec in recs:
            f.write(json.dumps(rec) + "\n")
    by = {}
    for rec in recs:
        by.setdefault(rec["kind"], {}).setdefault(rec["status"], 0)
        by[rec["kind"]][rec["status"]] += 1
    bad = [r for r in recs if r["status"] == 0]
    print(f"record: seed {seed}, {len(recs)} requests; statuses by kind: {json.dumps(by, sort_keys=True)}")
    if bad:
        print(f"record: {len(bad)} requests got no HTTP status from nginx", file=sys.stderr)
        return 1
    return 0


def agrees(ref: dict, status: int, body: bytes) -> bool:
    want = ref["status"]
    if want in GUARD_STATUSES or status in GUARD_STATUSES:
        return want == status
    if want == 200:
        return status == 200 and hashlib.sha256(body).hexdigest() == ref.get("body_sha")
    return status != 200 and status != 0


def show(t: bytes) -> str:
    return repr(t)[2:-1] if len(t) < 200 else repr(t[:120])[2:-1] + f"...({len(t)} bytes)"


def cmd_compare(args) -> int:
    recs = [json.loads(line) for line in open(args.recorded)]
    worst = 0
    for spec in args.server:
        name, _, addr = spec.partition("=")
        addr, _, kind = addr.partition(",")
        kind = kind or "file"
        host, _, port = addr.rpartition(":")
        subset = [r for r in recs if r["kind"] == kind]

        def one(r):
            t = bytes.fromhex(r["target"])
            try:
                st, body = send_raw(host, int(port), t, timeout=args.timeout)
            except OSError as e:
                st, body = 0, str(e).encode()
            return r, t, st, body

        with ThreadPoolExecutor(args.jobs) as ex:
            results = list(ex.map(one, subset))
        failed = [(r, t, st) for r, t, st, body in results if not agrees(r, st, body)]
        for r, t, st in failed[: args.show]:
            print(f"{name}: DISAGREE nginx {r['status']} vs {name} {st}: {show(t)}")
        if len(failed) > args.show:
            print(f"{name}: ... {len(failed) - args.show} more disagreements")
        tally = {}
        for _, _, st, _ in results:
            tally[st] = tally.get(st, 0) + 1
        print(f"{name}: {len(subset)} {kind} requests, statuses {json.dumps(tally, sort_keys=True)}")
        print(f"{name}: {len(subset) - len(failed)} passed, {len(failed)} failed")
        if not subset:
            print(f"{name}: no recorded requests of kind {kind}", file=sys.stderr)
            worst = 1
        if failed:
            worst = 1
    return worst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("fixture")
    a.add_argument("dir")
    a = sub.add_parser("record")
    a.add_argument("--out", required=True)
    a.add_argument("--count", type=int, default=8000)
    a.add_argument("--seed", type=int, default=int(os.environ.get("RAWDIFF_SEED", "20261201")))
    a.add_argument("--keep", help="keep nginx's work directory here")
    a = sub.add_parser("compare")
    a.add_argument("--recorded", required=True)
    a.add_argument("--server", action="append", required=True)
    a.add_argument("--jobs", type=int, default=4)
    a.add_argument("--timeout", type=float, default=10.0)
    a.add_argument("--show", type=int, default=30)
    args = ap.parse_args()
    return {"fixture": cmd_fixture, "record": cmd_record, "compare": cmd_compare}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
