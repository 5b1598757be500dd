#!/usr/bin/env bash
# Builds every release artifact this machine can build into OUTDIR:
#   cdn_secure_token-V-cp3X-abi3-manylinux_2_17_x86_64.whl   (maturin + zig, glibc 2.17+)
#   cdn_secure_token-V.tar.gz                                  (sdist)
#   cdn-secure-token-V.tgz, cdn-secure-token-linux-x64-gnu-V.tgz  (npm: main + platform package)
#   cdn-secure-token-V.crate, cdn-secure-token-cli-V.crate     (cargo package, CLI verified
#                                                                against the packaged core)
#   cdn-secure-token-V-x86_64-unknown-linux-gnu.tar.gz         (C: header, .so, .a, .pc)
#   SHA256SUMS
# Every artifact carries LICENSE-MIT and LICENSE-APACHE. release/test.sh checks what is inside
# and installs each into a fresh environment offline. The other platforms are built by
# .github/workflows/release.yml.
# Usage: release/build.sh OUTDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
cd "$ROOT"
export CARGO_TERM_COLOR=never
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
log() { echo "release: $*"; }

# The build tools (maturin, zig, auditwheel, actionlint), pinned, in their own venv.
TOOLS="$TARGET_DIR/release-tools"
if [ ! -x "$TOOLS/bin/python" ]; then
  python3 -m venv "$TOOLS"
fi
"$TOOLS/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/release/requirements.txt"
export PATH="$TOOLS/bin:$PATH" # maturin finds zig as `python -m ziglang` through this PATH

# 1. Python: one abi3 wheel for glibc 2.17+ (manylinux2014), linked by zig against the old
#    glibc symbols, and the sdist.
log "python wheel (manylinux2014, zig)"
(cd python && maturin build --release --locked --zig --compatibility manylinux2014 \
  --target x86_64-unknown-linux-gnu --out "$OUT")
log "python sdist"
(cd python && maturin sdist --out "$OUT")

# 2. Rust: the core and the CLI crates. Packaged together, so the CLI's package is verified
#    against the packaged core (cargo's local overlay registry), not the source tree.
log "cargo package (cdn-secure-token, cdn-secure-token-cli)"
# The CLI is verified against the packaged core from a local overlay registry under the same
# name and version each time, and cargo takes a registry crate of a known version as
# unchanged: its unpacked copy (CARGO_HOME/registry/src/-<hash>/) and its build in the target
# dir would be reused from an earlier run, so the CLI would be checked against a stale core.
# Both are dropped first; the packaging has its own target dir, so nothing else is rebuilt.
PKG_TARGET="$TARGET_DIR/release-package"
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/cdn-secure-token-"$VERSION" \
  "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/cdn-secure-token-cli-"$VERSION" \
  "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/cdn-secure-token-serve-"$VERSION" \
  "$PKG_TARGET/package" "$PKG_TARGET"/debug/.fingerprint/cdn-secure-token-* \
  "$PKG_TARGET"/debug/deps/*cdn_secure_token*
CARGO_TARGET_DIR="$PKG_TARGET" cargo package --locked -p cdn-secure-token -p cdn-secure-token-serve -p cdn-secure-token-cli --allow-dirty
cp "$PKG_TARGET/package/cdn-secure-token-$VERSION.crate" \
  "$PKG_TARGET/package/cdn-secure-token-serve-$VERSION.crate" \
  "$PKG_TARGET/package/cdn-secure-token-cli-$VERSION.crate" "$OUT/"

# 3. Node: the main package and the per-platform package (napi-rs layout), by the node face's
#    packer (node/pack.sh; release/npm-pack.sh until it exists). Its binary is linked by zig
#    against glibc 2.17, as the wheel is (a native link here needs glibc 2.34): cargo links
#    for this triple through the wrapper, in a target dir of its own.
ZIG_CC="$TARGET_DIR/release-zig-cc"
printf '#!/bin/sh\nexec %q -m ziglang cc -target x86_64-linux-gnu.2.17 "$@"\n' "$TOOLS/bin/python" >"$ZIG_CC"
chmod +x "$ZIG_CC"
if [ -f node/pack.sh ]; then
  log "npm packages (node/pack.sh, linked by zig for glibc 2.17)"
  CARGO_TARGET_DIR="$TARGET_DIR/npm-zig" CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER="$ZIG_CC" \
    bash node/pack.sh "$OUT" >/dev/null
else
  log "npm packages (release/npm-pack.sh)"
  bash release/npm-pack.sh "$OUT"
fi

# 4. C: the library, header, pkg-config and CMake files for this platform (the C face's packer).
log "C tarball (capi/package.sh)"
bash capi/package.sh "$OUT" >/dev/null

(cd "$OUT" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | sort \
  | xargs sha256sum >SHA256SUMS)
log "artifacts in $OUT:"
(cd "$OUT" && ls -l --time-style=+ | sed -n 's/^[^ ]* *[0-9]* [^ ]* *[^ ]* *\([0-9]*\)  *\(.*\)$/  \2  \1 bytes/p')
