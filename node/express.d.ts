// Types of `cdn-secure-token/express`. Structural request/response types, so that no
// dependency on `@types/express` is needed; Express's own objects satisfy them.
import type { Signer, SignOptions, VerifyResult } from './index'

export interface RequestLike {
  originalUrl?: string
  url?: string
  ip?: string
  socket?: { remoteAddress?: string }
}

export interface ResponseLike {
  statusCode: number
  setHeader(name: string, value: string | number | readonly string[]): unknown
  end(body?: string): unknown
  locals?: Record<string, any>
}

export type NextFunction = (err?: unknown) => void

export type Middleware = (req: RequestLike, res: ResponseLike, next: NextFunction) => void

/** Where the signer comes from: a `Signer`, or a key (plus rotation keys). */
export type SignerSource = { signer: Signer } | { key: string; verifyKeys?: string[] }

export type SecureLinkOptions = SignerSource & {
  /** The token kind the route expects (default `'file'`). */
  kind?: 'file' | 'directory' | 'mp4' | 'stream'
  /** Bind to the client IP: `true` uses `req.ip` written as nginx's `$remote_addr`. */
  ip?: boolean | ((req: RequestLike) => string | undefined)
  /** The current time (tests): Unix seconds, a `Date`, or a function returning one. */
  now?: number | Date | (() => number | Date)
  /** Replaces the default 403 / 410 answer. */
  onDenied?: (req: RequestLike, res: ResponseLike, verdict: VerifyResult, next: NextFunction) => void
}

export type SignedUrlsOptions = SignerSource &
  Pick<SignOptions, 'expires' | 'ttl' | 'kind' | 'speed' | 'buffer'> & {
    /** Bind each link to the requesting client's IP (or an IP from a function). */
    ip?: boolean | ((req: RequestLike) => string | undefined)
    /** The `res.locals` name of the function (default `'signUrl'`). */
    name?: string
  }

/** The signing function placed in `res.locals`. */
export type SignUrlLocal = (url: string, options?: SignOptions) => string

/** Verifies each request like the edge: 403 / 410, or `next()` with `res.locals.secureToken`. */
export declare function secureLink(options: SecureLinkOptions): Middleware

/** Adds `res.locals.signUrl(url, options?)` (or `options.name`) for templates. */
export declare function signedUrls(options: SignedUrlsOptions): Middleware

/** The client address as nginx's `$remote_addr` writes it (`::ffff:a.b.c.d` → `a.b.c.d`). */
export declare function clientIp(req: RequestLike): string | undefined
