#!/usr/bin/env bash
# Builds the C library in release mode and installs it under PREFIX:
#   PREFIX/include/secure_token.h
#   PREFIX/lib/libsecure_token.so, PREFIX/lib/libsecure_token.a
#   PREFIX/lib/pkgconfig/secure_token.pc
# Usage: capi/install.sh PREFIX        (then: PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config ...)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$1"
PREFIX="$(cd "$1" && pwd)"
cd "$ROOT"
cargo build --release --locked -p secure-token-capi
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
VERSION="$(sed -n 's/^#define ST_VERSION_MAJOR \([0-9]*\)$/\1/p' include/secure_token.h).$(sed -n 's/^#define ST_VERSION_MINOR \([0-9]*\)$/\1/p' include/secure_token.h).$(sed -n 's/^#define ST_VERSION_PATCH \([0-9]*\)$/\1/p' include/secure_token.h)"
install -d "$PREFIX/include" "$PREFIX/lib/pkgconfig"
install -m 644 include/secure_token.h "$PREFIX/include/secure_token.h"
install -m 755 "$TARGET_DIR/release/libsecure_token.so" "$PREFIX/lib/libsecure_token.so"
install -m 644 "$TARGET_DIR/release/libsecure_token.a" "$PREFIX/lib/libsecure_token.a"
sed -e "s|@PREFIX@|$PREFIX|" -e "s|@VERSION@|$VERSION|" capi/secure_token.pc.in \
  > "$PREFIX/lib/pkgconfig/secure_token.pc"
echo "installed secure_token $VERSION into $PREFIX"
