'use strict'
// Bad JavaScript input: error classes, stable codes, and the key never shown.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const binding = require('..')
const { Signer } = binding
const { thrown } = require('./support.cjs')

const KEY = 'super-secret-key-42'
const NOW = 1_700_000_000
const signer = new Signer(KEY, { now: NOW })

function expectError(fn, Class, code) {
  const err = thrown(fn)
  assert.equal(err.constructor, Class, `${err.constructor.name}: ${err.message}`)
  assert.ok(err instanceof Error)
  assert.equal(err.code, code, err.message)
  assert.ok(!err.message.includes(KEY))
  assert.ok(!String(err.stack).includes(KEY))
  return err
}

test('every code is ERR_SECURE_TOKEN_ + the core code', () => {
  const seen = new Set()
  const cases = [
    () => new Signer('abc'),
    () => signer.signUrl('/%zz', { ttl: 60 }),
    () => signer.signUrl('/a', { ttl: 60, ip: 'nope' }),
    () => signer.signUrl('/a', { ttl: -1 }),
    () => signer.signUrl('a', { ttl: 60 }),
    () => signer.signUrl('/a', { ttl: 60, kind: 'nope' }),
  ]
  for (const c of cases) seen.add(thrown(c).code)
  assert.deepEqual([...seen].sort(), [
    'ERR_SECURE_TOKEN_INVALID_ARGUMENT',
    'ERR_SECURE_TOKEN_INVALID_EXPIRY',
    'ERR_SECURE_TOKEN_INVALID_IP',
    'ERR_SECURE_TOKEN_INVALID_KEY',
    'ERR_SECURE_TOKEN_INVALID_PATH',
    'ERR_SECURE_TOKEN_INVALID_URL',
  ])
})

