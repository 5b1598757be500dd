'use strict'
// The package entry for `require('secure-token')`: the generated loader's exports (index.js),
// with the hot paths (signUrl, token, verify, signMany, signManyAsync) reshaped here.
// Reading `options.expires` in JavaScript costs a few nanoseconds; each N-API property lookup
// from Rust costs about a hundred, and seven of them were half of a single signUrl call.
// The fields go to the native side positionally and are checked there exactly as the
// options-object path checks them (same errors, same codes); anything that is not a plain
// options object takes that path, so its TypeError is unchanged. For the same reason a valid
// verify result is built here from one number rather than property by property in Rust.
// The positional entry points are plain N-API functions bound to one signer (Signer#_bind,
// src/fast.rs), kept per signer in a WeakMap: a napi-rs class method costs ~190 ns per call
// before its body runs, such a function ~10 ns.

const binding = require('./index.js')

const proto = binding.Signer.prototype
const { signUrl, signMany, signManyAsync, token, verify, _bind: bind } = proto

const BOUND = new WeakMap()

// This signer's bound functions. On a receiver that is not a Signer, the native `_bind`
// throws the same error as any native method called on it.
function bound(signer) {
  let fns = BOUND.get(signer)
  if (fns === undefined) {
    fns = bind.call(signer)
    BOUND.set(signer, fns)
  }
  return fns
}

function plainObject(options) {
  return (
    typeof options === 'object' && options !== null && !Array.isArray(options) && !(options instanceof Date)
  )
}

function define(name, fn) {
  Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false })
}

// Calls `fn(first, expires, ttl, ip, kind, speed, buffer, now)` with the fields read once
// each, in that order, and passed only up to the last one given: the addon knows the
// arguments not passed are absent without asking N-API the type of each (~10 ns apiece).
function withSignFields(fn, first, options) {
  const { expires, ttl, ip, kind, speed, buffer, now } = options
  if (now != null || buffer != null || speed != null) return fn(first, expires, ttl, ip, kind, speed, buffer, now)
  if (kind != null) return fn(first, expires, ttl, ip, kind)
  if (ip != null) return fn(first, expires, ttl, ip)
  if (ttl != null) return fn(first, expires, ttl)
  if (expires != null) return fn(first, expires)
  return fn(first)
}

define('signUrl', function signUrlFast(url, options) {
  if (!plainObject(options)) return signUrl.call(this, url, options)
  return withSignFields(bound(this).signUrl, url, options)
})

// Batches cross N-API as one string each way, instead of several N-API calls per URL: the
// URLs joined with NUL (the core refuses control characters in a URL, so none contains it),
// the signed URLs joined with '\n' (the core never puts one in a signed URL). Small
// batches, non-string items and odd options take the array path, whose errors name the
// item.
const SEPARATOR = '\u0000'
const SIGNED_SEPARATOR = '\n'
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
  return typeof out === 'string' ? out.split(SIGNED_SEPARATOR) : out
}

define('signMany', function signManyFast(urls, options) {
  if (!joinable(urls, options)) return signMany.call(this, urls, options)
  const o = options === undefined ? NO_OPTIONS : options
  const out = bound(this).signManyJoined(
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
  return withSignFields(bound(this).token, path, options)
})

// A valid verdict comes back as `expires * 16 + keyIndex` (see verify in src/fast.rs).
function unpack(result) {
  if (typeof result !== 'number') return result
  const keyIndex = result % 16
  return { status: 'valid', httpStatus: 200, reason: null, message: null, expires: (result - keyIndex) / 16, keyIndex }
}

define('verify', function verifyFast(url, options) {
  if (options === undefined) return unpack(bound(this).verify(url))
  if (!plainObject(options)) return verify.call(this, url, options)
  const { ip, now, kind } = options
  const fns = bound(this)
  if (kind != null) return unpack(fns.verify(url, ip, now, kind))
  if (now != null) return unpack(fns.verify(url, ip, now))
  if (ip != null) return unpack(fns.verify(url, ip))
  return unpack(fns.verify(url))
})

module.exports = binding
