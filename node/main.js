'use strict'
// The package entry for `require('secure-token')`: the generated loader's exports (index.js),
// with the hot paths (signUrl, token, verify, signMany, signManyAsync) reshaped here.
// Reading `options.expires` in JavaScript costs a few nanoseconds; each N-API property lookup
// from Rust costs about a hundred, and seven of them were half of a single signUrl call.
// The fields go to the native side positionally and are checked there exactly as the
// options-object path checks them (same errors, same codes); anything that is not a plain
// options object takes that path, so its TypeError is unchanged. For the same reason a valid
// verify result is built here from one number rather than property by property in Rust.

const binding = require('./index.js')

const proto = binding.Signer.prototype
const { signUrl, signMany, signManyAsync, token, verify } = proto

function plainObject(options) {
  return (
    typeof options === 'object' && options !== null && !Array.isArray(options) && !(options instanceof Date)
  )
}

function define(name, fn) {
  Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false })
}

define('signUrl', function signUrlFast(url, options) {
  if (!plainObject(options)) return signUrl.call(this, url, options)
  const o = options
  return this._signUrlFields(url, o.expires, o.ttl, o.ip, o.kind, o.speed, o.buffer, o.now)
})

// Batches cross N-API as one string, the URLs joined with NUL (the core refuses control
// characters in a URL, so none contains it), instead of several N-API calls per URL each
// way. Small batches, non-string items and odd options take the array path, whose errors
// name the item.
const SEPARATOR = '\u0000'
const JOIN_MIN = 64
const NO_OPTIONS = Object.freeze({})

function joinable(urls, options) {
  if (!Array.isArray(urls) || urls.length < JOIN_MIN) return false
  if (options !== undefined && !plainObject(options)) return false
  for (let i = 0; i < urls.length; i++) {
    if (typeof urls[i] !== 'string') return false
  }
  return true
}

function split(out) {
  return typeof out === 'string' ? out.split(SEPARATOR) : out
}

define('signMany', function signManyFast(urls, options) {
  if (!joinable(urls, options)) return signMany.call(this, urls, options)
  const o = options === undefined ? NO_OPTIONS : options
  const out = this._signManyJoined(
    urls.join(SEPARATOR), urls.length, o.expires, o.ttl, o.ip, o.kind, o.speed, o.buffer, o.now,
  )
  // null: a URL held a NUL and the batch did not split back; the array path names it.
  return out === null ? signMany.call(this, urls, options) : split(out)
})

define('signManyAsync', function signManyAsyncFast(urls, options) {
  if (!joinable(urls, options)) return signManyAsync.call(this, urls, options)
  let pending
  try {
    const o = options === undefined ? NO_OPTIONS : options
    pending = this._signManyJoinedAsync(
      urls.join(SEPARATOR), urls.length, o.expires, o.ttl, o.ip, o.kind, o.speed, o.buffer, o.now,
    )
  } catch (err) {
    // An options getter that throws: reject, as the promise API promises.
    return Promise.reject(err)
  }
  return pending.then((out) => (out === null ? signManyAsync.call(this, urls, options) : split(out)))
})

define('token', function tokenFast(path, options) {
  if (!plainObject(options)) return token.call(this, path, options)
  const o = options
  return this._tokenFields(path, o.expires, o.ttl, o.ip, o.kind, o.speed, o.buffer, o.now)
})

// A valid verdict comes back as `expires * 16 + keyIndex` (see verify_fields in src/lib.rs).
function unpack(result) {
  if (typeof result !== 'number') return result
  const keyIndex = result % 16
  return { status: 'valid', httpStatus: 200, reason: null, message: null, expires: (result - keyIndex) / 16, keyIndex }
}

define('verify', function verifyFast(url, options) {
  if (options === undefined) return unpack(this._verifyFields(url))
  if (!plainObject(options)) return verify.call(this, url, options)
  return unpack(this._verifyFields(url, options.ip, options.now, options.kind))
})

module.exports = binding
