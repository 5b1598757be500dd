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

// signMany and signManyAsync: the batch crosses into the addon as ONE string each way
// (signJoined), not one string per URL (100,000 URLs: 449 -> 256 ns per URL, one run of
// bench/bench.js). An item the joined text cannot carry (not a string, empty, or holding '\n',
// which no signable URL does) ends the text: the URLs before it are signed (so that an earlier bad
// URL is the one reported), then the addon reports that item, by its index.
function firstUnjoinable(urls) {
  for (let i = 0; i < urls.length; i++) {
    const u = urls[i]
    if (typeof u !== 'string' || u === '' || u.includes('\n')) return i
  }
  return urls.length
}

const lines = (text, n) => (n === 0 ? [] : text.split('\n'))

Object.defineProperties(binding.Signer.prototype, {
  signMany: {
    value: function signMany(urls, options) {
      if (!Array.isArray(urls)) return this.signJoined(urls, options, -1)
      const end = firstUnjoinable(urls)
      if (end === urls.length) return lines(this.signJoined(urls.join('\n'), options), end)
      this.signJoined(urls.slice(0, end).join('\n'), options) // throws for an earlier bad URL
      return this.signJoined(urls[end], options, end)
    },
    writable: true,
    configurable: true,
  },
  signManyAsync: {
    value: function signManyAsync(urls, options) {
      if (!Array.isArray(urls)) return this.signJoinedAsync(urls, options, -1)
      const end = firstUnjoinable(urls)
      const text = this.signJoinedAsync((end === urls.length ? urls : urls.slice(0, end)).join('\n'), options)
      if (end === urls.length) return text.then((t) => lines(t, end))
      return text.then(() => this.signJoined(urls[end], options, end))
    },
    writable: true,
    configurable: true,
  },
})

module.exports = binding
