#!/usr/bin/env bash
# Load: wrk on loopback, 10 s per run, against serve with token verification and against
# the same server with verification off, in one run. Prints requests/s of each, their ratio,
# errors and the server's RSS before and after; exits non-zero on any error (non-2xx or
# socket error) or when the RSS grew by more than 20 MiB over a run.
# Usage: load.sh BIN KEYFILE DOCROOT
set -uo pipefail
BIN="$1" KEY="$2" DOC="$3"
DUR="${SERVE_LOAD_SECONDS:-10}"
W="$(mktemp -d /tmp/serve-load.XXXXXX)"
trap 'kill $PID 2>/dev/null; rm -rf "$W"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
status=0
run() { # NAME EXTRA-FLAGS...
  local name="$1"; shift
  local port; port=$(free_port)
  "$BIN" serve --root "$DOC" --key-file "$KEY" --listen "127.0.0.1:$port" "$@" 2>/dev/null &
  PID=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  local url; url=$("$BIN" sign --key-file "$KEY" --expires 2147483647 "http://127.0.0.1:$port/x.jpg")
  wrk -t1 -c8 -d2s "$url" >/dev/null 2>&1   # warm-up
  local before; before=$(rss $PID)
  wrk -t1 -c16 -d"${DUR}s" --latency "$url" > "$W/$name.txt" 2>&1
  local after; after=$(rss $PID)
  kill $PID; wait $PID 2>/dev/null
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' "$W/$name.txt")
  local non2xx; non2xx=$(awk '/Non-2xx/ {print $5}' "$W/$name.txt"); non2xx=${non2xx:-0}
  local sockerr; sockerr=$(awk '/Socket errors/ {s=0; for(i=3;i<=NF;i++) if ($i ~ /^[0-9]+,?$/) s+=$i; print s}' "$W/$name.txt"); sockerr=${sockerr:-0}
  local p99; p99=$(awk '$1=="99%" {print $2}' "$W/$name.txt")
  echo "$name: $rps req/s, p99 $p99, non-2xx $non2xx, socket errors $sockerr, RSS ${before} KiB -> ${after} KiB"
  [ "$non2xx" = 0 ] && [ "$sockerr" = 0 ] || status=1
  [ $((after - before)) -le 20480 ] || status=1
  eval "RPS_$name=$rps"
}
run verify
run noverify --no-verify
python3 -c "v, n = $RPS_verify, $RPS_noverify; print(f'ratio: with tokens {v:.0f} req/s = {100*v/n:.1f}% of verification off ({n:.0f} req/s)')"
exit $status
