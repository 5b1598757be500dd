#!/usr/bin/env python3
"""The shared contract checker of the token-refresh endpoint (stdlib only).

  contract.py selftest
      checks contract.json's example against the independent reference below.
  contract.py ok URL --key K --account A --cdn URL --cdn-ip URL --video V [--type vod|live]
                 --lifetime N --client-ip IP [--header NAME:VALUE ...]
      GETs URL and checks the answer field for field: status 200, the headers, the field
      names, order and types, the tokens (MD5 of the scheme's strings, computed here, not by
      the code under test), the expiry (now + lifetime, within the seconds the request took),
      the URL layouts, and that the body is byte for byte the compact JSON of those fields.
  contract.py refused URL --status N --code CODE [--method M] [--header NAME:VALUE ...]
      checks a refusal: that status, the headers, {"error": CODE, "message": "..."}.
Prints `ok - ...` / `not ok - ...` lines; exit status 1 on any failure.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
CONTRACT = json.load(open(os.path.join(HERE, "contract.json")))
failures = 0


def check(ok, name):
    global failures
    if not ok:
        failures += 1
    print(f"{'ok' if ok else 'not ok'} - {name}")
    return ok


def token(key, account, video, expires, ip=""):
    s = f"{account}_{video}_{key}_{expires}_{ip}".encode()
    return base64.urlsafe_b64encode(hashlib.md5(s).digest()).decode().rstrip("=")


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def check_body(body, key, account, cdn, cdn_ip, video, kind, expires_range, client_ip, label):
    try:
        d = json.loads(body, object_pairs_hook=lambda pairs: pairs)
    except ValueError:
        return check(False, f"{label}: body is JSON ({body[:80]!r})")
    names = [k for k, _ in d]
    check(names == CONTRACT["fields"], f"{label}: fields in the contract's order ({names})")
    d = dict(d)
    for name, t in CONTRACT["types"].items():
        v = d.get(name)
        ok = isinstance(v, int) and not isinstance(v, bool) if t == "integer" else isinstance(v, str)
        check(ok, f"{label}: {name} is a JSON {t}")
    e = d.get("expires")
    check(isinstance(e, int) and expires_range[0] <= e <= expires_range[1],
          f"{label}: expires {e} within {expires_range}")
    if not isinstance(e, int):
        return
    check(d.get("client_ip") == client_ip, f"{label}: client_ip {d.get('client_ip')} == {client_ip}")
    t, ti = token(key, account, video, e), token(key, account, video, e, client_ip)
    check(d.get("token") == t, f"{label}: token is the path token without IP")
    check(d.get("token_ip") == ti, f"{label}: token_ip is bound to the client IP")
    layout = CONTRACT["layouts"][kind]
    fill = lambda c, tok: layout.format(cdn=c, account=account, video=video, token=tok, expires=e)
    check(d.get("url") == fill(cdn, t), f"{label}: url layout {layout}")
    check(d.get("url_ip") == fill(cdn_ip, ti), f"{label}: url_ip on the IP-bound host")
    expected = compact({k: d[k] for k in CONTRACT["fields"] if k in d})
    check(body == expected, f"{label}: body is byte for byte the compact JSON")


def request(url, method="GET", headers=()):
    req = urllib.request.Request(url, method=method)
    for h in headers:
        n, v = h.split(":", 1)
        req.add_header(n.strip(), v.strip())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()
    except (urllib.error.URLError, OSError) as e:  # no server: a failed check, not a crash
        return 0, {}, f"request failed: {e}"


def check_headers(h, label):
    for n, v in CONTRACT["headers"].items():
        got = (h.get(n) or "").split(";")[0].strip()
        check(got == v, f"{label}: {n}: {got}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("selftest")
    ok = sub.add_parser("ok")
    ok.add_argument("url")
    for a in ("key", "account", "cdn", "cdn_ip", "video", "client_ip"):
        ok.add_argument("--" + a.replace("_", "-"), required=True)
    ok.add_argument("--type", default="vod")
    ok.add_argument("--lifetime", type=int, required=True)
    ok.add_argument("--expires", type=int, default=None, help="an exact expiry instead of now + lifetime")
    ok.add_argument("--header", action="append", default=[])
    ok.add_argument("--label", default=None)
    rf = sub.add_parser("refused")
    rf.add_argument("url")
    rf.add_argument("--status", type=int, required=True)
    rf.add_argument("--code", required=True)
    rf.add_argument("--method", default="GET")
    rf.add_argument("--header", action="append", default=[])
    rf.add_argument("--label", default=None)
    a = p.parse_args()
    if a.cmd == "selftest":
        ex, i = CONTRACT["example"], CONTRACT["example_inputs"]
        body = compact(ex)
        check_body(body, i["key"], i["account"], "https://cdn.example.com", "https://cdn-ip.example.com",
                   i["video"], i["type"], (i["now"] + i["expire"],) * 2, i["client_ip"], "contract.json example")
        # The checker must be able to fail: a reordered body and a wrong token are caught.
        before = failures
        reordered = compact({"token_ip": ex["token_ip"], **{k: v for k, v in ex.items() if k != "token_ip"}})
        with open(os.devnull, "w") as null:
            out, sys.stdout = sys.stdout, null
            check_body(reordered, i["key"], i["account"], "https://cdn.example.com", "https://cdn-ip.example.com",
                       i["video"], i["type"], (i["now"] + i["expire"],) * 2, i["client_ip"], "x")
            caught_order = failures > before
            before2 = failures
            check_body(body, "other-key", i["account"], "https://cdn.example.com", "https://cdn-ip.example.com",
                       i["video"], i["type"], (i["now"] + i["expire"],) * 2, i["client_ip"], "x")
            caught_key = failures > before2
            sys.stdout = out
        globals()["failures"] = before
        check(caught_order and caught_key, "the checker catches a reordered body and a wrong key")
    elif a.cmd == "ok":
        label = a.label or a.url
        t0 = int(time.time())
        status, h, body = request(a.url, headers=a.header)
        t1 = int(time.time()) + 1
        check(status == 200, f"{label}: status {status} ({body[:120]})")
        check_headers(h, label)
        window = (a.expires, a.expires) if a.expires is not None else (t0 + a.lifetime, t1 + a.lifetime)
        check_body(body, a.key, a.account, a.cdn, a.cdn_ip, a.video, a.type, window, a.client_ip, label)
    else:
        label = a.label or a.url
        status, h, body = request(a.url, a.method, a.header)
        check(status == a.status, f"{label}: status {status} == {a.status}")
        check_headers(h, label)
        try:
            d = json.loads(body, object_pairs_hook=lambda pairs: pairs)
            check([k for k, _ in d] == CONTRACT["error_fields"] and dict(d)["error"] == a.code
                  and isinstance(dict(d)["message"], str), f"{label}: error {a.code} ({body[:100]})")
        except ValueError:
            check(False, f"{label}: error body is JSON ({body[:80]!r})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
