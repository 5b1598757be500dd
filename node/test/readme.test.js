'use strict'
// The Express example of README.md, as written there (the README block is checked to be part
// of this file), run against a real Express app on loopback, with CDN_OLD_KEY unset and set.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

function readmeApp() {
  const express = require('express')
  const { Signer } = require('cdn-secure-token')
  const { secureLink, signedUrls } = require('cdn-secure-token/express')

  // Key rotation: links signed with the old key keep working while CDN_OLD_KEY is set.
  const oldKeys = process.env.CDN_OLD_KEY ? [process.env.CDN_OLD_KEY] : []
  const signer = new Signer(process.env.CDN_SECURE_TOKEN_KEY, { verifyKeys: oldKeys })
  const app = express()

  // 403 for a missing or wrong token, 410 for an expired one, 400/414 where the edge
  // answers so; next() when valid (the verdict is in res.locals.secureToken).
  app.use('/downloads', secureLink({ signer }), express.static('downloads'))
  app.use('/hls', secureLink({ signer, kind: 'directory', ip: true }), express.static('hls'))

  // res.locals.signUrl(url, options?) for templates (ip: true would bind each link to the
  // requesting client, for routes guarded with ip: true).
  app.get('/account', signedUrls({ signer, ttl: 600 }), (req, res) => {
    res.type('text/plain').send(res.locals.signUrl('/downloads/report 2024.pdf'))
  })
  return app
}

async function withApp(env, fn) {
  const saved = { ...process.env }
  const cwd = process.cwd()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-app-'))
  fs.mkdirSync(path.join(dir, 'downloads'))
  fs.writeFileSync(path.join(dir, 'downloads', 'report 2024.pdf'), 'the report\n')
  Object.assign(process.env, env)
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]
  process.chdir(dir)
  let server
  try {
    const app = readmeApp()
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    await fn(`http://127.0.0.1:${server.address().port}`)
  } finally {
    if (server) await new Promise((resolve) => server.close(resolve))
    process.chdir(cwd)
    process.env = saved
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

test('README Express example: runs with CDN_OLD_KEY unset (the old snippet threw)', async () => {
  await withApp({ CDN_SECURE_TOKEN_KEY: 'my-cdn-key', CDN_OLD_KEY: undefined }, async (base) => {
    const link = await (await fetch(`${base}/account`)).text()
    assert.match(link, /^\/downloads\/report%202024\.pdf\?md5=[\w-]{22}&expires=\d+$/)
    const file = await fetch(base + link)
    assert.equal(file.status, 200)
    assert.equal(await file.text(), 'the report\n')
    assert.equal((await fetch(`${base}/downloads/report%202024.pdf`)).status, 403)
  })
})

test('README Express example: links of the old key stay valid while CDN_OLD_KEY is set', async () => {
  const { Signer } = require('cdn-secure-token')
  const old = new Signer('the-old-key').signUrl('/downloads/report 2024.pdf', { ttl: 60 })
  await withApp({ CDN_SECURE_TOKEN_KEY: 'my-cdn-key', CDN_OLD_KEY: 'the-old-key' }, async (base) => {
    assert.equal((await fetch(base + old)).status, 200)
  })
  await withApp({ CDN_SECURE_TOKEN_KEY: 'my-cdn-key', CDN_OLD_KEY: undefined }, async (base) => {
    assert.equal((await fetch(base + old)).status, 403)
  })
})
