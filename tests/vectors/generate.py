#!/usr/bin/env python3
"""Writes the shared test vectors from hand-written expectations.

Every expected string-to-sign and signed URL below is written by hand from the scheme page
(docs/scheme.md); tokens are computed here with Python's hashlib + base64, never by
cdn-secure-token itself. Run `python3 tests/vectors/generate.py` after editing; the JSON files are
committed and every face's test suite loads them.
"""
import base64
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = 1700000000  # the "current time" every sign case uses
FAR = 2147483647  # the documented example expiry


def token(s: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.md5(s).digest()).decode().rstrip("=")


def sign_case(name, key, url, string_to_sign, signed_url, *, expires=FAR, ttl=None, ip=None,
              kind="file", speed=None, buffer=None):
    """string_to_sign uses {key} where the key goes; signed_url uses {token}."""
    sts = string_to_sign.replace("{key}", key)
    t = token(sts.encode("utf-8"))
    return {
        "name": name,
        "key": key,
        "url": url,
        "kind": kind,
        "expires": expires,
        "ttl": ttl,
        "now": NOW,
        "ip": ip,
        "speed": speed,
        "buffer": buffer,
        "string_to_sign": sts,
        "explained": string_to_sign.replace("{key}", "***"),
        "token": t,
        "signed_url": signed_url.replace("{token}", t),
    }


