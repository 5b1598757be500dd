#!/usr/bin/env bash
# Every language's figures side by side: ns per signed link for the reference implementation
# of that language and for cdn-secure-token (one link at a time, and the batch call), with ratios.
# Needs the faces built: run tests/run-all.sh (or the face's test.sh) once first.
# Usage: bench/run.sh            (100,000 links per case; best of several rounds)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT

echo "== Rust (core)"
cargo run --release -q -p cdn-secure-token --example bench_table | tee -a "$OUT"

echo "== MD5 backends of the md-5 crate on this CPU (ns per string-to-sign)"
(cd bench/md5-backends && CARGO_TARGET_DIR="$ROOT/target/md5-backends" cargo run --release -q) | tee -a "$OUT"

echo "== C (libcdn_secure_token.a vs OpenSSL EVP MD5 + base64url + snprintf)"
cargo build --release -q -p cdn-secure-token-capi
dpkg -s libssl-dev >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev >/dev/null
gcc -O2 -std=c99 -Wall -Wextra -o target/c_bench bench/c_bench.c -Iinclude \
  -Ltarget/release -l:libcdn_secure_token.a -lcrypto -lpthread -ldl -lm
target/c_bench | tee -a "$OUT"

echo "== Python"
# BENCH_BEFORE_PY=WHEEL (an earlier build's wheel, e.g. main's) adds its figures in "before:"
# rows and columns of the same run.
.venv/bin/python python/bench/bench.py --n 100000 --repeat 5 \
  ${BENCH_BEFORE_PY:+--before "$BENCH_BEFORE_PY"} | tee "$OUT.py"
awk '/^vendor snippet/ {print "python reference", $(NF-2)}
     /^optimized pure Python/ {print "python optimized", $(NF-2)}
     /sign_url \(one by one\)/ {print "python sign_url", $(NF-2)}
     /sign_many/ {print "python sign_many", $(NF-2)}' "$OUT.py" >> "$OUT"

echo "== Node"
# BENCH_BEFORE=DIR (a copy of an earlier build of node/: main.js, index.js, the .node file)
# adds its figures in "before:" rows of the same run.
node node/bench/bench.js 100000 | tee "$OUT.node"
awk '/createHash/ {for (i=1;i<=NF;i++) if ($i ~ /^[0-9.]+$/) {print "node reference", $i; break}}
     /signUrl/ {for (i=1;i<=NF;i++) if ($i ~ /^[0-9.]+$/) {print "node sign_url", $i; break}}
     /signMany\(/ && !/Async/ {for (i=1;i<=NF;i++) if ($i ~ /^[0-9.]+$/) {print "node sign_many", $i; break}}' "$OUT.node" >> "$OUT"

echo "== Manifests: a 1,000-segment HLS media playlist (core/benches/manifest.rs's), per-line reference vs sign_manifest"
.venv/bin/python python/bench/manifest.py | tee "$OUT.mpy"
node node/bench/manifest.js | tee "$OUT.mnode"
MANIFEST_PY="$(awk '/^ratio/ {print $2}' "$OUT.mpy")"
MANIFEST_NODE="$(awk '/^ratio/ {print $2}' "$OUT.mnode")"
rm -f "$OUT.mpy" "$OUT.mnode"

echo "== PHP"
CDN_SECURE_TOKEN_LIB="$ROOT/target/release/libcdn_secure_token.so" php php/bench.php 2 | tee "$OUT.php"
awk '/^single URL / && !/IP/ {print "php reference", $(NF-2); print "php sign_url", $(NF-1)}
     /^batch/ {print "php reference_batch", $(NF-2); print "php sign_many", $(NF-1)}' "$OUT.php" >> "$OUT"
rm -f "$OUT.py" "$OUT.node" "$OUT.php"

echo
echo "== ns per link (lower is better); ratio = reference / cdn-secure-token"
printf '%-8s %14s %14s %8s %14s %8s\n' language reference sign_url ratio batch ratio
for lang in rust c python node php; do
  ref=$(awk -v l="$lang" '$1==l && ($2=="reference" || $2=="raw_md5" || $2=="reference_openssl") {print $3; exit}' "$OUT")
  one=$(awk -v l="$lang" '$1==l && $2=="sign_url" {print $3; exit}' "$OUT")
  many=$(awk -v l="$lang" '$1==l && $2=="sign_many" {print $3; exit}' "$OUT")
  # The batch's own reference time where the language's bench has one (PHP times the template
  # again for the batch case), else the single-link one.
  refb=$(awk -v l="$lang" '$1==l && $2=="reference_batch" {print $3; exit}' "$OUT")
  [ -n "$refb" ] || refb="$ref"
  [ -n "$ref" ] && [ -n "$one" ] && [ -n "$many" ] || { echo "$lang: figures missing"; continue; }
  awk -v l="$lang" -v r="$ref" -v rb="$refb" -v o="$one" -v m="$many" \
    'BEGIN { printf "%-8s %14.1f %14.1f %7.2fx %14.1f %7.2fx\n", l, r, o, r/o, m, rb/m }'
done
echo "(php batch = 1,000 URLs per call, against the template timed on that batch; the PHP"
echo " section above also has 10,000)"
echo "manifest (1,000 segments): python m3u8 + vendor snippet / sign_manifest = $MANIFEST_PY,"
echo "  node regex + createHash / signManifest = $MANIFEST_NODE (goal: 10x)"
echo "(rust reference = raw MD5 of the same string-to-sign: the floor, so its ratios are below 1)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), MD5 backend $(awk '$1=="rust" && $2=="backend" {print $3}' "$OUT")"
