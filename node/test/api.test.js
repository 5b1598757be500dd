'use strict'
// Every core capability through the JavaScript API: token variants, sign, batch, verify,
// explain, key rotation, clocks and Dates.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Signer } = require('..')
const { referenceToken } = require('./support.cjs')

const KEY = 'secret-key'
const NOW = 1_700_000_000
const EXP = 2_147_483_647

test('expires as a Date equals expires in seconds (rounded down)', () => {
  const s = new Signer(KEY, { now: NOW })
  const date = new Date(EXP * 1000 + 999)
  assert.equal(s.signUrl('/a.jpg', { expires: date }), s.signUrl('/a.jpg', { expires: EXP }))
  assert.deepEqual(s.tokenWith('/a.jpg', { expires: date }).expires, EXP)
})

test('ttl counts from now; now may be a Date or the signer clock', () => {
  const s = new Signer(KEY, { now: NOW })
  assert.equal(s.now(), NOW)
  assert.equal(s.tokenWith('/a', { ttl: 60 }).expires, NOW + 60)
  assert.equal(s.tokenWith('/a', { ttl: 60, now: new Date((NOW + 5) * 1000) }).expires, NOW + 65)
  const real = new Signer(KEY)
  const before = Math.floor(Date.now() / 1000)
  const t = real.tokenWith('/a', { ttl: 30 }).expires
  assert.ok(t >= before + 30 && t <= Math.floor(Date.now() / 1000) + 30)
  assert.ok(Math.abs(real.now() - Date.now() / 1000) < 5)
  const frozen = new Signer(KEY, { now: new Date(NOW * 1000) })
  assert.equal(frozen.now(), NOW)
})

test('defaultTtl applies when a call gives neither expires nor ttl', () => {
  const s = new Signer(KEY, { now: NOW, defaultTtl: 3600 })
  assert.equal(s.defaultTtl, 3600)
  assert.equal(s.signUrl('/t.jpg'), '/t.jpg?md5=_ATNOrlBOK37hOdjqWBibg&expires=1700003600')
  assert.equal(new Signer(KEY).defaultTtl, null)
})

test('allowPastExpiry lets a past expiry through (off by default)', () => {
  assert.throws(() => new Signer(KEY, { now: NOW }).token('/a', { expires: NOW - 10 }), { code: 'ERR_SECURE_TOKEN_INVALID_EXPIRY' })
  const s = new Signer(KEY, { now: NOW, allowPastExpiry: true })
  const url = s.signUrl('/a', { expires: NOW - 10 })
  assert.equal(s.verify(url).status, 'expired')
  assert.equal(s.verify(url).httpStatus, 410)
})

test('file, directory and MP4 tokens match the documented strings', () => {
  const s = new Signer(KEY, { now: NOW })
  assert.equal(s.token('/photo.jpeg', { expires: EXP }), referenceToken(`${EXP}/photo.jpeg ${KEY}`))
  assert.equal(s.token('/photo.jpeg', { expires: EXP, ip: '1.2.3.4' }), referenceToken(`${EXP}/photo.jpeg1.2.3.4 ${KEY}`))
  assert.equal(
    s.token('/videos/v1/index.m3u8', { expires: EXP, kind: 'directory' }),
    referenceToken(`${EXP}/videos/v1/ ${KEY}`),
  )
  assert.equal(
    s.token('/m.mp4', { expires: EXP, kind: 'mp4', speed: '1m', buffer: 10, ip: '1.2.3.4' }),
    referenceToken(`/m.mp4_${KEY}_${EXP}_1m_10_1.2.3.4`),
  )
  assert.equal(s.token('/m.mp4', { expires: EXP, kind: 'mp4' }), referenceToken(`/m.mp4_${KEY}_${EXP}___`))
  assert.deepEqual(s.tokenWith('/a', { expires: EXP }), { token: referenceToken(`${EXP}/a ${KEY}`), expires: EXP })
  const mp4 = s.signUrl('https://cdn.example/m.mp4', { expires: EXP, kind: 'mp4', speed: '500k', buffer: 10 })
  assert.match(mp4, /&speed=500k&buffer=10$/)
  assert.equal(s.verify(mp4, { kind: 'mp4', now: NOW }).status, 'valid')
})

