// Opens the player page in headless Chromium (Debian's /usr/bin/chromium, a fresh profile)
// and prints {result, statuses}: the page's window.result and the HTTP status of every
// manifest and segment fetched. Usage: node play.mjs URL TIMEOUT_MS
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const [url, timeout] = process.argv.slice(2);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-chromium-'));
const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  timeout: 120000,
  protocolTimeout: 120000,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${profile}`, '--autoplay-policy=no-user-gesture-required'],
});
let out;
try {
  const page = await browser.newPage();
  const statuses = [];
  page.on('response', (r) => {
    const name = new URL(r.url()).pathname.split('/').pop();
    if (/\.(m3u8|ts|m4s|mp4)$/.test(name)) statuses.push(`${name}:${r.status()}`);
  });
  await page.goto(url);
  await page.waitForFunction('window.result !== undefined', { timeout: Number(timeout) });
  out = { result: await page.evaluate('window.result'), statuses };
} catch (e) {
  out = { result: { ended: false, error: String(e) }, statuses: [] };
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
