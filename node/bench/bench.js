'use strict'
// Benchmark (a script, not a test): signing 100,000 URLs with
//   1. the crypto.createHash snippet of the Gcore docs (the reference in Node),
//   2. signer.signUrl, one call per URL,
//   3. signer.signMany, one call for the whole batch (and signManyAsync),
// printing ns/URL and the ratios to the snippet. Run: node bench/bench.js [count]
// bench/run.sh reads the lines naming createHash, signUrl and signMany( (the first number on
// each is ns/URL): keep those labels (the first signMany( line is the one with a SignBuffer).
// BENCH_BEFORE=DIR also times the package in DIR (e.g. a build of an earlier commit) in the
// same run, in rows labelled "before:"; then the batch-size sweep compares signMany with a
// loop of signUrl at 1, 2, 8, 64, 1,000 and 100,000 URLs per call.
const crypto = require('node:crypto')
const os = require('node:os')
const { Signer, SignBuffer, VERSION } = require('..')

const N = Number(process.argv[2] || 100_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5)
const KEY = 'bench-secret-key'
const EXPIRES = 2_147_483_647
const ORIGIN = 'https://cdn.example.com'

const paths = Array.from({ length: N }, (_, i) => `/videos/${i % 997}/segment-${i}.ts`)
const urls = paths.map((p) => ORIGIN + p)

// The snippet hashes the path it is given (no decoding or normalization) and builds the link.
function snippet(path, expires, key) {
  const token = crypto
    .createHash('md5')
    .update(`${expires}${path} ${key}`)
    .digest('base64')
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
  return `${ORIGIN}${path}?md5=${token}&expires=${expires}`
}

const signer = new Signer(KEY)
// The hot-loop idiom node/README.md recommends: options checked once, into a PreparedOptions.
const plain = { expires: EXPIRES }
const opts = signer.prepare ? signer.prepare(plain) : plain

// Same output on this input, so the timings compare like with like.
for (let i = 0; i < N; i += Math.max(1, Math.floor(N / 100))) {
  if (snippet(paths[i], EXPIRES, KEY) !== signer.signUrl(urls[i], opts)) {
    throw new Error(`outputs differ at ${i}`)
  }
}

let sink = 0
function best(fn) {
  fn() // warm-up
  let bestNs = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    fn()
    const ns = Number(process.hrtime.bigint() - t0)
    if (ns < bestNs) bestNs = ns
  }
  return bestNs / N
}

async function bestAsync(fn) {
  await fn()
  let bestNs = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    await fn()
    const ns = Number(process.hrtime.bigint() - t0)
    if (ns < bestNs) bestNs = ns
  }
  return bestNs / N
}

async function main() {
  const results = []
  results.push([
    'crypto.createHash snippet',
    best(() => {
      for (let i = 0; i < N; i++) sink += snippet(paths[i], EXPIRES, KEY).length
    }),
  ])
  results.push([
    'signer.signUrl(url, opts), one call per URL',
    best(() => {
      for (let i = 0; i < N; i++) sink += signer.signUrl(urls[i], opts).length
    }),
  ])
  results.push([
    '  same, options a plain {expires} object',
    best(() => {
      for (let i = 0; i < N; i++) sink += signer.signUrl(urls[i], plain).length
    }),
  ])
  // A caller that signs batch after batch passes a SignBuffer: the memory of the last batch
  // is reused instead of faulted in again (the idiom node/README.md shows for large batches).
  const buffer = new SignBuffer()
  results.push([
    'signer.signMany(urls, opts, buffer), one call',
    best(() => {
      sink += signer.signMany(urls, opts, buffer).length
    }),
  ])
  results.push([
    '  same, without a SignBuffer',
    best(() => {
      sink += signer.signMany(urls, opts).length
    }),
  ])
  results.push([
    'signer.signManyAsync(urls, opts), one call',
    await bestAsync(async () => {
      sink += (await signer.signManyAsync(urls, opts)).length
    }),
  ])
  // Per-call overhead probes: the smallest call, and the cost of a fuller options object.
  results.push([
    'signer.token("/a", {expires})',
    best(() => {
      for (let i = 0; i < N; i++) sink += signer.token('/a', opts).length
    }),
  ])
  const full = { expires: EXPIRES, ttl: undefined, ip: '1.2.3.4', kind: 'file', now: 1_700_000_000 }
  results.push([
    'signer.signUrl, 5-field options + IP',
    best(() => {
      for (let i = 0; i < N; i++) sink += signer.signUrl(urls[i], full).length
    }),
  ])
  const signed = signer.signMany(urls, opts)
  results.push([
    'signer.verify(url, opts), one call per URL',
    best(() => {
      for (let i = 0; i < N; i++) sink += signer.verify(signed[i], { now: 1_700_000_000 }).httpStatus
    }),
  ])

  const beforeDir = process.env.BENCH_BEFORE
  if (beforeDir) {
    const Before = require(require('node:path').resolve(beforeDir)).Signer
    const old = new Before(KEY)
    const oldOpts = old.prepare ? old.prepare(plain) : plain
    results.push([
      'before: one call per URL (opts as above)',
      best(() => {
        for (let i = 0; i < N; i++) sink += old.signUrl(urls[i], oldOpts).length
      }),
    ])
    results.push([
      'before:   same, a plain {expires} object',
      best(() => {
        for (let i = 0; i < N; i++) sink += old.signUrl(urls[i], plain).length
      }),
    ])
    results.push([
      'before: batch, one call (opts as above)',
      best(() => {
        sink += old.signMany(urls, oldOpts).length
      }),
    ])
  }

  const ref = results[0][1]
  console.log(
    `cdn-secure-token ${VERSION}, Node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0].model.trim()}), ` +
      `${N} URLs, best of ${ROUNDS} rounds; opts = ${opts === plain ? 'a plain object' : 'signer.prepare({ expires }), as node/README.md recommends for hot loops'}`,
  )
  console.log(`${'what'.padEnd(46)} ${'ns/URL'.padStart(9)}  vs snippet`)
  for (const [name, ns] of results) {
    const ratio = ref / ns
    const text =
      ns === ref ? 'reference' : ratio >= 1 ? `${ratio.toFixed(2)}x faster` : `${(1 / ratio).toFixed(2)}x slower`
    console.log(`${name.padEnd(46)} ${ns.toFixed(1).padStart(9)}  ${text}`)
  }
  // signMany never slower per URL than a loop of signUrl, at any batch size: the same URLs
  // signed in calls of `size` URLs each.
  console.log(`\n${'batch size'.padEnd(12)} ${'loop ns/URL'.padStart(12)} ${'batch ns/URL'.padStart(13)}  batch vs loop`)
  for (const size of [1, 2, 8, 64, 1000, 100_000]) {
    const groups = []
    for (let i = 0; i + size <= N; i += size) groups.push(urls.slice(i, i + size))
    const count = groups.length * size
    const scale = N / count
    const loopNs =
      best(() => {
        for (const g of groups) for (let i = 0; i < g.length; i++) sink += signer.signUrl(g[i], opts).length
      }) * scale
    const batchNs =
      best(() => {
        for (const g of groups) sink += signer.signMany(g, opts).length
      }) * scale
    console.log(
      `${String(size).padEnd(12)} ${loopNs.toFixed(1).padStart(12)} ${batchNs.toFixed(1).padStart(13)}  ${(loopNs / batchNs).toFixed(2)}x`,
    )
  }
  if (sink === 0) console.log('')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
