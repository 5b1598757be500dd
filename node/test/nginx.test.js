'use strict'
// URLs signed from Node, validated by a real nginx secure_link edge (tests/nginx/edge.sh).
// No nginx means a failure, never a skip.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { execFileSync } = require('node:child_process')
const { Signer } = require('..')
const { REPO } = require('./support.cjs')

const EDGE = path.join(REPO, 'tests', 'nginx', 'edge.sh')
const PORT = process.env.CDN_SECURE_TOKEN_NODE_EDGE_PORT || '18280'

let dir
let env
let signer
let pastSigner
const now = () => Math.floor(Date.now() / 1000)

test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-secure-token-node-edge-'))
  execFileSync('bash', [EDGE, 'start', dir, PORT], { stdio: ['ignore', 'pipe', 'inherit'] })
  env = Object.fromEntries(
    fs
      .readFileSync(path.join(dir, 'edge.env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
  signer = new Signer(env.EDGE_KEY)
  pastSigner = new Signer(env.EDGE_KEY, { allowPastExpiry: true })
})

test.after(() => {
  if (!dir) return
  execFileSync('bash', [EDGE, 'stop', dir], { stdio: 'inherit' })
  fs.rmSync(dir, { recursive: true, force: true })
})

/** Sends `target` (path and query) exactly as given; resolves to the status code. */
function status(target, { host = '127.0.0.1', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port: Number(env.EDGE_PORT), path: target, headers, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('error', reject)
  })
}

test('the edge is up', async () => {
  assert.equal(await status('/health'), 200)
  assert.equal(env.EDGE_KEY, 'conformance-key-1')
})

test('file tokens: plain, encoded, non-ASCII and normalized paths', async () => {
  const paths = [
    '/file/photo.jpeg',
    '/file/summer trip/IMG 0001.jpg',
    '/file/ünïcødé/видео.mp4',
    '/file/a+b/c%2Bd.txt',
    '/file/x//y/./z/../w.bin',
    "/file/reserved!$&'()*,;=:@.txt",
    '/file/100%25 sure.txt',
  ]
  for (const p of paths) {
    const url = signer.signUrl(p, { ttl: 120 })
    assert.equal(await status(url), 200, `${p} -> ${url}`)
  }
})

test('absolute URLs signed with signMany are accepted', async () => {
  const urls = Array.from({ length: 50 }, (_, i) => `${env.EDGE_URL}/file/batch/${i} item.ts?q=${i}`)
  const signed = signer.signMany(urls, { ttl: 120 })
  for (const u of signed) {
    const { pathname, search } = new URL(u)
    assert.equal(await status(pathname + search), 200, u)
  }
  const viaAsync = await signer.signManyAsync(urls.slice(0, 5), { ttl: 120 })
  for (const u of viaAsync) {
    const { pathname, search } = new URL(u)
    assert.equal(await status(pathname + search), 200, u)
  }
})

test('a wrong token is 403, an expired one 410', async () => {
  const good = signer.signUrl('/file/x.jpg', { ttl: 120 })
  assert.equal(await status(good.replace('x.jpg', 'y.jpg')), 403)
  assert.equal(await status('/file/x.jpg'), 403)
  assert.equal(await status(new Signer('not-the-edge-key').signUrl('/file/x.jpg', { ttl: 120 })), 403)
  const expired = pastSigner.signUrl('/file/x.jpg', { expires: now() - 30 })
  assert.equal(await status(expired), 410)
  const expiresAsDate = signer.signUrl('/file/x.jpg', { expires: new Date(Date.now() + 120_000) })
  assert.equal(await status(expiresAsDate), 200)
})

test('Node agrees with the edge on every verdict', async () => {
  const cases = [
    signer.signUrl('/file/v.jpg', { ttl: 120 }),
    pastSigner.signUrl('/file/v.jpg', { expires: now() - 30 }),
    signer.signUrl('/file/v.jpg', { ttl: 120 }).replace('v.jpg', 'w.jpg'),
    '/file/v.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=99999999999',
  ]
  for (const url of cases) {
    assert.equal(await status(url), signer.verify(url).httpStatus, url)
  }
})

