#!/usr/bin/env bash
# The serve suite: `cdn-secure-token serve` against real clients (curl, ffprobe, raw sockets,
# wrk, headless Chromium with hls.js) and against the real nginx of the raw differential.
# Ends with "serve: N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/serve"
cd "$ROOT"
PROFILE="${SERVE_PROFILE:-release}"
if [ "$PROFILE" = release ]; then
  cargo build -q --release -p cdn-secure-token-cli || { echo "serve: 0 passed, 1 failed"; exit 1; }
else
  cargo build -q -p cdn-secure-token-cli || { echo "serve: 0 passed, 1 failed"; exit 1; }
fi
BIN="$ROOT/target/$PROFILE/cdn-secure-token"
export PATH="$(dirname "$BIN"):$PATH"
W="$(mktemp -d /tmp/serve-test.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1"; }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi; }
# contains NAME NEEDLE FILE
contains() { if grep -qF -- "$2" "$3"; then ok "$1"; else bad "$1: [$2] not in $3"; fi; }
lacks() { if grep -qF -- "$2" "$3"; then bad "$1: [$2] found in $3"; else ok "$1"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),timeout=0.2).close()" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}
# start NAME PORT ARGS... : starts serve in the background, logging to $W/NAME.log
start() {
  local name="$1" port="$2"; shift 2
  "$BIN" serve --listen "127.0.0.1:$port" "$@" 2>"$W/$name.log" &
  local pid=$!
  PIDS+=("$pid")
  eval "PID_$name=$pid"
  wait_port "$port" || { bad "$name: serve did not start: $(cat "$W/$name.log")"; return 1; }
}
stop() { local v="PID_$1"; kill "${!v}" 2>/dev/null; wait "${!v}" 2>/dev/null; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

KEY="$W/key"
printf 'serve-test-key-1\n' > "$KEY"
OLDKEY="$W/oldkey"
printf 'serve-old-key-0\n' > "$OLDKEY"
FUT=2147483647
PAST=1000000000
sign() { "$BIN" sign --key-file "$KEY" "$@"; }

# ---------------------------------------------------------------- the document tree
DOC="$W/doc"
mkdir -p "$DOC/private" "$DOC/dir/sub" "$DOC/videos/12_demo/360p"
printf 'hello\n' > "$DOC/x.jpg"
printf 'a space b\n' > "$DOC/a b.jpg"
printf 'secret\n' > "$DOC/private/secret.txt"
printf 'seg\n' > "$DOC/dir/seg1.ts"
printf 'sub\n' > "$DOC/dir/sub/seg2.ts"
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg1.ts\n#EXTINF:2,\nsub/seg2.ts\n#EXTINF:2,\nhttp://other.example/x.ts\n#EXT-X-ENDLIST\n' > "$DOC/dir/index.m3u8"
printf '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n' > "$DOC/videos/12_demo/master.m3u8"
printf 'rendition\n' > "$DOC/videos/12_demo/360p/index.m3u8"

# ---------------------------------------------------------------- configuration and --check
echo "== configuration"
cat > "$W/good.toml" <<EOF
listen = ["127.0.0.1:0"]
trusted_proxies = ["10.0.0.0/8"]
[key]
file = "$KEY"
old_files = ["$OLDKEY"]
[limits]
max_connections = 64
[[location]]
prefix = "/"
kind = "file"
root = "$DOC"
EOF
"$BIN" serve --config "$W/good.toml" --check > "$W/check.out" 2>&1
check "--check accepts a good file" 0 $?
contains "--check says what it read" "1 location(s), 2 key(s)" "$W/check.out"
badcfg() { # NAME FIELD-TEXT TOML
  printf '%s\n' "$3" > "$W/bad.toml"
  CDN_SECURE_TOKEN_KEY=super-secret-key-value "$BIN" serve --config "$W/bad.toml" --check > "$W/bad.out" 2>&1
  local rc=$?
  check "--check refuses $1 (exit 3)" 3 "$rc"
  contains "--check names the field for $1" "$2" "$W/bad.out"
  lacks "--check never prints the key ($1)" "super-secret-key-value" "$W/bad.out"
}
badcfg "an unknown kind" "location[0].kind" "$(printf 'listen=["127.0.0.1:1"]\n[[location]]\nkind="zip"\nroot="%s"' "$DOC")"
badcfg "a missing root" "location[0].root" "$(printf 'listen=["127.0.0.1:1"]\n[[location]]\nroot="/nonexistent-dir"')"
badcfg "a bad listen address" "listen[0]" "$(printf 'listen=["nowhere"]\n[[location]]\nroot="%s"' "$DOC")"
badcfg "a bad trusted proxy" "trusted_proxies[0]" "$(printf 'listen=["127.0.0.1:1"]\ntrusted_proxies=["10.0.0.0/40"]\n[[location]]\nroot="%s"' "$DOC")"
badcfg "qsf without directory" "location[0].qsf" "$(printf 'listen=["127.0.0.1:1"]\n[[location]]\nqsf=true\nroot="%s"' "$DOC")"
badcfg "an unknown field" "config line 1" "$(printf 'lisen=["127.0.0.1:1"]\n[[location]]\nroot="%s"' "$DOC")"
badcfg "a bad body limit" "limits.max_body" "$(printf 'listen=["127.0.0.1:1"]\n[limits]\nmax_body="1G"\n[[location]]\nroot="%s"' "$DOC")"
printf 'listen=["127.0.0.1:1"]\n[[location]]\nroot="%s"\n' "$DOC" > "$W/nokey.toml"
env -u CDN_SECURE_TOKEN_KEY "$BIN" serve --config "$W/nokey.toml" --check > "$W/bad.out" 2>&1
check "--check refuses a missing key (exit 3)" 3 $?
contains "--check names the key source" "key.env" "$W/bad.out"
printf 'short\n' > "$W/shortkey"
"$BIN" serve --root "$DOC" --key-file "$W/shortkey" --check > "$W/bad.out" 2>&1
check "--check refuses a too-short key (exit 3)" 3 $?
lacks "--check does not print the short key" "short" <(sed 's/too short//g; s/shorter//g' "$W/bad.out")

# ---------------------------------------------------------------- file tokens
echo "== file tokens (curl)"
P=$(free_port)
cat > "$W/file.toml" <<EOF
listen = ["127.0.0.1:$P"]
[key]
file = "$KEY"
old_files = ["$OLDKEY"]
[[location]]
prefix = "/"
kind = "file"
root = "$DOC"
EOF
start file "$P" --config "$W/file.toml" || true
B="http://127.0.0.1:$P"
U=$(sign --expires $FUT "$B/x.jpg")
check "file: valid token 200" 200 "$(code "$U")"
check "file: body served" hello "$(curl -s "$U")"
check "file: no token 403" 403 "$(code "$B/x.jpg")"
check "file: tampered token 403" 403 "$(code "${U/md5=/md5=A}")"
check "file: other token 403" 403 "$(code "$(sign --expires $FUT "$B/private/secret.txt" | sed "s#/private/secret.txt#/x.jpg#")")"
E=$(sign --now 900000000 --expires $PAST --allow-past "$B/x.jpg")
check "file: expired 410" 410 "$(code "$E")"
check "file: expired with a wrong hash is 403" 403 "$(code "${E/md5=/md5=B}")"
check "file: old key (rotation) 200" 200 "$(code "$("$BIN" sign --key-file "$OLDKEY" --expires $FUT "$B/x.jpg")")"
check "file: space in the name 200" "a space b" "$(curl -s "$(sign --expires $FUT "$B/a b.jpg")")"
check "file: valid token, no such file 404" 404 "$(code "$(sign --expires $FUT "$B/missing.jpg")")"
check "file: %00 is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$B/x%00.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=$FUT")"
check "file: .. above the root is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$B/../x.jpg")"
LONG=$(python3 -c 'print("a"*9000)')
check "file: 9000-byte target is 414" 414 "$(code "$B/$LONG")"
check "file: range request 206" 206 "$(code -r 0-1 "$U")"
check "file: range body" he "$(curl -s -r 0-1 "$U")"
check "file: HEAD 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -I "$U")"
curl -s "$U&secretmarker=1" >/dev/null
lacks "file: log never has the key" "serve-test-key-1" "$W/file.log"
TOK=$(echo "$U" | sed -E 's/.*md5=([^&]*).*/\1/')
lacks "file: log never has the token" "$TOK" "$W/file.log"
contains "file: log line has status, reason and path" " 403 missing_token /x.jpg" "$W/file.log"
contains "file: log line for an expired link" " 410 expired /x.jpg" "$W/file.log"
# A raw byte >= 0x80 in the target (hyper's Uri refuses it): judged by the token like nginx.
RAWU=$(python3 - "$P" "$KEY" <<'PY'
import base64, hashlib, socket, sys
port, key = int(sys.argv[1]), open(sys.argv[2]).read().strip()
def tok(s): return base64.urlsafe_b64encode(hashlib.md5(s).digest()).decode().rstrip("=")
out = []
for path, exp in ((b"/\xff.jpg", b"2147483647"), (b"/\xe9t\xe9.jpg", b"1000000000")):
    t = tok(exp + path + b" " + key.encode()).encode()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET " + path + b"?md5=" + t + b"&expires=" + exp + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    d = b""
    while True:
        c = s.recv(65536)
        if not c: break
        d += c
    out.append(d.split(b" ")[1].decode())
print(" ".join(out))
PY
)
check "file: raw 0xff byte, valid token (no such file) 404; raw latin-1 bytes, expired 410" "404 410" "$RAWU"
# The internal header cannot be set by a client.
check "file: a client's own raw-target header is ignored" 403 "$(code -H 'X-Cdn-Secure-Token-Raw-Target: 2f782e6a7067' "$B/private/secret.txt")"
# Keep-alive framing with a Content-Length body and pipelined requests.
KA=$(python3 - "$P" "$U" <<'PY'
import socket, sys, re
port, url = int(sys.argv[1]), sys.argv[2]
target = url.split(str(port), 1)[1].encode()
s = socket.create_connection(("127.0.0.1", port))
req = b"POST " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nGET /x HTTP" + \
      b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n" + \
      b"GET /x.jpg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
s.sendall(req)
d = b""
while True:
    c = s.recv(65536)
    if not c: break
    d += c
print(" ".join(m.decode() for m in re.findall(rb"HTTP/1.1 (\d+)", d)))
PY
)
check "file: POST with a body (405 as nginx for a static file), then pipelined requests keep their framing" "405 200 403" "$KA"
head -c 2000000 /dev/zero > "$W/big.bin"
check "file: a body over max_body (1M) is 413" 413 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$W/big.bin" "$U")"
stop file

