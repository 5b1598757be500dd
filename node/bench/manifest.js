'use strict'
// Benchmark (a script, not a test): the 1,000-segment HLS media playlist of
// core/benches/manifest.rs (file tokens, no IP), signed in one run by
//   1. the straightforward way in Node: a regex over the lines, each URI line resolved with
//      `new URL(line, manifestUrl)` and given the crypto.createHash token of the Gcore docs;
//   2. signer.signManifest on the text;
// after checking that both give the same playlist byte for byte. Prints us/playlist and the
// ratio. Run: node bench/manifest.js [segments]
const crypto = require('node:crypto')
const { Signer } = require('..')

const SEGMENTS = Number(process.argv[2] || 1000)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 7)
const KEY = 's3cr3t-cdn-key'
const URL_ = 'https://cdn.example.com/vod/2024/summer-clip/720p/index.m3u8'
const EXPIRES = 2_147_483_647

let text = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n'
for (let i = 0; i < SEGMENTS; i++) text += `#EXTINF:4.000000,\nsegment-${String(i).padStart(5, '0')}.ts\n`
text += '#EXT-X-ENDLIST\n'

function token(path) {
  return crypto
    .createHash('md5')
    .update(`${EXPIRES}${path} ${KEY}`)
    .digest('base64')
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
}

// Every line that is not a tag or blank is a URI relative to the manifest.
function perLine(manifest, manifestUrl) {
  return manifest.replace(/^(?!#)(\S[^\r\n]*)$/gm, (uri) => {
    const path = decodeURIComponent(new URL(uri, manifestUrl).pathname)
    return `${uri}${uri.includes('?') ? '&' : '?'}md5=${token(path)}&expires=${EXPIRES}`
  })
}

const signer = new Signer(KEY)
const ours = () => signer.signManifest(text, URL_, { expires: EXPIRES })
if (perLine(text, URL_) !== ours()) throw new Error('the two ways disagree')

function bestUs(fn) {
  let n = 1
  for (;;) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < n; i++) fn()
    if (Number(process.hrtime.bigint() - t) >= 2e8) break
    n *= 2
  }
  let best = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < n; i++) fn()
    best = Math.min(best, Number(process.hrtime.bigint() - t) / n)
  }
  return best / 1000
}

const ref = bestUs(() => perLine(text, URL_))
const mine = bestUs(ours)
console.log(`node ${process.version}, ${SEGMENTS}-segment media playlist, same output checked`)
console.log(`regex + createHash per line   ${ref.toFixed(1).padStart(10)} us/playlist`)
console.log(`signer.signManifest           ${mine.toFixed(1).padStart(10)} us/playlist`)
console.log(`ratio                         ${(ref / mine).toFixed(1).padStart(10)}x`)
