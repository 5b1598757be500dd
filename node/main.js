'use strict'
// The package entry for `require('cdn-secure-token')`: the generated loader's exports (index.js),
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

// Batches. Reading 100,000 URLs out of an array through N-API costs ~49 ns each
// (napi_get_element alone ~28, then a UTF-8 conversion per URL). Here they are checked and
// joined with '\n' into strings of whole URLs of about JOIN_UNITS UTF-16 units each (~18 ns
// a URL); the addon reads each string with one conversion and splits it on '\n' (~4 ns a
// URL). A URL holding a '\n' (never valid) makes the count come out wrong, and the addon
// then reads the array item by item, so every error names the same item and says the same
// as before. Each URL is read once here; arrays with an item that is not a string, empty
// arrays and odd options take the addon's own path, whose errors name the item.
// Longer strings join slower: 100,000 URLs in one (~5 MB, V8's large-object space) cost
// ~40-60 ns a URL; the ~700 of 32K units, ~13 before the checks.
const JOIN_UNITS = 1 << 15

// The URLs of a batch joined into strings of whole URLs, or undefined when the batch must
// take the addon's own path.
function joinBatch(urls, options) {
  if (!Array.isArray(urls) || urls.length === 0) return undefined
  if (options !== undefined && !plainObject(options)) return undefined
  const count = urls.length
  const joined = []
  // The URLs of the string being joined, written into an array sized like the previous
  // group's (~3 ns a URL less than growing one with push).
  let group = new Array(16)
  let k = 0
  let units = 0
  for (let i = 0; i < count; i++) {
    const url = urls[i]
    // charCodeAt flattens a string built by concatenation (a rope) in place, as reading it
    // through N-API did; join copies a rope piece by piece at every call (~45 ns a URL
    // against ~20 once flat), and flattening pays even for ropes signed once. NaN (an
    // empty string) is no code unit either.
    if (typeof url !== 'string' || url.charCodeAt(0) < 0) return undefined
    group[k++] = url
    units += url.length + 1
    if (units >= JOIN_UNITS) {
      if (group.length !== k) group.length = k
      joined.push(group.join('\n'))
      group = new Array(k)
      k = 0
      units = 0
    }
  }
  if (k > 0) {
    group.length = k
    joined.push(group.join('\n'))
  }
  return joined
}

// The addon returns the signed URLs as strings of up to 64 URLs joined with '\n' (the
// core never puts one in a signed URL), split here: a few thousand N-API calls for 100,000
// URLs instead of several per URL, and each URL kept for later keeps only its ~6 KB chunk
// alive (split returns slices).
const SIGNED_SEPARATOR = '\n'
const NO_OPTIONS = Object.freeze({})

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

// Calls `fn(joined, urls, expires, ttl, ip, kind, speed, buffer, now)`, the options' fields
// read once each, in that order (one batch call: no point trimming the absent ones).
function withBatchFields(fn, receiver, joined, urls, options) {
  const { expires, ttl, ip, kind, speed, buffer, now } = options === undefined ? NO_OPTIONS : options
  return fn.call(receiver, joined, urls, expires, ttl, ip, kind, speed, buffer, now)
}

define('signMany', function signManyFast(urls, options) {
  const joined = joinBatch(urls, options)
  if (joined === undefined) return signMany.call(this, urls, options)
  const fns = bound(this)
  return unchunk(withBatchFields(fns.signMany, fns, joined, urls, options))
})

function rejection(err) {
  if (typeof err === 'object' && err !== null) return err
  const error = new Error(typeof err === 'symbol' ? '' : String(err))
  error.code = 'GenericFailure'
  return error
}

define('signManyAsync', function signManyAsyncFast(urls, options) {
  const joined = joinBatch(urls, options)
  if (joined === undefined) return signManyAsync.call(this, urls, options)
  let pending
  try {
    pending = withBatchFields(signManyFieldsAsync, this, joined, urls, options)
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

// For bench/batch.js, which times these pieces alone: not part of the API (hidden, untyped).
Object.defineProperty(binding, '_batchInternals', { value: Object.freeze({ joinBatch, unchunk }) })

module.exports = binding
