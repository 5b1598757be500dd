#!/usr/bin/env bash
# Builds the C library in release mode and installs it under PREFIX:
#   PREFIX/include/cdn_secure_token.h
#   PREFIX/lib/libcdn_secure_token.so, PREFIX/lib/libcdn_secure_token.a
#   PREFIX/lib/pkgconfig/cdn_secure_token.pc
# Usage: capi/install.sh PREFIX        (then: PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config ...)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$1"
PREFIX="$(cd "$1" && pwd)"
cd "$ROOT"
cargo build --release --locked -p cdn-secure-token-capi
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
VERSION="$(sed -n 's/^#define ST_VERSION_MAJOR \([0-9]*\)$/\1/p' include/cdn_secure_token.h).$(sed -n 's/^#define ST_VERSION_MINOR \([0-9]*\)$/\1/p' include/cdn_secure_token.h).$(sed -n 's/^#define ST_VERSION_PATCH \([0-9]*\)$/\1/p' include/cdn_secure_token.h)"
install -d "$PREFIX/include" "$PREFIX/lib/pkgconfig"
install -m 644 include/cdn_secure_token.h "$PREFIX/include/cdn_secure_token.h"
install -m 755 "$TARGET_DIR/release/libcdn_secure_token.so" "$PREFIX/lib/libcdn_secure_token.so"
install -m 644 "$TARGET_DIR/release/libcdn_secure_token.a" "$PREFIX/lib/libcdn_secure_token.a"
sed -e "s|@PREFIX@|$PREFIX|" -e "s|@VERSION@|$VERSION|" capi/cdn_secure_token.pc.in \
  > "$PREFIX/lib/pkgconfig/cdn_secure_token.pc"
echo "installed cdn_secure_token $VERSION into $PREFIX"
