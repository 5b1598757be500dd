'use strict'
// main.js takes the options of signUrl / token / verify / signMany apart in JavaScript and
// passes the fields positionally (and a batch as one joined string). This checks that these
// fast paths and the addon's own options-object paths agree on every outcome: the same
// string or result, or the same error (class, code, message, batch index), over a matrix of
// good and bad values.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')

// The generated loader's methods, captured before main.js replaces them.
const raw = require('../index.js')
const slow = {
  signUrl: raw.Signer.prototype.signUrl,
  token: raw.Signer.prototype.token,
  verify: raw.Signer.prototype.verify,
  signMany: raw.Signer.prototype.signMany,
  signManyAsync: raw.Signer.prototype.signManyAsync,
}
const { Signer } = require('..')
const { referenceToken } = require('./support.cjs')

assert.notEqual(Signer.prototype.signUrl, slow.signUrl, 'main.js did not install its fast path')

const KEY = 'fast-path-key'
const NOW = 1_700_000_000
const signer = new Signer(KEY, { now: NOW, verifyKeys: ['rotated-key-1'] })

function outcome(fn) {
  try {
    return { value: fn() }
  } catch (err) {
    return { error: { class: err.constructor.name, code: err.code, message: err.message } }
  }
}

const GOOD = {
  expires: [2147483647, NOW + 60, new Date((NOW + 60) * 1000)],
  ttl: [60, 3600],
  ip: ['1.2.3.4', '::FFFF:1.2.3.4', null],
  kind: ['file', 'directory', 'mp4', null],
  speed: ['1m', 500],
  buffer: [10, '10'],
  now: [NOW, new Date(NOW * 1000), null],
}
const BAD = {
  expires: [NOW * 1000, 1.5, '60', 0, -1, new Date(NaN), NOW - 1, 2n],
  ttl: [0, Date.now(), 2.5, '60', new Date()],
  ip: ['bad', 12, '1.2.3.4:80'],
  kind: ['stream', 'bogus', 3],
  speed: ['a b', {}, 1.5],
  buffer: [-1, ''],
  now: ['now', 1.5, new Date(NaN)],
}

// A seeded walk over option objects: each field absent, good or (less often) bad.
function* optionObjects(count, seed = 7) {
  let state = seed
  const rand = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return state / 2 ** 32
  }
  const pick = (list) => list[Math.floor(rand() * list.length)]
  for (let i = 0; i < count; i++) {
    const o = {}
    for (const field of Object.keys(GOOD)) {
      const r = rand()
      if (field === 'ttl' && 'expires' in o && r < 0.9) continue
      if ((field === 'speed' || field === 'buffer') && o.kind !== 'mp4' && r < 0.9) continue
      if (r < 0.4) continue
      o[field] = r < 0.85 ? pick(GOOD[field]) : pick(BAD[field])
    }
    yield o
  }
}

test('signUrl: fast path equals the options-object path', () => {
  for (const o of optionObjects(1500)) {
    for (const url of ['https://cdn.example/a b/c.jpg?x=1', '/v/seg.ts', '/%zz', 5]) {
      assert.deepEqual(
        outcome(() => signer.signUrl(url, o)),
        outcome(() => slow.signUrl.call(signer, url, o)),
        util.inspect({ url, o }),
      )
    }
  }
})

test('token: fast path equals the options-object path', () => {
  for (const o of optionObjects(1500)) {
    for (const path of ['/a b/c.jpg', '/dir/', 7]) {
      assert.deepEqual(outcome(() => signer.token(path, o)), outcome(() => slow.token.call(signer, path, o)))
    }
  }
})

test('non-object options take the options-object path and its TypeError', () => {
  for (const o of [60, 'x', [1], new Date(), () => {}, true]) {
    const fast = outcome(() => signer.signUrl('/a', o))
    assert.equal(fast.error.class, 'TypeError')
    assert.deepEqual(fast, outcome(() => slow.signUrl.call(signer, '/a', o)))
    assert.deepEqual(outcome(() => signer.verify('/a', o)), outcome(() => slow.verify.call(signer, '/a', o)))
  }
})

test('verify: fast path (and its packed valid result) equals the options-object path', () => {
  const urls = [
    signer.signUrl('/a.jpg', { ttl: 60 }),
    signer.signUrl('/a.jpg', { ttl: 60, ip: '1.2.3.4' }),
    signer.signUrl('/d/x.ts', { ttl: 60, kind: 'directory' }),
    signer.signUrl('/m.mp4', { ttl: 60, kind: 'mp4', speed: '1m' }),
    signer.streamUrl({ account: 1, id: 'v', ttl: 60 }),
    new Signer('rotated-key-1').signUrl('/old.jpg', { expires: 2147483647 }),
    `/big?md5=${referenceToken(`${2 ** 50}/big ${KEY}`)}&expires=${2 ** 50}`,
    `/max?md5=${referenceToken(`99999999999/max ${KEY}`)}&expires=99999999999`,
    '/a.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=1',
    '/a.jpg',
    '/%zz?md5=x&expires=1',
  ]
  const optionSets = [
    undefined,
    {},
    { now: NOW + 61 },
    { now: new Date(NOW * 1000), ip: '1.2.3.4' },
    { kind: 'directory' },
    { kind: 'mp4' },
    { kind: 'stream' },
    { ip: 'bad' },
    { now: 'x' },
    { kind: 'nope' },
  ]
  for (const url of urls) {
    for (const o of optionSets) {
      const fast = outcome(() => signer.verify(url, o))
      assert.deepEqual(fast, outcome(() => slow.verify.call(signer, url, o)), util.inspect({ url, o }))
    }
  }
  const big = signer.verify(urls[6])
  assert.equal(big.status, 'valid')
  assert.equal(big.expires, 2 ** 50)
  assert.deepEqual(signer.verify(urls[5]), {
    status: 'valid',
    httpStatus: 200,
    reason: null,
    message: null,
    expires: 2147483647,
    keyIndex: 1,
  })
})

