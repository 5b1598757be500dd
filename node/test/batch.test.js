'use strict'
// signMany / signManyAsync send the URLs to the addon joined with '\n' into strings of about
// 32K UTF-16 units (main.js joinBatch); the addon splits them, and reads the array item by
// item instead when they do not split back into as many URLs (a URL holding a '\n').
// These tests check that this path and the addon's own array path (the generated loader's
// methods, which read every item through N-API) agree on every result and every error, on
// the inputs where a join could go wrong; and, through the bound function itself, that the
// joined strings are what is signed when they split right, and the array when they do not.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')

const raw = require('../index.js')
const slowMany = raw.Signer.prototype.signMany
const slowAsync = raw.Signer.prototype.signManyAsync
const { Signer } = require('..')
const { referenceToken } = require('./support.cjs')

assert.notEqual(Signer.prototype.signMany, slowMany, 'main.js did not install its fast path')

const KEY = 'joined-batch-key'
const EXP = 2147483647
const signer = new Signer(KEY, { now: 1_700_000_000 })
const opts = { expires: EXP }
// main.js cuts a new joined string once this many UTF-16 units (URLs and '\n') are in one.
const JOIN_UNITS = 1 << 15

function outcome(fn) {
  try {
    return { value: fn() }
  } catch (err) {
    return { error: { class: err.constructor.name, code: err.code, message: err.message, index: err.index } }
  }
}

async function settle(promise) {
  try {
    return { value: await promise }
  } catch (err) {
    return { error: { class: err.constructor.name, code: err.code, message: err.message, index: err.index } }
  }
}

// The fast path and the addon's array path, sync and async, give the same outcome.
async function agree(urls, o = opts, label = '') {
  const what = `${label} ${util.inspect({ n: urls.length, o }, { depth: 1 })}`
  const fast = outcome(() => signer.signMany(urls, o))
  assert.deepEqual(fast, outcome(() => slowMany.call(signer, urls, o)), what)
  const fastAsync = await settle(signer.signManyAsync(urls, o))
  assert.deepEqual(fastAsync, await settle(slowAsync.call(signer, urls, o)), what)
  assert.deepEqual(fastAsync, fast, what)
  return fast
}

const base = (n, tag = 'u') => Array.from({ length: n }, (_, i) => `https://cdn.example/${tag}/${i}/seg-${i}.ts?q=${i}`)
const put = (list, i, v) => list.map((u, j) => (j === i ? v : u))

// Batches whose 8th URL ends (its '\n' counted) just before, on, or just after the point
// where main.js cuts a joined string. URL paths are at most 8192 bytes, hence 8 of them.
function aroundCut(last = (i) => `/b${i}`) {
  const out = []
  for (const shift of [-2, -1, 0, 1, 2]) {
    const seven = Array.from({ length: 7 }, (_, i) => `/${i}${'a'.repeat(3998)}`) // 4000 units each
    const eighth = `/${'c'.repeat(JOIN_UNITS + shift - 7 * 4001 - 2)}`
    assert.equal([...seven, eighth].reduce((n, u) => n + u.length + 1, 0), JOIN_UNITS + shift)
    out.push([...seven, eighth, last(1), last(2)])
  }
  return out
}

test('joined batches equal the array path across joined-string boundaries', async () => {
  for (const n of [1, 2, 3, 63, 64, 65, 700, 701, 1500, 5000]) {
    const urls = base(n)
    const r = await agree(urls)
    assert.equal(r.value.length, n)
    assert.equal(r.value[n - 1], signer.signUrl(urls[n - 1], opts))
  }
  for (const urls of aroundCut()) {
    const r = await agree(urls)
    assert.deepEqual(r.value, urls.map((u) => signer.signUrl(u, opts)))
  }
  // A URL as long as the core allows (32768 bytes) is a joined string of its own.
  const long = ['/s', `/a?${'q'.repeat(32765)}`, '/t']
  assert.deepEqual((await agree(long)).value, long.map((u) => signer.signUrl(u, opts)))
  assert.equal((await agree(['/s', `/a?${'q'.repeat(32766)}`, '/t'])).error.index, 1)
  assert.deepEqual(signer.signMany([], opts), [])
  assert.deepEqual(await signer.signManyAsync([], opts), [])
})

