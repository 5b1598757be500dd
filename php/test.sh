#!/usr/bin/env bash
# The PHP suite: builds and stages the C library (capi/install.sh), starts the nginx edge of
# tests/nginx on port 18380, and runs php/tests/run.php with the real php-cli and FFI.
# Ends with "php: N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tests/setup-system.sh

fail_setup() {
  echo "php/test.sh: $*" >&2
  echo "php: 0 passed, 1 failed"
  exit 1
}

php -r 'exit(extension_loaded("ffi") ? 0 : 1);' || fail_setup "php-cli has no FFI extension"
STAGE="$ROOT/target/stage-php"
bash capi/install.sh "$STAGE" >/dev/null || fail_setup "cannot build and install the C library"
export CDN_SECURE_TOKEN_LIB="$STAGE/lib/libcdn_secure_token.so"

EDGE_DIR="$(mktemp -d /tmp/st-php-edge.XXXXXX)"
cleanup() { bash tests/nginx/edge.sh stop "$EDGE_DIR" >/dev/null 2>&1; rm -rf "$EDGE_DIR"; }
trap cleanup EXIT
bash tests/nginx/edge.sh start "$EDGE_DIR" 18380 >/dev/null || fail_setup "cannot start the nginx edge"
export EDGE_ENV="$EDGE_DIR/edge.env"

# ffi.enable=true: FFI::cdef at run time (the CLI default "preload" allows it too).
log="$EDGE_DIR/run.log"
php -d ffi.enable=true -d zend.assertions=1 php/tests/run.php 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
line="$(grep -E '^php-tests: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)"
passed=0
failed=0
if [ -n "$line" ]; then
  passed=$(echo "$line" | sed -E 's/^php-tests: ([0-9]+) passed.*/\1/')
  failed=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
fi
[ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=$((failed + 1))

# The benchmark, briefly: it first checks that the class and the vendor template agree.
if php -d ffi.enable=true php/bench.php 0.2; then
  passed=$((passed + 1))
else
  echo "FAIL - php/bench.php"
  failed=$((failed + 1))
fi
echo "php: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