test('wrong JavaScript types are TypeErrors', () => {
  expectError(() => new Signer(), TypeError, 'ERR_SECURE_TOKEN_INVALID_KEY')
  expectError(() => new Signer(123456789), TypeError, 'ERR_SECURE_TOKEN_INVALID_KEY')
  expectError(() => new Signer(Buffer.from(KEY)), TypeError, 'ERR_SECURE_TOKEN_INVALID_KEY')
  expectError(() => new Signer(KEY, 'x'), TypeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => new Signer(KEY, { verifyKeys: 'k' }), TypeError, 'ERR_SECURE_TOKEN_INVALID_KEY')
  expectError(() => new Signer(KEY, { verifyKeys: [1] }), TypeError, 'ERR_SECURE_TOKEN_INVALID_KEY')
  expectError(() => new Signer(KEY, { allowPastExpiry: 'yes' }), TypeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => new Signer(KEY, { defaultTtl: '60' }), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.signUrl(undefined, { ttl: 60 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_URL')
  expectError(() => signer.signUrl(new URL('http://h/a'), { ttl: 60 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_URL')
  expectError(() => signer.signUrl('/a', 60), TypeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => signer.signUrl('/a', [60]), TypeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => signer.signUrl('/a', { expires: '2147483647' }), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.signUrl('/a', { expires: 2147483647n }), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.signUrl('/a', { ttl: new Date() }), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.signUrl('/a', { ttl: 60, ip: 16909060 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_IP')
  expectError(() => signer.signUrl('/a', { ttl: 60, kind: 1 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => signer.signUrl('/a', { ttl: 60, kind: 'mp4', speed: {} }), TypeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => signer.signMany('/a', { ttl: 60 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_URL')
  expectError(() => signer.verify(42), TypeError, 'ERR_SECURE_TOKEN_INVALID_URL')
  expectError(() => signer.verify('/a', { now: 'now' }), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.explain(null), TypeError, 'ERR_SECURE_TOKEN_INVALID_URL')
  expectError(() => signer.token(7, { ttl: 60 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_PATH')
  expectError(() => signer.streamUrl(), TypeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => signer.streamUrl({ account: 1, ttl: 60 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => signer.streamToken(true, 'x', { ttl: 60 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
})

test('the message names the field and the type, never the value', () => {
  const err = expectError(() => new Signer(KEY, { verifyKeys: [KEY, 5] }), TypeError, 'ERR_SECURE_TOKEN_INVALID_KEY')
  assert.equal(err.message, 'verifyKeys[1] must be a string, got a number')
  const e2 = expectError(() => signer.signUrl('/a', { expires: '1' }), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  assert.equal(e2.message, 'expires must be a number of seconds or a Date, got a string')
})

test('milliseconds (Date.now()) are refused with a clear RangeError', () => {
  const err = expectError(() => signer.signUrl('/a', { expires: Date.now() }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  assert.match(err.message, /milliseconds/)
  assert.match(err.message, /seconds/)
  expectError(() => signer.signUrl('/a', { ttl: Date.now() }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.token('/a', { expires: Date.now() + 60_000 }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.streamToken('1', 'v', { expires: Date.now() }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
})

test('numbers that are not safe integers are RangeErrors', () => {
  for (const bad of [1.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 60)]) {
    const err = expectError(() => signer.signUrl('/a', { expires: bad }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
    assert.match(err.message, /whole number|safe integer/)
    expectError(() => signer.signUrl('/a', { ttl: bad }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  }
  expectError(() => new Signer(KEY, { defaultTtl: 0.5 }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.streamToken(1.5, 'v', { ttl: 60 }), RangeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
})

test('out-of-range values the core refuses are RangeErrors', () => {
  expectError(() => new Signer('short'), RangeError, 'ERR_SECURE_TOKEN_INVALID_KEY')
  expectError(() => new Signer('k'.repeat(256)), RangeError, 'ERR_SECURE_TOKEN_INVALID_KEY')
  expectError(() => signer.signUrl('/a', { expires: 0 }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.signUrl('/a', { expires: -5 }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.signUrl('/a', { expires: NOW - 1 }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.signUrl('/a', { ttl: 0 }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => new Signer(KEY, { defaultTtl: -1 }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
})

test('missing or conflicting expiry options are TypeErrors', () => {
  expectError(() => signer.signUrl('/a'), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.signUrl('/a', {}), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.signUrl('/a', { expires: NOW + 60, ttl: 60 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.explain('/a'), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
})

test('invalid values the core refuses are plain Errors with a code', () => {
  expectError(() => new Signer('key\nwith-newline'), Error, 'ERR_SECURE_TOKEN_INVALID_KEY')
  expectError(() => signer.signUrl('/a%00', { ttl: 60 }), Error, 'ERR_SECURE_TOKEN_INVALID_PATH')
  expectError(() => signer.signUrl('https:///a', { ttl: 60 }), Error, 'ERR_SECURE_TOKEN_INVALID_URL')
  expectError(() => signer.signUrl('/a', { ttl: 60, ip: '1.2.3.256' }), Error, 'ERR_SECURE_TOKEN_INVALID_IP')
  expectError(() => signer.signUrl('/a', { ttl: 60, kind: 'stream' }), Error, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => signer.signUrl('/a', { ttl: 60, speed: '1m' }), Error, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => signer.verify('/a', { ip: 'x' }), Error, 'ERR_SECURE_TOKEN_INVALID_IP')
  expectError(() => signer.streamUrl({ account: 'abc', id: 'x', ttl: 60 }), Error, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => signer.streamUrl({ account: 1, id: 'x', stream: 'radio', ttl: 60 }), Error, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  expectError(() => signer.streamUrl({ account: 1, id: 'x', base: 'https://h/p', ttl: 60 }), Error, 'ERR_SECURE_TOKEN_INVALID_URL')
})

test('an invalid Date is a RangeError', () => {
  expectError(() => signer.signUrl('/a', { expires: new Date('nope') }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
  expectError(() => signer.verify('/a', { now: new Date(NaN) }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY')
})

test('batch errors carry the index of the failing URL', async () => {
  const urls = ['/ok', '/fine', '/bad%zz', '/ok2']
  const err = expectError(() => signer.signMany(urls, { ttl: 60 }), Error, 'ERR_SECURE_TOKEN_INVALID_PATH')
  assert.equal(err.index, 2)
  assert.match(err.message, /^item 2: /)
  const typeErr = expectError(() => signer.signMany(['/a', null], { ttl: 60 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_URL')
  assert.equal(typeErr.index, 1)

  const big = Array.from({ length: 10_000 }, (_, i) => `/v/${i}.ts`)
  big[7777] = '/../escape'
  const bigErr = expectError(() => signer.signMany(big, { ttl: 60 }), Error, 'ERR_SECURE_TOKEN_INVALID_PATH')
  assert.equal(bigErr.index, 7777)

  const rejected = await signer.signManyAsync(big, { ttl: 60 }).then(
    () => assert.fail('resolved'),
    (e) => e,
  )
  assert.equal(rejected.code, 'ERR_SECURE_TOKEN_INVALID_PATH')
  assert.equal(rejected.index, 7777)
  assert.ok(rejected instanceof Error)
})

test('signManyAsync rejects (never throws) on bad arguments', async () => {
  const cases = [
    [() => signer.signManyAsync('nope', { ttl: 60 }), TypeError, 'ERR_SECURE_TOKEN_INVALID_URL'],
    [() => signer.signManyAsync(['/a'], { expires: Date.now() }), RangeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY'],
    [() => signer.signManyAsync(['/a'], { ttl: 60, ip: 'bad' }), Error, 'ERR_SECURE_TOKEN_INVALID_IP'],
    [() => signer.signManyAsync(['/a']), TypeError, 'ERR_SECURE_TOKEN_INVALID_EXPIRY'],
  ]
  for (const [call, Class, code] of cases) {
    let promise
    assert.doesNotThrow(() => {
      promise = call()
    })
    await assert.rejects(promise, (err) => {
      assert.equal(err.constructor, Class)
      assert.equal(err.code, code)
      return true
    })
  }
})

test('util.inspect, JSON and own properties never show the key', () => {
  const s = new Signer(KEY, { verifyKeys: ['rotated-old-key'], defaultTtl: 300 })
  for (const text of [
    util.inspect(s),
    util.inspect(s, { showHidden: true, depth: Infinity, getters: true }),
    JSON.stringify(s),
    String(s),
    Object.getOwnPropertyNames(s).join(','),
  ]) {
    assert.ok(!text.includes(KEY), text)
    assert.ok(!text.includes('rotated-old-key'), text)
  }
  assert.equal(s.keyCount, 2)
  assert.equal(s.defaultTtl, 300)
})

test('no panic reaches JavaScript: it becomes an Error with a code', () => {
  const err = thrown(() => binding.__panicForTesting())
  assert.ok(err instanceof Error)
  assert.equal(err.code, 'ERR_SECURE_TOKEN_INTERNAL')
  assert.match(err.message, /internal error/)
  // The addon still works afterwards.
  assert.equal(signer.token('/a', { expires: 2147483647 }).length, 22)
})

test('speed, buffer and account: "a whole number", not "of seconds" (they are sizes and ids)', () => {
  const mp4 = { ttl: 60, kind: 'mp4' }
  for (const [call, name] of [
    [() => signer.signUrl('/m.mp4', { ...mp4, speed: 1.5 }), 'speed'],
    [() => signer.signUrl('/m.mp4', { ...mp4, buffer: 2 ** 60 }), 'buffer'],
    [() => signer.streamToken(1.5, 'v', { ttl: 60 }), 'account'],
  ]) {
    const err = expectError(call, RangeError, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
    assert.match(err.message, new RegExp(`^${name} must be a whole number \\(a safe integer\\)`))
    assert.doesNotMatch(err.message, /seconds/)
  }
  // Times keep their unit.
  assert.match(thrown(() => signer.signUrl('/a', { ttl: 1.5 })).message, /^ttl must be a whole number of seconds/)
})

test('the key never appears in an error, its stack, cause, inspect or JSON, whatever the key', () => {
  const keys = ['-starts-with-dash', 'undecodable-\uDC80-key', 'key\nwith-newline', 'Zq3', 'Xy'.repeat(150), 'ctrl\u0007key-123']
  for (const key of keys) {
    const attempts = [
      () => new Signer(key),
      () => new Signer('valid-key-1', { verifyKeys: [key] }),
      () => new Signer(key).signUrl('/%zz', { ttl: 60 }),
      () => new Signer(key).signUrl('/a', { ttl: 60, ip: 'nope' }),
      () => new Signer(key).signMany(['/a', '/b%zz'], { ttl: 60 }),
    ]
    for (const attempt of attempts) {
      let err
      try {
        const s = attempt()
        // A key the core accepts: nothing about the signer shows it either.
        for (const text of [util.inspect(s, { showHidden: true, depth: Infinity }), JSON.stringify(s), String(s)]) {
          assert.ok(!text.includes(key), text)
        }
        continue
      } catch (e) {
        err = e
      }
      const texts = [
        err.message,
        String(err.stack),
        util.inspect(err, { showHidden: true, depth: Infinity }),
        JSON.stringify(err),
        JSON.stringify(Object.getOwnPropertyNames(err).map((n) => String(err[n]))),
        util.inspect(err.cause, { depth: Infinity }),
      ]
      for (const text of texts) {
        assert.ok(!text.includes(key), `${util.inspect(key)} in ${text}`)
        if (key.length > 8) assert.ok(!text.includes(key.slice(0, 8)), `part of ${util.inspect(key)} in ${text}`)
      }
    }
  }
})

test('signing refuses what the edge would refuse: expires <= 0 from now/ttl, 414 links, bad hosts', () => {
  for (const o of [{ ttl: 60, now: -100 }, { ttl: 60, now: -60 }, { ttl: 5, now: -5 }]) {
    const err = thrown(() => new Signer(KEY, { allowPastExpiry: true }).signUrl('/a', o))
    assert.equal(err.code, 'ERR_SECURE_TOKEN_INVALID_EXPIRY', JSON.stringify(o))
  }
  const long = expectError(() => signer.signUrl(`/${'a'.repeat(8190)}`, { ttl: 60 }), Error, 'ERR_SECURE_TOKEN_INVALID_URL')
  assert.match(long.message, /414|too long/i)
  // A larger limit on the signer lets it through.
  assert.match(new Signer(KEY, { now: NOW, maxRequestLen: 65536 }).signUrl(`/${'a'.repeat(8190)}`, { ttl: 60 }), /md5=/)
  expectError(() => signer.signUrl('http://[::1/x', { ttl: 60 }), Error, 'ERR_SECURE_TOKEN_INVALID_URL')
})