echo "== debug mode"
P=$(free_port)
start debug "$P" --root "$DOC" --key-file "$KEY" --debug || true
B="http://127.0.0.1:$P"
curl -s -o /dev/null "${U/127.0.0.1:*\/x.jpg/127.0.0.1:$P/x.jpg}"
D=$(sign --expires $FUT "$B/x.jpg")
curl -s -o /dev/null "${D/md5=/md5=Q}"
contains "debug: explain of a denied request is logged" 'string_to_sign="2147483647/x.jpg ***"' "$W/debug.log"
lacks "debug: the key is redacted" "serve-test-key-1" "$W/debug.log"
lacks "debug: the valid token is never logged" "$(echo "$D" | sed -E 's/.*md5=([^&]*).*/\1/')" "$W/debug.log"
stop debug

# ---------------------------------------------------------------- client IP
echo "== file + client IP"
P=$(free_port)
start ip "$P" --root "$DOC" --kind file --ip --key-file "$KEY" --trusted-proxy 127.0.0.1 || true
B="http://127.0.0.1:$P"
check "ip: bound to 127.0.0.1, no proxy header 200" 200 "$(code "$(sign --expires $FUT --ip 127.0.0.1 "$B/x.jpg")")"
check "ip: bound to another address 403" 403 "$(code "$(sign --expires $FUT --ip 10.1.2.3 "$B/x.jpg")")"
check "ip: trusted proxy's X-Forwarded-For 200" 200 "$(code -H 'X-Forwarded-For: 203.0.113.9' "$(sign --expires $FUT --ip 203.0.113.9 "$B/x.jpg")")"
check "ip: X-Forwarded-For read from the right" 200 "$(code -H 'X-Forwarded-For: 1.1.1.1, 203.0.113.9' "$(sign --expires $FUT --ip 203.0.113.9 "$B/x.jpg")")"
check "ip: trusted proxy's X-Real-IP 200" 200 "$(code -H 'X-Real-IP: 2001:db8::7' "$(sign --expires $FUT --ip 2001:0db8:0::7 "$B/x.jpg")")"
check "ip: X-Forwarded-For over two headers is one chain" 200 "$(code -H 'X-Forwarded-For: 203.0.113.9' -H 'X-Forwarded-For: 127.0.0.1' "$(sign --expires $FUT --ip 203.0.113.9 "$B/x.jpg")")"
check "ip: a trusted proxy's IPv4-mapped address is the IPv4 client" 200 "$(code -H 'X-Real-IP: ::ffff:198.51.100.4' "$(sign --expires $FUT --ip 198.51.100.4 "$B/x.jpg")")"
# The core's rule (the one the token-refresh endpoints use): a malformed address where the
# client should be is 400 bad_client_ip, not a fall back to the proxy's own address.
check "ip: malformed X-Forwarded-For from a trusted proxy 400" 400 "$(code -H 'X-Forwarded-For: 203.0.113.x' "$(sign --expires $FUT --ip 127.0.0.1 "$B/x.jpg")")"
check "ip: malformed X-Real-IP from a trusted proxy 400" 400 "$(code -H 'X-Real-IP: nowhere' "$(sign --expires $FUT --ip 127.0.0.1 "$B/x.jpg")")"
contains "ip: the log names bad_client_ip" " 400 bad_client_ip /x.jpg" "$W/ip.log"
stop ip
P=$(free_port)
start ip2 "$P" --root "$DOC" --kind file --ip --key-file "$KEY" || true
B="http://127.0.0.1:$P"
check "ip: untrusted peer's X-Forwarded-For is ignored (403)" 403 "$(code -H 'X-Forwarded-For: 203.0.113.9' "$(sign --expires $FUT --ip 203.0.113.9 "$B/x.jpg")")"
check "ip: untrusted peer's X-Real-IP is ignored (403)" 403 "$(code -H 'X-Real-IP: 203.0.113.9' "$(sign --expires $FUT --ip 203.0.113.9 "$B/x.jpg")")"
stop ip2

