'use strict'
// Express (and plain `http`) helpers for cdn-secure-token. They only route requests and
// options to the native Signer: every signing and verification rule lives in the core.

const { STATUS_CODES } = require('node:http')
const { Signer } = require('./main.js')

function argumentError(message) {
  const err = new TypeError(message)
  err.code = 'ERR_SECURE_TOKEN_INVALID_ARGUMENT'
  return err
}

function signerFrom(options, helper) {
  if (options === null || typeof options !== 'object') {
    throw argumentError(`${helper}(options): options must be an object`)
  }
  if (options.signer !== undefined) {
    if (!(options.signer instanceof Signer)) {
      throw argumentError(`${helper}(options): options.signer must be a Signer`)
    }
    return options.signer
  }
  if (options.key !== undefined) {
    return new Signer(options.key, { verifyKeys: options.verifyKeys })
  }
  throw argumentError(`${helper}(options): give options.signer or options.key`)
}

// Node reports an IPv4 client of a dual-stack socket as `::ffff:a.b.c.d`; nginx, which
// listens on separate IPv4 and IPv6 sockets, writes `$remote_addr` as `a.b.c.d`.
const IPV4_MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i

/** The client address as nginx's `$remote_addr` would write it. */
function clientIp(req) {
  const ip = (req && (req.ip || (req.socket && req.socket.remoteAddress))) || undefined
  if (typeof ip !== 'string') return undefined
  const mapped = IPV4_MAPPED.exec(ip)
  return mapped ? mapped[1] : ip
}

function ipResolver(ip, helper) {
  if (ip === undefined || ip === false) return () => undefined
  if (ip === true) return clientIp
  if (typeof ip === 'function') return ip
  throw argumentError(`${helper}(options): options.ip must be a boolean or a function`)
}

// The request target as the server received it, for verifyRequest: Node's HTTP parser hands
// it over as `req.url`, one character per byte (latin1), and Express keeps the whole of it in
// `req.originalUrl` when a mount path is cut from `req.url`.
function requestTarget(req) {
  const target = typeof req.originalUrl === 'string' ? req.originalUrl : req.url
  return typeof target === 'string' ? target : ''
}

function deny(res, httpStatus) {
  res.statusCode = httpStatus
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.end(`${STATUS_CODES[httpStatus] || 'Forbidden'}\n`)
}

/**
 * Middleware that checks each request's Secure Token at the origin on the request target as
 * received (`verifyRequest`) and answers like the edge: 403 for a missing or wrong token,
 * 410 for an expired one, 400 / 414 for a request the edge refuses before any token check,
 * `next()` when valid (the verdict is left in `res.locals.secureToken`). Nothing a client
 * sends makes it throw.
 */
function secureLink(options) {
  const signer = signerFrom(options, 'secureLink')
  const ipOf = ipResolver(options.ip, 'secureLink')
  const kind = options.kind
  const now = options.now
  const onDenied = options.onDenied
  if (onDenied !== undefined && typeof onDenied !== 'function') {
    throw argumentError('secureLink(options): options.onDenied must be a function')
  }
  return function secureLinkMiddleware(req, res, next) {
    let verdict
    try {
      verdict = signer.verifyRequest(requestTarget(req), {
        ip: ipOf(req),
        kind,
        now: typeof now === 'function' ? now() : now,
      })
    } catch (err) {
      // Only the application's own functions (options.ip, options.now) can throw here.
      if (typeof next === 'function') return next(err)
      throw err
    }
    if (res.locals) res.locals.secureToken = verdict
    if (verdict.status === 'valid') {
      if (typeof next === 'function') next()
      return
    }
    if (onDenied) return onDenied(req, res, verdict, next)
    deny(res, verdict.httpStatus)
  }
}

/**
 * Middleware that puts a signing function in `res.locals` (default name `signUrl`) for
 * templates: `signUrl(url, options?)` signs with the defaults given here, bound to the
 * requesting client's IP when `ip: true`.
 */
function signedUrls(options) {
  const signer = signerFrom(options, 'signedUrls')
  const ipOf = ipResolver(options.ip, 'signedUrls')
  const name = options.name === undefined ? 'signUrl' : options.name
  if (typeof name !== 'string' || name === '') {
    throw argumentError('signedUrls(options): options.name must be a non-empty string')
  }
  const defaults = {}
  for (const field of ['expires', 'ttl', 'kind', 'speed', 'buffer']) {
    if (options[field] !== undefined) defaults[field] = options[field]
  }
  return function signedUrlsMiddleware(req, res, next) {
    const ip = ipOf(req)
    if (!res.locals) res.locals = {}
    res.locals[name] = (url, callOptions) => {
      const merged = { ...defaults, ip }
      if (callOptions && (callOptions.expires !== undefined || callOptions.ttl !== undefined)) {
        // A call's own expiry replaces the default one rather than conflicting with it.
        delete merged.expires
        delete merged.ttl
      }
      return signer.signUrl(url, { ...merged, ...callOptions })
    }
    next()
  }
}

module.exports = { secureLink, signedUrls, clientIp }
