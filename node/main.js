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
const { signUrl, signMany, signManyAsync, token, verify, _bind: bind, _signManyAsync: signManyFieldsAsync } = proto

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

// Batches: the addon reads the array into one buffer (no string per URL on the Rust side)
// and returns the signed URLs as strings of up to 64 URLs joined with '\n' (the core never
// puts one in a signed URL), split here: a few thousand N-API calls for 100,000 URLs
// instead of several per URL, and each URL kept for later keeps only its ~6 KB chunk alive
// (split returns slices). Arrays with an item that is not a string, empty arrays and odd
// options take the addon's own path, whose errors name the item.
const SIGNED_SEPARATOR = '\n'
const NO_OPTIONS = Object.freeze({})

function fastBatch(urls, options) {
  if (!Array.isArray(urls) || urls.length === 0) return false
  if (options !== undefined && !plainObject(options)) return false
  for (let i = 0; i < urls.length; i++) {
    if (typeof urls[i] !== 'string') return false
  }
  return true
}

// The URLs of all chunks in one array: concat of the split chunks, a group of them per call
// (a spread of the whole batch could pass too many arguments); ~18 ns/URL where pushing
// them one by one costs ~28.
const CONCAT_GROUP = 8192

function unchunk(chunks) {
  const parts = new Array(chunks.length)
  for (let c = 0; c < chunks.length; c++) parts[c] = chunks[c].split(SIGNED_SEPARATOR)
  if (parts.length === 1) return parts[0]
  let urls = []
  for (let i = 0; i < parts.length; i += CONCAT_GROUP) urls = urls.concat(...parts.slice(i, i + CONCAT_GROUP))
  return urls
}

define('signMany', function signManyFast(urls, options) {
  if (!fastBatch(urls, options)) return signMany.call(this, urls, options)
  return unchunk(withSignFields(bound(this).signMany, urls, options === undefined ? NO_OPTIONS : options))
})

function rejection(err) {
  if (typeof err === 'object' && err !== null) return err
  const error = new Error(typeof err === 'symbol' ? '' : String(err))
  error.code = 'GenericFailure'
  return error
}

define('signManyAsync', function signManyAsyncFast(urls, options) {
  if (!fastBatch(urls, options)) return signManyAsync.call(this, urls, options)
  let pending
  try {
    pending = withSignFields(signManyFieldsAsync.bind(this), urls, options === undefined ? NO_OPTIONS : options)
  } catch (err) {
    // An options getter that throws: reject, as the promise API promises, with what the
    // addon's own path rejects with (a thrown primitive becomes an Error with its text).
    return Promise.reject(rejection(err))
  }
  return pending.then(unchunk)
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