# ---------------------------------------------------------------- directory tokens + QSF
echo "== directory tokens, Query String Forwarding"
P=$(free_port)
start dir "$P" --root "$DOC" --kind directory --qsf --key-file "$KEY" || true
B="http://127.0.0.1:$P"
M=$(sign --dir --expires $FUT "$B/dir/index.m3u8")
Q="${M#*\?}"
check "dir: manifest 200" 200 "$(code "$M")"
curl -s "$M" > "$W/signed.m3u8"
contains "dir: QSF puts the token on segments" "seg1.ts?$Q" "$W/signed.m3u8"
contains "dir: other hosts left alone" "http://other.example/x.ts"$'\n' "$W/signed.m3u8"
contains "dir: subdirectory left unsigned (the token does not cover it)" $'\nsub/seg2.ts\n' "$W/signed.m3u8"
check "dir: segment with the forwarded token 200" 200 "$(code "$B/dir/seg1.ts?$Q")"
check "dir: subdirectory with that token 403" 403 "$(code "$B/dir/sub/seg2.ts?$Q")"
check "dir: tampered 403" 403 "$(code "$B/dir/seg1.ts?${Q/md5=/md5=C}")"
check "dir: manifest without token 403" 403 "$(code "$B/dir/index.m3u8")"
check "dir: expired 410" 410 "$(code "$(sign --dir --now 900000000 --expires $PAST --allow-past "$B/dir/index.m3u8")")"
stop dir