test('verify: every key index unpacks', () => {
  const keys = Array.from({ length: 15 }, (_, i) => `rotation-key-${i}`)
  const s = new Signer('signing-key-0', { verifyKeys: keys, now: NOW })
  assert.equal(s.keyCount, 16)
  for (let i = 0; i < keys.length; i++) {
    const url = new Signer(keys[i]).signUrl('/k.jpg', { expires: 99_999_999_999 })
    const r = s.verify(url)
    assert.equal(r.keyIndex, i + 1)
    assert.equal(r.expires, 99_999_999_999)
  }
})

test('signMany / signManyAsync: joined batches equal the array path', async () => {
  const slowMany = slow.signMany
  const slowAsync = slow.signManyAsync
  assert.notEqual(Signer.prototype.signMany, slowMany)
  const base = Array.from({ length: 200 }, (_, i) => `https://cdn.example/v/${i}/seg ${i}.ts?q=${i}#f`)
  const withBad = (i, bad) => base.map((u, j) => (j === i ? bad : u))
  const batches = [
    base,
    base.slice(0, 63), // below the join threshold
    base.slice(0, 64),
    withBad(70, '/../above-root'),
    withBad(0, '/%zz'),
    withBad(199, 'relative'),
    withBad(5, '/nul\u0000inside'),
    withBad(6, '/newline\ninside'),
    withBad(7, 42),
    withBad(8, undefined),
  ]
  const optionSets = [undefined, { ttl: 60 }, { expires: 2147483647, ip: '10.0.0.1' }, { expires: Date.now() }, { ttl: 60, kind: 'mp4', speed: '1m' }, 7]
  for (const urls of batches) {
    for (const o of optionSets) {
      const label = util.inspect({ n: urls.length, o })
      const fast = outcome(() => signer.signMany(urls, o))
      const slowOut = outcome(() => slowMany.call(signer, urls, o))
      if (slowOut.error) slowOut.error.index = thrownIndex(() => slowMany.call(signer, urls, o))
      if (fast.error) fast.error.index = thrownIndex(() => signer.signMany(urls, o))
      assert.deepEqual(fast, slowOut, label)
      const fastAsync = await settle(signer.signManyAsync(urls, o))
      const slowAsyncOut = await settle(slowAsync.call(signer, urls, o))
      assert.deepEqual(fastAsync, slowAsyncOut, label)
      assert.deepEqual(fastAsync, fast, label)
    }
  }
  const sparse = base.slice()
  delete sparse[100]
  assert.equal(outcome(() => signer.signMany(sparse, { ttl: 60 })).error.code, 'ERR_SECURE_TOKEN_INVALID_URL')
})

function thrownIndex(fn) {
  try {
    fn()
  } catch (err) {
    return err.index
  }
  return undefined
}

async function settle(promise) {
  try {
    return { value: await promise }
  } catch (err) {
    return { error: { class: err.constructor.name, code: err.code, message: err.message, index: err.index } }
  }
}

test('an options getter that throws propagates its error (and signManyAsync rejects)', async () => {
  const options = {
    get expires() {
      throw new Error('getter failed')
    },
  }
  const urls = Array.from({ length: 100 }, (_, i) => `/g/${i}`)
  assert.throws(() => signer.signUrl('/a', options), { message: 'getter failed' })
  assert.throws(() => slow.signUrl.call(signer, '/a', options), { message: 'getter failed' })
  assert.throws(() => signer.signMany(urls, options), { message: 'getter failed' })
  let promise
  assert.doesNotThrow(() => {
    promise = signer.signManyAsync(urls, options)
  })
  await assert.rejects(promise, { message: 'getter failed' })
  // The addon's own options-object path: the promise is returned, then rejects.
  for (const batch of [urls, ['/one']]) {
    let p
    assert.doesNotThrow(() => {
      p = slow.signManyAsync.call(signer, batch, options)
    })
    await assert.rejects(p, { message: 'getter failed' })
  }
  const throwsText = {
    get ttl() {
      throw 'not an Error' // eslint-disable-line no-throw-literal
    },
  }
  assert.throws(() => signer.signUrl('/a', throwsText), (e) => e === 'not an Error')
  await assert.rejects(signer.signManyAsync(['/a'], throwsText), { message: 'not an Error' })
  // Whatever the getter throws, the fast path rejects with what the addon's path does.
  for (const thrownValue of ['text', 42, null, undefined, Symbol('s'), () => {}, new TypeError('t')]) {
    const o = {
      get ip() {
        throw thrownValue
      },
    }
    assert.deepEqual(await settle(signer.signManyAsync(urls, o)), await settle(slow.signManyAsync.call(signer, urls, o)))
  }
})

