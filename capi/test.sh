#!/usr/bin/env bash
# The C suite: header drift; release build + staged install; the C test program against the
# installed header and library (plain, ASan/UBSan, valgrind); the release tarball
# (capi/package.sh) unpacked into a temporary prefix, and examples/c built from it with
# pkg-config (shared, static, fully static) and with CMake (shared, static), run without
# LD_LIBRARY_PATH; DESTDIR install and uninstall; the example server verify_server against
# hostile raw requests and against the raw differential harness (a real nginx's recorded
# answers). Ends with "c: N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tests/setup-system.sh
unset LD_LIBRARY_PATH

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
# Runs a command that prints "NAME: N passed, N failed" and adds its counts; a crash, a
# sanitizer report or a valgrind error (non-zero exit) is one more failure.
run_counted() {
  local name="$1"
  shift
  local log="$BUILD/$name.log"
  "$@" >"$log" 2>&1
  local rc=$?
  tail -n 40 "$log"
  local line
  line="$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n1)"
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
  else
    not_ok "$name printed no result line"
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
version="$(grep -m1 '^version' Cargo.toml | sed -E 's/.*"(.*)".*/\1/')"
major="${version%%.*}"
LIB="$STAGE/lib/libcdn_secure_token.so.$version"
step "the shared library's SONAME is libcdn_secure_token.so.$major" \
  bash -c "readelf -d '$LIB' | grep -q 'Library soname: \[libcdn_secure_token.so.$major\]'"
step "installed as .so.$version with the links .so.$major -> .so.$version and .so -> .so.$major" \
  test "$(readlink "$STAGE/lib/libcdn_secure_token.so.$major")" = "libcdn_secure_token.so.$version" \
  -a "$(readlink "$STAGE/lib/libcdn_secure_token.so")" = "libcdn_secure_token.so.$major"
export PKG_CONFIG_PATH="$STAGE/lib/pkgconfig"
step "pkg-config reports the workspace version $version" \
  test "$(pkg-config --modversion cdn_secure_token)" = "$version"
step "exported symbols all start with st_" \
  bash -c "! nm -D --defined-only '$LIB' | awk '\$2 == \"T\" {print \$3}' | grep -v '^st_'"
step "Libs.private has the static unwinder gcc_eh and not gcc_s (cc -static)" \
  bash -c "pkg-config --static --libs cdn_secure_token | grep -q -- -lgcc_eh && ! pkg-config --static --libs cdn_secure_token | grep -q -- -lgcc_s"

# PHP's FFI parser reads php/resources/cdn_secure_token.h (no macros in array sizes, a PHP
# string passes as the target) and gets the verdict of a // target.
cat >"$BUILD/ffi.php" <<'PHP'
<?php
$f = FFI::cdef(file_get_contents($argv[1]), $argv[2]);
$s = $f->new("st_signer*");
if ($f->st_signer_new("secret-key", 10, FFI::addr($s)) !== 0) exit(1);
$v = $f->new("st_verdict");
$t = "//private/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647";
if ($f->st_signer_verify_request($s, $t, strlen($t), null, FFI::addr($v)) !== 0) exit(1);
echo $v->http_status, " ", FFI::string($v->reason), " ", FFI::string($v->message) === "" ? "" : "text", "\n";
$f->st_signer_free($s);
PHP
step "PHP FFI loads php/resources/cdn_secure_token.h and reads st_signer_verify_request's verdict" \
  test "$(php -d ffi.enable=1 "$BUILD/ffi.php" php/resources/cdn_secure_token.h "$LIB" 2>&1)" = "403 mismatch text"
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
  run_counted c-plain "$BUILD/test_capi" c-plain
  run_counted c-valgrind valgrind -q --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    "$BUILD/test_capi" c-valgrind
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
    run_counted c-asan "$BUILD/test_capi_asan" c-asan
else
  not_ok "test_capi.c compiles with -fsanitize=address,undefined"
fi

# st_signer_sign_manifest against the CLI, byte for byte: the LL-HLS fixture of the manifest
# suite (EXT-X-MAP, PART, PRELOAD-HINT, RENDITION-REPORT) with file tokens, directory tokens
# and an IP binding, signed by capi/tests/sign_manifest.c and by `cdn-secure-token sign-manifest`.
# shellcheck disable=SC2086
if gcc "${CFLAGS_STRICT[@]}" $CFLAGS_PC capi/tests/sign_manifest.c -o "$BUILD/sign_manifest" \
  $LIBS_PC -Wl,-rpath,"$LIBDIR" && cargo build -q -p cdn-secure-token-cli; then
  ok "capi/tests/sign_manifest.c and the CLI build"
  murl=https://cdn.example.com/live/index.m3u8
  for mode in "file error 0 -" "directory keep 0 -" "file error 0 203.0.113.7"; do
    read -r kind outside others ip <<<"$mode"
    cargs=("$kind" "$outside" "$others")
    largs=()
    [ "$kind" = directory ] && largs+=(--dir --outside "$outside")
    [ "$ip" != - ] && cargs+=("$ip") && largs+=(--ip "$ip")
    step "sign_manifest ($mode) matches cdn-secure-token sign-manifest byte for byte" bash -c '
      CDN_SECURE_TOKEN_KEY=secret-key "$1" "$2" 2147483647 "${@:5:$3}" <tests/manifests/fixtures/ll-hls.m3u8 >"$4.c" &&
      CDN_SECURE_TOKEN_KEY=secret-key target/debug/cdn-secure-token sign-manifest --url "$2" --expires 2147483647 \
        "${@:$((5 + $3))}" tests/manifests/fixtures/ll-hls.m3u8 >"$4.cli" &&
      grep -q "md5=" "$4.c" && cmp "$4.c" "$4.cli"' _ "$BUILD/sign_manifest" "$murl" "${#cargs[@]}" \
      "$BUILD/manifest-$kind-$ip" "${cargs[@]}" "${largs[@]}"
  done
  step "sign_manifest reports the failing line (4) of a bad playlist and writes nothing" bash -c '
    out="$(printf "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na%%zz.ts\n" |
      CDN_SECURE_TOKEN_KEY=secret-key "$1" https://cdn.example.com/v/i.m3u8 2147483647 2>"$2")"
    test $? = 3 && test -z "$out" && grep -q "^line 4: INVALID_PATH: manifest line 4" "$2"' _ \
    "$BUILD/sign_manifest" "$BUILD/manifest-bad.err"
else
  not_ok "capi/tests/sign_manifest.c and the CLI build"
fi

# DESTDIR staging for a package, then uninstall: nothing of ours is left.
DEST="$BUILD/destdir"
step "DESTDIR=... capi/install.sh /usr/local stages under DESTDIR, naming /usr/local inside" \
  bash -c "DESTDIR='$DEST' bash capi/install.sh --no-build /usr/local >/dev/null &&
    test -f '$DEST/usr/local/lib/libcdn_secure_token.so.$version' &&
    grep -qx 'prefix=/usr/local' '$DEST/usr/local/lib/pkgconfig/cdn_secure_token.pc' &&
    test ! -e /usr/local/lib/libcdn_secure_token.so.$version"
step "capi/install.sh --uninstall removes every file it installed" \
  bash -c "DESTDIR='$DEST' bash capi/install.sh --uninstall /usr/local >/dev/null &&
    test -z \"\$(find '$DEST' -type f -o -type l)\""

# The release tarball, unpacked into a temporary prefix: everything below uses only it.
DIST="$BUILD/dist"
if tarball="$(CAPI_NO_BUILD=1 bash capi/package.sh "$DIST")" && [ -f "$tarball" ]; then
  ok "capi/package.sh builds $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
else
  not_ok "capi/package.sh builds the release tarball"
  finish
fi
PFX_PARENT="$(mktemp -d)"
trap 'rm -rf "$PFX_PARENT"; [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null' EXIT
tar -C "$PFX_PARENT" -xzf "$tarball"
PFX="$PFX_PARENT/$(basename "$tarball" .tar.gz)"
want_files=(include/cdn_secure_token.h "lib/libcdn_secure_token.so.$version" "lib/libcdn_secure_token.so.$major"
  lib/libcdn_secure_token.so lib/libcdn_secure_token.a lib/pkgconfig/cdn_secure_token.pc
  lib/pkgconfig/cdn_secure_token-static.pc lib/cmake/cdn_secure_token/cdn_secure_tokenConfig.cmake
  lib/cmake/cdn_secure_token/cdn_secure_tokenConfigVersion.cmake README.md LICENSE-MIT LICENSE-APACHE)
missing=""
for f in "${want_files[@]}"; do [ -e "$PFX/$f" ] || missing="$missing $f"; done
step "the tarball holds the header, .so + links, .a, .pc files, CMake files, README and licenses" \
  test -z "$missing"
[ -z "$missing" ] || echo "  missing:$missing"

export PKG_CONFIG_PATH="$PFX/lib/pkgconfig"
step "pkg-config finds the unpacked tarball (relocatable .pc) at version $version" \
  bash -c "test \"\$(pkg-config --modversion cdn_secure_token)\" = '$version' &&
    pkg-config --cflags cdn_secure_token | grep -q -- '-I$PFX/lib/pkgconfig/../../include'"
E="$BUILD/examples"
mkdir -p "$E"
want="http://cdn.example.com/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647"
runs_sign() { test "$("$1" secret-key http://cdn.example.com/photo.jpeg 2147483647 2>/dev/null)" = "$want"; }
# The builds exactly as capi/README.md gives them.
# shellcheck disable=SC2046
step "shared: cc examples/c/sign.c \$(pkg-config --cflags --libs cdn_secure_token) -Wl,-rpath,..." \
  cc -std=c99 -Wall -Werror examples/c/sign.c $(pkg-config --cflags --libs cdn_secure_token) \
  -Wl,-rpath,"$(pkg-config --variable=libdir cdn_secure_token)" -o "$E/sign"
step "shared: NEEDED libcdn_secure_token.so.$major and RUNPATH the tarball's lib" \
  bash -c "readelf -d '$E/sign' | grep -q 'NEEDED.*\[libcdn_secure_token.so.$major\]' &&
    readelf -d '$E/sign' | grep -q 'RUNPATH.*$PFX/lib'"
step "shared: sign runs without LD_LIBRARY_PATH and prints the documented URL" runs_sign "$E/sign"
# shellcheck disable=SC2046
step "static: cc examples/c/sign.c \$(pkg-config --cflags --libs cdn_secure_token-static)" \
  cc -std=c99 -Wall -Werror examples/c/sign.c $(pkg-config --cflags --libs cdn_secure_token-static) \
  -o "$E/sign-static"
step "static: no libcdn_secure_token in ldd, runs, prints the documented URL" \
  bash -c "! ldd '$E/sign-static' | grep -q cdn_secure_token && ! ldd '$E/sign-static' | grep -q libgcc_s" &&
  runs_sign "$E/sign-static"
# shellcheck disable=SC2046
step "fully static: cc -static examples/c/sign.c \$(pkg-config --static --cflags --libs cdn_secure_token)" \
  cc -static -std=c99 -Wall -Werror examples/c/sign.c \
  $(pkg-config --static --cflags --libs cdn_secure_token) -o "$E/sign-full-static"
step "fully static: not a dynamic executable, runs, prints the documented URL" \
  bash -c "readelf -l '$E/sign-full-static' | grep -q INTERP && exit 1; ! readelf -d '$E/sign-full-static' 2>/dev/null | grep -q NEEDED" &&
  runs_sign "$E/sign-full-static"

for mode in shared static; do
  flag=OFF
  [ "$mode" = static ] && flag=ON
  step "CMake ($mode): find_package(cdn_secure_token CONFIG) configures and builds examples/c" \
    bash -c "cmake -S examples/c -B '$E/cmake-$mode' -DCMAKE_PREFIX_PATH='$PFX' \
      -DCDN_SECURE_TOKEN_USE_STATIC_LIBS=$flag >'$E/cmake-$mode.log' 2>&1 &&
      cmake --build '$E/cmake-$mode' >>'$E/cmake-$mode.log' 2>&1 || { tail -20 '$E/cmake-$mode.log'; exit 1; }"
  step "CMake ($mode): sign runs without LD_LIBRARY_PATH and prints the documented URL" \
    runs_sign "$E/cmake-$mode/sign"
done
step "CMake (static): no libcdn_secure_token in ldd" \
  bash -c "! ldd '$E/cmake-static/sign' | grep -q cdn_secure_token"
step "CMake: find_package(cdn_secure_token 0.2) refuses $version (0.x minor versions may break the ABI)" \
  bash -c "mkdir -p '$E/v2' && cp examples/c/*.c '$E/v2/' &&
    sed 's/find_package(cdn_secure_token 0.1 /find_package(cdn_secure_token 0.2 /' examples/c/CMakeLists.txt >'$E/v2/CMakeLists.txt' &&
    grep -q 'cdn_secure_token 0.2 ' '$E/v2/CMakeLists.txt' &&
    ! cmake -S '$E/v2' -B '$E/v2/build' -DCMAKE_PREFIX_PATH='$PFX' >/dev/null 2>&1"

# The example server, built from the tarball, guarding the differential fixture tree.
# shellcheck disable=SC2046
step "examples/c/verify_server.c builds with -Wall -Wextra -Werror (shared, rpath)" \
  cc "${CFLAGS_STRICT[@]}" examples/c/verify_server.c $(pkg-config --cflags --libs cdn_secure_token) \
  -Wl,-rpath,"$(pkg-config --variable=libdir cdn_secure_token)" -o "$E/verify_server"
FIXTURE="$BUILD/fixture"
python3 tests/raw/differential.py fixture "$FIXTURE" >/dev/null
CDN_SECURE_TOKEN_KEY=conformance-key-1 "$E/verify_server" "$FIXTURE" 0 >"$BUILD/server.out" 2>"$BUILD/server.err" &
server_pid=$!
port=""
for _ in $(seq 50); do
  port="$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$BUILD/server.out")"
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  not_ok "verify_server starts and prints its port"
  cat "$BUILD/server.err"
  finish
fi
ok "verify_server listens on 127.0.0.1:$port"
run_counted c-server-hostile python3 capi/tests/hostile.py "127.0.0.1:$port" c-server-hostile

REC="$BUILD/recorded.jsonl"
if python3 tests/raw/differential.py record --out "$REC" >"$BUILD/record.log" 2>&1; then
  ok "the real nginx answered the raw requests ($(wc -l <"$REC") recorded)"
  run_counted c-server python3 tests/raw/differential.py compare --recorded "$REC" \
    --server "c-server=127.0.0.1:$port"
else
  not_ok "record nginx's answers with tests/raw/differential.py"
  tail -20 "$BUILD/record.log"
fi
step "verify_server is still up after every request" kill -0 "$server_pid"
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=""

finish