# ---------------------------------------------------------------- Video Streaming path tokens
echo "== Video Streaming path tokens"
P=$(free_port)
start stream "$P" --root "$DOC" --kind stream --key-file "$KEY" || true
B="http://127.0.0.1:$P"
S=$("$BIN" stream vod 12 demo --base "$B" --expires $FUT --key-file "$KEY")
check "stream: master 200" 200 "$(code "$S")"
check "stream: rendition under the same token path 200" rendition "$(curl -s "${S%master.m3u8}360p/index.m3u8")"
check "stream: tampered 403" 403 "$(code "$(echo "$S" | sed -E 's#/12_demo/.#/12_demo/A#')")"
SE=$("$BIN" stream vod 12 demo --base "$B" --now 900000000 --expires $PAST --allow-past --key-file "$KEY")
check "stream: expired 410" 410 "$(code "$SE")"
check "stream: not a stream path 403" 403 "$(code "$B/x.jpg")"
lacks "stream: log never has the path token" "$(echo "$S" | cut -d/ -f6)" "$W/stream.log"
stop stream

# ---------------------------------------------------------------- MP4 speed / buffer
echo "== MP4 speed and buffer (ffprobe)"
ffmpeg -v error -y -f lavfi -i testsrc=size=640x360:rate=25 -t 8 -c:v libx264 -preset ultrafast -b:v 600k -movflags +faststart "$DOC/movie.mp4"
SIZE=$(stat -c %s "$DOC/movie.mp4")
P=$(free_port)
start mp4 "$P" --root "$DOC" --kind mp4 --mp4-limits --key-file "$KEY" || true
B="http://127.0.0.1:$P"
MU=$(sign --expires $FUT --speed 200k --buffer 100k "$B/movie.mp4")
ffprobe -v error -show_entries format=duration -of csv=p=0 "$MU" > "$W/probe.out" 2>&1
check "mp4: ffprobe reads the MP4 under a speed limit" 8 "$(cut -d. -f1 "$W/probe.out")"
STATS=$(curl -s -o "$W/movie.dl" -w '%{size_download} %{time_total}' "$MU")
read -r GOT SECS <<< "$STATS"
check "mp4: whole file downloaded" "$SIZE" "$GOT"
RATE=$(python3 -c "print(round(($GOT - 100*1024) / $SECS))")
WANT=$((200 * 1024))
echo "     mp4: $GOT bytes in ${SECS}s after a 100k buffer: $RATE B/s (configured $WANT B/s)"
if python3 -c "import sys; sys.exit(0 if abs($RATE - $WANT) <= 0.1 * $WANT else 1)"; then ok "mp4: measured rate within 10% of speed"; else bad "mp4: rate $RATE not within 10% of $WANT"; fi
check "mp4: changed speed 403" 403 "$(code "${MU/speed=200k/speed=900k}")"
check "mp4: no limits in the link: full speed 200" 200 "$(code "$(sign --expires $FUT "$B/movie.mp4" --mp4)")"
# A download that started before expiry continues to the end.
NOW=$(date +%s)
SHORT=$(sign --expires $((NOW + 2)) --speed 200k "$B/movie.mp4")
curl -s -o "$W/late.dl" -w '%{http_code} %{size_download}' "$SHORT" > "$W/late.out"
check "mp4: download started before expiry runs to the end" "200 $SIZE" "$(cat "$W/late.out")"
while [ "$(date +%s)" -le $((NOW + 2)) ]; do sleep 0.2; done   # expired once now > expires
check "mp4: the same link after expiry is 410" 410 "$(code "$SHORT")"
# A client that disconnects mid-download leaves the server healthy.
for _ in 1 2 3 4 5; do curl -s -o /dev/null --max-time 0.5 "$MU"; done
check "mp4: healthy after clients that disconnected mid-download" 200 "$(code "$(sign --expires $FUT "$B/movie.mp4" --mp4)")"
# Graceful shutdown: SIGTERM lets a running download finish.
curl -s -o "$W/term.dl" -w '%{http_code} %{size_download}' "$MU" > "$W/term.out" &
CURL=$!
sleep 1
kill -TERM "$PID_mp4"
wait "$CURL"
check "mp4: SIGTERM lets a running download finish" "200 $SIZE" "$(cat "$W/term.out")"
wait "$PID_mp4"
check "mp4: serve exits 0 after SIGTERM" 0 $?

