'use strict'
// The Express app of the raw-request differential (tests/raw/differential.py compare): the
// fixture tree at `/`, guarded by secureLink with file tokens and key conformance-key-1, files
// served by express.static. Usage: node server.js ROOT PORT (0: any free port; prints "listening PORT").
const path = require('node:path')
const fs = require('node:fs')
const express = require('express')
const { secureLink } = require('cdn-secure-token/express')

const [root, port] = process.argv.slice(2)
if (!root || !port) {
  console.error('usage: node server.js ROOT PORT')
  process.exit(64)
}

const app = express()
app.use(secureLink({ key: 'conformance-key-1' }))
app.use(express.static(root, { dotfiles: 'allow', index: false, redirect: false }))
const server = app.listen(Number(port), '127.0.0.1', () => console.log(`listening ${server.address().port}`))
