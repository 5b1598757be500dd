'use strict'
// Where the time of one signUrl call goes, piece by piece (a signMany batch: batch.js).
// Needs the probes, which a release build leaves out:
//   npx napi build --platform --release --features probes && node bench/overhead.js
// (bash test.sh rebuilds without them). Timings are best of several rounds of 1,000,000
// calls; the machine is shared, so read differences of a few ns as noise.
const { Signer } = require('..')
const binding = require('../index.js')

if (typeof binding._probeInstall !== 'function') {
  console.error('overhead.js: build with --features probes first (see the top of this file)')
  process.exit(1)
}

const N = Number(process.argv[2] || 1_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 7)
const EXPIRES = 2_147_483_647
const url = 'https://cdn.example.com/videos/123/segment-12345.ts'
const opts = { expires: EXPIRES }
const full = { expires: EXPIRES, ttl: undefined, ip: '1.2.3.4', kind: 'file', now: 1_700_000_000 }
const signer = new Signer('bench-secret-key')
const bound = signer._bind()
const probes = {}
binding._probeInstall(probes, signer)

let sink = 0
function best(count, fn) {
  fn()
  let bestNs = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    fn()
    bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t0) / count)
  }
  return bestNs
}
function bestOf(fn) {
  let b = Infinity
  for (let r = 0; r < ROUNDS; r++) b = Math.min(b, fn())
  return b
}
const calls = (fn) => best(N, () => { for (let i = 0; i < N; i++) fn() })
const u = undefined

const t = {
  classNoop: calls(() => signer._probeNoop()),
  classArgs: calls(() => signer._probeArgs(url, EXPIRES, u, u, u, u, u, u)),
  fnArgs: calls(() => binding._probeFnArgs(url, EXPIRES, u, u, u, u, u, u)),
  rawArgs: calls(() => probes.noop(url, EXPIRES, u, u, u, u, u, u)),
  strInNapiRs: calls(() => probes.strInNapiRs(url)),
  strInOnePass: calls(() => probes.strInOnePass(url)),
  outUtf8: calls(() => { sink += probes.outUtf8().length }),
  outLatin1: calls(() => { sink += probes.outLatin1().length }),
  outText: calls(() => { sink += probes.outText().length }),
  floor: calls(() => { sink += probes.signFloor(url).length }),
  boundTrimmed: calls(() => { sink += bound.signUrl(url, EXPIRES).length }),
  boundAll: calls(() => { sink += bound.signUrl(url, EXPIRES, u, u, u, u, u, u).length }),
  signUrl: calls(() => { sink += signer.signUrl(url, opts).length }),
  core: bestOf(() => signer._probeCoreSignUrl(100_000)),
  full: calls(() => { sink += signer.signUrl(url, full).length }),
  coreFull: bestOf(() => signer._probeCoreSignUrlFull(100_000)),
}
const rawNoop = calls(() => probes.noop())

const rows = [
  ['one signUrl call', null],
  ['napi-rs class method, 8 args, empty body', t.classArgs],
  ['napi-rs class method, no args, empty body', t.classNoop],
  ['napi-rs plain function, 8 args, empty body', t.fnArgs],
  ['napi_create_function callback, 8 args read', t.rawArgs],
  ['  same, no args passed', rawNoop],
  ['url in: napi-rs String (measure, allocate, copy)', t.strInNapiRs - t.rawArgs],
  ['url in: one pass onto the stack (fast paths)', t.strInOnePass - t.rawArgs],
  ['96-byte result out: napi_create_string_utf8', t.outUtf8 - t.rawArgs],
  ['96-byte result out: latin1', t.outLatin1 - t.rawArgs],
  ['96-byte result out: ASCII check + latin1 (fast paths)', t.outText - t.rawArgs],
  ['core sign_url alone (timed in Rust)', t.core],
  ['floor: callback + url in + core + latin1 out', t.floor],
  ['bound signUrl(url, expires) (reads options)', t.boundTrimmed],
  ['  options read = bound - floor', t.boundTrimmed - t.floor],
  ['bound signUrl with the 6 absent fields passed', t.boundAll],
  ['  napi_typeof of 6 undefined', t.boundAll - t.boundTrimmed],
  ['signer.signUrl(url, {expires}) (main.js)', t.signUrl],
  ['  main.js wrapper = signUrl - bound', t.signUrl - t.boundTrimmed],
  ['  all but the core = signUrl - core', t.signUrl - t.core],
  ['signUrl with bench.js 5-field options (ip, kind, now)', t.full],
  ['  core alone, same options (timed in Rust)', t.coreFull],
  ['  all but the core', t.full - t.coreFull],
]

// A signMany batch, piece by piece: bench/batch.js.

console.log(`cdn-secure-token overhead probes, Node ${process.version}, best of ${ROUNDS} rounds (ns)`)
for (const [name, ns] of rows) {
  console.log(ns === null ? `-- ${name}` : `${name.padEnd(56)} ${ns.toFixed(1).padStart(8)}`)
}
if (sink === 0.5) console.log('')
