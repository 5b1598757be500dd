// The typed options of cdn-secure-token/player (node/player.d.ts) against the real players'
// own types: hls.js 1.x, dash.js 5 (`addRequestInterceptor`) and dash.js 4
// (`extend('RequestModifier', ...)`). `tsc -p tests/refresh/types` must pass; each
// `@ts-expect-error` line must be an error (tsc fails when it is not).
import Hls from 'hls.js'
import { MediaPlayer } from 'dashjs'
import * as dash4 from 'dashjs4'
import {
  TokenRefresher,
  dashRequestInterceptor,
  dashRequestModifier,
  hlsLoader,
  hlsXhrSetup,
  parseStreamPath,
  rewriteUrl,
  type RefreshContract,
  type TokenRefresherOptions,
} from 'cdn-secure-token/player'

const every: Required<TokenRefresherOptions> = {
  endpoint: new URL('https://app.example.com/api/token'),
  video: 'abc',
  type: 'live',
  expire: 20,
  ip: true,
  lead: 0.25,
  retry: 2,
  fetch: globalThis.fetch,
  fetchInit: { credentials: 'include', headers: { Authorization: 'Bearer x' } },
  onRefresh: (c: RefreshContract) => void c.expires,
  onError: (e: Error) => void e.message,
}
const refresher = new TokenRefresher(every)
const minimal = new TokenRefresher({ endpoint: '/api/token', video: 'abc' })
const first: Promise<RefreshContract> = minimal.start()
void first
const url: string | null = refresher.url
void url
const rewritten: string = refresher.rewrite('seg1.ts', 'https://cdn.example.com/videos/1_a/x/1/')
void rewritten

// hls.js: the loader class and xhrSetup, as hls.js's HlsConfig types them.
new Hls({ loader: hlsLoader(Hls, refresher) })
new Hls({ xhrSetup: hlsXhrSetup(refresher) })

// dash.js 5: a RequestInterceptor (CommonMediaRequest => Promise<CommonMediaRequest>).
MediaPlayer().create().addRequestInterceptor(dashRequestInterceptor(refresher))

// dash.js 4: a RequestModifier factory.
const modifier: dash4.RequestModifier = dashRequestModifier(refresher)()
void modifier
dash4.MediaPlayer().create().extend('RequestModifier', dashRequestModifier(refresher), true)

const parts = parseStreamPath('/videos/1_a/aaaaaaaaaaaaaaaaaaaaaa/1700000000/x.ts')
if (parts) void (parts.token + parts.expires + parts.rest)
void rewriteUrl('https://cdn/x?md5=a&expires=1', { token: 't', expires: 2 })

// What the types refuse.
// @ts-expect-error video is required
new TokenRefresher({ endpoint: '/api/token' })
// @ts-expect-error type is vod or live
new TokenRefresher({ endpoint: '/api/token', video: 'a', type: 'mp4' })
// @ts-expect-error lead is a number
new TokenRefresher({ endpoint: '/api/token', video: 'a', lead: '5' })
// @ts-expect-error expire is a number of seconds
new TokenRefresher({ endpoint: '/api/token', video: 'a', expire: '20' })
// @ts-expect-error an option the helper does not read
new TokenRefresher({ endpoint: '/api/token', video: 'a', lifetime: 20 })
// @ts-expect-error the factory is dash.js 4's; dash.js 5 takes the interceptor
MediaPlayer().create().addRequestInterceptor(dashRequestModifier(refresher))
