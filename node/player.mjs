// cdn-secure-token/player: keeps a short-lived Video Streaming token fresh in the browser.
// ES module, no dependencies. A TokenRefresher fetches the token endpoint's contract
// ({token, token_ip, client_ip, expires, url, url_ip}) and fetches it again a lead before
// expiry; the hls.js loader and the dash.js request modifier rewrite every request with the
// latest token: the `{token}/{expires}` segments of /videos|cmaf|mpegts|streams/{account}_{id}/
// paths, and `md5` / `expires` query parameters.

const STREAM_PATH = /^\/(videos|cmaf|mpegts|streams)\/([^/]+)\/([A-Za-z0-9_-]{22})\/(\d+)(\/.*)?$/

/** Splits a stream path: `{ prefix, name, token, expires, rest }` or null. */
export function parseStreamPath(pathname) {
  const m = STREAM_PATH.exec(pathname)
  return m ? { prefix: m[1], name: m[2], token: m[3], expires: m[4], rest: m[5] || '' } : null
}

/**
 * Writes `token` / `expires` into `url` (a string; relative URLs resolve against `base`) where
 * the stream path named `name` (`{account}_{id}`) has them, and into `md5` / `expires` query
 * parameters. Other URLs come back unchanged.
 */
export function rewriteUrl(url, { token, expires, name }, base) {
  let u
  try {
    u = new URL(url, base)
  } catch {
    return url
  }
  let changed = false
  const p = parseStreamPath(u.pathname)
  if (p && (name === undefined || p.name === name)) {
    u.pathname = `/${p.prefix}/${p.name}/${token}/${expires}${p.rest}`
    changed = true
  }
  if (u.searchParams.has('md5')) {
    // Query tokens: replace the values in place, keep every other parameter as it was.
    const parts = u.search.slice(1).split('&').map((kv) => {
      const k = kv.split('=', 1)[0].toLowerCase()
      if (k === 'md5') return `${kv.split('=', 1)[0]}=${token}`
      if (k === 'expires') return `${kv.split('=', 1)[0]}=${expires}`
      return kv
    })
    u.search = `?${parts.join('&')}`
    changed = true
  }
  return changed ? u.href : url
}

/**
 * Fetches and refreshes the token. Options:
 * - `endpoint` (required): the token endpoint URL, e.g. `/api/token`.
 * - `video` (required), `type` (`'vod'` | `'live'`, default `'vod'`), `expire` (lifetime
 *   in seconds asked for; default: the endpoint's).
 * - `ip`: use `token_ip` / `url_ip` (default false: `token` / `url`).
 * - `lead`: how long before expiry to refresh: a fraction of the lifetime (0 < lead < 1,
 *   default 0.25), or seconds when >= 1.
 * - `retry`: seconds between attempts after a failed refresh (default 2).
 * - `fetch`: the fetch function (default `globalThis.fetch`); `fetchInit`: its options
 *   (credentials, headers for the authorization hook).
 * - `onRefresh(contract)`, `onError(error)`: notifications.
 */
export class TokenRefresher {
  constructor(options) {
    if (!options || typeof options !== 'object') throw new TypeError('TokenRefresher: options must be an object')
    const { endpoint, video } = options
    if (!endpoint) throw new TypeError('TokenRefresher: options.endpoint is required')
    if (!video || typeof video !== 'string') throw new TypeError('TokenRefresher: options.video is required')
    const lead = options.lead === undefined ? 0.25 : options.lead
    if (typeof lead !== 'number' || !(lead > 0)) throw new TypeError('TokenRefresher: options.lead must be a positive number')
    this.options = { type: 'vod', ip: false, retry: 2, ...options, lead }
    this.current = null
    this.refreshes = 0
    this._timer = null
    this._pending = null
    this._stopped = false
  }

