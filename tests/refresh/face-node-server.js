'use strict'
// The Node face's token endpoint for the end-to-end test: plain `http`, behind `serve`
// (trusted proxy 127.0.0.1). Prints its port. Key from CDN_SECURE_TOKEN_KEY.
const http = require('node:http')
const path = require('node:path')
const { refreshHandler } = require(path.join(__dirname, '../../node/refresh.js'))

const handler = refreshHandler({
  key: process.env.CDN_SECURE_TOKEN_KEY,
  account: process.env.ACCOUNT || '12345',
  cdnUrl: process.env.CDN_URL,
  maxLifetime: Number(process.env.MAX_LIFETIME || 20),
  defaultLifetime: Number(process.env.MAX_LIFETIME || 20),
  trustedProxies: ['127.0.0.1', '::1'],
  authorize: (req, ask) => ask.video !== 'denied',
})
const server = http.createServer(handler)
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
