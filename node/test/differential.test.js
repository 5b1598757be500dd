'use strict'
// Differential test: the addon against the crypto.createHash snippet of the Gcore docs,
// over random ASCII paths, keys, client IPs and expiries.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Signer } = require('..')
const { referenceToken } = require('./support.cjs')

// A small seeded PRNG (mulberry32), so that a failure can be replayed with its seed.
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SEED = Number(process.env.CDN_SECURE_TOKEN_SEED || Date.now() % 1_000_000)
const rand = rng(SEED)
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1))
const pick = (s) => s[int(0, s.length - 1)]

// Printable ASCII except '/', which only separates segments here.
const SEGMENT_CHARS = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))
  .filter((c) => c !== '/')
  .join('')
// Characters that appear unchanged in a signed URL's path.
const URL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'
const KEY_CHARS = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')

function segment(chars) {
  for (;;) {
    let s = ''
    const n = int(1, 12)
    for (let i = 0; i < n; i++) s += pick(chars)
    // '.' and '..' segments are resolved by the edge, as by the signer: not plain input.
    if (s !== '.' && s !== '..') return s
  }
}

function path(chars) {
  let p = ''
  const n = int(1, 5)
  for (let i = 0; i < n; i++) p += '/' + segment(chars)
  return rand() < 0.2 ? p + '/' : p
}

function key() {
  let k = ''
  const n = int(6, 40)
  for (let i = 0; i < n; i++) k += pick(KEY_CHARS)
  return k
}

function ipv4() {
  return [int(0, 255), int(0, 255), int(0, 255), int(0, 255)].join('.')
}

test(`file tokens equal the createHash snippet (seed ${SEED})`, () => {
  for (let i = 0; i < 2000; i++) {
    const k = key()
    const p = path(SEGMENT_CHARS)
    const expires = int(1, 99_999_999_999)
    const ip = rand() < 0.3 ? ipv4() : undefined
    const s = new Signer(k, { allowPastExpiry: true })
    const got = s.token(p, { expires, ip })
    const want = referenceToken(`${expires}${p}${ip ?? ''} ${k}`)
    assert.equal(got, want, JSON.stringify({ seed: SEED, i, k, p, expires, ip }))
  }
})

test(`MP4 and stream tokens equal the createHash snippet (seed ${SEED})`, () => {
  for (let i = 0; i < 500; i++) {
    const k = key()
    const s = new Signer(k, { allowPastExpiry: true })
    const expires = int(1, 99_999_999_999)
    const p = path(SEGMENT_CHARS)
    const speed = rand() < 0.5 ? `${int(1, 999)}k` : undefined
    const buffer = rand() < 0.5 ? String(int(1, 99)) : undefined
    assert.equal(
      s.token(p, { expires, kind: 'mp4', speed, buffer }),
      referenceToken(`${p}_${k}_${expires}_${speed ?? ''}_${buffer ?? ''}_`),
    )
    const account = String(int(1, 999_999))
    const id = segment('abcdefghijklmnopqrstuvwxyz0123456789-_')
    const ip = rand() < 0.3 ? ipv4() : undefined
    assert.equal(
      s.streamToken(account, id, { expires, ip }).token,
      referenceToken(`${account}_${id}_${k}_${expires}_${ip ?? ''}`),
    )
  }
})

test(`signed URLs and signMany equal the snippet on URL-safe paths (seed ${SEED})`, () => {
  const k = key()
  const s = new Signer(k, { allowPastExpiry: true })
  const expires = int(1, 99_999_999_999)
  const paths = Array.from({ length: 3000 }, () => path(URL_CHARS))
  const signed = s.signMany(paths.map((p) => `https://cdn.example${p}`), { expires })
  paths.forEach((p, i) => {
    const want = `https://cdn.example${p}?md5=${referenceToken(`${expires}${p} ${k}`)}&expires=${expires}`
    assert.equal(signed[i], want)
  })
})
