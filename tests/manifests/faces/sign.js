'use strict'
// node sign.js URL EXPIRES KIND OUTSIDE OTHER_HOSTS IP|- < manifest: the Node face's
// signManifest (key from CDN_SECURE_TOKEN_KEY); on failure the message on stderr, exit 3.
const fs = require('node:fs')
const path = require('node:path')
const { Signer } = require(path.resolve(__dirname, '../../../node'))
const [url, expires, kind, outside, others, ip] = process.argv.slice(2)
const signer = new Signer(process.env.CDN_SECURE_TOKEN_KEY)
try {
  const opts = { expires: Number(expires), kind, outside, otherHosts: others === '1' }
  if (ip !== '-') opts.ip = ip
  process.stdout.write(signer.signManifest(fs.readFileSync(0, 'utf8'), url, opts))
} catch (err) {
  process.stderr.write(`line ${err.line}: ${err.message}\n`)
  process.exitCode = 3
}
