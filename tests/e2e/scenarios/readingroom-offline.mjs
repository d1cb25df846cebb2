// The reading-room terminal without a network, at both kiosk orientations: after a visit online (the
// service worker keeps the shell and what was read), the network goes (context.setOffline) and the
// terminal still shows its home screen and a document read before, under the banner
// "离线浏览，内容更新于 …"; when the network returns it reloads by itself and the banner goes.
const VIEWPORTS = [
  { name: 'portrait', width: 1080, height: 1920 },
  { name: 'landscape', width: 1920, height: 1080 },
]

async function visit(h, viewport) {
  const page = await h.newPage({ viewport: { width: viewport.width, height: viewport.height }, hasTouch: true })
  const context = page.context()

  // online: the service worker installs and takes control; home and a document are read
  await page.goto(`${h.base}/reading-room/?terminal=km-hall`)
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }))
    }
  })
  await page.reload() // now every read of the page goes through the worker
  await page.locator('[data-test="latest"] li').first().waitFor()
  const onlineBanner = await page.locator('[data-test="offline-banner"]').count()
  const link = page.locator('[data-test="latest"] li a').first()
  const title = (await link.locator('span').first().textContent()).trim()
  await link.click()
  await page.locator('[data-test="item-title"]').waitFor()
  await page.getByRole('link', { name: '首页', exact: true }).click()
  await page.locator('[data-test="latest"] li').first().waitFor()

  // offline: a reload still shows the home screen, from the snapshot, under the banner
  await context.setOffline(true)
  await page.reload()
  await page.locator('[data-test="latest"] li').first().waitFor()
  const banner = (await page.locator('[data-test="offline-banner"]').textContent()).trim()
  await h.shot(page, `reading-room-offline-${viewport.name}`)
  // and the document read before
  await page.locator('[data-test="latest"] li a').first().click()
  await page.locator('[data-test="item-title"]').waitFor()
  const offlineTitle = (await page.locator('[data-test="item-title"]').textContent()).trim()

  // back online: the terminal reloads by itself, and the banner goes
  const reloaded = page.waitForEvent('load')
  await context.setOffline(false)
  await reloaded
  await page.locator('[data-test="item-title"]').waitFor()
  await page.locator('[data-test="offline-banner"]').waitFor({ state: 'detached' })
  return { viewport: viewport.name, onlineBanner, banner, title, offlineTitle }
}

export default async function (h) {
  const results = []
  for (const viewport of VIEWPORTS) results.push(await visit(h, viewport))
  return { results }
}
