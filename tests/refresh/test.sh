#!/usr/bin/env bash
# The token-refresh suite (issue 16): the core's unit tests, the shared contract checker's
# self-test, the Node face (plain http and Express) served for real and checked with
# contract.py, the player helper's types, and the end-to-end playback (hls.js, dash.js 5 and
# dash.js 4) in headless Chromium through `serve`.
# Ends with "refresh: N passed, N failed".
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
pass=0
fail=0
tally() { # counts ok / not ok lines of a step's output (already printed)
  local out="$1"
  pass=$((pass + $(grep -c '^ok - ' <<<"$out" || true)))
  fail=$((fail + $(grep -c '^not ok - ' <<<"$out" || true)))
}
step_fail() { echo "not ok - $1"; fail=$((fail + 1)); }

export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
command -v ffmpeg >/dev/null && command -v chromium >/dev/null || bash "$root/tests/setup-system.sh"
for tool in ffmpeg chromium node cargo python3 curl; do
  command -v "$tool" >/dev/null || step_fail "$tool is installed"
done

echo "== core unit tests (refresh)"
if out="$(cd "$root" && cargo test -q -p cdn-secure-token --lib refresh 2>&1)"; then
  n=$(sed -n 's/^test result: ok\. \([0-9]*\) passed.*/\1/p' <<<"$out" | head -1)
  echo "ok - core refresh unit tests (${n:-0})"; pass=$((pass + ${n:-0}))
  [ "${n:-0}" -gt 0 ] || step_fail "core refresh unit tests ran"
else
  echo "$out" | tail -20; step_fail "core refresh unit tests"
fi

echo "== contract checker self-test"
out="$(python3 "$here/contract.py" selftest)"; echo "$out"; tally "$out"

echo "== builds (addon, CLI with serve, test dependencies)"
(cd "$root/node" && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null; } && npx napi build --platform --release >/dev/null 2>&1) ||
  step_fail "node addon builds"
(cd "$root" && cargo build -q -p cdn-secure-token-cli 2>&1 | tail -5) || step_fail "CLI builds"
# npm ci again whenever package-lock.json changed since the last install (a stamp of its hash).
lock_sum="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
(cd "$here" && { [ "$(cat node_modules/.lock-sha256 2>/dev/null)" = "$lock_sum" ] ||
  { npm ci --no-audit --no-fund >/dev/null 2>&1 && echo "$lock_sum" >node_modules/.lock-sha256; }; }) ||
  step_fail "npm ci in tests/refresh"

echo "== CLI: stream --json prints the contract"
cli="$root/target/debug/cdn-secure-token"
want="$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["example"], separators=(",", ":")))' "$here/contract.json")"
got="$(CDN_SECURE_TOKEN_KEY=my-cdn-key "$cli" stream vod 12345 abc --base https://cdn.example.com \
  --base-ip https://cdn-ip.example.com --ip 203.0.113.42 --expires 1700000060 --allow-past --json)"
if [ "$got" = "$want" ]; then echo "ok - cli stream --json is byte for byte contract.json's example"; pass=$((pass + 1))
else echo "# got  $got"; echo "# want $want"; step_fail "cli stream --json is byte for byte contract.json's example"; fi
got="$(CDN_SECURE_TOKEN_KEY=my-cdn-key "$cli" stream cmaf 12345 s1 --expires 1700000060 --allow-past --json)"
if python3 -c 'import re,sys; sys.exit(0 if re.fullmatch(r"\{\"token\":\"[A-Za-z0-9_-]{22}\",\"token_ip\":null,\"client_ip\":null,\"expires\":1700000060,\"url\":\"/cmaf/12345_s1/[A-Za-z0-9_-]{22}/1700000060/master\.m3u8\",\"url_ip\":null\}", sys.argv[1]) else 1)' "$got"; then
  echo "ok - cli stream --json without --ip: the IP-bound fields are null, cmaf is /cmaf/"; pass=$((pass + 1))
else echo "# got $got"; step_fail "cli stream --json without --ip"; fi

