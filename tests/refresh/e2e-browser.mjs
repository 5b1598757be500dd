// Drives Debian's Chromium (puppeteer-core, no browser download) through each player's test
// page (hls.js: page/index.html, dash.js 5 and 4: page/dash.html; PLAYERS=hls,dash,dash4), each twice at
// once: with the player helper (must play to the end: no 403/410, no stall) and without it
// (must stop with 410 after the first token lifetime). Prints one `ok - ` / `not ok - ` line
// per check and a JSON summary line per player.
import puppeteer from 'puppeteer-core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const base = process.argv[2]
const lifetime = Number(process.argv[3] || 20)
const contentSeconds = Number(process.argv[4] || 70)
const players = (process.env.PLAYERS || 'hls,dash,dash4').split(',')
const pages = {
  hls: { file: 'index.html?', lib: 'hls.js' },
  dash: { file: 'dash.html?', lib: 'dash.js' },
  dash4: { file: 'dash.html?dash=4&', lib: 'dash.js 4' },
}
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

async function run(player, helper) {
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
  page.on('pageerror', (e) => console.log(`# page error (${player}, helper=${helper}): ${e.message}`))
  await page.goto(`${base}/${pages[player].file}helper=${helper ? 1 : 0}`)
  const limit = (contentSeconds + 40) * 1000
  let log
  // A player that keeps retrying denied requests without giving up: stopped once it was
  // denied and its position has not moved for 8 s.
  let last = { at: -1, t: Date.now() }
  for (;;) {
    await new Promise((r) => setTimeout(r, 500))
    log = await page.evaluate(() => window.__log)
    if (!log) continue
    if (log.currentTime !== last.at) last = { at: log.currentTime, t: Date.now() }
    const denied = media.some((m) => m.status === 403 || m.status === 410)
    if (log.ended || log.fatal || Date.now() - t0 > limit) break
    if (denied && Date.now() - last.t > 8000) break
  }
  return { helper, wall: (Date.now() - t0) / 1000, log, media }
}

function checkPlayer(player, w, wo) {
  const lib = pages[player].lib

  if (process.env.DUMPIO === '1') console.log('# events', JSON.stringify(w.log.events).slice(0, 3000), JSON.stringify(w.media).slice(0, 1500))
  const denied = (r) => r.media.filter((m) => m.status === 403 || m.status === 410)
  const tokens = new Set(w.media.map((m) => m.path.split('/')[3]))
  const refreshes = w.log.events.filter((e) => e.name === 'refresh').length
  check(w.log.ended, `${lib} with the helper: playback reaches the end (${w.log.currentTime?.toFixed(1)} s of ${contentSeconds} s, ${w.wall.toFixed(1)} s wall)`)
  check(w.log.fatal === null, `${lib} with the helper: no fatal player error (${w.log.fatal})`)
  check(denied(w).length === 0, `${lib} with the helper: no 403/410 among ${w.media.length} media responses`)
  // A stall: the player waited for data for a second or more (hls.js's jumps over the
  // few-millisecond gaps between MPEG-TS segments fire `waiting` and `playing` together).
  const stalls = []
  w.log.events.forEach((e, i) => {
    if (e.name !== 'waiting') return
    const resumed = w.log.events.slice(i + 1).find((n) => n.name === 'playing' || n.name === 'ended')
    const waited = (resumed ? resumed.t : w.wall) - e.t
    if (waited >= 1) stalls.push({ at: e.at, waited })
  })
  check(stalls.length === 0, `${lib} with the helper: no stall (${w.log.waiting} waiting events, ${stalls.length} lasting 1 s or more: ${JSON.stringify(stalls)})`)
  check(w.wall > 3 * lifetime, `${lib} with the helper: the playback outlived three token lifetimes (${w.wall.toFixed(1)} s > ${3 * lifetime} s)`)
  check(refreshes >= 3 && tokens.size >= 3, `${lib} with the helper: the token was refreshed (${refreshes} fetches) and requests carried ${tokens.size} different tokens`)
  const first410 = wo.media.find((m) => m.status === 410)
  check(!wo.log.ended, `${lib} without the helper: playback stops before the end (at ${wo.log.currentTime?.toFixed(1)} s)`)
  check(first410 !== undefined, `${lib} without the helper: the edge answers 410 (${denied(wo).length} denied responses)`)
  check(first410 !== undefined && first410.t >= lifetime - 2, `${lib} without the helper: the first 410 comes after the first lifetime (at ${first410 && first410.t.toFixed(1)} s)`)
  check(wo.media.filter((m) => m.status === 403).length === 0, `${lib} without the helper: 410 (expired), never 403`)
  console.log(JSON.stringify({ e2e: { player: lib, version: w.log.version, helper: { wall: w.wall, refreshes, tokens: tokens.size, media: w.media.length, currentTime: w.log.currentTime }, noHelper: { wall: wo.wall, first410: first410 && first410.t, stoppedAt: wo.log.currentTime, fatal: wo.log.fatal } } }))
}

try {
  // Every page at once (one browser each): the run takes one playback's wall time.
  const runs = players.map((p) => Promise.all([run(p, true), process.env.ONLY_HELPER ? { media: [], log: { events: [] } } : run(p, false)]))
  const results = await Promise.all(runs)
  players.forEach((p, i) => checkPlayer(p, ...results[i]))
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
