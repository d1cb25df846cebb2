// The reading-room terminal at both kiosk orientations: browse to a document, search with facets, elder
// mode, the idle reset (the page's clock is Playwright's), and axe-core on every screen.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const AXE = readFileSync(path.join(here, '..', '..', '..', 'reading-room', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8')
const VIEWPORTS = [
  { name: 'portrait', width: 1080, height: 1920 },
  { name: 'landscape', width: 1920, height: 1080 },
]

/** Serious and critical axe-core violations of the page as it is now (evaluated over CDP, not injected). */
async function axe(page, screen) {
  await page.evaluate(AXE)
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }))
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

async function visit(h, viewport) {
  const page = await h.newPage({ viewport: { width: viewport.width, height: viewport.height }, hasTouch: true })
  const requests = []
  page.on('request', (r) => {
    // reads only: the visit statistics the terminal batches are a mutation, POSTed (readingroom-documents.mjs)
    const visits = r.method() === 'POST' && (r.postData() ?? '').includes('recordReadingRoomVisits')
    if (new URL(r.url()).pathname === '/graphql' && !visits) requests.push({ method: r.method(), url: r.url() })
  })
  await page.clock.install()
  const violations = []

  // home: the configured terminal shows 昆明市's subtree
  await page.goto(`${h.base}/reading-room/?terminal=km-hall`)
  await page.locator('[data-test="latest"] li').first().waitFor()
  const org = await page.locator('.brand-org').textContent()
  h.check(org.includes('昆明市'), `terminal organization: ${org}`)
  violations.push(...(await axe(page, 'home')))
  await h.shot(page, `reading-room-home-${viewport.name}`)

  // browse: organization → topic with counts → list → item
  await page.locator('[data-test="browse"]').click()
  const topic = page.locator('[data-test="topics"] a').first()
  await topic.waitFor()
  const topicLabel = await topic.textContent()
  const counted = Number(/（(\d+)）/.exec(topicLabel)[1])
  violations.push(...(await axe(page, 'browse')))
  await topic.click()
  await page.locator('[data-test="list"] li').first().waitFor()
  const listed = Number(await page.locator('[data-test="list-total"]').textContent())
  h.check(listed === counted, `topic count ${counted} equals the list's ${listed}`)
  await page.locator('[data-test="list"] li a').first().click()
  await page.locator('[data-test="catalog-fields"]').waitFor()
  const title = (await page.locator('[data-test="item-title"]').textContent()).trim()
  const fields = await page.locator('[data-test="catalog-fields"] th').allTextContents()
  violations.push(...(await axe(page, 'item')))
  await h.shot(page, `reading-room-item-${viewport.name}`)

  // search from the header, narrowed by a facet
  await page.getByRole('link', { name: '检索', exact: true }).click()
  await page.locator('[data-test="search-input"]').fill(title.slice(0, 8))
  await page.locator('[data-test="search-submit"]').click()
  await page.locator('[data-test="search-results"] li').first().waitFor()
  const found = Number(await page.locator('[data-test="search-total"]').textContent())
  const facet = page.locator('[data-test="facet-type"]').first()
  await facet.click()
  await page.waitForURL(/type=/)
  await page.locator('[data-test="search-results"] li').first().waitFor()
  violations.push(...(await axe(page, 'search')))
  await h.shot(page, `reading-room-search-${viewport.name}`)

  // elder mode: larger type, high contrast, still accessible
  const before = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize)
  await page.locator('[data-test="elder-toggle"]').click()
  const after = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize)
  violations.push(...(await axe(page, 'search-elder')))

  // kiosk: no context menu; the smallest touch target
  const menuBlocked = await page.evaluate(
    () => !document.body.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true })),
  )
  const smallest = await page.evaluate(() =>
    Math.min(...[...document.querySelectorAll('a, button, input')].map((e) => Math.min(e.getBoundingClientRect().height, e.getBoundingClientRect().width)).filter((s) => s > 0)),
  )

  // idle: the countdown appears 20 s before the idle time (60 s for km-hall), then the terminal goes home
  await page.clock.fastForward(41_000)
  await page.locator('[data-test="idle-countdown"]').waitFor()
  const seconds = Number(await page.locator('[data-test="idle-seconds"]').textContent())
  await h.shot(page, `reading-room-idle-${viewport.name}`)
  await page.clock.fastForward(21_000)
  await page.waitForURL(`${h.base}/reading-room/`)
  await page.locator('[data-test="idle-countdown"]').waitFor({ state: 'detached' })
  const elderAfterReset = await page.evaluate(() => document.documentElement.classList.contains('elder'))

  return {
    viewport: viewport.name,
    fields,
    counted,
    listed,
    found,
    before,
    after,
    menuBlocked,
    smallest,
    seconds,
    elderAfterReset,
    violations,
    posts: requests.filter((r) => r.method !== 'GET').length,
    withoutHash: requests.filter((r) => !new URL(r.url).searchParams.get('extensions')?.includes('sha256Hash')).length,
    gets: requests.length,
  }
}

export default async function (h) {
  const results = []
  for (const viewport of VIEWPORTS) results.push(await visit(h, viewport))
  return { results }
}
