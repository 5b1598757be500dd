'use strict'
// Every shared vector in tests/vectors/, through the public JavaScript API.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Signer } = require('..')
const { vectors, thrown } = require('./support.cjs')

test('sign.json', async (t) => {
  for (const v of vectors('sign')) {
    await t.test(v.name, () => {
      const signer = new Signer(v.key)
      const opts = {
        expires: v.expires,
        ttl: v.ttl,
        ip: v.ip,
        kind: v.kind,
        speed: v.speed,
        buffer: v.buffer,
        now: v.now,
      }
      const url = signer.signUrl(v.url, opts)
      assert.equal(url, v.signed_url)
      assert.deepEqual(signer.signMany([v.url, v.url], opts), [v.signed_url, v.signed_url])

      const e = signer.explain(url, { ip: v.ip, kind: v.kind })
      assert.equal(e.stringToSign, v.explained)
      assert.equal(e.expectedToken, v.token)
      assert.equal(e.foundToken, v.token)
      assert.equal(e.matches, true)
      assert.equal(e.kind, v.kind)
      assert.ok(!e.stringToSign.includes(v.key))

      const verdict = signer.verify(url, { ip: v.ip, kind: v.kind, now: v.now })
      assert.equal(verdict.status, 'valid')
      assert.equal(verdict.httpStatus, 200)
    })
  }
})

test('sign.json through signManyAsync', async () => {
  const cases = vectors('sign')
  for (const v of cases) {
    const signer = new Signer(v.key)
    const got = await signer.signManyAsync([v.url], {
      expires: v.expires,
      ttl: v.ttl,
      ip: v.ip,
      kind: v.kind,
      speed: v.speed,
      buffer: v.buffer,
      now: v.now,
    })
    assert.deepEqual(got, [v.signed_url], v.name)
  }
})

test('stream.json', async (t) => {
  for (const v of vectors('stream')) {
    await t.test(v.name, () => {
      const signer = new Signer(v.key)
      const url = signer.streamUrl({
        base: v.base,
        stream: v.stream,
        account: v.account,
        id: v.id,
        file: v.file,
        expires: v.expires,
        ip: v.ip,
        now: v.now,
      })
      assert.equal(url, v.signed_url)
      const t2 = signer.streamToken(v.account, v.id, { expires: v.expires, ip: v.ip, now: v.now })
      assert.deepEqual(t2, { token: v.token, expires: v.expires })
      const verdict = signer.verify(url, { kind: 'stream', ip: v.ip, now: v.now })
      assert.equal(verdict.status, 'valid')
      const e = signer.explain(url, { kind: 'stream', ip: v.ip })
      assert.equal(e.stringToSign, v.string_to_sign.replace(v.key, '***'))
      assert.equal(e.expectedToken, v.token)
    })
  }
})

test('verify.json', async (t) => {
  for (const v of vectors('verify')) {
    await t.test(v.name, () => {
      const signer = new Signer(v.key, { verifyKeys: v.verify_keys })
      const r = signer.verify(v.url, { ip: v.ip, now: v.now, kind: v.kind })
      assert.equal(r.status, v.expected)
      assert.equal(r.httpStatus, v.status)
      assert.equal(r.keyIndex, v.key_index)
      if (v.expected === 'invalid') {
        assert.equal(r.reason, v.reason)
        assert.equal(typeof r.message, 'string')
        assert.equal(r.expires, null)
      } else if (v.expected === 'expired') {
        assert.equal(r.reason, 'expired')
        assert.equal(typeof r.expires, 'number')
      } else {
        assert.equal(r.reason, null)
        assert.equal(r.message, null)
        assert.equal(typeof r.expires, 'number')
      }
    })
  }
})

test('errors.json', async (t) => {
  for (const v of vectors('errors')) {
    await t.test(v.name, () => {
      const err = thrown(() => {
        const signer = new Signer(v.key)
        if (v.op === 'sign') {
          signer.signUrl(v.url, {
            expires: v.expires,
            ttl: v.ttl,
            ip: v.ip,
            kind: v.kind,
            speed: v.speed,
            buffer: v.buffer,
            now: v.now,
          })
        } else if (v.op === 'stream') {
          signer.streamUrl({
            stream: v.stream,
            account: v.account,
            id: v.id,
            expires: v.expires,
            ip: v.ip,
            now: v.now,
          })
        } else if (v.op === 'verify') {
          signer.verify(v.url, { ip: v.ip, now: v.now, kind: v.kind })
        } else {
          throw new Error(`unknown op ${v.op}`)
        }
      })
      assert.ok(err instanceof Error)
      assert.equal(err.code, `ERR_SECURE_TOKEN_${v.error}`)
      if (v.key.length > 0) {
        assert.ok(!err.message.includes(v.key), 'message contains the key')
        assert.ok(!String(err.stack).includes(v.key), 'stack contains the key')
      }
    })
  }
})