# ---------------------------------------------------------------- origin proxy and failing origins
echo "== origin proxy, failing origins"
OP=$(free_port)
python3 -m http.server "$OP" --bind 127.0.0.1 --directory "$DOC" >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$OP"
python3 "$HERE/bad_origin.py" > "$W/bad_origin.ports" 2>/dev/null &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$W/bad_origin.ports" ] && break; sleep 0.1; done
read -r HANG RESET < "$W/bad_origin.ports"
REFUSED=$(free_port)
P=$(free_port)
cat > "$W/origin.toml" <<EOF
listen = ["127.0.0.1:$P"]
[key]
file = "$KEY"
[limits]
origin_timeout_secs = 2
[[location]]
prefix = "/"
origin = "http://127.0.0.1:$OP"
[[location]]
prefix = "/refused/"
origin = "http://127.0.0.1:$REFUSED"
[[location]]
prefix = "/hang/"
origin = "http://127.0.0.1:$HANG"
[[location]]
prefix = "/reset/"
origin = "http://127.0.0.1:$RESET"
EOF
start origin "$P" --config "$W/origin.toml" || true
B="http://127.0.0.1:$P"
check "origin: proxied 200" hello "$(curl -s "$(sign --expires $FUT "$B/x.jpg")")"
check "origin: no token 403 (origin not asked)" 403 "$(code "$B/x.jpg")"
check "origin: connection refused 502" 502 "$(code "$(sign --expires $FUT "$B/refused/x")")"
check "origin: timeout 504" 504 "$(code "$(sign --expires $FUT "$B/hang/x")")"
check "origin: reset 502" 502 "$(code "$(sign --expires $FUT "$B/reset/x")")"
check "origin: healthy after failing origins" hello "$(curl -s "$(sign --expires $FUT "$B/x.jpg")")"
contains "origin: log names the failure" " 504 origin_timeout /hang/x" "$W/origin.log"
stop origin

