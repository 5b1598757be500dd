#!/usr/bin/env bash
# A real HLS stream (ffmpeg, 12 s of testsrc in 2 s TS segments) played through serve by
# hls.js in headless Chromium: to the end with a directory token (Query String Forwarding)
# and with per-segment file tokens; stopped by 403 when tokens are tampered and by 410 when
# the token expires during playback. Prints "ok ..." / "FAIL ..." lines.
# Usage: browser.sh BIN KEYFILE
set -uo pipefail
BIN="$1" KEY="$2"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
W="$(mktemp -d /tmp/serve-browser.XXXXXX)"
PID=""
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$W"' EXIT
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; }
if [ ! -d "$HERE/node_modules/puppeteer-core" ] || [ ! -d "$HERE/node_modules/hls.js" ]; then
  (cd "$HERE" && npm install --no-audit --no-fund >/dev/null 2>&1) || { bad "npm install of puppeteer-core and hls.js"; exit 1; }
fi
command -v chromium >/dev/null || { bad "chromium is not installed (tests/setup-system.sh installs it)"; exit 1; }
DOC="$W/doc"
mkdir -p "$DOC/player" "$DOC/hls" "$DOC/hlsf"
cp "$HERE/player.html" "$DOC/player/player.html"
cp "$HERE/node_modules/hls.js/dist/hls.min.js" "$DOC/player/hls.min.js"
ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=25 -t 12 -c:v libx264 -preset ultrafast \
  -profile:v baseline -pix_fmt yuv420p -g 50 -keyint_min 50 -sc_threshold 0 \
  -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_filename "$DOC/hls/seg%d.ts" "$DOC/hls/index.m3u8" \
  || { bad "ffmpeg could not make the stream"; exit 1; }
cp "$DOC"/hls/* "$DOC/hlsf/"
SEGS=$(grep -c '^seg' "$DOC/hls/index.m3u8")
echo "stream: $SEGS segments of 2 s"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
B="http://127.0.0.1:$PORT"
# The per-segment manifest: every segment line signed with its own file token.
sign_segments() { # EXPIRES TAMPER_FROM(or none) > manifest
  local n=0
  while IFS= read -r line; do
    if [[ "$line" == seg* ]]; then
      local u; u=$("$BIN" sign --key-file "$KEY" --expires "$1" "$B/hlsf/$line")
      u="${u#"$B/hlsf/"}"
      if [ "$2" != none ] && [ "$n" -ge "$2" ]; then u="${u/md5=/md5=X}"; u="${u:0:${#u}}"; fi
      echo "$u"; n=$((n + 1))
    else
      echo "$line"
    fi
  done < "$DOC/hls/index.m3u8"
}
sign_segments 2147483647 none > "$DOC/hlsf/signed.m3u8"
sign_segments 2147483647 2 > "$DOC/hlsf/tampered.m3u8"
cat > "$W/serve.toml" <<EOF2
listen = ["127.0.0.1:$PORT"]
[key]
file = "$KEY"
[[location]]
prefix = "/"
kind = "file"
root = "$DOC"
[[location]]
prefix = "/hls/"
kind = "directory"
qsf = true
root = "$DOC"
EOF2
"$BIN" serve --config "$W/serve.toml" 2>"$W/serve.log" &
PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "$B/" && break; sleep 0.1; done
PAGE=$("$BIN" sign --key-file "$KEY" --expires 2147483647 "$B/player/player.html")
HLSJS=$("$BIN" sign --key-file "$KEY" --expires 2147483647 "$B/player/hls.min.js")
play() { # NAME SRC RATE TIMEOUT_MS
  local enc; enc=$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$2")
  local henc; henc=$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$HLSJS")
  (cd "$HERE" && timeout 90 node play.mjs "$PAGE#hlsjs=$henc&src=$enc&rate=$3" "$4") > "$W/$1.json" 2>"$W/$1.err"
  echo "$1: $(cat "$W/$1.json")"
  [ -s "$W/$1.json" ] || echo "$1: driver error: $(tail -c 1500 "$W/$1.err")"
}
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }

# 1. Directory token, Query String Forwarding: serve signs the manifest it serves.
play qsf "$("$BIN" sign --key-file "$KEY" --dir --expires 2147483647 "$B/hls/index.m3u8")" 2 60000
[ "$(field "$W/qsf.json" 'd["result"]["ended"]')" = True ] && ok "qsf: played to the end" || bad "qsf: did not play to the end"
[ "$(field "$W/qsf.json" 'sum(s.endswith(":200") and s.startswith("seg") for s in d["statuses"])')" = "$SEGS" ] \
  && ok "qsf: all $SEGS segments 200" || bad "qsf: not all segments 200"
# 2. Per-segment file tokens in the manifest.
play perfile "$("$BIN" sign --key-file "$KEY" --expires 2147483647 "$B/hlsf/signed.m3u8")" 2 60000
[ "$(field "$W/perfile.json" 'd["result"]["ended"]')" = True ] && ok "per-segment tokens: played to the end" || bad "per-segment tokens: did not play to the end"
# 3. Tampered tokens from the third segment on: playback stops with 403.
play tampered "$("$BIN" sign --key-file "$KEY" --expires 2147483647 "$B/hlsf/tampered.m3u8")" 1 60000
[ "$(field "$W/tampered.json" '(d["result"]["ended"], d["result"].get("code"))')" = "(False, 403)" ] \
  && ok "tampered: playback stops with 403" || bad "tampered: expected a stop with 403"
# 4. A directory token that expires 7 s after the browser is started, while the 12 s stream
#    plays at 1x: the first segments are 200, then playback stops with 410.
play expired "$("$BIN" sign --key-file "$KEY" --dir --expires $(( $(date +%s) + 7 )) "$B/hls/index.m3u8")" 1 60000
[ "$(field "$W/expired.json" '(d["result"]["ended"], d["result"].get("code"), "seg0.ts:200" in d["statuses"])')" = "(False, 410, True)" ] \
  && ok "expired: segments 200, then playback stops with 410" || bad "expired: expected segments 200 then a stop with 410"
kill $PID; wait $PID 2>/dev/null; PID=""