K = "secret-key"
sign = [
    sign_case("documented example, no IP", K, "http://cdn.example.com/photo.jpeg",
              "2147483647/photo.jpeg {key}",
              "http://cdn.example.com/photo.jpeg?md5={token}&expires=2147483647"),
    sign_case("documented example, IPv4", K, "http://cdn.example.com/photo.jpeg",
              "2147483647/photo.jpeg1.2.3.4 {key}",
              "http://cdn.example.com/photo.jpeg?md5={token}&expires=2147483647", ip="1.2.3.4"),
    sign_case("path and query only", K, "/photo.jpeg",
              "2147483647/photo.jpeg {key}", "/photo.jpeg?md5={token}&expires=2147483647"),
    sign_case("space in path, raw", K, "https://cdn.example.com/open/a b.jpg",
              "2147483647/open/a b.jpg {key}",
              "https://cdn.example.com/open/a%20b.jpg?md5={token}&expires=2147483647"),
    sign_case("space in path, encoded", K, "https://cdn.example.com/open/a%20b.jpg",
              "2147483647/open/a b.jpg {key}",
              "https://cdn.example.com/open/a%20b.jpg?md5={token}&expires=2147483647"),
    sign_case("non-ASCII, raw UTF-8", K, "https://cdn.example.com/фото/café.jpg",
              "2147483647/фото/café.jpg {key}",
              "https://cdn.example.com/%D1%84%D0%BE%D1%82%D0%BE/caf%C3%A9.jpg?md5={token}&expires=2147483647"),
    sign_case("non-ASCII, percent-encoded lowercase hex", K, "https://cdn.example.com/caf%c3%a9.jpg",
              "2147483647/café.jpg {key}",
              "https://cdn.example.com/caf%C3%A9.jpg?md5={token}&expires=2147483647"),
    sign_case("NFD spelling is a different file", K, "/cafe\u0301.jpg",
              "2147483647/cafe\u0301.jpg {key}",
              "/cafe%CC%81.jpg?md5={token}&expires=2147483647"),
    sign_case("plus stays plus", K, "/a+b.jpg", "2147483647/a+b.jpg {key}",
              "/a+b.jpg?md5={token}&expires=2147483647"),
    sign_case("encoded plus decodes to plus", K, "/a%2Bb.jpg", "2147483647/a+b.jpg {key}",
              "/a+b.jpg?md5={token}&expires=2147483647"),
    sign_case("double slashes merged", K, "https://cdn.example.com//a//b///c.jpg",
              "2147483647/a/b/c.jpg {key}",
              "https://cdn.example.com/a/b/c.jpg?md5={token}&expires=2147483647"),
    sign_case("encoded slash merged", K, "/a%2F%2Fb.jpg", "2147483647/a/b.jpg {key}",
              "/a/b.jpg?md5={token}&expires=2147483647"),
    sign_case("dot segments resolved", K, "/a/./b/../c.jpg", "2147483647/a/c.jpg {key}",
              "/a/c.jpg?md5={token}&expires=2147483647"),
    sign_case("encoded dot segments resolved", K, "/a/%2E%2e/c.jpg", "2147483647/c.jpg {key}",
              "/c.jpg?md5={token}&expires=2147483647"),
    sign_case("reserved characters", K, "/r/!$&'()*,;=:@~.jpg",
              "2147483647/r/!$&'()*,;=:@~.jpg {key}",
              "/r/!$&'()*,;=:@~.jpg?md5={token}&expires=2147483647"),
    sign_case("encoded ? # % in path", K, "/q%3Fh%23p%25.jpg", "2147483647/q?h#p%.jpg {key}",
              "/q%3Fh%23p%25.jpg?md5={token}&expires=2147483647"),
    sign_case("unsafe ASCII encoded", K, '/x/"<>`{}|\\^.jpg', '2147483647/x/"<>`{}|\\^.jpg {key}',
              "/x/%22%3C%3E%60%7B%7D%7C%5C%5E.jpg?md5={token}&expires=2147483647"),
    sign_case("query kept, old md5/expires removed in any case", K,
              "https://cdn.example.com:8443/v.mp4?a=1&MD5=old&Expires=1&b=%20x&md5&c#t=10",
              "2147483647/v.mp4 {key}",
              "https://cdn.example.com:8443/v.mp4?a=1&b=%20x&c&md5={token}&expires=2147483647#t=10"),
    sign_case("root path", K, "https://cdn.example.com", "2147483647/ {key}",
              "https://cdn.example.com/?md5={token}&expires=2147483647"),
    sign_case("ttl from now", K, "/t.jpg", "1700003600/t.jpg {key}",
              "/t.jpg?md5={token}&expires=1700003600", expires=None, ttl=3600),
    sign_case("IPv6 compressed", K, "/v6.jpg", "2147483647/v6.jpg2001:db8::1 {key}",
              "/v6.jpg?md5={token}&expires=2147483647", ip="2001:db8::1"),
    sign_case("IPv6 long spelling, uppercase", K, "/v6.jpg", "2147483647/v6.jpg2001:db8::1 {key}",
              "/v6.jpg?md5={token}&expires=2147483647", ip="2001:0DB8:0000:0000:0000:0000:0000:0001"),
    sign_case("IPv6 first longest zero run", K, "/v6.jpg",
              "2147483647/v6.jpg1:0:0:2::3 {key}",
              "/v6.jpg?md5={token}&expires=2147483647", ip="1:0:0:2:0:0:0:3"),
    sign_case("IPv6 equal runs: first one compressed", K, "/v6.jpg",
              "2147483647/v6.jpg1::2:0:0:3:4 {key}",
              "/v6.jpg?md5={token}&expires=2147483647", ip="1:0:0:2:0:0:3:4"),
    sign_case("IPv4-mapped IPv6, uppercase", K, "/m.jpg",
              "2147483647/m.jpg::ffff:1.2.3.4 {key}",
              "/m.jpg?md5={token}&expires=2147483647", ip="::FFFF:1.2.3.4"),
    sign_case("IPv4-mapped IPv6 in hex", K, "/m.jpg",
              "2147483647/m.jpg::ffff:1.2.3.4 {key}",
              "/m.jpg?md5={token}&expires=2147483647", ip="::ffff:102:304"),
    sign_case("IPv6 loopback", K, "/l.jpg", "2147483647/l.jpg::1 {key}",
              "/l.jpg?md5={token}&expires=2147483647", ip="0:0:0:0:0:0:0:1"),
    sign_case("directory token from a file URL", K,
              "https://cdn.example.com/videos/video-1/index.m3u8",
              "2147483647/videos/video-1/ {key}",
              "https://cdn.example.com/videos/video-1/index.m3u8?md5={token}&expires=2147483647",
              kind="directory"),
    sign_case("directory token from a directory URL with IP", K,
              "https://cdn.example.com/videos/video-1/",
              "2147483647/videos/video-1/10.0.0.1 {key}",
              "https://cdn.example.com/videos/video-1/?md5={token}&expires=2147483647",
              kind="directory", ip="10.0.0.1"),
    sign_case("MP4 without limits", K, "https://cdn.example.com/movie.mp4",
              "/movie.mp4_{key}_2147483647___",
              "https://cdn.example.com/movie.mp4?md5={token}&expires=2147483647", kind="mp4"),
    sign_case("MP4 with speed and buffer and IP", K,
              "https://cdn.example.com/movie.mp4?speed=9&x=1",
              "/movie.mp4_{key}_2147483647_1m_10_1.2.3.4",
              "https://cdn.example.com/movie.mp4?x=1&md5={token}&expires=2147483647&speed=1m&buffer=10",
              kind="mp4", speed="1m", buffer="10", ip="1.2.3.4"),
    sign_case("MP4 with speed only", K, "/movie.mp4", "/movie.mp4_{key}_2147483647_500k__",
              "/movie.mp4?md5={token}&expires=2147483647&speed=500k", kind="mp4", speed="500k"),
    sign_case("long key", "k" * 255, "/a.jpg", "2147483647/a.jpg {key}",
              "/a.jpg?md5={token}&expires=2147483647"),
    sign_case("key with spaces and symbols", "my key $!#", "/a.jpg", "2147483647/a.jpg {key}",
              "/a.jpg?md5={token}&expires=2147483647"),
    sign_case("long path (two MD5 blocks)", K, "/" + "d" * 100 + "/file.bin",
              "2147483647/" + "d" * 100 + "/file.bin {key}",
              "/" + "d" * 100 + "/file.bin?md5={token}&expires=2147483647"),
]