test('IP-bound tokens over IPv4 and IPv6', async () => {
  assert.equal(await status(signer.signUrl('/ip/a.jpg', { ttl: 120, ip: '127.0.0.1' })), 200)
  assert.equal(await status(signer.signUrl('/ip/a.jpg', { ttl: 120, ip: '127.0.0.2' })), 403)
  assert.equal(await status(signer.signUrl('/ip/a.jpg', { ttl: 120, ip: '0:0:0:0:0:0:0:1' }), { host: '::1' }), 200)
  assert.equal(await status(signer.signUrl('/ip/a.jpg', { ttl: 120, ip: '::1' })), 403)
})

test('directory tokens', async () => {
  const master = signer.signUrl('/dir/show/ep1/master.m3u8', { ttl: 120, kind: 'directory' })
  assert.equal(await status(master), 200)
  const query = master.slice(master.indexOf('?'))
  assert.equal(await status(`/dir/show/ep1/seg-001.ts${query}`), 200)
  assert.equal(await status(`/dir/show/ep1/720p/seg-001.ts${query}`), 403)
  const withIp = signer.signUrl('/ipdir/show/ep1/master.m3u8', { ttl: 120, kind: 'directory', ip: '127.0.0.1' })
  assert.equal(await status(withIp), 200)
})

test('MP4 tokens with speed and buffer', async () => {
  assert.equal(await status(signer.signUrl('/mp4/movie.mp4', { ttl: 120, kind: 'mp4' })), 200)
  const limited = signer.signUrl('/mp4/movie.mp4', { ttl: 120, kind: 'mp4', speed: '1m', buffer: 10 })
  assert.equal(await status(limited), 200)
  assert.equal(await status(limited.replace('speed=1m', 'speed=2m')), 403)
  const ip = signer.signUrl('/ipmp4/movie.mp4', { ttl: 120, kind: 'mp4', speed: '500k', ip: '127.0.0.1' })
  assert.equal(await status(ip), 200)
})

test('Video Streaming path tokens', async () => {
  for (const stream of ['vod', 'cmaf', 'mpegts', 'streams']) {
    const url = signer.streamUrl({ stream, account: 123, id: 'abc-DEF_1', ttl: 120 })
    assert.equal(await status(url), 200, url)
    assert.equal(signer.verify(url, { kind: 'stream' }).status, 'valid')
  }
  const seg = signer.streamUrl({ account: '7', id: 'vid', file: '720p/seg 1.ts', ttl: 120 })
  assert.equal(await status(seg), 200, seg)
  const expired = pastSigner.streamUrl({ account: 7, id: 'vid', expires: now() - 30 })
  assert.equal(await status(expired), 410)
  const ipBound = signer.streamUrl({ account: 7, id: 'vid', ttl: 120, ip: '127.0.0.1' })
  assert.equal(await status(ipBound, { headers: { Host: 'ipstream.edge' } }), 200)
  assert.equal(await status(ipBound), 403)
})

test('random and UTF-8 keys (EDGE_KEY_1..4)', async () => {
  for (const [loc, name, ip] of [
    ['k1', 'EDGE_KEY_1'],
    ['k2', 'EDGE_KEY_2', '127.0.0.1'],
    ['k3', 'EDGE_KEY_3'],
    ['k4', 'EDGE_KEY_4'],
  ]) {
    const s = new Signer(env[name])
    assert.equal(await status(s.signUrl(`/${loc}/file name.jpg`, { ttl: 120, ip })), 200, loc)
  }
})

test('key rotation: the new signing key is the one the edge knows', async () => {
  const rotated = new Signer(env.EDGE_KEY, { verifyKeys: ['previous-key'] })
  const url = rotated.signUrl('/file/rotated.jpg', { ttl: 120 })
  assert.equal(await status(url), 200)
  const old = new Signer('previous-key').signUrl('/file/rotated.jpg', { ttl: 120 })
  assert.equal(rotated.verify(old).status, 'valid')
  assert.equal(await status(old), 403)
})
