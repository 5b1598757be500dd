#!/usr/bin/env bash
# Stand-in for node/pack.sh until the node face has it: builds the addon through the napi CLI
# and packs napi-rs's per-platform layout for this machine's platform into OUTDIR:
#   cdn-secure-token-V.tgz                  the main package (JS, types, loader), with the
#                                           platform package as an optional dependency
#   cdn-secure-token-linux-x64-gnu-V.tgz    the binary, with os/cpu/libc set
# Usage: release/npm-pack.sh OUTDIR
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(cd "$1" && pwd)"
cd "$ROOT/node"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
[ -d node_modules/@napi-rs/cli ] || npm ci --no-audit --no-fund
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
# Linked by zig against glibc 2.17 (as the wheel is), so the binary loads on every glibc Linux
# from 2.17 on (a native link here needs 2.34); zig comes from the ziglang package that
# release/build.sh puts on PATH.
mkdir -p "$STAGE/zig" "$STAGE/build"
printf '#!/bin/sh\nexec python3 -m ziglang cc -target x86_64-linux-gnu.2.17 "$@"\n' >"$STAGE/zig/cc"
chmod +x "$STAGE/zig/cc"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/npm-zig" \
CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER="$STAGE/zig/cc" \
  npx napi build --platform --release --target x86_64-unknown-linux-gnu -o "$STAGE/build"
node - "$STAGE" <<'JS'
const fs = require('fs'), path = require('path')
const stage = process.argv[2]
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'))
const triple = 'linux-x64-gnu'
const platName = `${pkg.name}-${triple}`
const binary = `${pkg.napi.binaryName}.${triple}.node`
const common = ['version', 'description', 'license', 'repository', 'homepage', 'bugs', 'engines']
const pick = (o) => Object.fromEntries(common.filter((k) => k in pkg).map((k) => [k, pkg[k]]))
const plat = path.join(stage, 'platform'), main = path.join(stage, 'main')
fs.mkdirSync(plat); fs.mkdirSync(main)
fs.writeFileSync(path.join(plat, 'package.json'), JSON.stringify({
  name: platName, ...pick(pkg), os: ['linux'], cpu: ['x64'], libc: ['glibc'],
  main: binary, files: [binary, 'LICENSE-MIT', 'LICENSE-APACHE'],
}, null, 2) + '\n')
fs.copyFileSync(path.join(stage, 'build', binary), path.join(plat, binary))
const mainPkg = { ...pkg, optionalDependencies: { [platName]: pkg.version } }
delete mainPkg.devDependencies; delete mainPkg.scripts
mainPkg.files = pkg.files.filter((f) => !f.endsWith('.node'))
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) if (!mainPkg.files.includes(f)) mainPkg.files.push(f)
fs.writeFileSync(path.join(main, 'package.json'), JSON.stringify(mainPkg, null, 2) + '\n')
for (const f of mainPkg.files.concat(['README.md'])) if (!f.startsWith('LICENSE')) fs.copyFileSync(f, path.join(main, f))
for (const dir of [plat, main]) {
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) fs.copyFileSync(path.join('..', f), path.join(dir, f))
}
JS
(cd "$STAGE/platform" && npm pack --silent --pack-destination "$OUT" >/dev/null)
(cd "$STAGE/main" && npm pack --silent --pack-destination "$OUT" >/dev/null)