def stream_case(name, key, stream, account, vid, sts, url, *, base="", file=None, ip=None,
                expires=FAR):
    s = sts.replace("{key}", key)
    t = token(s.encode())
    return {"name": name, "key": key, "stream": stream, "account": account, "id": vid,
            "base": base, "file": file, "ip": ip, "expires": expires, "now": NOW,
            "string_to_sign": s, "token": t, "signed_url": url.replace("{token}", t)}


streams = [
    stream_case("VOD, no IP", K, "vod", "123", "abcDEF-1", "123_abcDEF-1_{key}_2147483647_",
                "https://demo.gvideo.io/videos/123_abcDEF-1/{token}/2147483647/master.m3u8",
                base="https://demo.gvideo.io"),
    stream_case("VOD with IP", K, "vod", "123", "abc", "123_abc_{key}_2147483647_1.2.3.4",
                "/videos/123_abc/{token}/2147483647/master.m3u8", ip="1.2.3.4"),
    stream_case("live CMAF", K, "cmaf", "42", "live1", "42_live1_{key}_2147483647_",
                "https://live.example/cmaf/42_live1/{token}/2147483647/master.m3u8",
                base="https://live.example/"),
    stream_case("live MPEG-TS with IPv6", K, "mpegts", "42", "live1",
                "42_live1_{key}_2147483647_2001:db8::1",
                "/mpegts/42_live1/{token}/2147483647/master.m3u8", ip="2001:DB8::0:1"),
    stream_case("legacy streams layout", K, "streams", "7", "s", "7_s_{key}_2147483647_",
                "/streams/7_s/{token}/2147483647/playlist.m3u8"),
    stream_case("VOD named file", K, "vod", "123", "abc", "123_abc_{key}_2147483647_",
                "/videos/123_abc/{token}/2147483647/720p/seg%201.ts", file="720p/seg 1.ts"),
]


def vcase(name, url, expected, *, key=K, verify_keys=(), ip=None, now=NOW, kind="file",
          key_index=None, reason=None):
    # The stable code every face reads from core's reason_code(): "expired" when expired.
    if expected == "expired":
        reason = reason or "expired"
    return {"name": name, "key": key, "verify_keys": list(verify_keys), "url": url, "ip": ip,
            "now": now, "kind": kind, "expected": expected,
            "status": {"valid": 200, "expired": 410,
                       "invalid": {"bad_request": 400, "uri_too_long": 414}.get(reason, 403)}[expected],
            "key_index": key_index, "reason": reason}


T = token(f"2147483647/photo.jpeg {K}".encode())
T_IP = token(f"2147483647/photo.jpeg1.2.3.4 {K}".encode())
T_OLD = token("2147483647/photo.jpeg old-key-1".encode())
T_SPACE = token(f"2147483647/a b.jpg {K}".encode())
T_PAST = token(f"1600000000/photo.jpeg {K}".encode())
T_ZEROS = token(f"0002147483647/photo.jpeg {K}".encode())
T_DIR = token(f"2147483647/v/ {K}".encode())
T_MP4 = token(f"/m.mp4_{K}_2147483647_1m_10_".encode())
T_STREAM = token(f"123_abc_{K}_2147483647_".encode())
T_V6 = token(f"2147483647/photo.jpeg::ffff:1.2.3.4 {K}".encode())
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# The 22nd character carries 2 significant bits and 4 padding bits: flipping only the padding
# bits gives a different string that decodes to the same 16 bytes.
T_PADBITS = T[:-1] + B64URL[B64URL.index(T[-1]) ^ 0b1111]

