#!/usr/bin/env bash
# The manifest suite: real manifests made by ffmpeg, signed by the CLI in every token mode,
# checked by independent parsers and by the real nginx edge. Ends with
# `manifest: N passed, N failed`. Usage: tests/manifests/test.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/manifests"
cd "$ROOT"
command -v ffmpeg >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1 || bash tests/setup-system.sh
VENV="$ROOT/target/manifest-venv"
if ! "$VENV/bin/python" -c 'import m3u8, mpegdash' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q m3u8 mpegdash
fi
cargo build -q -p cdn-secure-token-cli
CLI="$ROOT/target/debug/cdn-secure-token"
WORK="$(mktemp -d /tmp/manifest-suite.XXXXXX)"
cleanup() { bash tests/nginx/edge.sh stop "$WORK/edge" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/edge"
bash tests/nginx/edge.sh start "$WORK/edge" >/dev/null
# shellcheck disable=SC1091
. "$WORK/edge/edge.env"
bash "$HERE/generate.sh" "$WORK/fixtures"
CDN_SECURE_TOKEN_KEY="$EDGE_KEY" "$VENV/bin/python" "$HERE/check.py" \
  --cli "$CLI" --edge "$EDGE_URL" --fixtures "$WORK/fixtures"
