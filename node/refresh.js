'use strict'
// The player token-refresh endpoint (issue 16) for plain Node `http` and Express. It only
// routes the request to the core's RefreshEndpoint and asks the authorization hook in
// between: the query, the lifetime bounds, the client-IP rule and the JSON all come from
// the core.

const { Signer, RefreshEndpoint } = require('./main.js')

function argumentError(message) {
  const err = new TypeError(message)
  err.code = 'ERR_SECURE_TOKEN_INVALID_ARGUMENT'
  return err
}

function endpointFrom(options, helper) {
  if (options === null || typeof options !== 'object') {
    throw argumentError(`${helper}(options): options must be an object`)
  }
  if (typeof options.authorize !== 'function') {
    throw argumentError(
      `${helper}(options): options.authorize must be a function (req, ask) => boolean; ` +
        'without an authorization hook the endpoint would sign for anyone',
    )
  }
  let signer = options.signer
  if (signer === undefined && options.key !== undefined) signer = new Signer(options.key)
  if (!(signer instanceof Signer)) {
    throw argumentError(`${helper}(options): give options.signer (a Signer) or options.key`)
  }
  return new RefreshEndpoint(signer, {
    account: options.account === undefined ? undefined : String(options.account),
    cdnUrl: options.cdnUrl,
    cdnIpUrl: options.cdnIpUrl,
    maxLifetime: options.maxLifetime,
    defaultLifetime: options.defaultLifetime,
    trustedProxies: options.trustedProxies,
  })
}

function send(res, answer, head) {
  res.statusCode = answer.status
  for (const [name, value] of answer.headers) res.setHeader(name, value)
  res.setHeader('Content-Length', Buffer.byteLength(answer.body))
  res.end(head ? undefined : answer.body)
}

function header(req, name) {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

/**
 * A handler `(req, res, next?) => Promise<void>` for Node's `http` server (or any framework
 * that hands over Node's request and response). Options: `authorize(req, ask)` (required;
 * `ask` has `video`, `type`, `expires`, `clientIp`; return or resolve to `true` to sign),
 * `signer` or `key`, `account`, `cdnUrl`, `cdnIpUrl`, `maxLifetime`, `defaultLifetime`,
 * `trustedProxies`.
 */
function refreshHandler(options) {
  const endpoint = endpointFrom(options, 'refreshHandler')
  const authorize = options.authorize
  return async function tokenRefresh(req, res, next) {
    const target = req.originalUrl || req.url || ''
    const q = target.indexOf('?')
    const got = endpoint.prepare(
      req.method || 'GET',
      q < 0 ? '' : target.slice(q + 1),
      (req.socket && req.socket.remoteAddress) || '',
      header(req, 'x-forwarded-for'),
      header(req, 'x-real-ip'),
    )
    const head = req.method === 'HEAD'
    if (typeof got.respond !== 'function') return send(res, got, head)
    let allowed = false
    try {
      allowed = (await authorize(req, got)) === true
    } catch (err) {
      if (typeof next === 'function') return next(err)
      allowed = false
    }
    send(res, got.respond(allowed), head)
  }
}

/**
 * An Express router answering `GET`/`HEAD` at `options.path` (default `/`) with the
 * refresh endpoint: `app.use('/api/token', refreshRouter({...}))`.
 */
function refreshRouter(options) {
  const handler = refreshHandler(options)
  const { Router } = require('express')
  const router = Router()
  router.all(options.path === undefined ? '/' : options.path, handler)
  return router
}

module.exports = { refreshHandler, refreshRouter }