// String arguments are converted in one pass, on the stack up to 170 UTF-16 units and on the
// heap beyond; the signed URL is made as a Latin-1 string when it is ASCII.
test('string arguments of any length and alphabet: the token hashes their UTF-8', () => {
  const EXP = 2147483647
  const alphabets = ['a', 'é', '€', '😀', 'a\uD800', '\uDC00', 'ab€😀']
  const encode = (p) =>
    Array.from(Buffer.from(p, 'utf8'), (b) =>
      b < 0x80 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    ).join('')
  const paths = []
  for (const chunk of alphabets) {
    for (const units of [1, 60, 168, 169, 170, 171, 172, 500, 2700]) {
      paths.push(`/${chunk.repeat(Math.ceil(units / chunk.length)).slice(0, units)}`)
    }
  }
  for (const p of paths) {
    const label = `${JSON.stringify(p.slice(0, 12))}… (${p.length} units)`
    const token = referenceToken(`${EXP}${p} ${KEY}`)
    assert.equal(signer.token(p, { expires: EXP }), token, label)
    const signed = `${encode(p)}?md5=${token}&expires=${EXP}`
    assert.equal(signer.signUrl(p, { expires: EXP }), signed, label)
    assert.equal(slow.signUrl.call(signer, p, { expires: EXP }), signed, label)
    assert.equal(signer.verify(signed, { now: NOW }).status, 'valid', label)
  }
  assert.deepEqual(
    signer.signMany(paths, { expires: EXP }),
    paths.map((p) => signer.signUrl(p, { expires: EXP })),
  )
})

test('bound functions: one set per signer, alive as long as they are reachable', () => {
  const v8 = require('node:v8')
  const vm = require('node:vm')
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc')
  let s = new Signer(KEY, { now: NOW })
  const expected = s.signUrl('/a', { ttl: 60 })
  const fns = s._bind()
  assert.deepEqual(Object.keys(fns).sort(), ['signMany', 'signUrl', 'token', 'verify'])
  s = null
  for (let i = 0; i < 2000; i++) new Signer(`${KEY}-${i}`).signUrl('/x', { ttl: 60 })
  gc()
  // Each function holds its signer: still usable after the Signer object is collected.
  assert.equal(fns.signUrl('/a', undefined, 60), expected)
  assert.throws(() => fns.signUrl(1), { code: 'ERR_SECURE_TOKEN_INVALID_URL' })
  gc()
  for (const receiver of [{}, Object.create(Signer.prototype), null]) {
    assert.throws(() => Signer.prototype.signUrl.call(receiver, '/a', { ttl: 60 }), TypeError)
  }
})

test('signMany: every batch size across chunk boundaries; a kept URL does not keep its batch', async () => {
  const v8 = require('node:v8')
  const vm = require('node:vm')
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc')
  const o = { expires: 2147483647 }
  for (const n of [1, 2, 63, 64, 65, 127, 128, 129, 1000]) {
    const urls = Array.from({ length: n }, (_, i) => `/c/${i}.ts?n=${n}`)
    const one = urls.map((u) => signer.signUrl(u, o))
    assert.deepEqual(signer.signMany(urls, o), one, `n=${n}`)
    assert.deepEqual(await signer.signManyAsync(urls, o), one, `n=${n}`)
  }
  assert.deepEqual(signer.signMany([], o), [])
  // A sparse array claiming 4 billion items fails at its first hole (no allocation for all).
  const sparse = ['/a']
  sparse[2 ** 32 - 2] = '/b'
  for (const attempt of [() => signer.signMany(sparse, o), () => slow.signMany.call(signer, sparse, o)]) {
    assert.throws(attempt, { code: 'ERR_SECURE_TOKEN_INVALID_URL', index: 1 })
  }
  await assert.rejects(signer.signManyAsync(sparse, o), { code: 'ERR_SECURE_TOKEN_INVALID_URL', index: 1 })
  // The URLs come back as slices of the strings the addon made: keeping one of each batch
  // must keep a small chunk alive, not the batch (20,000 URLs are ~2 MB of text).
  const urls = Array.from({ length: 20_000 }, (_, i) => `https://cdn.example/v/${i}/seg-${i}.ts`)
  const kept = []
  gc()
  const before = process.memoryUsage().heapUsed
  for (let r = 0; r < 30; r++) kept.push(signer.signMany(urls, o)[r * 600])
  gc()
  const grown = process.memoryUsage().heapUsed - before
  assert.ok(grown < 10_000_000, `heap grew by ${grown} bytes for ${kept.length} kept URLs`)
})
