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

try {
  module.exports = require('./index.js')
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
