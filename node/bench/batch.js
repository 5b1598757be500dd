'use strict'
// Where the time of one signMany batch goes, piece by piece (ns per URL). Needs the probes,
// which a release build leaves out:
//   npx napi build --platform --release --features probes && node bench/batch.js [count]
// (bash test.sh rebuilds without them). Best of several rounds; the machine is shared, so
// read differences of a few ns as noise. The URLs are made as bench.js makes them (strings
// built by concatenation, which V8 keeps as ropes until something flattens them).
const { Signer } = require('..')
const binding = require('../index.js')

if (typeof binding._probeReadBatch !== 'function') {
  console.error('batch.js: build with --features probes first (see the top of this file)')
  process.exit(1)
}

const N = Number(process.argv[2] || 100_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 9)
const EXPIRES = 2_147_483_647
const ORIGIN = 'https://cdn.example.com'
const signer = new Signer('bench-secret-key')
const bound = signer._bind()
const opts = { expires: EXPIRES }
const make = () => Array.from({ length: N }, (_, i) => ORIGIN + `/videos/${i % 997}/segment-${i}.ts`)
const urls = make()

let sink = 0
function best(fn) {
  fn()
  let bestNs = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    fn()
    bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t0) / N)
  }
  return bestNs
}
const bestOf = (fn) => {
  fn()
  let b = Infinity
  for (let r = 0; r < ROUNDS; r++) b = Math.min(b, fn())
  return b
}

// main.js's own join (joinBatch) and split (unchunk), timed alone.
const { joinBatch, unchunk } = binding._batchInternals
const join = (list) => joinBatch(list, opts)
const split = unchunk

const joined = join(urls)
const chunks = bound.signMany(joined.slice(), urls, EXPIRES)
const t = {
  core: bestOf(() => signer._probeCoreSignMany(N)),
  readItems: bestOf(() => binding._probeReadBatch(null, urls)),
  readJoined: bestOf(() => binding._probeReadBatch(joined.slice(), urls)),
  join: best(() => { sink += join(urls).length }),
  bound: best(() => { sink += bound.signMany(joined.slice(), urls, EXPIRES).length }),
  boundItems: best(() => { sink += bound.signMany(null, urls, EXPIRES).length }),
  split: best(() => { sink += split(chunks).length }),
  signMany: best(() => { sink += signer.signMany(urls, opts).length }),
}
// Fresh arrays, as a server signs them: not yet flattened (ropes), or read from JSON (flat).
const fresh = (mk) => {
  let b = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    const list = mk()
    const t0 = process.hrtime.bigint()
    sink += signer.signMany(list, opts).length
    b = Math.min(b, Number(process.hrtime.bigint() - t0) / N)
  }
  return b
}
const text = JSON.stringify(urls)
t.freshRopes = fresh(make)
t.freshFlat = fresh(() => JSON.parse(text))

const rows = [
  ['core sign_many_joined alone (timed in Rust)', t.core],
  ['read the URLs item by item (napi_get_element + UTF-8 each)', t.readItems],
  ['read the URLs joined (one UTF-8 pass per string, split)', t.readJoined],
  ['bound signMany, joined input (read + core + chunks out)', t.bound],
  ['  chunks out = bound - core - read joined', t.bound - t.core - t.readJoined],
  ['bound signMany, input read item by item', t.boundItems],
  ['main.js join (checks, flattening, a join per ~32K units)', t.join],
  ['main.js split of the chunks', t.split],
  ['signer.signMany (main.js)', t.signMany],
  ['  main.js = signMany - bound', t.signMany - t.bound],
  ['signer.signMany, a fresh array of ropes each time', t.freshRopes],
  ['signer.signMany, a fresh array parsed from JSON each time', t.freshFlat],
]
console.log(`cdn-secure-token signMany pieces, ${N} URLs, Node ${process.version}, best of ${ROUNDS} rounds (ns/URL)`)
for (const [name, ns] of rows) console.log(`${name.padEnd(60)} ${ns.toFixed(1).padStart(8)}`)
if (sink === 0.5) console.log('')
