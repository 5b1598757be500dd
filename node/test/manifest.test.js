'use strict'
// signManifest: tokens checked against the vendor's crypto.createHash snippet, the rest of the
// manifest byte for byte, option errors, and errors naming the manifest line. (The same
// manifests are compared byte for byte with the CLI and the other faces by
// tests/manifests/faces.sh.)
const test = require('node:test')
const assert = require('node:assert/strict')
const { Signer } = require('..')
const { thrown, referenceToken } = require('./support.cjs')

const KEY = 'secret-key'
const FAR = 2147483647
const URL = 'https://cdn.example.com/v/index.m3u8'
const signer = new Signer(KEY)
const t = (path, ip = '', expires = FAR) => referenceToken(`${expires}${path}${ip} ${KEY}`)

test('every URI gets the vendor token, the rest is byte for byte', () => {
  const pl = '#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXT-X-KEY:METHOD=AES-128,URI="../keys/k.bin"\r\n' +
    '#EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"\r\n#X-UNKNOWN:whatever\r\n' +
    '#EXTINF:4,\r\nseg 1.ts?x=1&md5=old&expires=1\r\n#EXTINF:4,\r\nhttps://other.example/x.ts\r\n#EXT-X-ENDLIST'
  assert.equal(signer.signManifest(pl, URL, { expires: FAR }),
    '#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n' +
    `#EXT-X-KEY:METHOD=AES-128,URI="../keys/k.bin?md5=${t('/keys/k.bin')}&expires=2147483647"\r\n` +
    `#EXT-X-MAP:URI="init.mp4?md5=${t('/v/init.mp4')}&expires=2147483647",BYTERANGE="720@0"\r\n` +
    '#X-UNKNOWN:whatever\r\n#EXTINF:4,\r\n' +
    `seg 1.ts?x=1&md5=${t('/v/seg 1.ts')}&expires=2147483647\r\n` +
    '#EXTINF:4,\r\nhttps://other.example/x.ts\r\n#EXT-X-ENDLIST')
  assert.ok(signer.signManifest(pl, URL, { expires: FAR, otherHosts: true })
    .includes(`https://other.example/x.ts?md5=${t('/x.ts')}&expires=2147483647`))
  assert.ok(signer.signManifest(pl, URL, { expires: FAR, ip: '203.0.113.7' })
    .includes(`init.mp4?md5=${t('/v/init.mp4', '203.0.113.7')}&`))
  assert.ok(signer.signManifest(pl, URL, { expires: new Date(FAR * 1000) }).includes(t('/v/init.mp4')))
})

test('directory token; outside error | keep; ttl from now', () => {
  const pl = '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXTINF:4,\n../b.ts\n'
  const err = thrown(() => signer.signManifest(pl, URL, { expires: FAR, kind: 'directory' }))
  assert.equal(err.line, 6)
  assert.match(err.message, /^manifest line 6, .*\.\.\/b\.ts/)
  assert.equal(signer.signManifest(pl, URL, { expires: FAR, kind: 'directory', outside: 'keep' }),
    `#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts?md5=${t('/v/')}&expires=2147483647\n#EXTINF:4,\n../b.ts\n`)
  const now = 1_700_000_000
  assert.ok(signer.signManifest(pl, URL, { ttl: 60, now, kind: 'directory', outside: 'keep' })
    .includes(`a.ts?md5=${t('/v/', '', now + 60)}&expires=${now + 60}\n`))
})

test('errors: the core kind, the line, no key, nothing partial', () => {
  let err = thrown(() => signer.signManifest('#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na%zz.ts\n', URL, { expires: FAR }))
  assert.equal(err.line, 4)
  assert.equal(err.code, 'ERR_SECURE_TOKEN_INVALID_PATH')
  assert.match(err.message, /^manifest line 4, URI line "a%zz\.ts": /)
  assert.ok(!err.message.includes(KEY) && !String(err.stack).includes(KEY))
  err = thrown(() => signer.signManifest('hello\n', URL, { expires: FAR }))
  assert.equal(err.line, 1)
  err = thrown(() => signer.signManifest('#EXTM3U\n', 'https://cdn.example.com/%zz/i.m3u8', { expires: FAR }))
  assert.equal(err.line, 0)
  err = thrown(() => signer.signManifest('#EXTM3U\n#EXTINF:4,\na.ts\n', URL))
  assert.equal(err.constructor, TypeError) // no expiry: as signUrl
  assert.equal(err.line, 0)
  err = thrown(() => signer.signManifest('#EXTM3U\n', URL, { expires: FAR, outside: 'maybe' }))
  assert.equal(err.code, 'ERR_SECURE_TOKEN_INVALID_ARGUMENT')
  assert.equal(err.line, undefined)
  assert.match(err.message, /outside/)
  err = thrown(() => signer.signManifest('#EXTM3U\n', URL, { expires: FAR, otherHosts: 'yes' }))
  assert.match(err.message, /otherHosts/)
  err = thrown(() => signer.signManifest(42, URL, { expires: FAR }))
  assert.match(err.message, /text/)
})

test('a 20,000-segment playlist', () => {
  let pl = '#EXTM3U\n#EXT-X-TARGETDURATION:4\n'
  for (let i = 0; i < 20000; i++) pl += `#EXTINF:4,\nsegment-${i}.ts\n`
  const out = signer.signManifest(pl, URL, { expires: FAR })
  assert.equal(out.split('&expires=2147483647\n').length - 1, 20000)
  assert.ok(out.endsWith(`segment-19999.ts?md5=${t('/v/segment-19999.ts')}&expires=2147483647\n`))
})