verify = [
    vcase("documented example URL (token only 15 chars)",
          "http://cdn.example.com/photo.jpeg?md5=DMF1ucDxtHCxwYQ&expires=2147483647", "invalid",
          reason="malformed_token"),
    vcase("valid", f"http://cdn.example.com/photo.jpeg?md5={T}&expires=2147483647", "valid",
          key_index=0),
    vcase("valid, names in upper case", f"/photo.jpeg?MD5={T}&EXPIRES=2147483647", "valid",
          key_index=0),
    vcase("first occurrence wins", f"/photo.jpeg?md5={T}&md5=AAAAAAAAAAAAAAAAAAAAAA&expires=2147483647",
          "valid", key_index=0),
    vcase("first occurrence wins (bad first)",
          f"/photo.jpeg?md5=AAAAAAAAAAAAAAAAAAAAAA&md5={T}&expires=2147483647", "invalid",
          reason="mismatch"),
    vcase("padding accepted", f"/photo.jpeg?md5={T}==&expires=2147483647", "valid", key_index=0),
    vcase("percent-encoded value not decoded", f"/photo.jpeg?md5={T}%3D%3D&expires=2147483647",
          "invalid", reason="malformed_token"),
    vcase("missing md5", "/photo.jpeg?expires=2147483647", "invalid", reason="missing_token"),
    vcase("missing expires", f"/photo.jpeg?md5={T}", "invalid", reason="missing_expires"),
    vcase("expires with sign", f"/photo.jpeg?md5={T}&expires=+2147483647", "invalid",
          reason="malformed_expires"),
    vcase("expires zero", f"/photo.jpeg?md5={T}&expires=0", "invalid", reason="malformed_expires"),
    vcase("expires overflow", f"/photo.jpeg?md5={T}&expires=99999999999999999999", "invalid",
          reason="malformed_expires"),
    vcase("leading zeros hashed as received", f"/photo.jpeg?md5={T_ZEROS}&expires=0002147483647",
          "valid", key_index=0),
    vcase("leading zeros change the hash", f"/photo.jpeg?md5={T}&expires=0002147483647",
          "invalid", reason="mismatch"),
    vcase("standard base64 '+' rejected", "/photo.jpeg?md5=" + T[:10] + "+" + T[11:] + "&expires=2147483647",
          "invalid", reason="malformed_token"),
    vcase("expired", f"/photo.jpeg?md5={T_PAST}&expires=1600000000", "expired", key_index=0),
    vcase("valid during the expiry second", f"/photo.jpeg?md5={T_PAST}&expires=1600000000",
          "valid", now=1600000000, key_index=0),
    vcase("expired one second later", f"/photo.jpeg?md5={T_PAST}&expires=1600000000", "expired",
          now=1600000001, key_index=0),
    vcase("expired with wrong hash is 403", "/photo.jpeg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=1600000000",
          "invalid", reason="mismatch"),
    vcase("IP bound, right IP", f"/photo.jpeg?md5={T_IP}&expires=2147483647", "valid",
          ip="1.2.3.4", key_index=0),
    vcase("IP bound, other IP", f"/photo.jpeg?md5={T_IP}&expires=2147483647", "invalid",
          ip="1.2.3.5", reason="mismatch"),
    vcase("IP bound, no IP given", f"/photo.jpeg?md5={T_IP}&expires=2147483647", "invalid",
          reason="mismatch"),
    vcase("IPv4-mapped spelled in hex", f"/photo.jpeg?md5={T_V6}&expires=2147483647", "valid",
          ip="::ffff:0102:0304", key_index=0),
    vcase("key rotation: old key matches", f"/photo.jpeg?md5={T_OLD}&expires=2147483647", "valid",
          verify_keys=["old-key-1"], key_index=1),
    vcase("encoded path hashed decoded", f"/a%20b.jpg?md5={T_SPACE}&expires=2147483647", "valid",
          key_index=0),
    vcase("raw-path hash does not match decoded edge",
          "/a%20b.jpg?md5=" + token(f"2147483647/a%20b.jpg {K}".encode()) + "&expires=2147483647",
          "invalid", reason="mismatch"),
    vcase("bad escape is a bad request", f"/a%zz.jpg?md5={T}&expires=2147483647", "invalid",
          reason="bad_request"),
    vcase("directory token on a file in the directory", f"/v/seg-1.ts?md5={T_DIR}&expires=2147483647",
          "valid", kind="directory", key_index=0),
    vcase("directory token not valid in a subdirectory", f"/v/sub/seg-1.ts?md5={T_DIR}&expires=2147483647",
          "invalid", kind="directory", reason="mismatch"),
    vcase("directory token not valid as a file token", f"/v/seg-1.ts?md5={T_DIR}&expires=2147483647",
          "invalid", kind="file", reason="mismatch"),
    vcase("MP4 token", f"/m.mp4?md5={T_MP4}&expires=2147483647&speed=1m&buffer=10", "valid",
          kind="mp4", key_index=0),
    vcase("MP4 token with changed speed", f"/m.mp4?md5={T_MP4}&expires=2147483647&speed=2m&buffer=10",
          "invalid", kind="mp4", reason="mismatch"),
    vcase("stream token", f"/videos/123_abc/{T_STREAM}/2147483647/master.m3u8", "valid",
          kind="stream", key_index=0),
    vcase("stream token on a segment", f"/videos/123_abc/{T_STREAM}/2147483647/720p/seg-1.ts",
          "valid", kind="stream", key_index=0),
    vcase("stream token, other video", f"/videos/123_abd/{T_STREAM}/2147483647/master.m3u8",
          "invalid", kind="stream", reason="mismatch"),
    vcase("not a stream path", "/photo.jpeg", "invalid", kind="stream", reason="not_a_stream_path"),
    vcase("malformed URL", "photo.jpeg", "invalid", reason="bad_request"),
    # A link starting with // is a path, as the edge reads it (issue 10, item 1).
    vcase("// is a path: a token for /photo.jpeg does not open //private/photo.jpeg",
          f"//private/photo.jpeg?md5={T}&expires=2147483647", "invalid", reason="mismatch"),
    vcase("// is a path: //photo.jpeg is /photo.jpeg", f"//photo.jpeg?md5={T}&expires=2147483647",
          "valid", key_index=0),
    vcase("/// is a path too", f"///photo.jpeg?md5={T}&expires=2147483647", "valid", key_index=0),
    vcase("link longer than the edge's request line limit",
          "/" + "a" * 8200 + f"?md5={T}&expires=2147483647", "invalid", reason="uri_too_long"),
]
verify.append(vcase("padding bits of the last character ignored",
                    f"/photo.jpeg?md5={T_PADBITS}&expires=2147483647", "valid", key_index=0))

