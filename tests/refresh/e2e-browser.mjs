// Drives Debian's Chromium (puppeteer-core, no browser download) through the test page twice
// at once: with the player helper (must play to the end: no 403/410, no stall) and without
// it (must stop with 410 after the first token lifetime). Prints one `ok - ` / `not ok - `
// line per check and a JSON summary line.
import puppeteer from 'puppeteer-core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const base = process.argv[2]
const lifetime = Number(process.argv[3] || 20)
const contentSeconds = Number(process.argv[4] || 70)
// One browser per page, each with a fresh profile: a background tab would not play, and a
// shared cache would serve one page's segments to the other.
const profiles = []
async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'refresh-chromium-'))
  profiles.push(profile)
  return puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    // Chromium can take long to start on a loaded machine (the default is 30 s).
    timeout: 120000,
    protocolTimeout: 180000,
    userDataDir: profile,
    dumpio: process.env.DUMPIO === '1',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  })
}
const browsers = []
let passed = 0
let failed = 0
const check = (ok, name) => { ok ? passed++ : failed++; console.log(`${ok ? 'ok' : 'not ok'} - ${name}`) }

async function run(helper) {
  const browser = await launch()
  browsers.push(browser)
  const page = await browser.newPage()
  const media = []
  const t0 = Date.now()
  page.on('response', (r) => {
    const u = new URL(r.url())
    if (process.env.DUMPIO === '1') console.log(`# ${r.status()} ${u.pathname}`)
    if (u.pathname.startsWith('/videos/')) media.push({ t: (Date.now() - t0) / 1000, status: r.status(), path: u.pathname })
  })
  page.on('console', (m) => process.env.DUMPIO === '1' && console.log(`# console: ${m.text()}`))
  page.on('pageerror', (e) => console.log(`# page error (helper=${helper}): ${e.message}`))
  await page.goto(`${base}/index.html?helper=${helper ? 1 : 0}`)
  const limit = (contentSeconds + 40) * 1000
  let log
  for (;;) {
    await new Promise((r) => setTimeout(r, 500))
    log = await page.evaluate(() => window.__log)
    if (!log) continue
    if (log.ended || log.fatal || Date.now() - t0 > limit) break
  }
  return { helper, wall: (Date.now() - t0) / 1000, log, media }
}

try {
  const [w, wo] = process.env.ONLY_HELPER ? [await run(true), { media: [], log: { events: [] } }] : await Promise.all([run(true), run(false)])
  if (process.env.DUMPIO === '1') console.log('# events', JSON.stringify(w.log.events).slice(0, 3000), JSON.stringify(w.media).slice(0, 1500))
  const denied = (r) => r.media.filter((m) => m.status === 403 || m.status === 410)
  const tokens = new Set(w.media.map((m) => m.path.split('/')[3]))
  const refreshes = w.log.events.filter((e) => e.name === 'refresh').length
  check(w.log.ended, `with the helper: playback reaches the end (${w.log.currentTime?.toFixed(1)} s of ${contentSeconds} s, ${w.wall.toFixed(1)} s wall)`)
  check(w.log.fatal === null, `with the helper: no fatal hls.js error (${w.log.fatal})`)
  check(denied(w).length === 0, `with the helper: no 403/410 among ${w.media.length} media responses`)
  // A stall: the player waited for data for a second or more (hls.js's jumps over the
  // few-millisecond gaps between MPEG-TS segments fire `waiting` and `playing` together).
  const stalls = []
  w.log.events.forEach((e, i) => {
    if (e.name !== 'waiting') return
    const resumed = w.log.events.slice(i + 1).find((n) => n.name === 'playing' || n.name === 'ended')
    const waited = (resumed ? resumed.t : w.wall) - e.t
    if (waited >= 1) stalls.push({ at: e.at, waited })
  })
  check(stalls.length === 0, `with the helper: no stall (${w.log.waiting} waiting events, ${stalls.length} lasting 1 s or more: ${JSON.stringify(stalls)})`)
  check(w.wall > 3 * lifetime, `with the helper: the playback outlived three token lifetimes (${w.wall.toFixed(1)} s > ${3 * lifetime} s)`)
  check(refreshes >= 3 && tokens.size >= 3, `with the helper: the token was refreshed (${refreshes} fetches) and requests carried ${tokens.size} different tokens`)
  const first410 = wo.media.find((m) => m.status === 410)
  check(!wo.log.ended, `without the helper: playback stops before the end (at ${wo.log.currentTime?.toFixed(1)} s)`)
  check(first410 !== undefined, `without the helper: the edge answers 410 (${denied(wo).length} denied responses)`)
  check(first410 !== undefined && first410.t >= lifetime - 2, `without the helper: the first 410 comes after the first lifetime (at ${first410 && first410.t.toFixed(1)} s)`)
  check(wo.media.filter((m) => m.status === 403).length === 0, 'without the helper: 410 (expired), never 403')
  console.log(JSON.stringify({ e2e: { helper: { wall: w.wall, refreshes, tokens: tokens.size, media: w.media.length, currentTime: w.log.currentTime }, noHelper: { wall: wo.wall, first410: first410 && first410.t, stoppedAt: wo.log.currentTime, fatal: wo.log.fatal } } }))
} catch (e) {
  console.log(`not ok - browser run: ${e && e.stack}`)
  failed++
} finally {
  for (const b of browsers) await b.close()
  // Chromium may still be writing its profile as it exits: retry, never fail the run on it.
  for (const p of profiles) {
    try { rmSync(p, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }) } catch {}
  }
}
console.log(`# e2e ${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
