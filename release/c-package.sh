#!/usr/bin/env bash
# Stand-in for capi/package.sh until the C face has it: the C library for this platform as
#   OUTDIR/cdn-secure-token-V-x86_64-unknown-linux-gnu.tar.gz
#   └─ cdn-secure-token-V-x86_64-unknown-linux-gnu/{include/cdn_secure_token.h,
#      lib/libcdn_secure_token.so, lib/libcdn_secure_token.a, lib/pkgconfig/cdn_secure_token.pc,
#      LICENSE-MIT, LICENSE-APACHE, README.md}
# The .pc file is relocatable (prefix=${pcfiledir}/../..): unpack anywhere, point
# PKG_CONFIG_PATH at lib/pkgconfig.
# Usage: release/c-package.sh OUTDIR
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(cd "$1" && pwd)"
cd "$ROOT"
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
NAME="cdn-secure-token-$VERSION-x86_64-unknown-linux-gnu"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
bash capi/install.sh "$STAGE/$NAME" >/dev/null
sed -i 's|^prefix=.*$|prefix=${pcfiledir}/../..|' "$STAGE/$NAME/lib/pkgconfig/cdn_secure_token.pc"
cp LICENSE-MIT LICENSE-APACHE "$STAGE/$NAME/"
cp capi/README.md "$STAGE/$NAME/README.md"
tar -C "$STAGE" --owner=0 --group=0 --numeric-owner -czf "$OUT/$NAME.tar.gz" "$NAME"
