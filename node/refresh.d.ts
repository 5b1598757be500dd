import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RefreshAsk, Signer } from './index'

/** Options of `refreshHandler` / `refreshRouter`. */
export interface RefreshOptions<Req = IncomingMessage> {
  /** Required: says whether this request may have a token for `ask.video` / `ask.type`. */
  authorize: (req: Req, ask: RefreshAsk) => boolean | Promise<boolean>
  /** The signer (or give `key`). */
  signer?: Signer
  key?: string
  /** Numeric account (client) id. */
  account: string | number
  /** `https://host` of the CDN resource (`url`). */
  cdnUrl: string
  /** `https://host` of the IP-bound CDN resource (`url_ip`); default `cdnUrl`. */
  cdnIpUrl?: string
  /** Longest lifetime signed, seconds (default 3600). */
  maxLifetime?: number
  /** Lifetime when the query has no `expire`, seconds (default 60). */
  defaultLifetime?: number
  /** Proxies whose `X-Forwarded-For` / `X-Real-IP` are believed (`10.0.0.0/8`, `::1`). */
  trustedProxies?: string[]
}

export declare function refreshHandler(
  options: RefreshOptions,
): (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => Promise<void>

export declare function refreshRouter(
  options: RefreshOptions<any> & { path?: string },
): import('express').Router