# Bad inputs: what each must be refused with. "error" is the core's ErrorKind code.
def ecase(name, error, *, op="sign", key=K, url="/a.jpg", expires=FAR, ttl=None, ip=None,
          kind="file", speed=None, buffer=None, now=NOW, stream=None, account=None, id=None):
    return {"name": name, "op": op, "key": key, "url": url, "expires": expires, "ttl": ttl,
            "ip": ip, "kind": kind, "speed": speed, "buffer": buffer, "now": now,
            "stream": stream, "account": account, "id": id, "error": error}


errors = [
    ecase("empty key", "INVALID_KEY", key=""),
    ecase("short key", "INVALID_KEY", key="abcde"),
    ecase("long key", "INVALID_KEY", key="k" * 256),
    ecase("key with newline", "INVALID_KEY", key="secret\nkey"),
    ecase("invalid escape", "INVALID_PATH", url="/a%zz.jpg"),
    ecase("truncated escape", "INVALID_PATH", url="/a%2"),
    ecase("lone percent", "INVALID_PATH", url="/100%.jpg"),
    ecase("NUL escape", "INVALID_PATH", url="/a%00.jpg"),
    ecase("control character escape", "INVALID_PATH", url="/a%0A.jpg"),
    ecase("dot-dot above root", "INVALID_PATH", url="/../etc/passwd"),
    ecase("encoded dot-dot above root", "INVALID_PATH", url="/a/%2e%2e/%2e%2e/x"),
    ecase("huge path", "INVALID_PATH", url="/" + "a" * 9000),
    ecase("huge URL", "INVALID_URL", url="https://h/" + "a" * 40000),
    ecase("relative URL", "INVALID_URL", url="photo.jpeg"),
    ecase("empty URL", "INVALID_URL", url=""),
    ecase("URL without host", "INVALID_URL", url="https:///a.jpg"),
    ecase("URL with raw newline", "INVALID_URL", url="/a.jpg\n"),
    ecase("expires in milliseconds", "INVALID_EXPIRY", expires=1700000000000),
    ecase("expires zero", "INVALID_EXPIRY", expires=0),
    ecase("expires negative", "INVALID_EXPIRY", expires=-5),
    ecase("expires in the past", "INVALID_EXPIRY", expires=1600000000),
    ecase("ttl zero", "INVALID_EXPIRY", expires=None, ttl=0),
    ecase("ttl negative", "INVALID_EXPIRY", expires=None, ttl=-60),
    ecase("ttl in milliseconds-like size", "INVALID_EXPIRY", expires=None, ttl=1700000000000),
    ecase("both expires and ttl", "INVALID_EXPIRY", expires=FAR, ttl=60),
    ecase("neither expires nor ttl", "INVALID_EXPIRY", expires=None),
    ecase("malformed IPv4", "INVALID_IP", ip="1.2.3.256"),
    ecase("IPv4 with leading zero", "INVALID_IP", ip="01.2.3.4"),
    ecase("IP with port", "INVALID_IP", ip="1.2.3.4:80"),
    ecase("IPv6 with zone id", "INVALID_IP", ip="fe80::1%eth0"),
    ecase("IPv6 in brackets", "INVALID_IP", ip="[::1]"),
    ecase("IP with prefix", "INVALID_IP", ip="10.0.0.0/8"),
    ecase("empty IP", "INVALID_IP", ip=""),
    ecase("hostname as IP", "INVALID_IP", ip="localhost"),
    ecase("unknown kind", "INVALID_ARGUMENT", kind="bogus"),
    ecase("speed on a file token", "INVALID_ARGUMENT", speed="1m"),
    ecase("bad MP4 speed", "INVALID_ARGUMENT", kind="mp4", speed="1 m"),
    ecase("stream: non-numeric account", "INVALID_ARGUMENT", op="stream", stream="vod",
          account="abc", id="x"),
    ecase("stream: bad id", "INVALID_ARGUMENT", op="stream", stream="vod", account="1",
          id="a/b"),
    ecase("stream: unknown kind", "INVALID_ARGUMENT", op="stream", stream="radio", account="1",
          id="a"),
    ecase("verify: malformed client IP", "INVALID_IP", op="verify",
          url="/a.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=1", ip="999.1.1.1"),
]


