'use strict'
// The Node face under test: plain `http` (no trusted proxy) and Express (`refreshRouter`
// at /api/token, trusting 127.0.0.1). Prints `ok`/`not ok` lines for the construction checks,
// then `PORTS <http> <express>`.
const http = require('node:http')
const path = require('node:path')
const node = path.join(__dirname, '../../node')
const { Signer } = require(path.join(node, 'main.js'))
const { refreshHandler, refreshRouter } = require(path.join(node, 'refresh.js'))
const express = require(require.resolve('express', { paths: [node] }))

const common = {
  signer: new Signer('my-cdn-key'),
  account: 12345,
  cdnUrl: 'https://cdn.example.com',
  cdnIpUrl: 'https://cdn-ip.example.com',
  maxLifetime: 120,
  authorize: async (req, ask) => ask.video !== 'denied',
}
for (const [name, make] of [['refreshHandler', refreshHandler], ['refreshRouter', refreshRouter]]) {
  let err
  try { make({ ...common, authorize: undefined }) } catch (e) { err = e }
  console.log(`${err && err.code === 'ERR_SECURE_TOKEN_INVALID_ARGUMENT' ? 'ok' : 'not ok'} - node ${name} refuses to start without an authorization hook`)
  err = undefined
  try { make({ ...common, authorize: true }) } catch (e) { err = e }
  console.log(`${err ? 'ok' : 'not ok'} - node ${name} refuses a hook that is not a function`)
}
const plain = http.createServer(refreshHandler(common))
const app = express()
app.use('/api/token', refreshRouter({ ...common, trustedProxies: ['127.0.0.1'] }))
const viaExpress = http.createServer(app)
plain.listen(0, '127.0.0.1', () => viaExpress.listen(0, '127.0.0.1', () =>
  console.log(`PORTS ${plain.address().port} ${viaExpress.address().port}`)))
process.on('SIGTERM', () => process.exit(0))
