// A terminal configured for 昆明市 (km-hall) lists the interpretations and interviews of 昆明市's whole
// subtree, on its home screen and on the lists behind the tiles (includeSubtree on the public lists).
export default async function (h) {
  const page = await h.newPage({ viewport: { width: 1080, height: 1920 }, hasTouch: true })
  await page.goto(`${h.base}/reading-room/?terminal=km-hall`)
  await page.locator('[data-test="latest"] li').first().waitFor()
  const panel = (id) => page.locator(`section[aria-labelledby="${id}"] li a span:first-child`).allTextContents()
  await page.locator('section[aria-labelledby="h-interpretations"] li').first().waitFor()
  const home = { interpretations: await panel('h-interpretations'), interviews: await panel('h-interviews') }
  const lists = {}
  for (const [kind, tile] of [['interpretations', '政策解读'], ['interviews', '在线访谈']]) {
    await page.getByRole('link', { name: '首页', exact: true }).click()
    await page.locator('.tiles a', { hasText: tile }).click()
    await page.locator('[data-test="list"] li').first().waitFor()
    lists[kind] = {
      titles: (await page.locator('[data-test="list"] li a span:first-child').allTextContents()).map((t) => t.trim()),
      total: Number(await page.locator('[data-test="list-total"]').textContent()),
    }
  }
  return { home: { interpretations: home.interpretations.map((t) => t.trim()), interviews: home.interviews.map((t) => t.trim()) }, lists }
}
