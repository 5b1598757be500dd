#!/usr/bin/env bash
# The npm packages as a user gets them: node/pack.sh packs the main package and the
# linux-x64-gnu one, both are installed into a fresh project offline (local tarballs; express
# from the npm cache that `npm ci` filled), and used there from CommonJS, ESM, TypeScript
# (tsc --strict) and through cdn-secure-token/express on a real node:http server (the
# Express suite runs the helper inside Express; here only what the tarballs hold is used).
# Missing the platform package gives the loader's accurate message. Exits non-zero on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

mapfile -t tarballs < <("$here/pack.sh" "$work/dist")
echo "packed: $(cd "$work/dist" && ls -l --block-size=K *.tgz | awk '{print $NF, $5}' | paste -sd' ')"

mkdir "$work/app" && cd "$work/app"
echo '{"name": "fresh-app", "version": "1.0.0", "private": true}' > package.json
npm install --offline --no-audit --no-fund "${tarballs[@]}" >/dev/null
test -f node_modules/cdn-secure-token-linux-x64-gnu/cdn-secure-token.linux-x64-gnu.node
! ls node_modules/cdn-secure-token/*.node 2>/dev/null # the binary comes from the platform package

cat > cjs.js <<'JS'
const assert = require('node:assert/strict')
const { Signer, VERSION } = require('cdn-secure-token')
const signer = new Signer('my-cdn-key')
const url = signer.signUrl('/photo.jpeg', { expires: 2147483647 })
assert.equal(url, '/photo.jpeg?md5=' + require('node:crypto').createHash('md5')
  .update('2147483647/photo.jpeg my-cdn-key').digest('base64url') + '&expires=2147483647')
assert.equal(signer.verify(url).status, 'valid')
assert.equal(VERSION, require('cdn-secure-token/package.json').version)
console.log('cjs ok')
JS
node cjs.js

cat > esm.mjs <<'JS'
import assert from 'node:assert/strict'
import { Signer } from 'cdn-secure-token'
import { secureLink } from 'cdn-secure-token/express'
const signer = new Signer('my-cdn-key')
assert.equal(signer.token('/a', { expires: 2147483647 }).length, 22)
assert.equal(typeof secureLink({ signer }), 'function')
console.log('esm ok')
JS
node esm.mjs

cat > app.ts <<'TS'
import { Signer, type VerifyResult } from 'cdn-secure-token'
import { secureLink, type Middleware } from 'cdn-secure-token/express'
const signer = new Signer('my-cdn-key', { defaultTtl: 300 })
const url: string = signer.signUrl('/a.jpg', { ip: '203.0.113.7' })
const verdict: VerifyResult = signer.verify(url, { ip: '203.0.113.7' })
const status: 'valid' | 'expired' | 'invalid' = verdict.status
const guard: Middleware = secureLink({ signer })
console.log(status, typeof guard)
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "noEmit": true, "module": "nodenext", "moduleResolution": "nodenext",
  "target": "es2022", "types": [], "skipLibCheck": false }, "files": ["app.ts"] }
JSON
"$here/node_modules/.bin/tsc" -p tsconfig.json
echo 'tsc --strict ok'

cat > server.js <<'JS'
const assert = require('node:assert/strict')
const http = require('node:http')
const { Signer } = require('cdn-secure-token')
const { secureLink } = require('cdn-secure-token/express')
const signer = new Signer('my-cdn-key')
const guard = secureLink({ signer })
const server = http.createServer((req, res) => guard(req, res, () => res.end('file')))
server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`
  try {
    assert.equal((await fetch(base + signer.signUrl('/files/a.jpg', { ttl: 60 }))).status, 200)
    assert.equal((await fetch(base + '/files/a.jpg')).status, 403)
    console.log('cdn-secure-token/express ok')
  } finally {
    server.close()
  }
})
JS
node server.js

# Without the platform package: the loader says which package is missing, not "npm bug".
rm -rf node_modules/cdn-secure-token-linux-x64-gnu
if node -e "require('cdn-secure-token')" 2>err.txt; then
  echo "loaded without its platform package" >&2
  exit 1
fi
grep -q 'its package cdn-secure-token-linux-x64-gnu was not installed' err.txt
grep -q 'ERR_SECURE_TOKEN_NO_BINARY' err.txt
! grep -q 'npm has a bug' err.txt
echo 'missing platform message ok'
