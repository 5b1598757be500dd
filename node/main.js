'use strict'
// The package entry: the loader napi build generates (index.js), with an accurate message when
// this platform's binary is missing (the generated one blames an npm bug).
const { optionalDependencies = {} } = require('./package.json')

function platformPackage() {
  const { platform, arch } = process
  let abi = ''
  if (platform === 'linux') {
    const report = process.report && process.report.getReport()
    abi = report && report.header && report.header.glibcVersionRuntime ? '-gnu' : '-musl'
  } else if (platform === 'win32') {
    abi = '-msvc'
  }
  return `cdn-secure-token-${platform}-${arch}${abi}`
}

let binding
try {
  binding = require('./index.js')
} catch (err) {
  const wanted = platformPackage()
  const built = Object.keys(optionalDependencies)
  const message = built.includes(wanted)
    ? `cdn-secure-token: the native binary for this platform is missing: its package ${wanted} ` +
      'was not installed. npm installs it as an optional dependency; it is left out when optional ' +
      `dependencies are omitted (--omit=optional, --no-optional) or when node_modules was copied from ` +
      `another platform. Install it with: npm install ${wanted}@${require('./package.json').version}`
    : `cdn-secure-token: no prebuilt native binary for ${wanted.slice('cdn-secure-token-'.length)} ` +
      `(prebuilt: ${built.map((p) => p.slice('cdn-secure-token-'.length)).join(', ') || 'none in this copy'}). ` +
      'Build it from source: in the repository, cd node && npm ci && npx napi build --platform --release.'
  const error = new Error(message)
  error.code = 'ERR_SECURE_TOKEN_NO_BINARY'
  error.cause = err
  throw error
}

// The number of URLs the addon reads: the array's length when the call starts (anything else
// the addon refuses before reading).
const count = (urls) => (Array.isArray(urls) ? urls.length : 0)

// signMany and signManyAsync: the addon reads the array and returns the signed batch as the
// core's joined text (or, for a parallel batch signed by signMany, an array of its pieces: one
// per slice a thread signed), split here: one split in JavaScript costs less than an array of strings made through
// N-API (see src/batch.rs).
// (Array.prototype.concat copies the pieces' arrays at once; flatMap adds element by element.)
const split = (text, n) =>
  typeof text !== 'string'
    ? [].concat(...text.map((t) => t.split('\n')))
    : n === 1
      ? [text]
      : text === ''
        ? []
        : text.split('\n')

Object.defineProperties(binding.Signer.prototype, {
  signMany: {
    value: function signMany(urls, options, buffer) {
      // The length now, as the addon reads it (an item getter may change the array later).
      const n = count(urls)
      return split(this.signPieces(urls, options, buffer), n)
    },
    writable: true,
    configurable: true,
  },
  signManyAsync: {
    value: function signManyAsync(urls, options) {
      const n = count(urls)
      return this.signPiecesAsync(urls, options).then((text) => split(text, n))
    },
    writable: true,
    configurable: true,
  },
})

module.exports = binding
