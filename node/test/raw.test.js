'use strict'
// What a server received, sent as raw request lines over a socket (no HTTP client re-encodes
// them): Express with secureLink + express.static and a plain node:http handler must answer
// what the nginx edge answers (tests/raw/differential.py checks thousands more against a real
// nginx), and never fail on what a client sends.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const express = require('express')
const { Signer } = require('..')
const { secureLink } = require('../express')

const KEY = 'raw-request-key'
const EXP = 2147483647
const signer = new Signer(KEY)

// The token nginx computes for a decoded path given as bytes.
function tokenFor(uriBytes) {
  return crypto
    .createHash('md5')
    .update(Buffer.concat([Buffer.from(String(EXP)), uriBytes, Buffer.from(` ${KEY}`)]))
    .digest('base64url')
}
const query = (uri) => `?md5=${tokenFor(Buffer.from(uri))}&expires=${EXP}`

function rawGet(port, target) {
  return new Promise((resolve, reject) => {
    const chunks = []
    const sock = net.connect(port, '127.0.0.1', () => {
      // Not end(): a half-closed socket may be dropped before an asynchronous answer.
      sock.write(Buffer.concat([Buffer.from('GET '), Buffer.from(target, 'latin1'), Buffer.from(' HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')]))
    })
    sock.on('data', (c) => chunks.push(c))
    sock.on('error', reject)
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const status = Number(text.slice(9, 12))
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) })
    })
  })
}

let root
const servers = []
async function listen(handler) {
  const server = http.createServer(handler)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return server.address().port
}

test.before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'raw-guarded-'))
  fs.mkdirSync(path.join(root, 'private'))
  fs.writeFileSync(path.join(root, 'x.jpg'), 'x at the root\n')
  fs.writeFileSync(path.join(root, 'private', 'x.jpg'), 'the private x\n')
})

test.after(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve))
  fs.rmSync(root, { recursive: true, force: true })
})

function expressApp() {
  const app = express()
  app.use(secureLink({ signer }), express.static(root))
  return app
}

function plainHandler(req, res) {
  const verdict = signer.verifyRequest(req.url)
  if (verdict.status !== 'valid') return res.writeHead(verdict.httpStatus).end(verdict.reason)
  res.end(`served ${verdict.expires}`)
}

test('GET //private/x.jpg with a token for /x.jpg is not served (Express + express.static)', async () => {
  const port = await listen(expressApp())
  const forX = query('/x.jpg')
  assert.deepEqual(await rawGet(port, `/x.jpg${forX}`), { status: 200, body: 'x at the root\n' })
  // nginx: $uri is /private/x.jpg (slashes merged), the token is for /x.jpg: 403.
  const bypass = await rawGet(port, `//private/x.jpg${forX}`)
  assert.equal(bypass.status, 403)
  assert.doesNotMatch(bypass.body, /private/)
  // nginx: //x.jpg is /x.jpg: 200, and so is the private file with its own token.
  assert.deepEqual(await rawGet(port, `//x.jpg${forX}`), { status: 200, body: 'x at the root\n' })
  assert.equal((await rawGet(port, `//private/x.jpg${query('/private/x.jpg')}`)).status, 200)
})

test('the same on a plain node:http handler with verifyRequest(req.url)', async () => {
  const port = await listen(plainHandler)
  const forX = query('/x.jpg')
  assert.equal((await rawGet(port, `/x.jpg${forX}`)).status, 200)
  assert.equal((await rawGet(port, `//private/x.jpg${forX}`)).status, 403)
  assert.equal((await rawGet(port, `//x.jpg${forX}`)).status, 200)
  assert.equal((await rawGet(port, `///x.jpg${forX}`)).status, 200)
})

test('raw bytes that are not UTF-8 are bytes: a verdict, never an exception (no 500)', async () => {
  const port = await listen(expressApp())
  const plain = await listen(plainHandler)
  const raw = Buffer.from([0x2f, 0x63, 0x61, 0x66, 0xe9]) // "/caf" + a lone 0xE9
  const target = `${raw.toString('latin1')}?md5=${tokenFor(raw)}&expires=${EXP}`
  assert.equal(signer.verifyRequest(Buffer.from(target, 'latin1')).status, 'valid')
  assert.equal(signer.verifyRequest(target).status, 'valid') // a string: one character per byte
  // Node's HTTP parser (llhttp) answers 400 to a raw byte >= 0x80 in the target before any
  // code runs, even with insecureHTTPParser (nginx reads such bytes as bytes).
  assert.equal((await rawGet(plain, target)).status, 400)
  assert.equal((await rawGet(port, target)).status, 400)
  for (const bad of ['/\xff\xfe?md5=\xc3&expires=\x80', '/%zz', '/../../etc/passwd', '/a%00b', 'x', '*', '/?md5=%', '//']) {
    for (const p of [port, plain]) {
      const r = await rawGet(p, bad)
      assert.ok([400, 403].includes(r.status), `${JSON.stringify(bad)}: ${r.status}`)
    }
  }
})

test('every verdict status: 200, 400, 403, 410, 414; no exception for any target', () => {
  const past = new Signer(KEY, { allowPastExpiry: true })
  const old = past.signUrl('/gone.jpg', { expires: 1_000_000_000 })
  assert.equal(signer.verifyRequest(old).httpStatus, 410)
  assert.equal(signer.verifyRequest(old).reason, 'expired')
  assert.equal(signer.verifyRequest(`/x.jpg${query('/x.jpg')}`).httpStatus, 200)
  assert.equal(signer.verifyRequest('/x.jpg').reason, 'missing_token')
  assert.equal(signer.verifyRequest('/a%zz.jpg').httpStatus, 400)
  assert.equal(signer.verifyRequest(`/${'a'.repeat(9000)}`).httpStatus, 414)
  assert.equal(signer.verifyRequest(`/x.jpg${query('/x.jpg')}`, { ip: 'not an ip' }).reason, 'bad_client_ip')
  for (let i = 0; i < 2000; i++) {
    const bytes = crypto.randomBytes(1 + (i % 40))
    const v = signer.verifyRequest(bytes)
    assert.ok([200, 400, 403, 410, 414].includes(v.httpStatus))
  }
})