# verify_request(target bytes, ip, now, kind): what a server received, as raw bytes. Every
# expected status here is what nginx 1.22.1 answered to `GET {target} HTTP/1.1` at a
# location hashing `$secure_link_expires$uri KEY` (tests/nginx/edge.sh).
def rcase(name, target: bytes, status, reason=None, *, ip=None, now=NOW, kind="file",
          expires=None):
    expected = {200: "valid", 410: "expired"}.get(status, "invalid")
    return {"name": name, "key": K, "target_hex": target.hex(),
            "target": target.decode("utf-8", "backslashreplace"), "ip": ip, "now": now,
            "kind": kind, "expected": expected, "status": status, "reason": reason,
            "expires": expires}


def tq(uri: bytes, expires: bytes = b"2147483647") -> bytes:
    return b"?md5=" + token(expires + uri + b" " + K.encode()).encode() + b"&expires=" + expires


request = [
    rcase("plain", b"/photo.jpeg" + tq(b"/photo.jpeg"), 200, expires=2147483647),
    rcase("// is a path", b"//photo.jpeg" + tq(b"/photo.jpeg"), 200, expires=2147483647),
    rcase("/// is a path", b"///photo.jpeg" + tq(b"/photo.jpeg"), 200, expires=2147483647),
    rcase("a token for /photo.jpeg does not open //private/photo.jpeg",
          b"//private/photo.jpeg" + tq(b"/photo.jpeg"), 403, "mismatch"),
    rcase("absolute form", b"http://cdn.example.com/photo.jpeg" + tq(b"/photo.jpeg"), 200,
          expires=2147483647),
    rcase("absolute form, bad IPv6 host", b"http://[::1/photo.jpeg" + tq(b"/photo.jpeg"), 400,
          "bad_request"),
    rcase("leading and trailing spaces are skipped", b"  /photo.jpeg" + tq(b"/photo.jpeg") + b" ",
          200, expires=2147483647),
    rcase("raw space", b"/a b.jpg" + tq(b"/a b.jpg"), 400, "bad_request"),
    rcase("raw control byte", b"/a\tb.jpg", 400, "bad_request"),
    rcase("raw invalid UTF-8 is hashed as bytes", b"/\xff.jpg" + tq(b"/\xff.jpg"), 200,
          expires=2147483647),
    rcase("escaped invalid UTF-8", b"/%FF.jpg" + tq(b"/\xff.jpg"), 200, expires=2147483647),
    rcase("overlong UTF-8 escape", b"/%C0%AF.jpg" + tq(b"/\xc0\xaf.jpg"), 200,
          expires=2147483647),
    rcase("%2F is a slash", b"/a%2Fphoto.jpeg" + tq(b"/a/photo.jpeg"), 200, expires=2147483647),
    rcase("%2e%2E is a dot-dot segment", b"/a/%2e%2E/photo.jpeg" + tq(b"/photo.jpeg"), 200,
          expires=2147483647),
    rcase("%2525 is %25", b"/a%2525" + tq(b"/a%25"), 200, expires=2147483647),
    rcase("invalid escape", b"/a%zz" + tq(b"/a"), 400, "bad_request"),
    rcase("%00", b"/a%00" + tq(b"/a"), 400, "bad_request"),
    rcase(".. above the root", b"/../photo.jpeg" + tq(b"/photo.jpeg"), 400, "bad_request"),
    rcase("# before ? leaves no query", b"/photo.jpeg#x" + tq(b"/photo.jpeg"), 403,
          "missing_token"),
    rcase("# ends the query", b"/photo.jpeg" + tq(b"/photo.jpeg") + b"#frag", 200,
          expires=2147483647),
    rcase("longest target nginx reads (8177 bytes)",
          b"/" + b"b" * (8176 - len(tq(b"/"))) + tq(b"/" + b"b" * (8176 - len(tq(b"/")))), 200,
          expires=2147483647),
    rcase("one byte over: 414", b"/" + b"b" * 8177, 414, "uri_too_long"),
    rcase("expired", b"/photo.jpeg" + tq(b"/photo.jpeg", b"1000000000"), 410, "expired",
          expires=1000000000),
    rcase("malformed client IP", b"/photo.jpeg" + tq(b"/photo.jpeg"), 403, "bad_client_ip",
          ip="999.1.1.1"),
]
assert len(request[20]["target_hex"]) == 2 * 8177


