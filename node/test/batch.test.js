'use strict'
// signMany / signManyAsync against a loop of signUrl: the same signed URLs, or the same
// error naming the first failing item (err.index), synchronously and off the main thread.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const { Signer } = require('..')
const { referenceToken } = require('./support.cjs')

const KEY = 'joined-batch-key'
const EXP = 2147483647
const signer = new Signer(KEY, { now: 1_700_000_000 })
const opts = { expires: EXP }

function describe(err) {
  return { class: err.constructor.name, code: err.code, index: err.index }
}

function outcome(fn) {
  try {
    return { value: fn() }
  } catch (err) {
    return { error: describe(err) }
  }
}

async function settle(promise) {
  try {
    return { value: await promise }
  } catch (err) {
    return { error: describe(err) }
  }
}

// What a loop of signUrl gives for the batch: every URL, or the first item's error.
function loop(urls, o) {
  const out = []
  for (let i = 0; i < urls.length; i++) {
    const r = outcome(() => signer.signUrl(urls[i], o))
    if (r.error) return { error: { ...r.error, index: i } }
    out.push(r.value)
  }
  return { value: out }
}

async function agree(urls, o = opts, label = '') {
  const what = `${label} ${util.inspect({ n: urls.length, o }, { depth: 1 })}`
  const sync = outcome(() => signer.signMany(urls, o))
  assert.deepEqual(sync, loop(urls, o), what)
  assert.deepEqual(await settle(signer.signManyAsync(urls, o)), sync, what)
  return sync
}

const base = (n, tag = 'u') => Array.from({ length: n }, (_, i) => `https://cdn.example/${tag}/${i}/seg-${i}.ts?q=${i}`)
const put = (list, i, v) => list.map((u, j) => (j === i ? v : u))

test('batches of every size equal a loop of signUrl', async () => {
  for (const n of [0, 1, 2, 3, 8, 63, 64, 65, 700, 1500, 5000]) {
    const r = await agree(base(n))
    assert.equal(r.value.length, n)
  }
  const long = ['/s', `/a?${'q'.repeat(6000)}`, '/t']
  await agree(long)
})