test('a URL holding a newline: the same error, naming the same item, at any position', async () => {
  const n = 3000 // several joined strings
  for (const i of [0, 1, 700, 1499, 2999]) {
    for (const bad of ['/a\nb', '\n', '/end\n', '\n/start', '/two\n\nlines']) {
      const r = await agree(put(base(n), i, bad), opts, `newline at ${i}`)
      assert.equal(r.error.index, i)
    }
  }
  // A later invalid URL does not hide an earlier newline, nor the other way round.
  const both = put(put(base(n), 10, '/a\nb'), 2000, 'relative')
  assert.equal((await agree(both)).error.index, 10)
  const both2 = put(put(base(n), 10, 'relative'), 2000, '/a\nb')
  assert.equal((await agree(both2)).error.index, 10)
  // Options still checked in the same order: a bad option is reported over a newline URL.
  const r = await agree(put(base(10), 3, '/a\nb'), { expires: 'soon' })
  assert.equal(r.error.code, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
})

test('an item that is not a string: the same TypeError with its index, at any position', async () => {
  const n = 2000
  const bads = [undefined, null, 42, 1.5, true, {}, [], ['/a'], Symbol('s'), 10n, new String('/boxed'), () => '/f', new Date(0)]
  for (const i of [0, 1, 999, 1999]) {
    for (const bad of bads) {
      const r = await agree(put(base(n), i, bad), opts, `${String(bad)} at ${i}`)
      assert.equal(r.error.class, 'TypeError')
      assert.equal(r.error.index, i)
    }
  }
})

test('non-ASCII and lone surrogates: the same text is signed as one URL at a time', async () => {
  const items = [
    '/é/ü.jpg',
    '/€/😀.ts',
    '/lone-high-\uD800',
    '\uDC00/lone-low', // follows a lone high surrogate: the two must not pair across the '\n'
    '/\uD83D\uDE00-pair',
    '/\uDFFF\uD800-reversed',
    '/\u0000nul',
    '/\u0085-nel\u2028-ls',
    '/\r-cr',
    '',
    '/after-empty',
  ]
  for (const i of items.keys()) {
    const urls = items.slice(i).concat(items.slice(0, i))
    const r = await agree(urls)
    if (r.error) continue // the core refuses some (control characters, the empty URL): same error
    assert.deepEqual(r.value, urls.map((u) => signer.signUrl(u, opts)))
  }
  // Each accepted alone, then all together, also across a joined-string boundary.
  const fine = items.filter((u) => outcome(() => signer.signUrl(u, opts)).value !== undefined)
  assert.ok(fine.length >= 5, util.inspect(fine))
  const lone = (i) => (i === 1 ? '/lone-high-\uD800' : '/\uDC00lone-low')
  for (const urls of [fine, ...aroundCut(lone)]) {
    const r = await agree(urls)
    assert.deepEqual(r.value, urls.map((u) => signer.signUrl(u, opts)))
  }
  // The token of a lone surrogate is that of U+FFFD, as in any N-API conversion.
  const [one] = signer.signMany(['/x\uD800'], opts)
  assert.equal(one, `/x%EF%BF%BD?md5=${referenceToken(`${EXP}/x\uFFFD ${KEY}`)}&expires=${EXP}`)
})

test('holes, sparse arrays, inherited items, getters, subclasses and proxies', async () => {
  const holey = base(1000)
  delete holey[500]
  assert.equal((await agree(holey)).error.index, 500)
  const sparse = ['/a', '/b']
  sparse[5000] = '/c'
  assert.equal((await agree(sparse)).error.index, 2)
  const trailing = base(10)
  trailing.length = 12
  assert.equal((await agree(trailing)).error.index, 10)

  // An item inherited through a hole is read by both paths.
  const inherited = base(100)
  delete inherited[42]
  Array.prototype[42] = '/from-the-prototype' // eslint-disable-line no-extend-native
  try {
    const r = await agree(inherited)
    assert.equal(r.value[42], signer.signUrl('/from-the-prototype', opts))
  } finally {
    delete Array.prototype[42]
  }

  const withGetter = base(100)
  Object.defineProperty(withGetter, 7, { get: () => '/got', enumerable: true })
  assert.equal((await agree(withGetter)).value[7], signer.signUrl('/got', opts))

  class Urls extends Array {}
  const sub = Urls.from(base(800))
  assert.deepEqual((await agree(sub)).value, base(800).map((u) => signer.signUrl(u, opts)))

  // Array.isArray is true for a proxy of an array; N-API's napi_is_array is not: both paths
  // refuse it with the same TypeError.
  const proxy = new Proxy(base(10), {})
  const r = await agree(proxy)
  assert.equal(r.error.class, 'TypeError')
  assert.equal(r.error.code, 'ERR_SECURE_TOKEN_INVALID_URL')

  // Frozen and array-likes that are not arrays.
  assert.equal((await agree(Object.freeze(base(70)))).value.length, 70)
  assert.equal((await agree({ length: 1, 0: '/a' })).error.class, 'TypeError')
})

// Observable proof that the joined strings are what is signed: an item behind a getter is
// read once (by main.js); the item-by-item path (the fallback) reads it a second time.
test('each item is read once, unless the batch falls back to the item-by-item read', async () => {
  const counted = (n, at, value) => {
    const urls = base(n)
    const reads = new Map()
    for (const i of at) {
      reads.set(i, 0)
      Object.defineProperty(urls, i, {
        get() {
          reads.set(i, reads.get(i) + 1)
          return value(i)
        },
      })
    }
    return { urls, reads }
  }
  const at = [0, 5, 1234, 2999]
  for (const run of [(u) => signer.signMany(u, opts), (u) => signer.signManyAsync(u, opts)]) {
    const { urls, reads } = counted(3000, at, (i) => `/getter/${i}`)
    const out = await run(urls)
    assert.deepEqual([...reads.values()], at.map(() => 1))
    for (const i of at) assert.equal(out[i], signer.signUrl(`/getter/${i}`, opts))
    // A '\n' in one item: the array is read again, item by item, and the error names it.
    const nl = counted(3000, at, (i) => (i === 1234 ? '/a\nb' : `/getter/${i}`))
    await assert.rejects(async () => run(nl.urls), { code: 'ERR_SECURE_TOKEN_INVALID_URL', index: 1234 })
    assert.deepEqual([...nl.reads.values()], [2, 2, 2, 2])
  }
})

test('a huge batch equals the array path and signUrl', async () => {
  const n = 120_000
  const urls = Array.from({ length: n }, (_, i) => `/h/${i % 991}/${'é'.repeat(i % 3)}part-${i}.ts`)
  const fast = signer.signMany(urls, opts)
  assert.equal(fast.length, n)
  assert.deepEqual(fast, slowMany.call(signer, urls, opts))
  assert.deepEqual(await signer.signManyAsync(urls, opts), fast)
  for (let i = 0; i < n; i += 997) assert.equal(fast[i], signer.signUrl(urls[i], opts), `item ${i}`)
})

test('the bound function signs the joined strings when they split into urls.length, else the array', () => {
  const fns = signer._bind()
  const urls = ['/one', '/two', '/three']
  const one = (u) => signer.signUrl(u, opts)
  // Splits into 3: the joined text is what is signed (not the array), and the joined
  // strings are let go of (the array emptied).
  let joined = ['/x\n/y', '/z']
  assert.deepEqual(fns.signMany(joined, urls, EXP), [['/x', '/y', '/z'].map(one).join('\n')])
  assert.equal(joined.length, 0)
  // Into 3 with an empty last one: that is signed too, and refused by index.
  assert.throws(() => fns.signMany(['/x\n/y\n'], urls, EXP), { code: 'ERR_SECURE_TOKEN_INVALID_URL', index: 2 })
  // Splits into 4 (a '\n' too many) or 2: the array is read item by item.
  for (joined of [['/x\n/y\n/w', '/z'], ['/x', '/y'], ['/x\n/y\n/z\n'], [], 'not an array', [1, 2, 3], null]) {
    const before = Array.isArray(joined) ? joined.length : -1
    assert.deepEqual(fns.signMany(joined, urls, EXP), [urls.map(one).join('\n')], util.inspect(joined))
    if (Array.isArray(joined)) assert.equal(joined.length, before)
  }
  // The item-by-item read reports the bad item.
  assert.throws(() => fns.signMany(['/x'], ['/a', 5], EXP), { name: 'TypeError', index: 1 })
  assert.throws(() => fns.signMany(['/a\n/b\nc'], ['/a', '/b\nc'], EXP), { index: 1 })
  // Empty strings split into empty URLs, which the core refuses by index.
  assert.throws(() => fns.signMany(['\n'], ['', ''], EXP), { index: 0 })
})
