'use strict'
// Shared helpers of the Node test suite (not a test file itself).
const fs = require('node:fs')
const path = require('node:path')

const NODE_DIR = path.resolve(__dirname, '..')
const REPO = path.resolve(NODE_DIR, '..')
const VECTORS = path.join(REPO, 'tests', 'vectors')

function vectors(name) {
  return JSON.parse(fs.readFileSync(path.join(VECTORS, `${name}.json`), 'utf8')).cases
}

/** Runs `fn` and returns what it threw (fails the test when it did not throw). */
function thrown(fn) {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw, got a return')
}

/** The crypto.createHash snippet from the Gcore docs / nginx secure_link examples. */
function referenceToken(stringToSign) {
  return require('node:crypto')
    .createHash('md5')
    .update(stringToSign)
    .digest('base64')
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
}

module.exports = { NODE_DIR, REPO, VECTORS, vectors, thrown, referenceToken }