test('stream tokens and links, account as a number or a string', () => {
  const s = new Signer(KEY, { now: NOW })
  const a = s.streamToken(123, 'abc', { expires: EXP })
  const b = s.streamToken('123', 'abc', { expires: EXP })
  assert.deepEqual(a, b)
  assert.equal(a.token, referenceToken(`123_abc_${KEY}_${EXP}_`))
  const url = s.streamUrl({ account: 123, id: 'abc', ttl: 60 })
  assert.equal(url, `/videos/123_abc/${s.streamToken(123, 'abc', { ttl: 60 }).token}/${NOW + 60}/master.m3u8`)
  assert.equal(s.verify(url, { kind: 'stream' }).status, 'valid')
  assert.equal(s.verify(url.replace('master.m3u8', '720p/seg-1.ts'), { kind: 'stream' }).status, 'valid')
  assert.equal(s.verify(url, { kind: 'stream', now: NOW + 61 }).status, 'expired')
})

test('verify: valid 200, expired 410, invalid 403 with reasons', () => {
  const s = new Signer(KEY, { now: NOW })
  const url = s.signUrl('https://cdn.example/p.jpg', { ttl: 60 })
  assert.deepEqual(s.verify(url), {
    status: 'valid',
    httpStatus: 200,
    reason: null,
    message: null,
    expires: NOW + 60,
    keyIndex: 0,
  })
  const expired = s.verify(url, { now: new Date((NOW + 61) * 1000) })
  assert.equal(expired.status, 'expired')
  assert.equal(expired.httpStatus, 410)
  assert.equal(expired.reason, 'expired')
  assert.match(expired.message, /expired/)
  const tampered = s.verify(url.replace('p.jpg', 'q.jpg'))
  assert.equal(tampered.status, 'invalid')
  assert.equal(tampered.httpStatus, 403)
  assert.equal(tampered.reason, 'mismatch')
  assert.equal(tampered.keyIndex, null)
  assert.equal(s.verify('/p.jpg').reason, 'missing_token')
})

test('key rotation: old links stay valid, new links use the new key', () => {
  const old = new Signer('old-key-1', { now: NOW })
  const rotated = new Signer('new-key-2', { now: NOW, verifyKeys: ['old-key-1'] })
  assert.equal(rotated.keyCount, 2)
  const oldUrl = old.signUrl('/a.jpg', { ttl: 60 })
  const newUrl = rotated.signUrl('/a.jpg', { ttl: 60 })
  assert.equal(rotated.verify(oldUrl).keyIndex, 1)
  assert.equal(rotated.verify(newUrl).keyIndex, 0)
  assert.equal(old.verify(newUrl).status, 'invalid')
  assert.equal(rotated.explain(newUrl).matches, true)
  assert.equal(rotated.explain(oldUrl).matches, false)
})

test('explain shows what is hashed, with the key masked', () => {
  const s = new Signer(KEY, { now: NOW })
  const e = s.explain('https://cdn.example/a%20b/./c.jpg', { expires: EXP, ip: '::FFFF:1.2.3.4' })
  assert.deepEqual(e, {
    kind: 'file',
    hashedPath: '/a b/c.jpg',
    expires: String(EXP),
    ip: '::ffff:1.2.3.4',
    stringToSign: `${EXP}/a b/c.jpg::ffff:1.2.3.4 ***`,
    expectedToken: referenceToken(`${EXP}/a b/c.jpg::ffff:1.2.3.4 ${KEY}`),
    foundToken: null,
    matches: null,
  })
  const d = s.explain('/v/1/seg.ts', { kind: 'directory', expires: new Date(EXP * 1000) })
  assert.equal(d.hashedPath, '/v/1/')
  assert.equal(d.kind, 'directory')
})

test('signMany equals signUrl one at a time, small and large batches', () => {
  const s = new Signer(KEY, { now: NOW })
  for (const n of [0, 1, 17, 5000]) {
    const urls = Array.from({ length: n }, (_, i) => `https://cdn.example/v/${i}/seg ${i}.ts?x=${i}`)
    const opts = { ttl: 600, ip: '10.0.0.1' }
    assert.deepEqual(s.signMany(urls, opts), urls.map((u) => s.signUrl(u, opts)))
  }
})