# ---------------------------------------------------------------- slow headers
echo "== slow headers (slowloris)"
P=$(free_port)
cat > "$W/slow.toml" <<EOF
listen = ["127.0.0.1:$P"]
[key]
file = "$KEY"
[limits]
header_timeout_secs = 2
max_connections = 40
[[location]]
root = "$DOC"
EOF
start slow "$P" --config "$W/slow.toml" || true
B="http://127.0.0.1:$P"
SL=$(python3 - "$P" "$(sign --expires $FUT "$B/x.jpg")" <<'PY'
import socket, sys, time, threading
port, url = int(sys.argv[1]), sys.argv[2]
target = url.split(str(port), 1)[1].encode()
closed = []
def slow():
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(10)
    start = time.time()
    try:
        for b in b"GET /x.jpg HTTP/1.1\r\nHost: x\r\nX-Slow: ":
            s.send(bytes([b]))
            time.sleep(0.2)
            if time.time() - start > 8: break
        while True:
            s.send(b"a"); time.sleep(0.2)
    except OSError:
        closed.append(time.time() - start)
threads = [threading.Thread(target=slow) for _ in range(30)]
for t in threads: t.start()
time.sleep(1)
# While 30 slow clients hold connections, a normal one is served.
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
first = s.recv(100).split(b" ")[1].decode()
for t in threads: t.join()
print(first, len(closed), max(closed) < 6)
PY
)
check "slowloris: a normal client is served meanwhile; all 30 slow ones are cut within the header timeout" "200 30 True" "$SL"
check "slowloris: healthy afterwards" 200 "$(code "$(sign --expires $FUT "$B/x.jpg")")"
stop slow

