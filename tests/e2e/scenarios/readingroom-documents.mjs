// The reading-room terminal's documents at both kiosk orientations: a PDF read in the page with pdf.js
// (page through, zoom), the gazette by year → issue → articles, the item's QR code, print media, and the
// visits the terminal counted as the disclosure office sees them in the admin app's 查阅统计.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const AXE = readFileSync(path.join(here, '..', '..', '..', 'reading-room', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8')
const VIEWPORTS = [
  { name: 'portrait', width: 1080, height: 1920 },
  { name: 'landscape', width: 1920, height: 1080 },
]

async function axe(page, screen, context = 'html') {
  await page.evaluate(AXE)
  const result = await page.evaluate((c) => window.axe.run(c, { resultTypes: ['violations'] }), context)
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

async function visit(h, viewport) {
  const page = await h.newPage({ viewport: { width: viewport.width, height: viewport.height }, hasTouch: true })
  const workers = []
  page.on('worker', (w) => workers.push(new URL(w.url()).pathname.startsWith('/reading-room/assets/')))
  const cspViolations = []
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text())
  })
  const violations = []
  await page.clock.install() // time runs; the visit statistics' 30 s batch is fast-forwarded below

  // the item with a PDF: open it in the page, page through, zoom in
  await page.goto(`${h.base}/reading-room/item/${encodeURIComponent(h.args.item)}?terminal=km-hall`)
  await page.locator('[data-test="item-title"]').waitFor()
  const title = (await page.locator('[data-test="item-title"]').textContent()).trim()
  await page.locator('[data-test="open-pdf"]').click()
  await page.locator('[data-test="pdf-canvas"][data-rendered="1"]').waitFor()
  const pages = [(await page.locator('[data-test="pdf-page"]').textContent()).trim()]
  for (const [button, expected] of [['pdf-next', 2], ['pdf-next', 3], ['pdf-prev', 2]]) {
    await page.locator(`[data-test="${button}"]`).click()
    await page.locator(`[data-test="pdf-canvas"][data-rendered="${expected}"]`).waitFor()
    pages.push((await page.locator('[data-test="pdf-page"]').textContent()).trim())
  }
  const width = () => page.locator('[data-test="pdf-canvas"]').evaluate((c) => c.getBoundingClientRect().width)
  const before = await width()
  const zoom = [await page.locator('[data-test="pdf-zoom"]').textContent()]
  await page.locator('[data-test="pdf-zoom-in"]').click()
  zoom.push(await page.locator('[data-test="pdf-zoom"]').textContent())
  await page.locator('[data-test="pdf-canvas"][data-zoom="125%"]').waitFor()
  const widerWhenZoomed = (await width()) > before
  // something was painted: not every pixel of the canvas is white
  const painted = await page.locator('[data-test="pdf-canvas"]').evaluate((c) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
    for (let i = 0; i < data.length; i += 4) if (data[i] < 128) return true
    return false
  })
  violations.push(...(await axe(page, 'pdf')))
  await h.shot(page, `reading-room-pdf-${viewport.name}`)

  // the QR code: the item's portal address
  const qr = await page.locator('[data-test="qr"] img').getAttribute('data-url')

  // print media: only the document
  await page.emulateMedia({ media: 'print' })
  const display = (selector) => page.locator(selector).first().evaluate((e) => getComputedStyle(e).display)
  const print = {
    header: await display('header.bar'),
    tools: await display('.item-tools'),
    attachments: await display('.attachments'),
    fields: await display('[data-test="catalog-fields"]'),
    title: await display('[data-test="item-title"]'),
  }
  await h.shot(page, `reading-room-print-${viewport.name}`)
  await page.emulateMedia({ media: 'screen' })

  // the gazette: years → a year's issues → an issue's articles
  await page.getByRole('link', { name: '首页', exact: true }).click()
  await page.locator('[data-test="gazette"]').click()
  const year = page.locator('[data-test="gazette-years"] a').first()
  await year.waitFor()
  const yearCount = Number(/（(\d+) 期）/.exec(await year.textContent())[1])
  violations.push(...(await axe(page, 'gazette-years')))
  await year.click()
  await page.locator('[data-test="gazette-issues"] li').first().waitFor()
  const issuesListed = Number(await page.locator('[data-test="gazette-total"]').textContent())
  violations.push(...(await axe(page, 'gazette-year')))
  await h.shot(page, `reading-room-gazette-${viewport.name}`)
  await page.locator('[data-test="gazette-issues"] li a').first().click()
  await page.locator('[data-test="item-title"]').waitFor()
  const articles = await page.locator('#h-articles ~ section').count()

  // the terminal sends its batch of visit events (every 30 s) to the anonymous mutation: the admin
  // app's 查阅统计 shows them (below)
  const sent = page.waitForRequest((r) => r.method() === 'POST' && (r.postData() ?? '').includes('recordReadingRoomVisits'), { timeout: 5000 })
  await page.clock.fastForward(31_000)
  await sent.catch(() => {}) // already sent when 30 s had passed by themselves

  return { viewport: viewport.name, title, pages, zoom, widerWhenZoomed, painted, workers, cspViolations, qr, print, yearCount, issuesListed, articles, violations }
}

/** The disclosure office's 查阅统计 screen shows the terminal's visits; the CSV export has Chinese headers. */
async function statistics(h, title) {
  const page = await h.newPage({ viewport: { width: 1920, height: 1080 } })
  await h.login(page, 'demo-office')
  await page.locator('[data-test="menu-reading-room-statistics"]').click()
  const row = page.locator('[data-test="rr-top-items"] tr', { hasText: title })
  await row.waitFor()
  const views = Number((await row.locator('td').nth(1).textContent()).trim())
  // the new screen (#main); the admin app's header and menu are older and outside this issue
  const violations = await axe(page, 'admin-statistics', '#main')
  await h.shot(page, 'admin-reading-room-statistics')
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="rr-export"]').click()])
  const csv = readFileSync(await download.path(), 'utf8')
  return { views, violations, csvHeader: csv.split('\r\n')[0], csvHasItem: csv.includes(title), filename: download.suggestedFilename() }
}

export default async function (h) {
  const results = []
  for (const viewport of VIEWPORTS) results.push(await visit(h, viewport))
  return { results, statistics: await statistics(h, results[0].title) }
}
