#!/usr/bin/env bash
# The PHP suite, against real parts only:
#   1. builds the C library and installs it into php/native (capi/install.sh), where the class
#      finds it with no environment variable;
#   2. php/tests/run.php with the real php-cli and FFI (ffi.enable=true), with the nginx edge of
#      tests/nginx checking links signed here;
#   3. the README's composer steps in a fresh project (php/tests/composer.sh, offline);
#   4. the example app (examples/php, installed by composer) under php-fpm behind nginx with
#      Debian's stock php.ini plus the documented preload lines (php/tests/web/stack.sh), and
#      under php -S, driven by php/tests/web.py: sign, verify, 200/403/410/400/414, 8
#      concurrent clients on 4 workers, worker RSS over 5,000 requests;
#   5. a restricted FFI (no preload) gets the message naming the ini lines; ffi.preload of
#      the scoped header (bin/ffi-header.php) is used through FFI::scope;
#   6. the raw differential (tests/raw/differential.py): nginx's answers to raw request lines
#      replayed against the example app under php-fpm + nginx guarding the fixture tree, for
#      file tokens (5,000 requests) and IP-bound, directory and MP4 tokens.
# Ends with "php: N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tests/setup-system.sh

passed=0
failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
finish() {
  echo "php: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
fail_setup() {
  echo "php/test.sh: $*" >&2
  failed=$((failed + 1))
  finish
}
# Adds the counts of a sub-suite's "NAME: N passed, N failed" line (a missing line or a
# non-zero exit is one failure more).
count() {
  local name=$1 log=$2 rc=$3 line p f
  line="$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n1)"
  if [ -z "$line" ]; then
    fail "$name: no result line"
    return
  fi
  p=$(echo "$line" | sed -E 's/^[^:]+: ([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {
  local i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

php -r 'exit(extension_loaded("ffi") ? 0 : 1);' || fail_setup "php-cli has no FFI extension"
unset CDN_SECURE_TOKEN_LIB
bash capi/install.sh php/native >/dev/null || fail_setup "cannot build and install the C library"
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"

WORK="$(mktemp -d /tmp/st-php.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  bash php/tests/web/stack.sh stop "$WORK/stack" >/dev/null 2>&1
  bash php/tests/web/stack.sh stop "$WORK/diff-stack" >/dev/null 2>&1
  bash tests/nginx/edge.sh stop "$WORK/edge" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- 1. the class over the library, and links checked by the nginx edge ------------------
mkdir -p "$WORK/edge"
bash tests/nginx/edge.sh start "$WORK/edge" "$(free_port)" >/dev/null || fail_setup "cannot start the nginx edge"
EDGE_ENV="$WORK/edge/edge.env" php -d ffi.enable=true -d zend.assertions=1 php/tests/run.php \
  >"$WORK/run.log" 2>&1
rc=$?
cat "$WORK/run.log"
count php-tests "$WORK/run.log" $rc

if php -d ffi.enable=true php/bench.php 0.2 >"$WORK/bench.log" 2>&1; then
  pass "php/bench.php (class and vendor template agree)"
else
  cat "$WORK/bench.log"
  fail "php/bench.php"
fi

want="$(printf 'valid 200\nmismatch\nvalid\n2147483647/photo.jpeg ***')"
if [ "$(php php/tests/readme_usage.php 2>&1)" = "$want" ]; then
  pass "README usage example (php/tests/readme_usage.php)"
else
  php php/tests/readme_usage.php 2>&1 | head -n 20
  fail "README usage example (php/tests/readme_usage.php)"
fi

# --- 2. composer -------------------------------------------------------------------------
if [ "$(php -r 'echo json_decode(file_get_contents("php/composer.json"))->version;')" = "$VERSION" ]; then
  pass "composer.json version is the workspace version ($VERSION)"
else
  fail "composer.json version differs from the workspace version $VERSION"
fi
mkdir -p "$WORK/fresh"
if (cd "$WORK/fresh" && COMPOSER_HOME="$WORK/composer-home" bash "$ROOT/php/tests/composer.sh" "$ROOT/php") \
  >"$WORK/composer.log" 2>&1 \
  && [ "$(tail -n1 "$WORK/composer.log")" = "/photos/summer%20trip.jpeg?md5=I-GjXYjGSQJ8WAtrSejUFA&expires=2147483647" ]; then
  pass "README composer steps in a fresh project (path repository, offline, no stability setting)"
else
  cat "$WORK/composer.log"
  fail "README composer steps in a fresh project"
fi
# The example app, installed the same way (its composer.json names ../../php).
cp -r examples/php "$WORK/app"
rm -rf "$WORK/app/vendor" "$WORK/app/composer.lock"
sed -i "s|\"../../php\"|\"$ROOT/php\"|" "$WORK/app/composer.json"
(cd "$WORK/app" && COMPOSER_HOME="$WORK/composer-home" composer install --no-interaction -q) \
  || fail_setup "composer install of examples/php"

# --- 3. php-fpm behind nginx, stock php.ini + the preload lines ----------------------------
FILES="$WORK/files"
mkdir -p "$FILES/private"
echo hello >"$FILES/x.jpg"
echo secret >"$FILES/private/x.jpg"
chmod -R 755 "$FILES"
KEY="php-fpm-test-key-1"
bash php/tests/web/stack.sh start "$WORK/stack" "$WORK/app" "$FILES" "$KEY" >/dev/null \
  || fail_setup "cannot start php-fpm + nginx"
# shellcheck disable=SC1091
. "$WORK/stack/stack.env"
python3 php/tests/web.py --name fpm --mode fpm --app "127.0.0.1:$APP_PORT" \
  --sign "127.0.0.1:$HELPER_PORT" --fpm-pid "$FPM_PID" >"$WORK/fpm.log" 2>&1
rc=$?
cat "$WORK/fpm.log"
count fpm "$WORK/fpm.log" $rc
if [ -s "$WORK/stack/php-error.log" ] && grep -q 'PHP Fatal\|PHP Warning' "$WORK/stack/php-error.log"; then
  fail "php-fpm logged errors: $(head -n 5 "$WORK/stack/php-error.log")"
else
  pass "php-fpm logged no PHP errors or warnings"
fi
bash php/tests/web/stack.sh stop "$WORK/stack"

# --- 4. php -S, stock CLI php.ini + the same preload lines -----------------------------------
SCAN="$(php -r 'echo PHP_CONFIG_FILE_SCAN_DIR;'):$WORK/stack/conf.d"
APP_P="$(free_port)"
SIGN_P="$(free_port)"
(
  cd "$WORK/app"
  export CDN_SECURE_TOKEN_KEY="$KEY" FILES_ROOT="$FILES"
  PHP_INI_SCAN_DIR="$SCAN" exec php -S "127.0.0.1:$APP_P" public/index.php
) >"$WORK/php-s.log" 2>&1 &
PIDS+=($!)
(cd php/tests/web && CDN_SECURE_TOKEN_KEY="$KEY" PHP_INI_SCAN_DIR="$SCAN" \
  exec php -S "127.0.0.1:$SIGN_P" sign.php) >"$WORK/php-s-sign.log" 2>&1 &
PIDS+=($!)
if wait_port "$APP_P" && wait_port "$SIGN_P"; then
  python3 php/tests/web.py --name php-s --mode cli-server --app "127.0.0.1:$APP_P" \
    --sign "127.0.0.1:$SIGN_P" >"$WORK/php-s-test.log" 2>&1
  rc=$?
  cat "$WORK/php-s-test.log"
  count php-s "$WORK/php-s-test.log" $rc
else
  cat "$WORK/php-s.log"
  fail "php -S did not start"
fi

# --- 5. a restricted FFI says what to set; ffi.preload's scope is used ---------------------
P="$(free_port)"
(cd php/tests/web && CDN_SECURE_TOKEN_KEY="$KEY" exec php -S "127.0.0.1:$P" sign.php) \
  >"$WORK/restricted.log" 2>&1 &
PIDS+=($!)
wait_port "$P"
# The uncaught LibraryException is a 500; its message is in the server's error log.
status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/?path=/x.jpg")"
sleep 0.2
if [ "$status" = 500 ] \
  && grep -q "LibraryException: PHP FFI is restricted by ffi.enable=preload under the cli-server SAPI" "$WORK/restricted.log" \
  && grep -q "opcache.preload=$ROOT/php/preload.php and opcache.preload_user=" "$WORK/restricted.log"; then
  pass "php -S without preload: the error names the ini lines"
else
  echo "status $status"; head -n 20 "$WORK/restricted.log"
  fail "php -S without preload: the error names the ini lines"
fi
P="$(free_port)"
(cd php/tests/web && CDN_SECURE_TOKEN_KEY="$KEY" exec php -d ffi.enable=true -S "127.0.0.1:$P" sign.php) \
  >"$WORK/ffi-true.log" 2>&1 &
PIDS+=($!)
wait_port "$P"
body="$(curl -s "http://127.0.0.1:$P/?path=/x.jpg&expires=2147483647")"
if grep -q '"url":"/x.jpg?md5=' <<<"$body" && grep -q '"ffi":"1"' <<<"$body"; then
  pass "php -S with ffi.enable=true and no preloading signs"
else
  echo "$body" | head -n 20
  fail "php -S with ffi.enable=true and no preloading"
fi
php php/bin/ffi-header.php "$ROOT/php/native/lib/libcdn_secure_token.so" >"$WORK/cdn_secure_token.h"
P="$(free_port)"
# With a library path that does not exist: only the preloaded scope can give the functions.
(cd php/tests/web && CDN_SECURE_TOKEN_KEY="$KEY" CDN_SECURE_TOKEN_LIB=/nonexistent/lib.so \
  PHP_INI_SCAN_DIR="$SCAN" exec php -d "ffi.preload=$WORK/cdn_secure_token.h" -S "127.0.0.1:$P" sign.php) \
  >"$WORK/scope.log" 2>&1 &
PIDS+=($!)
wait_port "$P"
body="$(curl -s "http://127.0.0.1:$P/?path=/x.jpg&expires=2147483647")"
if grep -q '"url":"/x.jpg?md5=' <<<"$body"; then
  pass "ffi.preload of bin/ffi-header.php's header: the class uses FFI::scope('cdn_secure_token')"
else
  echo "$body" | head -n 20
  fail "ffi.preload scope"
fi

# --- 6. the raw differential: nginx's answers vs the example app under php-fpm + nginx -----
if [ -f tests/raw/differential.py ]; then
  python3 tests/raw/differential.py fixture "$WORK/fixture" >"$WORK/fixture.key"
  chmod -R 755 "$WORK/fixture"
  DIFF_KEY="$(tail -n1 "$WORK/fixture.key")"
  python3 tests/raw/differential.py record --out "$WORK/recorded.jsonl" --count "${RAWDIFF_COUNT:-6000}" \
    >"$WORK/record.log" 2>&1 || { cat "$WORK/record.log"; fail_setup "differential record"; }
  bash php/tests/web/stack.sh start "$WORK/diff-stack" "$WORK/app" "$WORK/fixture" "$DIFF_KEY" >/dev/null \
    || fail_setup "cannot start php-fpm + nginx on the fixture tree"
  # shellcheck disable=SC1091
  . "$WORK/diff-stack/stack.env"
  python3 tests/raw/differential.py compare --recorded "$WORK/recorded.jsonl" \
    --server "php-fpm=127.0.0.1:$APP_PORT" --server "php-fpm-ip=127.0.0.1:$IP_PORT,ip" \
    --server "php-fpm-dir=127.0.0.1:$DIR_PORT,dir" --server "php-fpm-mp4=127.0.0.1:$MP4_PORT,mp4" \
    >"$WORK/diff.log" 2>&1
  rc=$?
  tail -n 40 "$WORK/diff.log"
  for name in php-fpm php-fpm-ip php-fpm-dir php-fpm-mp4; do
    count "$name" "$WORK/diff.log" $rc
    rc=0  # a non-zero exit is counted once
  done
else
  fail "tests/raw/differential.py is missing"
fi

finish
