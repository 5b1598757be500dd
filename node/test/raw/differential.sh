#!/usr/bin/env bash
# The raw-request differential for Express: nginx's answers to thousands of raw request lines
# (tests/raw/differential.py record, a real nginx guarding the fixture tree), replayed against
# the Express app of test/raw/server.js guarding the same tree with secureLink, for each token
# kind of the recording (file, ip: bound to the client address, dir, mp4), one app each.
# Node's HTTP parser (llhttp) answers 400 to a target holding a raw byte >= 0x80, a raw space
# or a control byte before any JavaScript runs (nginx reads such bytes as bytes, or answers
# 414 first for a long line). Those targets are replayed against a bare node:http server whose
# handler would answer 599: every one must get Node's 400 there, which shows that no code of
# ours could answer them. All other targets: 0 disagreements with nginx.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
diff_py="$repo/tests/raw/differential.py"
python3 "$diff_py" record --out "$work/rec.jsonl" ${RAWDIFF_COUNT:+--count "$RAWDIFF_COUNT"}
python3 "$diff_py" fixture "$work/root" >/dev/null
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
with open(f"{work}/rec.jsonl") as f, open(f"{work}/rest.jsonl", "w") as rest, open(f"{work}/parser.jsonl", "w") as parser:
    for line in f:
        rec = json.loads(line)
        t = bytes.fromhex(rec["target"])
        if any(b >= 0x80 or b <= 0x20 or b == 0x7F for b in t):
            rec["kind"] = "file"  # replayed against the bare server, whatever its kind
            parser.write(json.dumps(rec) + "\n")
        else:
            rest.write(line)
PY

start() { # start SCRIPT ARGS... -> sets $port
  # One output file per server: the background redirect truncates its file only when the
  # child runs, so with a shared file the loop below could read the previous server's port
  # (seen: express-mp4 replayed against the dir server, every valid link a 403).
  local out="$work/server.${#pids[@]}.out"
  node "$@" > "$out" 2>&1 &
  pids+=($!)
  port=""
  for _ in $(seq 100); do
    port="$(awk '/^listening / {print $2}' "$out" 2>/dev/null)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$out" >&2; exit 1; }
}

status=0
servers=()
for kind in file ip dir mp4; do
  start "$here/server.js" "$work/root" 0 "$kind"
  servers+=(--server "express-$kind=127.0.0.1:$port,$kind")
done
python3 "$diff_py" compare --recorded "$work/rest.jsonl" "${servers[@]}" || status=1

cat > "$work/bare.js" <<'JS'
const http = require('node:http')
const server = http.createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => res.writeHead(599).end())
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`))
JS
start "$work/bare.js"
out="$(python3 "$diff_py" compare --recorded "$work/parser.jsonl" --server "bare=127.0.0.1:$port" --show 0 || true)"
n="$(wc -l < "$work/parser.jsonl")"
if grep -qxF "bare: $n file requests, statuses {\"400\": $n}" <<<"$out"; then
  echo "express: $n more targets refused by Node's HTTP parser with 400 before any code runs (raw bytes >= 0x80, spaces, control bytes)"
elif [ "$n" -gt 0 ]; then
  echo "express: Node's parser did not refuse every raw-byte target: $(grep statuses <<<"$out")" >&2
  status=1
fi
exit "$status"
