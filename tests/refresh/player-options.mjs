// The options TokenRefresherOptions (node/player.d.ts) declares are exactly the options
// TokenRefresher (node/player.mjs) reads: the declared names come from the TypeScript compiler
// API, the read ones from a Proxy that records every option the helper looks up while it is
// constructed, builds its request URL, fetches (a stub fetch answering the contract), fails
// once (retry) and schedules its refresh. Prints `ok - ` / `not ok - ` lines.
import ts from 'typescript'
import { fileURLToPath } from 'node:url'
import { TokenRefresher } from '../../node/player.mjs'

const dts = fileURLToPath(new URL('../../node/player.d.ts', import.meta.url))
const program = ts.createProgram([dts], { strict: true, noEmit: true, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] })
const checker = program.getTypeChecker()
const source = program.getSourceFile(dts)
let declared = null
ts.forEachChild(source, (node) => {
  if (ts.isInterfaceDeclaration(node) && node.name.text === 'TokenRefresherOptions') {
    declared = checker.getTypeAtLocation(node).getProperties().map((p) => p.getName()).sort()
  }
})

const read = new Set()
const watch = (obj) => new Proxy(obj, { get(t, k, r) { if (typeof k === 'string') read.add(k); return Reflect.get(t, k, r) } })
const contract = { token: 'aaaaaaaaaaaaaaaaaaaaaa', token_ip: 'bbbbbbbbbbbbbbbbbbbbbb', client_ip: '127.0.0.1', expires: Math.floor(Date.now() / 1000) + 60, url: 'https://cdn.example.com/videos/1_a/aaaaaaaaaaaaaaaaaaaaaa/1/master.m3u8', url_ip: 'https://cdn.example.com/videos/1_a/bbbbbbbbbbbbbbbbbbbbbb/1/master.m3u8' }
let calls = 0
const options = {
  endpoint: 'https://app.example.com/api/token', video: 'a', type: 'vod', expire: 20, ip: true,
  lead: 0.25, retry: 2, fetchInit: { credentials: 'include' },
  fetch: async () => (++calls === 1 ? { ok: false, status: 503, json: async () => ({ error: 'busy' }) } : { ok: true, status: 200, json: async () => contract }),
  onRefresh: () => {}, onError: () => {},
}
// Every option given, so that each read is observed (the constructor copies them).
const r = new TokenRefresher(watch({ ...options }))
r.options = watch(r.options)
await r.refresh().catch(() => {})
await r.refresh()
r.rewrite('https://cdn.example.com/videos/1_a/aaaaaaaaaaaaaaaaaaaaaa/1/seg.ts')
r.stop()
const used = [...read].filter((k) => k in options).sort()
const undeclared = [...read].filter((k) => !(k in options) && !['then', 'constructor'].includes(k))

let failed = 0
const check = (ok, name) => { if (!ok) failed++; console.log(`${ok ? 'ok' : 'not ok'} - ${name}`) }
check(declared !== null && declared.length > 0, `player.d.ts declares TokenRefresherOptions (${declared})`)
check(JSON.stringify(declared) === JSON.stringify(used), `the declared options are the ones player.mjs reads (declared ${declared}; read ${used})`)
check(undeclared.length === 0, `player.mjs reads no option beyond those given (${undeclared})`)
check(calls === 2 && r.refreshes === 1 && r.url === contract.url_ip, 'the stub run went through a failed and a good fetch (ip: true gives url_ip)')
process.exit(failed ? 1 : 0)