// That the event loop turns while the batch is hashed is batch.test.js's "signManyAsync runs
// off the main thread". (This test used to check that a setImmediate queued before the call
// ran before the promise settled: on 2 busy cores the worker thread can finish while the main
// thread waits for the CPU, so it failed about one run in six.)
test('signManyAsync gives the same result as signMany', async () => {
  const s = new Signer(KEY, { now: NOW })
  const urls = Array.from({ length: 200_000 }, (_, i) => `/v/${i}.ts`)
  const pending = s.signManyAsync(urls, { expires: EXP })
  assert.ok(pending instanceof Promise)
  const got = await pending
  assert.equal(got.length, urls.length)
  assert.deepEqual(got.slice(0, 3), s.signMany(urls.slice(0, 3), { expires: EXP }))
  assert.equal(got[199_999], s.signUrl('/v/199999.ts', { expires: EXP }))
})

test('options may be null or undefined fields', () => {
  const s = new Signer(KEY, null)
  assert.equal(
    s.signUrl('/a', { expires: EXP, ttl: null, ip: undefined, kind: null }),
    s.signUrl('/a', { expires: EXP }),
  )
  assert.equal(s.verify('/a?md5=x&expires=1', null).status, 'invalid')
})

test('the addon loads and signs in worker threads too', async () => {
  const { Worker } = require('node:worker_threads')
  const path = require('node:path')
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    const { Signer } = require(workerData)
    const s = new Signer('secret-key')
    parentPort.postMessage([
      s.signUrl('/photo.jpeg', { expires: 2147483647 }),
      s.verify('/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647', { now: 1 }).status,
      s.signMany(Array(100).fill('/a'), { expires: 2147483647 }).length,
    ])`
  const run = () =>
    new Promise((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: path.resolve(__dirname, '..') })
      w.once('message', (m) => {
        w.terminate().then(() => resolve(m), reject)
      })
      w.once('error', reject)
    })
  for (const m of await Promise.all([run(), run()])) {
    assert.deepEqual(m, ['/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647', 'valid', 100])
  }
})

test('prepare: options checked once, accepted wherever sign options are', async () => {
  const s = new Signer(KEY, { now: NOW })
  const plain = { expires: EXP, ip: '203.0.113.7' }
  const p = s.prepare(plain)
  const urls = ['/a.jpg', 'https://cdn.example.com/b c.ts?x=1', '/c/']
  assert.equal(s.signUrl(urls[0], p), s.signUrl(urls[0], plain))
  assert.deepEqual(s.signMany(urls, p), urls.map((u) => s.signUrl(u, plain)))
  assert.deepEqual(await s.signManyAsync(urls, p), s.signMany(urls, plain))
  assert.equal(s.signJoined(urls.join('\n'), p), s.signMany(urls, plain).join('\n'))
  assert.equal(await s.signJoinedAsync(urls.join('\n'), p), s.signMany(urls, plain).join('\n'))
  assert.equal(s.signJoined('', p), '')
  assert.equal(s.token('/a.jpg', p), s.token('/a.jpg', plain))
  assert.deepEqual(s.tokenWith('/a.jpg', p), s.tokenWith('/a.jpg', plain))
  // Reading happens once: changing the object afterwards changes nothing.
  const later = { expires: EXP }
  const q = s.prepare(later)
  later.expires = EXP - 1
  assert.equal(s.signUrl('/a', q), s.signUrl('/a', { expires: EXP }))
  // ttl counts from each call's now, as with a plain object.
  const t = s.prepare({ ttl: 60 })
  assert.equal(s.tokenWith('/a', t).expires, NOW + 60)
  // What a sign call would throw, prepare throws.
  for (const [bad, code] of [
    [{ expires: EXP, ip: 'not-an-ip' }, 'ERR_SECURE_TOKEN_INVALID_IP'],
    [{ expires: 'soon' }, 'ERR_SECURE_TOKEN_INVALID_EXPIRY'],
    [{ expires: EXP, ttl: 60 }, 'ERR_SECURE_TOKEN_INVALID_EXPIRY'],
    [{ expires: EXP, kind: 'stream' }, undefined],
    [{}, 'ERR_SECURE_TOKEN_INVALID_EXPIRY'],
  ]) {
    const want = (() => {
      try {
        s.signUrl('/a', bad)
      } catch (err) {
        return err
      }
    })()
    assert.ok(want, JSON.stringify(bad))
    assert.throws(() => s.prepare(bad), { code: code ?? want.code, constructor: want.constructor })
  }
  assert.throws(() => s.prepare(5), TypeError)
  assert.ok(!Object.keys(p).length, 'a prepared value shows nothing')
})
