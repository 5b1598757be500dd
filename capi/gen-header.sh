#!/usr/bin/env bash
# Generates include/cdn_secure_token.h and php/resources/cdn_secure_token.h with the pinned cbindgen.
#   capi/gen-header.sh            write both headers
#   capi/gen-header.sh --check    regenerate into a temporary directory and fail on any drift
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CBINDGEN_VERSION=0.29.4
TOOLS="$ROOT/target/tools"
CBINDGEN="$TOOLS/bin/cbindgen"
if ! { [ -x "$CBINDGEN" ] && [ "$("$CBINDGEN" --version)" = "cbindgen $CBINDGEN_VERSION" ]; }; then
  echo "gen-header: installing cbindgen $CBINDGEN_VERSION into $TOOLS" >&2
  cargo install --quiet cbindgen --version "$CBINDGEN_VERSION" --locked --root "$TOOLS" >&2
fi
check=0
[ "${1:-}" = "--check" ] && check=1
out_dir="$ROOT"
if [ $check = 1 ]; then
  out_dir="$(mktemp -d)"
  trap 'rm -rf "$out_dir"' EXIT
  mkdir -p "$out_dir/include" "$out_dir/php/resources"
fi
cd "$ROOT"
"$CBINDGEN" --quiet --config capi/cbindgen.toml --output "$out_dir/include/cdn_secure_token.h" capi
"$CBINDGEN" --quiet --config capi/cbindgen-php.toml --output "$out_dir/php/resources/cdn_secure_token.h" capi
if [ $check = 1 ]; then
  status=0
  for f in include/cdn_secure_token.h php/resources/cdn_secure_token.h; do
    if ! diff -u "$ROOT/$f" "$out_dir/$f"; then
      echo "gen-header: $f is out of date: run capi/gen-header.sh and commit it" >&2
      status=1
    fi
  done
  exit $status
fi
