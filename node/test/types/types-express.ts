// The Express helpers type-check against Express's own types (@types/express), as used in an
// application: mounted with app.use, chained before a handler, res.locals read in a view.
import express = require('express')
import { Signer } from 'cdn-secure-token'
import { secureLink, signedUrls } from 'cdn-secure-token/express'
import type { SignUrlLocal } from 'cdn-secure-token/express'

const signer = new Signer('my-cdn-key', { verifyKeys: ['old-key'] })
const app = express()

app.use('/downloads', secureLink({ signer }))
app.use('/hls', secureLink({ signer, kind: 'directory', ip: true }), (_req, res) => {
  res.send('ok')
})
app.use(
  '/custom',
  secureLink({
    key: 'my-cdn-key',
    ip: (req) => req.ip,
    onDenied: (_req, res, verdict) => {
      res.statusCode = verdict.httpStatus
      res.end(verdict.reason ?? '')
    },
  }),
)
app.get('/page', signedUrls({ signer, ttl: 600, ip: true }), (_req, res) => {
  const signUrl = res.locals.signUrl as SignUrlLocal
  res.send(signUrl('/downloads/report 2024.pdf', { kind: 'file' }))
})
