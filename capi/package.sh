#!/usr/bin/env bash
# The C release tarball for this platform:
#   OUTDIR/cdn-secure-token-VERSION-x86_64-unknown-linux-gnu.tar.gz
#   └─ cdn-secure-token-VERSION-x86_64-unknown-linux-gnu/
#      include/cdn_secure_token.h
#      lib/libcdn_secure_token.so.VERSION, .so.MAJOR and .so (symlinks), lib/libcdn_secure_token.a
#      lib/pkgconfig/cdn_secure_token.pc, cdn_secure_token-static.pc  (relocatable: ${pcfiledir})
#      lib/cmake/cdn_secure_token/cdn_secure_tokenConfig.cmake, ...ConfigVersion.cmake
#      README.md LICENSE-MIT LICENSE-APACHE
# Unpacked anywhere, the directory is a prefix: PKG_CONFIG_PATH=DIR/lib/pkgconfig, or
# cmake -DCMAKE_PREFIX_PATH=DIR. Prints the tarball's path.
# Usage: capi/package.sh OUTDIR   (CAPI_NO_BUILD=1: package what target/release holds)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
cd "$ROOT"
# The licenses go into the tarball. Missing from a checkout that tracks them is an error;
# before they were added to the repository, the tarball goes without (and capi/test.sh fails
# on it).
for license in LICENSE-MIT LICENSE-APACHE; do
  [ -f "$license" ] && continue
  if git -C "$ROOT" ls-files --error-unmatch "$license" >/dev/null 2>&1; then
    echo "package: $license is missing at the repository root: the tarball must carry it" >&2
    exit 1
  fi
  echo "package: warning: $license is not in the repository yet; the tarball goes without it" >&2
done
VERSION="$(sed -n 's/^#define ST_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' include/cdn_secure_token.h | paste -sd.)"
triple="$(rustc -vV | sed -n 's/^host: //p')"
NAME="cdn-secure-token-$VERSION-$triple"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
opts=(--relocatable)
[ "${CAPI_NO_BUILD:-0}" = 1 ] && opts+=(--no-build)
DESTDIR="" bash capi/install.sh "${opts[@]}" "$STAGE/$NAME" >/dev/null
# README and licenses at the top, where a tarball's reader looks.
mv "$STAGE/$NAME/share/doc/cdn_secure_token/"* "$STAGE/$NAME/"
rm -r "$STAGE/$NAME/share"
tar -C "$STAGE" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
  -czf "$OUT/$NAME.tar.gz" "$NAME"
echo "$OUT/$NAME.tar.gz"
