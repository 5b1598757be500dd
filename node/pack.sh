#!/usr/bin/env bash
# Builds the addon and packs the npm packages in napi-rs's per-platform layout into OUTDIR:
#   cdn-secure-token-<version>.tgz                 the JavaScript, types and loader; every
#                                                  platform package as an optional dependency
#   cdn-secure-token-linux-x64-gnu-<version>.tgz   the binary of the one target built here
# The release workflow builds the other targets listed in package.json "napi.targets" and
# packs each the same way from its npm/<platform>/ directory.
# Usage: node/pack.sh OUTDIR     (prints the tarball paths)
set -euo pipefail
out="${1:?usage: node/pack.sh OUTDIR}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$here"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

[ -x node_modules/.bin/napi ] || npm ci --no-audit --no-fund >&2
npx napi build --platform --release >&2

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
licenses=()
for f in ../LICENSE-MIT ../LICENSE-APACHE ../LICENSE; do
  [ -f "$f" ] && licenses+=("$f")
done

# The platform package: npm/linux-x64-gnu/package.json (made by `napi create-npm-dirs`) and
# the binary.
plat=linux-x64-gnu
mkdir -p "$stage/$plat"
cp "npm/$plat/package.json" "npm/$plat/README.md" "cdn-secure-token.$plat.node" "$stage/$plat/"
[ ${#licenses[@]} -eq 0 ] || cp "${licenses[@]}" "$stage/$plat/"
(cd "$stage/$plat" && npm pack --silent --pack-destination "$out" >/dev/null)

# The main package: its "files", and package.json with the platform packages as optional
# dependencies at this version (what `napi pre-publish` adds), without the dev-only fields.
mkdir -p "$stage/main"
node -e '
  const fs = require("fs")
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"))
  for (const f of pkg.files) fs.copyFileSync(f, process.argv[1] + "/" + f)
  fs.copyFileSync("README.md", process.argv[1] + "/README.md")
  const platforms = fs.readdirSync("npm").sort()
  pkg.optionalDependencies = {}
  for (const p of platforms) {
    const sub = JSON.parse(fs.readFileSync(`npm/${p}/package.json`, "utf8"))
    if (sub.version !== pkg.version) throw new Error(`npm/${p}: version ${sub.version}, expected ${pkg.version}`)
    pkg.optionalDependencies[sub.name] = pkg.version
  }
  delete pkg.devDependencies
  delete pkg.scripts
  fs.writeFileSync(process.argv[1] + "/package.json", JSON.stringify(pkg, null, 2) + "\n")
' "$stage/main"
[ ${#licenses[@]} -eq 0 ] || cp "${licenses[@]}" "$stage/main/"
(cd "$stage/main" && npm pack --silent --pack-destination "$out" >/dev/null)

version="$(node -p 'require("./package.json").version')"
for t in "cdn-secure-token-$version.tgz" "cdn-secure-token-$plat-$version.tgz"; do
  [ -f "$out/$t" ] || { echo "node/pack.sh: $t was not made" >&2; exit 1; }
  echo "$out/$t"
done