echo "== Node face: plain http and Express, served for real"
srv_out="$(mktemp)"
node "$here/face-node-test-server.js" >"$srv_out" 2>&1 &
srv=$!
for _ in $(seq 100); do grep -q '^PORTS' "$srv_out" && break; sleep 0.1; done
out="$(grep -v '^PORTS' "$srv_out")"; echo "$out"; tally "$out"
read -r _ hp ep < <(grep '^PORTS' "$srv_out")
C="python3 $here/contract.py"
common=(--key my-cdn-key --account 12345 --cdn https://cdn.example.com --cdn-ip https://cdn-ip.example.com)
run() { local o; o="$("$@" 2>&1)"; echo "$o"; tally "$o"; }
# The checks every face passes: NAME URL TRUSTS_LOOPBACK(0|1).
face_checks() {
  local name="$1" url="$2" trusted="$3"
  [ -n "$url" ] || { step_fail "$name: the server started"; return; }
  run $C ok "$url?video=abc&type=vod&expire=60" "${common[@]}" --video abc --lifetime 60 --client-ip 127.0.0.1 --label "$name vod"
  run $C ok "$url?video=live-1&type=live" "${common[@]}" --video live-1 --type live --lifetime 60 --client-ip 127.0.0.1 --label "$name live, default lifetime"
  run $C ok "$url?video=abc&expire=100000" "${common[@]}" --video abc --lifetime 120 --client-ip 127.0.0.1 --label "$name lifetime capped at 120"
  local abs=$(( $(date +%s) + 90 ))
  run $C ok "$url?video=abc&expire=$abs" "${common[@]}" --video abc --lifetime 90 --expires "$abs" --client-ip 127.0.0.1 --label "$name absolute expire"
  run $C refused "$url?video=denied" --status 403 --code forbidden --label "$name denied by the hook"
  run $C refused "$url?video=abc&expire=1700000000000" --status 400 --code expire_milliseconds --label "$name milliseconds"
  run $C refused "$url?video=abc&expire=1600000000" --status 400 --code expire_in_past --label "$name absolute in the past"
  run $C refused "$url?type=vod" --status 400 --code missing_video --label "$name no video"
  run $C refused "$url?video=../x" --status 400 --code bad_video --label "$name bad video"
  run $C refused "$url?video=abc&type=mp4" --status 400 --code bad_type --label "$name bad type"
  run $C refused "$url?video=abc" --status 405 --code method_not_allowed --method POST --label "$name POST"
  if [ "$trusted" = 1 ]; then
    run $C ok "$url?video=abc" "${common[@]}" --video abc --lifetime 60 --client-ip 198.51.100.7 \
      --header "X-Forwarded-For: 6.6.6.6, 198.51.100.7, 127.0.0.1" --label "$name: rightmost untrusted X-Forwarded-For entry from a trusted peer"
    run $C ok "$url?video=abc" "${common[@]}" --video abc --lifetime 60 --client-ip 2001:db8::1 \
      --header "X-Real-IP: 2001:DB8:0::1" --label "$name: X-Real-IP from a trusted peer, canonical IPv6"
    run $C refused "$url?video=abc" --status 400 --code bad_client_ip \
      --header "X-Forwarded-For: evil" --label "$name: malformed X-Forwarded-For"
  else
    run $C ok "$url?video=abc" "${common[@]}" --video abc --lifetime 60 --client-ip 127.0.0.1 \
      --header "X-Forwarded-For: 198.51.100.7" --header "X-Real-IP: 198.51.100.8" --label "$name: proxy headers from an untrusted peer are ignored"
  fi
}
face_checks "node http" "${hp:+http://127.0.0.1:$hp/token}" 0
face_checks "node express" "${ep:+http://127.0.0.1:$ep/api/token}" 1
kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; rm -f "$srv_out"

echo "== Python faces: Flask blueprint and Django view, served for real"
venv="$root/.venv"
{ [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } &&
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/python/requirements-test.txt" &&
  wheels="$(mktemp -d)" && (cd "$root/python" && "$venv/bin/maturin" build --release --quiet --out "$wheels" 2>&1 | tail -3) &&
  "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/*.whl ||
  step_fail "python wheel builds and installs"
srv_out="$(mktemp)"
(cd "$here" && exec "$venv/bin/python" face-python-servers.py) >"$srv_out" 2>&1 &
srv=$!
for _ in $(seq 600); do grep -q "^PORTS" "$srv_out" && break; sleep 0.1; done
out="$(grep -v '^PORTS' "$srv_out")"; echo "$out"; tally "$out"
fp=""; dp=""
read -r _ fp dp < <(grep '^PORTS' "$srv_out") || true
face_checks "python flask" "${fp:+http://127.0.0.1:$fp/api/token}" 1
face_checks "python django" "${dp:+http://127.0.0.1:$dp/api/token}" 1
kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; rm -f "$srv_out"

echo "== player helper: its types against hls.js / dash.js 5 / dash.js 4 types, and the options it reads"
if out="$(cd "$here" && npx tsc -p types 2>&1)"; then
  echo "ok - tsc -p tests/refresh/types (player.d.ts with the players' own types)"; pass=$((pass + 1))
else
  echo "$out" | head -20; step_fail "tsc -p tests/refresh/types (player.d.ts with the players' own types)"
fi
out="$(cd "$here" && node player-options.mjs 2>&1)"; echo "$out"; tally "$out"
grep -q '^ok - ' <<<"$out" || step_fail "player-options.mjs ran"

echo "== end to end: serve + Node face + hls.js, dash.js 5 and dash.js 4 with the player helper in Chromium"
out="$(bash "$here/e2e.sh" 2>&1)"; echo "$out"; tally "$out"
grep -q '^# e2e [1-9][0-9]* passed' <<<"$out" || step_fail "the e2e run reported its checks"

echo "refresh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
