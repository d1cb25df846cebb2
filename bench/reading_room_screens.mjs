// Screenshots of the reading-room terminal for the documentation (driven by bench/reading_room_screens.py):
// its screens at the portrait kiosk size, 1080×1920, exactly what the kiosk shows (the viewport, not the
// whole scrolled page). Prints one line "RESULT {...}" naming the files written.
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, '..', 'admin-ui', 'package.json'))
const { chromium } = require('playwright-core')

const base = process.env.E2E_BASE_URL.replace(/\/$/, '')
const { out, terminal, item } = JSON.parse(process.env.E2E_ARGS)
const home = `${base}/reading-room/?terminal=${encodeURIComponent(terminal)}`
const written = []

const browser = await chromium.launch({
  executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars'],
})

async function newPage() {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1080, height: 1920 }, hasTouch: true })
  context.setDefaultTimeout(30_000)
  return context.newPage()
}

/** The viewport as the kiosk shows it, once the screen's web fonts and images are in. */
async function shot(page, name) {
  await page.evaluate(() => document.fonts.ready)
  await page.mouse.move(0, 0) // no hover state on what the last click touched
  const file = path.join(out, `${name}.png`)
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' })
  written.push(path.basename(file))
}

let code = 0
try {
  const page = await newPage()
  // home: the terminal's organization, latest items, gazette shelf, interpretations, interviews
  await page.goto(home)
  await page.locator('[data-test="latest"] li').first().waitFor()
  await shot(page, 'home')

  // elder mode (适老化): larger type, high contrast
  await page.locator('[data-test="elder-toggle"]').click()
  await shot(page, 'elder-mode')
  await page.locator('[data-test="elder-toggle"]').click()

  // browse: the organization's topics and genres with counts
  await page.locator('[data-test="browse"]').click()
  await page.locator('[data-test="topics"] a').first().waitFor()
  await shot(page, 'browse')

  // an item: the statutory catalog fields, the body, the QR code
  await page.locator('[data-test="topics"] a').first().click()
  await page.locator('[data-test="list"] li a').first().click()
  await page.locator('[data-test="catalog-fields"]').waitFor()
  await page.locator('[data-test="qr"] img').waitFor()
  await shot(page, 'item')

  // a PDF read in the page with pdf.js
  await page.goto(`${base}/reading-room/item/${encodeURIComponent(item)}`)
  await page.locator('[data-test="open-pdf"]').click()
  await page.locator('[data-test="pdf-canvas"][data-rendered="1"]').waitFor()
  // the document's name and the viewer at the top of the screen, as a visitor sees it after 阅读
  await page.locator('[data-test="pdf-viewer"]').evaluate((e) => e.scrollIntoView({ block: 'start' }))
  await page.evaluate(() => window.scrollBy(0, -120))
  await shot(page, 'pdf-view')

  // the on-screen keyboard: a phrase typed in pinyin, its candidates waiting
  await page.goto(home)
  await page.locator('[data-test="search-input"]').click()
  await page.locator('[data-test="keyboard"] [data-key="q"]').waitFor()
  for (const letter of 'zhengcewenjian') await page.locator(`[data-test="keyboard"] [data-key="${letter}"]`).click()
  await page.locator('[data-test="candidate"]').first().waitFor()
  await shot(page, 'keyboard')

  // offline: the snapshot under the banner (the service worker installed and in control first)
  const offline = await newPage()
  await offline.goto(home)
  await offline.evaluate(async () => {
    await navigator.serviceWorker.ready
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }))
    }
  })
  await offline.reload()
  await offline.locator('[data-test="latest"] li').first().waitFor()
  await offline.context().setOffline(true)
  await offline.reload()
  await offline.locator('[data-test="offline-banner"]').waitFor()
  await offline.locator('[data-test="latest"] li').first().waitFor()
  await shot(offline, 'offline-banner')
  console.log(`RESULT ${JSON.stringify({ written })}`)
} catch (err) {
  console.error(err?.stack ?? String(err))
  code = 1
} finally {
  await browser.close()
}
process.exit(code)
