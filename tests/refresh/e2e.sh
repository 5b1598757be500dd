#!/usr/bin/env bash
# End-to-end: `cdn-secure-token serve` (Video Streaming path tokens), the Node face's token
# endpoint behind it, a 70 s ffmpeg stream as HLS and as DASH, hls.js, dash.js 5 and dash.js 4 (each with
# cdn-secure-token/player, and without it) in headless Chromium, token lifetime 20 s.
# Needs: the CLI built (target/debug or CDN_SECURE_TOKEN_BIN), the Node addon built, ffmpeg,
# chromium, tests/refresh/node_modules (test.sh installs them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${CDN_SECURE_TOKEN_BIN:-$root/target/debug/cdn-secure-token}"
lifetime="${LIFETIME:-20}"
seconds="${CONTENT_SECONDS:-70}"
work="$(mktemp -d)"
pids=()
cleanup() { [ -n "${KEEP:-}" ] && cp "$work/serve.log" /tmp/refresh-serve.log; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export CDN_SECURE_TOKEN_KEY="e2e-refresh-key-1"

# The stream: 70 s of testsrc at 320x180, 2 s segments, master + one variant.
media="$work/media/videos/12345_e2e"
mkdir -p "$media"
ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc=size=320x180:rate=25:duration=$seconds" \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 50 -keyint_min 50 -sc_threshold 0 \
  -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_filename "$media/seg%03d.ts" \
  "$media/index.m3u8"
printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180\nindex.m3u8\n' >"$media/master.m3u8"
# The same as DASH (SegmentTemplate with $Number$, fMP4, 2 s segments) for dash.js.
dash="$work/media/videos/12345_e2e-dash"
mkdir -p "$dash"
(cd "$dash" && ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc=size=320x180:rate=25:duration=$seconds" \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 50 -keyint_min 50 -sc_threshold 0 \
  -f dash -seg_duration 2 -use_template 1 -use_timeline 0 manifest.mpd)

# The pages, hls.js, dash.js and the player helper, served without tokens.
site="$work/site"
mkdir -p "$site"
cp "$here/page/index.html" "$here/page/dash.html" "$site/"
cp "$here/node_modules/hls.js/dist/hls.min.js" "$site/"
cp "$here/node_modules/dashjs/dist/modern/umd/dash.all.min.js" "$site/"
cp "$here/node_modules/dashjs4/dist/dash.all.min.js" "$site/dash4.all.min.js"
cp "$root/node/player.mjs" "$site/"

port_file="$work/face.port"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
edge_port="$(free_port)"
CDN_URL="http://127.0.0.1:$edge_port" MAX_LIFETIME="$lifetime" node "$here/face-node-server.js" >"$port_file" &
pids+=($!)
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
face_port="$(cat "$port_file")"

cat >"$work/serve.toml" <<TOML
listen = ["127.0.0.1:$edge_port"]
trusted_proxies = []
[[location]]
prefix = "/videos/"
kind = "stream"
root = "$work/media"
[[location]]
prefix = "/api/"
kind = "file"
verify = false
origin = "http://127.0.0.1:$face_port"
[[location]]
prefix = "/"
kind = "file"
verify = false
root = "$site"
TOML
"$bin" serve --config "$work/serve.toml" >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$edge_port/" && break; sleep 0.1; done

# The endpoint through the edge, as the page fetches it.
curl -s "http://127.0.0.1:$edge_port/api/token?video=e2e&type=vod&expire=20"; echo

status=0
node "$here/e2e-browser.mjs" "http://127.0.0.1:$edge_port" "$lifetime" "$seconds" || status=$?
echo "# serve log: $(grep -c . "$work/serve.log") lines, $(grep -c ' 410 ' "$work/serve.log" || true) with 410"
exit "$status"
