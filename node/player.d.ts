/** The token endpoint's answer (the refresh contract). */
export interface RefreshContract {
  token: string
  token_ip: string
  client_ip: string
  expires: number
  url: string
  url_ip: string
}

export interface TokenRefresherOptions {
  /** The token endpoint URL, e.g. `/api/token`. */
  endpoint: string | URL
  /** The video slug or live stream id. */
  video: string
  /** `'vod'` (default) or `'live'`. */
  type?: 'vod' | 'live'
  /** Lifetime asked for, seconds (default: the endpoint's). */
  expire?: number
  /** Use `token_ip` / `url_ip` (default false). */
  ip?: boolean
  /** Refresh this long before expiry: a fraction of the lifetime (< 1, default 0.25) or seconds (>= 1). */
  lead?: number
  /** Seconds between attempts after a failed refresh (default 2). */
  retry?: number
  fetch?: typeof fetch
  fetchInit?: RequestInit
  onRefresh?: (contract: RefreshContract) => void
  onError?: (error: Error) => void
}

export declare class TokenRefresher {
  constructor(options: TokenRefresherOptions)
  readonly current: RefreshContract | null
  readonly refreshes: number
  readonly url: string | null
  requestUrl(): string
  start(): Promise<RefreshContract>
  refresh(): Promise<RefreshContract>
  stop(): void
  rewrite(url: string, base?: string): string
}

export declare function parseStreamPath(
  pathname: string,
): { prefix: string; name: string; token: string; expires: string; rest: string } | null

export declare function rewriteUrl(
  url: string,
  latest: { token: string; expires: number | string; name?: string },
  base?: string,
): string

/** An hls.js loader class: `new Hls({ loader: hlsLoader(Hls, refresher) })`. */
export declare function hlsLoader(Hls: { DefaultConfig: { loader: any } }, refresher: TokenRefresher): any

/** An hls.js `xhrSetup`. */
export declare function hlsXhrSetup(refresher: TokenRefresher): (xhr: XMLHttpRequest, url: string) => void

/**
 * A dash.js 5 request interceptor:
 * `player.addRequestInterceptor(dashRequestInterceptor(refresher))`.
 */
export declare function dashRequestInterceptor(
  refresher: TokenRefresher,
): <R extends { url: string }>(request: R) => Promise<R>

/**
 * A dash.js 4 request modifier factory:
 * `player.extend('RequestModifier', dashRequestModifier(refresher), true)`.
 */
export declare function dashRequestModifier(refresher: TokenRefresher): () => {
  modifyRequestHeader: <X>(xhr: X) => X
  modifyRequestURL: (url: string) => string
}
