#!/usr/bin/env bash
# Builds libcdn_secure_token in release mode and installs it under PREFIX, laid out like
# libsodium's `make install`:
#   PREFIX/include/cdn_secure_token.h
#   PREFIX/lib/libcdn_secure_token.so.X.Y.Z   SONAME libcdn_secure_token.so.X
#   PREFIX/lib/libcdn_secure_token.so.X -> .so.X.Y.Z,  libcdn_secure_token.so -> .so.X
#   PREFIX/lib/libcdn_secure_token.a
#   PREFIX/lib/pkgconfig/cdn_secure_token.pc         (shared; --static for a static link)
#   PREFIX/lib/pkgconfig/cdn_secure_token-static.pc  (this library static, libc shared)
#   PREFIX/lib/cmake/cdn_secure_token/               (find_package(cdn_secure_token CONFIG))
#   PREFIX/share/doc/cdn_secure_token/               (README.md, licenses)
#
# Usage:
#   capi/install.sh PREFIX                 build and install; no root needed for a prefix you own
#   DESTDIR=/tmp/pkg capi/install.sh /usr  stage for a package: files go to $DESTDIR/usr, the
#                                          paths written inside them say /usr
#   capi/install.sh --uninstall PREFIX     remove exactly the files listed above (DESTDIR too)
# Options before PREFIX: --no-build (install what target/release holds), --relocatable (the .pc
# files find the prefix from their own location: ${pcfiledir}/../..; used for the release
# tarball by capi/package.sh). The CMake files always find it from their own location.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=1 relocatable=0 uninstall=0
while [ $# -gt 1 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --relocatable) relocatable=1 ;;
    --uninstall) uninstall=1 ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 1 ] || { echo "usage: $0 [--no-build] [--relocatable] [--uninstall] PREFIX" >&2; exit 2; }
case "$1" in
  /*) PREFIX="${1%/}" ;;
  *) PREFIX="$(pwd)/${1%/}" ;;
esac
DEST="${DESTDIR:-}$PREFIX"
LIB=libcdn_secure_token
header_version() { sed -n "s/^#define ST_VERSION_$1 \([0-9]*\)\$/\1/p" "$ROOT/include/cdn_secure_token.h"; }
MAJOR="$(header_version MAJOR)"
VERSION="$MAJOR.$(header_version MINOR).$(header_version PATCH)"
# What a static link of the Rust staticlib needs on glibc: rustc's list
# (`--print native-static-libs`: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc) with the static
# unwinder libgcc_eh instead of libgcc_s, which has no static archive (`cc -static` fails on
# it). -lutil -lrt -lpthread -ldl are empty archives since glibc 2.34 and needed before.
LIBS_PRIVATE="-lgcc_eh -lutil -lrt -lpthread -lm -ldl -lc"
FILES=(include/cdn_secure_token.h "lib/$LIB.so.$VERSION" "lib/$LIB.so.$MAJOR" "lib/$LIB.so"
  "lib/$LIB.a" lib/pkgconfig/cdn_secure_token.pc lib/pkgconfig/cdn_secure_token-static.pc
  lib/cmake/cdn_secure_token/cdn_secure_tokenConfig.cmake
  lib/cmake/cdn_secure_token/cdn_secure_tokenConfigVersion.cmake
  share/doc/cdn_secure_token/README.md share/doc/cdn_secure_token/LICENSE-MIT
  share/doc/cdn_secure_token/LICENSE-APACHE)

# The dynamic loader finds a system prefix's libraries through its cache (run ldconfig as
# root); any other prefix needs an rpath in the program, or an ld.so.conf.d entry.
loader_note() {
  [ -z "${DESTDIR:-}" ] || return 0
  case "$PREFIX" in
    /usr | /usr/local)
      if [ "$(id -u)" -eq 0 ] && command -v ldconfig >/dev/null 2>&1; then
        ldconfig
      else
        echo "note: run 'sudo ldconfig' so that the dynamic loader finds $PREFIX/lib/$LIB.so.$MAJOR"
      fi
      ;;
    *)
      echo "note: $PREFIX/lib is not searched by the dynamic loader: link programs with"
      echo "      -Wl,-rpath,$PREFIX/lib (see capi/README.md), or add it to /etc/ld.so.conf.d/ and run ldconfig"
      ;;
  esac
}

if [ $uninstall = 1 ]; then
  for f in "${FILES[@]}"; do rm -f "$DEST/$f"; done
  rmdir "$DEST/lib/cmake/cdn_secure_token" "$DEST/share/doc/cdn_secure_token" 2>/dev/null || true
  [ -z "${DESTDIR:-}" ] && [ "$(id -u)" -eq 0 ] && case "$PREFIX" in /usr | /usr/local) ldconfig ;; esac
  echo "removed cdn_secure_token $VERSION from $DEST"
  exit 0
fi

cd "$ROOT"
[ $build = 0 ] || cargo build --release --locked -p cdn-secure-token-capi
OUT="${CARGO_TARGET_DIR:-$ROOT/target}/release"

pc_prefix="$PREFIX"
[ $relocatable = 0 ] || pc_prefix='${pcfiledir}/../..'
install -d "$DEST/include" "$DEST/lib/pkgconfig" "$DEST/lib/cmake/cdn_secure_token" \
  "$DEST/share/doc/cdn_secure_token"
install -m 644 include/cdn_secure_token.h "$DEST/include/"
install -m 755 "$OUT/$LIB.so" "$DEST/lib/$LIB.so.$VERSION"
ln -sfn "$LIB.so.$VERSION" "$DEST/lib/$LIB.so.$MAJOR"
ln -sfn "$LIB.so.$MAJOR" "$DEST/lib/$LIB.so"
install -m 644 "$OUT/$LIB.a" "$DEST/lib/"
pc() {
  sed -e "s|@PREFIX@|$pc_prefix|" -e "s|@VERSION@|$VERSION|" -e "s|@NAME@|$1|" \
    -e "s|@LIBS@|$2|" -e "s|@LIBS_PRIVATE@|$3|" capi/cdn_secure_token.pc.in >"$DEST/lib/pkgconfig/$1.pc"
}
pc cdn_secure_token '-L${libdir} -lcdn_secure_token' "$LIBS_PRIVATE"
pc cdn_secure_token-static "\${libdir}/$LIB.a $LIBS_PRIVATE" ''
sed -e "s|@VERSION@|$VERSION|g" -e "s|@MAJOR@|$MAJOR|g" -e "s|@LIBS_PRIVATE@|$LIBS_PRIVATE|" \
  capi/cdn_secure_tokenConfig.cmake.in >"$DEST/lib/cmake/cdn_secure_token/cdn_secure_tokenConfig.cmake"
sed -e "s|@VERSION@|$VERSION|g" capi/cdn_secure_tokenConfigVersion.cmake.in \
  >"$DEST/lib/cmake/cdn_secure_token/cdn_secure_tokenConfigVersion.cmake"
install -m 644 capi/README.md "$DEST/share/doc/cdn_secure_token/"
# The licenses are required by capi/package.sh (the release tarball).
for license in LICENSE-MIT LICENSE-APACHE; do
  [ ! -f "$license" ] || install -m 644 "$license" "$DEST/share/doc/cdn_secure_token/"
done
echo "installed cdn_secure_token $VERSION into $DEST"
loader_note