# ---------------------------------------------------------------- connection limit
echo "== connection limit"
P=$(free_port)
cat > "$W/conn.toml" <<EOF
listen = ["127.0.0.1:$P"]
[key]
file = "$KEY"
[limits]
max_connections = 4
header_timeout_secs = 10
[[location]]
root = "$DOC"
EOF
start conn "$P" --config "$W/conn.toml" || true
B="http://127.0.0.1:$P"
CL=$(python3 - "$P" "$(sign --expires $FUT "$B/x.jpg")" <<'PY'
import socket, sys, time
port, url = int(sys.argv[1]), sys.argv[2]
target = url.split(str(port), 1)[1].encode()
req = b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
def status(s):
    try:
        data = s.recv(100)
    except socket.timeout:
        return "none"
    return data.split(b" ")[1].decode() if data else "closed"
# Four connections hold every slot (connected, nothing sent; the idle timeout is 60 s).
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
time.sleep(0.5)
fifth = socket.create_connection(("127.0.0.1", port), timeout=2)
fifth.sendall(req)
waiting = status(fifth)          # no slot: not served while the four are held
held.pop().close()               # one slot frees up
fifth.settimeout(5)
after = status(fifth)            # now the fifth is served
for h in held: h.close()
time.sleep(0.3)
again = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
for a in again: a.sendall(req)
print(waiting, after, " ".join(status(a) for a in again))
PY
)
check "connections: a fifth client waits while 4 (the limit) are held, is served once one closes, and all 4 slots come back" "none 200 200 200 200 200" "$CL"
stop conn

# ---------------------------------------------------------------- request bodies and keep-alive
echo "== request bodies on a kept-alive connection (no smuggling)"
P=$(free_port)
start body "$P" --root "$DOC" --key-file "$KEY" || true
B="http://127.0.0.1:$P"
BK=$(python3 - "$P" "$(sign --expires $FUT "$B/x.jpg")" "$(sign --expires $FUT "$B/private/secret.txt")" <<'PY'
import socket, sys
port = int(sys.argv[1])
x = sys.argv[2].split(str(port), 1)[1].encode()
secret = sys.argv[3].split(str(port), 1)[1].encode()
def exchange(payload):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(payload)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return data
smuggled = b"GET " + secret + b" HTTP/1.1\r\nHost: x\r\n\r\n"
# A Content-Length body, then a second request on the same connection: both answered.
cl = exchange(b"POST " + x + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
              + b"GET " + x + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
# A chunked body whose chunk holds a whole request, and a request after it: one answer with
# Connection: close, then the connection ends; neither inner nor following request is answered.
body = b"%x\r\n" % len(smuggled) + smuggled + b"\r\n0\r\n\r\n"
ch = exchange(b"POST " + x + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body
              + smuggled)
# A body cut short: the bytes sent are the body's, never read as a request.
cut = exchange(b"POST " + x + b" HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (len(smuggled) + 20) + smuggled)
codes = lambda d: "+".join(l.split(b" ")[1].decode() for l in d.split(b"\r\n") if l.startswith(b"HTTP/1.1 "))
# (POST to a file is 405, as nginx answers it; the answers' statuses are joined with +.)
print(codes(cl), cl.count(b"hello\n"), codes(ch), b"connection: close" in ch.lower(), codes(cut),
      (cl + ch + cut).count(b"secret"))
PY
)
check "bodies: Content-Length body then a kept-alive request: both answered; chunked body: one answer with Connection: close, the request inside and after it never answered; a short body never read as a request" "405+200 1 405 True 405 0" "$BK"
check "bodies: healthy afterwards" 200 "$(code "$(sign --expires $FUT "$B/x.jpg")")"
stop body

# ---------------------------------------------------------------- raw differential against nginx
echo "== raw differential against the real nginx"
REC="$W/rec.jsonl"
python3 tests/raw/differential.py record --out "$REC" > "$W/record.out" 2>&1 || bad "differential: record failed: $(cat "$W/record.out")"
FX="$W/fixture"
python3 tests/raw/differential.py fixture "$FX" > "$W/fixture.key"
for kind in file ip dir mp4; do
  case $kind in
    file) a=(--kind file) ;; ip) a=(--kind file --ip) ;; dir) a=(--kind directory) ;; mp4) a=(--kind mp4) ;;
  esac
  P=$(free_port)
  start "diff_$kind" "$P" --root "$FX" "${a[@]}" --key-file "$W/fixture.key" || continue
  python3 tests/raw/differential.py compare --recorded "$REC" --server "serve=127.0.0.1:$P,$kind" > "$W/diff_$kind.out" 2>&1
  tail -3 "$W/diff_$kind.out" | sed 's/^/     /'
  check "differential $kind: 0 disagreements with nginx" "0 failed" "$(tail -1 "$W/diff_$kind.out" | sed -E 's/.*, ([0-9]+ failed)/\1/')"
  stop "diff_$kind"