  /** The endpoint URL with the query. */
  requestUrl() {
    const o = this.options
    const base = typeof location !== 'undefined' ? location.href : undefined
    const u = new URL(String(o.endpoint), base)
    u.searchParams.set('video', o.video)
    u.searchParams.set('type', o.type)
    if (o.expire !== undefined) u.searchParams.set('expire', String(o.expire))
    return u.href
  }

  /** Fetches a token now (one request at a time) and schedules the next refresh. */
  refresh() {
    if (this._pending) return this._pending
    const doFetch = this.options.fetch || globalThis.fetch
    this._pending = (async () => {
      try {
        const res = await doFetch(this.requestUrl(), { cache: 'no-store', ...this.options.fetchInit })
        const body = await res.json()
        if (!res.ok) {
          const err = new Error(`token endpoint answered ${res.status}: ${body && body.error}`)
          err.status = res.status
          err.body = body
          throw err
        }
        this.current = body
        this.refreshes += 1
        this._schedule()
        if (this.options.onRefresh) this.options.onRefresh(body)
        return body
      } catch (err) {
        if (this.options.onError) this.options.onError(err)
        if (!this._stopped) this._timer = setTimeout(() => this.refresh().catch(() => {}), this.options.retry * 1000)
        throw err
      } finally {
        this._pending = null
      }
    })()
    return this._pending
  }

  _schedule() {
    clearTimeout(this._timer)
    if (this._stopped) return
    const lifetime = this.current.expires - Date.now() / 1000
    const lead = this.options.lead < 1 ? lifetime * this.options.lead : this.options.lead
    const wait = Math.max(1, lifetime - lead)
    this._timer = setTimeout(() => this.refresh().catch(() => {}), wait * 1000)
  }

  /** Starts: resolves to the first contract. */
  start() {
    this._stopped = false
    return this.refresh()
  }

  stop() {
    this._stopped = true
    clearTimeout(this._timer)
  }

  /** The master playlist URL to load (`url`, or `url_ip` with `ip: true`). */
  get url() {
    return this.current && (this.options.ip ? this.current.url_ip : this.current.url)
  }

  /** `url` with the latest token. */
  rewrite(url, base) {
    if (!this.current) return url
    const c = this.current
    const token = this.options.ip ? c.token_ip : c.token
    const p = parseStreamPath(new URL(this.url).pathname)
    return rewriteUrl(url, { token, expires: c.expires, name: p ? p.name : undefined }, base)
  }
}

/**
 * An hls.js loader class that rewrites every request (manifests, segments, keys) with the
 * latest token: `new Hls({ loader: hlsLoader(Hls, refresher) })`.
 */
export function hlsLoader(Hls, refresher) {
  const Base = Hls.DefaultConfig.loader
  return class TokenLoader extends Base {
    load(context, config, callbacks) {
      context.url = refresher.rewrite(context.url)
      super.load(context, config, callbacks)
    }
  }
}

/**
 * An hls.js `xhrSetup` that opens each request on the rewritten URL:
 * `new Hls({ xhrSetup: hlsXhrSetup(refresher) })`.
 */
export function hlsXhrSetup(refresher) {
  return (xhr, url) => {
    xhr.open('GET', refresher.rewrite(url), true)
  }
}

/**
 * A dash.js 5 request interceptor (dash.js 5 has no `RequestModifier`):
 * `player.addRequestInterceptor(dashRequestInterceptor(refresher))`. Every request (MPD,
 * init and media segments) goes out on the URL with the latest token.
 */
export function dashRequestInterceptor(refresher) {
  return (request) => {
    request.url = refresher.rewrite(request.url)
    return Promise.resolve(request)
  }
}

/**
 * A dash.js 4 request modifier:
 * `player.extend('RequestModifier', dashRequestModifier(refresher), true)`. dash.js 4 calls
 * `modifyRequestURL` for every request it makes (dash.js 5: use `dashRequestInterceptor`).
 */
export function dashRequestModifier(refresher) {
  return function RequestModifier() {
    return {
      modifyRequestHeader: (xhr) => xhr,
      modifyRequestURL: (url) => refresher.rewrite(url),
    }
  }
}
