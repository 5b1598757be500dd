// Types of `cdn-secure-token/express`. Structural request/response types, so that no
// dependency on `@types/express` is needed; Express's own objects satisfy them.
import type { Signer, SignOptions, VerifyResult } from './index'

/** What the helpers read of a request (Express's `Request` and `http.IncomingMessage` fit). */
export interface RequestLike {
  /** The request target as received, before Express cuts a mount path from `url`. */
  originalUrl?: string
  /** The request target as Node's HTTP parser gives it: one character per byte (latin1). */
  url?: string
  /** The client address as Express computes it (its `trust proxy` setting applies). */
  ip?: string
  /** The socket, whose `remoteAddress` is used when there is no `ip`. */
  socket?: { remoteAddress?: string }
}

/** What the helpers use of a response (Express's `Response` and `http.ServerResponse` fit). */
export interface ResponseLike {
  /** Set to the edge's answer (400, 403, 410, 414) for a refused request. */
  statusCode: number
  /** Sets `Content-Type` and `Cache-Control: no-store` on a refusal. */
  setHeader(name: string, value: string | number | readonly string[]): unknown
  /** Ends a refusal with its status text. */
  end(body?: string): unknown
  /** Receives `secureToken` (the verdict) or the signing function of `signedUrls`. */
  locals?: Record<string, any>
}

/** Express's `next`: called with no argument to go on, or with an error. */
export type NextFunction = (err?: unknown) => void

/** A middleware `(req, res, next)`, for Express or a plain `node:http` handler. */
export type Middleware = (req: RequestLike, res: ResponseLike, next: NextFunction) => void

/** Where the signer comes from: a `Signer`, or a key (plus rotation keys). */
export type SignerSource = { signer: Signer } | { key: string; verifyKeys?: string[] }

/** Options of `secureLink`. */
export type SecureLinkOptions = SignerSource & {
  /** The token kind the route expects (default `'file'`). */
  kind?: 'file' | 'directory' | 'mp4' | 'stream'
  /** Bind to the client IP: `true` uses `req.ip` written as nginx's `$remote_addr`. */
  ip?: boolean | ((req: RequestLike) => string | undefined)
  /** The current time (tests): Unix seconds, a `Date`, or a function returning one. */
  now?: number | Date | (() => number | Date)
  /** Replaces the default 400 / 403 / 410 / 414 answer. */
  onDenied?: (req: RequestLike, res: ResponseLike, verdict: VerifyResult, next: NextFunction) => void
}

/** Options of `signedUrls`. */
export type SignedUrlsOptions = SignerSource &
  Pick<SignOptions, 'expires' | 'ttl' | 'kind' | 'speed' | 'buffer'> & {
    /** Bind each link to the requesting client's IP (or an IP from a function). */
    ip?: boolean | ((req: RequestLike) => string | undefined)
    /** The `res.locals` name of the function (default `'signUrl'`). */
    name?: string
  }

/** The signing function placed in `res.locals`. */
export type SignUrlLocal = (url: string, options?: SignOptions) => string

/**
 * Verifies each request's target as received (`signer.verifyRequest`) like the edge:
 * 400 / 403 / 410 / 414, or `next()` with the verdict in `res.locals.secureToken`. Nothing a
 * client sends makes it throw.
 */
export declare function secureLink(options: SecureLinkOptions): Middleware

/** Adds `res.locals.signUrl(url, options?)` (or `options.name`) for templates. */
export declare function signedUrls(options: SignedUrlsOptions): Middleware

/** The client address as nginx's `$remote_addr` writes it (`::ffff:a.b.c.d` → `a.b.c.d`). */
export declare function clientIp(req: RequestLike): string | undefined
