// Type-checked with `tsc --noEmit -p test/types` against the committed index.d.ts and
// express.d.ts, resolved through the package's own "exports" (as a user's project would).
import { Signer, VERSION } from 'cdn-secure-token'
import type {
  PreparedOptions,
  Explanation,
  SignedToken,
  SignOptions,
  SignerOptions,
  StreamUrlOptions,
  VerifyOptions,
  VerifyResult,
} from 'cdn-secure-token'
import { clientIp, secureLink, signedUrls } from 'cdn-secure-token/express'
import type { Middleware, RequestLike, ResponseLike } from 'cdn-secure-token/express'

function expectType<T>(value: T): T {
  return value
}

const version: string = VERSION
const options: SignerOptions = { verifyKeys: ['old-key-1'], defaultTtl: 300, allowPastExpiry: false, now: new Date() }
const signer = new Signer('my-cdn-key', options)
expectType<number>(signer.keyCount)
expectType<number | null>(signer.defaultTtl)
expectType<number>(signer.now())

// expires: seconds or a Date; ttl: seconds.
const sign: SignOptions = { expires: new Date(Date.now() + 3600_000), ip: '1.2.3.4', kind: 'mp4', speed: '1m', buffer: 10 }
expectType<string>(signer.signUrl('https://cdn.example.com/a.mp4', sign))
expectType<string>(signer.signUrl('/a.jpg', { ttl: 3600 }))
const prepared: PreparedOptions = signer.prepare({ expires: 2147483647, ip: '203.0.113.7' })
expectType<string>(signer.signUrl('/a.jpg', prepared))
expectType<string[]>(signer.signMany(['/a.jpg'], prepared))
expectType<Promise<string[]>>(signer.signManyAsync(['/a.jpg'], prepared))
expectType<string>(signer.signJoined('/a.jpg\n/b.jpg', prepared))
expectType<string>(signer.token('/a.jpg', prepared))
expectType<string>(signer.signUrl('/a.jpg', { expires: 2147483647 }))
expectType<string[]>(signer.signMany(['/a', '/b'], { ttl: 60 }))
expectType<string>(signer.signManifest('#EXTM3U\n', 'https://h/v/i.m3u8', { ttl: 60, kind: 'directory', outside: 'keep', otherHosts: true }))
// @ts-expect-error outside is 'error' or 'keep'
signer.signManifest('#EXTM3U\n', 'https://h/v/i.m3u8', { outside: 'skip' })
const frozenUrls: readonly string[] = Object.freeze(['/a', '/b'])
expectType<string[]>(signer.signMany(frozenUrls, { ttl: 60 }))
expectType<Promise<string[]>>(signer.signManyAsync(['/a', '/b'], { ttl: 60 }))
expectType<string>(signer.token('/a.jpg', { expires: 2147483647 }))
const tok: SignedToken = signer.tokenWith('/v/', { ttl: 60, kind: 'directory' })
expectType<string>(tok.token)
expectType<number>(tok.expires)
const stream: StreamUrlOptions = { stream: 'cmaf', account: 123, id: 'live1', ttl: 60 }
expectType<string>(signer.streamUrl(stream))
expectType<SignedToken>(signer.streamToken('123', 'abc', { expires: new Date() }))

const verifyOptions: VerifyOptions = { ip: '::1', now: new Date(), kind: 'stream' }
const verdict: VerifyResult = signer.verify('/a.jpg?md5=x&expires=1', verifyOptions)
expectType<'valid' | 'expired' | 'invalid'>(verdict.status)
expectType<200 | 400 | 403 | 410 | 414>(verdict.httpStatus)
expectType<string | null>(verdict.reason)
expectType<number | null>(verdict.keyIndex)
if (verdict.status === 'valid') {
  const code: 200 | 400 | 403 | 410 | 414 = verdict.httpStatus
  void code
}

const explained: Explanation = signer.explain('/a.jpg', { expires: 2147483647, kind: 'file' })
expectType<string>(explained.stringToSign)
expectType<boolean | null>(explained.matches)

// Express helpers accept Express-like objects structurally.
const guard: Middleware = secureLink({ signer, kind: 'directory', ip: true })
const locals: Middleware = signedUrls({ key: 'my-cdn-key', ttl: 300, ip: (req: RequestLike) => req.ip })
secureLink({ key: 'my-cdn-key', verifyKeys: ['old'], onDenied: (_req, res: ResponseLike, v) => res.end(v.reason ?? '') })
expectType<string | undefined>(clientIp({ ip: '::ffff:127.0.0.1' }))
void guard
void locals
void version

// Mistakes the types catch.
// @ts-expect-error the key is a string
new Signer(123456)
// @ts-expect-error stream tokens are made with streamUrl / streamToken
signer.signUrl('/a', { kind: 'stream' })
// @ts-expect-error ttl is a number of seconds, not a Date
signer.signUrl('/a', { ttl: new Date() })
// @ts-expect-error expires is not a string
signer.signUrl('/a', { expires: '2147483647' })
// @ts-expect-error signMany takes an array
signer.signMany('/a', { ttl: 60 })
// @ts-expect-error unknown stream layout
signer.streamUrl({ stream: 'radio', account: 1, id: 'x' })
// @ts-expect-error account and id are required
signer.streamUrl({ ttl: 60 })
// @ts-expect-error 'ok' is not a status
if (verdict.status === 'ok') void 0
// @ts-expect-error a signer or a key is required
secureLink({ kind: 'file' })
// @ts-expect-error reason is one of the core's codes
if (verdict.reason === 'no_such_reason') void 0
expectType<VerifyResult>(signer.verifyRequest('//private/x.jpg?md5=x&expires=1', { ip: '127.0.0.1' }))
expectType<VerifyResult>(signer.verifyRequest(new Uint8Array([0x2f])))
// @ts-expect-error a request target is a string or bytes
signer.verifyRequest(42)
new Signer('my-cdn-key', { maxRequestLen: 16384 })
