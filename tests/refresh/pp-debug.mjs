import puppeteer from 'puppeteer-core'
const b = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, dumpio: true, userDataDir: '/tmp/pp-prof2',
  args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync','--enable-logging=stderr'] })
b.on('disconnected', () => console.log('DISCONNECTED'))
const p = await b.newPage()
await p.setContent('<video id=v muted></video><script>const v=document.getElementById("v");</script>')
console.log('set')
await new Promise(r => setTimeout(r, 2000))
console.log(await p.evaluate(() => 1+1))
await b.close()
