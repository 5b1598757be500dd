// The package loads with `import` as well as `require`, under its own name, and both
// give the same binding.
import test from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import defaultExport, { Signer, VERSION } from 'cdn-secure-token'
import expressDefault, { secureLink, signedUrls, clientIp } from 'cdn-secure-token/express'

const require = createRequire(import.meta.url)

test('import and require give the same binding', () => {
  const cjs = require('cdn-secure-token')
  assert.equal(Signer, cjs.Signer)
  assert.equal(VERSION, cjs.VERSION)
  assert.equal(defaultExport.Signer, Signer)
  const s = new Signer('secret-key')
  assert.equal(
    s.signUrl('http://cdn.example.com/photo.jpeg', { expires: 2147483647 }),
    'http://cdn.example.com/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647',
  )
})

test('cdn-secure-token/express loads with import and require', () => {
  const cjs = require('cdn-secure-token/express')
  assert.equal(secureLink, cjs.secureLink)
  assert.equal(signedUrls, cjs.signedUrls)
  assert.equal(clientIp, cjs.clientIp)
  assert.equal(expressDefault.secureLink, secureLink)
})

test('the exports map points to files that exist', async () => {
  const pkg = require('cdn-secure-token/package.json')
  for (const entry of Object.values(pkg.exports)) {
    for (const file of typeof entry === 'string' ? [entry] : Object.values(entry)) {
      assert.ok(require('node:fs').existsSync(new URL(`../${file}`, import.meta.url)), file)
    }
  }
})