done

# ---------------------------------------------------------------- the README's blocks
echo "== serve/README.md: every sh block runs"
python3 - "$ROOT/serve/README.md" "$(dirname "$BIN")" > "$W/readme.out" 2>&1 <<'PY'
import os, re, subprocess, sys, tempfile
text = open(sys.argv[1]).read()
env = dict(os.environ, CDN_SECURE_TOKEN_KEY="my-cdn-key", PATH=sys.argv[2] + ":" + os.environ["PATH"])
for i, block in enumerate(re.findall(r"```sh\n(.*?)```", text, re.S)):
    d = tempfile.mkdtemp(prefix="serve-readme-")
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=d, env=env, capture_output=True, text=True, timeout=60)
    print(f"block {i + 1}: exit {r.returncode}")
    if r.returncode:
        print(r.stdout[-2000:], r.stderr[-2000:])
PY
N=$(grep -c '^block ' "$W/readme.out")
check "README: $N sh blocks found" true "$([ "$N" -ge 3 ] && echo true || echo false)"
check "README: every sh block exits 0" 0 "$(grep '^block ' "$W/readme.out" | grep -vc 'exit 0$')"

# ---------------------------------------------------------------- load
if [ "${SERVE_SKIP_LOAD:-0}" != 1 ]; then
  echo "== load (wrk, 10 s each)"
  bash "$HERE/load.sh" "$BIN" "$KEY" "$DOC" > "$W/load.out" 2>&1
  LRC=$?
  sed 's/^/     /' "$W/load.out"
  check "load: zero errors, flat memory" 0 "$LRC"
fi

# ---------------------------------------------------------------- HLS in headless Chromium
if [ "${SERVE_SKIP_BROWSER:-0}" != 1 ]; then
  echo "== HLS playback in headless Chromium (hls.js)"
  bash "$HERE/browser.sh" "$BIN" "$KEY" > "$W/browser.out" 2>&1
  sed 's/^/     /' "$W/browser.out"
  BP=$(grep -cE '^ok ' "$W/browser.out")
  BF=$(grep -cE '^FAIL ' "$W/browser.out")
  PASS=$((PASS + BP))
  FAIL=$((FAIL + BF))
  if [ "$BP" -eq 0 ] && [ "$BF" -eq 0 ]; then bad "browser: no result"; fi
fi

echo "serve: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
