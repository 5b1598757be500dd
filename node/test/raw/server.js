'use strict'
// The Express app of the raw-request differential (tests/raw/differential.py compare): the
// fixture tree at `/`, guarded by secureLink with file tokens and key conformance-key-1, files
// served by express.static. Usage: node server.js ROOT PORT [KIND] (0: any free port; prints
// "listening PORT"); KIND as the harness names them: file (default), ip (file tokens bound to
// the client address), dir (directory tokens), mp4.
const http = require('node:http')
const express = require('express')
const { secureLink } = require('cdn-secure-token/express')

const [root, port, kind = 'file'] = process.argv.slice(2)
const GUARDS = {
  file: {},
  ip: { ip: true },
  dir: { kind: 'directory' },
  mp4: { kind: 'mp4' },
}
if (!root || !port || !GUARDS[kind]) {
  console.error('usage: node server.js ROOT PORT [file|ip|dir|mp4]')
  process.exit(64)
}

// express.static resolves a path its own way (it refuses any '..' with 403, drops a trailing
// '/.'); the edge serves nginx's $uri: percent-decoded bytes, '//' merged, dot segments
// resolved. This app hands express.static that path, re-encoded, so that both serve the
// same file; a path ending in '/' (a directory: no index, no listing) or not UTF-8 (no such
// name in the tree) is 404, as at the edge.
function edgePath(target) {
  const raw = Buffer.from(target.split('?')[0].split('#')[0], 'latin1')
  const bytes = []
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x25 && i + 2 < raw.length) {
      bytes.push(parseInt(raw.toString('latin1', i + 1, i + 3), 16))
      i += 2
    } else bytes.push(raw[i])
  }
  const segments = []
  const parts = Buffer.from(bytes).toString('latin1').split('/').slice(1)
  parts.forEach((seg, k) => {
    const last = k === parts.length - 1
    if (seg === '..') segments.pop()
    if (seg !== '' && seg !== '.' && seg !== '..') segments.push(seg)
    else if (last) segments.push('')
  })
  const uri = Buffer.from(`/${segments.join('/')}`, 'latin1')
  const text = uri.toString('utf8')
  if (uri.toString('latin1').endsWith('/') || !Buffer.from(text, 'utf8').equals(uri)) return null
  return text.split('/').map(encodeURIComponent).join('/')
}

// The guard runs before Express: Express's router does not run any middleware for a target
// whose path it cannot parse (`http://[::1/x.jpg`) and answers 404 itself, where the guard
// answers the edge's 400.
const guard = secureLink({ key: 'conformance-key-1', ...GUARDS[kind] })
const app = express()
app.use((req, res, next) => {
  const target = /^[a-z][a-z0-9+.-]*:\/\//i.test(req.url) ? req.url.replace(/^[^:]+:\/\/[^/?#]*/, '') || '/' : req.url
  const served = edgePath(target)
  if (served === null) return res.sendStatus(404)
  req.url = served
  next()
})
app.use(express.static(root, { dotfiles: 'allow', index: false, redirect: false }))

// Node answers 431 to a request line over maxHeaderSize (16 KiB by default) before any
// middleware runs; nginx answers 414 from 8 KiB. A larger limit lets secureLink answer.
const server = http.createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => guard(req, res, () => app(req, res)))
server.listen(Number(port), '127.0.0.1', () => console.log(`listening ${server.address().port}`))