def write(name, cases, about):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump({"about": about, "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")


write("sign.json", sign,
      "sign_url(url, expires|ttl, ip, kind, speed, buffer, now) must return signed_url; "
      "explain(signed_url) must show 'explained' and token; string_to_sign holds the real key.")
write("stream.json", streams,
      "stream_url(base, stream, account, id, file, expires, ip, now) must return signed_url.")
write("verify.json", verify,
      "verify(url, ip, now, kind) with signing key 'key' and rotation keys 'verify_keys' must "
      "give 'expected' (status), key_index for valid/expired, and the reason code (null when "
      "valid, 'expired' when expired).")
write("request.json", request,
      "verify_request(bytes.fromhex(target_hex), ip, now, kind) with key 'key' must give "
      "'expected', the HTTP 'status' (200/400/403/410/414), the reason code 'reason' (null when "
      "valid, 'expired' when expired) and, when valid or expired, 'expires'. 'target' is the "
      "same bytes for reading (invalid UTF-8 backslash-escaped).")
write("errors.json", errors,
      "each op (sign = Signer(key) then sign_url; stream = stream_url; verify) must fail with "
      "the error kind code 'error' (INVALID_KEY, INVALID_PATH, INVALID_IP, INVALID_EXPIRY, "
      "INVALID_URL, INVALID_ARGUMENT) and the message must not contain the key.")
print(f"{len(sign)} sign, {len(streams)} stream, {len(verify)} verify, {len(request)} request, "
      f"{len(errors)} error cases")
