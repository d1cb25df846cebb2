// Times the reading-room terminal's first screen in Debian's Chromium (driven by bench/reading_room_start.py):
// every run is a new browser context (an empty HTTP cache, no service worker, no storage), portrait
// 1080×1920, and reads the Performance mark the app sets when the home screen's data is in the DOM
// (reading-room/src/views/HomeView.vue), measured from navigation start. The baseline is a static page
// of the same server setting the same mark. Runs alternate terminal / baseline so that the machine's
// noise falls on both. Prints one line "RESULT {...}".
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, '..', 'admin-ui', 'package.json'))
const { chromium } = require('playwright-core')

const base = process.env.E2E_BASE_URL.replace(/\/$/, '')
const { runs, warmup, terminal, mark } = JSON.parse(process.env.E2E_ARGS)
const PAGES = {
  terminal: `${base}/reading-room/?terminal=${encodeURIComponent(terminal)}`,
  baseline: `${base}/bench/baseline.html`,
}

const browser = await chromium.launch({
  executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
})

/** One cold load: milliseconds from navigation start to the mark, first contentful paint, bytes, requests. */
async function load(url) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1080, height: 1920 }, hasTouch: true })
  try {
    const page = await context.newPage()
    let requests = 0
    page.on('request', () => requests++)
    await page.goto(url, { waitUntil: 'commit' })
    await page.waitForFunction((name) => performance.getEntriesByName(name, 'mark').length > 0, mark, { timeout: 60_000, polling: 50 })
    return await page.evaluate(
      ({ name, requests }) => {
        const [navigation] = performance.getEntriesByType('navigation')
        const fcp = performance.getEntriesByName('first-contentful-paint')[0]
        const bytes = [navigation, ...performance.getEntriesByType('resource')].reduce((sum, e) => sum + (e.transferSize ?? 0), 0)
        return {
          ms: performance.getEntriesByName(name, 'mark')[0].startTime,
          fcp: fcp ? fcp.startTime : null,
          ttfb: navigation.responseStart,
          bytes,
          requests,
        }
      },
      { name: mark, requests },
    )
  } finally {
    await context.close()
  }
}

let code = 0
try {
  // the first load after the server started: the persisted queries are not yet registered (one extra
  // round trip each) and the response cache is empty
  const first = { terminal: await load(PAGES.terminal), baseline: await load(PAGES.baseline) }
  for (let i = 1; i < warmup; i++) for (const url of Object.values(PAGES)) await load(url)
  const samples = { terminal: [], baseline: [] }
  for (let i = 0; i < runs; i++) {
    for (const kind of i % 2 ? ['baseline', 'terminal'] : ['terminal', 'baseline']) samples[kind].push(await load(PAGES[kind]))
  }
  console.log(`RESULT ${JSON.stringify({ first, samples, chromium: browser.version() })}`)
} catch (err) {
  console.error(err?.stack ?? String(err))
  code = 1
} finally {
  await browser.close()
}
process.exit(code)
