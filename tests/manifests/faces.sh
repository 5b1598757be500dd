#!/usr/bin/env bash
# Same results in every face: the ffmpeg-made manifests of generate.sh (and the LL-HLS
# fixture), signed with a fixed expiry by the CLI, the C library (capi/tests/sign_manifest.c),
# PHP (FFI), Python and Node, in several modes (file tokens, directory token with outside
# keep and error, an IP binding, other hosts); every face's output must equal the CLI's byte
# for byte, and a refusal must be a refusal in every face, naming the same manifest line.
# Needs the Python wheel in $ROOT/.venv and the Node addon built (python/test.sh and
# node/test.sh do that; tests/run-all.sh runs them first): a missing face is a failure.
# Ends with "manifest-faces: N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/manifests"
cd "$ROOT"
passed=0
failed=0
ok() { passed=$((passed + 1)); }
not_ok() { failed=$((failed + 1)); echo "FAIL - $*"; }
finish() { echo "manifest-faces: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
command -v ffmpeg >/dev/null 2>&1 && command -v php >/dev/null 2>&1 || bash tests/setup-system.sh >/dev/null
WORK="$(mktemp -d /tmp/manifest-faces.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

cargo build -q -p cdn-secure-token-cli -p cdn-secure-token-capi || { not_ok "cargo build"; finish; }
CLI="$ROOT/target/debug/cdn-secure-token"
gcc -std=c99 -Wall -Wextra -Werror -Iinclude capi/tests/sign_manifest.c -o "$WORK/sign_manifest" \
  target/debug/libcdn_secure_token.a -lpthread -ldl -lm || { not_ok "build sign_manifest.c"; finish; }
PY="$ROOT/.venv/bin/python"
"$PY" -c 'import cdn_secure_token' 2>/dev/null || { not_ok "no cdn_secure_token in $ROOT/.venv (run python/test.sh)"; finish; }
node -e "require('$ROOT/node')" 2>/dev/null || { not_ok "the Node addon is not built (run node/test.sh)"; finish; }
export CDN_SECURE_TOKEN_KEY=faces-key-1 CDN_SECURE_TOKEN_LIB="$ROOT/target/debug/libcdn_secure_token.so"
bash "$HERE/generate.sh" "$WORK/m" || { not_ok "generate.sh (ffmpeg)"; finish; }

EXPIRES=2147483647
# One face's result: its output, or "refused at manifest line N" (from the core's message).
result() {
  local out="$1" err="$2" rc="$3"
  if [ "$rc" -eq 0 ]; then cat "$out"; else
    echo "refused (exit $rc) at $(grep -o 'manifest line [0-9]*' "$err" | head -n1)"
  fi
}
n=0
refused=0
while IFS= read -r -d '' file; do
  rel="${file#"$WORK/m/"}"
  url="https://cdn.example.com/media/$rel"
  for mode in "file error 0 -" "directory keep 0 -" "directory error 0 -" "file error 0 203.0.113.7" \
    "file error 1 -"; do
    read -r kind outside others ip <<<"$mode"
    flags=()
    [ "$kind" = directory ] && flags+=(--dir --outside "$outside")
    [ "$others" = 1 ] && flags+=(--other-hosts)
    [ "$ip" != - ] && flags+=(--ip "$ip")
    d="$WORK/out/$n"
    mkdir -p "$d"
    n=$((n + 1))
    "$CLI" sign-manifest "$file" --url "$url" --expires "$EXPIRES" "${flags[@]}" >"$d/cli.out" 2>"$d/cli.err"
    result "$d/cli.out" "$d/cli.err" $? >"$d/cli"
    args=("$url" "$EXPIRES" "$kind" "$outside" "$others" "$ip")
    "$WORK/sign_manifest" "${args[@]:0:5}" $([ "$ip" != - ] && echo "$ip") <"$file" >"$d/c.out" 2>"$d/c.err"
    result "$d/c.out" "$d/c.err" $? >"$d/c"
    php -d ffi.enable=1 "$HERE/faces/sign.php" "${args[@]}" <"$file" >"$d/php.out" 2>"$d/php.err"
    result "$d/php.out" "$d/php.err" $? >"$d/php"
    "$PY" "$HERE/faces/sign.py" "${args[@]}" <"$file" >"$d/python.out" 2>"$d/python.err"
    result "$d/python.out" "$d/python.err" $? >"$d/python"
    node "$HERE/faces/sign.js" "${args[@]}" <"$file" >"$d/node.out" 2>"$d/node.err"
    result "$d/node.out" "$d/node.err" $? >"$d/node"
    if [ "$(head -c 7 "$d/cli")" = refused ]; then
      refused=$((refused + 1))
    elif ! grep -q 'md5=' "$d/cli"; then
      not_ok "$rel ($mode): the CLI signed nothing"
    fi
    for face in c php python node; do
      if cmp -s "$d/cli" "$d/$face"; then ok; else
        not_ok "$rel ($mode): $face differs from the CLI"
        diff "$d/cli" "$d/$face" | head -n 6
        head -n 3 "$d/$face.err"
      fi
    done
  done
done < <(find "$WORK/m" \( -name '*.m3u8' -o -name '*.mpd' \) -print0 | sort -z)
[ "$n" -ge 40 ] && ok || not_ok "only $n manifest/mode cases ran"
echo "$n manifest/mode cases ($refused refused, the rest signed), each by the CLI, C, PHP, Python and Node"
finish
