#!/usr/bin/env bash
# The C suite: header drift, release build + staged install (header, .so, .a, .pc), the C
# test program against the installed header and library (plain, ASan/UBSan, valgrind), and
# the example built with pkg-config (shared and static). Ends with "c: N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tests/setup-system.sh

STAGE="$ROOT/target/stage"
BUILD="$ROOT/target/capi-test"
CFLAGS_STRICT=(-std=c99 -Wall -Wextra -Werror -g -O1)
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "FAIL - $1"; }
step() {
  local name="$1"
  shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# Runs a C test binary and adds the counts of its "NAME: N passed, N failed" line; a crash,
# a sanitizer report or a valgrind error (non-zero exit) is one more failure.
run_counted() {
  local name="$1"
  shift
  local log="$BUILD/$name.log"
  "$@" "$name" >"$log" 2>&1
  local rc=$?
  cat "$log"
  local line
  line="$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n1)"
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
  fi
  if [ $rc -ne 0 ] && { [ -z "$line" ] || echo "$line" | grep -q ' 0 failed'; }; then
    not_ok "$name exited with status $rc"
  fi
}
finish() {
  echo "c: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

rm -rf "$BUILD" "$STAGE"
mkdir -p "$BUILD"

step "include/cdn_secure_token.h and php/resources/cdn_secure_token.h match cbindgen output" \
  bash capi/gen-header.sh --check
if ! bash capi/install.sh "$STAGE"; then
  not_ok "release build and install into $STAGE"
  finish
fi
ok "release build and install into $STAGE"
export PKG_CONFIG_PATH="$STAGE/lib/pkgconfig"
version="$(grep -m1 '^version' Cargo.toml | sed -E 's/.*"(.*)".*/\1/')"
step "pkg-config reports the workspace version $version" \
  test "$(pkg-config --modversion cdn_secure_token)" = "$version"
step "exported symbols all start with st_" \
  bash -c "! nm -D --defined-only '$STAGE/lib/libcdn_secure_token.so' | awk '\$2 == \"T\" {print \$3}' | grep -v '^st_'"

printf '#include <cdn_secure_token.h>\nint main(void) { return st_version() == 0; }\n' >"$BUILD/header_only.c"
# shellcheck disable=SC2086
step "the installed header is self-contained C99 (-pedantic)" \
  gcc -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only $(pkg-config --cflags cdn_secure_token) "$BUILD/header_only.c"
if command -v g++ >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  step "the installed header compiles as C++ (cpp_compat)" \
    g++ -x c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only $(pkg-config --cflags cdn_secure_token) "$BUILD/header_only.c"
else
  echo "note: g++ not installed; the C++ compile check of the header did not run"
fi

if ! python3 capi/tests/gen_vectors.py tests/vectors "$BUILD/vectors.h"; then
  not_ok "generate the C vectors include"
  finish
fi
CFLAGS_PC=$(pkg-config --cflags cdn_secure_token)
LIBS_PC=$(pkg-config --libs cdn_secure_token)
LIBDIR=$(pkg-config --variable=libdir cdn_secure_token)

# shellcheck disable=SC2086
if gcc "${CFLAGS_STRICT[@]}" $CFLAGS_PC -I"$BUILD" capi/tests/test_capi.c -o "$BUILD/test_capi" \
  $LIBS_PC -Wl,-rpath,"$LIBDIR" -pthread; then
  ok "test_capi.c compiles with -std=c99 -Wall -Wextra -Werror"
  run_counted c-plain "$BUILD/test_capi"
  run_counted c-valgrind valgrind -q --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    "$BUILD/test_capi"
else
  not_ok "test_capi.c compiles with -std=c99 -Wall -Wextra -Werror"
fi

# shellcheck disable=SC2086
if gcc "${CFLAGS_STRICT[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer $CFLAGS_PC -I"$BUILD" capi/tests/test_capi.c -o "$BUILD/test_capi_asan" \
  $LIBS_PC -Wl,-rpath,"$LIBDIR" -pthread; then
  ok "test_capi.c compiles with -fsanitize=address,undefined"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_counted c-asan "$BUILD/test_capi_asan"
else
  not_ok "test_capi.c compiles with -fsanitize=address,undefined"
fi

# The example, built the way its comment says, against the shared and the static library.
want="http://cdn.example.com/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647"
# shellcheck disable=SC2086
step "examples/c/sign.c builds with pkg-config (shared library)" \
  gcc "${CFLAGS_STRICT[@]}" examples/c/sign.c $CFLAGS_PC $LIBS_PC -Wl,-rpath,"$LIBDIR" \
  -o "$BUILD/sign"
step "examples/c/sign prints the documented example URL" \
  test "$("$BUILD/sign" secret-key http://cdn.example.com/photo.jpeg 2147483647 2>/dev/null)" = "$want"
# shellcheck disable=SC2086
step "examples/c/sign.c links against libcdn_secure_token.a (pkg-config --static)" \
  gcc "${CFLAGS_STRICT[@]}" examples/c/sign.c $CFLAGS_PC "$LIBDIR/libcdn_secure_token.a" \
  $(pkg-config --static --libs-only-l cdn_secure_token | sed 's/-lcdn_secure_token//') -o "$BUILD/sign_static"
step "the static example runs without the shared library" \
  bash -c "! ldd '$BUILD/sign_static' | grep -q cdn_secure_token && \
    test \"\$('$BUILD/sign_static' secret-key http://cdn.example.com/photo.jpeg 2147483647 2>/dev/null)\" = '$want'"
step "examples/c/sign reports a bad key by status" \
  bash -c "'$BUILD/sign' short /a.jpg 2>&1 >/dev/null | grep -q 'INVALID_KEY'"

finish
