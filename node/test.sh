#!/usr/bin/env bash
# The Node face's test command, self-contained on a fresh machine:
#   npm ci -> release build of the addon through the napi CLI -> generated index.js /
#   index.d.ts must equal the committed ones -> tsc --noEmit on the types test -> the npm
#   tarballs (pack.sh) installed offline into a fresh project (test/package.sh) ->
#   node --test (vectors, errors, API, ESM, version, differential, Express, nginx, raw).
# Ends with "node: N passed, N failed"; exits non-zero on any failure. The nginx test
# needs nginx (tests/setup-system.sh installs it) and fails, never skips, without it.
set -euo pipefail
cd "$(dirname "$0")"

export RUST_BACKTRACE="${RUST_BACKTRACE:-0}"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

for tool in node npm cargo; do
  command -v "$tool" >/dev/null || { echo "node/test.sh: $tool not found" >&2; exit 1; }
done
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=17)?0:1)' ||
  { echo "node/test.sh: Node >= 20.17 required, found $(node --version)" >&2; exit 1; }

echo "== npm ci"
npm ci --no-audit --no-fund

echo "== napi build --platform --release"
npx napi build --platform --release

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  if ! git diff --exit-code -- index.js index.d.ts; then
    echo "node/test.sh: the regenerated index.js / index.d.ts differ from the committed ones (commit them)" >&2
    exit 1
  fi
fi

extra_pass=0
extra_fail=0
echo "== tsc --noEmit -p test/types"
if npx tsc --noEmit -p test/types; then
  echo "ok - TypeScript types (test/types)"
  extra_pass=1
else
  echo "not ok - TypeScript types (test/types)"
  extra_fail=1
fi

echo "== packages: node/pack.sh, installed offline into a fresh project (test/package.sh)"
if test/package.sh; then
  echo "ok - npm packages install offline and work from CommonJS, ESM, TypeScript"
  extra_pass=$((extra_pass + 1))
else
  echo "not ok - npm packages (test/package.sh)"
  extra_fail=$((extra_fail + 1))
fi

echo "== raw-request differential: a real Express app (test/raw/server.js) against a real nginx"
if test/raw/differential.sh; then
  echo "ok - raw-request differential (Express vs nginx)"
  extra_pass=$((extra_pass + 1))
else
  echo "not ok - raw-request differential (Express vs nginx)"
  extra_fail=$((extra_fail + 1))
fi

echo "== node --test"
tap="$(mktemp)"
trap 'rm -f "$tap"' EXIT
status=0
node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  test/*.test.js test/*.test.mjs || status=$?

pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)
fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)
cancelled=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$tap" | tail -1)
if [ -z "$pass" ] || [ -z "$fail" ]; then
  echo "node/test.sh: node --test printed no summary" >&2
  pass=${pass:-0}
  fail=$((${fail:-0} + 1))
fi
fail=$((fail + ${cancelled:-0} + extra_fail))
pass=$((pass + extra_pass))
if [ "$pass" -eq 0 ]; then
  echo "node/test.sh: no test ran" >&2
  fail=$((fail + 1))
fi
echo "node: $pass passed, $fail failed"
if [ "$status" -ne 0 ] || [ "$fail" -ne 0 ]; then
  exit 1
fi