test('a failing URL is named by its index, at any position', async () => {
  const n = 3000
  for (const i of [0, 1, 700, 2999]) {
    for (const bad of ['/a%zz', 'relative', '/../up', '/a\nb']) {
      const r = await agree(put(base(n), i, bad), opts, `${bad} at ${i}`)
      assert.equal(r.error.index, i)
      assert.match(outcome(() => signer.signMany(put(base(n), i, bad), opts)).error.class, /Error/)
    }
  }
  const err = outcome(() => signer.signMany(put(base(10), 3, '/a%zz'), opts)).error
  assert.deepEqual(err, { class: 'Error', code: 'ERR_SECURE_TOKEN_INVALID_PATH', index: 3 })
  // A bad option is reported before any URL.
  const r = outcome(() => signer.signMany(put(base(10), 3, '/a%zz'), { expires: 'soon' }))
  assert.equal(r.error.code, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  assert.equal(r.error.index, undefined)
})

test('an item that is not a string is a TypeError with its index', () => {
  const bads = [undefined, null, 42, true, {}, [], Symbol('s'), 10n, new String('/boxed'), () => '/f', new Date(0)]
  for (const i of [0, 1, 999]) {
    for (const bad of bads) {
      const err = outcome(() => signer.signMany(put(base(1000), i, bad), opts)).error
      assert.deepEqual(err, { class: 'TypeError', code: 'ERR_SECURE_TOKEN_INVALID_URL', index: i }, String(bad))
    }
  }
  for (const notArray of ['/a', { length: 1, 0: '/a' }, 5, null]) {
    const err = outcome(() => signer.signMany(notArray, opts)).error
    assert.equal(err.class, 'TypeError')
    assert.equal(err.code, 'ERR_SECURE_TOKEN_INVALID_URL')
  }
})

test('non-ASCII and lone surrogates are signed as one URL at a time', async () => {
  const items = ['/é/ü.jpg', '/€/😀.ts', '/lone-high-\uD800', '\uDC00/lone-low', '/\uD83D\uDE00-pair', '/after']
  const fine = items.filter((u) => outcome(() => signer.signUrl(u, opts)).value !== undefined)
  assert.ok(fine.length >= 4, util.inspect(fine))
  await agree(fine)
  // A lone surrogate becomes U+FFFD, as in any N-API string conversion.
  const [one] = signer.signMany(['/x\uD800'], opts)
  assert.equal(one, `/x%EF%BF%BD?md5=${referenceToken(`${EXP}/x\uFFFD ${KEY}`)}&expires=${EXP}`)
})

test('holes, getters, subclasses and frozen arrays', async () => {
  const holey = base(100)
  delete holey[50]
  assert.equal((await agree(holey)).error.index, 50)
  const withGetter = base(100)
  Object.defineProperty(withGetter, 7, { get: () => '/got', enumerable: true })
  assert.equal((await agree(withGetter)).value[7], signer.signUrl('/got', opts))
  class Urls extends Array {}
  await agree(Urls.from(base(80)))
  assert.equal((await agree(Object.freeze(base(70)))).value.length, 70)
})

test('a huge batch equals signUrl, sync and async', async () => {
  const n = 120_000
  const urls = Array.from({ length: n }, (_, i) => `/h/${i % 991}/${'é'.repeat(i % 3)}part-${i}.ts`)
  const out = signer.signMany(urls, opts)
  assert.equal(out.length, n)
  assert.deepEqual(await signer.signManyAsync(urls, opts), out)
  for (let i = 0; i < n; i += 997) assert.equal(out[i], signer.signUrl(urls[i], opts), `item ${i}`)
})

test('signManyAsync runs off the main thread: the event loop turns while it hashes', async () => {
  const urls = base(300_000)
  let ticks = 0
  const timer = setInterval(() => ticks++, 0)
  const t0 = process.hrtime.bigint()
  const out = await signer.signManyAsync(urls, opts)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  clearInterval(timer)
  assert.equal(out.length, urls.length)
  // Each turn of the loop ran a timer callback; a blocked loop would run none until the end.
  assert.ok(ticks >= 2 || ms < 5, `${ticks} timer callbacks in ${ms.toFixed(1)} ms`)
})

test('a SignBuffer gives the same results batch after batch, at every size, and after a failure', () => {
  const { SignBuffer } = require('..')
  const buffer = new SignBuffer()
  for (const n of [5000, 1, 0, 70, 3000, 2]) {
    const urls = base(n, `b${n}`)
    assert.deepEqual(signer.signMany(urls, opts, buffer), loop(urls, opts).value, `n=${n}`)
  }
  const bad = outcome(() => signer.signMany(put(base(100), 40, '/a%zz'), opts, buffer)).error
  assert.deepEqual(bad, { class: 'Error', code: 'ERR_SECURE_TOKEN_INVALID_PATH', index: 40 })
  assert.deepEqual(signer.signMany(base(9), opts, buffer), loop(base(9), opts).value)
})

test('JavaScript run while a SignBuffer is in use (an item getter signing with it) sees its own batch', () => {
  const { SignBuffer } = require('..')
  const buffer = new SignBuffer()
  const inner = base(50, 'inner')
  let innerOut
  const outer = base(20, 'outer')
  Object.defineProperty(outer, 3, {
    get: () => {
      innerOut = signer.signMany(inner, opts, buffer)
      return '/got'
    },
  })
  const out = signer.signMany(outer, opts, buffer)
  assert.deepEqual(innerOut, loop(inner, opts).value)
  assert.deepEqual(out, loop(outer.map((u) => u), opts).value)
  assert.equal(out[3], signer.signUrl('/got', opts))
})

test('an item getter that throws: signMany throws its exception as it was thrown', () => {
  const { SignBuffer } = require('..')
  const boom = new SyntaxError('boom')
  for (const buffer of [undefined, new SignBuffer()]) {
    const urls = base(10)
    Object.defineProperty(urls, 3, { get: () => { throw boom } })
    assert.throws(() => signer.signMany(urls, opts, buffer), (err) => err === boom)
    assert.equal(signer.signMany(base(2), opts, buffer).length, 2)
  }
})

test('signMany(Async) splits by the number of URLs it read, even if an item getter shortens the array', async () => {
  const shortening = () => {
    const urls = ['/a.ts']
    Object.defineProperty(urls, 1, {
      get: () => {
        urls.length = 1
        return '/b.ts'
      },
      configurable: true,
      enumerable: true,
    })
    return urls
  }
  const expected = [signer.signUrl('/a.ts', opts), signer.signUrl('/b.ts', opts)]
  assert.deepEqual(signer.signMany(shortening(), opts), expected)
  assert.deepEqual(await signer.signManyAsync(shortening(), opts), expected)
})
